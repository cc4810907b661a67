import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity } from '../../shared/core/activity';
import { ConnectionStatus } from 'botframework-directlinejs';
import { DirectLineClient, visitorToken } from '../support/directLineClient';
import { eventually, hostPerTest, sampleConfig, startTestHost, testClock, type TestHost } from '../support/localHostHarness';

/**
 * The Direct Line contract as Microsoft's client lives it, in polling mode (`webSocket: false`, the mode
 * that works on Azure Functions too): botframework-directlinejs against a real local host, with the demo
 * bot and an agent through the agent API.
 */
const { start, idle } = hostPerTest();
const clients: DirectLineClient[] = [];
afterEach(() => clients.splice(0).forEach((c) => c.end()));

const SECRET = 'a-site-secret-for-tests-0123456789abcdef';

function config(change: (c: ReturnType<typeof sampleConfig>) => void = () => undefined) {
  return sampleConfig((c) => {
    const site = c.directLine.sites[0]!;
    site.secret = SECRET;
    delete site.secretFromEnv;
    c.directLine.longPollSeconds = 2;
    change(c);
  });
}

/** Web Chat's client in polling mode (the mode of Azure Functions), polling five times a second to keep the tests short. */
function connect(h: TestHost, token: string, options: { conversationId?: string; watermark?: string; pollingInterval?: number } = {}): DirectLineClient {
  const client = new DirectLineClient(h.baseUrl, { token, webSocket: false, ...options }, options.conversationId ?? '');
  clients.push(client);
  return client;
}

const isGreeting = (a: Activity) => a.type === 'message' && a.from?.role === 'bot' && /demo bot/.test(a.text ?? '');

test('a visitor connects, the demo bot greets, and a posted message is echoed with its id, its channelData and the token\'s user', async () => {
  const h = await start({ config: config() });
  const { token, conversationId } = await visitorToken(h.baseUrl, { name: 'Ada', context: { Email: 'ada@example.com' } });
  const customer = connect(h, token);
  await customer.online();
  const greeting = await customer.received('the greeting', isGreeting);
  expect(greeting).toMatchObject({ channelId: 'directline', conversation: { id: conversationId }, from: { id: 'demo-bot', role: 'bot' }, channelData: { switchboard: { kind: 'bot' } } });

  const id = await customer.post({ type: 'message', text: 'hello', channelData: { clientActivityID: 'client-1' }, from: { id: 'someone-else', name: 'Mallory' } });
  const echo = await customer.received('the echo', (a) => a.id === id);
  expect(echo).toMatchObject({ type: 'message', text: 'hello', from: { id: `customer-${conversationId}`, name: 'Ada', role: 'user' }, channelData: { clientActivityID: 'client-1' } });
  const stored = await h.services.conversations.get(conversationId);
  expect(stored?.value).toMatchObject({ site: 'support', customer: { id: `customer-${conversationId}`, name: 'Ada' }, context: { Email: 'ada@example.com' } });
});

test('the whole journey: bot, queue, agent (by name), and the end; the escalation summary never reaches the customer', async () => {
  const h = await start({ config: config() });
  const { token, conversationId } = await visitorToken(h.baseUrl, { name: 'Ada' });
  const customer = connect(h, token);
  await customer.received('the greeting', isGreeting);
  await customer.post({ type: 'message', text: 'I need a credit card' });
  const joined = await customer.received('the agent joining', (a) => /joined the chat/.test(a.text ?? ''));
  expect(joined).toMatchObject({ from: { id: 'switchboard', name: 'Contoso Support', role: 'bot' }, channelData: { switchboard: { kind: 'system' } } });

  const agentId = (await eventually('an agent', async () => (await h.services.conversations.get(conversationId))?.value.assignee?.id));
  expect((await h.api.agent(agentId, 'POST', `/conversations/${conversationId}/messages`, { text: 'Hello Ada, how can I help?' })).status).toBe(202);
  const fromAgent = await customer.received('the agent\'s message', (a) => a.text === 'Hello Ada, how can I help?');
  expect(fromAgent).toMatchObject({ from: { id: agentId, name: h.services.directory.agent(agentId)!.name, role: 'bot' }, channelData: { switchboard: { kind: 'agent' } } });
  // What the bot wrote for agents (the escalation summary) is in the transcript, but not for the customer.
  expect((await h.services.transcripts.list(conversationId)).some((m) => m.visibility === 'agents')).toBe(true);
  expect(customer.activities.some((a) => /escalat|summary/i.test(a.text ?? ''))).toBe(false);

  expect((await h.api.agent(agentId, 'POST', `/conversations/${conversationId}/end`)).status).toBe(200);
  await customer.received('the end of the chat', (a) => a.type === 'endOfConversation');
  // The ended chat's token reads its history until it expires, and is not refreshed (403: Web Chat ends the session).
  expect((await h.api.call('POST', 'directline/tokens/refresh', { token })).status).toBe(403);
  expect((await h.api.call('GET', `directline/conversations/${conversationId}/activities`, { token })).status).toBe(200);
  // A closed chat refuses new messages with a 4xx other than 403/404 (Web Chat marks them failed, the session lives on).
  await expect(customer.post({ type: 'message', text: 'are you there?' })).rejects.toMatchObject({ status: 409 });
  expect(customer.statuses.at(-1)).toBe(ConnectionStatus.Online);
});

