import type { AssignmentMethod, Config } from '../../shared/core/config';
import { assign, startConversation } from '../../shared/core/lifecycle';
import { MAX_ACTIVITY_BYTES } from '../../shared/core/botCommands';
import { HELP } from '../../shared/demo-bot/demoBot';
import { QUEUES, type OutgoingMessage } from '../../shared/ports/messageBus';
import { getAgentState } from '../../shared/usecases/agentStates';
import { appliedDigest } from '../../shared/usecases/appliedKeys';
import { handleConversationCommand } from '../../shared/usecases/conversationCommand';
import { sweep, SWEEP_GRACE_IN_MS } from '../../shared/usecases/sweep';
import {
  customersPickTheTopic, eventually, hostPerTest, postBotActivity, RecordingBots, sampleConfig, testClock, type Api, type TestClock, type TestHost,
} from '../support/localHostHarness';

/**
 * Commands, timers, the sweep and the dispatcher over the embedded adapters, driven over HTTP with
 * the real demo bot, on a clock the test moves by hand. Each test gets a fresh host.
 */

const MINUTE = 60_000;
const AGENTS = ['alice', 'bob', 'carol', 'dave'];
const CLOSED_BY_SYSTEM = 'The chat was closed by the system.';

type Chat = { conversationId: string; token: string };

const { start: startHost, host, idle, stored, conversationWhere } = hostPerTest();
let api: Api;
let clock: TestClock;
let bots: RecordingBots;

async function start(change?: (config: Config) => void): Promise<TestHost> {
  clock = testClock();
  bots = new RecordingBots();
  // Some chats start straight in CreditCardQueue, their topic picked by the customer (creditCardChat).
  const started = await startHost({ config: sampleConfig((c) => {
    customersPickTheTopic(c);
    change?.(c);
  }), clock, bots });
  api = started.api;
  return started;
}

afterEach(() => jest.restoreAllMocks());

async function reservations(agentId: string) {
  return (await host().services.agents.get(agentId))?.value.reservations ?? [];
}

async function messages(chat: Chat) {
  const res = await api.messages(chat);
  expect(res.status).toBe(200);
  return res.body.messages;
}

async function setPresence(agentId: string, presence: string): Promise<void> {
  expect(await api.agent(agentId, 'PUT', '/presence', { presence })).toEqual({ status: 200, body: { presence } });
}

function sendMessage(chat: Chat, text: string, id: string) {
  return api.call('POST', `chats/${chat.conversationId}/messages`, { body: { text, id }, token: chat.token });
}

/** A new chat, once the demo bot holds it, has been told about it and has greeted. */
async function withBot(): Promise<Chat> {
  const chat = await api.startChat({ customer: { name: 'Dana' } });
  await conversationWhere(chat.conversationId, (c) => c.status === 'Active' && c.assignee?.id === 'demo-bot' && c.assignmentAnnounced, 'the bot to take the chat');
  await eventually('the greeting', async () => ((await messages(chat)).some((m) => m.role === 'bot') ? true : undefined));
  await idle();
  return chat;
}

/** A chat the rules send straight to CreditCardQueue (BotHandoffTopic given at start, as customersPickTheTopic allows). */
async function creditCardChat(): Promise<Chat> {
  const chat = await api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
  await conversationWhere(chat.conversationId, (c) => c.queue === 'CreditCardQueue', 'routing to CreditCardQueue');
  return chat;
}

const assigned = (id: string) => conversationWhere(id, (c) => c.status === 'Active' && c.assignmentAnnounced, 'the assignment');

function escalation(id: string, topic = 'CreditCard') {
  return { type: 'message', id, text: `Customer asked about ${topic}`, from: { id: 'demo-bot' }, channelData: { tags: JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: topic } }) } };
}

