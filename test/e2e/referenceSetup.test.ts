import { eventually, startTestHost, type Api } from '../support/localHostHarness';

/**
 * The reference setup of DESIGN.md §1 played over HTTP against the local host, with the real
 * botbuilder demo bot answering on its own route.
 */
let host: Awaited<ReturnType<typeof startTestHost>>;
let api: Api;

beforeAll(async () => {
  host = await startTestHost();
  api = host.api;
});
afterAll(() => host.close());

type Chat = { conversationId: string; token: string };

async function conversationWhere(id: string, predicate: (c: any) => boolean, what: string) {
  return eventually(what, async () => {
    const { body } = await api.conversation(id);
    return predicate(body) ? body : undefined;
  });
}

async function withBot(): Promise<Chat> {
  const chat = await api.startChat({ customer: { name: 'Dana' } });
  await eventually('the greeting', async () => {
    const { body } = await api.messages(chat);
    return body.messages.some((m) => m.role === 'bot' && m.text.startsWith('Hi!')) ? true : undefined;
  });
  return chat;
}

async function escalated(text: string, queue: string): Promise<{ chat: Chat; conversation: any }> {
  const chat = await withBot();
  expect((await api.say(chat, text)).status).toBe(202);
  const conversation = await conversationWhere(chat.conversationId, (c) => c.queue === queue && c.status !== 'Open', `assignment in ${queue}`);
  return { chat, conversation };
}

async function endAndClose(agentId: string, conversationId: string) {
  expect((await api.agent(agentId, 'POST', `/conversations/${conversationId}/end`)).body.status).toBe('WrapUp');
  expect((await api.agent(agentId, 'POST', `/conversations/${conversationId}/close`)).body.status).toBe('Closed');
}

test('a new chat goes to the bot first by BotRule, and the bot greets', async () => {
  const chat = await withBot();
  const { body } = await api.conversation(chat.conversationId);
  expect(body).toMatchObject({ status: 'Active', statusReason: 'InConversation', queue: 'BotQueue', assignee: { id: 'demo-bot', kind: 'bot' } });
  expect(body.history[0]).toMatchObject({ type: 'routed', rule: 'BotRule', queue: 'BotQueue', reason: 'start' });
  await api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token });
});

test('credit card: the bot escalates with BotHandoffTopic=CreditCard and a credit-card agent gets the chat', async () => {
  const { chat, conversation } = await escalated('I need a credit card', 'CreditCardQueue');
  expect(conversation.status).toBe('Active');
  expect(conversation.context).toEqual({ BotHandoffTopic: 'CreditCard' });
  expect(['alice', 'bob']).toContain(conversation.assignee.id);
  expect(conversation.excludedBots).toEqual(['demo-bot']);
  const routed = conversation.history.filter((h: any) => h.type === 'routed').map((h: any) => [h.rule, h.queue, h.reason]);
  expect(routed).toEqual([['BotRule', 'BotQueue', 'start'], ['CreditCardRule', 'CreditCardQueue', 'escalation']]);

  // The summary is for the agent only.
  const agentId = conversation.assignee.id;
  const desk = await api.agent(agentId, 'GET', '/conversations');
  const mine = desk.body.conversations.find((c: any) => c.id === chat.conversationId);
  expect(mine.escalationSummary).toBe('Customer asked about a credit card: I need a credit card');
  expect(mine.context).toEqual({ BotHandoffTopic: 'CreditCard' });
  const customerView = await api.messages(chat);
  expect(customerView.body.messages.map((m) => m.text)).not.toContain(mine.escalationSummary);

  // Agent and customer talk; the customer sees the agent's words.
  expect((await api.agent(agentId, 'POST', `/conversations/${chat.conversationId}/messages`, { text: 'Hello, I can help.' })).status).toBe(202);
  await eventually('the agent message', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'agent' && m.text === 'Hello, I can help.') ? true : undefined));
  await endAndClose(agentId, chat.conversationId);
  const closed = await api.conversation(chat.conversationId);
  expect(closed.body).toMatchObject({ status: 'Closed', statusReason: 'ConversationEndedByAgent' });
});

test('home loan goes to a home-loan agent', async () => {
  const { chat, conversation } = await escalated('tell me about a home loan', 'HomeLoanQueue');
  expect(['carol', 'dave']).toContain(conversation.assignee.id);
  await endAndClose(conversation.assignee.id, chat.conversationId);
});

