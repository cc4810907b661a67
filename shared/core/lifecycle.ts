import type { Context, Workstream } from './config';
import type { Assignee, Conversation, ConversationStatus, HistoryEntry, RoutingReason, StatusReason } from './conversation';
import type { Placement } from './placement';

/**
 * The conversation state machine: each function takes a conversation and returns the next one, or
 * throws a TransitionError naming the status that forbids the move. Pure: time comes in as `at`.
 *
 *   Open ──assign──► Active ──end (agent/customer)──► WrapUp ──close──► Closed
 *     ▲                │  └─ escalate / transfer ──► Open (another queue)
 *     └── route ◄──────┘  └─ bot ends / customer leaves a bot ──► Closed
 *   Open ──customer leaves / auto-close──► Closed;  WrapUp ──auto-close──► Closed
 */
export type TransitionErrorCode = 'InvalidStatus' | 'NotAssignee';

export class TransitionError extends Error {
  override readonly name = 'TransitionError';
  constructor(readonly code: TransitionErrorCode, message: string) {
    super(message);
  }
}

function expectStatus(conversation: Conversation, allowed: ConversationStatus[], action: string): void {
  if (!allowed.includes(conversation.status)) {
    throw new TransitionError('InvalidStatus', `cannot ${action}: the conversation is ${conversation.status}, expected ${allowed.join(' or ')}`);
  }
}

function expectAssignee(conversation: Conversation, assignee: Assignee, action: string): void {
  if (conversation.assignee?.id !== assignee.id || conversation.assignee.kind !== assignee.kind) {
    throw new TransitionError('NotAssignee', `cannot ${action}: ${assignee.kind} ${assignee.id} does not hold the conversation`);
  }
}

function withStatus(conversation: Conversation, status: ConversationStatus, reason: StatusReason, at: string, extra: HistoryEntry[] = []): Conversation {
  return {
    ...conversation,
    status,
    statusReason: reason,
    epoch: conversation.epoch + 1,
    updatedAt: at,
    history: [...conversation.history, ...extra, { type: 'status', at, status, reason }],
  };
}

export interface NewConversation {
  id: string;
  workstream: Workstream;
  customer: { id: string; name: string };
  context: Context;
}

/** A new chat, waiting in the queue its workstream's rules chose (or closed, when no queue can take it). */
export function startConversation(input: NewConversation, placement: Placement, at: string): Conversation {
  const created: Conversation = {
    id: input.id,
    workstream: input.workstream.name,
    customer: input.customer,
    channel: 'chat',
    status: 'Open',
    statusReason: 'AwaitingAgentAssignment',
    queue: null,
    assignee: null,
    context: { ...input.context },
    escalationSummary: null,
    excludedBots: [],
    epoch: 0,
    enqueuedAt: null,
    customerMessagesAtEnqueue: 0,
    assignedAt: null,
    assignmentAnnounced: false,
    wrapUpAt: null,
    closedAt: null,
    createdAt: at,
    updatedAt: at,
    botSession: null,
    customerMessageCount: 0,
    counters: { escalations: 0, transfers: 0 },
    escalatedAt: null,
    handoffBotId: null,
    firstAgentAssignedAt: null,
    history: [],
    applied: [],
    outbox: null,
  };
  return place(created, placement, 'start', at);
}

/** Puts the chat in a queue as the newest waiting chat there; a chat no queue can take is closed, not stranded. */
function place(conversation: Conversation, placement: Placement, reason: RoutingReason, at: string): Conversation {
  if (placement.kind === 'unroutable') {
    const entry: HistoryEntry = { type: 'unroutable', at, rule: placement.rule, queue: placement.queue, reason, why: placement.why };
    return { ...close({ ...conversation, history: [...conversation.history, entry] }, 'ClosedDueToFailure', at), queue: placement.queue, assignee: null, enqueuedAt: null };
  }
  const routed: HistoryEntry = {
    type: 'routed', at, rule: placement.rule, queue: placement.queue, reason,
    ...(placement.redirect ? { redirectedFrom: placement.redirect.from, why: placement.redirect.why } : {}),
  };
  return {
    ...withStatus(conversation, 'Open', 'AwaitingAgentAssignment', at, [routed]),
    queue: placement.queue,
    assignee: null,
    assignedAt: null,
    assignmentAnnounced: false,
    botSession: null,
    enqueuedAt: at,
    customerMessagesAtEnqueue: conversation.customerMessageCount,
  };
}

