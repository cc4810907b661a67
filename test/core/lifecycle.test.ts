import type { Context, Workstream } from '../../shared/core/config';
import type { Assignee, Conversation, ConversationStatus } from '../../shared/core/conversation';
import {
  acceptOffer, assign, assignBySupervisor, autoClose, closeByAgent, forceClose, transferBySupervisor, transferToAgent, customerLeftAt, declineOffer, endByAgent, endByBot, endByCustomer, escalate, holdsAgentCapacity, holdsCapacityOf,
  markAnnounced, markApplied, offer, recordCustomerMessage, recordForwardedToBot, reroute, startConversation, transfer, TransitionError,
} from '../../shared/core/lifecycle';
import type { Placement } from '../../shared/core/placement';

/** A placement in the queue the rules (or an agent) chose. */
function inQueue(queue: string, rule: string | null = null): Placement {
  return { kind: 'queue', rule, queue };
}

/** The conversation state machine of shared/core/lifecycle.ts, one transition at a time, with exact documents. */

const T0 = '2024-05-01T09:00:00.000Z';
const T1 = '2024-05-01T09:00:30.000Z';
const T2 = '2024-05-01T09:01:00.000Z';
const T3 = '2024-05-01T09:02:00.000Z';
const T4 = '2024-05-01T09:03:00.000Z';

const BOT: Assignee = { id: 'demo-bot', kind: 'bot' };
const ALICE: Assignee = { id: 'alice', kind: 'agent' };

const WORKSTREAM: Workstream = {
  name: 'ChatWorkStream',
  capacityUnits: 1,
  fallbackQueue: 'DefaultQueue',
  allowedPresences: ['Available', 'Busy'],
  autoClose: { openMinutes: 20, wrapUpMinutes: 15 },
  wrapUpBlocksCapacity: false,
  contextVariables: [{ name: 'BotHandoffTopic', type: 'text' }, { name: 'Tier', type: 'number' }],
  rules: [],
};

/** Frozen all the way down: a transition that mutated its input would throw. */
function frozen<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) frozen(child);
  }
  return value;
}

function started(context: Context = { Tier: 2 }, decision: Placement = inQueue('BotQueue', 'BotRule')): Conversation {
  return frozen(startConversation({ id: 'conv-1', workstream: WORKSTREAM, customer: { id: 'cust-1', name: 'Dana' }, context }, decision, T0));
}

function withBot(): Conversation {
  const open = started();
  return frozen(assign(open, BOT, 'BotQueue', open.epoch, T1));
}

function withAgent(): Conversation {
  const open = started({}, inQueue('CreditCardQueue', 'CreditCardRule'));
  return frozen(assign(open, ALICE, 'CreditCardQueue', open.epoch, T1));
}

function inWrapUp(): Conversation {
  return frozen(endByAgent(withAgent(), 'alice', T2));
}

function closed(): Conversation {
  return frozen(closeByAgent(inWrapUp(), 'alice', T3));
}

function caught(action: () => unknown): TransitionError {
  try {
    action();
  } catch (error) {
    if (error instanceof TransitionError) return error;
    throw error;
  }
  throw new Error('expected a TransitionError, but the transition succeeded');
}

const status = (at: string, s: ConversationStatus, reason: Conversation['statusReason']) => ({ type: 'status', at, status: s, reason });

describe('startConversation', () => {
  it('opens the chat in the queue the rules chose, with a routed and a status entry', () => {
    const context = { BotHandoffTopic: '', Tier: 2 };
    const conversation = startConversation({ id: 'conv-1', workstream: WORKSTREAM, customer: { id: 'cust-1', name: 'Dana' }, context }, inQueue('BotQueue', 'BotRule'), T0);
    expect(conversation).toEqual({
      id: 'conv-1',
      workstream: 'ChatWorkStream',
      customer: { id: 'cust-1', name: 'Dana' },
      channel: 'chat',
      status: 'Open',
      statusReason: 'AwaitingAgentAssignment',
      queue: 'BotQueue',
      assignee: null,
      context: { BotHandoffTopic: '', Tier: 2 },
      escalationSummary: null,
      excludedBots: [],
      epoch: 1,
      enqueuedAt: T0,
      customerMessagesAtEnqueue: 0,
      assignedAt: null,
      assignmentAnnounced: false,
      wrapUpAt: null,
      closedAt: null,
      createdAt: T0,
      updatedAt: T0,
      botSession: null,
      customerMessageCount: 0,
      counters: { escalations: 0, transfers: 0 },
      escalatedAt: null,
      handoffBotId: null,
      firstAgentAssignedAt: null,
      offer: null,
      declines: {},
      history: [
        { type: 'routed', at: T0, rule: 'BotRule', queue: 'BotQueue', reason: 'start' },
        status(T0, 'Open', 'AwaitingAgentAssignment'),
      ],
      applied: [],
      outbox: null,
    });
    expect(conversation.context).not.toBe(context);
  });

  it('records a fall-through to the fallback queue with a null rule', () => {
    const conversation = started({}, inQueue('DefaultQueue'));
    expect(conversation.queue).toBe('DefaultQueue');
    expect(conversation.history[0]).toEqual({ type: 'routed', at: T0, rule: null, queue: 'DefaultQueue', reason: 'start' });
  });
});