test('bye: the bot ends the chat with ConversationEndedByBot and the customer sees the goodbye', async () => {
  const chat = await withBot();
  await api.say(chat, 'bye');
  const conversation = await conversationWhere(chat.conversationId, (c) => c.status === 'Closed', 'the bot to end the chat');
  expect(conversation.statusReason).toBe('ConversationEndedByBot');
  const { body } = await api.messages(chat);
  expect(body.status).toBe('Closed');
  expect(body.messages.some((m) => m.role === 'bot' && m.text === 'Goodbye!')).toBe(true);
  expect((await api.say(chat, 'hello?')).status).toBe(409);
});

test('the customer ends a chat that is with the bot: closed, and the bot is told', async () => {
  const chat = await withBot();
  const res = await api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token });
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('Closed');
  const { body } = await api.conversation(chat.conversationId);
  expect(body.statusReason).toBe('CustomerDisconnectedOrLeftActiveConversation');
});

test('an agent transfers a chat to another queue: it is routed there and the agent capacity is released', async () => {
  const { chat, conversation } = await escalated('credit card please', 'CreditCardQueue');
  const from = conversation.assignee.id;
  const res = await api.agent(from, 'POST', `/conversations/${chat.conversationId}/transfer`, { queue: 'HomeLoanQueue' });
  expect(res.status).toBe(200);
  const moved = await conversationWhere(chat.conversationId, (c) => c.queue === 'HomeLoanQueue' && c.status === 'Active', 'the transfer');
  expect(['carol', 'dave']).toContain(moved.assignee.id);
  expect(moved.counters.transfers).toBe(1);
  expect(moved.history.some((h: any) => h.type === 'transferred' && h.agentId === from && h.queue === 'HomeLoanQueue')).toBe(true);
  const desk = await api.agent(from, 'GET', '/conversations');
  expect(desk.body.conversations.map((c: any) => c.id)).not.toContain(chat.conversationId);
  await endAndClose(moved.assignee.id, chat.conversationId);
});

test('a chat waits while every credit-card agent is full, and is assigned the moment one frees capacity', async () => {
  // alice and bob hold 2 chats each at most.
  const held: { chat: Chat; agent: string }[] = [];
  for (let i = 0; i < 4; i++) {
    const { chat, conversation } = await escalated(`credit card ${i}`, 'CreditCardQueue');
    held.push({ chat, agent: conversation.assignee.id });
  }
  expect(held.filter((h) => h.agent === 'alice')).toHaveLength(2);
  expect(held.filter((h) => h.agent === 'bob')).toHaveLength(2);

  const waiting = await withBot();
  await api.say(waiting, 'my credit card is lost');
  const open = await conversationWhere(waiting.conversationId, (c) => c.queue === 'CreditCardQueue', 'routing to CreditCardQueue');
  expect(open).toMatchObject({ status: 'Open', statusReason: 'AwaitingAgentAssignment', assignee: null });

  const freed = held[0]!;
  expect((await api.agent(freed.agent, 'POST', `/conversations/${freed.chat.conversationId}/end`)).body.status).toBe('WrapUp');
  const assigned = await conversationWhere(waiting.conversationId, (c) => c.status === 'Active', 'assignment after capacity freed');
  expect(assigned.assignee.id).toBe(freed.agent);

  await api.agent(freed.agent, 'POST', `/conversations/${freed.chat.conversationId}/close`);
  for (const h of [...held.slice(1), { chat: waiting, agent: freed.agent }]) await endAndClose(h.agent, h.chat.conversationId);
});

test('an agent that goes Away gets nothing; coming back Available takes the waiting chat', async () => {
  expect((await api.agent('carol', 'PUT', '/presence', { presence: 'Away' })).status).toBe(200);
  expect((await api.agent('dave', 'PUT', '/presence', { presence: 'Offline' })).status).toBe(200);
  const chat = await withBot();
  await api.say(chat, 'home loan');
  await conversationWhere(chat.conversationId, (c) => c.queue === 'HomeLoanQueue' && c.status === 'Open', 'waiting in HomeLoanQueue');
  expect((await api.agent('carol', 'PUT', '/presence', { presence: 'Available' })).body).toEqual({ presence: 'Available' });
  const assigned = await conversationWhere(chat.conversationId, (c) => c.status === 'Active', 'assignment after presence change');
  expect(assigned.assignee.id).toBe('carol');
  await api.agent('dave', 'PUT', '/presence', { presence: 'Available' });
  await endAndClose('carol', chat.conversationId);
});

