import { DEFAULT_COSMOS_DATABASE } from '../../adapters/cosmos/cosmosContainers';
import { isGuid } from '../../core/guid';

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
  serviceBusConnectionString: 'ServiceBusConnection',
  managedIdentityClientId: 'AZURE_CLIENT_ID',
  appInsights: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  allowAgentTokens: 'SWITCHBOARD_ALLOW_AGENT_TOKENS',
  appServiceAuthentication: 'SWITCHBOARD_APP_SERVICE_AUTH',
  agentTenantId: 'SWITCHBOARD_AGENT_TENANT_ID',
  maxDeliveryCount: 'SWITCHBOARD_MAX_DELIVERY_COUNT',
  demoBot: 'SWITCHBOARD_DEMO_BOT',
  filesContainerUrl: 'SWITCHBOARD_FILES_CONTAINER_URL',
} as const;

/**
 * SWITCHBOARD_DEMO_BOT=true serves the demo bot in Azure too. Unsafe: it is unauthenticated, so anyone who
 * can reach it can make it act on the chats it holds. Read when the function files register, before any setting is checked.
 */
export function demoBotInAzure(env: NodeJS.ProcessEnv): boolean {
  return env[SETTINGS.demoBot]?.trim().toLowerCase() === 'true';
}

export interface AzureSettings {
  configPath: string;
  /** The Function App's public base URL; bots reply to `<publicUrl>/api/connector/`. */
  publicUrl: string;
  tokenSecret: string;
  cosmos: { endpoint: string; database: string; key?: string; closedConversationTtlInSeconds?: number };
  /** Identity-based (Azure): the namespace. A connection string only for the emulator or a test broker. */
  serviceBus: { fullyQualifiedNamespace: string } | { connectionString: string };
  managedIdentityClientId?: string;
  appInsightsConnectionString?: string;
  allowAgentTokens: boolean;
  /** App Service authentication is on: the platform injects (and strips forged) principal headers, so they are trusted. */
  appServiceAuthentication: boolean;
  /** The Entra ID tenant agents sign in from: a principal of any other tenant is no agent. Required with appServiceAuthentication. */
  agentTenantId?: string;
  maxDeliveryCount: number;
  /** The blob container customers' uploads go to, signed in with the managed identity; absent: uploads are refused. */
  filesContainerUrl?: string;
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
  const rawPublicUrl = optional(SETTINGS.publicUrl) ?? (hostname ? `https://${hostname}` : undefined);
  const parsedPublicUrl = rawPublicUrl === undefined ? undefined : parsePublicUrl(rawPublicUrl);
  if (!parsedPublicUrl) problems.push(`${SETTINGS.publicUrl} is not set (nor ${SETTINGS.websiteHostname}): the public base URL bots reply to`);
  else if (!parsedPublicUrl.ok) problems.push(parsedPublicUrl.problem);
  const publicUrl = parsedPublicUrl?.ok ? parsedPublicUrl.publicUrl : '';
  const tokenSecret = required(SETTINGS.tokenSecret, 'the secret that signs customer chat tokens (a Key Vault reference in Azure)');
  if (isUnresolvedKeyVaultReference(tokenSecret)) problems.push(`${SETTINGS.tokenSecret} is an unresolved Key Vault reference: the platform could not read the vault (check the identity's Key Vault Secrets User role and keyVaultReferenceIdentity)`);
  else if (tokenSecret && tokenSecret.length < 16) problems.push(`${SETTINGS.tokenSecret} must be at least 16 characters`);
  const endpoint = required(SETTINGS.cosmosEndpoint, 'the Cosmos DB account endpoint, e.g. https://<account>.documents.azure.com:443/');
  const ttlDays = positive(SETTINGS.closedConversationTtlDays, 30);
  const serviceBusConnectionString = optional(SETTINGS.serviceBusConnectionString);
  const serviceBusNamespace = serviceBusConnectionString ? '' : required(SETTINGS.serviceBusNamespace, 'the Service Bus namespace, e.g. <namespace>.servicebus.windows.net (the triggers use the same identity-based connection)');
  const flag = (name: string): boolean => {
    const raw = optional(name);
    if (raw !== undefined && !['true', 'false'].includes(raw.toLowerCase())) problems.push(`${name} must be true or false, got "${raw}"`);
    return raw?.toLowerCase() === 'true';
  };
  const allowAgentTokens = flag(SETTINGS.allowAgentTokens);
  const appServiceAuthentication = flag(SETTINGS.appServiceAuthentication);
  const agentTenantId = appServiceAuthentication
    ? required(SETTINGS.agentTenantId, `the Entra ID tenant (a GUID) agents sign in from; required when ${SETTINGS.appServiceAuthentication} is true`)
    : optional(SETTINGS.agentTenantId);
  if (agentTenantId && !isGuid(agentTenantId)) problems.push(`${SETTINGS.agentTenantId} must be a tenant id (a GUID), got "${agentTenantId}"`);
  const maxDeliveryCount = positive(SETTINGS.maxDeliveryCount, 10) ?? 10;
  const filesContainerUrl = optional(SETTINGS.filesContainerUrl);
  if (filesContainerUrl !== undefined && !/^https:\/\/[^/\s?#]+\/[^/\s?#]+\/?$/.test(filesContainerUrl)) problems.push(`${SETTINGS.filesContainerUrl} must be a blob container's URL, https://<account>.blob.core.windows.net/<container>, got "${filesContainerUrl}"`);
  flag(SETTINGS.demoBot); // Only checked: the demo bot's registration reads it (demoBotInAzure).

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    settings: {
      configPath,
      publicUrl,
      tokenSecret,
      cosmos: { endpoint, database: optional(SETTINGS.cosmosDatabase) ?? DEFAULT_COSMOS_DATABASE, key: optional(SETTINGS.cosmosKey), closedConversationTtlInSeconds: ttlDays === undefined ? undefined : ttlDays * 86_400 },
      serviceBus: serviceBusConnectionString ? { connectionString: serviceBusConnectionString } : { fullyQualifiedNamespace: serviceBusNamespace },
      managedIdentityClientId: optional(SETTINGS.managedIdentityClientId),
      appInsightsConnectionString: optional(SETTINGS.appInsights),
      allowAgentTokens,
      appServiceAuthentication,
      agentTenantId: agentTenantId || undefined,
      maxDeliveryCount,
      filesContainerUrl,
    },
  };
}

/**
 * SWITCHBOARD_PUBLIC_URL (the Azure host and `npm start` alike): an absolute http(s) URL, without query,
 * fragment or credentials, kept without its trailing slashes so that bots get `<it>/api/connector/`.
 */
export function parsePublicUrl(value: string): { ok: true; publicUrl: string } | { ok: false; problem: string } {
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname || url.search || url.hash || url.username || url.password) {
    return { ok: false, problem: `${SETTINGS.publicUrl} must be an absolute http(s) URL (the base URL bots reply to), got "${value}"` };
  }
  return { ok: true, publicUrl: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}

/** A Key Vault reference the platform could not resolve stays as its literal text: never use it as a secret. */
export function isUnresolvedKeyVaultReference(value: string | undefined): boolean {
  return value?.trim().startsWith('@Microsoft.KeyVault(') ?? false;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(`Switchboard cannot start; fix these app settings:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