describe('assign', () => {
  it('gives a bot the chat and starts its session cursor at the messages sent before it was queued', () => {
    const open = frozen({ ...started(), customerMessageCount: 3, customerMessagesAtEnqueue: 2 });
    const active = assign(open, BOT, 'BotQueue', 1, T1);
    expect(active).toEqual({
      ...open,
      status: 'Active',
      statusReason: 'InConversation',
      assignee: BOT,
      assignedAt: T1,
      assignmentAnnounced: false,
      epoch: 2,
      updatedAt: T1,
      botSession: { botId: 'demo-bot', startedAt: T1, forwardedCustomerMessages: 2 },
      firstAgentAssignedAt: null,
      history: [
        ...open.history,
        { type: 'assigned', at: T1, assignee: BOT, queue: 'BotQueue', waitedMs: 30_000 },
        status(T1, 'Active', 'InConversation'),
      ],
    });
  });

  it('gives an agent the chat: no bot session, and firstAgentAssignedAt is set', () => {
    const open = started({}, inQueue('CreditCardQueue', 'CreditCardRule'));
    const active = assign(open, ALICE, 'CreditCardQueue', 1, T2);
    expect(active).toMatchObject({ status: 'Active', assignee: ALICE, assignedAt: T2, botSession: null, firstAgentAssignedAt: T2, epoch: 2 });
    expect(active.history.at(-2)).toEqual({ type: 'assigned', at: T2, assignee: ALICE, queue: 'CreditCardQueue', waitedMs: 60_000 });
  });

  it('keeps the first agent assignment time when a later agent takes a transferred chat', () => {
    const moved = frozen(transfer(withAgent(), 'alice', inQueue('HomeLoanQueue'), T2));
    const again = assign(moved, { id: 'carol', kind: 'agent' }, 'HomeLoanQueue', moved.epoch, T3);
    expect(again.firstAgentAssignedAt).toBe(T1);
    expect(again.assignedAt).toBe(T3);
  });

  it('refuses a chat that is no longer Open in that queue at that epoch', () => {
    const open = started();
    const wrongQueue = caught(() => assign(open, BOT, 'CreditCardQueue', 1, T1));
    expect(wrongQueue.code).toBe('InvalidStatus');
    expect(wrongQueue.message).toBe('cannot assign: the conversation is Open in BotQueue at epoch 1, expected Open in CreditCardQueue at epoch 1');
    expect(caught(() => assign(open, BOT, 'BotQueue', 0, T1)).message).toBe('cannot assign: the conversation is Open in BotQueue at epoch 1, expected Open in BotQueue at epoch 0');
    const active = withBot();
    expect(caught(() => assign(active, ALICE, 'BotQueue', active.epoch, T2)).message).toBe('cannot assign: the conversation is Active in BotQueue at epoch 2, expected Open in BotQueue at epoch 2');
  });
});