test('operators can dry-run the rules and see why each rule did or did not match', async () => {
  const res = await api.call('POST', 'workstreams/ChatWorkStream/explain', { body: { context: { BotHandoffTopic: 'HomeLoan' } } });
  expect(res.status).toBe(200);
  expect(res.body.decision).toEqual({ rule: 'HomeLoanRule', queue: 'HomeLoanQueue' });
  expect(res.body.rules.map((r: any) => [r.rule, r.matched])).toEqual([['BotFailureRule', false], ['BotRule', false], ['CreditCardRule', false], ['HomeLoanRule', true]]);
  expect(res.body.rules[2].why).toContain('HomeLoan');
  const fallback = await api.call('POST', 'workstreams/ChatWorkStream/explain', { body: { context: { BotHandoffTopic: 'Mortgage' } } });
  expect(fallback.body.decision).toEqual({ rule: null, queue: 'DefaultQueue' });
  expect((await api.call('POST', 'workstreams/Nope/explain', { body: {} })).status).toBe(404);
});

describe('the API refuses what it must', () => {
  test('agents need their own token and may only touch their own chats', async () => {
    const { chat, conversation } = await escalated('credit card', 'CreditCardQueue');
    const owner = conversation.assignee.id;
    const other = owner === 'alice' ? 'bob' : 'alice';
    expect((await api.call('GET', `agents/${owner}/conversations`)).status).toBe(401);
    expect((await api.call('GET', `agents/${owner}/conversations`, { token: 'nope' })).status).toBe(401);
    expect((await api.call('GET', `agents/${owner}/conversations`, { token: `dev-${other}` })).status).toBe(403);
    const stolen = await api.agent(other, 'POST', `/conversations/${chat.conversationId}/end`);
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.code).toBe('Forbidden');
    const badQueue = await api.agent(owner, 'POST', `/conversations/${chat.conversationId}/transfer`, { queue: 'NoSuchQueue' });
    expect(badQueue.status).toBe(400);
    expect(badQueue.body.error.message).toContain('queue: unknown queue "NoSuchQueue"');
    expect((await api.agent(owner, 'POST', `/conversations/${chat.conversationId}/close`)).status).toBe(409);
    expect((await api.conversation(chat.conversationId)).body.status).toBe('Active');
    await endAndClose(owner, chat.conversationId);
  });

  test('customers need the token of their chat', async () => {
    const a = await api.startChat();
    const b = await api.startChat();
    expect((await api.call('GET', `chats/${a.conversationId}/messages`)).status).toBe(401);
    expect((await api.call('GET', `chats/${a.conversationId}/messages`, { token: b.token })).status).toBe(403);
    expect((await api.call('POST', `chats/${a.conversationId}/messages`, { body: { text: 'x' }, token: b.token })).status).toBe(403);
  });

  test('bad bodies get a 400 naming the field', async () => {
    const cases: [string, string, { body?: unknown; raw?: string }, string][] = [
      ['POST', 'chats', { raw: '{"context":' }, 'not valid JSON'],
      ['POST', 'chats', { body: { context: { Nope: 'x' } } }, 'context.Nope: not a context variable'],
      ['POST', 'chats', { body: { workstream: 'Other' } }, 'workstream: unknown workstream "Other"'],
      ['POST', 'chats', { body: { colour: 'red' } }, 'colour'],
      ['POST', 'chats', { body: { context: { BotHandoffTopic: { a: 1 } } } }, 'context.BotHandoffTopic'],
    ];
    for (const [method, path, options, expected] of cases) {
      const res = await api.call(method, path, options);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.error.message).toContain(expected);
    }
    const chat = await api.startChat();
    const empty = await api.call('POST', `chats/${chat.conversationId}/messages`, { body: { text: '' }, token: chat.token });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('text');
    expect((await api.agent('alice', 'PUT', '/presence', { presence: 'Sleeping' })).status).toBe(400);
    expect((await api.call('GET', 'conversations/does-not-exist')).status).toBe(404);
    expect((await api.call('GET', 'nowhere')).status).toBe(404);
  });
});
