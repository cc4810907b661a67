import type { Activity } from '../../shared/core/activity';
import { GREETING } from '../../shared/demo-bot/demoBot';
import { DirectLineClient, textOf, visitorToken } from '../support/directLineClient';
import { conversationWhere, eventually, hostPerTest, postBotActivity, type TestHost } from '../support/localHostHarness';
import { SseClient } from '../support/sseClient';

/**
 * Typing both ways, with botframework-directlinejs 0.15.5: the customer's typing reaches the agent's
 * API; the agent's and the bot's reach the customer's client, polling and streaming, with the typer's
 * name and no text; a stale typing is gone, and none ever enters the transcript.
 */
const clients: DirectLineClient[] = [];
afterEach(() => clients.splice(0).forEach((client) => client.end()));
const { start, idle } = hostPerTest();

async function connect(h: TestHost, webSocket: boolean): Promise<DirectLineClient> {
  const { token, conversationId } = await visitorToken(h.baseUrl);
  const client = new DirectLineClient(h.baseUrl, { token, webSocket }, conversationId);
  clients.push(client);
  await client.online();
  await client.received('the greeting', (a) => textOf(a) === GREETING);
  return client;
}

/** The demo bot escalates a credit-card question: an agent of CreditCardQueue holds the chat. */
async function withAgent(h: TestHost, client: DirectLineClient): Promise<string> {
  await client.say('I need a credit card', 'escalate-1');
  const conversation = await conversationWhere(h, client.conversationId, (c) => c.status === 'Active' && c.assignee?.kind === 'agent', 'an agent to hold the chat');
  return conversation.assignee!.id;
}

const typingFrom = (id: string) => (a: Activity) => a.type === 'typing' && a.from?.id === id;

/** GET activities from the start: it never waits, and shows a typing while it counts. */
async function activitiesNow(h: TestHost, client: DirectLineClient): Promise<{ activities: Activity[]; watermark: string | null }> {
  const response = await fetch(`${h.baseUrl}/api/directline/conversations/${client.conversationId}/activities`, { headers: { authorization: `Bearer ${client.token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { activities: Activity[]; watermark: string | null };
}

test("the customer's typing reaches the agent's messages route while it counts and the agent's stream, and never the transcript", async () => {
  const h = await start({});
  const client = await connect(h, true);
  const agent = await withAgent(h, client);
  const messagesRoute = `/conversations/${client.conversationId}/messages`;
  expect((await h.api.agent(agent, 'GET', messagesRoute)).body.customerTypingAt).toBeNull();
  const transcript = await h.services.transcripts.list(client.conversationId);
  const stream = await SseClient.open(`${h.baseUrl}/api/agents/${agent}/events`, { authorization: `Bearer dev-${agent}` });

  try {
    await client.post({ type: 'typing' });
    const typingAt = (await h.api.agent(agent, 'GET', messagesRoute)).body.customerTypingAt;
    expect(Date.parse(typingAt)).toBeGreaterThan(Date.now() - 5000);
    const told = await eventually('the typing on the stream', async () => stream.events('typing')[0]);
    expect(told.data).toEqual({ conversationId: client.conversationId, at: typingAt });
  } finally {
    stream.close();
  }
  expect(await h.services.transcripts.list(client.conversationId)).toEqual(transcript);

  // A message ends the typing at once; a typing nobody follows up goes stale after 5 s.
  await client.say('here is my question', 'question-1');
  expect((await h.api.agent(agent, 'GET', messagesRoute)).body.customerTypingAt).toBeNull();
  await client.post({ type: 'typing' });
  expect((await h.api.agent(agent, 'GET', messagesRoute)).body.customerTypingAt).not.toBeNull();
  await eventually('the typing to go stale', async () => ((await h.api.agent(agent, 'GET', messagesRoute)).body.customerTypingAt === null ? true : undefined), 10_000);
}, 40_000);

describe.each([['streaming', true], ['polling', false]] as const)("the agent's typing reaches the customer's client (%s)", (_mode, webSocket) => {
  test("with the agent's name, role bot and no text; it leaves the watermark alone, and stale it is gone", async () => {
    const h = await start({});
    const client = await connect(h, webSocket);
    const agent = await withAgent(h, client);
    await idle(); // the notices of the assignment are in
    const before = await activitiesNow(h, client);

    const answer = await h.api.agent(agent, 'POST', `/conversations/${client.conversationId}/typing`);
    expect(answer).toEqual({ status: 202, body: { typingAt: expect.any(String) } });
    const typing = await client.received("the agent's typing", typingFrom(agent));
    expect(typing).toMatchObject({ type: 'typing', from: { id: agent, name: h.services.directory.user(agent)!.name, role: 'bot' }, channelData: { switchboard: { kind: 'agent' } } });
    expect(textOf(typing)).toBeUndefined();

    const during = await activitiesNow(h, client);
    expect(during.watermark).toBe(before.watermark);
    expect(during.activities.filter((a) => a.type === 'typing')).toHaveLength(1);
    await eventually('the typing to go stale', async () => ((await activitiesNow(h, client)).activities.some((a) => a.type === 'typing') ? undefined : true), 10_000);
  }, 40_000);
});

test("the agent's message ends the agent's typing", async () => {
  const h = await start({});
  const client = await connect(h, false);
  const agent = await withAgent(h, client);
  await h.api.agent(agent, 'POST', `/conversations/${client.conversationId}/typing`);
  await client.received("the agent's typing", typingFrom(agent));
  expect((await h.api.agent(agent, 'POST', `/conversations/${client.conversationId}/messages`, { text: 'Hello, I am here' })).status).toBe(202);
  await client.received("the agent's message", (a) => textOf(a) === 'Hello, I am here');
  expect((await activitiesNow(h, client)).activities.some((a) => a.type === 'typing')).toBe(false);
}, 30_000);

test("a bot's typing through the connector reaches the customer with the bot's name; only the bot holding the chat may", async () => {
  const h = await start({});
  const client = await connect(h, true);
  const typed = await postBotActivity(h.api, client.conversationId, { type: 'typing', from: { id: 'demo-bot' } });
  expect(typed.status).toBe(200);
  const typing = await client.received("the bot's typing", typingFrom('demo-bot'));
  expect(typing).toMatchObject({ from: { id: 'demo-bot', name: h.services.directory.user('demo-bot')!.name, role: 'bot' }, channelData: { switchboard: { kind: 'bot' } } });

  const agent = await withAgent(h, client);
  expect((await postBotActivity(h.api, client.conversationId, { type: 'typing', from: { id: 'demo-bot' } })).status).toBe(403);
  expect((await h.api.agent(agent === 'alice' ? 'bob' : 'alice', 'POST', `/conversations/${client.conversationId}/typing`)).status).toBe(403);
}, 30_000);
