import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import {
  AuthenticationConfiguration, AuthenticationError, JwtTokenValidation, ServiceClientCredentialsFactory, type Claim, type ServiceClientCredentials,
} from 'botframework-connector';
import type { BotAuthentication, Config } from '../../core/config';
import { BotAuthenticationError, type BotAuthenticator, type BotCaller } from '../../ports/botAuthenticator';

/** The audience Azure Bot Service bots (and Agents SDK bots) put on their tokens to a channel. */
export const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';

/**
 * Checks bot tokens on the connector with botbuilder's own validation: signature against the
 * issuer's keys, issuer, audience, expiry (5 min skew), and that the caller (appid/azp) is a
 * configured bot. Which bot holds the conversation is the use case's question (403), not this one.
 */
export class BotFrameworkAuthenticator implements BotAuthenticator {
  private readonly auth: ConfigurationBotFrameworkAuthentication;

  constructor(config: Config) {
    const botAppIds = new Set(config.users.flatMap((u) => (u.kind === 'bot' && u.appId ? [u.appId] : [])));
    const audiences = new Set([BOT_FRAMEWORK_AUDIENCE, config.botAuthentication?.channelAudience ?? BOT_FRAMEWORK_AUDIENCE]);
    const validateClaims = async (claims: Claim[]) => {
      const caller = JwtTokenValidation.getAppIdFromClaims(claims);
      if (!caller || !botAppIds.has(caller)) throw new AuthenticationError(`the token was issued to ${caller ? `app ${caller}` : 'no app'}, which is not a configured bot`, 401);
    };
    this.auth = new ConfigurationBotFrameworkAuthentication(
      routingSettings(config.botAuthentication),
      new ChannelCredentialsFactory(audiences, botAppIds),
      new AuthenticationConfiguration([], validateClaims, config.botAuthentication ? [config.botAuthentication.tokenIssuer] : []),
    );
  }

  async authenticate(authorizationHeader: string | undefined): Promise<BotCaller> {
    if (!authorizationHeader?.trim()) return { kind: 'anonymous' };
    let identity;
    try {
      identity = await this.auth.authenticateChannelRequest(authorizationHeader);
    } catch (error) {
      throw asAuthenticationFailure(error);
    }
    const appId = JwtTokenValidation.getAppIdFromClaims(identity.claims);
    if (!identity.isAuthenticated || !appId) throw new BotAuthenticationError('the token does not name the calling bot (appid or azp)');
    return { kind: 'appId', appId };
  }
}

/**
 * botbuilder's seven routing settings. It takes all of them as given once any is set, so they are
 * set together, or none for the public Azure cloud.
 */
export function routingSettings(identity: BotAuthentication | undefined): Record<string, string> {
  if (!identity) return {};
  return {
    ToBotFromChannelTokenIssuer: identity.tokenIssuer,
    ToBotFromChannelOpenIdMetadataUrl: identity.openIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: identity.openIdMetadataUrl,
    ToChannelFromBotLoginUrl: identity.loginUrl,
    ToChannelFromBotOAuthScope: identity.channelAudience,
    OAuthUrl: new URL('/oauth', identity.loginUrl).toString(),
    CallerId: 'urn:botframework:switchboard',
  };
}

/**
 * botbuilder asks the factory about the token's audience on the channel path and about the
 * caller's app id on the AAD ("emulator") path that Entra-issued bot tokens take; both are ours.
 */
class ChannelCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(private readonly audiences: ReadonlySet<string>, private readonly botAppIds: ReadonlySet<string>) {
    super();
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return this.audiences.has(appId) || this.botAppIds.has(appId);
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  async createCredentials(): Promise<ServiceClientCredentials> {
    throw new Error('the connector validates tokens; it never calls out with these credentials');
  }
}

/** Token failures are the caller's: jsonwebtoken's errors come unwrapped, and must be a 401 too, never a 500. */
const TOKEN_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

function asAuthenticationFailure(error: unknown): Error {
  if (error instanceof AuthenticationError || (error instanceof Error && TOKEN_ERRORS.has(error.name))) {
    return new BotAuthenticationError(`the bearer token was refused: ${error.message}`);
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (statusCode === 401 || statusCode === 403) return new BotAuthenticationError(`the bearer token was refused: ${(error as Error).message}`);
  return error instanceof Error ? error : new Error(String(error));
}
