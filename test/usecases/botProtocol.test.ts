import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventFactory, TurnContext, type Activity as BotbuilderActivity, type BotAdapter } from 'botbuilder';
import type { Activity } from '../../shared/core/activity';
import type { BotUser, Config } from '../../shared/core/config';
import type { Conversation } from '../../shared/core/conversation';
import { QUEUES } from '../../shared/ports/messageBus';
import type { Telemetry, TelemetryProperties } from '../../shared/ports/telemetry';
import { botAuthenticationOf, startLocalIssuer } from '../fixtures/identity/localIssuer';
import { eventually, sampleConfig, startTestHost, type Api, type ApiResponse, conversationWhere as conversationWhereIn, storedConversation } from '../support/localHostHarness';

/**
 * Switchboard as the bots' channel, over HTTP (DESIGN §1, §4, issue 3): what a bot receives, what it may
 * send, and what happens when it cannot be reached. The bots are small loopback HTTP servers the test
 * scripts; they are anonymous (no app id; the sample config allows that) and named by `from.id`.
 * Real time throughout: the bot-delivery budget and the bus's retry backoff run on the clock.
 */

type Host = Awaited<ReturnType<typeof startTestHost>>;
type Chat = { conversationId: string; token: string };
type Answer = { status: number; body?: unknown };
type Script = (activity: Activity, call: number) => Answer | Promise<Answer>;

const BOT = 'probe-bot';
const BOT_NAME = 'Probe Bot';
/** What the customer gives when starting a chat: a name. Switchboard names them customer-<conversationId> (customerOf). */
const CUSTOMER = { name: 'Dana' };
const customerOf = (conversationId: string) => ({ id: `customer-${conversationId}`, ...CUSTOMER });
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const escalateTags = (context: Record<string, string | number>) => JSON.stringify({ type: 'Escalate', context });

/** A bot's messaging endpoint: records every POST and answers as the test scripts it. */
class ScriptedBot {
  readonly calls: { activity: Activity; authorization: string | undefined }[] = [];
  url = '';
  private server: Server | undefined;

  constructor(private readonly script: Script) {}

