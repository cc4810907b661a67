/**
 * The Function App's settings, read once at cold start. Connections are identity-based (the
 * Function App's user-assigned managed identity): endpoints, no keys. Every missing or malformed
 * setting is reported at once, by name.
 */
export const SETTINGS = {
  config: 'SWITCHBOARD_CONFIG',
  publicUrl: 'SWITCHBOARD_PUBLIC_URL',
  websiteHostname: 'WEBSITE_HOSTNAME',
  tokenSecret: 'SWITCHBOARD_TOKEN_SECRET',
  cosmosEndpoint: 'COSMOS_ENDPOINT',
  cosmosDatabase: 'COSMOS_DATABASE',
  cosmosKey: 'COSMOS_KEY',
  closedConversationTtlDays: 'SWITCHBOARD_CLOSED_TTL_DAYS',
  serviceBusNamespace: 'ServiceBusConnection__fullyQualifiedNamespace',
  managedIdentityClientId: 'AZURE_CLIENT_ID',
  appInsights: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  allowAgentTokens: 'SWITCHBOARD_ALLOW_AGENT_TOKENS',
  maxDeliveryCount: 'SWITCHBOARD_MAX_DELIVERY_COUNT',
} as const;

export interface AzureSettings {
  configPath: string;
  /** The Function App's public base URL; bots reply to `<publicUrl>/api/connector/`. */
  publicUrl: string;
  tokenSecret: string;
  cosmos: { endpoint: string; database: string; key?: string; closedConversationTtlInSeconds?: number };
  serviceBusNamespace: string;
  managedIdentityClientId?: string;
  appInsightsConnectionString?: string;
  allowAgentTokens: boolean;
  maxDeliveryCount: number;
}

export type SettingsResult = { ok: true; settings: AzureSettings } | { ok: false; problems: string[] };

export function readAzureSettings(env: NodeJS.ProcessEnv): SettingsResult {
  const problems: string[] = [];
  const required = (name: string, why: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set: ${why}`);
    return value ?? '';
  };
  const optional = (name: string) => env[name]?.trim() || undefined;
  const positive = (name: string, fallback: number | undefined): number | undefined => {
    const raw = optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive whole number, got "${raw}"`);
    return value;
  };

  const configPath = required(SETTINGS.config, 'the path of the configuration file in the deployment (the sample allows unauthenticated bots, so it is never the default in Azure)');
  const hostname = optional(SETTINGS.websiteHostname);
  const publicUrl = (optional(SETTINGS.publicUrl) ?? (hostname ? `https://${hostname}` : undefined) ?? '').replace(/\/+$/, '');
  if (!publicUrl) problems.push(`${SETTINGS.publicUrl} is not set (nor ${SETTINGS.websiteHostname}): the public base URL bots reply to`);
  else if (!/^https?:\/\//.test(publicUrl)) problems.push(`${SETTINGS.publicUrl} must be an http(s) URL, got "${publicUrl}"`);
  const tokenSecret = required(SETTINGS.tokenSecret, 'the secret that signs customer chat tokens (a Key Vault reference in Azure)');
  if (tokenSecret && tokenSecret.length < 16) problems.push(`${SETTINGS.tokenSecret} must be at least 16 characters`);
  const endpoint = required(SETTINGS.cosmosEndpoint, 'the Cosmos DB account endpoint, e.g. https://<account>.documents.azure.com:443/');
  const ttlDays = positive(SETTINGS.closedConversationTtlDays, 30);
  const serviceBusNamespace = required(SETTINGS.serviceBusNamespace, 'the Service Bus namespace, e.g. <namespace>.servicebus.windows.net (the triggers use the same identity-based connection)');
  const allowAgentTokens = optional(SETTINGS.allowAgentTokens);
  if (allowAgentTokens !== undefined && !['true', 'false'].includes(allowAgentTokens)) problems.push(`${SETTINGS.allowAgentTokens} must be true or false, got "${allowAgentTokens}"`);
  const maxDeliveryCount = positive(SETTINGS.maxDeliveryCount, 10) ?? 10;

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    settings: {
      configPath,
      publicUrl,
      tokenSecret,
      cosmos: { endpoint, database: optional(SETTINGS.cosmosDatabase) ?? 'switchboard', key: optional(SETTINGS.cosmosKey), closedConversationTtlInSeconds: ttlDays === undefined ? undefined : ttlDays * 86_400 },
      serviceBusNamespace,
      managedIdentityClientId: optional(SETTINGS.managedIdentityClientId),
      appInsightsConnectionString: optional(SETTINGS.appInsights),
      allowAgentTokens: allowAgentTokens === 'true',
      maxDeliveryCount,
    },
  };
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(`Switchboard cannot start; fix these app settings:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
