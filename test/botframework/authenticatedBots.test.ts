import type { BotUser, Config } from '../../shared/core/config';
import { agentsEnv, botbuilderEnv, launchBot, type BotKind, type LaunchedBot } from '../fixtures/bots/launchBot';
import { botAuthenticationOf, startLocalIssuer, type LocalIssuer } from '../fixtures/identity/localIssuer';
import { eventually, sampleConfig, startTestHost, type Api } from '../support/localHostHarness';

/**
 * Switchboard as the channel of unmodified bots, authenticated both ways: a real botbuilder bot and
 * a real Microsoft 365 Agents SDK bot in their own processes, a local OpenID issuer standing in for
 * Entra ID, and both sides pointed at it only through configuration.
 */
const CHANNEL_AUDIENCE = 'api://switchboard';
const BOTS: Record<BotKind, { id: string; appId: string; secret: string; secretEnv: string; greeting: string; queue: string }> = {
  botbuilder: { id: 'bb-bot', appId: '11111111-1111-1111-1111-111111111111', secret: 'bb-secret', secretEnv: 'TEST_BB_BOT_SECRET', greeting: 'Hello from botbuilder', queue: 'BotQueue' },
  agents: { id: 'agents-bot', appId: '22222222-2222-2222-2222-222222222222', secret: 'agents-secret', secretEnv: 'TEST_AGENTS_BOT_SECRET', greeting: 'Hello from agents', queue: 'AgentsBotQueue' },
};

let issuer: LocalIssuer;
const launched: Partial<Record<BotKind, LaunchedBot>> = {};
let host: Awaited<ReturnType<typeof startTestHost>>;
let api: Api;

function authenticatedConfig(issuerAt: LocalIssuer, endpoints: Record<BotKind, string>): Config {
  return sampleConfig((config) => {
    config.allowUnauthenticatedBots = false;
    config.botAuthentication = botAuthenticationOf(issuerAt, CHANNEL_AUDIENCE);
    const bots: BotUser[] = (Object.keys(BOTS) as BotKind[]).map((kind) => ({
      id: BOTS[kind].id,
      kind: 'bot',
      name: BOTS[kind].id,
      endpoint: endpoints[kind],
      capacity: 1000,
      appId: BOTS[kind].appId,
      credentials: { secretFromEnv: BOTS[kind].secretEnv },
      contextEventName: 'startConversation',
      deliveryMode: 'normal',
      unreachableAfterSeconds: 30,
    }));
    config.users = [...bots, ...config.users.filter((u) => u.kind === 'agent')];
    config.queues = [
      ...config.queues.map((q) => (q.name === 'BotQueue' ? { ...q, members: [BOTS.botbuilder.id] } : q)),
      { name: 'AgentsBotQueue', priority: 1, assignment: 'highestCapacity', members: [BOTS.agents.id] },
    ];
    const workstream = config.workstreams[0]!;
    workstream.contextVariables.push({ name: 'PreferredBot', type: 'text', setBy: ['customer'] });
    workstream.rules.splice(1, 0, {
      name: 'AgentsBotRule',
      queue: 'AgentsBotQueue',
      when: { all: [{ variable: 'PreferredBot', operator: 'equals', value: 'agents' }, { variable: 'BotHandoffTopic', operator: 'noData' }] },
    });
  });
}

beforeAll(async () => {
  issuer = await startLocalIssuer();
  for (const kind of Object.keys(BOTS) as BotKind[]) process.env[BOTS[kind].secretEnv] = BOTS[kind].secret;
  launched.botbuilder = await launchBot('botbuilder', botbuilderEnv(issuer, BOTS.botbuilder.appId, BOTS.botbuilder.secret, CHANNEL_AUDIENCE));
  launched.agents = await launchBot('agents', agentsEnv(issuer, BOTS.agents.appId, BOTS.agents.secret));
  host = await startTestHost({ config: authenticatedConfig(issuer, { botbuilder: launched.botbuilder.url, agents: launched.agents.url }) });
  api = host.api;
  // Each bot's own client: Switchboard asks it for a token to the bot's app id (ABS-style, with the
  // serviceurl claim a botbuilder bot checks); the bot asks it for tokens to call Switchboard.
  const serviceurl = host.services.settings.connectorBaseUrl;
  for (const kind of Object.keys(BOTS) as BotKind[]) {
    const { appId, secret } = BOTS[kind];
    issuer.registerClient({ clientId: appId, secret, audiences: [appId, CHANNEL_AUDIENCE, 'https://api.botframework.com'], extraClaims: { serviceurl }, channelStyleAudiences: [appId] });
  }
}, 60_000);

afterAll(async () => {
  await host?.close();
  await Promise.all(Object.values(launched).map((bot) => bot?.stop()));
  await issuer?.close();
});

type Chat = { conversationId: string; token: string };

async function chatWith(kind: BotKind): Promise<Chat> {
  const chat = await api.startChat(kind === 'agents' ? { context: { PreferredBot: 'agents' } } : {});
  await eventually(`the ${kind} bot's greeting`, async () => ((await api.messages(chat)).body.messages.some((m) => m.text === BOTS[kind].greeting) ? true : undefined), 20_000);
  return chat;
}

async function conversationWhere(id: string, predicate: (c: any) => boolean, what: string): Promise<any> {
  return eventually(what, async () => {
    const { body } = await api.conversation(id);
    return predicate(body) ? body : undefined;
  }, 20_000);
}

