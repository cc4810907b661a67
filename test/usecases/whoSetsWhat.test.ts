import type { Conversation } from '../../shared/core/conversation';
import type { OutgoingMessage } from '../../shared/ports/messageBus';
import { eventually, postBotActivity, RecordingBots, sampleConfig, startTestHost, type Api, conversationWhere, storedConversation } from '../support/localHostHarness';

/**
 * Who sets a chat's identity and context (issue 11, findings 3, 4 and 7), over HTTP against the local
 * host with the sample configuration and its real demo bot (botbuilder): customers name neither
 * themselves nor their route; bots set what the variables' setBy allows them, of the declared types.
 */

type Host = Awaited<ReturnType<typeof startTestHost>>;

let host: Host;
let api: Api;
let bots: RecordingBots;
/** Every message the bus was given since the last `sent.length = 0`. */
const sent: OutgoingMessage[] = [];

beforeAll(async () => {
  bots = new RecordingBots();
  const config = sampleConfig((c) => {
    // The sample declares Email (a pre-chat answer) already.
    c.workstreams[0]!.contextVariables.push({ name: 'Amount', type: 'number', setBy: ['customer', 'bot'] });
  });
  host = await startTestHost({ config, bots });
  bots.baseUrl = host.baseUrl;
  api = host.api;
  const bus = host.services.bus;
  const send = bus.send.bind(bus);
  bus.send = async (messages: OutgoingMessage[]) => {
    sent.push(...messages);
    return send(messages);
  };
});

afterAll(async () => {
  await host?.close();
});

/** A refused start: the 400 and its message, and nothing sent on the bus (no chat started). */
async function refusedStart(body: unknown): Promise<string> {
  await host.bus.whenIdle({ timeoutInMs: 10_000 });
  sent.length = 0;
  const res = await api.call('POST', 'chats', { body });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('InvalidBody');
  await host.bus.whenIdle({ timeoutInMs: 10_000 });
  expect(sent).toEqual([]);
  return res.body.error.message as string;
}

const withDemoBot = (id: string) =>
  conversationWhere(host, id, (c) => c.status === 'Active' && c.assignee?.id === 'demo-bot' && c.assignmentAnnounced, 'the demo bot to get the chat');

/** An escalation from the demo bot (anonymous, as the sample configuration allows) with this context. */
function escalate(conversationId: string, context: Record<string, unknown>, id = `esc-${Math.random()}`) {
  const tags = JSON.stringify({ type: 'Escalate', context });
  return postBotActivity(api, conversationId, { type: 'message', id, from: { id: 'demo-bot' }, text: 'over to a human', channelData: { tags } });
}

/** A bot's call refused with a 400: the message, and the chat still with the bot, context untouched, nothing on the bus. */
async function refusedFromBot(conversationId: string, call: () => Promise<{ status: number; body: any }>): Promise<string> {
  await host.bus.whenIdle({ timeoutInMs: 10_000 });
  const before: Conversation = await storedConversation(host, conversationId);
  sent.length = 0;
  const res = await call();
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('InvalidBody');
  await host.bus.whenIdle({ timeoutInMs: 10_000 });
  expect(sent).toEqual([]);
  const after = await storedConversation(host, conversationId);
  expect(after).toMatchObject({ status: 'Active', assignee: { id: 'demo-bot', kind: 'bot' }, queue: 'BotQueue', context: before.context, counters: before.counters });
  return res.body.error.message as string;
}

describe('customers do not choose their identity (finding 3)', () => {
  test('a chosen customer.id is refused with a 400 naming it, nothing starts, and no bot ever sees that id', async () => {
    const message = await refusedStart({ customer: { id: 'victim-customer-42', name: 'Mallory' } });
    expect(message).toBe("customer.id: customer ids are assigned by Switchboard (customer-<conversationId>): a customer cannot choose one, so no chat can take another customer's bot state");
    // An agent's id is no better.
    expect(await refusedStart({ customer: { id: 'alice' } })).toMatch(/^customer\.id: customer ids are assigned by Switchboard/);

    // A chat started meanwhile reaches the bot; the chosen ids never did.
    const chat = await api.startChat({ customer: { name: 'Dana' } });
    await withDemoBot(chat.conversationId);
    await eventually('the context event at the bot', async () => (bots.to(chat.conversationId).some((a) => a.type === 'event') ? true : undefined));
    const everyId = JSON.stringify(bots.delivered);
    expect(everyId).not.toContain('victim-customer-42');
    expect(bots.delivered.filter((d) => d.activity.from?.id === 'alice' || d.activity.membersAdded?.some((m) => m.id === 'alice'))).toEqual([]);
  });

  test("a chat's bot sees the customer as customer-<conversationId>, with the name the customer gave", async () => {
    const chat = await api.startChat({ customer: { name: 'Dana' } });
    await withDemoBot(chat.conversationId);
    const activities = await eventually('the start of the chat at the bot', async () => {
      const to = bots.to(chat.conversationId);
      return to.length >= 2 ? to : undefined;
    });
    const customer = { id: `customer-${chat.conversationId}`, name: 'Dana', role: 'user' };
    expect(activities.map((a) => a.from)).toEqual(activities.map(() => customer));
    expect(activities[0]!.membersAdded).toContainEqual(customer);
    expect((await storedConversation(host, chat.conversationId)).customer).toEqual({ id: `customer-${chat.conversationId}`, name: 'Dana' });
  });
});

