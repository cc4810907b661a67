import type { AssignmentTrace } from './assignmentTrace';
import type { Context } from './config';
import type { FeedEvent } from './feed';
import type { OutgoingMessage } from '../ports/messageBus';
import type { TranscriptSummary } from './transcriptSummary';
import type { WaitState } from './waitNotices';

/** Omnichannel's live work item statuses (statuscode 1 Open, 2 Active, 3 Waiting, 4 Closed, 5 Wrap-up). */
export type ConversationStatus = 'Open' | 'Active' | 'Waiting' | 'WrapUp' | 'Closed';

/** msdyn_statuschangereason values Switchboard produces. */
export type StatusReason =
  | 'AwaitingAgentAssignment'
  /** Open, with a live offer to one agent (Accept/Reject and a countdown); the customer sees nothing yet. */
  | 'Offered'
  | 'InConversation'
  | 'AgentMovedToWrapUp'
  | 'CustomerDisconnectedOrLeftActiveConversation'
  | 'CustomerDisconnectedOrLeftOpenConversation'
  | 'ConversationEndedByAgent'
  | 'AutoClosedBySystem'
  | 'ClosedDueToOverflow'
  | 'ConversationEndedByBot'
  | 'ClosedDueToFailure'
  /** A supervisor closed the chat, whatever its status (Omnichannel's ForceClosedBySupervisor, 192350015). */
  | 'ForceClosedBySupervisor'
  /** Active because a supervisor assigned it, or transferred it to this agent (Omnichannel's AssignedBySupervisor, 192350017). */
  | 'AssignedBySupervisor';

/** What a supervisor did to a chat (D365's Assign, Transfer and Force close). */
export type SupervisorAction = 'assign' | 'transfer' | 'close';

/** What sent the chat to a queue: its start, a bot's escalation or handoff, an agent's transfer, or the sweep's repair. */
export type RoutingReason = 'start' | 'escalation' | 'transfer' | 'handoff' | 'repair';

export interface Assignee {
  id: string;
  kind: 'bot' | 'agent';
}

export type HistoryEntry =
  | { type: 'routed'; at: string; rule: string | null; queue: string; reason: RoutingReason; redirectedFrom?: string; why?: string }
  /** No queue could ever take the chat (see core/placement.ts): it was closed instead of stranded. */
  | { type: 'unroutable'; at: string; rule: string | null; queue: string; reason: RoutingReason; why: string }
  | { type: 'assigned'; at: string; assignee: Assignee; queue: string; waitedMs: number; trace?: AssignmentTrace; autoAccepted?: boolean }
  | { type: 'offered'; at: string; agentId: string; queue: string; expiresAt: string; trace?: AssignmentTrace }
  | { type: 'offerAccepted'; at: string; agentId: string; offeredAt: string }
  | { type: 'offerRejected'; at: string; agentId: string; offeredAt: string; declines: number }
  | { type: 'offerExpired'; at: string; agentId: string; offeredAt: string; declines: number }
  /** The chat closed (the customer left, auto-close) while the offer was live. */
  | { type: 'offerWithdrawn'; at: string; agentId: string; offeredAt: string }
  | { type: 'status'; at: string; status: ConversationStatus; reason: StatusReason }
  | { type: 'escalated'; at: string; botId: string; context: Context }
  | { type: 'transferred'; at: string; agentId: string; queue: string }
  /**
   * A supervisor's action, recorded before what it did: `agentId` is who got the chat (assign, transfer to an
   * agent), `fromAgentId` who held it (transfer), `queue` the queue it was assigned from or sent to.
   */
  | { type: 'supervisor'; at: string; action: SupervisorAction; supervisorId: string; agentId?: string; fromAgentId?: string; queue?: string };

/** A live offer: the chat is Open, and `agentId`'s capacity is reserved for it until it is answered or expires. */
export interface Offer {
  agentId: string;
  queue: string;
  /** Also the time of the agent's reservation, so exactly that reservation is given back. */
  offeredAt: string;
  expiresAt: string;
  /** The conversation's epoch once the offer was made: the expiry and the answers name it. */
  epoch: number;
}

/** The bot session of a chat that is with a bot: what the bot has been sent so far. */
export interface BotSession {
  botId: string;
  startedAt: string;
  /** Number of customer messages already forwarded to the bot (transcript order). */
  forwardedCustomerMessages: number;
}

export interface Conversation {
  id: string;
  workstream: string;
  customer: { id: string; name: string };
  channel: 'chat';
  status: ConversationStatus;
  statusReason: StatusReason;
  /** The queue the chat is waiting in or was assigned from; kept after close for reporting. */
  queue: string | null;
  assignee: Assignee | null;
  context: Context;
  escalationSummary: string | null;
  /** Bots that escalated this chat: it never goes back to them. */
  excludedBots: string[];
  /** Bumped on every routing and assignment, so stale timers and dispatches recognise themselves. */
  epoch: number;
  /** When the chat entered its current queue; the FIFO key. */
  enqueuedAt: string | null;
  /** customerMessageCount when the chat entered its queue: a bot that takes it is sent the messages after that. */
  customerMessagesAtEnqueue: number;
  assignedAt: string | null;
  /** Whether the `assigned` follow-up (bot start events, agent join notice) has run for the current assignment. */
  assignmentAnnounced: boolean;
  wrapUpAt: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  botSession: BotSession | null;
  /** Customer messages in the transcript, in order (the bot forwarding cursor counts against this). */
  customerMessageCount: number;
  counters: { escalations: number; transfers: number };
  /** When the last bot escalated, for first-wait and bot-escalation-time KPIs. */
  escalatedAt: string | null;
  /** The bot that handed the chat off with handoff.initiate: it hears handoff.status completed when the chat closes. */
  handoffBotId: string | null;
  /** When a human first accepted the chat. */
  firstAgentAssignedAt: string | null;
  /** The live offer, if any (at most one). Documents written before offers existed lack it. */
  offer?: Offer | null;
  /** How many times each agent declined (rejected or missed) this chat's offers. */
  declines?: Record<string, number>;
  /** The customer's BCP-47 locale, given when the chat started: wait messages are said in it. */
  locale?: string;
  /** The Direct Line site the chat came from (its reconnect window applies); absent for chats started with POST /api/chats. */
  site?: string;
  /** The current wait's place in line and the notices said (workstreams with waitExperience only). */
  wait?: WaitState | null;
  /** What the transcript holds (count, bytes, last message, last activity). Documents written before it existed lack it. */
  transcript?: TranscriptSummary;
  history: HistoryEntry[];
  /** Idempotency keys of the commands applied, newest last (bounded). */
  applied: string[];
  /** Messages the last command must publish; re-published if that command is redelivered. */
  outbox: { key: string; messages: OutgoingMessage[]; feed?: FeedEvent[] } | null;
}
