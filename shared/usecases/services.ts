import type { AgentUser, BotUser, Config, Context, Queue, User, Workstream } from '../core/config';
import { placeChat, type Placement, type PlacementLookups } from '../core/placement';
import { compileRouter, type CompiledRouter, type RoutingDecision } from '../core/rules';
import type { AgentStore } from '../ports/agentStore';
import type { BotAuthenticator } from '../ports/botAuthenticator';
import type { BotClient } from '../ports/botClient';
import type { Clock, IdGenerator } from '../ports/clock';
import type { ConversationStore } from '../ports/conversationStore';
import type { MessageBus } from '../ports/messageBus';
import type { Telemetry } from '../ports/telemetry';
import type { TranscriptStore } from '../ports/transcriptStore';
import type { QueueStatsStore } from '../ports/queueStatsStore';
import type { ClientRateLimiters } from '../core/rateLimiter';
import type { CustomerTokens } from './customerTokens';
import type { DirectLineTokens } from './directLineTokens';
import type { ConversationChanges } from '../ports/conversationChanges';
import type { CustomerSightings } from '../ports/customerSightings';
import type { TypingSignals } from '../ports/typingSignals';
import type { FileStore } from '../ports/fileStore';
import type { EventFeed } from '../ports/eventFeed';
import type { InsightsStore } from '../ports/insightsStore';
import type { FileLinks } from './fileLinks';
import type { BotOutcomes } from '../ports/botOutcomes';

/** Everything a use case may touch: the ports, and the configuration compiled once for fast lookups. */
export interface Ports {
  conversations: ConversationStore;
  agents: AgentStore;
  transcripts: TranscriptStore;
  queueStats: QueueStatsStore;
  bus: MessageBus;
  bots: BotClient;
  botAuthenticator: BotAuthenticator;
  telemetry: Telemetry;
  clock: Clock;
  ids: IdGenerator;
  /** Wakes readers waiting on a conversation (Direct Line's held GET, its streams) when its transcript changes. */
  changes: ConversationChanges;
  /** When each Direct Line customer was last seen: the reconnect window counts from it. */
  sightings: CustomerSightings;
  /** Who is typing (customer to agent, bot or agent to customer): transient, never in the transcript. */
  typing: TypingSignals;
  /** The files customers attach to Direct Line messages. */
  files: FileStore;
  /**
   * The live feeds the agent workspace and the supervisor's view follow (core/feed.ts): per agent and per
   * queue, ordered events from any instance. Appends wake the readers waiting on the scope in this process
   * (`changes`, keyed by scope); the sweep prunes what is older than `settings.feedRetentionInSeconds`.
   */
  feed: EventFeed;
  /**
   * The insights' log of counted events and the hour aggregates folded from it (core/insights.ts); the sweep
   * prunes the log to `settings.insightsRetentionInSeconds`, the aggregates stay.
   */
  insights: InsightsStore;
  /** Each bot delivery's outcome over the health window (health.botFailureWindowSeconds), for GET /api/health. */
  botOutcomes: BotOutcomes;
}

export interface Settings {
  /** The connector base URL bots reply to (their serviceUrl), ending with a slash. */
  connectorBaseUrl: string;
  channelId: string;
  /** How long an HTTP call waits to see its command applied before answering. */
  commandWaitInMs: number;
  /** The bot-deliveries queue's max delivery count: the last attempt gives up on the bot instead of dead-lettering. */
  botDeliveryMaxAttempts: number;
  /**
   * How agents prove who they are: development tokens from the configuration, and/or the App Service
   * principal, whose tenant must be `tenantId` (no tenant: no principal signs in).
   */
  agentAuthentication: AgentAuthentication;
  /** Whether the client's address is the last X-Forwarded-For entry (behind App Service's front end or a proxy) instead of the socket's peer. */
  trustForwardedFor: boolean;
  /**
   * Where Direct Line streams are served (`ws://host/api/directline`), on a host that serves them (the
   * local one); absent on Azure Functions, which cannot accept a WebSocket: clients poll there.
   */
  directLineStreamBaseUrl?: string;
  /**
   * How long the feeds keep events (DEFAULT_FEED_RETENTION_IN_SECONDS, 48 h): the sweep prunes older ones.
   * SQLite only in effect: in Cosmos DB the `feeds` container's defaultTtl (infra/) deletes them, and prune does nothing.
   */
  feedRetentionInSeconds: number;
  /**
   * How long the insights' log keeps its raw events (config `insights.rawEventRetentionDays`): the sweep prunes
   * older ones. SQLite only in effect: in Cosmos DB the `insightEvents` container's defaultTtl (infra/) deletes them.
   */
  insightsRetentionInSeconds: number;
}