describe('offers', () => {
  const waiting = () => started({}, inQueue('CreditCardQueue', 'CreditCardRule'));
  const offered = () => {
    const open = waiting();
    return frozen(offer(open, 'alice', 'CreditCardQueue', open.epoch, T1, 120));
  };

  test('an offer keeps the chat Open in its queue and place, Offered, with one live offer that names its epoch', () => {
    const open = waiting();
    const next = offered();
    expect(next).toEqual({
      ...open,
      statusReason: 'Offered',
      epoch: open.epoch + 1,
      updatedAt: T1,
      offer: { agentId: 'alice', queue: 'CreditCardQueue', offeredAt: T1, expiresAt: '2024-05-01T09:02:30.000Z', epoch: open.epoch + 1 },
      history: [...open.history, { type: 'offered', at: T1, agentId: 'alice', queue: 'CreditCardQueue', expiresAt: '2024-05-01T09:02:30.000Z' }, { type: 'status', at: T1, status: 'Open', reason: 'Offered' }],
    });
    expect(holdsCapacityOf(next, 'alice', WORKSTREAM)).toBe(true);
    expect(holdsCapacityOf(next, 'bob', WORKSTREAM)).toBe(false);
  });

  test('an offered chat cannot be offered again, assigned, or rerouted by a dispatcher at any epoch', () => {
    const next = offered();
    expect(caught(() => offer(next, 'bob', 'CreditCardQueue', next.epoch, T2, 120)).message).toMatch(/offered to alice/);
    expect(caught(() => assign(next, { id: 'bob', kind: 'agent' }, 'CreditCardQueue', next.epoch, T2)).code).toBe('InvalidStatus');
    expect(caught(() => reroute(next, 'CreditCardQueue', next.epoch, inQueue('DefaultQueue'), T2)).code).toBe('InvalidStatus');
  });

  test('accept in time: Active with that agent, the offer gone, waited counted from entering the queue', () => {
    const next = acceptOffer(offered(), 'alice', T2);
    expect(next).toMatchObject({ status: 'Active', statusReason: 'InConversation', assignee: ALICE, assignedAt: T2, offer: null, firstAgentAssignedAt: T2, botSession: null });
    expect(next.history.slice(-3)).toEqual([
      { type: 'offerAccepted', at: T2, agentId: 'alice', offeredAt: T1 },
      { type: 'assigned', at: T2, assignee: ALICE, queue: 'CreditCardQueue', waitedMs: 60_000 },
      { type: 'status', at: T2, status: 'Active', reason: 'InConversation' },
    ]);
  });

  test('accept by another agent, after the countdown, or of no offer is refused', () => {
    expect(caught(() => acceptOffer(offered(), 'bob', T2)).message).toMatch(/offered to alice/);
    expect(caught(() => acceptOffer(offered(), 'alice', '2024-05-01T09:02:30.000Z')).message).toMatch(/expired/);
    expect(caught(() => acceptOffer(waiting(), 'alice', T2)).message).toMatch(/no live offer/);
  });

  test.each(['rejected', 'expired'] as const)('%s: back to waiting in the same place, the decline counted', (outcome) => {
    const live = offered();
    const next = declineOffer(live, 'alice', live.offer!.epoch, outcome, T2);
    expect(next).toMatchObject({ status: 'Open', statusReason: 'AwaitingAgentAssignment', offer: null, declines: { alice: 1 }, enqueuedAt: live.enqueuedAt, queue: 'CreditCardQueue' });
    expect(next.history.at(-2)).toEqual({ type: outcome === 'rejected' ? 'offerRejected' : 'offerExpired', at: T2, agentId: 'alice', offeredAt: T1, declines: 1 });
    const twice = offer(next, 'alice', 'CreditCardQueue', next.epoch, T3, 120);
    expect(declineOffer(twice, 'alice', twice.offer!.epoch, outcome, T4).declines).toEqual({ alice: 2 });
  });

  test('a stale expiry (another offer since) or a decline by another agent changes nothing', () => {
    const live = offered();
    expect(caught(() => declineOffer(live, 'alice', live.offer!.epoch - 1, 'expired', T2)).code).toBe('InvalidStatus');
    expect(caught(() => declineOffer(live, 'bob', live.offer!.epoch, 'rejected', T2)).code).toBe('InvalidStatus');
  });

  test('closing withdraws the live offer', () => {
    const next = endByCustomer(offered(), T2);
    expect(next).toMatchObject({ status: 'Closed', offer: null });
    expect(next.history.at(-2)).toEqual({ type: 'offerWithdrawn', at: T2, agentId: 'alice', offeredAt: T1 });
  });

  test('a new queue starts a new round of offers: declines are forgotten', () => {
    const live = offered();
    const declined = declineOffer(live, 'alice', live.offer!.epoch, 'rejected', T2);
    const moved = reroute(declined, 'CreditCardQueue', declined.epoch, inQueue('DefaultQueue'), T3);
    expect(moved).toMatchObject({ queue: 'DefaultQueue', declines: {}, offer: null, enqueuedAt: T3 });
  });
});

describe('bookkeeping', () => {
  it('markAnnounced flags the current assignment', () => {
    expect(markAnnounced(withBot(), T2)).toEqual({ ...withBot(), assignmentAnnounced: true, updatedAt: T2 });
  });

  it('recordCustomerMessage counts customer messages while the chat is live', () => {
    expect(recordCustomerMessage(withBot(), T2)).toEqual({ ...withBot(), customerMessageCount: 1, updatedAt: T2 });
    expect(recordCustomerMessage(started(), T2).customerMessageCount).toBe(1);
  });

  it('recordForwardedToBot moves the bot cursor, and leaves a chat without a bot session untouched', () => {
    const moved = recordForwardedToBot(withBot(), 4, T2);
    expect(moved.botSession).toEqual({ botId: 'demo-bot', startedAt: T1, forwardedCustomerMessages: 4 });
    expect(moved.updatedAt).toBe(T2);
    const agentChat = withAgent();
    expect(recordForwardedToBot(agentChat, 4, T2)).toBe(agentChat);
  });
});

