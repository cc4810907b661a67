import { readAzureSettings, SETTINGS } from '../shared/host/azure/azureSettings';

/** Cold start in Azure fails fast, naming every missing or malformed setting. */
const complete = {
  [SETTINGS.config]: '/home/site/wwwroot/switchboard.production.yaml',
  [SETTINGS.websiteHostname]: 'switchboard-abc.azurewebsites.net',
  [SETTINGS.tokenSecret]: '0123456789abcdef0123',
  [SETTINGS.cosmosEndpoint]: 'https://acct.documents.azure.com:443/',
  [SETTINGS.serviceBusNamespace]: 'ns.servicebus.windows.net',
  [SETTINGS.managedIdentityClientId]: 'mi-client-id',
};

test('reads a complete environment, with defaults', () => {
  expect(readAzureSettings(complete)).toEqual({
    ok: true,
    settings: {
      configPath: '/home/site/wwwroot/switchboard.production.yaml',
      publicUrl: 'https://switchboard-abc.azurewebsites.net',
      tokenSecret: '0123456789abcdef0123',
      cosmos: { endpoint: 'https://acct.documents.azure.com:443/', database: 'switchboard', key: undefined, closedConversationTtlInSeconds: 30 * 86_400 },
      serviceBusNamespace: 'ns.servicebus.windows.net',
      managedIdentityClientId: 'mi-client-id',
      appInsightsConnectionString: undefined,
      allowAgentTokens: false,
      maxDeliveryCount: 10,
    },
  });
});

test('names every missing setting at once', () => {
  const result = readAzureSettings({});
  expect(result.ok).toBe(false);
  const names = (result as { problems: string[] }).problems.map((p) => p.split(' ')[0]);
  expect(names).toEqual([SETTINGS.config, SETTINGS.publicUrl, SETTINGS.tokenSecret, SETTINGS.cosmosEndpoint, SETTINGS.serviceBusNamespace]);
});

test('refuses malformed values with what was wrong', () => {
  const result = readAzureSettings({ ...complete, [SETTINGS.tokenSecret]: 'short', [SETTINGS.maxDeliveryCount]: 'ten', [SETTINGS.allowAgentTokens]: 'yes', [SETTINGS.publicUrl]: 'switchboard.example' });
  expect(result).toEqual({
    ok: false,
    problems: [
      `${SETTINGS.publicUrl} must be an http(s) URL, got "switchboard.example"`,
      `${SETTINGS.tokenSecret} must be at least 16 characters`,
      `${SETTINGS.allowAgentTokens} must be true or false, got "yes"`,
      `${SETTINGS.maxDeliveryCount} must be a positive whole number, got "ten"`,
    ],
  });
});