test('watermarks: a reload resumes with the whole history, a watermark replays only what came after it', async () => {
  const h = await start({ config: config() });
  const { token, conversationId } = await visitorToken(h.baseUrl);
  const first = connect(h, token);
  await first.received('the greeting', isGreeting);
  const hello = await first.post({ type: 'message', text: 'hello', channelData: { clientActivityID: 'c-1' } });
  await first.received('the bot\'s answer', (a) => a.from?.role === 'bot' && a.text !== undefined && !isGreeting(a));
  await idle();
  const seen = first.activities.map((a) => a.id);
  first.end();

  // A reload: the page keeps the conversation id and the token, and starts from an empty watermark.
  const reloaded = connect(h, token, { conversationId, watermark: '' });
  await reloaded.online();
  await eventually('the whole history', async () => (reloaded.activities.length >= seen.length ? true : undefined));
  expect(reloaded.activities.map((a) => a.id)).toEqual(seen);
  expect(reloaded.activities.find((a) => a.id === hello)?.channelData).toMatchObject({ clientActivityID: 'c-1' });

  // Straight from the route: after the greeting's watermark only the rest.
  const all = await activities(h, conversationId, token, '');
  expect(all.activities.map((a) => a.id)).toEqual(seen);
  const rest = await activities(h, conversationId, token, await watermarkAfter(h, conversationId, token, 1));
  expect(rest.activities.map((a) => a.id)).toEqual(seen.slice(1));
});

test('an empty poll waits for the next activity (a held GET), and answers an empty set with the same watermark when nothing comes', async () => {
  const h = await start({ config: config((c) => (c.directLine.longPollSeconds = 1)) });
  const { token, conversationId } = await visitorToken(h.baseUrl);
  const customer = connect(h, token);
  await customer.received('the greeting', isGreeting);
  await idle();
  const watermark = (await activities(h, conversationId, token, '')).watermark!;
  const quiet = await activities(h, conversationId, token, watermark);
  expect(quiet).toEqual({ activities: [], watermark });

  const held = activities(h, conversationId, token, watermark);
  await customer.post({ type: 'message', text: 'ping' });
  expect((await held).activities.map((a) => a.text)).toContain('ping');
});

test('tokens: refresh gives a new one for the same conversation; an expired one is a 403 TokenExpired, and Web Chat sees ExpiredToken', async () => {
  const clock = testClock();
  const h = await start({ config: config(), clock });
  const { token, conversationId } = await visitorToken(h.baseUrl);
  expect((await h.api.call('POST', 'directline/conversations', { token })).status).toBe(201);
  expect((await h.api.call('POST', 'directline/conversations', { token })).status).toBe(200);
  clock.advance(60_000);
  const refreshed = await h.api.call('POST', 'directline/tokens/refresh', { token });
  expect(refreshed.status).toBe(200);
  expect(refreshed.body).toMatchObject({ conversationId, expires_in: 1800 });
  expect(refreshed.body.token).not.toBe(token);

  await h.bus.whenIdle();
  // The first token is past its 30 minutes, the refreshed one (a minute younger) is not.
  clock.advance(1745_000);
  const expired = await h.api.call('GET', `directline/conversations/${conversationId}/activities`, { token });
  expect(expired).toMatchObject({ status: 403, body: { error: { code: 'TokenExpired' } } });
  expect((await h.api.call('POST', 'directline/tokens/refresh', { token })).status).toBe(403);
  // The refreshed token still works.
  expect((await h.api.call('GET', `directline/conversations/${conversationId}/activities`, { token: refreshed.body.token })).status).toBe(200);
  const customer = connect(h, token, { conversationId });
  await eventually('ExpiredToken or FailedToConnect', async () => (customer.statuses.some((s) => s === ConnectionStatus.ExpiredToken || s === ConnectionStatus.FailedToConnect) ? true : undefined));
});

