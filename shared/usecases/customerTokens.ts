import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A customer's bearer token: `<conversation id>.<expiry in epoch seconds>.<HMAC of both>` (base64url).
 * Nothing to store: it proves the caller was given that conversation, until when. It names its
 * conversation so that a token of another chat is told apart from a forged one (403, not 401). The
 * secret comes from the host's settings; a new secret invalidates every token.
 */
export type TokenCheck =
  | { kind: 'valid'; expiresAt: Date }
  | { kind: 'expired'; expiresAt: Date }
  /** Authentic, but issued for another conversation. */
  | { kind: 'otherConversation' }
  | { kind: 'invalid' };

/** Conversation ids are Switchboard's own (UUIDs); the id part allows what ids may hold, without dots. */
const TOKEN = /^([A-Za-z0-9_-]{1,200})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

export class CustomerTokens {
  constructor(private readonly secret: string, private readonly lifetimeInMinutes: number) {
    if (secret.length < 16) throw new Error('the customer token secret must be at least 16 characters');
  }

  issue(conversationId: string, now: Date): { token: string; expiresAt: string } {
    const expires = Math.floor(now.getTime() / 1000 + this.lifetimeInMinutes * 60);
    return { token: `${conversationId}.${expires}.${this.mac(conversationId, String(expires))}`, expiresAt: new Date(expires * 1000).toISOString() };
  }

  check(conversationId: string, token: string, now: Date): TokenCheck {
    const authentic = this.authenticPart(token);
    if (!authentic) return { kind: 'invalid' };
    if (authentic.conversationId !== conversationId) return { kind: 'otherConversation' };
    const expiresAt = new Date(authentic.expires * 1000);
    return now.getTime() < expiresAt.getTime() ? { kind: 'valid', expiresAt } : { kind: 'expired', expiresAt };
  }

  /** Whether the token was issued for this conversation, expired or not. */
  authentic(conversationId: string, token: string): boolean {
    return this.authenticPart(token)?.conversationId === conversationId;
  }

  private authenticPart(token: string): { conversationId: string; expires: number } | undefined {
    const match = TOKEN.exec(token);
    if (!match) return undefined;
    const [, conversationId, expires, given] = match as unknown as [string, string, string, string];
    const expected = Buffer.from(this.mac(conversationId, expires));
    return timingSafeEqual(Buffer.from(given), expected) ? { conversationId, expires: Number(expires) } : undefined;
  }

  /** A version and newlines keep the fields apart: the expiry is digits only, so no two inputs read the same. */
  private mac(conversationId: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`customer-token/v2\n${conversationId}\n${expires}`).digest('base64url');
  }
}