describe('escalate', () => {
  const toCreditCard = (context: Context): Placement => (context.BotHandoffTopic === 'CreditCard' ? inQueue('CreditCardQueue', 'CreditCardRule') : inQueue('DefaultQueue'));

  it('merges the context, remembers the summary and the bot, counts, and re-routes by the merged context', () => {
    const active = frozen({ ...withBot(), context: { BotHandoffTopic: 'Other', Tier: 2 }, customerMessageCount: 5 });
    const decide = jest.fn(toCreditCard);
    const next = escalate(active, 'demo-bot', { BotHandoffTopic: 'CreditCard', Account: 42 }, 'Customer asked about a credit card', decide, T2);
    expect(decide).toHaveBeenCalledTimes(1);
    expect(decide).toHaveBeenCalledWith({ BotHandoffTopic: 'CreditCard', Tier: 2, Account: 42 }, ['demo-bot']);
    expect(next).toEqual({
      ...active,
      status: 'Open',
      statusReason: 'AwaitingAgentAssignment',
      queue: 'CreditCardQueue',
      assignee: null,
      assignedAt: null,
      assignmentAnnounced: false,
      botSession: null,
      context: { BotHandoffTopic: 'CreditCard', Tier: 2, Account: 42 },
      escalationSummary: 'Customer asked about a credit card',
      excludedBots: ['demo-bot'],
      counters: { escalations: 1, transfers: 0 },
      escalatedAt: T2,
      epoch: active.epoch + 1,
      enqueuedAt: T2,
      customerMessagesAtEnqueue: 5,
      updatedAt: T2,
      history: [
        ...active.history,
        { type: 'escalated', at: T2, botId: 'demo-bot', context: { BotHandoffTopic: 'CreditCard', Account: 42 } },
        { type: 'routed', at: T2, rule: 'CreditCardRule', queue: 'CreditCardQueue', reason: 'escalation' },
        status(T2, 'Open', 'AwaitingAgentAssignment'),
      ],
    });
  });

  it('keeps an earlier summary when the bot gives none, lists each bot once, and counts every escalation', () => {
    const first = frozen(escalate(withBot(), 'demo-bot', { BotHandoffTopic: 'Other' }, 'first summary', () => inQueue('BotQueue', 'BotRule'), T2));
    const back = frozen(assign(first, BOT, 'BotQueue', first.epoch, T3));
    const second = escalate(back, 'demo-bot', {}, '', toCreditCard, T4);
    expect(second.escalationSummary).toBe('first summary');
    expect(second.excludedBots).toEqual(['demo-bot']);
    expect(second.counters).toEqual({ escalations: 2, transfers: 0 });
    expect(second.context).toEqual({ BotHandoffTopic: 'Other', Tier: 2 });
    expect(second.queue).toBe('DefaultQueue');
  });

  it('records a generic handoff with reason handoff', () => {
    const next = escalate(withBot(), 'demo-bot', { BotHandoffTopic: 'CreditCard' }, '', toCreditCard, T2, 'handoff');
    expect(next.history.at(-2)).toEqual({ type: 'routed', at: T2, rule: 'CreditCardRule', queue: 'CreditCardQueue', reason: 'handoff' });
  });

  it('is allowed only to the bot that holds an Active chat', () => {
    const decide = jest.fn(toCreditCard);
    const otherBot = caught(() => escalate(withBot(), 'other-bot', {}, '', decide, T2));
    expect(otherBot.code).toBe('NotAssignee');
    expect(otherBot.message).toBe('cannot escalate: bot other-bot does not hold the conversation');
    const agentWithBotId = frozen({ ...withAgent(), assignee: { id: 'demo-bot', kind: 'agent' as const } });
    expect(caught(() => escalate(agentWithBotId, 'demo-bot', {}, '', decide, T2)).code).toBe('NotAssignee');
    const open = caught(() => escalate(started(), 'demo-bot', {}, '', decide, T2));
    expect(open.code).toBe('InvalidStatus');
    expect(open.message).toBe('cannot escalate: the conversation is Open, expected Active');
    expect(decide).not.toHaveBeenCalled();
  });
});