describe('duplicates', () => {
  test('a customer message id sent 3 times: one transcript entry, one delivery to the bot', async () => {
    await start();
    const chat = await withBot();
    const responses = await Promise.all([1, 2, 3].map(() => sendMessage(chat, 'what can you do?', 'm1')));
    expect(responses).toEqual([1, 2, 3].map(() => ({ status: 202, body: { id: 'm1' } })));
    await eventually('the bot answer', async () => ((await messages(chat)).some((m) => m.text === HELP) ? true : undefined));
    await idle();

    const seen = await messages(chat);
    expect(seen.filter((m) => m.id === 'm1')).toEqual([{ id: 'm1', role: 'customer', text: 'what can you do?', timestamp: clock.iso() }]);
    expect(seen.filter((m) => m.text === HELP)).toHaveLength(1);
    expect(bots.to(chat.conversationId).filter((a) => a.type === 'message').map((a) => a.text)).toEqual(['what can you do?']);
    expect((await stored(chat.conversationId)).customerMessageCount).toBe(1);
  });

  test('a bot activity id POSTed 3 times has one effect', async () => {
    await start();
    const chat = await withBot();
    const activity = { type: 'message', id: 'a1', text: 'hi', from: { id: 'demo-bot' }, channelData: { deliveryMode: 'bridged' } };
    const responses = await Promise.all([1, 2, 3].map(() => postBotActivity(api, chat.conversationId, activity)));
    expect(responses).toEqual([1, 2, 3].map(() => ({ status: 200, body: { id: 'a1' } })));
    await eventually('the bot message', async () => ((await messages(chat)).some((m) => m.text === 'hi') ? true : undefined));
    await idle();

    expect((await messages(chat)).filter((m) => m.role === 'bot' && m.text === 'hi')).toHaveLength(1);
    expect((await stored(chat.conversationId)).applied.filter((key) => key === appliedDigest(`bot:${chat.conversationId}:a1`))).toHaveLength(1);
  });

  test('an Escalate sent twice with the same activity id escalates once', async () => {
    await start();
    const chat = await withBot();
    const id = chat.conversationId;
    const [first, second] = await Promise.all([postBotActivity(api, id, escalation('e1')), postBotActivity(api, id, escalation('e1'))]);
    // Whichever arrives after the escalation was applied finds the bot no longer holds the chat.
    for (const res of [first, second]) expect([200, 403]).toContain(res?.status);
    expect([first?.status, second?.status]).toContain(200);
    const active = await conversationWhere(id, (c) => c.assignee?.kind === 'agent' && c.assignmentAnnounced, 'the agent assignment');
    // A retry long after: refused, and still one escalation.
    const retry = await postBotActivity(api, id, escalation('e1'));
    expect(retry).toEqual({ status: 403, body: { error: { code: 'Forbidden', message: `bot demo-bot does not hold conversation ${id}` } } });
    await idle();

    const after = await stored(id);
    expect(after.counters).toEqual({ escalations: 1, transfers: 0 });
    expect(after.history.filter((h) => h.type === 'escalated')).toHaveLength(1);
    expect(after.history.filter((h) => h.type === 'routed').map((h) => h.type === 'routed' && h.reason)).toEqual(['start', 'escalation']);
    expect(after.epoch).toBe(active.epoch);
    const mine = (await api.agent(active.assignee!.id, 'GET', `/conversations/${id}/messages`)).body;
    expect(mine.messages.filter((m: any) => m.text === 'Customer asked about CreditCard')).toEqual([expect.objectContaining({ visibility: 'agents', role: 'bot' })]);
  });

  test('a conversation remembers applied commands by digest, and still knows the keys a document written before digests holds', async () => {
    const { services } = await start();
    const chat = await withBot();
    const id = chat.conversationId;
    const key = `customer:${id}:legacy-1`;
    const current = (await services.conversations.get(id))!;
    // As an earlier version wrote it: the raw key in the list.
    await services.conversations.replace({ ...current.value, applied: [...current.value.applied, key] }, { ifMatch: current.etag });

    await handleConversationCommand(services, { type: 'customerMessage', conversationId: id, key, messageId: 'legacy-1', text: 'sent before the upgrade' }, { deliveryCount: 2 });
    await handleConversationCommand(services, { type: 'customerMessage', conversationId: id, key: `customer:${id}:new-1`, messageId: 'new-1', text: 'sent after' });
    await idle();

    expect((await messages(chat)).map((m) => m.text)).not.toContain('sent before the upgrade');
    const after = await stored(id);
    expect(after.applied).toContain(appliedDigest(`customer:${id}:new-1`));
    expect(after.applied.every((k) => k === key || /^#[\w-]{22}$/.test(k))).toBe(true);
  });

  test('the same conversation command handled twice is applied once, and its outbox is re-published with the same message ids', async () => {
    const { services, bus } = await start();
    for (const agent of AGENTS) await setPresence(agent, 'Offline');
    const chat = await withBot();
    const id = chat.conversationId;
    const command = { type: 'botActivity', conversationId: id, key: `bot:${id}:direct-e1`, botId: 'demo-bot', activityId: 'direct-e1', operation: 'send', activity: escalation('direct-e1') };
    const send = jest.spyOn(bus, 'send');
    const sentBy = async (): Promise<OutgoingMessage[]> => {
      const before = send.mock.calls.length;
      await handleConversationCommand(services, command);
      return send.mock.calls.slice(before).flatMap(([batch]) => batch);
    };

    const first = await sentBy();
    const afterFirst = await stored(id);
    const second = await sentBy();

    const epoch = afterFirst.epoch;
    expect(first.map((m) => m.messageId)).toEqual([`bot:bot:${id}:direct-e1:0`, `dispatch:${id}:${epoch}`, `autoClose:${id}:Open:${epoch}`]);
    expect(second.map((m) => [m.queue, m.messageId, m.sessionId])).toEqual(first.map((m) => [m.queue, m.messageId, m.sessionId]));
    expect(second.map((m) => m.scheduledEnqueueTimeUtc?.toISOString())).toEqual(first.map((m) => m.scheduledEnqueueTimeUtc?.toISOString()));

    await idle();
    const after = await stored(id);
    expect(after).toMatchObject({ status: 'Open', queue: 'CreditCardQueue', epoch, counters: { escalations: 1, transfers: 0 } });
    expect(after.applied.filter((key) => key === appliedDigest(command.key))).toHaveLength(1);
    expect(after.history.filter((h) => h.type === 'escalated')).toHaveLength(1);
    const transcript = await services.transcripts.list(id);
    expect(transcript.filter((m) => m.text === 'Customer asked about CreditCard')).toHaveLength(1);
    expect(bots.to(id).filter((a) => a.type === 'endOfConversation')).toHaveLength(1);
  });
});

describe('auto-close', () => {
  test('a chat waiting with no agent available is closed by the system after 20 minutes, not before', async () => {
    await start();
    for (const agent of AGENTS) await setPresence(agent, 'Offline');
    const chat = await withBot();
    await api.say(chat, 'I need a credit card');
    const open = await conversationWhere(chat.conversationId, (c) => c.queue === 'CreditCardQueue', 'the escalation');
    expect(open).toMatchObject({ status: 'Open', enqueuedAt: clock.iso() });
    await idle();

    clock.advance(20 * MINUTE - 1);
    await idle();
    expect(await stored(chat.conversationId)).toMatchObject({ status: 'Open', epoch: open.epoch });

    clock.advance(1);
    const closed = await conversationWhere(chat.conversationId, (c) => c.status === 'Closed', 'the auto-close');
    expect(closed).toMatchObject({ statusReason: 'AutoClosedBySystem', closedAt: clock.iso(), epoch: open.epoch + 1 });
    const seen = await messages(chat);
    expect(seen.filter((m) => m.text === CLOSED_BY_SYSTEM)).toHaveLength(1);
    expect((await api.messages(chat)).body.status).toBe('Closed');
  });

  test('a chat in Wrap-up is closed by the system after 15 minutes, not before', async () => {
    await start();
    const chat = await creditCardChat();
    const active = await assigned(chat.conversationId);
    const agentId = active.assignee!.id;
    clock.advance(MINUTE);
    expect((await api.agent(agentId, 'POST', `/conversations/${chat.conversationId}/end`)).body).toEqual({ status: 'WrapUp' });
    const wrapUpAt = clock.iso();
    await idle();
    expect(await reservations(agentId)).toEqual([]);

    clock.advance(15 * MINUTE - 1);
    await idle();
    expect(await stored(chat.conversationId)).toMatchObject({ status: 'WrapUp', wrapUpAt });

    clock.advance(1);
    const closed = await conversationWhere(chat.conversationId, (c) => c.status === 'Closed', 'the wrap-up auto-close');
    expect(closed).toMatchObject({ statusReason: 'AutoClosedBySystem', closedAt: clock.iso(), assignee: { id: agentId, kind: 'agent' } });
  });

  test('a stale auto-close (the chat was assigned meanwhile) does nothing', async () => {
    await start();
    for (const agent of AGENTS) await setPresence(agent, 'Offline');
    const chat = await creditCardChat();
    const open = await stored(chat.conversationId);
    expect(open.status).toBe('Open');
    clock.advance(5 * MINUTE);
    await setPresence('alice', 'Available');
    const active = await assigned(chat.conversationId);
    expect(active.assignee).toEqual({ id: 'alice', kind: 'agent' });
    await idle();

    clock.advance(15 * MINUTE);
    await idle();
    const after = await stored(chat.conversationId);
    expect(after.applied).toContain(appliedDigest(`autoClose:${chat.conversationId}:Open:${open.epoch}`));
    expect(after).toMatchObject({ status: 'Active', statusReason: 'InConversation', assignee: { id: 'alice', kind: 'agent' }, epoch: active.epoch, closedAt: null });
    expect(after.history).toEqual(active.history);
    expect((await messages(chat)).map((m) => m.text)).not.toContain(CLOSED_BY_SYSTEM);
    expect(await reservations('alice')).toHaveLength(1);
  });
});

describe('sweep', () => {
  test('a reservation left without its chat is released after the grace period, and the waiting chat is assigned', async () => {
    const { services } = await start();
    await setPresence('bob', 'Offline');
    const alice = await getAgentState(services, services.directory.agent('alice')!);
    const stray = (conversationId: string) => ({ conversationId, queue: 'CreditCardQueue', units: 1, at: clock.iso() });
    await services.agents.replace({ ...alice.value, reservations: [stray('ghost-1'), stray('ghost-2')] }, { ifMatch: alice.etag });
    const chat = await creditCardChat();
    await idle();
    expect((await stored(chat.conversationId)).status).toBe('Open');

    clock.advance(SWEEP_GRACE_IN_MS);
    expect((await sweep(services)).reservationsReleased).toBe(0);
    await idle();
    expect((await stored(chat.conversationId)).status).toBe('Open');

    clock.advance(1);
    expect(await sweep(services)).toEqual({ dispatchesRequested: 1, announcementsResent: 0, autoClosesResent: 0, reservationsReleased: 2, chatsRerouted: 0, offerExpiriesResent: 0, agentsSetOffline: 0 });
    const active = await assigned(chat.conversationId);
    expect(active.assignee).toEqual({ id: 'alice', kind: 'agent' });
    await idle();
    expect(await reservations('alice')).toEqual([{ conversationId: chat.conversationId, queue: 'CreditCardQueue', units: 1, at: clock.iso() }]);

    // A reservation whose chat the agent holds is not a stray, however old.
    clock.advance(10 * MINUTE);
    expect((await sweep(services)).reservationsReleased).toBe(0);
    expect(await reservations('alice')).toHaveLength(1);
  });

  test('an Active assignment that was never announced is announced again', async () => {
    const { services } = await start();
    for (const agent of AGENTS) await setPresence(agent, 'Offline');
    const chat = await creditCardChat();
    await idle();
    // A dispatcher that died after its two conditional writes, before sending `assigned`.
    const alice = await getAgentState(services, services.directory.agent('alice')!);
    await services.agents.replace({ ...alice.value, reservations: [{ conversationId: chat.conversationId, queue: 'CreditCardQueue', units: 1, at: clock.iso() }] }, { ifMatch: alice.etag });
    const open = (await services.conversations.get(chat.conversationId))!;
    await services.conversations.replace(assign(open.value, { id: 'alice', kind: 'agent' }, 'CreditCardQueue', open.value.epoch, clock.iso()), { ifMatch: open.etag });
    expect((await sweep(services)).announcementsResent).toBe(0);
    await idle();
    expect((await stored(chat.conversationId)).assignmentAnnounced).toBe(false);

    clock.advance(SWEEP_GRACE_IN_MS + 1);
    expect(await sweep(services)).toEqual({ dispatchesRequested: 0, announcementsResent: 1, autoClosesResent: 0, reservationsReleased: 0, chatsRerouted: 0, offerExpiriesResent: 0, agentsSetOffline: 0 });
    await conversationWhere(chat.conversationId, (c) => c.assignmentAnnounced, 'the announcement');
    await idle();
    expect((await messages(chat)).filter((m) => m.text === 'Alice joined the chat.')).toHaveLength(1);
    expect(await reservations('alice')).toHaveLength(1);
  });

  test('a queue with waiting chats and no dispatch message is dispatched', async () => {
    const { services } = await start();
    for (const agent of AGENTS) await setPresence(agent, 'Offline');
    const chat = await creditCardChat();
    await idle();
    // alice becomes Available in the store only: nothing asks for a dispatch.
    const alice = (await services.agents.get('alice'))!;
    await services.agents.replace({ ...alice.value, presence: 'Available' }, { ifMatch: alice.etag });
    await idle();
    expect((await stored(chat.conversationId)).status).toBe('Open');

    expect(await sweep(services)).toEqual({ dispatchesRequested: 1, announcementsResent: 0, autoClosesResent: 0, reservationsReleased: 0, chatsRerouted: 0, offerExpiriesResent: 0, agentsSetOffline: 0 });
    const active = await assigned(chat.conversationId);
    expect(active.assignee).toEqual({ id: 'alice', kind: 'agent' });
  });

  test('an overdue auto-close that was lost is sent again', async () => {
    const { services } = await start();
    for (const agent of AGENTS) await setPresence(agent, 'Offline');
    // Written straight to the store: its scheduled auto-close never reached the bus.
    const workstream = services.directory.workstream('ChatWorkStream')!;
    const input = { id: 'lost-timer', workstream, customer: { id: 'cust-lost', name: 'Lee' }, context: { BotHandoffTopic: 'CreditCard' } };
    await services.conversations.create(startConversation(input, { kind: 'queue', rule: 'CreditCardRule', queue: 'CreditCardQueue' }, clock.iso()));

    clock.advance(20 * MINUTE - 1);
    expect(await sweep(services)).toEqual({ dispatchesRequested: 1, announcementsResent: 0, autoClosesResent: 0, reservationsReleased: 0, chatsRerouted: 0, offerExpiriesResent: 0, agentsSetOffline: 0 });
    await idle();
    expect((await stored('lost-timer')).status).toBe('Open');

    clock.advance(1);
    expect(await sweep(services)).toEqual({ dispatchesRequested: 1, announcementsResent: 0, autoClosesResent: 1, reservationsReleased: 0, chatsRerouted: 0, offerExpiriesResent: 0, agentsSetOffline: 0 });
    const closed = await conversationWhere('lost-timer', (c) => c.status === 'Closed', 'the re-sent auto-close');
    expect(closed).toMatchObject({ statusReason: 'AutoClosedBySystem', closedAt: clock.iso() });
  });

  test('a chat left waiting in a queue nobody can serve any more (the configuration changed under it) is moved to the fallback queue', async () => {
    // The configuration of an earlier run had a RetiredQueue with agents; this run's has it with no members.
    const { services } = await start((c) => c.queues.push({ name: 'RetiredQueue', priority: 2, assignment: 'highestCapacity', members: [] }));
    for (const agent of AGENTS) await setPresence(agent, agent === 'carol' ? 'Available' : 'Offline');
    const workstream = services.directory.workstream('ChatWorkStream')!;
    const input = { id: 'left-behind', workstream, customer: { id: 'cust-left', name: 'Lee' }, context: { BotHandoffTopic: 'Retired' } };
    await services.conversations.create(startConversation(input, { kind: 'queue', rule: null, queue: 'RetiredQueue' }, clock.iso()));

    clock.advance(SWEEP_GRACE_IN_MS + 1);
    expect((await sweep(services)).chatsRerouted).toBe(1);
    const moved = await conversationWhere('left-behind', (c) => c.status === 'Active', 'the chat to be served from the fallback queue');
    expect(moved).toMatchObject({ queue: 'DefaultQueue', assignee: { id: 'carol', kind: 'agent' } });
    expect(moved.history.filter((h) => h.type === 'routed').at(-1)).toEqual({
      type: 'routed', at: expect.any(String), rule: null, queue: 'DefaultQueue', reason: 'repair', redirectedFrom: 'RetiredQueue', why: 'RetiredQueue has no members',
    });
    // Repeating the sweep is harmless.
    expect((await sweep(services)).chatsRerouted).toBe(0);
  });
});

describe('poison', () => {
  test('an undecodable command is dead-lettered with PoisonMessage and does not block the valid one behind it', async () => {
    const { bus } = await start();
    const chat = await withBot();
    const id = chat.conversationId;
    const command = (messageId: string, body: unknown): OutgoingMessage => ({ queue: QUEUES.conversationCommands, sessionId: id, messageId, body });
    await bus.send([
      command('poison-1', { type: 'customerMessage', conversationId: id }),
      command('poison-2', { type: 'selfDestruct', conversationId: id, key: 'x' }),
      command(`customer:${id}:after`, { type: 'customerMessage', conversationId: id, key: `customer:${id}:after`, messageId: 'after', text: 'after the poison' }),
    ]);
    await eventually('the valid command and the bot answer', async () => ((await messages(chat)).some((m) => m.text === HELP) ? true : undefined));
    await idle();

    const dead = await bus.listDeadLetters(QUEUES.conversationCommands);
    expect(dead).toEqual([
      { messageId: 'poison-1', sessionId: id, body: { type: 'customerMessage', conversationId: id }, reason: 'PoisonMessage', description: expect.stringMatching(/^undecodable conversation command: key: /), deliveryCount: 1 },
      { messageId: 'poison-2', sessionId: id, body: { type: 'selfDestruct', conversationId: id, key: 'x' }, reason: 'PoisonMessage', description: expect.stringMatching(/^undecodable conversation command: type: /), deliveryCount: 1 },
    ]);
    expect((await messages(chat)).filter((m) => m.role === 'customer').map((m) => m.text)).toEqual(['after the poison']);
  });

  test('a well-formed command for a conversation that does not exist is dead-lettered too', async () => {
    const { bus } = await start();
    const body = { type: 'customerEnd', conversationId: 'nobody', key: 'customerEnd:nobody' };
    await bus.send([{ queue: QUEUES.conversationCommands, sessionId: 'nobody', messageId: body.key, body }]);
    await idle();
    expect(await bus.listDeadLetters(QUEUES.conversationCommands)).toEqual([
      { messageId: body.key, sessionId: 'nobody', body, reason: 'PoisonMessage', description: 'conversation nobody does not exist (command customerEnd)', deliveryCount: 1 },
    ]);
  });
});

describe('the connector refuses what it must', () => {
  test('a bot that does not hold the chat gets 403 and changes nothing', async () => {
    const { services } = await start();
    const chat = await withBot();
    await api.say(chat, 'credit card');
    await conversationWhere(chat.conversationId, (c) => c.assignee?.kind === 'agent' && c.assignmentAnnounced, 'the escalation');
    await idle();
    const before = await services.conversations.get(chat.conversationId);
    const late = await postBotActivity(api, chat.conversationId, { type: 'message', id: 'late', text: 'still here', from: { id: 'demo-bot' } });
    expect(late).toEqual({ status: 403, body: { error: { code: 'Forbidden', message: `bot demo-bot does not hold conversation ${chat.conversationId}` } } });

    const other = await withBot();
    const stranger = await postBotActivity(api, other.conversationId, { type: 'message', text: 'hello', from: { id: 'other-bot' } });
    // A caller that is no configured bot, without a token, is not who it claims to be.
    expect(stranger.status).toBe(401);
    expect(stranger.body.error.code).toBe('Unauthorized');
    await idle();
    expect(await services.conversations.get(chat.conversationId)).toEqual(before);
    expect((await messages(chat)).map((m) => m.text)).not.toContain('still here');
    expect((await messages(other)).map((m) => m.text)).not.toContain('hello');
  });

  test('an unknown or closed conversation gets 404', async () => {
    await start();
    const unknown = await postBotActivity(api, 'no-such-conversation', { type: 'message', text: 'hi', from: { id: 'demo-bot' } });
    expect(unknown).toEqual({ status: 404, body: { error: { code: 'NotFound', message: 'conversation no-such-conversation does not exist or is closed' } } });
    const chat = await withBot();
    await api.say(chat, 'bye');
    await conversationWhere(chat.conversationId, (c) => c.status === 'Closed', 'the bot to end the chat');
    const late = await postBotActivity(api, chat.conversationId, { type: 'message', text: 'one more thing', from: { id: 'demo-bot' } });
    expect(late.status).toBe(404);
  });

  test('an activity over 28 KB gets 413 naming the limit; one of exactly 28 KB is accepted', async () => {
    const { services } = await start();
    const chat = await withBot();
    const sized = (bytes: number, id: string) => {
      const activity = { type: 'message', id, text: '', from: { id: 'demo-bot' } };
      return { ...activity, text: 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(activity))) };
    };
    const before = await services.conversations.get(chat.conversationId);
    const tooBig = sized(MAX_ACTIVITY_BYTES + 1, 'big');
    expect(Buffer.byteLength(JSON.stringify(tooBig))).toBe(28_673);
    expect(await postBotActivity(api, chat.conversationId, tooBig)).toEqual({
      status: 413,
      body: { error: { code: 'PayloadTooLarge', message: 'activity is 28673 bytes; the limit is 28672 bytes' } },
    });
    await idle();
    expect(await services.conversations.get(chat.conversationId)).toEqual(before);

    const justFits = sized(MAX_ACTIVITY_BYTES, 'fits');
    expect(await postBotActivity(api, chat.conversationId, justFits)).toEqual({ status: 200, body: { id: 'fits' } });
    await eventually('the largest message', async () => ((await messages(chat)).some((m) => m.text === justFits.text) ? true : undefined));
  });

  test('typing and trace get 200 and change nothing', async () => {
    const { services } = await start();
    const chat = await withBot();
    const before = await services.conversations.get(chat.conversationId);
    const transcript = await messages(chat);
    const typing = await postBotActivity(api, chat.conversationId, { type: 'typing', from: { id: 'demo-bot' } });
    expect(typing).toEqual({ status: 200, body: { id: expect.any(String) } });
    const trace = await postBotActivity(api, chat.conversationId, { type: 'trace', id: 'trace-1', name: 'debug', value: { step: 1 }, from: { id: 'demo-bot' } });
    expect(trace).toEqual({ status: 200, body: { id: 'trace-1' } });
    await idle();
    expect(await services.conversations.get(chat.conversationId)).toEqual(before);
    expect(await messages(chat)).toEqual(transcript);
  });
});

