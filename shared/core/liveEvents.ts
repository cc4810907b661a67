import { usedUnits, type AgentState } from './agent';
import type { Conversation } from './conversation';
import { agentScope, queueScope, type FeedEvent } from './feed';
import type { TranscriptMessage } from './transcript';
import { summaryOf } from './transcriptSummary';

/**
 * What a conversation's change tells the live feeds (core/feed.ts): the agents it concerns (an offer, a
 * chat they hold, its lines) and the queues it is in (its row on the supervisor's board).
 *
 * Event ids come from the state they describe (the conversation, its epoch, status, assignee, offer),
 * never from who wrote it: every writer of the same change appends the same ids, so a redelivered
 * command, or a later writer repairing a lost append, adds nothing twice. The lifecycle bumps the
 * epoch at every routing and status change, so a state that recurs is a new event.
 */

/** A chat as the agent's list shows it (GET /api/agents/{id}/conversations). */
export function agentConversationRow(c: Conversation) {
  const { messageCount, lastMessage } = summaryOf(c);
  return {
    id: c.id,
    workstream: c.workstream,
    status: c.status,
    statusReason: c.statusReason,
    queue: c.queue,
    customer: c.customer,
    context: c.context,
    escalationSummary: c.escalationSummary,
    assignedAt: c.assignedAt,
    messageCount,
    lastMessage,
  };
}

/** A live offer as the agent's offers show it (GET /api/agents/{id}/offers); undefined without one. */
export function offerRow(c: Conversation, allowReject: boolean) {
  const live = c.offer;
  if (!live) return undefined;
  return {
    conversationId: c.id,
    workstream: c.workstream,
    queue: live.queue,
    customer: c.customer,
    context: c.context,
    escalationSummary: c.escalationSummary,
    offeredAt: live.offeredAt,
    expiresAt: live.expiresAt,
    allowReject,
  };
}

/** A chat as the supervisor's board keeps it: who, where, with whom, since when. */
export function boardConversationRow(c: Conversation) {
  return {
    id: c.id,
    /** Orders two rows of one chat (from two queues' feeds): the higher epoch is the newer. */
    epoch: c.epoch,
    customer: { name: c.customer.name },
    workstream: c.workstream,
    queue: c.queue,
    status: c.status,
    statusReason: c.statusReason,
    assignee: c.assignee,
    offeredTo: c.offer?.agentId ?? null,
    createdAt: c.createdAt,
    enqueuedAt: c.enqueuedAt,
    escalatedAt: c.escalatedAt,
    assignedAt: c.assignedAt,
    wrapUpAt: c.wrapUpAt,
  };
}
export type BoardConversationRow = ReturnType<typeof boardConversationRow>;

/** An agent as the supervisor's board shows it, from its runtime state. */
export function agentRow(state: AgentState) {
  return {
    id: state.id,
    presence: state.presence,
    presenceSince: state.presenceSince ?? state.updatedAt,
    usedUnits: usedUnits(state),
    activeChats: state.reservations.length,
    /** The state's time: of two rows of one agent (from two queues' feeds), the later is the newer. */
    at: state.updatedAt,
  };
}
export type AgentRow = ReturnType<typeof agentRow>;

/** A transcript line as the agent's stream carries it; agent-only lines included, deleted ones never. */
export function agentMessageOf(m: TranscriptMessage) {
  return {
    id: m.id,
    role: m.role,
    text: m.text,
    timestamp: m.timestamp,
    visibility: m.visibility,
    ...(m.authorId ? { authorId: m.authorId } : {}),
    ...(m.attachments?.length ? { attachments: m.attachments } : {}),
    ...(m.suggestedActions ? { suggestedActions: m.suggestedActions } : {}),
    ...(m.editedAt ? { editedAt: m.editedAt } : {}),
  };
}

export interface ConversationChange {
  before: Conversation | undefined;
  after: Conversation;
  /** Lines the change appended to the transcript. */
  appended: readonly TranscriptMessage[];
  /** Whether the agent offered the chat may reject it (the workstream's offers.allowReject). */
  allowReject: boolean;
}

/** The feed events of one committed conversation change, in the order a reader should apply them. */
export function liveEventsOf(change: ConversationChange): FeedEvent[] {
  return [...agentEvents(change), ...queueEvents(change)];
}