describe('transfer', () => {
  it('puts the agent chat in the named queue, with no rule, and counts it', () => {
    const active = withAgent();
    const next = transfer(active, 'alice', inQueue('HomeLoanQueue'), T2);
    expect(next).toEqual({
      ...active,
      status: 'Open',
      statusReason: 'AwaitingAgentAssignment',
      queue: 'HomeLoanQueue',
      assignee: null,
      assignedAt: null,
      assignmentAnnounced: false,
      botSession: null,
      counters: { escalations: 0, transfers: 1 },
      epoch: active.epoch + 1,
      enqueuedAt: T2,
      customerMessagesAtEnqueue: 0,
      updatedAt: T2,
      history: [
        ...active.history,
        { type: 'transferred', at: T2, agentId: 'alice', queue: 'HomeLoanQueue' },
        { type: 'routed', at: T2, rule: null, queue: 'HomeLoanQueue', reason: 'transfer' },
        status(T2, 'Open', 'AwaitingAgentAssignment'),
      ],
    });
  });

  it('lifts the escalation exclusion: an agent who sends the chat to a bot queue wants a bot', () => {
    const escalated = frozen(escalate(withBot(), 'demo-bot', { BotHandoffTopic: 'CreditCard' }, '', () => inQueue('CreditCardQueue', 'CreditCardRule'), T2));
    const withAlice = frozen(assign(escalated, ALICE, 'CreditCardQueue', escalated.epoch, T3));
    expect(withAlice.excludedBots).toEqual(['demo-bot']);
    const moved = transfer(withAlice, 'alice', inQueue('BotQueue'), T4);
    expect(moved).toMatchObject({ status: 'Open', queue: 'BotQueue', excludedBots: [], counters: { escalations: 1, transfers: 1 } });
  });

  it('is allowed only to the agent that holds the chat', () => {
    const other = caught(() => transfer(withAgent(), 'bob', inQueue('HomeLoanQueue'), T2));
    expect(other.code).toBe('NotAssignee');
    expect(other.message).toBe('cannot transfer: agent bob does not hold the conversation');
    expect(caught(() => transfer(withBot(), 'demo-bot', inQueue('HomeLoanQueue'), T2)).code).toBe('NotAssignee');
  });
});

describe('ending', () => {
  it('endByBot closes with ConversationEndedByBot and ends the bot session', () => {
    const active = withBot();
    expect(endByBot(active, 'demo-bot', T2)).toEqual({
      ...active,
      status: 'Closed',
      statusReason: 'ConversationEndedByBot',
      epoch: active.epoch + 1,
      updatedAt: T2,
      closedAt: T2,
      botSession: null,
      history: [...active.history, status(T2, 'Closed', 'ConversationEndedByBot')],
    });
    expect(caught(() => endByBot(active, 'other-bot', T2)).message).toBe('cannot end the conversation: bot other-bot does not hold the conversation');
    expect(caught(() => endByBot(withAgent(), 'alice', T2)).code).toBe('NotAssignee');
  });

  it('endByAgent moves the chat to Wrap-up and leaves it with the agent', () => {
    const active = withAgent();
    expect(endByAgent(active, 'alice', T2)).toEqual({
      ...active,
      status: 'WrapUp',
      statusReason: 'AgentMovedToWrapUp',
      wrapUpAt: T2,
      epoch: active.epoch + 1,
      updatedAt: T2,
      history: [...active.history, status(T2, 'WrapUp', 'AgentMovedToWrapUp')],
    });
    expect(caught(() => endByAgent(active, 'bob', T2)).message).toBe('cannot end the conversation: agent bob does not hold the conversation');
  });

  it('closeByAgent closes a Wrap-up chat with ConversationEndedByAgent', () => {
    const wrapUp = inWrapUp();
    expect(closeByAgent(wrapUp, 'alice', T3)).toEqual({
      ...wrapUp,
      status: 'Closed',
      statusReason: 'ConversationEndedByAgent',
      closedAt: T3,
      epoch: wrapUp.epoch + 1,
      updatedAt: T3,
      history: [...wrapUp.history, status(T3, 'Closed', 'ConversationEndedByAgent')],
    });
    expect(caught(() => closeByAgent(wrapUp, 'bob', T3)).code).toBe('NotAssignee');
  });
});

