/**
 * The agent workspace and supervisor API as the pages see it: docs/workspace-api.md written as types,
 * and nothing the document does not say. The pages read only these shapes, so a change of the contract
 * is a change here that the compiler then walks through every screen. Plain data: no DOM, no fetch,
 * so the stores and their unit tests use it too.
 */

export const PRESENCES = ['Available', 'Busy', 'Busy-DND', 'Away', 'Offline'] as const;
export type Presence = (typeof PRESENCES)[number];

/** `GET /api/me`: who the credentials name. */
export interface Me {
  id: string;
  name: string;
  roles: string[];
  capacity: number;
  queues: string[];
}

export interface Customer {
  id: string;
  name: string;
}

export type ContextValue = string | number;

/** A row of `GET …/offers` and the `offer` event. */
export interface Offer {
  conversationId: string;
  workstream: string;
  queue: string;
  customer: Customer;
  context: Record<string, ContextValue>;
  escalationSummary: string | null;
  offeredAt: string;
  expiresAt: string;
  allowReject: boolean;
}

export type MessageRole = 'customer' | 'bot' | 'agent' | 'system';

export interface LastMessage {
  id: string;
  role: MessageRole;
  text: string;
  timestamp: string;
}

export type ConversationStatus = 'Open' | 'Active' | 'WrapUp' | 'Waiting' | 'Closed';

/** A row of `GET …/conversations` and the `conversation` event: a chat the agent holds (Active or Wrap-up). */
export interface ConversationRow {
  id: string;
  workstream: string;
  status: ConversationStatus;
  statusReason: string;
  queue: string | null;
  customer: Customer;
  context: Record<string, ContextValue>;
  escalationSummary: string | null;
  assignedAt: string | null;
  messageCount: number;
  lastMessage: LastMessage | null;
}

/** An attachment as the transcript keeps it (Bot Framework's shape: a file link, or a card's content). */
export interface Attachment {
  contentType: string;
  contentUrl?: string;
  content?: unknown;
  name?: string;
}

/** A transcript line: GET …/messages pages and the `message` event. */
export interface Message {
  id: string;
  role: MessageRole;
  text: string;
  timestamp: string;
  /** `agents`: an escalation summary or an internal note; never shown to the customer. */
  visibility: 'everyone' | 'agents';
  authorId?: string;
  attachments?: Attachment[];
  editedAt?: string;
}

/** `GET …/conversations/{id}/messages`: one page of the transcript. */
export interface MessagePage {
  status: ConversationStatus;
  messages: Message[];
  /** The cursor of the next page (`?after=`), null on the last one. */
  next: string | null;
  customerTypingAt: string | null;
}

export interface QueueTarget {
  name: string;
  workstream: string;
}

export interface QuickReply {
  title: string;
  text: string;
}

/** `GET /api/agents/{agentId}/workspace`: the snapshot the agent page starts from. */
export interface Workspace {
  agent: { id: string; name: string; presence: Presence; presenceSince: string; capacity: number; usedUnits: number };
  presences: Presence[];
  queues: QueueTarget[];
  /** By workstream. */
  quickReplies: Record<string, QuickReply[]>;
  offers: Offer[];
  conversations: ConversationRow[];
  cursor: string;
}

export interface ContextEntry {
  name: string;
  value: ContextValue;
  /** Who may set the variable: `customer` for pre-chat answers, `bot`, `system`. */
  setBy: string;
}

export interface RoutingStep {
  at: string;
  type: string;
  queue?: string;
  rule?: string | null;
  reason?: string;
  assignee?: { id: string; kind: 'agent' | 'bot' };
  /** Why the rule matched, or why this agent was picked. */
  why?: string;
}

export interface PreviousChat {
  id: string;
  createdAt: string;
  closedAt: string | null;
  statusReason: string;
  queue: string | null;
  agent: string | null;
}

/** `GET /api/agents/{agentId}/conversations/{id}`: the customer sidebar. */
export interface ConversationDetails {
  id: string;
  status: ConversationStatus;
  statusReason: string;
  workstream: string;
  channel: string;
  site?: string;
  queue: string | null;
  customer: Customer;
  context: ContextEntry[];
  escalationSummary: string | null;
  createdAt: string;
  enqueuedAt: string | null;
  assignedAt: string | null;
  waitedSeconds: number | null;
  routing: RoutingStep[];
  previous: PreviousChat[];
}

export type OfferOutcome = 'accepted' | 'rejected' | 'expired' | 'withdrawn';
export type RemovalReason = 'transferred' | 'closed' | 'reassigned';

/** The agent stream's events (`event:` is the type, `data:` the JSON). */
export type AgentEvent =
  | { type: 'presence'; data: { presence: Presence; since: string } }
  | { type: 'offer'; data: Offer }
  | { type: 'offerEnded'; data: { conversationId: string; outcome: OfferOutcome } }
  | { type: 'conversation'; data: ConversationRow }
  | { type: 'conversationRemoved'; data: { conversationId: string; reason: RemovalReason; statusReason?: string } }
  | { type: 'message'; data: { conversationId: string; message: Message } }
  | { type: 'typing'; data: { conversationId: string; at: string } }
  | { type: 'reset'; data: Record<string, never> };

/** An event as the stream carries it, before its type is checked. */
export interface StreamEvent {
  id: string;
  type: string;
  data: unknown;
}

/** The long-poll form of a stream: `GET …/events?after=<cursor>&wait=<s>` with `Accept: application/json`. */
export interface EventBatch {
  events: StreamEvent[];
  cursor: string;
}