describe('capacity units and presences', () => {
  test('a chat of 2 units on agents of capacity 3: at most one chat each', async () => {
    await start((config) => {
      config.workstreams[0]!.capacityUnits = 2;
      for (const user of config.users) if (user.kind === 'agent') user.capacity = 3;
    });
    const chats: Chat[] = [];
    for (let i = 0; i < 3; i++) {
      chats.push(await creditCardChat());
      clock.advance(1000);
    }
    await idle();
    const [c1, c2, c3] = await Promise.all(chats.map((c) => stored(c.conversationId)));
    expect([c1!.assignee?.id, c2!.assignee?.id].sort()).toEqual(['alice', 'bob']);
    expect(c3).toMatchObject({ status: 'Open', assignee: null });
    for (const agent of ['alice', 'bob']) expect((await reservations(agent)).map((r) => r.units)).toEqual([2]);

    const freed = c1!.assignee!.id;
    expect((await api.agent(freed, 'POST', `/conversations/${c1!.id}/end`)).body).toEqual({ status: 'WrapUp' });
    const third = await assigned(c3!.id);
    expect(third.assignee?.id).toBe(freed);
    await idle();
    expect(await reservations(freed)).toEqual([expect.objectContaining({ conversationId: c3!.id, units: 2 })]);
  });

  test('wrapUpBlocksCapacity keeps the capacity through Wrap-up until the chat is closed, by the agent or the system', async () => {
    await start((config) => {
      config.workstreams[0]!.wrapUpBlocksCapacity = true;
      for (const user of config.users) if (user.kind === 'agent') user.capacity = 1;
    });
    const first = await creditCardChat();
    clock.advance(1000);
    const second = await creditCardChat();
    clock.advance(1000);
    const third = await creditCardChat();
    await idle();
    expect((await stored(first.conversationId)).assignee?.id).toBe('alice');
    expect((await stored(second.conversationId)).assignee?.id).toBe('bob');
    expect((await stored(third.conversationId)).status).toBe('Open');

    expect((await api.agent('alice', 'POST', `/conversations/${first.conversationId}/end`)).body).toEqual({ status: 'WrapUp' });
    await idle();
    expect((await stored(third.conversationId)).status).toBe('Open');
    expect((await reservations('alice')).map((r) => r.conversationId)).toEqual([first.conversationId]);

    expect((await api.agent('alice', 'POST', `/conversations/${first.conversationId}/close`)).body).toEqual({ status: 'Closed' });
    expect((await assigned(third.conversationId)).assignee?.id).toBe('alice');

    // Wrap-up's auto-close gives the capacity back too.
    expect((await api.agent('bob', 'POST', `/conversations/${second.conversationId}/end`)).body).toEqual({ status: 'WrapUp' });
    const fourth = await creditCardChat();
    await idle();
    expect((await stored(fourth.conversationId)).status).toBe('Open');
    clock.advance(15 * MINUTE);
    expect((await assigned(fourth.conversationId)).assignee?.id).toBe('bob');
    expect(await stored(second.conversationId)).toMatchObject({ status: 'Closed', statusReason: 'AutoClosedBySystem' });
  });

  test('only agents in a presence the workstream allows (Available, Busy) get chats', async () => {
    await start();
    await setPresence('alice', 'Busy-DND');
    await setPresence('bob', 'Away');
    const chat = await creditCardChat();
    await idle();
    await setPresence('bob', 'Offline');
    await idle();
    expect((await stored(chat.conversationId)).status).toBe('Open');
    await setPresence('alice', 'Busy');
    expect((await assigned(chat.conversationId)).assignee?.id).toBe('alice');
  });
});

