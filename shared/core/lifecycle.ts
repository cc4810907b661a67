import type { Context, Workstream } from './config';
import type { AssignmentTrace } from './assignmentTrace';
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
 *
 * A supervisor also moves chats: Open ──assign──► Active; Active ──transfer──► Open (a queue) or Active
 * (another agent); anything but Closed ──force close──► Closed.
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
    offer: null,
    declines: {},
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
    // A new queue is a new round of offers: earlier declines were of another queue's offers.
    offer: null,
    declines: {},
  };
}

/** A chat a dispatcher may take: waiting in `queue` at `epoch`, with no live offer. */
function expectWaiting(conversation: Conversation, queue: string, epoch: number, action: string): void {
  if (conversation.status !== 'Open' || conversation.queue !== queue || conversation.epoch !== epoch || conversation.offer) {
    const offered = conversation.offer ? ` offered to ${conversation.offer.agentId}` : '';
    throw new TransitionError('InvalidStatus', `cannot ${action}: the conversation is ${conversation.status}${offered} in ${conversation.queue ?? 'no queue'} at epoch ${conversation.epoch}, expected Open in ${queue} at epoch ${epoch}`);
  }
}

/** The commit point of an assignment: only a chat still waiting in `queue` at `epoch`, and offered to nobody, can be taken. */
export function assign(conversation: Conversation, assignee: Assignee, queue: string, epoch: number, at: string, options: { trace?: AssignmentTrace; autoAccepted?: boolean } = {}): Conversation {
  expectWaiting(conversation, queue, epoch, 'assign');
  const assigned: HistoryEntry = { type: 'assigned', at, assignee, queue, waitedMs: waitedMs(conversation, at), ...options };
  return toAssignee(withStatus(conversation, 'Active', 'InConversation', at, [assigned]), assignee, conversation, at);
}

function waitedMs(conversation: Conversation, at: string): number {
  return Date.parse(at) - Date.parse(conversation.enqueuedAt ?? at);
}

function toAssignee(next: Conversation, assignee: Assignee, before: Conversation, at: string): Conversation {
  return {
    ...next,
    assignee,
    assignedAt: at,
    assignmentAnnounced: false,
    offer: null,
    botSession: assignee.kind === 'bot' ? { botId: assignee.id, startedAt: at, forwardedCustomerMessages: before.customerMessagesAtEnqueue } : null,
    firstAgentAssignedAt: assignee.kind === 'agent' ? (before.firstAgentAssignedAt ?? at) : before.firstAgentAssignedAt,
  };
}

/**
 * The commit point of an offer, as of an assignment: the chat stays Open in its queue (statusReason
 * Offered) with one live offer to `agentId`, whose capacity the dispatcher reserved at `at`.
 */
export function offer(conversation: Conversation, agentId: string, queue: string, epoch: number, at: string, timeoutSeconds: number, trace?: AssignmentTrace): Conversation {
  expectWaiting(conversation, queue, epoch, 'offer');
  const expiresAt = new Date(Date.parse(at) + timeoutSeconds * 1000).toISOString();
  const offered: HistoryEntry = { type: 'offered', at, agentId, queue, expiresAt, ...(trace ? { trace } : {}) };
  const next = withStatus(conversation, 'Open', 'Offered', at, [offered]);
  return { ...next, offer: { agentId, queue, offeredAt: at, expiresAt, epoch: next.epoch } };
}

/** The agent accepted in time: the chat is theirs, Active. */
export function acceptOffer(conversation: Conversation, agentId: string, at: string): Conversation {
  const live = conversation.offer;
  if (conversation.status !== 'Open' || !live || live.agentId !== agentId) {
    throw new TransitionError('InvalidStatus', `cannot accept: the conversation is ${conversation.status}${live ? ` offered to ${live.agentId}` : ' with no live offer'}`);
  }
  if (at >= live.expiresAt) throw new TransitionError('InvalidStatus', `cannot accept: the offer expired at ${live.expiresAt}`);
  const accepted: HistoryEntry[] = [
    { type: 'offerAccepted', at, agentId, offeredAt: live.offeredAt },
    { type: 'assigned', at, assignee: { id: agentId, kind: 'agent' }, queue: live.queue, waitedMs: waitedMs(conversation, at) },
  ];
  return toAssignee(withStatus(conversation, 'Active', 'InConversation', at, accepted), { id: agentId, kind: 'agent' }, conversation, at);
}

