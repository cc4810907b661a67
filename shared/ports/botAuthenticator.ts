/** Who is calling the connector, as far as its credentials prove. */
export type BotCaller =
  /** A valid bearer token issued to this app id. */
  | { kind: 'appId'; appId: string }
  /** No Authorization header: only bots without an app id may call so, and only when the configuration allows it. */
  | { kind: 'anonymous' }
  /** Our own call's answer (expectReplies): the bot is known. */
  | { kind: 'trusted'; botId: string };

export class BotAuthenticationError extends Error {
  override readonly name = 'BotAuthenticationError';
}

/** Checks a connector request's Authorization header; throws BotAuthenticationError (→ 401) when it does not hold. */
export interface BotAuthenticator {
  authenticate(authorizationHeader: string | undefined): Promise<BotCaller>;
}
