import { readAzureSettings, SETTINGS } from '../shared/host/azure/azureSettings';

const TENANT = '7a1b2c3d-0000-4000-8000-00000000c0de';

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
      serviceBus: { fullyQualifiedNamespace: 'ns.servicebus.windows.net' },
      managedIdentityClientId: 'mi-client-id',
      appInsightsConnectionString: undefined,
      allowAgentTokens: false,
      appServiceAuthentication: false,
      agentTenantId: undefined,
      maxDeliveryCount: 10,
    },
  });
});

test('a Service Bus connection string (emulator, test broker) stands in for the namespace', () => {
  const { [SETTINGS.serviceBusNamespace]: _namespace, ...rest } = complete;
  const result = readAzureSettings({ ...rest, [SETTINGS.serviceBusConnectionString]: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true' });
  expect(result.ok && result.settings.serviceBus).toEqual({ connectionString: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true' });
});

test('names every missing setting at once', () => {
  const result = readAzureSettings({});
  expect(result.ok).toBe(false);
  const names = (result as { problems: string[] }).problems.map((p) => p.split(' ')[0]);
  expect(names).toEqual([SETTINGS.config, SETTINGS.publicUrl, SETTINGS.tokenSecret, SETTINGS.cosmosEndpoint, SETTINGS.serviceBusNamespace]);
});

test('an unresolved Key Vault reference is never used as the token secret', () => {
  const result = readAzureSettings({ ...complete, [SETTINGS.tokenSecret]: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/token/)' });
  expect(result.ok ? [] : result.problems).toEqual([expect.stringContaining(`${SETTINGS.tokenSecret} is an unresolved Key Vault reference`)]);
});

test('flags read true and false in any case, as ARM writes them', () => {
  const result = readAzureSettings({ ...complete, [SETTINGS.allowAgentTokens]: 'True', [SETTINGS.appServiceAuthentication]: 'TRUE', [SETTINGS.agentTenantId]: TENANT });
  expect(result.ok && [result.settings.allowAgentTokens, result.settings.appServiceAuthentication]).toEqual([true, true]);
});

test('App Service authentication needs the agents\' tenant: a sign-in from any other tenant is no agent', () => {
  const signIn = (tenant: string | undefined) => readAzureSettings({ ...complete, [SETTINGS.appServiceAuthentication]: 'true', ...(tenant === undefined ? {} : { [SETTINGS.agentTenantId]: tenant }) });
  expect(signIn(undefined)).toEqual({ ok: false, problems: [`${SETTINGS.agentTenantId} is not set: the Entra ID tenant (a GUID) agents sign in from; required when ${SETTINGS.appServiceAuthentication} is true`] });
  expect(signIn('contoso.onmicrosoft.com')).toEqual({ ok: false, problems: [`${SETTINGS.agentTenantId} must be a tenant id (a GUID), got "contoso.onmicrosoft.com"`] });
  const read = signIn(TENANT.toUpperCase());
  expect(read.ok && read.settings.agentTenantId).toBe(TENANT.toUpperCase());
});

test('the public URL: an absolute http(s) URL, kept without its trailing slashes (bots get <it>/api/connector/)', () => {
  const publicUrl = (value: string) => {
    const result = readAzureSettings({ ...complete, [SETTINGS.publicUrl]: value });
    return result.ok ? result.settings.publicUrl : result.problems;
  };
  expect(publicUrl('https://switchboard.example/')).toBe('https://switchboard.example');
  expect(publicUrl('http://example.test:1234//')).toBe('http://example.test:1234');
  expect(publicUrl('https://proxy.example/switchboard/')).toBe('https://proxy.example/switchboard');
  for (const bad of ['http://', 'ftp://switchboard.example', 'https://switchboard.example/?x=1', 'https://switchboard.example/#top', 'https://user:secret@switchboard.example']) {
    expect(publicUrl(bad)).toEqual([`${SETTINGS.publicUrl} must be an absolute http(s) URL (the base URL bots reply to), got "${bad}"`]);
  }
});

test('refuses malformed values with what was wrong', () => {
  const result = readAzureSettings({ ...complete, [SETTINGS.tokenSecret]: 'short', [SETTINGS.maxDeliveryCount]: 'ten', [SETTINGS.allowAgentTokens]: 'yes', [SETTINGS.publicUrl]: 'switchboard.example' });
  expect(result).toEqual({
    ok: false,
    problems: [
      `${SETTINGS.publicUrl} must be an absolute http(s) URL (the base URL bots reply to), got "switchboard.example"`,
      `${SETTINGS.tokenSecret} must be at least 16 characters`,
      `${SETTINGS.allowAgentTokens} must be true or false, got "yes"`,
      `${SETTINGS.maxDeliveryCount} must be a positive whole number, got "ten"`,
    ],
  });
});
