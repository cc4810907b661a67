import { createHmac } from 'node:crypto';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import type { Context } from '../core/config';

/**
 * Direct Line tokens: HS256 JWTs, scoped to one conversation of one site. Web Chat and DLJS read the
 * `user` claim as the customer's id (faces.md A.2), so a token is a JWT, not an opaque string.
 * Nothing to store: the claims are what a conversation start needs (who, which site, the context a
 * site's backend set), signed so that a browser cannot change them. The key is derived from the host's
 * token secret, so a new secret invalidates every token, as it does customer tokens.
 */
export interface DirectLineClaims {
  site: string;
  conv: string;
  /** The customer's id in the chat: `dl_…` as a site's backend named it, or Switchboard's own. */
  user: string;
  name?: string;
  locale?: string;
  /** Context for the conversation's start, set server-side (a site's backend, the pre-chat route). */
  ctx?: Context;
  /** Who set ctx: the site's backend (trusted, with the secret) or an anonymous visitor (pre-chat answers). */
  ctxBy?: 'site' | 'visitor';
}

export type DirectLineTokenCheck =
  | { kind: 'valid'; claims: DirectLineClaims }
  | { kind: 'expired'; claims: DirectLineClaims; expiredAt: Date }
  | { kind: 'invalid' };

/** Web Chat refreshes at half of a hard-coded 30 minutes, so a token lives 30 minutes (faces.md A.2). */
export const DIRECT_LINE_TOKEN_SECONDS = 1800;
/** The stream URL's token: the client has a minute to open the socket (as Microsoft's service). */
export const STREAM_TOKEN_SECONDS = 60;

const ISSUER = 'switchboard';
const AUDIENCE = { token: 'switchboard/directline', stream: 'switchboard/directline-stream' } as const;

export class DirectLineTokens {
  private readonly key: Buffer;

  constructor(secret: string, private readonly lifetimeInSeconds = DIRECT_LINE_TOKEN_SECONDS) {
    if (secret.length < 16) throw new Error('the token secret must be at least 16 characters');
    // A key of its own: a customer token's MAC can never pass as a JWT signature, nor the other way round.
    this.key = createHmac('sha256', secret).update('directline-token/v1').digest();
  }

  issue(claims: DirectLineClaims, now: Date): { token: string; expiresIn: number } {
    return { token: this.sign({ ...claims }, AUDIENCE.token, now, this.lifetimeInSeconds), expiresIn: this.lifetimeInSeconds };
  }

  check(token: string, now: Date): DirectLineTokenCheck {
    return this.verify(token, AUDIENCE.token, now);
  }

  /** The `t` of a stream URL: opens that conversation's stream, for a minute. */
  issueStream(claims: DirectLineClaims, now: Date): string {
    return this.sign({ site: claims.site, conv: claims.conv, user: claims.user }, AUDIENCE.stream, now, STREAM_TOKEN_SECONDS);
  }

  checkStream(token: string, now: Date): DirectLineTokenCheck {
    return this.verify(token, AUDIENCE.stream, now);
  }

  private sign(claims: object, audience: string, now: Date, seconds: number): string {
    const at = Math.floor(now.getTime() / 1000);
    const payload = { ...claims, iss: ISSUER, aud: audience, iat: at, nbf: at - 5, exp: at + seconds };
    return jwt.sign(payload, this.key, { algorithm: 'HS256' });
  }

  private verify(token: string, audience: string, now: Date): DirectLineTokenCheck {
    let payload: JwtPayload;
    try {
      // The expiry is judged below, against the clock port: the signature, issuer and audience here.
      const verified = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience, ignoreExpiration: true, ignoreNotBefore: true });
      if (typeof verified === 'string') return { kind: 'invalid' };
      payload = verified;
    } catch {
      return { kind: 'invalid' };
    }
    const claims = claimsOf(payload);
    if (!claims || typeof payload.exp !== 'number') return { kind: 'invalid' };
    const expiredAt = new Date(payload.exp * 1000);
    // An expired token is still authentic: it says whose it was (a 403 TokenExpired, not a 401).
    return now.getTime() < expiredAt.getTime() ? { kind: 'valid', claims } : { kind: 'expired', claims, expiredAt };
  }
}

function claimsOf(payload: JwtPayload): DirectLineClaims | undefined {
  const { site, conv, user, name, locale, ctx, ctxBy } = payload as Record<string, unknown>;
  if (typeof site !== 'string' || typeof conv !== 'string' || typeof user !== 'string') return undefined;
  return {
    site, conv, user,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof locale === 'string' ? { locale } : {}),
    ...(isContext(ctx) ? { ctx } : {}),
    ...(ctxBy === 'site' || ctxBy === 'visitor' ? { ctxBy } : {}),
  };
}

function isContext(value: unknown): value is Context {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && Object.values(value).every((v) => typeof v === 'string' || typeof v === 'number');
}