describe('endByCustomer', () => {
  it('closes an Open chat with CustomerDisconnectedOrLeftOpenConversation', () => {
    const open = started();
    expect(endByCustomer(open, T1)).toEqual({
      ...open,
      status: 'Closed',
      statusReason: 'CustomerDisconnectedOrLeftOpenConversation',
      closedAt: T1,
      epoch: 2,
      updatedAt: T1,
      history: [...open.history, status(T1, 'Closed', 'CustomerDisconnectedOrLeftOpenConversation')],
    });
  });

  it('closes a chat that is with a bot, and ends the bot session', () => {
    const next = endByCustomer(withBot(), T2);
    expect(next).toMatchObject({ status: 'Closed', statusReason: 'CustomerDisconnectedOrLeftActiveConversation', closedAt: T2, botSession: null, wrapUpAt: null });
  });

  it('moves a chat that is with an agent to Wrap-up, for the agent', () => {
    const active = withAgent();
    expect(endByCustomer(active, T2)).toEqual({
      ...active,
      status: 'WrapUp',
      statusReason: 'CustomerDisconnectedOrLeftActiveConversation',
      wrapUpAt: T2,
      epoch: active.epoch + 1,
      updatedAt: T2,
      history: [...active.history, status(T2, 'WrapUp', 'CustomerDisconnectedOrLeftActiveConversation')],
    });
  });

  it('treats a Waiting chat like an Active one', () => {
    expect(endByCustomer(frozen({ ...withAgent(), status: 'Waiting' as const }), T2)).toMatchObject({ status: 'WrapUp', assignee: ALICE });
    expect(endByCustomer(frozen({ ...withBot(), status: 'Waiting' as const }), T2)).toMatchObject({ status: 'Closed', statusReason: 'CustomerDisconnectedOrLeftActiveConversation' });
  });
});

describe('customerLeftAt (when a customer token stops working for anything but a short read window)', () => {
  it('is null while the chat goes on, and the time the customer\'s part ended once it did', () => {
    expect([started(), withBot(), withAgent()].map(customerLeftAt)).toEqual([null, null, null]);
    expect(customerLeftAt(endByCustomer(withBot(), T2))).toBe(T2);
    // The agent's wrap-up: the customer's part ended when it began, not when the agent closed.
    expect(customerLeftAt(inWrapUp())).toBe(T2);
    expect(customerLeftAt(closed())).toBe(T2);
    expect(customerLeftAt(autoClose(started(), 'Open', 1, T4))).toBe(T4);
  });
});

describe('autoClose', () => {
  it('closes an Open chat that is still at the scheduled epoch', () => {
    const open = started();
    expect(autoClose(open, 'Open', 1, T2)).toEqual({
      ...open,
      status: 'Closed',
      statusReason: 'AutoClosedBySystem',
      closedAt: T2,
      epoch: 2,
      updatedAt: T2,
      history: [...open.history, status(T2, 'Closed', 'AutoClosedBySystem')],
    });
  });

  it('closes a Wrap-up chat that is still at the scheduled epoch', () => {
    const wrapUp = inWrapUp();
    expect(autoClose(wrapUp, 'WrapUp', wrapUp.epoch, T4)).toMatchObject({ status: 'Closed', statusReason: 'AutoClosedBySystem', closedAt: T4, assignee: ALICE });
  });

  it('refuses a stale auto-close: the chat moved on since it was scheduled', () => {
    const assigned = withBot();
    const staleEpoch = caught(() => autoClose(assigned, 'Open', 1, T2));
    expect(staleEpoch.code).toBe('InvalidStatus');
    expect(staleEpoch.message).toBe('auto-close of Open at epoch 1 is stale: the conversation is Active at epoch 2');
    const wrapUp = inWrapUp();
    expect(caught(() => autoClose(wrapUp, 'WrapUp', wrapUp.epoch - 1, T4)).message).toBe(`auto-close of WrapUp at epoch ${wrapUp.epoch - 1} is stale: the conversation is WrapUp at epoch ${wrapUp.epoch}`);
    const open = started();
    expect(caught(() => autoClose(open, 'WrapUp', open.epoch, T2)).message).toBe('auto-close of WrapUp at epoch 1 is stale: the conversation is Open at epoch 1');
  });
});