const heldBy = (c: Pick<Conversation, 'status' | 'assignee'> | undefined): string | undefined =>
  c && c.assignee?.kind === 'agent' && (c.status === 'Active' || c.status === 'WrapUp') ? c.assignee.id : undefined;

/** The state a row event describes: a new value of any of these is a new event. */
const stateKey = (c: Conversation) => `${c.id}:${c.epoch}:${c.status}:${c.statusReason}:${c.queue ?? ''}:${c.assignee?.id ?? ''}:${c.offer?.offeredAt ?? ''}`;

function agentEvents({ before, after, appended, allowReject }: ConversationChange): FeedEvent[] {
  const at = after.updatedAt;
  const events: FeedEvent[] = [];
  const event = (agentId: string, id: string, type: string, data: Record<string, unknown>) => events.push({ scope: agentScope(agentId), id, type, at, data });

  const offerBefore = before?.offer;
  const offerAfter = after.offer;
  if (offerBefore && offerBefore.offeredAt !== offerAfter?.offeredAt) {
    event(offerBefore.agentId, `offerEnded:${after.id}:${offerBefore.offeredAt}`, 'offerEnded', { conversationId: after.id, outcome: offerOutcome(after, offerBefore.agentId) });
  }
  if (offerAfter && offerAfter.offeredAt !== offerBefore?.offeredAt) {
    event(offerAfter.agentId, `offer:${after.id}:${offerAfter.offeredAt}`, 'offer', offerRow(after, allowReject)!);
  }

  const holderBefore = heldBy(before);
  const holderAfter = heldBy(after);
  if (holderBefore && holderBefore !== holderAfter) {
    event(holderBefore, `removed:${stateKey(after)}`, 'conversationRemoved', { conversationId: after.id, reason: removalReason(after), statusReason: after.statusReason });
  }
  if (holderAfter && (holderAfter !== holderBefore || stateKey(after) !== stateKey(before!))) {
    event(holderAfter, `conversation:${stateKey(after)}`, 'conversation', agentConversationRow(after));
  }
  const reader = holderAfter ?? holderBefore;
  if (reader) {
    for (const m of appended) if (!m.deletedAt) event(reader, `message:${after.id}:${m.id}`, 'message', { conversationId: after.id, message: agentMessageOf(m) });
  }
  return events;
}

/**
 * The customer is typing in a chat an agent holds: that agent's stream says so (the `typing` event), so
 * the page shows it at once instead of polling. A chat no agent holds (a bot's, a waiting one) tells no one.
 */
export function customerTypingEvent(conversationId: string, state: Pick<Conversation, 'status' | 'assignee'>, at: string): FeedEvent | undefined {
  const holder = heldBy(state);
  if (!holder) return undefined;
  return { scope: agentScope(holder), id: `typing:${conversationId}:${at}`, type: 'typing', at, data: { conversationId, at } };
}

function offerOutcome(after: Conversation, agentId: string): 'accepted' | 'rejected' | 'expired' | 'withdrawn' {
  if (after.assignee?.kind === 'agent' && after.assignee.id === agentId && after.status === 'Active') return 'accepted';
  const last = [...after.history].reverse().find((h) => 'agentId' in h && h.agentId === agentId);
  if (last?.type === 'offerRejected') return 'rejected';
  if (last?.type === 'offerExpired') return 'expired';
  return 'withdrawn';
}

function removalReason(after: Conversation): 'transferred' | 'closed' | 'reassigned' {
  if (after.status === 'Closed') return 'closed';
  return after.history[after.history.length - 1]?.type === 'transferred' || after.status === 'Open' ? 'transferred' : 'reassigned';
}

function queueEvents({ before, after }: ConversationChange): FeedEvent[] {
  if (before && stateKey(before) === stateKey(after)) return [];
  const at = after.updatedAt;
  const events: FeedEvent[] = [];
  if (before?.queue && before.queue !== after.queue) {
    events.push({ scope: queueScope(before.queue), id: `left:${stateKey(after)}`, type: 'conversationRemoved', at, data: { id: after.id, epoch: after.epoch, reason: 'moved' } });
  }
  if (after.queue) {
    const closed = after.status === 'Closed';
    events.push({
      scope: queueScope(after.queue),
      id: `${closed ? 'closed' : 'row'}:${stateKey(after)}`,
      type: closed ? 'conversationRemoved' : 'conversation',
      at,
      data: closed ? { id: after.id, epoch: after.epoch, reason: 'closed' } : boardConversationRow(after),
    });
  }
  return events;
}
