import type { BotUser, Config } from '../../shared/core/config';
import type { BotClient } from '../../shared/ports/botClient';
import { loadFunctions } from '../../shared/host/local/functionsLoader';
import { botAuthenticationOf, startLocalIssuer, type LocalIssuer } from '../fixtures/identity/localIssuer';
import { conversationWhere, sampleConfig, startTestHost, type Api, type ApiResponse } from '../support/localHostHarness';

/**
 * Who may call what: every HTTP route × every kind of caller → the expected status, and nothing
 * changed by a refusal. A route registered without a row here fails the first test, so a new route
 * cannot skip the matrix (issue 11).
 *
 * 401: the route does not know who the caller is (no credential, or one of another kind, or forged).
 * 403: it knows, and the caller may not do this (another customer's chat, another agent's, another bot's).
 */

const CALLERS = ['none', 'customer', 'otherCustomer', 'holdingAgent', 'otherAgent', 'supervisor', 'operator', 'holdingBot', 'otherBot', 'forged'] as const;
type Caller = (typeof CALLERS)[number];

const OPERATOR_KEY = 'operator-key-for-the-matrix-0123';
const CHANNEL_AUDIENCE = 'api://switchboard';
const BOT_A = { id: 'bot-a', appId: 'aaaaaaaa-0000-4000-8000-00000000000a', secretEnv: 'MATRIX_BOT_A_SECRET' };
const BOT_B = { id: 'bot-b', appId: 'bbbbbbbb-0000-4000-8000-00000000000b', secretEnv: 'MATRIX_BOT_B_SECRET' };

interface Chat {
  conversationId: string;
  token: string;
}

/**
 * The chats a row acts on: `agentChat` is held by alice (Active), `offeredChat` is offered to her, `botChat` is
 * held by bot-a, `otherChat` is another customer's.
 */
interface Targets {
  agentChat: Chat;
  offeredChat: Chat;
  botChat: Chat;
  otherChat: Chat;
}

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

interface Row {
  /** Which chat the row acts on: the customer caller is that chat's customer. */
  target: Exclude<keyof Targets, 'otherChat'>;
  call(t: Targets): Call;
  /** Every caller's status: 401 and 403 are refusals, anything else lets the caller through. */
  expected: Partial<Record<Caller, number>>;
  /** A read changes nothing even for a caller it lets through; a write gets chats of its own for each such call. */
  writes?: true;
}

/** Public routes answer everybody alike. */
const everyone = (status: number): Partial<Record<Caller, number>> => Object.fromEntries(CALLERS.map((c) => [c, status]));

/** A customer's chat routes: its token passes; another chat's token is a known caller refused; anything else is nobody. */
const customerOnly = (status: number) => ({ ...refusedAs(401), customer: status, otherCustomer: 403 });
/** Agent routes name the holding agent in the path: only that agent's credential passes. */
const holdingAgentOnly = (status: number) => ({ ...refusedAs(401), holdingAgent: status, otherAgent: 403, supervisor: 403 });
/** Connector routes: only the bot holding the chat; another configured bot is known and refused. */
const holdingBotOnly = (status: number) => ({ ...refusedAs(401), holdingBot: status, otherBot: 403 });
const operatorOnly = (status: number) => ({ ...refusedAs(401), operator: status });

function refusedAs(status: number): Record<Caller, number> {
  return Object.fromEntries(CALLERS.map((c) => [c, status])) as Record<Caller, number>;
}

const chatPath = (c: Chat) => `chats/${c.conversationId}`;
const connectorPath = (c: Chat) => `connector/v3/conversations/${c.conversationId}`;
const agentPath = (c: Chat) => `agents/alice/conversations/${c.conversationId}`;
const botMessage = { type: 'message', text: 'from the matrix', channelData: { deliveryMode: 'bridged' }, from: { id: BOT_A.id } };

