import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A customer's bearer token: `<expiry in epoch seconds>.<HMAC of the conversation id and that expiry>`
 * (base64url). Nothing to store: it proves the caller was given this conversation, until when. The
 * secret comes from the host's settings; a new secret invalidates every token.
 */
export type TokenCheck = { kind: 'valid'; expiresAt: Date } | { kind: 'expired'; expiresAt: Date } | { kind: 'invalid' };

const TOKEN = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

export class CustomerTokens {
  constructor(private readonly secret: string, private readonly lifetimeInMinutes: number) {
    if (secret.length < 16) throw new Error('the customer token secret must be at least 16 characters');
  }

  issue(conversationId: string, now: Date): { token: string; expiresAt: string } {
    const expires = Math.floor(now.getTime() / 1000 + this.lifetimeInMinutes * 60);
    return { token: `${expires}.${this.mac(conversationId, String(expires))}`, expiresAt: new Date(expires * 1000).toISOString() };
  }

  check(conversationId: string, token: string, now: Date): TokenCheck {
    const expires = this.authenticExpiry(conversationId, token);
    if (expires === undefined) return { kind: 'invalid' };
    const expiresAt = new Date(expires * 1000);
    return now.getTime() < expiresAt.getTime() ? { kind: 'valid', expiresAt } : { kind: 'expired', expiresAt };
  }

  /** Whether the token was issued for this conversation, expired or not. */
  authentic(conversationId: string, token: string): boolean {
    return this.authenticExpiry(conversationId, token) !== undefined;
  }

  private authenticExpiry(conversationId: string, token: string): number | undefined {
    const match = TOKEN.exec(token);
    if (!match) return undefined;
    const [, expires, given] = match as unknown as [string, string, string];
    const expected = Buffer.from(this.mac(conversationId, expires));
    return timingSafeEqual(Buffer.from(given), expected) ? Number(expires) : undefined;
  }

  /** A version and newlines keep the fields apart: the expiry is digits only, so no two inputs read the same. */
  private mac(conversationId: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`customer-token/v2\n${conversationId}\n${expires}`).digest('base64url');
  }
}
