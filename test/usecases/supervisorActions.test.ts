import type { Config, OfferSettings } from '../../shared/core/config';
import type { Conversation, HistoryEntry } from '../../shared/core/conversation';
import type { Telemetry, TelemetryProperties } from '../../shared/ports/telemetry';
import { customersPickTheTopic, hostPerTest, RecordingBots, sampleConfig, testClock, type Api, type TestClock, type TestHost } from '../support/localHostHarness';

/**
 * The supervisor's actions (D365's Assign, Transfer, Force close and Monitor) over HTTP on the local host:
 * what each does to the chat, the customer, the agents' capacity and the record; and what each refuses.
 * sam is the sample configuration's supervisor (dev-sam); alice and bob serve CreditCardQueue, carol and dave HomeLoanQueue.
 */

const SECOND = 1000;
const AGENTS = ['alice', 'bob', 'carol', 'dave'];
const OFFERS: OfferSettings = { timeoutSeconds: 120, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3 };

type Chat = { conversationId: string; token: string };

class RecordingTelemetry implements Telemetry {
  readonly events: { name: string; properties: TelemetryProperties; measurements?: Record<string, number> }[] = [];
  trackEvent(name: string, properties: TelemetryProperties = {}, measurements?: Record<string, number>): void {
    this.events.push({ name, properties, measurements });
  }
  trackMetric(): void {}
  trackException(): void {}
  named(name: string) {
    return this.events.filter((e) => e.name === name);
  }
}

const { start: startHost, host, idle, stored, conversationWhere } = hostPerTest();
let api: Api;
let clock: TestClock;
let telemetry: RecordingTelemetry;
let bots: RecordingBots;

async function start(change: (config: Config) => void = () => undefined): Promise<TestHost> {
  clock = testClock();
  telemetry = new RecordingTelemetry();
  bots = new RecordingBots();
  const config = sampleConfig((c) => {
    customersPickTheTopic(c);
    change(c);
  });
  const started = await startHost({ config, clock, bots, telemetry });
  api = started.api;
  return started;
}

const withOffers = (c: Config) => {
  c.workstreams[0]!.offers = OFFERS;
};

const supervisor = (method: string, path: string, body?: unknown, token = 'dev-sam') => api.call(method, `supervisor/conversations/${path}`, { body, token });
const assign = (id: string, agentId: string, token?: string) => supervisor('POST', `${id}/assign`, { agentId }, token);
const transfer = (id: string, target: { queue?: string; agentId?: string }) => supervisor('POST', `${id}/transfer`, target);
const forceClose = (id: string) => supervisor('POST', `${id}/close`);

async function presences(wanted: Record<string, string>): Promise<void> {
  for (const agent of AGENTS) {
    const presence = wanted[agent] ?? 'Offline';
    expect(await api.agent(agent, 'PUT', '/presence', { presence })).toEqual({ status: 200, body: { presence } });
  }
}

async function reservations(agentId: string): Promise<string[]> {
  return ((await host().services.agents.get(agentId))?.value.reservations ?? []).map((r) => r.conversationId);
}

/** A chat the rules send straight to CreditCardQueue (alice, bob). */
const creditCardChat = (): Promise<Chat> => api.startChat({ customer: { name: 'Dana' }, context: { BotHandoffTopic: 'CreditCard' } });

function entries<T extends HistoryEntry['type']>(c: Conversation, type: T) {
  return c.history.filter((h): h is Extract<HistoryEntry, { type: T }> => h.type === type);
}

const texts = async (chat: Chat) => ((await api.messages(chat)).body.messages as { text: string }[]).map((m) => m.text);

/** A chat held by `agent` (Active), everybody else Offline. */
async function activeWith(agent: string): Promise<Chat> {
  await presences({ [agent]: 'Available' });
  const chat = await creditCardChat();
  await conversationWhere(chat.conversationId, (c) => c.status === 'Active' && c.assignee?.id === agent && c.assignmentAnnounced, `${agent} to hold the chat`);
  return chat;
}

/** Everything a refused call could have changed. */
async function snapshot(ids: string[]) {
  await idle();
  const s = host().services;
  return {
    conversations: await Promise.all(ids.map((id) => s.conversations.get(id))),
    transcripts: await Promise.all(ids.map((id) => s.transcripts.list(id))),
    agents: await s.agents.list(),
  };
}

