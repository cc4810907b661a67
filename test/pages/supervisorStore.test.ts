import type { AgentBoardRow, ConversationBoardRow, Overview, QueueBoardRow, SupervisorEvent } from '../../pages/workspace/contract';
import {
  agentChoices, allowedActions, boardStatus, chatClock, filterConversations, hasFilters, initialSupervisorState, longestWaitSeconds,
  supervisorReducer, windowHours, type SupervisorAction, type SupervisorPageState,
} from '../../pages/workspace/supervisorStore';

/** The supervisor page's store without a browser: the overview, the stream's events on top, and the selectors the screens use. */

const T0 = Date.parse('2024-05-01T09:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const queue = (name: string, extra: Partial<QueueBoardRow> = {}): QueueBoardRow => ({
  name, waiting: 0, offered: 0, longestWaitSince: null,
  agentsByPresence: { Available: 0, Busy: 0, 'Busy-DND': 0, Away: 0, Offline: 2 }, freeCapacity: 0,
  incoming: 0, answered: 0, abandoned: 0, handled: 0, transferred: 0,
  serviceLevel: { 20: null, 60: null }, averageSpeedToAnswerSeconds: null, abandonRate: null, averageHandleTimeSeconds: null, transferRate: null,
  ...extra,
});

const agent = (id: string, name: string, extra: Partial<AgentBoardRow> = {}): AgentBoardRow => ({
  id, name, presence: 'Available', presenceSince: at(0), capacity: 2, usedUnits: 0, freeUnits: 2, activeChats: 0, queues: ['CreditCardQueue'], ...extra,
});

const chat = (id: string, extra: Partial<ConversationBoardRow> = {}): ConversationBoardRow => ({
  id, epoch: 1, customer: { name: `Customer ${id}` }, workstream: 'ChatWorkStream', queue: 'CreditCardQueue', status: 'Open',
  statusReason: 'AwaitingAgentAssignment', assignee: null, offeredTo: null, createdAt: at(0), enqueuedAt: at(0), escalatedAt: null,
  assignedAt: null, wrapUpAt: null, ...extra,
});

const active = (id: string, agentId: string, assignedAtSeconds: number, extra: Partial<ConversationBoardRow> = {}) =>
  chat(id, { status: 'Active', statusReason: 'InConversation', assignee: { id: agentId, kind: 'agent', name: agentId }, assignedAt: at(assignedAtSeconds), ...extra });

const overview = (extra: Partial<Overview> = {}): Overview => ({
  asOf: at(0), window: { from: at(-24 * 3600), to: at(0) }, serviceLevelSeconds: [20, 60],
  queues: [queue('CreditCardQueue'), queue('HomeLoanQueue')], agents: [], conversations: [], cursor: 'c0', ...extra,
});

const event = (e: SupervisorEvent): SupervisorAction => ({ type: 'event', event: e });

function run(...actions: SupervisorAction[]): SupervisorPageState {
  return actions.reduce(supervisorReducer, initialSupervisorState);
}

describe('the overview and the stream', () => {
  test('the snapshot: agents by name, waiting chats first (longest wait on top), then the rest oldest first; Closed rows left out', () => {
    const state = run({
      type: 'snapshot',
      overview: overview({
        agents: [agent('bob', 'Bob'), agent('alice', 'Alice')],
        conversations: [active('a', 'alice', 10), chat('late', { enqueuedAt: at(30) }), chat('early', { enqueuedAt: at(5) }), active('b', 'bob', 2), chat('gone', { status: 'Closed' })],
      }),
    });
    expect(state.agents.map((a) => a.name)).toEqual(['Alice', 'Bob']);
    expect(state.conversations.map((c) => c.id)).toEqual(['early', 'late', 'b', 'a']);
    expect(state.serviceLevelSeconds).toEqual([20, 60]);
    expect(windowHours(state)).toBe(24);
  });

  test('queues replace the queue rows and move the window along; agent rows are upserted in name order', () => {
    const state = run(
      { type: 'snapshot', overview: overview({ agents: [agent('bob', 'Bob')] }) },
      event({ type: 'queues', data: { asOf: at(60), queues: [queue('CreditCardQueue', { waiting: 1, longestWaitSince: at(30) })] } }),
      event({ type: 'agent', data: agent('alice', 'Alice', { presence: 'Busy' }) }),
      event({ type: 'agent', data: agent('bob', 'Bob', { presence: 'Offline' }) }),
    );
    expect(state.queues).toEqual([queue('CreditCardQueue', { waiting: 1, longestWaitSince: at(30) })]);
    expect(state.asOf).toBe(at(60));
    expect(state.window).toEqual({ from: at(60 - 24 * 3600), to: at(60) });
    expect(state.agents.map((a) => [a.name, a.presence])).toEqual([['Alice', 'Busy'], ['Bob', 'Offline']]);
  });

  test('a conversation row is added, replaced by a newer epoch, not by an older one; removed when closed or removed', () => {
    const opened = run({ type: 'snapshot', overview: overview() }, event({ type: 'conversation', data: chat('x') }));
    expect(opened.conversations.map((c) => c.status)).toEqual(['Open']);
    const taken = supervisorReducer(opened, event({ type: 'conversation', data: active('x', 'alice', 3, { epoch: 3 }) }));
    expect(taken.conversations.map((c) => [c.status, c.epoch])).toEqual([['Active', 3]]);
    const stale = supervisorReducer(taken, event({ type: 'conversation', data: chat('x', { epoch: 2 }) }));
    expect(stale).toBe(taken);
    expect(supervisorReducer(taken, event({ type: 'conversation', data: active('x', 'alice', 3, { epoch: 4, status: 'Closed' }) })).conversations).toEqual([]);
    expect(supervisorReducer(taken, event({ type: 'conversationRemoved', data: { id: 'x' } })).conversations).toEqual([]);
    expect(supervisorReducer(taken, event({ type: 'conversationRemoved', data: { id: 'unknown' } })).conversations).toHaveLength(1);
  });

  test('a snapshot read after reset replaces everything; reset itself changes nothing', () => {
    const before = run({ type: 'snapshot', overview: overview({ conversations: [chat('x')] }) });
    expect(supervisorReducer(before, event({ type: 'reset', data: {} }))).toBe(before);
    const after = supervisorReducer(before, { type: 'snapshot', overview: overview({ conversations: [chat('y')] }) });
    expect(after.conversations.map((c) => c.id)).toEqual(['y']);
  });
});