describe('assignment methods, through the dispatcher', () => {
  /** One workstream whose chats all go to queue Q, served by alice, bob and carol. */
  function oneQueue(assignment: AssignmentMethod, capacity: Record<string, number>) {
    return (config: Config) => {
      const workstream = config.workstreams[0]!;
      workstream.rules = [];
      workstream.fallbackQueue = 'Q';
      config.queues = [{ name: 'Q', priority: 1, assignment, members: ['alice', 'bob', 'carol'] }];
      config.users = config.users.filter((u) => u.id in capacity).map((u) => ({ ...u, capacity: capacity[u.id]! }));
    };
  }

  async function nextAssignee(): Promise<string> {
    clock.advance(1000);
    const chat = await api.startChat();
    const active = await assigned(chat.conversationId);
    await idle();
    return active.assignee!.id;
  }

  async function assignees(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await nextAssignee());
    return ids;
  }

  test('roundRobin rotates through the members, whatever their capacity', async () => {
    await start(oneQueue('roundRobin', { alice: 10, bob: 3, carol: 3 }));
    expect(await assignees(6)).toEqual(['alice', 'bob', 'carol', 'alice', 'bob', 'carol']);
  });

  test('highestCapacity picks the member with the most free units, ties to the earliest last assignment', async () => {
    await start(oneQueue('highestCapacity', { alice: 2, bob: 5, carol: 3 }));
    expect(await assignees(6)).toEqual(['bob', 'bob', 'carol', 'bob', 'alice', 'carol']);
  });

  test('leastActive picks the member whose capacity was released longest ago', async () => {
    await start(oneQueue('leastActive', { alice: 1, bob: 1, carol: 1 }));
    const first = new Map<string, string>();
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      const chat = await api.startChat();
      first.set((await assigned(chat.conversationId)).assignee!.id, chat.conversationId);
    }
    expect([...first.keys()]).toEqual(['alice', 'bob', 'carol']);
    for (const agent of ['carol', 'alice', 'bob']) {
      clock.advance(10_000);
      expect((await api.agent(agent, 'POST', `/conversations/${first.get(agent)}/end`)).body).toEqual({ status: 'WrapUp' });
      await idle();
    }
    expect(await assignees(3)).toEqual(['carol', 'alice', 'bob']);
  });
});
