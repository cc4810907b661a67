import type { Workstream } from '../../shared/core/config';
import type { Conversation } from '../../shared/core/conversation';
import type { FeedEvent, StoredFeedEvent } from '../../shared/core/feed';
import { countKpiEvent, emptyCounters, kpiQueueOf, queueKpis, type KpiEvent } from '../../shared/core/kpis';
import { customerTypingEvent, liveEventsOf } from '../../shared/core/liveEvents';
import { acceptOffer, assign, closeByAgent, declineOffer, endByAgent, endByCustomer, offer, startConversation, transfer } from '../../shared/core/lifecycle';
import { countersSince, emptyBoard, foldQueueEvents, noChanges } from '../../shared/core/queueBoard';
import type { TranscriptMessage } from '../../shared/core/transcript';

/** What a conversation's changes tell the agents' and queues' feeds, and how a queue's board folds them. */

const T0 = '2024-05-01T09:00:00.000Z';
const T1 = '2024-05-01T09:00:30.000Z';
const T2 = '2024-05-01T09:01:00.000Z';
const T3 = '2024-05-01T09:02:00.000Z';
const T4 = '2024-05-01T09:03:00.000Z';

const WORKSTREAM: Workstream = {
  name: 'ChatWorkStream',
  capacityUnits: 1,
  fallbackQueue: 'DefaultQueue',
  allowedPresences: ['Available', 'Busy'],
  autoClose: { openMinutes: 20, wrapUpMinutes: 15 },
  wrapUpBlocksCapacity: false,
  contextVariables: [],
  rules: [],
};

const waiting = () => startConversation({ id: 'conv-1', workstream: WORKSTREAM, customer: { id: 'cust-1', name: 'Dana' }, context: {} }, { kind: 'queue', rule: null, queue: 'CreditCardQueue' }, T0);
const change = (before: Conversation | undefined, after: Conversation, appended: TranscriptMessage[] = []) => liveEventsOf({ before, after, appended, allowReject: true });
const line = (id: string, role: TranscriptMessage['role'], visibility: TranscriptMessage['visibility'] = 'everyone'): TranscriptMessage => ({ id, conversationId: 'conv-1', role, text: `${role} says`, timestamp: T2, visibility });
const summary = (events: FeedEvent[]) => events.map((e) => `${e.scope} ${e.type}`);