describe('GET /api/me', () => {
  test('names whoever the credentials name, with roles, capacity and queues; 401 for nobody', async () => {
    await start();
    expect(await api.call('GET', 'me', { token: 'dev-sam' })).toEqual({ status: 200, body: { id: 'sam', name: 'Sam', roles: ['supervisor'], capacity: 2, queues: [] } });
    expect(await api.call('GET', 'me', { token: 'dev-alice' })).toEqual({ status: 200, body: { id: 'alice', name: 'Alice', roles: [], capacity: 2, queues: ['CreditCardQueue', 'DefaultQueue'] } });
    expect(await api.call('GET', 'me', { token: 'dev-nobody' })).toMatchObject({ status: 401, body: { error: { code: 'Unauthorized' } } });
    expect(await api.call('GET', 'me')).toMatchObject({ status: 401, body: { error: { code: 'Unauthorized' } } });
  });
});

describe('assign', () => {
  test('a waiting chat goes Active with the agent (any presence but Offline, any queue): the customer hears they joined, the record names the supervisor', async () => {
    await start();
    await presences({ carol: 'Busy-DND' });
    const chat = await creditCardChat();
    const id = chat.conversationId;
    await idle();
    expect(await stored(id)).toMatchObject({ status: 'Open', queue: 'CreditCardQueue' });
    clock.advance(42 * SECOND);

    expect(await assign(id, 'carol')).toEqual({ status: 200, body: { status: 'Active', agentId: 'carol' } });
    const after = await stored(id);
    expect(after).toMatchObject({ status: 'Active', statusReason: 'AssignedBySupervisor', assignee: { id: 'carol', kind: 'agent' }, queue: 'CreditCardQueue', assignmentAnnounced: true });
    expect(entries(after, 'supervisor')).toEqual([{ type: 'supervisor', at: clock.iso(), action: 'assign', supervisorId: 'sam', agentId: 'carol', queue: 'CreditCardQueue' }]);
    expect(entries(after, 'assigned')).toEqual([{ type: 'assigned', at: clock.iso(), assignee: { id: 'carol', kind: 'agent' }, queue: 'CreditCardQueue', waitedMs: 42 * SECOND }]);
    expect(await reservations('carol')).toEqual([id]);
    expect(await texts(chat)).toEqual(['Carol joined the chat.']);
    const desk = await api.agent('carol', 'GET', '/conversations');
    expect(desk.body.conversations.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([[id, 'Active']]);
    expect(telemetry.named('SupervisorAction').map((e) => e.properties)).toEqual([expect.objectContaining({ conversationId: id, action: 'assign', supervisor: 'sam', agent: 'carol', queue: 'CreditCardQueue' })]);
    expect(telemetry.named('Assigned').map((e) => [e.properties.agent, e.properties.supervisor, e.measurements?.waitMs])).toEqual([['carol', 'sam', 42 * SECOND]]);
    // Asked again (an answer lost on the way), the same answer, and nothing more happens.
    expect(await assign(id, 'carol')).toEqual({ status: 200, body: { status: 'Active', agentId: 'carol' } });
    expect(await assign(id, 'alice')).toMatchObject({ status: 409 });
    expect(entries(await stored(id), 'supervisor')).toHaveLength(1);
    // Carol's chat is hers as any other: she writes, ends and closes it; her units go back.
    expect((await api.agent('carol', 'POST', `/conversations/${id}/messages`, { text: 'Hello Dana' })).status).toBe(202);
    expect((await api.agent('carol', 'POST', `/conversations/${id}/end`)).body).toEqual({ status: 'WrapUp' });
    expect((await api.agent('carol', 'POST', `/conversations/${id}/close`)).body).toEqual({ status: 'Closed' });
    await idle();
    expect(await reservations('carol')).toEqual([]);
  });

  test('refusals name the problem and change nothing: unknown agent or a bot (400), Offline or full agents and chats not Open (409), unknown chats (404)', async () => {
    await start();
    const held = await activeWith('alice');
    await presences({ bob: 'Available' });
    // bob is full: two chats of his own.
    const bobs = [await creditCardChat(), await creditCardChat()];
    for (const chat of bobs) await conversationWhere(chat.conversationId, (c) => c.assignee?.id === 'bob', 'bob to hold the chat');
    const waiting = await creditCardChat();
    await idle();
    expect(await stored(waiting.conversationId)).toMatchObject({ status: 'Open' });
    const ids = [held, ...bobs, waiting].map((c) => c.conversationId);
    const before = await snapshot(ids);

    const refusal = async (id: string, agentId: string) => {
      const res = await assign(id, agentId);
      return [res.status, res.body.error.code, res.body.error.message];
    };
    expect(await refusal(waiting.conversationId, 'zoe')).toEqual([400, 'InvalidBody', 'agentId: unknown agent "zoe"']);
    expect(await refusal(waiting.conversationId, 'demo-bot')).toEqual([400, 'InvalidBody', expect.stringMatching(/^agentId: "demo-bot" is a bot/)]);
    expect(await refusal(waiting.conversationId, 'dave')).toEqual([409, 'Conflict', expect.stringContaining('agent dave is Offline')]);
    expect(await refusal(waiting.conversationId, 'bob')).toEqual([409, 'Conflict', 'agent bob has no free capacity: 2 of 2 units in use, and the chat takes 1']);
    expect(await refusal(held.conversationId, 'bob')).toEqual([409, 'Conflict', expect.stringContaining('it is Active (InConversation) with agent alice in CreditCardQueue; only an Open chat can be assigned')]);
    expect(await refusal('no-such-chat', 'bob')).toEqual([404, 'NotFound', 'conversation no-such-chat does not exist']);
    for (const body of [{}, { agentId: '' }, { agentId: 'bob', queue: 'CreditCardQueue' }]) {
      expect((await supervisor('POST', `${waiting.conversationId}/assign`, body)).status).toBe(400);
    }
    expect(await snapshot(ids)).toEqual(before);
    expect(telemetry.named('SupervisorAction')).toEqual([]);
  });

  test('an offered chat: the offer is withdrawn, its units go back, and the offered agent\'s Accept is a 409 OfferWithdrawn', async () => {
    await start(withOffers);
    await presences({ alice: 'Available', bob: 'Away' });
    const chat = await creditCardChat();
    const id = chat.conversationId;
    const offered = await conversationWhere(id, (c) => c.offer?.agentId === 'alice', 'the offer to alice');
    expect(await reservations('alice')).toEqual([id]);

    expect(await assign(id, 'bob')).toEqual({ status: 200, body: { status: 'Active', agentId: 'bob' } });
    await idle();
    const after = await stored(id);
    expect(after).toMatchObject({ status: 'Active', assignee: { id: 'bob', kind: 'agent' }, offer: null });
    expect(entries(after, 'offerWithdrawn')).toEqual([{ type: 'offerWithdrawn', at: clock.iso(), agentId: 'alice', offeredAt: offered.offer!.offeredAt }]);
    expect([await reservations('alice'), await reservations('bob')]).toEqual([[], [id]]);
    const accept = await api.agent('alice', 'POST', `/offers/${id}/accept`);
    expect(accept).toMatchObject({ status: 409, body: { error: { code: 'OfferWithdrawn' } } });
    expect((await api.agent('alice', 'GET', '/offers')).body.offers).toEqual([]);
    expect(await texts(chat)).toEqual(['Bob joined the chat.']);
  });

  test('a chat offered to the agent the supervisor names becomes theirs on the offer\'s own reservation', async () => {
    await start(withOffers);
    await presences({ alice: 'Available' });
    const chat = await creditCardChat();
    const id = chat.conversationId;
    const offered = await conversationWhere(id, (c) => c.offer?.agentId === 'alice', 'the offer to alice');
    const [reservation] = (await host().services.agents.get('alice'))!.value.reservations;

    expect(await assign(id, 'alice')).toEqual({ status: 200, body: { status: 'Active', agentId: 'alice' } });
    await idle();
    expect(await stored(id)).toMatchObject({ status: 'Active', assignee: { id: 'alice', kind: 'agent' }, offer: null });
    expect((await host().services.agents.get('alice'))!.value.reservations).toEqual([reservation]);
    expect(reservation!.at).toBe(offered.offer!.offeredAt);
    // Her Accept, late, is told the offer is over; the chat stays hers.
    expect((await api.agent('alice', 'POST', `/offers/${id}/accept`)).status).toBe(409);
    expect(await stored(id)).toMatchObject({ status: 'Active', assignee: { id: 'alice', kind: 'agent' } });
  });
});

describe('transfer', () => {
  test('to a queue: the chat waits there (or its agents take it), the old agent leaves and gets its units back', async () => {
    await start();
    const chat = await activeWith('alice');
    const id = chat.conversationId;
    clock.advance(90 * SECOND);

    expect(await transfer(id, { queue: 'HomeLoanQueue' })).toEqual({ status: 200, body: { status: 'Open', queue: 'HomeLoanQueue' } });
    // Asked again while it waits there: the same answer.
    expect(await transfer(id, { queue: 'HomeLoanQueue' })).toEqual({ status: 200, body: { status: 'Open', queue: 'HomeLoanQueue' } });
    await api.agent('carol', 'PUT', '/presence', { presence: 'Available' });
    const after = await conversationWhere(id, (c) => c.status === 'Active' && c.assignee?.id === 'carol' && c.assignmentAnnounced, 'carol to take the chat');
    expect(entries(after, 'supervisor')).toEqual([{ type: 'supervisor', at: clock.iso(), action: 'transfer', supervisorId: 'sam', fromAgentId: 'alice', queue: 'HomeLoanQueue' }]);
    expect(entries(after, 'transferred')).toEqual([{ type: 'transferred', at: clock.iso(), agentId: 'alice', queue: 'HomeLoanQueue' }]);
    expect(after.counters.transfers).toBe(1);
    await idle();
    expect([await reservations('alice'), await reservations('carol')]).toEqual([[], [id]]);
    expect(await texts(chat)).toEqual(['Alice joined the chat.', 'The chat was transferred to HomeLoanQueue.', 'Carol joined the chat.']);
    expect((await api.agent('alice', 'GET', '/conversations')).body.conversations).toEqual([]);
    expect(telemetry.named('Transferred').map((e) => e.properties)).toEqual([expect.objectContaining({ agent: 'alice', fromQueue: 'CreditCardQueue', queue: 'HomeLoanQueue', supervisor: 'sam' })]);
    // Alice's session ended with the transfer: its 90 s count as her handle time.
    expect(telemetry.named('Transferred').map((e) => e.measurements)).toEqual([{ activeMs: 90 * SECOND }]);
  });

  test('to an agent: the chat stays Active, now theirs (announced), and the old agent\'s units go back', async () => {
    await start();
    const chat = await activeWith('alice');
    const id = chat.conversationId;
    await api.agent('dave', 'PUT', '/presence', { presence: 'Away' });
    clock.advance(5 * SECOND);

    expect(await transfer(id, { agentId: 'dave' })).toEqual({ status: 200, body: { status: 'Active', agentId: 'dave' } });
    await idle();
    const after = await stored(id);
    expect(after).toMatchObject({ status: 'Active', statusReason: 'AssignedBySupervisor', assignee: { id: 'dave', kind: 'agent' }, assignedAt: clock.iso(), assignmentAnnounced: true, counters: { transfers: 1 } });
    expect(entries(after, 'supervisor')).toEqual([{ type: 'supervisor', at: clock.iso(), action: 'transfer', supervisorId: 'sam', fromAgentId: 'alice', agentId: 'dave', queue: 'CreditCardQueue' }]);
    expect([await reservations('alice'), await reservations('dave')]).toEqual([[], [id]]);
    expect(await texts(chat)).toEqual(['Alice joined the chat.', 'Dave joined the chat.']);
    expect((await api.agent('alice', 'GET', '/conversations')).body.conversations).toEqual([]);
    expect((await api.agent('dave', 'GET', '/conversations')).body.conversations.map((c: { id: string }) => c.id)).toEqual([id]);
    // Alice no longer holds it; Dave does.
    expect((await api.agent('alice', 'POST', `/conversations/${id}/messages`, { text: 'still there?' })).status).toBe(403);
    expect((await api.agent('dave', 'POST', `/conversations/${id}/messages`, { text: 'Dave here' })).status).toBe(202);
    expect(telemetry.named('Transferred').map((e) => e.properties)).toEqual([expect.objectContaining({ agent: 'alice', toAgent: 'dave', supervisor: 'sam' })]);
    expect(await transfer(id, { agentId: 'dave' })).toEqual({ status: 200, body: { status: 'Active', agentId: 'dave' } });
    expect(entries(await stored(id), 'supervisor')).toHaveLength(1);
  });

  test('refusals: not Active (409 naming the status), held by the agent named (409), full agent (409), unknown queue or agent and bad bodies (400)', async () => {
    await start();
    const chat = await activeWith('alice');
    const id = chat.conversationId;
    await presences({ bob: 'Available' });
    const bobs = await creditCardChat();
    const bobs2 = await creditCardChat();
    for (const c of [bobs, bobs2]) await conversationWhere(c.conversationId, (x) => x.assignee?.id === 'bob', 'bob to hold it');
    const ids = [id, bobs.conversationId, bobs2.conversationId];
    const before = await snapshot(ids);
    const call = async (target: unknown) => {
      const res = await supervisor('POST', `${id}/transfer`, target);
      return [res.status, res.body.error?.message];
    };
    expect(await call({ agentId: 'alice' })).toEqual([409, expect.stringContaining('agent alice already holds it')]);
    expect(await call({ agentId: 'bob' })).toEqual([409, expect.stringContaining('agent bob has no free capacity')]);
    expect(await call({ queue: 'NoSuchQueue' })).toEqual([400, expect.stringMatching(/^queue: unknown queue "NoSuchQueue"/)]);
    expect(await call({ agentId: 'zoe' })).toEqual([400, 'agentId: unknown agent "zoe"']);
    expect(await call({ queue: 'HomeLoanQueue', agentId: 'dave' })).toEqual([400, expect.stringContaining('give either queue or agentId')]);
    expect(await call({})).toEqual([400, expect.stringContaining('give either queue or agentId')]);
    expect(await snapshot(ids)).toEqual(before);

    expect((await api.agent('alice', 'POST', `/conversations/${id}/end`)).body).toEqual({ status: 'WrapUp' });
    expect(await call({ queue: 'HomeLoanQueue' })).toEqual([409, expect.stringContaining('it is WrapUp (AgentMovedToWrapUp) with agent alice')]);
    expect(await call({ agentId: 'dave' })).toEqual([409, expect.stringContaining('only an Active chat held by an agent can be transferred')]);
  });
});

describe('force close', () => {
  test('an agent\'s chat: the customer is told, the chat is Closed (ForceClosedBySupervisor), the agent\'s session ends and its units go back', async () => {
    await start();
    const chat = await activeWith('alice');
    const id = chat.conversationId;

    expect(await forceClose(id)).toEqual({ status: 200, body: { status: 'Closed' } });
    await idle();
    const after = await stored(id);
    expect(after).toMatchObject({ status: 'Closed', statusReason: 'ForceClosedBySupervisor', closedAt: clock.iso() });
    expect(entries(after, 'supervisor')).toEqual([{ type: 'supervisor', at: clock.iso(), action: 'close', supervisorId: 'sam' }]);
    expect(await reservations('alice')).toEqual([]);
    expect(await texts(chat)).toEqual(['Alice joined the chat.', 'A supervisor ended the chat.']);
    expect((await api.agent('alice', 'GET', '/conversations')).body.conversations).toEqual([]);
    expect((await api.say(chat, 'hello?')).status).toBe(409);
    expect(telemetry.named('ConversationClosed').map((e) => e.properties.statusReason)).toEqual(['ForceClosedBySupervisor']);
    expect(telemetry.named('SupervisorAction').map((e) => e.properties)).toEqual([expect.objectContaining({ action: 'close', supervisor: 'sam', agent: 'alice', fromStatus: 'Active' })]);
    // Asked again, the same answer; a chat that closed otherwise is a 409 naming how.
    expect(await forceClose(id)).toEqual({ status: 200, body: { status: 'Closed' } });
    await presences({});
    const other = await creditCardChat();
    expect((await api.call('POST', `chats/${other.conversationId}/end`, { token: other.token })).status).toBe(200);
    const closed = await forceClose(other.conversationId);
    expect([closed.status, closed.body.error.message]).toEqual([409, expect.stringContaining('it is Closed (CustomerDisconnectedOrLeftOpenConversation)')]);
    expect((await forceClose('no-such-chat')).status).toBe(404);
  });

  test('a bot\'s chat: the bot hears endOfConversation', async () => {
    await start();
    const chat = await api.startChat();
    const id = chat.conversationId;
    await conversationWhere(id, (c) => c.status === 'Active' && c.assignee?.id === 'demo-bot' && c.assignmentAnnounced, 'the demo bot to hold the chat');
    await idle();
    expect(await forceClose(id)).toEqual({ status: 200, body: { status: 'Closed' } });
    await idle();
    expect(bots.to(id).map((a) => a.type)).toContain('endOfConversation');
    expect(telemetry.named('BotSessionEnded').map((e) => e.properties.outcome)).toEqual(['forceClosed']);
    expect((await texts(chat)).at(-1)).toBe('A supervisor ended the chat.');
  });

  test('an offered chat: the offer is withdrawn and its units go back; a waiting chat closes too', async () => {
    await start(withOffers);
    await presences({ alice: 'Available' });
    const offered = await creditCardChat();
    await conversationWhere(offered.conversationId, (c) => c.offer?.agentId === 'alice', 'the offer to alice');
    expect(await forceClose(offered.conversationId)).toEqual({ status: 200, body: { status: 'Closed' } });
    await idle();
    const after = await stored(offered.conversationId);
    expect(after).toMatchObject({ status: 'Closed', offer: null });
    expect(entries(after, 'offerWithdrawn').map((h) => h.agentId)).toEqual(['alice']);
    expect(await reservations('alice')).toEqual([]);
    expect((await api.agent('alice', 'POST', `/offers/${offered.conversationId}/accept`)).status).toBe(409);

    await presences({});
    const waiting = await creditCardChat();
    await idle();
    expect(await forceClose(waiting.conversationId)).toEqual({ status: 200, body: { status: 'Closed' } });
  });
});

describe('monitor', () => {
  test('reads any chat\'s transcript page by page, agent-only lines included, whatever its status; changes nothing', async () => {
    await start();
    const chat = await activeWith('alice');
    const id = chat.conversationId;
    expect((await api.say(chat, 'my card is blocked')).status).toBe(202);
    expect((await api.agent('alice', 'POST', `/conversations/${id}/messages`, { text: 'Let me look' })).status).toBe(202);
    await idle();
    const all = await supervisor('GET', `${id}/messages`);
    expect(all).toMatchObject({ status: 200, body: { status: 'Active', statusReason: 'InConversation', assignee: { id: 'alice', kind: 'agent' }, next: null } });
    expect(all.body.messages.map((m: { role: string; text: string }) => [m.role, m.text])).toEqual([['system', 'Alice joined the chat.'], ['customer', 'my card is blocked'], ['agent', 'Let me look']]);
    const first = await supervisor('GET', `${id}/messages?limit=2`);
    expect(first.body.messages).toHaveLength(2);
    const rest = await supervisor('GET', `${id}/messages?limit=2&after=${first.body.next}`);
    expect(rest.body.messages.map((m: { text: string }) => m.text)).toEqual(['Let me look']);
    expect((await supervisor('GET', `${id}/messages?limit=0`)).status).toBe(400);
    expect((await supervisor('GET', 'no-such-chat/messages')).status).toBe(404);
    expect((await supervisor('GET', `${id}/messages`, undefined, 'dev-alice')).status).toBe(403);

    // A bot's escalation summary is for agents only: the monitor shows it, the customer never sees it.
    const escalated = await api.startChat();
    await conversationWhere(escalated.conversationId, (c) => c.assignee?.id === 'demo-bot' && c.assignmentAnnounced, 'the demo bot');
    await idle();
    expect((await api.say(escalated, 'credit card')).status).toBe(202);
    await conversationWhere(escalated.conversationId, (c) => c.status !== 'Active' || c.assignee?.kind === 'agent', 'the escalation');
    await idle();
    const monitored = await supervisor('GET', `${escalated.conversationId}/messages`);
    const agentsOnly = monitored.body.messages.filter((m: { visibility: string }) => m.visibility === 'agents');
    expect(agentsOnly.length).toBeGreaterThan(0);
    const customerSees = await texts(escalated);
    for (const m of agentsOnly) expect(customerSees).not.toContain(m.text);
  });
});