/** One row per function name (and method); the key is `<function name> <METHOD>`. */
const MATRIX: Record<string, Row> = {
  'health GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'health' }), expected: everyone(200) },
  'chatsStart POST': { target: 'agentChat', call: () => ({ method: 'POST', path: 'chats', body: {} }), writes: true, expected: everyone(201) },
  'chatGet GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: chatPath(t.agentChat) }), expected: customerOnly(200) },
  'chatMessagesList GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: `${chatPath(t.agentChat)}/messages` }), expected: customerOnly(200) },
  'chatMessagesSend POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${chatPath(t.agentChat)}/messages`, body: { text: 'hello' } }), writes: true, expected: customerOnly(202) },
  'chatToken POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${chatPath(t.agentChat)}/token` }), expected: customerOnly(201) },
  'chatEnd POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${chatPath(t.agentChat)}/end` }), writes: true, expected: customerOnly(200) },
  'agentConversations GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'agents/alice/conversations' }), expected: holdingAgentOnly(200) },
  'agentConversationMessages GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: `${agentPath(t.agentChat)}/messages?limit=10` }), expected: holdingAgentOnly(200) },
  'agentOffers GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'agents/alice/offers' }), expected: holdingAgentOnly(200) },
  'agentPresence PUT': { target: 'agentChat', call: () => ({ method: 'PUT', path: 'agents/alice/presence', body: { presence: 'Available' } }), writes: true, expected: holdingAgentOnly(200) },
  'agentMessage POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/messages`, body: { text: 'from alice' } }), writes: true, expected: holdingAgentOnly(202) },
  'agentTransfer POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/transfer`, body: { queue: 'HomeLoanQueue' } }), writes: true, expected: holdingAgentOnly(200) },
  'agentEnd POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/end` }), writes: true, expected: holdingAgentOnly(200) },
  // Close follows End: on an Active chat the holding agent is told so (409), which is not a refusal of who they are.
  'agentClose POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/close` }), writes: true, expected: holdingAgentOnly(409) },
  'agentOfferAccept POST': { target: 'offeredChat', call: (t) => ({ method: 'POST', path: `agents/alice/offers/${t.offeredChat.conversationId}/accept` }), writes: true, expected: holdingAgentOnly(200) },
  'agentOfferReject POST': { target: 'offeredChat', call: (t) => ({ method: 'POST', path: `agents/alice/offers/${t.offeredChat.conversationId}/reject` }), writes: true, expected: holdingAgentOnly(200) },
  'conversationGet GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: `conversations/${t.agentChat.conversationId}` }), expected: operatorOnly(200) },
  'routingExplain POST': { target: 'agentChat', call: () => ({ method: 'POST', path: 'workstreams/ChatWorkStream/explain', body: { context: { BotHandoffTopic: 'CreditCard' } } }), expected: operatorOnly(200) },
  'connectorActivities POST': { target: 'botChat', call: (t) => ({ method: 'POST', path: `${connectorPath(t.botChat)}/activities`, body: botMessage }), writes: true, expected: holdingBotOnly(200) },
  'connectorActivityUpdate PUT': { target: 'botChat', call: (t) => ({ method: 'PUT', path: `${connectorPath(t.botChat)}/activities/unknown-activity`, body: botMessage }), writes: true, expected: holdingBotOnly(200) },
  'connectorActivityDelete DELETE': { target: 'botChat', call: (t) => ({ method: 'DELETE', path: `${connectorPath(t.botChat)}/activities/unknown-activity` }), writes: true, expected: holdingBotOnly(200) },
  'connectorMembers GET': { target: 'botChat', call: (t) => ({ method: 'GET', path: `${connectorPath(t.botChat)}/members` }), expected: holdingBotOnly(200) },
  'connectorActivityMembers GET': { target: 'botChat', call: (t) => ({ method: 'GET', path: `${connectorPath(t.botChat)}/activities/any/members` }), expected: holdingBotOnly(200) },
  // Bots cannot create conversations on Switchboard: every caller is refused, a bot as one who may not.
  'connectorConversationsCreate POST': { target: 'botChat', call: () => ({ method: 'POST', path: 'connector/v3/conversations', body: { bot: { id: BOT_A.id }, members: [] } }), expected: { ...refusedAs(401), holdingBot: 403, otherBot: 403 } },
  // The demo bot's endpoint is a bot, not Switchboard's API; it exists on the local host only and replies to this
  // host's connector alone. It is not a user of this configuration, so whatever anyone makes it say is refused
  // there and nothing changes; botbuilder's adapter answers the failed turn with 500, as any bot of it would.
  'demoBotMessages POST': {
    target: 'botChat',
    call: (t) => ({ method: 'POST', path: 'demo-bot/messages', body: { type: 'message', text: 'credit card', conversation: { id: t.botChat.conversationId }, from: { id: 'x' }, recipient: { id: 'demo-bot' }, serviceUrl: host.services.settings.connectorBaseUrl, channelId: 'switchboard' } }),
    expected: everyone(500),
  },
  // Direct Line uploads take a Direct Line token of the chat (or its site's secret), which no caller here holds:
  // every credential of another kind is nobody, refused before the body is read.
  'directLineUpload POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `directline/conversations/${t.agentChat.conversationId}/upload`, body: {} }), writes: true, expected: refusedAs(401) },
  'directLineUpload OPTIONS': { target: 'agentChat', call: (t) => ({ method: 'OPTIONS', path: `directline/conversations/${t.agentChat.conversationId}/upload` }), expected: everyone(204) },
  // A file's link is its credential: without Switchboard's signature nobody, whatever bearer or key they bring, reads it.
  'directLineFileGet GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: `directline/conversations/${t.agentChat.conversationId}/files/00000000-0000-4000-8000-000000000000?e=9999999999&s=${'A'.repeat(43)}` }), expected: refusedAs(403) },
  'directLineFileGet OPTIONS': { target: 'agentChat', call: (t) => ({ method: 'OPTIONS', path: `directline/conversations/${t.agentChat.conversationId}/files/any` }), expected: everyone(204) },
};