  async listen(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void (async () => {
          const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Activity;
          this.calls.push({ activity, authorization: request.headers.authorization });
          let answer: Answer;
          try {
            answer = await this.script(activity, this.calls.length);
          } catch (error) {
            answer = { status: 500, body: { error: String(error) } };
          }
          response.writeHead(answer.status, answer.body === undefined ? {} : { 'content-type': 'application/json' });
          response.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
    return this;
  }

  /** What the bot received for one conversation, in arrival order. */
  received(conversationId: string): Activity[] {
    return this.calls.map((c) => c.activity).filter((a) => a.conversation?.id === conversationId);
  }

  /** Waits (with a deadline) until the bot has received `count` activities of the conversation. */
  receivedAtLeast(conversationId: string, count: number, timeoutInMs?: number): Promise<Activity[]> {
    return eventually(`${count} activities at the bot`, async () => {
      const seen = this.received(conversationId);
      return seen.length >= count ? seen : undefined;
    }, timeoutInMs);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Telemetry events, for what the issue says must show in telemetry. */
class RecordingTelemetry implements Telemetry {
  readonly events: { name: string; properties: TelemetryProperties }[] = [];
  trackEvent(name: string, properties: TelemetryProperties = {}): void {
    this.events.push({ name, properties });
  }
  trackMetric(): void {}
  trackException(): void {}
  named(name: string) {
    return this.events.filter((e) => e.name === name).map((e) => e.properties);
  }
}

let current: Host | undefined;
let api: Api;
let telemetry: RecordingTelemetry;
const servers: ScriptedBot[] = [];

afterEach(async () => {
  await current?.close();
  current = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function host(): Host {
  if (!current) throw new Error('the test did not start a host');
  return current;
}

async function scriptedBot(script: Script = () => ({ status: 200 })): Promise<ScriptedBot> {
  const bot = await new ScriptedBot(script).listen();
  servers.push(bot);
  return bot;
}

/** A URL on which nothing listens: a port that was just free. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/api/messages`;
}

function probeBot(endpoint: string, options: Partial<BotUser> = {}): BotUser {
  return {
    id: BOT, kind: 'bot', name: BOT_NAME, endpoint, capacity: 1000,
    contextEventName: 'startConversation', deliveryMode: 'normal', unreachableAfterSeconds: 60, ...options,
  };
}

/** The sample configuration with `bot` as BotQueue's only member (demo-bot stays configured, in no queue), and two more context variables. */
async function start(bot: BotUser, adjust: (config: Config) => void = () => undefined): Promise<Host> {
  telemetry = new RecordingTelemetry();
  const config = sampleConfig((c) => {
    adjust(c);
    c.users.push(bot);
    c.queues.find((q) => q.name === 'BotQueue')!.members = [bot.id];
    // Pre-chat answers a customer gives, which a bot may update when it hands off.
    c.workstreams[0]!.contextVariables.push({ name: 'Language', type: 'text', setBy: ['customer', 'bot'] }, { name: 'Tier', type: 'number', setBy: ['customer', 'bot'] });
  });
  current = await startTestHost({ config, telemetry });
  api = current.api;
  return current;
}

const stored = (id: string): Promise<Conversation> => storedConversation(host(), id);

const conversationWhere = (id: string, predicate: (c: Conversation) => boolean, what: string, timeoutInMs?: number): Promise<Conversation> =>
  conversationWhereIn(host(), id, predicate, what, timeoutInMs);

const withAgent = (id: string, agent: string) =>
  conversationWhere(id, (c) => c.status === 'Active' && c.assignee?.id === agent && c.assignmentAnnounced, `${agent} to get the chat`);

const withProbeBot = (id: string) =>
  conversationWhere(id, (c) => c.status === 'Active' && c.assignee?.id === BOT && c.assignmentAnnounced, 'the bot to get the chat');

async function customerMessages(chat: Chat) {
  const res = await api.messages(chat);
  expect(res.status).toBe(200);
  return res.body.messages as { id: string; role: string; text: string; timestamp: string; attachments?: unknown[]; suggestedActions?: unknown }[];
}

function customerSees<T>(chat: Chat, what: string, check: (messages: Awaited<ReturnType<typeof customerMessages>>) => T | undefined): Promise<T> {
  return eventually(what, async () => check(await customerMessages(chat)));
}

async function agentView(agent: string, conversationId: string) {
  const res = await api.agent(agent, 'GET', `/conversations/${conversationId}/messages?limit=500`);
  expect(res.status).toBe(200);
  return res.body as { messages: { id: string; role: string; text: string; visibility: string }[] };
}

async function onlyAvailable(...agents: string[]): Promise<void> {
  for (const agent of ['alice', 'bob', 'carol', 'dave']) {
    const presence = agents.includes(agent) ? 'Available' : 'Offline';
    expect(await api.agent(agent, 'PUT', '/presence', { presence })).toEqual({ status: 200, body: { presence } });
  }
}

function sendMessage(chat: Chat, text: string, id: string) {
  return api.call('POST', `chats/${chat.conversationId}/messages`, { body: { text, id }, token: chat.token });
}

/** A call to the connector at the serviceUrl the bot was given, as the anonymous bot would make it. */
async function connector(serviceUrl: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const response = await fetch(`${serviceUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const activitiesPath = (conversationId: string, activityId?: string) =>
  `v3/conversations/${encodeURIComponent(conversationId)}/activities${activityId ? `/${encodeURIComponent(activityId)}` : ''}`;

/** Every dead-letter queue of the bus, which must stay empty. */
async function deadLetters() {
  await host().bus.whenIdle({ timeoutInMs: 10_000 });
  return Object.fromEntries(await Promise.all(Object.values(QUEUES).map(async (q) => [q, await host().bus.listDeadLetters(q)] as const)));
}
const NO_DEAD_LETTERS = Object.fromEntries(Object.values(QUEUES).map((q) => [q, []]));

/** The fields every activity to the bot carries. */
function channelFields(conversationId: string) {
  return {
    channelId: 'switchboard',
    serviceUrl: `${host().baseUrl}/api/connector/`,
    conversation: { id: conversationId },
    from: { ...customerOf(conversationId), role: 'user' },
    recipient: { id: BOT, name: BOT_NAME, role: 'bot' },
    locale: 'en-US',
    timestamp: expect.stringMatching(ISO),
    id: expect.any(String),
  };
}

/** A chat the probe bot holds, after it heard the start of it; returns the serviceUrl it was given. */
async function chatWithBot(bot: ScriptedBot, context: Record<string, string | number> = {}): Promise<{ chat: Chat; serviceUrl: string }> {
  const chat = await api.startChat({ customer: CUSTOMER, context });
  await withProbeBot(chat.conversationId);
  const [first] = await bot.receivedAtLeast(chat.conversationId, 2);
  return { chat, serviceUrl: first!.serviceUrl! };
}

describe('what the bot receives', () => {
  test('conversationUpdate, the context event, each customer message in order, all channel fields set; endOfConversation on escalation', async () => {
    const bot = await scriptedBot();
    await start(probeBot(bot.url));
    const chat = await api.startChat({ customer: CUSTOMER, context: { Language: 'fr', Tier: 2 } });
    const id = chat.conversationId;
    // Sent at once: it may arrive before the bot is even assigned, and must still come after the start events.
    expect(await sendMessage(chat, 'first', 'c1')).toEqual({ status: 202, body: { id: 'c1' } });
    await bot.receivedAtLeast(id, 3);
    expect(await sendMessage(chat, 'second', 'c2')).toEqual({ status: 202, body: { id: 'c2' } });
    const seen = await bot.receivedAtLeast(id, 4);

    const fields = channelFields(id);
    const context = { Language: 'fr', Tier: 2, msdyn_ConversationId: id };
    expect(seen).toEqual([
      { ...fields, type: 'conversationUpdate', membersAdded: [{ id: BOT, name: BOT_NAME, role: 'bot' }, { ...customerOf(id), role: 'user' }] },
      {
        ...fields, type: 'event', name: 'startConversation', value: context, text: JSON.stringify(context),
        channelData: { tags: 'ChannelId-switchboard,OmnichannelContextMessage,Hidden', sourceChannelId: 'omnichannel' },
      },
      { ...fields, type: 'message', id: `${id}:c1`, text: 'first' },
      { ...fields, type: 'message', id: `${id}:c2`, text: 'second' },
    ]);
    expect(new Set(seen.map((a) => a.id)).size).toBe(4);
    expect(seen[0]!.serviceUrl).toMatch(/\/api\/connector\/$/);
    // Anonymous bot: no bearer token is sent to it.
    expect(bot.calls.map((c) => c.authorization)).toEqual([undefined, undefined, undefined, undefined]);

    // The bot escalates through the serviceUrl it was given.
    const escalate = { type: 'message', id: 'esc-1', from: { id: BOT }, text: 'Customer wants a card', channelData: { tags: escalateTags({ BotHandoffTopic: 'CreditCard' }) } };
    expect(await connector(seen[0]!.serviceUrl!, 'POST', activitiesPath(id), escalate)).toEqual({ status: 200, body: { id: 'esc-1' } });
    const after = await bot.receivedAtLeast(id, 5);
    expect(after.slice(4)).toEqual([{ ...fields, type: 'endOfConversation', code: 'completedSuccessfully' }]);
    const escalated = await conversationWhere(id, (c) => c.queue === 'CreditCardQueue' && c.assignee?.kind === 'agent', 'routing to a credit-card agent');
    expect(escalated.context).toEqual({ Language: 'fr', Tier: 2, BotHandoffTopic: 'CreditCard' });
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
    expect(bot.received(id)).toHaveLength(5);
  });

  test('with contextEventName omnichannelSetContext the context event has that name; the customer ending the chat sends endOfConversation', async () => {
    const bot = await scriptedBot();
    await start(probeBot(bot.url, { contextEventName: 'omnichannelSetContext' }));
    const { chat } = await chatWithBot(bot);
    const id = chat.conversationId;
    const fields = channelFields(id);
    expect(bot.received(id)[1]).toEqual({
      ...fields, type: 'event', name: 'omnichannelSetContext', value: { msdyn_ConversationId: id }, text: JSON.stringify({ msdyn_ConversationId: id }),
      channelData: { tags: 'ChannelId-switchboard,OmnichannelContextMessage,Hidden', sourceChannelId: 'omnichannel' },
    });

    expect(await api.call('POST', `chats/${id}/end`, { token: chat.token })).toEqual({ status: 200, body: { status: 'Closed' } });
    const seen = await bot.receivedAtLeast(id, 3);
    expect(seen.map((a) => a.type)).toEqual(['conversationUpdate', 'event', 'endOfConversation']);
    expect(seen[2]).toEqual({ ...fields, type: 'endOfConversation', code: 'userCancelled' });
    expect(await stored(id)).toMatchObject({ status: 'Closed', statusReason: 'CustomerDisconnectedOrLeftActiveConversation' });
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
    expect(bot.received(id)).toHaveLength(3);
  });
});

describe('deliveryMode expectReplies', () => {
  test("the bot's replies come back in the HTTP response: a bridged message and an Escalate, processed like connector calls", async () => {
    const bot = await scriptedBot((activity) => (activity.type === 'message'
      ? {
        status: 200,
        body: {
          activities: [
            { type: 'message', text: 'Connecting you to a card specialist.', channelData: { deliveryMode: 'bridged' } },
            { type: 'message', text: 'Customer asked for a credit card', channelData: { tags: escalateTags({ BotHandoffTopic: 'CreditCard' }) } },
          ],
        },
      }
      : { status: 200, body: { activities: [] } }));
    await start(probeBot(bot.url, { deliveryMode: 'expectReplies' }));
    await onlyAvailable('alice');
    const { chat } = await chatWithBot(bot);
    const id = chat.conversationId;
    expect(await sendMessage(chat, 'I need a credit card', 'c1')).toEqual({ status: 202, body: { id: 'c1' } });

    const active = await withAgent(id, 'alice');
    expect(active).toMatchObject({ queue: 'CreditCardQueue', context: { BotHandoffTopic: 'CreditCard' }, excludedBots: [BOT], escalationSummary: 'Customer asked for a credit card' });
    const texts = await customerSees(chat, 'the bridged reply and the join notice', (m) => (m.length === 3 ? m.map((x) => [x.role, x.text]) : undefined));
    expect(texts).toEqual([['customer', 'I need a credit card'], ['bot', 'Connecting you to a card specialist.'], ['system', 'Alice joined the chat.']]);
    expect((await agentView('alice', id))!.messages.filter((m) => m.visibility === 'agents').map((m) => [m.role, m.text])).toEqual([['bot', 'Customer asked for a credit card']]);

    const seen = await bot.receivedAtLeast(id, 4);
    expect(seen.map((a) => [a.type, a.deliveryMode])).toEqual([
      ['conversationUpdate', 'expectReplies'], ['event', 'expectReplies'], ['message', 'expectReplies'], ['endOfConversation', 'expectReplies'],
    ]);
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
  });
});

describe('a bot that cannot be reached does not strand the customer', () => {
  test('a closed port with unreachableAfterSeconds 1: escalated with BotFailure=unreachable, routed by BotFailureRule, assigned; visible in history and telemetry', async () => {
    await start(probeBot(await closedPortUrl(), { unreachableAfterSeconds: 1 }));
    await onlyAvailable('alice');
    const startedAt = Date.now();
    const chat = await api.startChat({ customer: CUSTOMER });
    const id = chat.conversationId;

    const active = await withAgent(id, 'alice');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
    expect(active).toMatchObject({
      queue: 'DefaultQueue', context: { BotFailure: 'unreachable' }, excludedBots: [BOT], counters: { escalations: 1, transfers: 0 },
      escalationSummary: `The bot ${BOT} could not be reached.`,
    });
    const view = (await api.conversation(id)).body;
    expect(view.history.filter((h: { type: string }) => h.type === 'escalated')).toEqual([{ type: 'escalated', at: expect.stringMatching(ISO), botId: BOT, context: { BotFailure: 'unreachable' } }]);
    expect(view.history.filter((h: { type: string }) => h.type === 'routed').map(({ rule, queue, reason }: { rule: string; queue: string; reason: string }) => ({ rule, queue, reason }))).toEqual([
      { rule: 'BotRule', queue: 'BotQueue', reason: 'start' },
      { rule: 'BotFailureRule', queue: 'DefaultQueue', reason: 'escalation' },
    ]);

    const agentOnly = (await agentView('alice', id))!.messages.filter((m) => m.visibility === 'agents');
    // Agents read plain words; the technical reason is in telemetry.
    expect(agentOnly).toEqual([{ id: expect.any(String), role: 'system', text: `The bot ${BOT} could not be reached; the chat was routed on.`, timestamp: expect.stringMatching(ISO), visibility: 'agents' }]);
    expect((await customerMessages(chat)).map((m) => [m.role, m.text])).toEqual([['system', 'Alice joined the chat.']]);

    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
    expect(telemetry.named('BotUnreachable')).toEqual([expect.objectContaining({ conversationId: id, bot: BOT, failure: 'unreachable', queue: 'DefaultQueue', reason: expect.stringMatching(new RegExp(`^POST to bot "${BOT}" at .* failed: .*ECONNREFUSED`)) })]);
    expect(telemetry.named('BotDeliveryFailed').length).toBeGreaterThanOrEqual(2);
    expect(telemetry.named('BotDeliveryFailed').every((p) => p.conversationId === id && p.bot === BOT && p.activityType === 'conversationUpdate')).toBe(true);
  });

  /** The README's example rules: BotRule (no topic → BotQueue) and the topic rules, no rule for BotFailure. */
  const withoutBotFailureRule = (c: Config) => {
    c.workstreams[0]!.rules = c.workstreams[0]!.rules.filter((r) => r.name !== 'BotFailureRule');
  };
  const routings = async (id: string) => ((await api.conversation(id)).body.history as { type: string }[]).filter((h) => h.type === 'routed' || h.type === 'unroutable');
  const redirectWhy = `every member of BotQueue is a bot that already escalated this chat (${BOT})`;

  test('without a BotFailure rule, a bot that cannot be reached sends the chat to the fallback queue, not back to its own queue', async () => {
    await start(probeBot(await closedPortUrl(), { unreachableAfterSeconds: 1 }), withoutBotFailureRule);
    await onlyAvailable('alice');
    const chat = await api.startChat({ customer: CUSTOMER });
    const id = chat.conversationId;

    const active = await withAgent(id, 'alice');
    expect(active).toMatchObject({ queue: 'DefaultQueue', context: { BotFailure: 'unreachable' }, excludedBots: [BOT] });
    expect(await routings(id)).toEqual([
      { type: 'routed', at: expect.stringMatching(ISO), rule: 'BotRule', queue: 'BotQueue', reason: 'start' },
      { type: 'routed', at: expect.stringMatching(ISO), rule: 'BotRule', queue: 'DefaultQueue', reason: 'escalation', redirectedFrom: 'BotQueue', why: redirectWhy },
    ]);
    expect(telemetry.named('Routed').at(-1)).toMatchObject({ conversationId: id, rule: 'BotRule', queue: 'DefaultQueue', redirectedFrom: 'BotQueue', redirectReason: redirectWhy });
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
  });

  test("a bot's own escalation that sets no topic goes to the fallback queue, not back to the bot", async () => {
    const bot = await scriptedBot();
    await start(probeBot(bot.url), withoutBotFailureRule);
    await onlyAvailable('bob');
    const chat = await api.startChat({ customer: CUSTOMER });
    const id = chat.conversationId;
    await withProbeBot(id);
    const [first] = await bot.receivedAtLeast(id, 1);
    const escalate = { type: 'message', id: 'esc-no-topic', from: { id: BOT }, text: 'Please take over', channelData: { tags: escalateTags({}) } };
    expect(await connector(first!.serviceUrl!, 'POST', activitiesPath(id), escalate)).toEqual({ status: 200, body: { id: 'esc-no-topic' } });

    expect(await withAgent(id, 'bob')).toMatchObject({ queue: 'DefaultQueue', escalationSummary: 'Please take over' });
    expect((await routings(id)).at(-1)).toMatchObject({ rule: 'BotRule', queue: 'DefaultQueue', reason: 'escalation', redirectedFrom: 'BotQueue' });
  });

  test('when the fallback queue cannot take the chat either, it is closed with a reason and the customer is told', async () => {
    await start(probeBot(await closedPortUrl(), { unreachableAfterSeconds: 1 }), (c) => {
      withoutBotFailureRule(c);
      c.workstreams[0]!.fallbackQueue = 'BotQueue';
    });
    await onlyAvailable('alice');
    const chat = await api.startChat({ customer: CUSTOMER });
    const id = chat.conversationId;

    const closed = await conversationWhere(id, (c) => c.status === 'Closed', 'the chat to close', 15_000);
    expect(closed).toMatchObject({ statusReason: 'ClosedDueToFailure', assignee: null, queue: 'BotQueue' });
    expect((await routings(id)).at(-1)).toEqual({ type: 'unroutable', at: expect.stringMatching(ISO), rule: 'BotRule', queue: 'BotQueue', reason: 'escalation', why: redirectWhy });
    const seen = await customerSees(chat, 'the closing notice', (m) => (m.some((x) => x.role === 'system' && /nobody can take this chat/.test(x.text)) ? m : undefined));
    expect(seen.map((m) => m.role)).toEqual(['system']);
    expect(telemetry.named('Unroutable')).toEqual([expect.objectContaining({ conversationId: id, rule: 'BotRule', queue: 'BotQueue', reason: 'escalation', why: redirectWhy })]);
    expect(telemetry.named('ConversationClosed')).toEqual([expect.objectContaining({ conversationId: id, statusReason: 'ClosedDueToFailure' })]);
    expect((await host().services.agents.get('alice'))?.value.reservations).toEqual([]);
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
  });

  test('a bot answering 500, 503, 429 and then recovering: the delivery is retried, in order, and nothing is escalated', async () => {
    const failures = [500, 503, 429];
    const bot = await scriptedBot((_activity, call) => ({ status: failures[call - 1] ?? 200 }));
    await start(probeBot(bot.url, { unreachableAfterSeconds: 10 }));
    const chat = await api.startChat({ customer: CUSTOMER });
    const id = chat.conversationId;
    // Queued behind the failing delivery: it must wait, then arrive after the start events.
    expect(await sendMessage(chat, 'hello?', 'c1')).toEqual({ status: 202, body: { id: 'c1' } });

    const seen = await bot.receivedAtLeast(id, 6);
    expect(seen.map((a) => a.type)).toEqual(['conversationUpdate', 'conversationUpdate', 'conversationUpdate', 'conversationUpdate', 'event', 'message']);
    expect(new Set(seen.slice(0, 4).map((a) => a.id)).size).toBe(1);
    expect(seen[5]).toMatchObject({ id: `${id}:c1`, text: 'hello?' });
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
    expect(await stored(id)).toMatchObject({ status: 'Active', assignee: { id: BOT, kind: 'bot' }, queue: 'BotQueue', context: {}, counters: { escalations: 0, transfers: 0 }, excludedBots: [] });
    expect(telemetry.named('BotDeliveryFailed').map((p) => p.reason)).toEqual(['HTTP 500', 'HTTP 503', 'HTTP 429']);
    expect(telemetry.named('BotUnreachable')).toEqual([]);
    expect(bot.received(id)).toHaveLength(6);
  });

  test('a bot whose credentials the identity provider refuses is escalated at once with BotFailure=refused, and the reason names them', async () => {
    const issuer = await startLocalIssuer();
    try {
      issuer.registerClient({ clientId: 'app-refused', secret: 'the-right-secret', audiences: ['app-refused'] });
      process.env.TEST_REFUSED_BOT_SECRET = 'a-wrong-secret';
      const bot = await scriptedBot();
      await start(probeBot(bot.url, { appId: 'app-refused', credentials: { secretFromEnv: 'TEST_REFUSED_BOT_SECRET' }, unreachableAfterSeconds: 600 }), (c) => {
        c.botAuthentication = botAuthenticationOf(issuer, 'api://switchboard');
      });
      await onlyAvailable('alice');
      const chat = await api.startChat({ customer: CUSTOMER });
      const id = chat.conversationId;

      // Within the bot's 600 s budget: the refusal is not retried until it runs out.
      const active = await withAgent(id, 'alice');
      expect(active).toMatchObject({ queue: 'DefaultQueue', context: { BotFailure: 'refused' } });
      expect(active.escalationSummary).toBe(`The bot ${BOT} could not be reached.`);
      expect(telemetry.named('BotUnreachable').map((p) => p.reason)).toEqual([expect.stringMatching(new RegExp(`^bot "${BOT}": the identity provider refused its credentials \\(invalid_client\\): AADSTS7000215: Invalid client secret`))]);
      expect(bot.received(id)).toEqual([]);
      expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
    } finally {
      delete process.env.TEST_REFUSED_BOT_SECRET;
      await current?.close();
      current = undefined;
      await issuer.close();
    }
  });

  test('a bot that refuses (403) is escalated at once with BotFailure=refused, without retrying', async () => {
    const bot = await scriptedBot(() => ({ status: 403, body: { error: 'not for you' } }));
    await start(probeBot(bot.url));
    await onlyAvailable('alice');
    const chat = await api.startChat({ customer: CUSTOMER });
    const id = chat.conversationId;

    const active = await withAgent(id, 'alice');
    expect(active).toMatchObject({ queue: 'DefaultQueue', context: { BotFailure: 'refused' }, escalationSummary: `The bot ${BOT} could not be reached.` });
    expect(active.history.filter((h) => h.type === 'escalated')).toEqual([{ type: 'escalated', at: expect.stringMatching(ISO), botId: BOT, context: { BotFailure: 'refused' } }]);
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
    // The refused conversationUpdate was tried once. The start event queued behind it may race the escalation and be
    // refused too (a no-op); nothing later reaches the bot.
    const types = bot.received(id).map((a) => a.type);
    expect(types).toEqual(['conversationUpdate', 'event'].slice(0, types.length));
    expect(telemetry.named('BotUnreachable')).toEqual([expect.objectContaining({ conversationId: id, bot: BOT, failure: 'refused', reason: 'HTTP 403' })]);
    expect((await agentView('alice', id))!.messages.filter((m) => m.visibility === 'agents').map((m) => m.text)).toEqual([
      `The bot ${BOT} could not be reached; the chat was routed on.`,
    ]);
  });
});

describe('handoff.initiate', () => {
  const history = [
    { type: 'message', text: 'I want a home loan', from: { id: 'customer-1', name: CUSTOMER.name, role: 'user' } },
    { type: 'message', text: 'Let me find a specialist.', from: { id: BOT, name: BOT_NAME, role: 'bot' } },
  ];

  /** As a botbuilder bot sends it: EventFactory.createHandoffInitiation, then turn.sendActivity's conversation reference. */
  function botbuilderHandoff(incoming: Activity, context: object, summary: string): unknown {
    const turn = new TurnContext({} as BotAdapter, incoming as Partial<BotbuilderActivity>);
    const event = EventFactory.createHandoffInitiation(turn, context, { activities: history as BotbuilderActivity[] });
    const sent = TurnContext.applyConversationReference({ ...event, text: summary }, TurnContext.getConversationReference(incoming as Partial<BotbuilderActivity>));
    return JSON.parse(JSON.stringify(sent));
  }

  /** As other hubs send it: one activity per attachment. */
  function perActivityHandoff(_incoming: Activity, context: object, summary: string): unknown {
    return {
      type: 'event', name: 'handoff.initiate', id: 'h-1', from: { id: BOT }, text: summary, value: context,
      attachments: history.map((content) => ({ contentType: 'application/vnd.microsoft.activity', content })),
    };
  }

  test.each([
    ['botbuilder EventFactory ({name: Transcript, content: {activities}})', botbuilderHandoff],
    ['application/vnd.microsoft.activity attachments', perActivityHandoff],
  ])('routed by the merged context, accepted, transcript shown to the agent only, completed when the agent closes (%s)', async (_name, build) => {
    const bot = await scriptedBot();
    await start(probeBot(bot.url));
    await onlyAvailable('carol');
    const { chat, serviceUrl } = await chatWithBot(bot, { Language: 'fr' });
    const id = chat.conversationId;
    expect(await sendMessage(chat, 'I want a home loan', 'c1')).toEqual({ status: 202, body: { id: 'c1' } });
    const [, , incoming] = await bot.receivedAtLeast(id, 3);

    const handoff = build(incoming!, { BotHandoffTopic: 'HomeLoan', Tier: 3 }, 'Customer wants a home loan') as { id: string; from: { id: string } };
    expect(handoff.from.id).toBe(BOT);
    expect(await connector(serviceUrl, 'POST', activitiesPath(id), handoff)).toEqual({ status: 200, body: { id: handoff.id } });

    const active = await withAgent(id, 'carol');
    expect(active).toMatchObject({ queue: 'HomeLoanQueue', context: { Language: 'fr', BotHandoffTopic: 'HomeLoan', Tier: 3 }, handoffBotId: BOT, excludedBots: [BOT] });
    expect(active.history.filter((h) => h.type === 'routed').map((h) => h.type === 'routed' && [h.rule, h.reason])).toEqual([['BotRule', 'start'], ['HomeLoanRule', 'handoff']]);

    const fields = channelFields(id);
    const afterHandoff = (await bot.receivedAtLeast(id, 5)).slice(3);
    expect(afterHandoff).toEqual([
      { ...fields, type: 'event', name: 'handoff.status', value: { state: 'accepted' } },
      { ...fields, type: 'endOfConversation', code: 'completedSuccessfully' },
    ]);

    const transcript = 'Transcript from the bot:\nDana: I want a home loan\nbot: Let me find a specialist.';
    expect((await agentView('carol', id))!.messages.filter((m) => m.visibility === 'agents').map((m) => [m.role, m.text])).toEqual([
      ['bot', 'Customer wants a home loan'],
      ['bot', transcript],
    ]);
    const customer = await customerSees(chat, 'the join notice', (m) => (m.some((x) => x.text === 'Carol joined the chat.') ? m : undefined));
    expect(customer.map((m) => [m.role, m.text])).toEqual([['customer', 'I want a home loan'], ['system', 'Carol joined the chat.']]);

    expect(await api.agent('carol', 'POST', `/conversations/${id}/end`)).toEqual({ status: 200, body: { status: 'WrapUp' } });
    expect(bot.received(id)).toHaveLength(5);
    expect(await api.agent('carol', 'POST', `/conversations/${id}/close`)).toEqual({ status: 200, body: { status: 'Closed' } });
    const completed = (await bot.receivedAtLeast(id, 6)).slice(5);
    expect(completed).toEqual([{ ...fields, type: 'event', name: 'handoff.status', value: { state: 'completed' } }]);
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
    expect(bot.received(id)).toHaveLength(6);
  });

  test('an invalid context gets 200 and handoff.status failed naming the field; the chat stays with the bot', async () => {
    const bot = await scriptedBot();
    await start(probeBot(bot.url));
    const { chat, serviceUrl } = await chatWithBot(bot);
    const id = chat.conversationId;
    const handoff = { type: 'event', name: 'handoff.initiate', id: 'h-bad', from: { id: BOT }, value: { BotHandoffTopic: { topic: 'HomeLoan' } } };
    expect(await connector(serviceUrl, 'POST', activitiesPath(id), handoff)).toEqual({ status: 200, body: { id: 'h-bad' } });

    const [failed] = (await bot.receivedAtLeast(id, 3)).slice(2);
    expect(failed).toEqual({
      ...channelFields(id), type: 'event', name: 'handoff.status',
      value: { state: 'failed', message: 'activity.value.BotHandoffTopic must be a string or an integer, got an object' },
    });
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
    expect(await stored(id)).toMatchObject({ status: 'Active', assignee: { id: BOT, kind: 'bot' }, queue: 'BotQueue', context: {}, handoffBotId: null, counters: { escalations: 0, transfers: 0 } });
    expect(telemetry.named('HandoffFailed')).toEqual([expect.objectContaining({ conversationId: id, bot: BOT })]);
    // Still the bot's chat: it can go on talking.
    expect(await connector(serviceUrl, 'POST', activitiesPath(id), { type: 'message', id: 'b-after', from: { id: BOT }, text: 'Still here.' })).toEqual({ status: 200, body: { id: 'b-after' } });
    await customerSees(chat, 'the message after the failed handoff', (m) => (m.some((x) => x.text === 'Still here.') ? true : undefined));
    expect(bot.received(id)).toHaveLength(3);
  });
});

describe('connector operations on earlier activities, members, conversations', () => {
  test('UpdateActivity changes the text the customer sees; DeleteActivity removes the message; a bot that does not hold the chat gets 403 for both', async () => {
    const bot = await scriptedBot();
    await start(probeBot(bot.url));
    await onlyAvailable('alice');
    const { chat, serviceUrl } = await chatWithBot(bot);
    const id = chat.conversationId;
    const said = { type: 'message', id: 'b1', from: { id: BOT }, text: 'Your balance is 10.' };
    expect(await connector(serviceUrl, 'POST', activitiesPath(id), said)).toEqual({ status: 200, body: { id: 'b1' } });
    expect(await connector(serviceUrl, 'POST', activitiesPath(id), { ...said, id: 'b2', text: 'Anything else?' })).toEqual({ status: 200, body: { id: 'b2' } });
    await customerSees(chat, 'both bot messages', (m) => (m.length === 2 ? true : undefined));

    const updated = { type: 'message', from: { id: BOT }, text: 'Your balance is 12.' };
    expect(await connector(serviceUrl, 'PUT', activitiesPath(id, 'b1'), updated)).toEqual({ status: 200, body: { id: 'b1' } });
    const afterUpdate = await customerSees(chat, 'the updated text', (m) => (m.some((x) => x.text === 'Your balance is 12.') ? m : undefined));
    expect(afterUpdate).toEqual([
      { id: 'b1', role: 'bot', text: 'Your balance is 12.', timestamp: expect.stringMatching(ISO) },
      { id: 'b2', role: 'bot', text: 'Anything else?', timestamp: expect.stringMatching(ISO) },
    ]);
    // demo-bot is configured (anonymous) but does not hold this chat.
    expect(await connector(serviceUrl, 'PUT', activitiesPath(id, 'b1'), { ...updated, from: { id: 'demo-bot' }, text: 'hijacked' }))
      .toEqual({ status: 403, body: { error: { code: 'Forbidden', message: `bot demo-bot does not hold conversation ${id}` } } });

    // DeleteActivity carries no activity: the anonymous caller is taken for the bot holding the chat.
    expect(await connector(serviceUrl, 'DELETE', activitiesPath(id, 'b1'))).toEqual({ status: 200, body: undefined });
    const afterDelete = await customerSees(chat, 'the deleted message gone', (m) => (m.some((x) => x.id === 'b1') ? undefined : m));
    expect(afterDelete).toEqual([{ id: 'b2', role: 'bot', text: 'Anything else?', timestamp: expect.stringMatching(ISO) }]);
    expect((await host().services.transcripts.list(id)).find((m) => m.id === 'b1')).toMatchObject({ text: '', deletedAt: expect.stringMatching(ISO) });

    // Once the bot escalated, it holds the chat no more: neither its updates nor its deletes are taken.
    const escalate = { type: 'message', id: 'esc', from: { id: BOT }, text: 'over to you', channelData: { tags: escalateTags({ BotHandoffTopic: 'CreditCard' }) } };
    expect(await connector(serviceUrl, 'POST', activitiesPath(id), escalate)).toEqual({ status: 200, body: { id: 'esc' } });
    await withAgent(id, 'alice');
    const refused = { status: 403, body: { error: { code: 'Forbidden', message: `bot ${BOT} does not hold conversation ${id}` } } };
    expect(await connector(serviceUrl, 'PUT', activitiesPath(id, 'b2'), { ...updated, text: 'changed later' })).toEqual(refused);
    expect(await connector(serviceUrl, 'DELETE', activitiesPath(id, 'b2'))).toEqual(refused);
    expect(await connector(serviceUrl, 'GET', `v3/conversations/${id}/members`)).toEqual(refused);
    await host().bus.whenIdle({ timeoutInMs: 10_000 });
    expect((await customerMessages(chat)).map((m) => [m.id, m.text])).toEqual([['b2', 'Anything else?'], [expect.any(String), 'Alice joined the chat.']]);
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
  });

  test('GET members and activity members list the customer and the bot; a bot cannot create a conversation', async () => {
    const bot = await scriptedBot();
    await start(probeBot(bot.url));
    const { chat, serviceUrl } = await chatWithBot(bot);
    const id = chat.conversationId;
    const members = [{ ...customerOf(id), role: 'user' }, { id: BOT, name: BOT_NAME, role: 'bot' }];
    expect(await connector(serviceUrl, 'GET', `v3/conversations/${id}/members`)).toEqual({ status: 200, body: members });
    const [, event] = bot.received(id);
    expect(await connector(serviceUrl, 'GET', `v3/conversations/${id}/activities/${encodeURIComponent(event!.id!)}/members`)).toEqual({ status: 200, body: members });
    expect(await connector(serviceUrl, 'GET', `v3/conversations/${id}/members?botId=${BOT}`)).toEqual({ status: 200, body: members });

    const created = await connector(serviceUrl, 'POST', 'v3/conversations', { bot: { id: BOT }, members: [{ id: 'someone' }], isGroup: false });
    expect(created).toEqual({
      status: 403,
      body: { error: { code: 'Forbidden', message: 'a bot cannot create conversations on Switchboard: conversations start when a customer starts a chat (POST /api/chats)' } },
    });
  });
});

describe('what reaches the customer', () => {
  test('attachments and suggested actions on a bridged message reach the customer; typing, trace and internal messages change nothing', async () => {
    const bot = await scriptedBot();
    await start(probeBot(bot.url));
    const { chat, serviceUrl } = await chatWithBot(bot);
    const id = chat.conversationId;
    const card = { contentType: 'application/vnd.microsoft.card.hero', content: { title: 'Cards', buttons: [{ type: 'imBack', title: 'Gold', value: 'gold' }] } };
    const image = { contentType: 'image/png', contentUrl: 'https://example.com/card.png', name: 'card.png' };
    const suggestedActions = { to: ['customer-1'], actions: [{ type: 'imBack', title: 'Yes', value: 'yes' }, { type: 'imBack', title: 'No', value: 'no' }] };
    const post = (activity: object) => connector(serviceUrl, 'POST', activitiesPath(id), { from: { id: BOT }, ...activity });

    expect(await post({ type: 'message', id: 'rich', text: 'Pick one', attachments: [card], suggestedActions, channelData: { deliveryMode: 'bridged' } })).toEqual({ status: 200, body: { id: 'rich' } });
    expect(await post({ type: 'message', id: 'only-image', attachments: [image] })).toEqual({ status: 200, body: { id: 'only-image' } });
    const shown = await customerSees(chat, 'both messages', (m) => (m.length === 2 ? m : undefined));
    expect(shown).toEqual([
      { id: 'rich', role: 'bot', text: 'Pick one', timestamp: expect.stringMatching(ISO), attachments: [card], suggestedActions },
      { id: 'only-image', role: 'bot', text: '', timestamp: expect.stringMatching(ISO), attachments: [image] },
    ]);

    await host().bus.whenIdle({ timeoutInMs: 10_000 });
    const before = await host().services.conversations.get(id);
    expect(await post({ type: 'typing' })).toEqual({ status: 200, body: { id: expect.any(String) } });
    expect(await post({ type: 'trace', id: 't1', name: 'debug', value: { step: 1 } })).toEqual({ status: 200, body: { id: 't1' } });
    expect(await post({ type: 'message', id: 'internal-1', text: 'note to self', channelData: { deliveryMode: 'internal' } })).toEqual({ status: 200, body: { id: 'internal-1' } });
    // A bridged message after them: once it shows, everything before it was processed.
    expect(await post({ type: 'message', id: 'last', text: 'Done.' })).toEqual({ status: 200, body: { id: 'last' } });
    const after = await customerSees(chat, 'the last message', (m) => (m.some((x) => x.id === 'last') ? m : undefined));
    expect(after.map((m) => m.id)).toEqual(['rich', 'only-image', 'last']);
    expect((await host().services.transcripts.list(id)).map((m) => m.id)).toEqual(['rich', 'only-image', 'last']);
    const now = await stored(id);
    // Only the last message is counted in the transcript summary.
    expect(now.transcript?.messageCount).toBe(before!.value.transcript!.messageCount + 1);
    expect({ ...now, applied: [], updatedAt: '', outbox: undefined, transcript: undefined }).toEqual({ ...before!.value, applied: [], updatedAt: '', outbox: undefined, transcript: undefined });
    expect(bot.received(id)).toHaveLength(2);
    expect(await deadLetters()).toEqual(NO_DEAD_LETTERS);
  });
});
