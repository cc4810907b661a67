import { ConfidentialClientApplication } from '@azure/msal-node';
import { JwtTokenProviderFactory, ManagedIdentityAppCredentials, MsalAppCredentials, type AppCredentials } from 'botframework-connector';
import type { BotUser, Config } from '../../core/config';
import { BotCredentialsRejectedError } from '../../ports/botClient';

/** OAuth errors (as MSAL reports them) that mean the bot's app id or secret is wrong, not that the provider is down. */
const REFUSED_CREDENTIALS = new Set(['invalid_client', 'unauthorized_client']);

/** Microsoft's authority for Bot Framework tokens (the public cloud). */
export const PUBLIC_LOGIN_URL = 'https://login.microsoftonline.com/botframework.com';

export class BotCredentialsError extends Error {
  override readonly name = 'BotCredentialsError';
}

/**
 * Bearer tokens for calling bots: audience = the bot's app id, from the bot's own credentials,
 * through botbuilder's connector credential classes (MSAL underneath, which caches the tokens).
 * Built once at start-up: a missing secret fails the start, naming the setting.
 */
export class BotTokenProvider {
  private readonly credentials = new Map<string, AppCredentials>();

  constructor(config: Config, env: NodeJS.ProcessEnv) {
    const loginUrl = config.botAuthentication?.loginUrl ?? PUBLIC_LOGIN_URL;
    const knownAuthorities = config.botAuthentication?.knownAuthorities ?? [];
    for (const user of config.users) {
      if (user.kind !== 'bot' || !user.appId || !user.credentials) continue;
      this.credentials.set(user.id, credentialsFor(user, user.appId, authorityFor(loginUrl, user.tenantId), knownAuthorities, env));
    }
  }

  /** The token for `bot`, or undefined for a bot without an app id (unauthenticated, local development). */
  async getToken(bot: BotUser): Promise<string | undefined> {
    const credentials = this.credentials.get(bot.id);
    if (!credentials) return undefined;
    try {
      return await credentials.getToken();
    } catch (error) {
      const code = (error as { errorCode?: unknown }).errorCode;
      if (typeof code !== 'string' || !REFUSED_CREDENTIALS.has(code)) throw error;
      const detail = /AADSTS\d+:[^.]*\./.exec((error as Error).message)?.[0] ?? code;
      throw new BotCredentialsRejectedError(`bot "${bot.id}": the identity provider refused its credentials (${code}): ${detail}`, { cause: error });
    }
  }
}

/** A single-tenant bot gets its tokens from its own tenant at the same login host. */
function authorityFor(loginUrl: string, tenantId: string | undefined): string {
  return tenantId ? `${new URL(loginUrl).origin}/${tenantId}` : loginUrl;
}

function credentialsFor(bot: BotUser, appId: string, authority: string, knownAuthorities: string[], env: NodeJS.ProcessEnv): AppCredentials {
  const credentials = bot.credentials;
  if (credentials && 'managedIdentity' in credentials) {
    // Azure only: the Function App's user-assigned identity asks for a token to the bot's app id.
    return new ManagedIdentityAppCredentials(credentials.managedIdentity.clientId, appId, new JwtTokenProviderFactory());
  }
  const auth = { clientId: appId, authority, knownAuthorities };
  if (credentials && 'secretFromEnv' in credentials) {
    const clientSecret = required(env, credentials.secretFromEnv, bot);
    return new MsalAppCredentials(new ConfidentialClientApplication({ auth: { ...auth, clientSecret } }), appId, authority, appId);
  }
  if (credentials && 'certificate' in credentials) {
    const privateKey = required(env, credentials.certificate.privateKeyFromEnv, bot);
    const clientCertificate = { thumbprint: credentials.certificate.thumbprint, privateKey };
    return new MsalAppCredentials(new ConfidentialClientApplication({ auth: { ...auth, clientCertificate } }), appId, authority, appId);
  }
  throw new BotCredentialsError(`bot "${bot.id}" has an appId but no credentials`);
}

function required(env: NodeJS.ProcessEnv, name: string, bot: BotUser): string {
  const value = env[name];
  if (!value) throw new BotCredentialsError(`bot "${bot.id}": the environment variable ${name} (its credentials) is not set`);
  // An unresolved Key Vault reference stays as its literal text; sending it as a secret would only fail later, less clearly.
  if (value.trim().startsWith('@Microsoft.KeyVault(')) throw new BotCredentialsError(`bot "${bot.id}": ${name} is an unresolved Key Vault reference: the platform could not read the vault`);
  return value;
}