describe('live events of a conversation change', () => {
  it('a new chat in a queue is a row on that queue only', () => {
    expect(summary(change(undefined, waiting()))).toEqual(['queue:CreditCardQueue conversation']);
  });

  it('an offer goes to the agent and the queue; its end tells the agent how it ended', () => {
    const open = waiting();
    const offered = offer(open, 'alice', 'CreditCardQueue', open.epoch, T1, 120);
    expect(summary(change(open, offered))).toEqual(['agent:alice offer', 'queue:CreditCardQueue conversation']);
    const rejected = declineOffer(offered, 'alice', offered.epoch, 'rejected', T2);
    const ended = change(offered, rejected);
    expect(ended[0]).toMatchObject({ scope: 'agent:alice', type: 'offerEnded', data: { conversationId: 'conv-1', outcome: 'rejected' } });
    const accepted = acceptOffer(offered, 'alice', T2);
    expect(change(offered, accepted).filter((e) => e.scope === 'agent:alice').map((e) => [e.type, e.data.outcome])).toEqual([
      ['offerEnded', 'accepted'],
      ['conversation', undefined],
    ]);
  });

  it('lines of a chat an agent holds go to that agent, agent-only ones included; a bot chat tells no agent', () => {
    const open = waiting();
    const active = assign(open, { id: 'alice', kind: 'agent' }, 'CreditCardQueue', open.epoch, T1);
    const events = change(active, active, [line('m1', 'customer'), line('m2', 'agent', 'agents')]);
    expect(events.map((e) => [e.scope, e.type, (e.data.message as { id: string }).id])).toEqual([
      ['agent:alice', 'message', 'm1'],
      ['agent:alice', 'message', 'm2'],
    ]);
    const withBot = assign(open, { id: 'demo-bot', kind: 'bot' }, 'CreditCardQueue', open.epoch, T1);
    expect(change(withBot, withBot, [line('m1', 'customer')])).toEqual([]);
  });

  it("the customer's typing tells the agent holding the chat (in wrap-up too), and no one while a bot or the queue has it", () => {
    const open = waiting();
    const active = assign(open, { id: 'alice', kind: 'agent' }, 'CreditCardQueue', open.epoch, T1);
    expect(customerTypingEvent('conv-1', active, T2)).toEqual({ scope: 'agent:alice', id: `typing:conv-1:${T2}`, type: 'typing', at: T2, data: { conversationId: 'conv-1', at: T2 } });
    expect(customerTypingEvent('conv-1', endByAgent(active, 'alice', T2), T3)?.scope).toBe('agent:alice');
    expect(customerTypingEvent('conv-1', open, T2)).toBeUndefined();
    expect(customerTypingEvent('conv-1', assign(open, { id: 'demo-bot', kind: 'bot' }, 'CreditCardQueue', open.epoch, T1), T2)).toBeUndefined();
  });

  it('a transfer removes the chat from the agent and moves its row to the new queue', () => {
    const open = waiting();
    const active = assign(open, { id: 'alice', kind: 'agent' }, 'CreditCardQueue', open.epoch, T1);
    const moved = transfer(active, 'alice', { kind: 'queue', rule: null, queue: 'HomeLoanQueue' }, T2);
    const events = change(active, moved, [line('t1', 'system')]);
    expect(summary(events)).toEqual(['agent:alice conversationRemoved', 'agent:alice message', 'queue:CreditCardQueue conversationRemoved', 'queue:HomeLoanQueue conversation']);
    expect(events[0]!.data).toEqual({ conversationId: 'conv-1', reason: 'transferred', statusReason: 'AwaitingAgentAssignment' });
  });

  it('ids name the state, so the same change twice appends the same ids, and a later state new ones', () => {
    const open = waiting();
    const active = assign(open, { id: 'alice', kind: 'agent' }, 'CreditCardQueue', open.epoch, T1);
    expect(change(open, active).map((e) => e.id)).toEqual(change(open, active).map((e) => e.id));
    const wrapUp = endByAgent(active, 'alice', T2);
    const ids = new Set(change(open, active).map((e) => e.id));
    expect(change(active, wrapUp).some((e) => ids.has(e.id))).toBe(false);
  });

  it('a close removes the row from the queue and the chat from its agent', () => {
    const open = waiting();
    const active = assign(open, { id: 'alice', kind: 'agent' }, 'CreditCardQueue', open.epoch, T1);
    const wrapUp = endByAgent(active, 'alice', T2);
    const closed = closeByAgent(wrapUp, 'alice', T3);
    expect(change(wrapUp, closed).map((e) => [e.scope, e.type, e.data.reason])).toEqual([
      ['agent:alice', 'conversationRemoved', 'closed'],
      ['queue:CreditCardQueue', 'conversationRemoved', 'closed'],
    ]);
  });
});