/** The insights log's retention the configuration asks for (`insights.rawEventRetentionDays`). */
export function insightsRetentionInSeconds(config: Config): number {
  return config.insights.rawEventRetentionDays * 86_400;
}

export interface AgentAuthentication {
  tokens: boolean;
  appServicePrincipal: boolean;
  tenantId?: string;
}

export interface Services extends Ports {
  config: Config;
  directory: Directory;
  settings: Settings;
  customerTokens: CustomerTokens;
  directLineTokens: DirectLineTokens;
  /** Signs and checks the links to uploaded files. */
  fileLinks: FileLinks;
  /** Each Direct Line site's secret, by site name, as the host read it (a literal or an environment variable); a site without one has no entry. */
  siteSecrets: ReadonlyMap<string, string>;
  /** The per-client rate limits' state, in this process's memory. */
  rateLimiters: ClientRateLimiters;
}

/** Lookups over the configuration, built once at start-up. */
export class Directory {
  private readonly workstreams = new Map<string, { workstream: Workstream; router: CompiledRouter }>();
  private readonly queues = new Map<string, Queue>();
  private readonly users = new Map<string, User>();
  private readonly agentsByToken = new Map<string, AgentUser>();
  private readonly botsByAppId = new Map<string, BotUser>();
  private readonly agentsByPrincipal = new Map<string, AgentUser>();
  private readonly queuesByMember = new Map<string, Queue[]>();

  constructor(readonly config: Config) {
    for (const workstream of config.workstreams) this.workstreams.set(workstream.name, { workstream, router: compileRouter(workstream) });
    for (const queue of config.queues) {
      this.queues.set(queue.name, queue);
      for (const member of queue.members) this.queuesByMember.set(member, [...(this.queuesByMember.get(member) ?? []), queue]);
    }
    for (const user of config.users) {
      this.users.set(user.id, user);
      if (user.kind === 'agent' && user.token) this.agentsByToken.set(user.token, user);
      if (user.kind === 'agent' && user.principal) this.agentsByPrincipal.set(user.principal.toLowerCase(), user);
      if (user.kind === 'bot' && user.appId) this.botsByAppId.set(user.appId, user);
    }
  }

  get defaultWorkstream(): Workstream {
    const first = this.config.workstreams[0];
    if (!first) throw new Error('the configuration has no workstream');
    return first;
  }

  workstream(name: string): Workstream | undefined {
    return this.workstreams.get(name)?.workstream;
  }

  router(workstream: string): CompiledRouter {
    const entry = this.workstreams.get(workstream);
    if (!entry) throw new Error(`unknown workstream "${workstream}"`);
    return entry.router;
  }

  queue(name: string): Queue | undefined {
    return this.queues.get(name);
  }

  /** Queue members as placement sees them. */
  readonly membership: PlacementLookups = { queue: (name) => this.queues.get(name), isBot: (id) => this.bot(id) !== undefined };

  /** Where a chat of `workstream` that these bots escalated can wait, given what the rules (or an agent) chose. */
  place(workstream: Workstream, decision: RoutingDecision, excludedBots: readonly string[]): Placement {
    return placeChat(decision, excludedBots, workstream.fallbackQueue, this.membership);
  }

  /** The rules' choice for this context, placed. */
  route(workstream: Workstream, context: Context, excludedBots: readonly string[]): Placement {
    return this.place(workstream, this.router(workstream.name).route(context), excludedBots);
  }

  user(id: string): User | undefined {
    return this.users.get(id);
  }

  bot(id: string): BotUser | undefined {
    const user = this.users.get(id);
    return user?.kind === 'bot' ? user : undefined;
  }

  botByAppId(appId: string): BotUser | undefined {
    return this.botsByAppId.get(appId);
  }

  agent(id: string): AgentUser | undefined {
    const user = this.users.get(id);
    return user?.kind === 'agent' ? user : undefined;
  }

  agentByToken(token: string): AgentUser | undefined {
    return this.agentsByToken.get(token);
  }

  /** The agent whose Entra ID object id (a GUID, any case) this is; never by a name, which its owner can change. */
  agentByPrincipal(objectId: string): AgentUser | undefined {
    return this.agentsByPrincipal.get(objectId.toLowerCase());
  }

  /** Whether this user is an agent with the supervisor role. */
  isSupervisor(id: string): boolean {
    return this.agent(id)?.roles?.includes('supervisor') ?? false;
  }

  /** Queues a user is a member of, highest priority first. */
  queuesOf(userId: string): Queue[] {
    return this.queuesByMember.get(userId) ?? [];
  }

  agents(): AgentUser[] {
    return this.config.users.filter((u): u is AgentUser => u.kind === 'agent');
  }
}