describe("a client's message id is its own (finding 3)", () => {
  test("a message id cannot take one of Switchboard's own ids ahead of it (they all have a ':'): 400, nothing sent", async () => {
    const chat = await api.startChat({ customer: { name: 'Dana' } });
    await withDemoBot(chat.conversationId);
    await host.bus.whenIdle({ timeoutInMs: 10_000 });
    sent.length = 0;
    // The id of the line the system writes when the customer leaves: taken first, that line would be lost.
    const taken = await api.call('POST', `chats/${chat.conversationId}/messages`, { body: { text: 'bye', id: `customerEnd:${chat.conversationId}:0` }, token: chat.token });
    expect(taken).toEqual({ status: 400, body: { error: { code: 'InvalidBody', message: "id: must not contain ':' (Switchboard's own message ids do)" } } });
    await host.bus.whenIdle({ timeoutInMs: 10_000 });
    expect(sent).toEqual([]);
    expect(await api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token })).toMatchObject({ status: 200 });
    const after = await eventually('the line saying the customer left', async () => {
      const res = await api.messages(chat);
      return res.body.messages.some((m) => m.role === 'system' && m.text === 'The customer left the chat.') ? res.body.messages : undefined;
    });
    expect(after.filter((m) => m.role === 'customer')).toEqual([]);
  });
});

describe('customers do not route themselves (finding 4)', () => {
  test('a customer setting BotHandoffTopic (setBy: bot) is refused: no chat, nothing on the bus', async () => {
    expect(await refusedStart({ context: { BotHandoffTopic: 'CreditCard' } })).toBe('context.BotHandoffTopic: customers may not set this variable (setBy: bot)');
  });

  test('a customer setting BotFailure (setBy: system) is refused: no chat, nothing on the bus', async () => {
    expect(await refusedStart({ context: { BotFailure: 'unreachable' } })).toBe('context.BotFailure: customers may not set this variable (setBy: system)');
  });

  test('each refused variable is named, with an undeclared one and a pre-chat answer of the wrong type', async () => {
    expect(await refusedStart({ context: { Email: 'dana@example.com', BotHandoffTopic: 'HomeLoan', Color: 'red', Amount: 'lots' } })).toBe([
      'context.BotHandoffTopic: customers may not set this variable (setBy: bot)',
      'context.Color: not a context variable customers may set in workstream ChatWorkStream (they may set Email, Amount)',
      `context.Amount: a number was expected, got "lots"`,
    ].join('; '));
  });

  test('a pre-chat answer (setBy: customer) is accepted: the chat goes to the bot first, which hears it', async () => {
    const chat = await api.startChat({ context: { Email: 'dana@example.com', Amount: ' 250 ' } });
    const held = await withDemoBot(chat.conversationId);
    expect(held).toMatchObject({ queue: 'BotQueue', context: { Email: 'dana@example.com', Amount: 250 } });
    const start = await eventually('the context event at the bot', async () => bots.to(chat.conversationId).find((a) => a.type === 'event'));
    expect(start.value).toEqual({ Email: 'dana@example.com', Amount: 250, msdyn_ConversationId: chat.conversationId });
  });
});

describe('bots set what setBy allows them, of the declared types (findings 4 and 7)', () => {
  test('an escalation setting BotFailure (setBy: system) is refused with a 400 naming it: nothing applied', async () => {
    const chat = await api.startChat();
    await withDemoBot(chat.conversationId);
    const message = await refusedFromBot(chat.conversationId, () => escalate(chat.conversationId, { BotHandoffTopic: 'CreditCard', BotFailure: 'none' }));
    expect(message).toBe('channelData.tags.context.BotFailure: bots may not set this variable (setBy: system)');
  });

  test('a handoff.initiate setting BotFailure is refused the same way', async () => {
    const chat = await api.startChat();
    await withDemoBot(chat.conversationId);
    const handoff = { type: 'event', name: 'handoff.initiate', id: 'h-1', from: { id: 'demo-bot' }, value: { BotFailure: 'none' } };
    expect(await refusedFromBot(chat.conversationId, () => postBotActivity(api, chat.conversationId, handoff)))
      .toBe('activity.value.BotFailure: bots may not set this variable (setBy: system)');
  });

  test('a number variable escalated with "abc" is refused with a 400 naming the variable and its type', async () => {
    const chat = await api.startChat();
    await withDemoBot(chat.conversationId);
    const message = await refusedFromBot(chat.conversationId, () => escalate(chat.conversationId, { BotHandoffTopic: 'CreditCard', Amount: 'abc' }));
    expect(message).toBe(`channelData.tags.context.Amount: a number was expected, got "abc"`);
  });

  test('a customer-only variable is refused to a bot', async () => {
    const chat = await api.startChat();
    await withDemoBot(chat.conversationId);
    expect(await refusedFromBot(chat.conversationId, () => escalate(chat.conversationId, { Email: 'someone@example.com' })))
      .toBe('channelData.tags.context.Email: bots may not set this variable (setBy: customer)');
  });

  test('an escalation setting declared (setBy: bot) and undeclared variables is applied: the rules run again', async () => {
    const chat = await api.startChat();
    await withDemoBot(chat.conversationId);
    const res = await escalate(chat.conversationId, { BotHandoffTopic: 'CreditCard', Amount: '1200', CrmCaseId: 'CASE-7', Priority: 2 }, 'esc-ok');
    expect(res).toEqual({ status: 200, body: { id: 'esc-ok' } });
    const routed = await conversationWhere(host, chat.conversationId, (c) => c.queue === 'CreditCardQueue', 'the chat to reach CreditCardQueue');
    expect(routed.context).toEqual({ BotHandoffTopic: 'CreditCard', Amount: '1200', CrmCaseId: 'CASE-7', Priority: 2 });
  });
});