describe('forbidden transitions', () => {
  const STATES: Record<string, () => Conversation> = {
    'Open': started,
    'Active (bot)': withBot,
    'Active (agent)': withAgent,
    'Waiting': () => frozen({ ...withAgent(), status: 'Waiting' as const }),
    'WrapUp': inWrapUp,
    'Closed': closed,
  };
  const decide = (): Placement => inQueue('DefaultQueue');
  type Outcome = 'ok' | 'InvalidStatus' | 'NotAssignee';
  /** Per transition, the states that allow it and those where the status allows it but the holder is of the other kind. */
  const TRANSITIONS: Record<string, { allowed: string[]; wrongHolder?: string[]; run: (c: Conversation) => unknown }> = {
    assign: { allowed: ['Open'], run: (c) => assign(c, ALICE, c.queue ?? '', c.epoch, T4) },
    // Any status: a message the API accepted is kept even if the chat ended before it was applied.
    recordCustomerMessage: { allowed: ['Open', 'Active (bot)', 'Active (agent)', 'Waiting', 'WrapUp', 'Closed'], run: (c) => recordCustomerMessage(c, T4) },
    escalate: { allowed: ['Active (bot)'], wrongHolder: ['Active (agent)'], run: (c) => escalate(c, c.assignee?.id ?? 'demo-bot', {}, '', decide, T4) },
    transfer: { allowed: ['Active (agent)'], wrongHolder: ['Active (bot)'], run: (c) => transfer(c, c.assignee?.id ?? 'alice', inQueue('HomeLoanQueue'), T4) },
    endByBot: { allowed: ['Active (bot)'], wrongHolder: ['Active (agent)'], run: (c) => endByBot(c, c.assignee?.id ?? 'demo-bot', T4) },
    endByAgent: { allowed: ['Active (agent)'], wrongHolder: ['Active (bot)'], run: (c) => endByAgent(c, c.assignee?.id ?? 'alice', T4) },
    closeByAgent: { allowed: ['WrapUp'], run: (c) => closeByAgent(c, c.assignee?.id ?? 'alice', T4) },
    endByCustomer: { allowed: ['Open', 'Active (bot)', 'Active (agent)', 'Waiting'], run: (c) => endByCustomer(c, T4) },
    'autoClose Open': { allowed: ['Open'], run: (c) => autoClose(c, 'Open', c.epoch, T4) },
    'autoClose WrapUp': { allowed: ['WrapUp'], run: (c) => autoClose(c, 'WrapUp', c.epoch, T4) },
  };
  const outcome = (name: string, state: string): Outcome => {
    const t = TRANSITIONS[name]!;
    if (t.allowed.includes(state)) return 'ok';
    return t.wrongHolder?.includes(state) ? 'NotAssignee' : 'InvalidStatus';
  };
  const cases = Object.keys(TRANSITIONS).flatMap((name) => Object.keys(STATES).map((state) => [name, state, outcome(name, state)] as const));

  it.each(cases)('%s from %s: %s', (name, state, expected) => {
    const conversation = STATES[state]!();
    const run = () => TRANSITIONS[name]!.run(conversation);
    if (expected === 'ok') {
      expect(run).not.toThrow();
      return;
    }
    const error = caught(run);
    expect(error.name).toBe('TransitionError');
    expect(error.code).toBe(expected);
    if (expected === 'InvalidStatus') expect(error.message).toContain(`the conversation is ${conversation.status}`);
    else expect(error.message).toContain(`${conversation.assignee?.kind === 'bot' ? 'agent' : 'bot'} ${conversation.assignee?.id} does not hold the conversation`);
  });
});

describe('holdsAgentCapacity', () => {
  const blocks = { wrapUpBlocksCapacity: true };
  const frees = { wrapUpBlocksCapacity: false };

  it('an Active agent chat holds capacity', () => {
    expect(holdsAgentCapacity(withAgent(), frees)).toBe(true);
    expect(holdsAgentCapacity(withAgent(), blocks)).toBe(true);
  });

  it('a Wrap-up chat holds capacity only when the workstream says so', () => {
    expect(holdsAgentCapacity(inWrapUp(), blocks)).toBe(true);
    expect(holdsAgentCapacity(inWrapUp(), frees)).toBe(false);
  });

  it('closed, waiting-in-queue and bot chats hold none', () => {
    expect(holdsAgentCapacity(closed(), blocks)).toBe(false);
    expect(holdsAgentCapacity(started(), blocks)).toBe(false);
    expect(holdsAgentCapacity(withBot(), blocks)).toBe(false);
    expect(holdsAgentCapacity(frozen({ ...withBot(), status: 'WrapUp' as const }), blocks)).toBe(false);
  });
});

describe('markApplied', () => {
  it('appends the key, newest last', () => {
    const once = markApplied(started(), 'k1');
    expect(markApplied(frozen(once), 'k2').applied).toEqual(['k1', 'k2']);
  });

  it('keeps only the newest `keep` keys', () => {
    let conversation = started();
    for (const key of ['k1', 'k2', 'k3', 'k4']) conversation = frozen(markApplied(conversation, key, 3));
    expect(conversation.applied).toEqual(['k2', 'k3', 'k4']);
  });

  it('keeps 200 keys by default', () => {
    const many = frozen({ ...started(), applied: Array.from({ length: 200 }, (_, i) => `k${i}`) });
    const next = markApplied(many, 'k200');
    expect(next.applied).toHaveLength(200);
    expect(next.applied[0]).toBe('k1');
    expect(next.applied.at(-1)).toBe('k200');
    expect(markApplied(started(), 'only').applied).toEqual(['only']);
  });
});