describe('queue KPIs', () => {
  const SL = [20, 60];
  const count = (events: KpiEvent[]) => queueKpis(events.reduce((c, e) => countKpiEvent(c, e, SL), emptyCounters()), SL);

  it('counts by the definitions: incoming, answered within each threshold, abandoned, handle time', () => {
    const kpis = count([
      { name: 'Routed', properties: { queue: 'Q', reason: 'escalation' } },
      { name: 'Routed', properties: { queue: 'Q', reason: 'start' } },
      { name: 'Routed', properties: { queue: 'Q', reason: 'start' } },
      { name: 'Routed', properties: { queue: 'Q', reason: 'start' } },
      { name: 'Assigned', properties: { queue: 'Q', agent: 'alice', firstAgent: 'true' }, measurements: { waitMs: 10_000 } },
      { name: 'Assigned', properties: { queue: 'Q', agent: 'bob', firstAgent: 'true' }, measurements: { waitMs: 40_000 } },
      { name: 'ConversationClosed', properties: { queue: 'Q', accepted: 'false' }, measurements: { waitMs: 90_000 } },
      { name: 'WrapUpStarted', properties: { queue: 'Q', agent: 'alice' }, measurements: { activeMs: 200_000 } },
      { name: 'ConversationClosed', properties: { queue: 'Q', accepted: 'true' }, measurements: { wrapUpMs: 40_000 } },
      { name: 'Transferred', properties: { agent: 'bob', fromQueue: 'Q', queue: 'R' }, measurements: { activeMs: 60_000 } },
    ]);
    expect(kpis).toEqual({
      incoming: 4, answered: 2, abandoned: 1, handled: 2, transferred: 1,
      serviceLevel: { 20: 0.5, 60: 1 },
      averageSpeedToAnswerSeconds: 25,
      abandonRate: 0.25,
      averageHandleTimeSeconds: 150,
      transferRate: 0.5,
      // The answered waited 10 s and 40 s, the abandoned 90 s.
      averageFirstWaitSeconds: 46.7,
    });
  });

  it('a rate with nothing to divide by is null, not 0 or NaN', () => {
    expect(count([])).toMatchObject({ serviceLevel: { 20: null, 60: null }, averageSpeedToAnswerSeconds: null, abandonRate: null, averageHandleTimeSeconds: null });
  });

  it('only the events a KPI counts have a queue: transfers in, repairs, bots and second answers do not', () => {
    expect(kpiQueueOf({ name: 'Routed', properties: { queue: 'Q', reason: 'transfer' } })).toBeUndefined();
    expect(kpiQueueOf({ name: 'Routed', properties: { queue: 'Q', reason: 'repair' } })).toBeUndefined();
    expect(kpiQueueOf({ name: 'Assigned', properties: { queue: 'Q', bot: 'demo-bot' } })).toBeUndefined();
    expect(kpiQueueOf({ name: 'Assigned', properties: { queue: 'Q', agent: 'alice' } })).toBeUndefined();
    expect(kpiQueueOf({ name: 'Transferred', properties: { agent: 'alice', fromQueue: 'Q', queue: 'R' } })).toBe('Q');
    expect(kpiQueueOf({ name: 'ConversationClosed', properties: { queue: 'Q' }, measurements: { durationMs: 5 } })).toBeUndefined();
  });
});

describe('a queue board', () => {
  const stored = (events: FeedEvent[], from = 1): StoredFeedEvent[] => events.map((e, i) => ({ ...e, seq: from + i }));

  it('folds rows and counters, ignores an older row that arrives late, and reports what changed', () => {
    const open = waiting();
    const active = assign(open, { id: 'alice', kind: 'agent' }, 'CreditCardQueue', open.epoch, T1);
    const board = emptyBoard('CreditCardQueue');
    const changes = noChanges();
    const newer = change(open, active).filter((e) => e.scope === 'queue:CreditCardQueue');
    const older = change(undefined, open);
    foldQueueEvents(board, stored([...newer, ...older]), [20], changes);
    expect(board.conversations['conv-1']).toMatchObject({ status: 'Active', assignee: { id: 'alice' } });
    expect([...changes.conversations]).toEqual(['conv-1']);
    expect(board.seq).toBe(2);
  });

  it('drops a closed chat, and counts KPI events in the hour they happened', () => {
    const open = waiting();
    const left = endByCustomer(open, T4);
    const board = emptyBoard('CreditCardQueue');
    const kpi: FeedEvent = { scope: 'queue:CreditCardQueue', id: 'k1', type: 'kpi', at: T4, data: { name: 'Routed', properties: { queue: 'CreditCardQueue', reason: 'start' }, measurements: {} } };
    foldQueueEvents(board, stored([...change(undefined, open), ...change(open, left), kpi]), [20], noChanges());
    expect(board.conversations).toEqual({});
    expect(countersSince(board, T0).incoming).toBe(1);
    expect(countersSince(board, '2024-05-01T10:00:00.000Z').incoming).toBe(0);
  });
});