let issuer: LocalIssuer;
let host: Awaited<ReturnType<typeof startTestHost>>;
let api: Api;
let credentials: Record<Caller, (target: Chat, t: Targets) => Record<string, string>>;

/** Bots that answer every delivery at once and say nothing: the matrix drives the connector itself. */
const silentBots: BotClient = { postActivity: async () => ({ status: 200 }) };

function matrixConfig(): Config {
  return sampleConfig((config) => {
    config.allowUnauthenticatedBots = false;
    config.botAuthentication = botAuthenticationOf(issuer, CHANNEL_AUDIENCE);
    const bots: BotUser[] = [BOT_A, BOT_B].map((b) => ({
      id: b.id, kind: 'bot', name: b.id, endpoint: `https://bots.invalid/${b.id}`, capacity: 1000, appId: b.appId,
      credentials: { secretFromEnv: b.secretEnv }, contextEventName: 'startConversation', deliveryMode: 'normal', unreachableAfterSeconds: 600,
    }));
    config.users = [...bots, ...config.users.filter((u) => u.kind === 'agent')];
    // Escalated chats are offered (so the offer routes have one to answer); alice takes every one of the run.
    config.workstreams[0]!.offers = { timeoutSeconds: 3600, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3 };
    // Alice takes every escalated chat of the run; each test leaves its chats as they are.
    for (const user of config.users) if (user.id === 'alice' && user.kind === 'agent') user.capacity = 1000;
    config.queues = config.queues.map((q) => {
      if (q.name === 'BotQueue') return { ...q, members: [BOT_A.id] };
      if (q.name === 'CreditCardQueue') return { ...q, members: ['alice'] };
      return { ...q, members: q.members.filter((m) => m !== 'alice') };
    });
  });
}

const botToken = (appId: string) => issuer.mint({ aud: CHANNEL_AUDIENCE, appid: appId, azp: appId });

/** Escalated, the chat is offered to alice (the only credit-card agent). */
async function offerToAlice(chat: Chat): Promise<void> {
  const tags = JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } });
  const res = await api.call('POST', `connector/v3/conversations/${chat.conversationId}/activities`, {
    body: { type: 'message', text: 'summary for the agent', channelData: { tags }, from: { id: BOT_A.id } },
    headers: { authorization: `Bearer ${await botToken(BOT_A.appId)}` },
  });
  expect(res.status).toBe(200);
  await conversationWhere(host, chat.conversationId, (c) => c.offer?.agentId === 'alice', 'the offer to alice');
}

async function assignToAlice(chat: Chat): Promise<void> {
  await offerToAlice(chat);
  expect((await api.agent('alice', 'POST', `/offers/${chat.conversationId}/accept`)).status).toBe(200);
  await conversationWhere(host, chat.conversationId, (c) => c.assignee?.id === 'alice' && c.status === 'Active', 'alice to hold the chat');
}

async function chatWithBot(): Promise<Chat> {
  const chat = await api.startChat({});
  await conversationWhere(host, chat.conversationId, (c) => c.assignee?.id === BOT_A.id && c.status === 'Active', 'bot-a to hold the chat');
  return chat;
}

async function targets(): Promise<Targets> {
  const [agentChat, offeredChat, botChat, otherChat] = await Promise.all([chatWithBot(), chatWithBot(), chatWithBot(), chatWithBot()]);
  await Promise.all([assignToAlice(agentChat), offerToAlice(offeredChat)]);
  return { agentChat, offeredChat, botChat, otherChat };
}