describe('a supervisor\'s transitions', () => {
  const waiting = () => started({}, inQueue('CreditCardQueue', 'CreditCardRule'));

  test('assign: an Open chat goes Active with the agent (AssignedBySupervisor), its live offer withdrawn first', () => {
    const offered = frozen(offer(waiting(), 'bob', 'CreditCardQueue', waiting().epoch, T1, 120));
    const assigned = assignBySupervisor(offered, 'alice', 'sam', offered.epoch, T2);
    expect(assigned).toMatchObject({ status: 'Active', statusReason: 'AssignedBySupervisor', assignee: ALICE, assignedAt: T2, assignmentAnnounced: false, offer: null, firstAgentAssignedAt: T2, epoch: offered.epoch + 1 });
    expect(assigned.history.slice(offered.history.length)).toEqual([
      { type: 'offerWithdrawn', at: T2, agentId: 'bob', offeredAt: T1 },
      { type: 'supervisor', at: T2, action: 'assign', supervisorId: 'sam', agentId: 'alice', queue: 'CreditCardQueue' },
      { type: 'assigned', at: T2, assignee: ALICE, queue: 'CreditCardQueue', waitedMs: 60_000 },
      { type: 'status', at: T2, status: 'Active', reason: 'AssignedBySupervisor' },
    ]);
  });

  test('assign refuses a chat that is not Open, or that moved on since the epoch it was decided at', () => {
    expect(() => assignBySupervisor(withAgent(), 'bob', 'sam', withAgent().epoch, T2)).toThrow(TransitionError);
    const open = waiting();
    expect(() => assignBySupervisor(open, 'alice', 'sam', open.epoch - 1, T2)).toThrow(/changed meanwhile/);
  });

  test('transfer to an agent: the chat stays Active, now with the other agent, counted as a transfer and announced again', () => {
    const held = withAgent();
    const moved = transferToAgent(held, 'alice', 'bob', 'sam', held.epoch, T3);
    expect(moved).toMatchObject({ status: 'Active', statusReason: 'AssignedBySupervisor', assignee: { id: 'bob', kind: 'agent' }, assignedAt: T3, assignmentAnnounced: false, counters: { transfers: 1 }, firstAgentAssignedAt: T1 });
    expect(moved.history.at(-2)).toEqual({ type: 'supervisor', at: T3, action: 'transfer', supervisorId: 'sam', fromAgentId: 'alice', agentId: 'bob', queue: 'CreditCardQueue' });
    expect(() => transferToAgent(held, 'alice', 'alice', 'sam', held.epoch, T3)).toThrow(/already holds/);
    expect(() => transferToAgent(held, 'bob', 'carol', 'sam', held.epoch, T3)).toThrow(TransitionError);
    expect(() => transferToAgent(inWrapUp(), 'alice', 'bob', 'sam', inWrapUp().epoch, T3)).toThrow(TransitionError);
  });

  test('transfer to a queue: as the agent\'s, with the supervisor\'s entry first', () => {
    const moved = transferBySupervisor(withAgent(), 'alice', 'sam', 'HomeLoanQueue', inQueue('HomeLoanQueue'), T3);
    expect(moved).toMatchObject({ status: 'Open', queue: 'HomeLoanQueue', assignee: null, counters: { transfers: 1 } });
    expect(moved.history.slice(withAgent().history.length).map((h) => h.type)).toEqual(['supervisor', 'transferred', 'routed', 'status']);
  });

  test('force close: any status but Closed, a live offer withdrawn', () => {
    const offered = frozen(offer(waiting(), 'bob', 'CreditCardQueue', waiting().epoch, T1, 120));
    for (const chat of [waiting(), offered, withBot(), withAgent(), inWrapUp()]) {
      const closed = forceClose(chat, 'sam', T3);
      expect(closed).toMatchObject({ status: 'Closed', statusReason: 'ForceClosedBySupervisor', closedAt: T3, offer: null, botSession: null });
      expect(closed.history.slice(chat.history.length).map((h) => h.type)).toEqual(chat.offer ? ['supervisor', 'offerWithdrawn', 'status'] : ['supervisor', 'status']);
      expect(() => forceClose(closed, 'sam', T4)).toThrow(TransitionError);
    }
  });
});