test('a site\'s backend names a signed-in customer and sets context with the secret; the bot sees the dl_ id', async () => {
  const h = await start({ config: config() });
  const generated = await h.api.call('POST', 'directline/tokens/generate', { token: SECRET, body: { user: { id: 'dl_ada-42', name: 'Ada Lovelace' }, context: { Email: 'ada@example.com' } } });
  expect(generated.status).toBe(200);
  const customer = connect(h, generated.body.token);
  await customer.received('the greeting', isGreeting);
  const id = await customer.post({ type: 'message', text: 'hi' });
  expect(await customer.received('the echo', (a) => a.id === id)).toMatchObject({ from: { id: 'dl_ada-42', name: 'Ada Lovelace', role: 'user' } });
  const stored = (await h.services.conversations.get(generated.body.conversationId))!.value;
  expect(stored).toMatchObject({ customer: { id: 'dl_ada-42', name: 'Ada Lovelace' }, context: { Email: 'ada@example.com' }, site: 'support' });
  // Without the secret, nobody generates tokens; a token is not a secret.
  expect((await h.api.call('POST', 'directline/tokens/generate', { token: generated.body.token, body: {} })).status).toBe(403);
  expect((await h.api.call('POST', 'directline/tokens/generate', { token: 'not-the-secret', body: {} })).status).toBe(401);
});

test('an Adaptive Card submit (a value, no text) and an event reach the bot, and both are echoed', async () => {
  const h = await start({ config: config() });
  const { token, conversationId } = await visitorToken(h.baseUrl);
  const customer = connect(h, token);
  await customer.received('the greeting', isGreeting);
  const submit = await customer.post({ type: 'message', value: { choice: 'credit' }, channelData: { clientActivityID: 'card-1', postBack: true } });
  const event = await customer.post({ type: 'event', name: 'webchat/join', value: { language: 'en' } });
  expect(await customer.received('the submit\'s echo', (a) => a.id === submit)).toMatchObject({ type: 'message', value: { choice: 'credit' }, channelData: { postBack: true } });
  expect(await customer.received('the event\'s echo', (a) => a.id === event)).toMatchObject({ type: 'event', name: 'webchat/join', value: { language: 'en' } });
  const transcript = await h.services.transcripts.list(conversationId);
  expect(transcript.find((m) => m.id === submit)).toMatchObject({ role: 'customer', value: { choice: 'credit' } });
  expect(transcript.find((m) => m.id === event)).toMatchObject({ type: 'event', name: 'webchat/join' });
});

test('two customers never see each other\'s activities', async () => {
  const h = await start({ config: config() });
  const [a, b] = await Promise.all([visitorToken(h.baseUrl), visitorToken(h.baseUrl)]);
  const alice = connect(h, a.token);
  const bob = connect(h, b.token);
  await Promise.all([alice.received('a greeting', isGreeting), bob.received('a greeting', isGreeting)]);
  await alice.post({ type: 'message', text: 'only for alice\'s chat' });
  await bob.post({ type: 'message', text: 'only for bob\'s chat' });
  await alice.received('her echo', (x) => x.text === 'only for alice\'s chat');
  await bob.received('his echo', (x) => x.text === 'only for bob\'s chat');
  await idle();
  expect(alice.activities.every((x) => x.conversation?.id === a.conversationId)).toBe(true);
  expect(bob.activities.every((x) => x.conversation?.id === b.conversationId)).toBe(true);
  expect((await h.api.call('GET', `directline/conversations/${b.conversationId}/activities`, { token: a.token })).status).toBe(403);
});