/**
 * The agent rejected the offer, or let it expire (`epoch` names the offer): the chat waits again in
 * its place in the queue (enqueuedAt is kept), and the agent's decline is counted.
 */
export function declineOffer(conversation: Conversation, agentId: string, epoch: number, outcome: 'rejected' | 'expired', at: string): Conversation {
  const live = conversation.offer;
  if (conversation.status !== 'Open' || !live || live.agentId !== agentId || live.epoch !== epoch) {
    throw new TransitionError('InvalidStatus', `cannot ${outcome === 'rejected' ? 'reject' : 'expire'} the offer to ${agentId} at epoch ${epoch}: ${live ? `the live offer is to ${live.agentId} at epoch ${live.epoch}` : `the conversation is ${conversation.status} with no live offer`}`);
  }
  const previous = conversation.declines && Object.prototype.hasOwnProperty.call(conversation.declines, agentId) ? conversation.declines[agentId] ?? 0 : 0;
  const declines = previous + 1;
  const entry: HistoryEntry = { type: outcome === 'rejected' ? 'offerRejected' : 'offerExpired', at, agentId, offeredAt: live.offeredAt, declines };
  return {
    ...withStatus(conversation, 'Open', 'AwaitingAgentAssignment', at, [entry]),
    offer: null,
    declines: { ...conversation.declines, [agentId]: declines },
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
 * A supervisor's transfer to a queue (D365's Transfer): as the agent's own transfer, with the supervisor's
 * entry first. `queue` is the queue the supervisor chose (placement may redirect it).
 */
export function transferBySupervisor(conversation: Conversation, agentId: string, supervisorId: string, queue: string, placement: Placement, at: string): Conversation {
  expectStatus(conversation, ['Active'], 'transfer');
  expectAssignee(conversation, { id: agentId, kind: 'agent' }, 'transfer');
  const entry: HistoryEntry = { type: 'supervisor', at, action: 'transfer', supervisorId, fromAgentId: agentId, queue };
  return transfer({ ...conversation, history: [...conversation.history, entry] }, agentId, placement, at);
}

/** The epoch a supervisor's commit was decided at: a chat that moved on meanwhile (or was fenced by the sweep) refuses it. */
function expectEpoch(conversation: Conversation, epoch: number, action: string): void {
  if (conversation.epoch !== epoch) {
    throw new TransitionError('InvalidStatus', `cannot ${action}: the conversation changed meanwhile (${conversation.status} at epoch ${conversation.epoch}, expected epoch ${epoch})`);
  }
}

/**
 * A supervisor's Assign (D365): an Open chat, waiting or offered, goes Active with `agentId`, whose capacity the
 * caller reserved first (or, when the chat is offered to that same agent, the offer's reservation). A live offer
 * is withdrawn. Only at `epoch`, read before the reservation: the sweep fences a chat before it gives back a
 * reservation it takes for a stray, so a commit that stalled past that fails here.
 */
export function assignBySupervisor(conversation: Conversation, agentId: string, supervisorId: string, epoch: number, at: string): Conversation {
  expectStatus(conversation, ['Open'], 'assign');
  expectEpoch(conversation, epoch, 'assign');
  const live = conversation.offer;
  const queue = conversation.queue ?? '';
  const assignee: Assignee = { id: agentId, kind: 'agent' };
  const entries: HistoryEntry[] = [
    ...(live ? [{ type: 'offerWithdrawn', at, agentId: live.agentId, offeredAt: live.offeredAt } as const] : []),
    { type: 'supervisor', at, action: 'assign', supervisorId, agentId, queue },
    { type: 'assigned', at, assignee, queue, waitedMs: waitedMs(conversation, at) },
  ];
  return toAssignee(withStatus(conversation, 'Active', 'AssignedBySupervisor', at, entries), assignee, conversation, at);
}

/**
 * A supervisor's transfer straight to another agent: the chat stays Active, now with `agentId`, whose capacity
 * the caller reserved first; the old agent's is the caller's to give back. Only at `epoch` (see assignBySupervisor).
 * The new agent is announced as an assignment is (assignmentAnnounced is false again).
 */
export function transferToAgent(conversation: Conversation, fromAgentId: string, agentId: string, supervisorId: string, epoch: number, at: string): Conversation {
  expectStatus(conversation, ['Active'], 'transfer');
  expectAssignee(conversation, { id: fromAgentId, kind: 'agent' }, 'transfer');
  expectEpoch(conversation, epoch, 'transfer');
  if (agentId === fromAgentId) throw new TransitionError('InvalidStatus', `cannot transfer: agent ${agentId} already holds the conversation`);
  const entry: HistoryEntry = { type: 'supervisor', at, action: 'transfer', supervisorId, fromAgentId, agentId, ...(conversation.queue ? { queue: conversation.queue } : {}) };
  return {
    ...withStatus(conversation, 'Active', 'AssignedBySupervisor', at, [entry]),
    assignee: { id: agentId, kind: 'agent' },
    assignedAt: at,
    assignmentAnnounced: false,
    counters: { ...conversation.counters, transfers: conversation.counters.transfers + 1 },
  };
}

/** A supervisor's Force close: any chat not yet Closed closes now, its live offer withdrawn. */
export function forceClose(conversation: Conversation, supervisorId: string, at: string): Conversation {
  expectStatus(conversation, ['Open', 'Active', 'Waiting', 'WrapUp'], 'force-close');
  const entry: HistoryEntry = { type: 'supervisor', at, action: 'close', supervisorId };
  return close({ ...conversation, history: [...conversation.history, entry] }, 'ForceClosedBySupervisor', at);
}

/**
 * The sweep found a waiting chat in a queue that can never take it (the configuration changed under
 * it): it moves on as placed. Only while it still waits there at `epoch`.
 */
export function reroute(conversation: Conversation, queue: string, epoch: number, placement: Placement, at: string): Conversation {
  expectWaiting(conversation, queue, epoch, 'reroute');
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

/** Whether the customer's part of the chat is over: wrap-up (the agent's time after the customer) or closed. */
export function customerPartEnded(status: ConversationStatus): boolean {
  return status === 'WrapUp' || status === 'Closed';
}

/** When the customer's part of the chat ended: at wrap-up (the agent's time after the customer) or close, whichever came first; null while it goes on. */
export function customerLeftAt(conversation: Pick<Conversation, 'status' | 'wrapUpAt' | 'closedAt'>): string | null {
  if (!customerPartEnded(conversation.status)) return null;
  return conversation.wrapUpAt ?? conversation.closedAt;
}

/**
 * When an Active chat becomes idle: `idleMinutes` after the later of its assignment and the last message
 * from the customer, the bot or the agent.
 */
export function idleDeadline(conversation: Conversation, idleMinutes: number): string {
  const lastActivity = conversation.transcript?.lastActivityAt ?? null;
  const since = [conversation.assignedAt, lastActivity].filter((t): t is string => t !== null).sort().at(-1) ?? conversation.updatedAt;
  return new Date(Date.parse(since) + idleMinutes * 60_000).toISOString();
}

/**
 * Auto-close fires only if nothing happened since it was scheduled (same status and epoch); an Active
 * chat's only once it is idle (see idleDeadline), which the caller checks.
 */
export function autoClose(conversation: Conversation, status: 'Open' | 'Active' | 'WrapUp', epoch: number, at: string): Conversation {
  if (conversation.status !== status || conversation.epoch !== epoch) {
    throw new TransitionError('InvalidStatus', `auto-close of ${status} at epoch ${epoch} is stale: the conversation is ${conversation.status} at epoch ${conversation.epoch}`);
  }
  return close(conversation, 'AutoClosedBySystem', at);
}

/** Closing withdraws a live offer (the agent's units are the caller's to give back). */
function close(conversation: Conversation, reason: StatusReason, at: string): Conversation {
  const live = conversation.offer;
  const withdrawn: HistoryEntry[] = live ? [{ type: 'offerWithdrawn', at, agentId: live.agentId, offeredAt: live.offeredAt }] : [];
  return { ...withStatus(conversation, 'Closed', reason, at, withdrawn), botSession: null, closedAt: at, offer: null };
}

/** Whether the chat holds `agentId`'s capacity: assigned to them (see holdsAgentCapacity), or offered to them. */
export function holdsCapacityOf(conversation: Conversation, agentId: string, workstream: Pick<Workstream, 'wrapUpBlocksCapacity'>): boolean {
  if (conversation.status === 'Open') return conversation.offer?.agentId === agentId;
  return conversation.assignee?.id === agentId && holdsAgentCapacity(conversation, workstream);
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
