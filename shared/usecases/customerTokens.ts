import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A customer's bearer token is an HMAC of the conversation id: nothing to store, and it proves
 * the caller was given this conversation. The secret comes from the host's settings.
 */
export class CustomerTokens {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('the customer token secret must be at least 16 characters');
  }

  issue(conversationId: string): string {
    return createHmac('sha256', this.secret).update(conversationId).digest('base64url');
  }

  verify(conversationId: string, token: string | undefined): boolean {
    if (!token) return false;
    const expected = Buffer.from(this.issue(conversationId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