describe('selectors', () => {
  test('the board status: an Open chat offered to an agent is Offered; WrapUp reads Wrap-up', () => {
    expect(boardStatus(chat('x'))).toBe('Open');
    expect(boardStatus(chat('x', { offeredTo: 'alice' }))).toBe('Offered');
    expect(boardStatus(active('x', 'alice', 0))).toBe('Active');
    expect(boardStatus(active('x', 'alice', 0, { status: 'WrapUp' }))).toBe('Wrap-up');
    expect(boardStatus(chat('x', { status: 'Waiting' }))).toBe('Waiting');
  });

  test('the clock: an Open chat waits from entering the queue, a held one is handled from its assignment', () => {
    const now = T0 + 90_000;
    expect(chatClock(chat('x', { enqueuedAt: at(30) }), now)).toEqual({ kind: 'wait', seconds: 60 });
    expect(chatClock(chat('x', { enqueuedAt: null, createdAt: at(0) }), now)).toEqual({ kind: 'wait', seconds: 90 });
    expect(chatClock(active('x', 'alice', 80), now)).toEqual({ kind: 'handle', seconds: 10 });
    expect(chatClock(chat('x', { status: 'Waiting' }), now)).toBeNull();
    expect(longestWaitSeconds(queue('q', { longestWaitSince: at(45) }), now)).toBe(45);
    expect(longestWaitSeconds(queue('q'), now)).toBeNull();
  });

  test('filters: queue, status, agent (holding or offered), a minimum wait (waiting chats only), together', () => {
    const rows = [
      chat('w1', { enqueuedAt: at(0) }),
      chat('w2', { enqueuedAt: at(100), queue: 'HomeLoanQueue' }),
      chat('o', { offeredTo: 'bob', enqueuedAt: at(50) }),
      active('a', 'alice', 0),
    ];
    const now = T0 + 120_000;
    const ids = (filters: Parameters<typeof filterConversations>[1]) => filterConversations(rows, filters, now).map((c) => c.id);
    expect(ids({})).toEqual(['w1', 'w2', 'o', 'a']);
    expect(ids({ queue: 'HomeLoanQueue' })).toEqual(['w2']);
    expect(ids({ status: 'Open' })).toEqual(['w1', 'w2']);
    expect(ids({ status: 'Offered' })).toEqual(['o']);
    expect(ids({ agentId: 'alice' })).toEqual(['a']);
    expect(ids({ agentId: 'bob' })).toEqual(['o']);
    expect(ids({ minWaitSeconds: 60 })).toEqual(['w1', 'o']);
    expect(ids({ minWaitSeconds: 60, queue: 'CreditCardQueue', status: 'Open' })).toEqual(['w1']);
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ queue: undefined, minWaitSeconds: 0 })).toBe(false);
    expect(hasFilters({ status: 'Active' })).toBe(true);
  });

  test('actions: Assign for Open chats, Transfer for Active chats an agent holds, Force close and Monitor for any', () => {
    expect(allowedActions(chat('x'))).toEqual({ assign: true, transfer: false, forceClose: true, monitor: true });
    expect(allowedActions(chat('x', { offeredTo: 'bob' }))).toMatchObject({ assign: true, transfer: false });
    expect(allowedActions(active('x', 'alice', 0))).toEqual({ assign: false, transfer: true, forceClose: true, monitor: true });
    expect(allowedActions(chat('x', { status: 'Active', assignee: { id: 'demo-bot', kind: 'bot', name: 'Demo bot' } }))).toMatchObject({ assign: false, transfer: false });
    expect(allowedActions(active('x', 'alice', 0, { status: 'WrapUp' }))).toMatchObject({ assign: false, transfer: false, forceClose: true });
  });

  test('agent choices: Offline, full, and the holder of the chat cannot be picked, each saying why', () => {
    const agents = [
      agent('alice', 'Alice'),
      agent('bob', 'Bob', { presence: 'Offline' }),
      agent('carol', 'Carol', { presence: 'Away' }),
      agent('dave', 'Dave', { presence: 'Busy', usedUnits: 2, freeUnits: 0 }),
    ];
    expect(agentChoices(agents).map((c) => [c.agent.id, c.unavailable])).toEqual([
      ['alice', undefined], ['bob', 'Offline'], ['carol', undefined], ['dave', 'no free capacity'],
    ]);
    expect(agentChoices(agents, 'alice')[0]?.unavailable).toBe('has this chat');
  });
});