/** Everything a refused call could have touched: the chats, every agent, the transcripts, and the bus's pending work. */
async function snapshot(t: Targets) {
  await host.bus.whenIdle();
  const chats = [t.agentChat, t.offeredChat, t.botChat, t.otherChat].map((c) => c.conversationId);
  return {
    conversations: await Promise.all(chats.map((id) => host.services.conversations.get(id))),
    transcripts: await Promise.all(chats.map((id) => host.services.transcripts.list(id))),
    agents: await host.services.agents.list(),
    unclosed: (await host.services.conversations.listUnclosedUpdatedBefore('9999-12-31T00:00:00.000Z', { limit: 1000 })).length,
  };
}

function send(row: Row, caller: Caller, t: Targets): Promise<ApiResponse> {
  const { method, path, body } = row.call(t);
  return api.call(method, path, { body, headers: credentials[caller](t[row.target], t) });
}

beforeAll(async () => {
  issuer = await startLocalIssuer();
  for (const b of [BOT_A, BOT_B]) {
    process.env[b.secretEnv] = `${b.id}-secret`;
    issuer.registerClient({ clientId: b.appId, secret: `${b.id}-secret`, audiences: [b.appId, CHANNEL_AUDIENCE] });
  }
  host = await startTestHost({ config: matrixConfig(), bots: silentBots, operatorKey: OPERATOR_KEY });
  api = host.api;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const tokens = { botA: await botToken(BOT_A.appId), botB: await botToken(BOT_B.appId), forged: await issuer.mint({ aud: CHANNEL_AUDIENCE, appid: BOT_A.appId, azp: BOT_A.appId }, { signWith: 'rogueKeySameKid' }) };
  credentials = {
    none: () => ({}),
    customer: (target) => bearer(target.token),
    otherCustomer: (_target, t) => bearer(t.otherChat.token),
    holdingAgent: () => bearer('dev-alice'),
    otherAgent: () => bearer('dev-bob'),
    supervisor: () => bearer('dev-sam'),
    operator: () => ({ 'x-functions-key': OPERATOR_KEY }),
    holdingBot: () => bearer(tokens.botA),
    otherBot: () => bearer(tokens.botB),
    // A bot token signed by someone else's key, a customer-token-shaped guess and a wrong operator key at once.
    forged: () => ({ ...bearer(tokens.forged), 'x-functions-key': 'not-the-operator-key-0123456789' }),
  };
  // botbuilder logs every refused token on console.error; the statuses say what matters.
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await host?.close();
  await issuer?.close();
});

test('every registered route has a row', () => {
  const routes = loadFunctions().http().flatMap((f) => f.methods.map((m) => `${f.name} ${m}`)).sort();
  expect(routes.filter((r) => !(r in MATRIX))).toEqual([]);
  expect(Object.keys(MATRIX).filter((r) => !routes.includes(r))).toEqual([]);
});

const refusals = Object.entries(MATRIX).flatMap(([route, row]) =>
  CALLERS.filter((caller) => (row.expected[caller] ?? 0) >= 400 && (row.expected[caller] === 401 || row.expected[caller] === 403)).map((caller) => [route, caller, row.expected[caller]!] as const));

describe('a refused caller gets the status of its kind and changes nothing', () => {
  let t: Targets;
  beforeAll(async () => {
    t = await targets();
  }, 60_000);

  test.each(refusals)('%s by %s: %i', async (route, caller, status) => {
    const before = await snapshot(t);
    const res = await send(MATRIX[route]!, caller, t);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code: status === 401 ? 'Unauthorized' : 'Forbidden' });
    expect(await snapshot(t)).toEqual(before);
  });
});

const admissions = Object.entries(MATRIX).flatMap(([route, row]) =>
  CALLERS.filter((caller) => row.expected[caller] !== 401 && row.expected[caller] !== 403).map((caller) => [route, caller, row.expected[caller]!] as const));

describe('an allowed caller gets through', () => {
  let shared: Targets;
  beforeAll(async () => {
    shared = await targets();
  }, 60_000);

  test.each(admissions)('%s by %s: %i', async (route, caller, status) => {
    const row = MATRIX[route]!;
    // A write may end or move its chat: each one gets chats of its own.
    const t = row.writes ? await targets() : shared;
    const before = row.writes ? undefined : await snapshot(t);
    const res = await send(row, caller, t);
    expect(res.status).toBe(status);
    if (before) expect(await snapshot(t)).toEqual(before);
  }, 30_000);
});