describe.each(Object.keys(BOTS) as BotKind[])('an unmodified %s bot', (kind) => {
  test('greets, and escalates with context: the rules run again and an agent gets the chat', async () => {
    const chat = await chatWith(kind);
    const { body: before } = await api.conversation(chat.conversationId);
    expect(before).toMatchObject({ status: 'Active', queue: BOTS[kind].queue, assignee: { id: BOTS[kind].id, kind: 'bot' } });
    await api.say(chat, 'escalate');
    const escalated = await conversationWhere(chat.conversationId, (c) => c.assignee?.kind === 'agent', 'an agent');
    expect(escalated.queue).toBe('CreditCardQueue');
    expect(escalated.context).toMatchObject({ BotHandoffTopic: 'CreditCard', Priority: 2 });
    expect(escalated.escalationSummary).toBe('summary: customer wants a human');
    await api.agent(escalated.assignee.id, 'POST', `/conversations/${chat.conversationId}/end`);
    await api.agent(escalated.assignee.id, 'POST', `/conversations/${chat.conversationId}/close`);
  });

  test('ends the conversation', async () => {
    const chat = await chatWith(kind);
    await api.say(chat, 'end');
    const closed = await conversationWhere(chat.conversationId, (c) => c.status === 'Closed', 'the bot to end the chat');
    expect(closed.statusReason).toBe('ConversationEndedByBot');
    expect((await api.messages(chat)).body.messages.some((m) => m.role === 'bot' && m.text === 'bye')).toBe(true);
  });

  test('hands off with handoff.initiate and its transcript', async () => {
    const chat = await chatWith(kind);
    await api.say(chat, 'handoff');
    const handedOff = await conversationWhere(chat.conversationId, (c) => c.assignee?.kind === 'agent', 'the handoff');
    expect(handedOff.queue).toBe('HomeLoanQueue');
    expect(handedOff.history.some((h: any) => h.type === 'routed' && h.reason === 'handoff')).toBe(true);
    const seen = (await api.agent(handedOff.assignee.id, 'GET', `/conversations/${chat.conversationId}/messages`)).body;
    expect(seen.messages.some((m: any) => m.visibility === 'agents' && m.text.startsWith('Transcript from the bot:'))).toBe(true);
    await api.agent(handedOff.assignee.id, 'POST', `/conversations/${chat.conversationId}/end`);
    await api.agent(handedOff.assignee.id, 'POST', `/conversations/${chat.conversationId}/close`);
  });

  test('cannot talk to a chat it escalated: its late reply is refused with 403', async () => {
    const chat = await chatWith(kind);
    await api.say(chat, 'late');
    await launched[kind]!.waitForOutput('late-reply-status 403', 20_000);
    const { body } = await api.messages(chat);
    expect(body.messages.map((m) => m.text)).not.toContain('are you still there?');
  });
});

describe('the connector lets no one in who does not belong', () => {
  let chat: Chat;
  const activity = (text: string) => ({ type: 'message', text, channelData: { deliveryMode: 'bridged' }, from: { id: BOTS.botbuilder.id } });
  const post = (authorization: string | undefined, text: string): Promise<{ status: number; body: any }> =>
    api.call('POST', `connector/v3/conversations/${chat.conversationId}/activities`, { body: activity(text), headers: authorization ? { authorization } : {} });
  const valid = (claims: Record<string, unknown> = {}, options: Parameters<LocalIssuer['mint']>[1] = {}): Promise<string> =>
    issuer.mint({ aud: CHANNEL_AUDIENCE, appid: BOTS.botbuilder.appId, azp: BOTS.botbuilder.appId, ...claims }, options);

  beforeAll(async () => {
    chat = await chatWith('botbuilder');
    // botbuilder logs every refused token on console.error; the assertions below say what matters.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());

  test('a valid token of the bot holding the chat passes', async () => {
    expect(await post(`Bearer ${await valid()}`, 'minted and valid')).toEqual({ status: 200, body: { id: expect.any(String) } });
    await eventually('the message', async () => ((await api.messages(chat)).body.messages.some((m) => m.text === 'minted and valid') ? true : undefined));
  });

  const cases: [string, number, () => Promise<string | undefined>][] = [
    ['no token', 401, async () => undefined],
    ['a wrong signature', 401, async () => `Bearer ${await valid({}, { signWith: 'rogueKeySameKid' })}`],
    ['a key the issuer does not publish', 401, async () => `Bearer ${await valid({}, { signWith: 'rogueKeyUnknownKid' })}`],
    ['an HMAC-signed token', 401, async () => `Bearer ${await valid({}, { signWith: 'hs256' })}`],
    ['a wrong audience', 401, async () => `Bearer ${await valid({ aud: 'api://someone-else' })}`],
    ['an expired token', 401, async () => `Bearer ${await valid({}, { expiredSecondsAgo: 600 })}`],
    ['another issuer', 401, async () => `Bearer ${await valid({}, { issuer: 'https://elsewhere.example/' })}`],
    ['an app that is not a configured bot', 401, async () => `Bearer ${await valid({ appid: 'stranger', azp: 'stranger' })}`],
    ['a token of a different registered bot', 403, async () => `Bearer ${await valid({ appid: BOTS.agents.appId, azp: BOTS.agents.appId })}`],
    ['a malformed header', 401, async () => 'Bearer not-a-jwt'],
  ];
  test.each(cases)('%s gets %i and changes nothing', async (_what, status, authorization) => {
    const before = await host.services.conversations.get(chat.conversationId);
    const transcript = await host.services.transcripts.list(chat.conversationId);
    const res = await post(await authorization(), 'should not arrive');
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(status === 401 ? 'Unauthorized' : 'Forbidden');
    await host.bus.whenIdle();
    expect(await host.services.conversations.get(chat.conversationId)).toEqual(before);
    expect(await host.services.transcripts.list(chat.conversationId)).toEqual(transcript);
  });
});
