import { createHmac } from 'node:crypto';
import { conversationWhere, eventually, sampleConfig, startTestHost, testClock, type TestClock } from '../support/localHostHarness';

/**
 * Finding 8 of issue 11: customer tokens never expired and kept working after the chat closed. A token
 * now carries its expiry (customerTokens.lifetimeMinutes), can be refreshed while the chat goes on, and
 * once the customer's part of the chat ended it may only read the chat, for customerTokens.readAfterCloseMinutes.
 */
type Host = Awaited<ReturnType<typeof startTestHost>>;
type Chat = { conversationId: string; token: string; expiresAt: string };

const MINUTE = 60_000;
let host: Host;
let clock: TestClock;

beforeEach(async () => {
  clock = testClock();
  host = await startTestHost({
    clock,
    config: sampleConfig((c) => {
      c.customerTokens = { lifetimeMinutes: 60, readAfterCloseMinutes: 15 };
      // The chats here outlive the idle close (30 minutes): it is not what these tests are about.
      for (const workstream of c.workstreams) workstream.autoClose.activeIdleMinutes = 24 * 60;
    }),
  });
});
afterEach(() => host.close());

async function start(): Promise<Chat> {
  const res = await host.api.call('POST', 'chats', { body: {} });
  expect(res.status).toBe(201);
  return res.body;
}

const read = (chat: Chat, token = chat.token) => host.api.call('GET', `chats/${chat.conversationId}`, { token });
const readMessages = (chat: Chat, token = chat.token) => host.api.call('GET', `chats/${chat.conversationId}/messages`, { token });
const refresh = (chat: Chat, token = chat.token) => host.api.call('POST', `chats/${chat.conversationId}/token`, { token });

/** Moves the test clock with nothing in flight (a delivery's lock would expire under the jump). */
async function advance(ms: number): Promise<void> {
  await host.bus.whenIdle();
  clock.advance(ms);
}

test('POST /api/chats gives the token\'s expiry; past it the token is refused with 401 TokenExpired saying what to do', async () => {
  const chat = await start();
  expect(chat.expiresAt).toBe(new Date(Date.parse(clock.iso()) + 60 * MINUTE).toISOString());
  await advance(59 * MINUTE);
  expect((await read(chat)).status).toBe(200);
  await advance(MINUTE);
  const expired = await read(chat);
  expect(expired.status).toBe(401);
  expect(expired.body.error.code).toBe('TokenExpired');
  expect(expired.body.error.message).toMatch(/expired at .*POST \/api\/chats\/\{id\}\/token before it expires/);
  expect((await host.api.say(chat, 'still there?')).status).toBe(401);
  expect((await refresh(chat)).status).toBe(401);
});

test('POST /api/chats/{id}/token gives a fresh token with a new expiry while the chat goes on', async () => {
  const chat = await start();
  await advance(50 * MINUTE);
  const res = await refresh(chat);
  expect(res.status).toBe(201);
  expect(res.body).toEqual({ token: expect.any(String), expiresAt: new Date(Date.parse(clock.iso()) + 60 * MINUTE).toISOString() });
  expect(res.body.token).not.toBe(chat.token);
  await advance(30 * MINUTE);
  expect((await read(chat)).status).toBe(401);
  expect((await read(chat, res.body.token)).status).toBe(200);
  expect((await host.api.say({ ...chat, token: res.body.token }, 'hello again')).status).toBe(202);
});

test('once the customer left, the token reads the chat for readAfterCloseMinutes and does nothing else', async () => {
  const chat = await start();
  // The bot's greeting first: a reply to a closed chat fails the bot's turn, and its retry would wait on the test clock.
  await eventually('the greeting', async () => ((await readMessages(chat)).body.messages.some((m: { role: string }) => m.role === 'bot') ? true : undefined));
  await host.bus.whenIdle();
  expect((await host.api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token })).status).toBe(200);
  await conversationWhere(host, chat.conversationId, (c) => c.status === 'Closed', 'the chat closed');
  expect((await host.api.say(chat, 'wait')).status).toBe(409);
  const refused = await refresh(chat);
  expect(refused.status).toBe(409);
  expect(refused.body.error.message).toMatch(/the chat has ended/);

  await advance(14 * MINUTE);
  expect((await read(chat)).body.status).toBe('Closed');
  expect((await readMessages(chat)).status).toBe(200);
  await advance(2 * MINUTE);
  for (const res of [await read(chat), await readMessages(chat), await host.api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token })]) {
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'TokenExpired', message: expect.stringMatching(/the chat ended at .*; its token could read it for 15 minutes after/) });
  }
});

test('a token of another chat is 403, and forged or garbled tokens are 401, never 500', async () => {
  const a = await start();
  const b = await start();
  expect((await read(b, a.token)).status).toBe(403);
  expect((await refresh(b, a.token)).status).toBe(403);
  expect((await host.api.say(b, 'hi')).status).toBe(202);
  expect((await host.api.call('POST', `chats/${b.conversationId}/messages`, { token: a.token, body: { text: 'hi' } })).status).toBe(403);

  // Forged, garbled or of the old format, a token proves nothing: 401, as for no token (RFC 6750's invalid_token).
  // (The MAC's last character changes to another one: a MAC ending in A would otherwise be the token itself, 1 run in 16.)
  const [id, expiry, mac] = a.token.split('.') as [string, string, string];
  const oldFormat = createHmac('sha256', 'x'.repeat(32)).update(a.conversationId).digest('base64url');
  const garbled = [
    oldFormat, `${expiry}.${mac}`, `${id}.${Number(expiry) + 3600}.${mac}`, `${id}.${expiry}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'E' : 'A'}`, `${b.conversationId}.${expiry}.${mac}`,
    `${id}.${expiry}.`, `${id}..${mac}`, `${id}.${expiry}.${mac}.x`, `${id}.99999999999999999999999.${mac}`, `${id}.-1.${mac}`, '1e9.abc',
    'x'.repeat(5000), 'é.é', `${id}.${expiry}.${mac}=`,
  ];
  for (const token of garbled) {
    const res = await read(a, token);
    expect([token.slice(0, 40), res.status, res.body.error.code]).toEqual([token.slice(0, 40), 401, 'Unauthorized']);
  }
  expect((await read(a, '')).status).toBe(401);
  expect((await host.api.call('GET', `chats/${a.conversationId}`, { headers: { authorization: 'Bearer' } })).status).toBe(401);
});