test('a restart of the host mid-chat: the polling client carries on, nothing lost or doubled', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-dl-'));
  let h = await startTestHost({ config: config(), dataDir });
  const port = Number(new URL(h.baseUrl).port);
  let customer: DirectLineClient | undefined;
  try {
    const { token } = await visitorToken(h.baseUrl);
    // Polls 3 s apart: the host is back before the next one (a GET that fails stops a client's polling for good).
    customer = connect(h, token, { pollingInterval: 3000 });
    await customer.received('the greeting', isGreeting);
    const before = await customer.post({ type: 'message', text: 'before the restart' });
    await customer.received('its echo', (a) => a.id === before);
    await h.close();
    h = await startTestHost({ config: config(), dataDir, port });
    const after = await customer.post({ type: 'message', text: 'after the restart' });
    await customer.received('the echo after the restart', (a) => a.id === after, 20_000);
    expect(customer.statuses.at(-1)).toBe(ConnectionStatus.Online);
    const ids = customer.activities.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  } finally {
    customer?.end();
    await h.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function activities(h: TestHost, conversationId: string, token: string, watermark: string): Promise<{ activities: Activity[]; watermark: string | null }> {
  const res = await h.api.call('GET', `directline/conversations/${conversationId}/activities?watermark=${watermark}`, { token });
  expect(res.status).toBe(200);
  return res.body;
}

/** The watermark after the first `count` activities: walking the route one page at a time is not possible, so read the transcript's positions. */
async function watermarkAfter(h: TestHost, conversationId: string, _token: string, count: number): Promise<string> {
  const page = await h.services.transcripts.listPage(conversationId, { limit: count, audience: 'customer' });
  return page.last!;
}

test('the hosted page behind a custom domain (SWITCHBOARD_PUBLIC_URL) is this host\'s own page; another origin is refused', async () => {
  const h = await start({ config: config(), publicUrl: 'https://chat.contoso.example' });
  const { token, conversationId } = await visitorToken(h.baseUrl);
  const from = (origin: string) => h.api.call('POST', 'directline/conversations', { token, headers: { origin } });
  expect((await from('https://chat.contoso.example')).status).toBe(201);
  expect((await from('https://elsewhere.example')).status).toBe(403);
  expect((await h.api.call('GET', `directline/conversations/${conversationId}/activities`, { token, headers: { origin: 'https://chat.contoso.example' } })).status).toBe(200);
});

test('a store failing for a moment is an empty set for the poll, never a 5xx (one would stop Web Chat\'s polling for good); the next poll gets the message', async () => {
  const h = await start({ config: config((c) => (c.directLine.longPollSeconds = 0)) });
  const { token, conversationId } = await visitorToken(h.baseUrl);
  const customer = connect(h, token);
  await customer.received('the greeting', isGreeting);
  await idle();
  const watermark = (await activities(h, conversationId, token, '')).watermark!;
  const transcripts = h.services.transcripts;
  const listPage = transcripts.listPage.bind(transcripts);
  let failures = 0;
  transcripts.listPage = async (...args) => {
    if (failures++ < 3) throw Object.assign(new Error('Service Unavailable'), { code: 503 });
    return listPage(...args);
  };
  expect(await activities(h, conversationId, token, watermark)).toEqual({ activities: [], watermark });
  const id = await customer.post({ type: 'message', text: 'still there?' });
  await customer.received('the echo after the failures', (a) => a.id === id);
  expect(customer.statuses.at(-1)).toBe(ConnectionStatus.Online);
});

test('polls are never shed and held ones do not count in flight: at a limit of one request, two held polls and a post all go through', async () => {
  const h = await start({ config: config(), admission: { maxConcurrentRequests: 1, maxEventLoopDelayInMs: 10_000, maxEventLoopUtilization: 1 } });
  const { token, conversationId } = await visitorToken(h.baseUrl);
  const customer = connect(h, token);
  await customer.received('the greeting', isGreeting);
  await idle();
  const watermark = (await activities(h, conversationId, token, '')).watermark!;
  const held = [activities(h, conversationId, token, watermark), activities(h, conversationId, token, watermark)];
  const posted = await h.api.call('POST', `directline/conversations/${conversationId}/activities`, { token, body: { type: 'message', text: 'through' } });
  expect(posted.status).toBe(200);
  for (const poll of await Promise.all(held)) expect(poll.activities.map((a) => a.text)).toContain('through');
});