/** The commit point of an assignment: only a chat still waiting in `queue` at `epoch` can be taken. */
export function assign(conversation: Conversation, assignee: Assignee, queue: string, epoch: number, at: string): Conversation {
  if (conversation.status !== 'Open' || conversation.queue !== queue || conversation.epoch !== epoch) {
    throw new TransitionError('InvalidStatus', `cannot assign: the conversation is ${conversation.status} in ${conversation.queue ?? 'no queue'} at epoch ${conversation.epoch}, expected Open in ${queue} at epoch ${epoch}`);
  }
  const waitedMs = Date.parse(at) - Date.parse(conversation.enqueuedAt ?? at);
  const assigned: HistoryEntry = { type: 'assigned', at, assignee, queue, waitedMs };
  return {
    ...withStatus(conversation, 'Active', 'InConversation', at, [assigned]),
    assignee,
    assignedAt: at,
    assignmentAnnounced: false,
    botSession: assignee.kind === 'bot' ? { botId: assignee.id, startedAt: at, forwardedCustomerMessages: conversation.customerMessagesAtEnqueue } : null,
    firstAgentAssignedAt: assignee.kind === 'agent' ? (conversation.firstAgentAssignedAt ?? at) : conversation.firstAgentAssignedAt,
  };
}

export function markAnnounced(conversation: Conversation, at: string): Conversation {
  return { ...conversation, assignmentAnnounced: true, updatedAt: at };
}

/**
 * Counts a customer message. Any status: the API refuses messages to an ended chat, so a message
 * it accepted that arrives after the chat ended (a race with the agent's End) is still kept.
 */
export function recordCustomerMessage(conversation: Conversation, at: string): Conversation {
  return { ...conversation, customerMessageCount: conversation.customerMessageCount + 1, updatedAt: at };
}

export function recordForwardedToBot(conversation: Conversation, forwarded: number, at: string): Conversation {
  if (!conversation.botSession) return conversation;
  return { ...conversation, botSession: { ...conversation.botSession, forwardedCustomerMessages: forwarded }, updatedAt: at };
}

/** Context values overwrite or create variables; then the rules choose the queue again. */
export function escalate(conversation: Conversation, botId: string, context: Context, summary: string, decide: (context: Context, excludedBots: readonly string[]) => Placement, at: string, reason: 'escalation' | 'handoff' = 'escalation'): Conversation {
  expectStatus(conversation, ['Active'], 'escalate');
  expectAssignee(conversation, { id: botId, kind: 'bot' }, 'escalate');
  const merged = { ...conversation.context, ...context };
  const escalated: Conversation = {
    ...conversation,
    context: merged,
    escalationSummary: summary || conversation.escalationSummary,
    excludedBots: conversation.excludedBots.includes(botId) ? conversation.excludedBots : [...conversation.excludedBots, botId],
    counters: { ...conversation.counters, escalations: conversation.counters.escalations + 1 },
    escalatedAt: at,
    history: [...conversation.history, { type: 'escalated', at, botId, context }],
  };
  return place(escalated, decide(merged, escalated.excludedBots), reason, at);
}

/** The agent's chosen queue, as placed (a queue nobody could serve sends it to the fallback). */
export function transfer(conversation: Conversation, agentId: string, placement: Placement, at: string): Conversation {
  expectStatus(conversation, ['Active'], 'transfer');
  expectAssignee(conversation, { id: agentId, kind: 'agent' }, 'transfer');
  // An agent who sends the chat to a bot's queue wants a bot: earlier escalations no longer exclude it.
  const transferred: Conversation = {
    ...conversation,
    excludedBots: [],
    counters: { ...conversation.counters, transfers: conversation.counters.transfers + 1 },
    history: [...conversation.history, { type: 'transferred', at, agentId, queue: placement.kind === 'queue' && placement.redirect ? placement.redirect.from : placement.queue }],
  };
  return place(transferred, placement, 'transfer', at);
}

