import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CustomerTokens } from '../../shared/usecases/customerTokens';
import { DIRECT_LINE_TOKEN_SECONDS, DirectLineTokens, STREAM_TOKEN_SECONDS, type DirectLineClaims } from '../../shared/usecases/directLineTokens';

/**
 * Direct Line tokens are Switchboard's own HS256 JWTs: what one proves, and what it must not. Time is
 * the `now` passed in (the host's clock port), never the machine's.
 */

const SECRET = 'host-token-secret-0123456789abcdef';
const T0 = new Date('2024-05-01T09:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const CLAIMS: DirectLineClaims = {
  site: 'support', conv: 'conv-1', user: 'dl_customer-1', name: 'Ada', locale: 'en-US', ctx: { Email: 'ada@example.com', Tier: 2 }, ctxBy: 'visitor',
};

const tokens = new DirectLineTokens(SECRET);

/** The JWT's three parts, the payload decoded. */
function parts(token: string) {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return { header, payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>, signature };
}
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** The key Switchboard signs with, derived from the host's secret as DirectLineTokens derives it: to make tokens only a holder of the secret could. */
const signingKey = (secret: string) => createHmac('sha256', secret).update('directline-token/v1').digest();

test('round trip: the claims come back as issued, and the token lives DIRECT_LINE_TOKEN_SECONDS', () => {
  const { token, expiresIn } = tokens.issue(CLAIMS, T0);
  expect(expiresIn).toBe(DIRECT_LINE_TOKEN_SECONDS);
  expect(tokens.check(token, T0)).toEqual({ kind: 'valid', claims: CLAIMS });
  // A JWT Web Chat can read: the `user` claim is the customer's id (faces.md A.2).
  expect(parts(token).payload).toMatchObject({ user: 'dl_customer-1', conv: 'conv-1', site: 'support' });
  expect(JSON.parse(Buffer.from(parts(token).header, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
});

test('expiry is judged by the clock passed in: valid to the last second, then expired (still authentic, with its claims)', () => {
  const { token } = tokens.issue(CLAIMS, T0);
  expect(tokens.check(token, at(DIRECT_LINE_TOKEN_SECONDS - 1)).kind).toBe('valid');
  expect(tokens.check(token, at(DIRECT_LINE_TOKEN_SECONDS))).toEqual({ kind: 'expired', claims: CLAIMS, expiredAt: at(DIRECT_LINE_TOKEN_SECONDS) });
  expect(tokens.check(token, at(86_400 * 365)).kind).toBe('expired');
  // A shorter lifetime, as a host may configure.
  const short = new DirectLineTokens(SECRET, 5);
  const issued = short.issue(CLAIMS, T0);
  expect(issued.expiresIn).toBe(5);
  expect([short.check(issued.token, at(4)).kind, short.check(issued.token, at(5)).kind]).toEqual(['valid', 'expired']);
});

test('a tampered payload is invalid: another conversation, another user, a later expiry, claims removed', () => {
  const { token } = tokens.issue(CLAIMS, T0);
  const { header, payload, signature } = parts(token);
  for (const change of [{ conv: 'conv-2' }, { user: 'dl_someone-else' }, { site: 'partner' }, { exp: (payload.exp as number) + 3600 }, { ctx: { BotHandoffTopic: 'CreditCard' } }, { ctxBy: 'site' }]) {
    const forged = `${header}.${encode({ ...payload, ...change })}.${signature}`;
    expect({ change, check: tokens.check(forged, T0) }).toEqual({ change, check: { kind: 'invalid' } });
  }
  // One flipped character of the signature.
  const flipped = `${header}.${token.split('.')[1]}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
  expect(tokens.check(flipped, T0)).toEqual({ kind: 'invalid' });
});

test('a token signed with another secret, or with the host secret itself instead of the derived key, is invalid', () => {
  const other = new DirectLineTokens('another-host-secret-0123456789abc');
  expect(tokens.check(other.issue(CLAIMS, T0).token, T0)).toEqual({ kind: 'invalid' });
  const payload = { ...CLAIMS, iss: 'switchboard', aud: 'switchboard/directline', iat: T0.getTime() / 1000, exp: T0.getTime() / 1000 + 600 };
  expect(tokens.check(jwt.sign(payload, SECRET, { algorithm: 'HS256' }), T0)).toEqual({ kind: 'invalid' });
  // The derived key with the same payload is what Switchboard issues: the test's forgery kit is right.
  expect(tokens.check(jwt.sign(payload, signingKey(SECRET), { algorithm: 'HS256' }), T0).kind).toBe('valid');
});

test('alg none, and an RS256 or HS512 header, are refused whatever the payload', () => {
  const { token } = tokens.issue(CLAIMS, T0);
  const { payload } = parts(token);
  expect(tokens.check(`${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`, T0)).toEqual({ kind: 'invalid' });
  expect(tokens.check(`${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.${parts(token).signature}`, T0)).toEqual({ kind: 'invalid' });
  // The HS256 signature under a header that says RS256: a verifier that trusted the header would be confused.
  expect(tokens.check(`${encode({ alg: 'RS256', typ: 'JWT' })}.${token.split('.')[1]}.${parts(token).signature}`, T0)).toEqual({ kind: 'invalid' });
  // A real RS256 token of someone's key pair.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  expect(tokens.check(jwt.sign(payload, privateKey, { algorithm: 'RS256' }), T0)).toEqual({ kind: 'invalid' });
  // Another HMAC with the right key: only HS256 is accepted.
  expect(tokens.check(jwt.sign(payload, signingKey(SECRET), { algorithm: 'HS512' }), T0)).toEqual({ kind: 'invalid' });
});

test('a token of the right key without a valid issuer, audience, expiry or the claims it needs is invalid', () => {
  const key = signingKey(SECRET);
  const base = { ...CLAIMS, iss: 'switchboard', aud: 'switchboard/directline', iat: T0.getTime() / 1000, exp: T0.getTime() / 1000 + 600 };
  const variants: Record<string, Record<string, unknown>> = {
    'other issuer': { ...base, iss: 'https://directline.botframework.com/' },
    'other audience': { ...base, aud: 'https://directline.botframework.com/' },
    'no expiry': { ...base, exp: undefined },
    'no conv': { ...base, conv: undefined },
    'no site': { ...base, site: undefined },
    'user a number': { ...base, user: 42 },
  };
  for (const [what, payload] of Object.entries(variants)) {
    const clean = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
    expect({ what, check: tokens.check(jwt.sign(clean, key, { algorithm: 'HS256', noTimestamp: true }), T0) }).toEqual({ what, check: { kind: 'invalid' } });
  }
  // Claims of the wrong shape are dropped, not trusted: a context that is not strings and numbers, an unknown ctxBy.
  const odd = jwt.sign({ ...base, ctx: { nested: { a: 1 } }, ctxBy: 'admin' }, key, { algorithm: 'HS256', noTimestamp: true });
  expect(tokens.check(odd, T0)).toEqual({ kind: 'valid', claims: { site: 'support', conv: 'conv-1', user: 'dl_customer-1', name: 'Ada', locale: 'en-US' } });
});

test('a stream token is not a conversation token, nor the reverse; a stream token lives STREAM_TOKEN_SECONDS', () => {
  const stream = tokens.issueStream(CLAIMS, T0);
  const { token } = tokens.issue(CLAIMS, T0);
  expect(tokens.check(stream, T0)).toEqual({ kind: 'invalid' });
  expect(tokens.checkStream(token, T0)).toEqual({ kind: 'invalid' });
  expect(tokens.checkStream(stream, T0)).toEqual({ kind: 'valid', claims: { site: 'support', conv: 'conv-1', user: 'dl_customer-1' } });
  expect(tokens.checkStream(stream, at(STREAM_TOKEN_SECONDS)).kind).toBe('expired');
});

test('a customer token of /api/chats is not a Direct Line token, even made with the same host secret', () => {
  const customerTokens = new CustomerTokens(SECRET, 60);
  const { token } = customerTokens.issue('conv-1', T0);
  expect(tokens.check(token, T0)).toEqual({ kind: 'invalid' });
  expect(tokens.checkStream(token, T0)).toEqual({ kind: 'invalid' });
  // Nor the reverse: a Direct Line token proves nothing to the customer API.
  expect(customerTokens.check('conv-1', tokens.issue(CLAIMS, T0).token, T0)).toEqual({ kind: 'invalid' });
});

test('garbage is invalid, never a throw', () => {
  for (const garbage of ['', 'a', 'a.b', 'a.b.c', '...', 'Bearer x', `${encode({ alg: 'HS256' })}.${encode(null)}.x`, `${encode({ alg: 'HS256' })}.${encode('text')}.x`, 'x'.repeat(10_000)]) {
    expect(tokens.check(garbage, T0)).toEqual({ kind: 'invalid' });
  }
});

test('a host secret shorter than 16 characters is refused at construction', () => {
  expect(() => new DirectLineTokens('short')).toThrow('at least 16 characters');
});
