/**
 * The validated configuration model. `shared/config/loadConfig.ts` turns a YAML file into this shape
 * (or a list of problems); everything else reads only this.
 */
import type { RateLimit } from './rateLimiter';

export const PRESENCES = ['Available', 'Busy', 'Busy-DND', 'Away', 'Offline'] as const;
export type Presence = (typeof PRESENCES)[number];

/** What a human agent may do besides taking chats: a supervisor also assigns, transfers, force-closes and monitors any chat (/api/supervisor). */
export const ROLES = ['supervisor'] as const;
export type Role = (typeof ROLES)[number];

export const ASSIGNMENT_METHODS = ['highestCapacity', 'roundRobin', 'leastActive'] as const;
export type AssignmentMethod = (typeof ASSIGNMENT_METHODS)[number];

export const VARIABLE_TYPES = ['text', 'number'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

export const OPERATORS = [
  'equals', 'notEquals', 'contains', 'notContains', 'beginsWith', 'notBeginsWith', 'endsWith', 'notEndsWith',
  'hasData', 'noData', 'greaterThan', 'greaterOrEqual', 'lessThan', 'lessOrEqual', 'in', 'notIn',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type ContextValue = string | number;
export type Context = Record<string, ContextValue>;

export type Condition =
  | { variable: string; operator: Operator; value?: ContextValue | ContextValue[] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** Who sets context variables: the customer (pre-chat answers), a bot (when it escalates), or Switchboard itself (BotFailure). */
export const CONTEXT_WRITERS = ['customer', 'bot', 'system'] as const;
export type ContextWriter = (typeof CONTEXT_WRITERS)[number];

export interface ContextVariable {
  name: string;
  type: VariableType;
  /** Who may set it; [bot] when not said (core/contextInput.ts). Switchboard's own writes are never refused. */
  setBy?: ContextWriter[];
}

export interface Rule { name: string; queue: string; when?: Condition }

/**
 * Offers (D365's notification with Accept/Reject): the chat is offered to the best agent, whose
 * capacity it reserves, instead of being assigned; the agent accepts, rejects or lets it expire.
 */
export interface OfferSettings {
  /** How long the agent has to answer (D365's countdown, default 120 s). */
  timeoutSeconds: number;
  /** Whether the agent may reject; when false only Accept (or the countdown) ends the offer. */
  allowReject: boolean;
  /** The offer is an assignment at once; the agent is only notified. */
  autoAccept: boolean;
  /** How many times one agent is offered the same chat (D365's decline limit, default 3, 1 to 5). */
  maxDeclinesPerAgent: number;
  /** What a missed (expired) offer does to the agent's presence, e.g. Away; absent: nothing. */
  onMissed?: { setPresence: Presence };
}

/** One text, or texts by BCP-47 locale (`en-US`, `fr`) with an optional `default`. */
export type LocalizedText = string | Record<string, string>;

/**
 * D365's "customer wait time" (workstream Behaviors): what a customer waiting in a queue is told.
 * Texts left out use the built-in English ones (core/waitNotices.ts).
 */
export interface WaitExperience {
  /** "People ahead of you" while waiting, and "you're next" at the head of the queue. */
  queuePosition: boolean;
  /** The queue's average wait, once per wait, when it is known (>= 20 answered chats) and over a minute. */
  averageWaitTime: boolean;
  messages: { queuePosition?: LocalizedText; nextInLine?: LocalizedText; averageWait?: LocalizedText };
}

export interface Workstream {
  name: string;
  /** Units of an agent's capacity one chat of this workstream takes. */
  capacityUnits: number;
  fallbackQueue: string;
  allowedPresences: Presence[];
  /**
   * Minutes after which the system closes a chat: waiting in a queue (Open), in wrap-up, and Active
   * (with a bot or an agent) with no message from the customer, the bot or the agent. Workstreams built
   * in code may leave activeIdleMinutes out (no idle close); the configuration file defaults it to 30.
   */
  autoClose: { openMinutes: number; wrapUpMinutes: number; activeIdleMinutes?: number };
  /** When true, a chat in Wrap-up keeps holding the agent's capacity until it is closed. */
  wrapUpBlocksCapacity: boolean;
  contextVariables: ContextVariable[];
  rules: Rule[];
  /** Absent: chats are assigned directly, without an offer. */
  offers?: OfferSettings;
  /** Absent (or both switches off): a waiting customer is told nothing. */
  waitExperience?: WaitExperience;
  /**
   * D365's chat reconnect: a Direct Line customer who went away (closed or reloaded the page) is back in
   * the same chat within this window; past it the chat ends. The configuration file defaults it to 180 s.
   */
  reconnect?: { windowSeconds: number };
  /** Canned replies the agent workspace offers with /; the configuration file defaults it to none. */
  quickReplies?: QuickReply[];
}

export interface QuickReply {
  title: string;
  text: string;
}

export interface Queue {
  name: string;
  /** Lower number is served first. */
  priority: number;
  assignment: AssignmentMethod;
  members: string[];
}

/** How Switchboard proves itself to a bot: a token for audience = the bot's app id, from the bot's own credentials. */
export type BotCredentials =
  | { secretFromEnv: string }
  | { certificate: { thumbprint: string; privateKeyFromEnv: string } }
  | { managedIdentity: { clientId: string } };

export const CONTEXT_EVENT_NAMES = ['startConversation', 'omnichannelSetContext'] as const;
export type ContextEventName = (typeof CONTEXT_EVENT_NAMES)[number];

export interface BotUser {
  id: string;
  kind: 'bot';
  name: string;
  endpoint: string;
  capacity: number;
  /** The bot's Microsoft App ID. Without it the bot is unauthenticated (only with allowUnauthenticatedBots). */
  appId?: string;
  /** The tenant of a single-tenant bot; tokens come from that tenant's authority. */
  tenantId?: string;
  credentials?: BotCredentials;
  /** The name of the event that carries the context variables at the start of a bot session. */
  contextEventName: ContextEventName;
  /** expectReplies: the bot answers in the HTTP response instead of calling the connector. */
  deliveryMode: 'normal' | 'expectReplies';
  /** After this long without reaching the bot, the chat is escalated with BotFailure=unreachable. */
  unreachableAfterSeconds: number;
}

/**
 * The identity provider bots and Switchboard trust, for sovereign clouds and self-hosted issuers.
 * Absent: the public Azure cloud (Entra ID and the Bot Framework's own issuers).
 */
export interface BotAuthentication {
  /** `iss` of tokens on the channel path (botbuilder's ToBotFromChannelTokenIssuer), exactly, trailing slash included. */
  tokenIssuer: string;
  /** OpenID metadata whose jwks_uri signs bot tokens (ToBotFromChannelOpenIdMetadataUrl). */
  openIdMetadataUrl: string;
  /** The authority Switchboard asks for tokens to call bots (ToChannelFromBotLoginUrl), e.g. https://login.microsoftonline.com/botframework.com. */
  loginUrl: string;
  /** The audience bots put on their tokens to Switchboard (ToChannelFromBotOAuthScope). https://api.botframework.com is always accepted. */
  channelAudience: string;
  /** Authority hosts MSAL may trust without Microsoft's instance discovery (a self-hosted issuer). */
  knownAuthorities: string[];
}

export interface AgentUser {
  id: string;
  kind: 'agent';
  name: string;
  capacity: number;
  /** Development bearer token for the agent API. */
  token?: string;
  /** The agent's Entra ID object id (oid, a GUID): App Service authentication maps a sign-in with it to this agent. */
  principal?: string;
  /** Presence the agent starts with when it has no stored presence yet. */
  presence: Presence;
  /** Extra powers; the configuration loader fills in none ([]). */
  roles?: Role[];
}

export type User = BotUser | AgentUser;

/** What one chat may hold: past either bound, customers', bots' and agents' messages are refused. */
export interface ChatLimits {
  /** Messages in the transcript, whoever wrote them. */
  maxMessages: number;
  /** UTF-8 bytes of the transcript's texts, attachments and suggested actions. */
  maxBytes: number;
}

/** A rate limit, or false when it is off. */
export type RateLimitSetting = RateLimit | false;

/** Per-client limits of the HTTP edge (see core/rateLimiter.ts); each is kept per process. */
export interface RateLimits {
  /** POST /api/chats per client address. */
  chatStartsPerAddress: RateLimitSetting;
  /** Every customer route (chat start included) per client address. */
  requestsPerAddress: RateLimitSetting;
  /** Customer routes of one conversation, per its customer token. */
  requestsPerToken: RateLimitSetting;
}

export interface Limits {
  chat: ChatLimits;
  rate: RateLimits;
}

/** How long a customer's token works: its lifetime, and reads of the chat once the customer's part of it ended. */
export interface CustomerTokenSettings {
  lifetimeMinutes: number;
  readAfterCloseMinutes: number;
}

/** The kinds of input a pre-chat field asks for; the answer is a context variable of the chat. */
export const PRECHAT_TYPES = ['text', 'email', 'phone', 'number', 'choice'] as const;
export type PrechatType = (typeof PRECHAT_TYPES)[number];

export interface PrechatField {
  /** The context variable the answer sets (declared in the site's workstream, settable by the customer). */
  variable: string;
  label: string;
  type: PrechatType;
  required: boolean;
  /** The answers to choose from, for type choice. */
  options?: string[];
}

/** A site that embeds Web Chat (or any Direct Line client): its chats enter one workstream. */
export interface DirectLineSite {
  name: string;
  workstream: string;
  /** The site's Direct Line secret (tokens/generate, conversations): literal (local development) or from an environment variable. */
  secret?: string;
  secretFromEnv?: string;
  /** Origins whose pages may call Direct Line with this site's tokens (CORS). */
  allowedOrigins: string[];
  /** Shown on the hosted page and as the name of Switchboard's own notices. */
  title: string;
  /** Questions the hosted page asks before the chat starts. */
  prechat: PrechatField[];
  /** Whether the public token route gives anonymous visitors a chat (the hosted page needs it). */
  anonymous: boolean;
}

export interface DirectLineSettings {
  sites: DirectLineSite[];
  /** How long a GET of activities waits for something new before answering an empty set. */
  longPollSeconds: number;
  uploads: DirectLineUploads;
}

/** What a customer may attach to a message (POST /conversations/{id}/upload). */
export interface DirectLineUploads {
  /** Per file, in bytes. */
  maxBytes: number;
  /** Files per message. */
  maxFiles: number;
  /** The media types accepted (lower case, no parameters); the image and PDF types are checked against the bytes. */
  contentTypes: string[];
}

export interface Config {
  workstreams: Workstream[];
  queues: Queue[];
  users: User[];
  /** Bots without an app id may join only when this is true (local development). */
  allowUnauthenticatedBots: boolean;
  botAuthentication?: BotAuthentication;
  limits: Limits;
  customerTokens: CustomerTokenSettings;
  directLine: DirectLineSettings;
  agentWorkspace: AgentWorkspaceSettings;
  insights: InsightsSettings;
  health: HealthSettings;
}

/** The insights page and API (GET /api/insights): what its KPIs count and how long raw events are kept. */
export interface InsightsSettings {
  /** Service-level thresholds in seconds, from Omnichannel's set (core/kpis.ts SERVICE_LEVEL_CHOICES). */
  serviceLevelSeconds: number[];
  /** The context variable whose value at the end of a bot session is its topic (bot insights by topic). */
  topicVariable: string;
  /** How long the raw insight events are kept; the hourly aggregates stay. */
  rawEventRetentionDays: number;
}

/** The thresholds GET /api/health grades its checks against (core/health.ts); past one, a check is degraded. */
export interface HealthSettings {
  /** How long one health report is reused, so frequent probes cost one set of reads. 0: none. */
  cacheSeconds: number;
  /** A routing queue whose first waiting chat has waited this long (the service-level threshold). */
  oldestWaitWarningSeconds: number;
  /** Messages due on one bus queue (ready, locked or retrying; scheduled ones not yet due aside). */
  busBacklogWarning: number;
  /** The oldest due message on one bus queue (the embedded bus only: Service Bus does not report it). */
  busOldestMessageWarningSeconds: number;
  /** Dead-lettered messages on one bus queue. */
  deadLetterWarning: number;
  /** The share of a bot's deliveries that failed within the window, 0 to 1. */
  botFailureRateWarning: number;
  /** Fewer failures than this within the window never degrade a bot, whatever the rate. */
  botFailureMinimum: number;
  /** The window bot deliveries are counted over. */
  botFailureWindowSeconds: number;
}

export interface AgentWorkspaceSettings {
  /** An agent with no workspace tab seen for this long goes Offline (the sweep sets it). */
  offlineAfterSeconds: number;
}