/**
 * The sweep found a waiting chat in a queue that can never take it (the configuration changed under
 * it): it moves on as placed. Only while it still waits there at `epoch`.
 */
export function reroute(conversation: Conversation, queue: string, epoch: number, placement: Placement, at: string): Conversation {
  if (conversation.status !== 'Open' || conversation.queue !== queue || conversation.epoch !== epoch) {
    throw new TransitionError('InvalidStatus', `cannot reroute: the conversation is ${conversation.status} in ${conversation.queue ?? 'no queue'} at epoch ${conversation.epoch}, expected Open in ${queue} at epoch ${epoch}`);
  }
  return place(conversation, placement, 'repair', at);
}

export function endByBot(conversation: Conversation, botId: string, at: string): Conversation {
  expectStatus(conversation, ['Active'], 'end the conversation');
  expectAssignee(conversation, { id: botId, kind: 'bot' }, 'end the conversation');
  return close(conversation, 'ConversationEndedByBot', at);
}

/** The agent pressed End: the chat moves to Wrap-up and stays with the agent until closed. */
export function endByAgent(conversation: Conversation, agentId: string, at: string): Conversation {
  expectStatus(conversation, ['Active'], 'end the conversation');
  expectAssignee(conversation, { id: agentId, kind: 'agent' }, 'end the conversation');
  return { ...withStatus(conversation, 'WrapUp', 'AgentMovedToWrapUp', at), wrapUpAt: at };
}

export function closeByAgent(conversation: Conversation, agentId: string, at: string): Conversation {
  expectStatus(conversation, ['WrapUp'], 'close');
  expectAssignee(conversation, { id: agentId, kind: 'agent' }, 'close');
  return close(conversation, 'ConversationEndedByAgent', at);
}

/** The customer left: a waiting or bot chat closes; an agent's chat goes to Wrap-up for the agent. */
export function endByCustomer(conversation: Conversation, at: string): Conversation {
  expectStatus(conversation, ['Open', 'Active', 'Waiting'], 'end the chat');
  if (conversation.status === 'Open') return close(conversation, 'CustomerDisconnectedOrLeftOpenConversation', at);
  if (conversation.assignee?.kind === 'agent') {
    return { ...withStatus(conversation, 'WrapUp', 'CustomerDisconnectedOrLeftActiveConversation', at), wrapUpAt: at };
  }
  return close(conversation, 'CustomerDisconnectedOrLeftActiveConversation', at);
}

/** Auto-close fires only if nothing happened since it was scheduled (same status and epoch). */
export function autoClose(conversation: Conversation, status: 'Open' | 'WrapUp', epoch: number, at: string): Conversation {
  if (conversation.status !== status || conversation.epoch !== epoch) {
    throw new TransitionError('InvalidStatus', `auto-close of ${status} at epoch ${epoch} is stale: the conversation is ${conversation.status} at epoch ${conversation.epoch}`);
  }
  return close(conversation, 'AutoClosedBySystem', at);
}

function close(conversation: Conversation, reason: StatusReason, at: string): Conversation {
  return { ...withStatus(conversation, 'Closed', reason, at), botSession: null, closedAt: at };
}

/** Whether the chat still holds its agent's capacity (Wrap-up holds it only when the workstream says so). */
export function holdsAgentCapacity(conversation: Conversation, workstream: Pick<Workstream, 'wrapUpBlocksCapacity'>): boolean {
  if (conversation.assignee?.kind !== 'agent') return false;
  return conversation.status === 'Active' || (conversation.status === 'WrapUp' && workstream.wrapUpBlocksCapacity);
}

/** How many applied command keys a conversation remembers. */
export const APPLIED_KEYS_KEPT = 200;

/** Remembers that a command was applied; the list is bounded, and session order makes old keys unneeded. */
export function markApplied(conversation: Conversation, key: string, keep = APPLIED_KEYS_KEPT): Conversation {
  const applied = [...conversation.applied, key];
  return { ...conversation, applied: applied.length > keep ? applied.slice(applied.length - keep) : applied };
}
