import { request as httpRequest } from 'node:http';
import type { RateLimits } from '../../shared/core/config';
import type { OutgoingMessage } from '../../shared/ports/messageBus';
import { sampleConfig, startTestHost, testClock, type TestClock } from '../support/localHostHarness';

/**
 * Finding 5 of issue 11: one client could start chats and post messages without bound. Customer
 * routes are limited per client address and per conversation token (429 + Retry-After); the limits
 * come from `limits.rate` in the configuration. The test clock moves time, so nothing sleeps.
 */
type Host = Awaited<ReturnType<typeof startTestHost>>;

interface Reply {
  status: number;
  retryAfter: string | undefined;
  body: any;
}

/** One request over loopback from a chosen source address (127.0.0.0/8 is all loopback on Linux). */
function call(host: Host, method: string, path: string, options: { from?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const url = new URL(`${host.baseUrl}/api/${path}`);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers, ...(body && { 'content-type': 'application/json' }), ...(options.token && { authorization: `Bearer ${options.token}` }) };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: url.port, path: url.pathname, method, headers, localAddress: options.from ?? '127.0.0.1' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const OFF: RateLimits = { chatStartsPerAddress: false, requestsPerAddress: false, requestsPerToken: false };

async function hostWith(rate: Partial<RateLimits>, options: { trustForwardedFor?: boolean } = {}): Promise<{ host: Host; clock: TestClock; starts: OutgoingMessage[] }> {
  const clock = testClock();
  const host = await startTestHost({ clock, config: sampleConfig((c) => { c.limits.rate = { ...OFF, ...rate }; }), ...options });
  // Every start command that reaches the bus: a refused start must put nothing there.
  const starts: OutgoingMessage[] = [];
  const send = host.services.bus.send.bind(host.services.bus);
  host.services.bus.send = (messages) => {
    starts.push(...messages.filter((m) => (m.body as { type?: string }).type === 'start'));
    return send(messages);
  };
  return { host, clock, starts };
}

let current: Host | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

test('the 4th chat start from one address in a minute gets 429 with Retry-After and starts nothing; another address still starts', async () => {
  const { host, clock, starts } = await hostWith({ chatStartsPerAddress: { requests: 3, perSeconds: 60 } });
  current = host;
  for (let i = 0; i < 3; i++) expect((await call(host, 'POST', 'chats', { body: {} })).status).toBe(201);
  const refused = await call(host, 'POST', 'chats', { body: {} });
  expect(refused.status).toBe(429);
  expect(refused.retryAfter).toBe('20');
  expect(refused.body.error.code).toBe('TooManyRequests');
  expect(refused.body.error.message).toMatch(/3 chat starts per 60 seconds.*limits\.rate\.chatStartsPerAddress.*retry after 20 seconds/);
  expect(starts).toHaveLength(3);

  expect((await call(host, 'POST', 'chats', { body: {}, from: '127.0.0.2' })).status).toBe(201);
  // A header the client wrote is not its address: this host is not behind a proxy.
  expect((await call(host, 'POST', 'chats', { body: {}, headers: { 'x-forwarded-for': '198.51.100.9' } })).status).toBe(429);
  expect(starts).toHaveLength(4);

  // Nothing in flight when time jumps (a delivery's lock would expire under it).
  await host.bus.whenIdle();
  clock.advance(60_000);
  expect((await call(host, 'POST', 'chats', { body: {} })).status).toBe(201);
});

test('one token cannot flood its chat: 429 past the per-token limit, other chats and a forger cannot drain it', async () => {
  const { host, clock } = await hostWith({ requestsPerToken: { requests: 3, perSeconds: 10 } });
  current = host;
  const chat = (await call(host, 'POST', 'chats', { body: {} })).body;
  const other = (await call(host, 'POST', 'chats', { body: {} })).body;
  // Requests with a token that is not this chat's count against nobody's allowance here (they are refused anyway).
  for (let i = 0; i < 5; i++) expect((await call(host, 'GET', `chats/${chat.conversationId}`, { token: other.token })).status).toBe(403);

  for (let i = 0; i < 3; i++) expect((await call(host, 'POST', `chats/${chat.conversationId}/messages`, { token: chat.token, body: { text: `flood ${i}` } })).status).toBe(202);
  const refused = await call(host, 'POST', `chats/${chat.conversationId}/messages`, { token: chat.token, body: { text: 'one more' } });
  expect(refused.status).toBe(429);
  expect(refused.retryAfter).toBe('4');
  expect(refused.body.error).toEqual({ code: 'TooManyRequests', message: expect.stringMatching(/3 requests per 10 seconds.*limits\.rate\.requestsPerToken/) });
  expect((await call(host, 'GET', `chats/${chat.conversationId}/messages`, { token: chat.token })).status).toBe(429);
  // Another chat from the same address has its own allowance.
  expect((await call(host, 'GET', `chats/${other.conversationId}`, { token: other.token })).status).toBe(200);

  await host.bus.whenIdle();
  clock.advance(10_000);
  expect((await call(host, 'GET', `chats/${chat.conversationId}`, { token: chat.token })).status).toBe(200);
});

test('every customer route counts against the address; agent, bot and health routes do not', async () => {
  const { host } = await hostWith({ requestsPerAddress: { requests: 4, perSeconds: 60 } });
  current = host;
  const chat = (await call(host, 'POST', 'chats', { body: {} })).body;
  expect((await call(host, 'GET', `chats/${chat.conversationId}`, { token: chat.token })).status).toBe(200);
  expect((await call(host, 'GET', `chats/${chat.conversationId}/messages`, { token: chat.token })).status).toBe(200);
  expect((await call(host, 'GET', `chats/${chat.conversationId}`, { token: 'forged' })).status).toBe(401);
  const refused = await call(host, 'POST', 'chats', { body: {} });
  expect(refused.status).toBe(429);
  expect(refused.body.error.message).toMatch(/4 requests per 60 seconds.*limits\.rate\.requestsPerAddress/);
  expect((await call(host, 'POST', `chats/${chat.conversationId}/end`, { token: chat.token })).status).toBe(429);
  // A call center behind one address: its agents are not limited per address.
  for (let i = 0; i < 6; i++) expect((await call(host, 'GET', 'agents/alice/offers', { token: 'dev-alice' })).status).toBe(200);
  for (let i = 0; i < 6; i++) expect((await call(host, 'GET', 'health')).status).toBe(200);
});

test('behind a proxy the host was told about, the address is the last X-Forwarded-For entry, an IPv6 client counted per /64', async () => {
  const { host } = await hostWith({ chatStartsPerAddress: { requests: 1, perSeconds: 60 } }, { trustForwardedFor: true });
  current = host;
  const from = (xff: string) => call(host, 'POST', 'chats', { body: {}, headers: { 'x-forwarded-for': xff } });
  expect((await from('203.0.113.1:5000')).status).toBe(201);
  expect((await from('198.51.100.7, 203.0.113.1:6000')).status).toBe(429);
  expect((await from('203.0.113.1, 203.0.113.2:6000')).status).toBe(201);
  expect((await from('[2001:db8:1:2::1]:443')).status).toBe(201);
  expect((await from('[2001:db8:1:2:ffff::9]:443')).status).toBe(429);
});