export const AGENT_EVENT_TYPES: ReadonlySet<string> = new Set<AgentEvent['type']>([
  'presence', 'offer', 'offerEnded', 'conversation', 'conversationRemoved', 'message', 'typing', 'reset',
]);

/** A queue row of `GET /api/supervisor/overview` and the `queues` event. Rates are fractions, null when undefined. */
export interface QueueBoardRow {
  name: string;
  waiting: number;
  offered: number;
  longestWaitSince: string | null;
  agentsByPresence: Record<Presence, number>;
  freeCapacity: number;
  incoming: number;
  answered: number;
  abandoned: number;
  handled: number;
  transferred: number;
  /** By threshold in seconds ("20", "60"). */
  serviceLevel: Record<string, number | null>;
  averageSpeedToAnswerSeconds: number | null;
  abandonRate: number | null;
  averageHandleTimeSeconds: number | null;
  transferRate: number | null;
}

export interface AgentBoardRow {
  id: string;
  name: string;
  presence: Presence;
  presenceSince: string;
  capacity: number;
  usedUnits: number;
  freeUnits: number;
  activeChats: number;
  queues: string[];
}

export interface ConversationBoardRow {
  id: string;
  /** Orders two rows of one chat: the higher is the newer. */
  epoch: number;
  customer: { name: string };
  workstream: string;
  queue: string | null;
  status: ConversationStatus;
  statusReason: string;
  assignee: { id: string; kind: 'agent' | 'bot'; name: string } | null;
  offeredTo: string | null;
  createdAt: string;
  enqueuedAt: string | null;
  escalatedAt: string | null;
  assignedAt: string | null;
  wrapUpAt: string | null;
}

/** `GET /api/supervisor/overview`: the snapshot the supervisor page starts from. */
export interface Overview {
  asOf: string;
  window: { from: string; to: string };
  serviceLevelSeconds: number[];
  queues: QueueBoardRow[];
  agents: AgentBoardRow[];
  conversations: ConversationBoardRow[];
  cursor: string;
}

/** The supervisor stream's events. */
export type SupervisorEvent =
  | { type: 'queues'; data: { asOf: string; queues: QueueBoardRow[] } }
  | { type: 'agent'; data: AgentBoardRow }
  | { type: 'conversation'; data: ConversationBoardRow }
  | { type: 'conversationRemoved'; data: { id: string } }
  | { type: 'reset'; data: Record<string, never> };

export const SUPERVISOR_EVENT_TYPES: ReadonlySet<string> = new Set<SupervisorEvent['type']>(['queues', 'agent', 'conversation', 'conversationRemoved', 'reset']);

/** `GET /api/insights`'s query: whole hours [from, to) (ISO; absent: the server's default, the last 24 hours). */
export interface InsightsQuery {
  from?: string;
  to?: string;
  /** Absent: the server's choice (by hour up to 72 hours, else by day). */
  granularity?: InsightsGranularity;
  workstream?: string;
  queue?: string;
  bot?: string;
}

export type InsightsGranularity = 'hour' | 'day';

/** A bot's (topic's, rule's, period's) insights. Rates are fractions, times seconds; null when nothing was counted for them. */
export interface BotInsights {
  botConversations: number;
  resolved: number;
  resolvedByBot: number;
  resolvedByCustomer: number;
  resolutionRate: number | null;
  averageResolutionSeconds: number | null;
  escalated: number;
  unreachable: number;
  escalationRate: number | null;
  averageTimeToEscalateSeconds: number | null;
  abandoned: number;
  abandonRate: number | null;
  deflected: number;
  deflectionRate: number | null;
  averageBotSessionSeconds: number | null;
}

/** A queue's (workstream's, agent's, period's) analytics, the same null rule. */
export interface QueueAnalytics {
  incoming: number;
  answered: number;
  abandoned: number;
  handled: number;
  transferred: number;
  /** By threshold in seconds ("20", "60"). */
  serviceLevel: Record<string, number | null>;
  averageSpeedToAnswerSeconds: number | null;
  abandonRate: number | null;
  averageHandleTimeSeconds: number | null;
  transferRate: number | null;
  averageFirstWaitSeconds: number | null;
  offered: number;
  offerRejectionRate: number | null;
  offerTimeoutRate: number | null;
}

/** One KPI's definition, the one the portal's KQL computes too (shared/core/kpiCatalogue.ts). */
export interface KpiDefinition {
  id: string;
  family: 'bot' | 'queue';
  label: string;
  unit: 'count' | 'rate' | 'seconds';
  definition: string;
  events: string[];
}

/** `GET /api/insights` (JSON): the range as the server read it, the KPIs over it, and what each means. */
export interface Insights {
  from: string;
  to: string;
  granularity: InsightsGranularity;
  workstream?: string;
  queue?: string;
  bot?: string;
  serviceLevelSeconds: number[];
  generatedAt: string;
  /** The names the filters take, from the configuration. */
  filterChoices: { workstreams: string[]; queues: string[]; bots: string[] };
  queues: {
    /** Queues bots served chats from: left out of the queue analytics (their chats are the bot insights'). */
    botQueues: string[];
    total: QueueAnalytics;
    byWorkstream: (QueueAnalytics & { workstream: string })[];
    byQueue: (QueueAnalytics & { queue: string })[];
    byAgent: (QueueAnalytics & { agent: string })[];
    series: (QueueAnalytics & { start: string })[];
  };
  bots: {
    total: BotInsights;
    byBot: (BotInsights & { bot: string })[];
    byTopic: (BotInsights & { topic: string })[];
    byRule: (BotInsights & { rule: string })[];
    escalationReasons: { reason: string; escalations: number }[];
    series: (BotInsights & { start: string })[];
  };
  definitions: KpiDefinition[];
}
