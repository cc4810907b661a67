import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import type { Config } from '../../core/config';
import { SqliteAgentStore } from '../../adapters/embedded/sqliteAgentStore';
import { SqliteConversationStore } from '../../adapters/embedded/sqliteConversationStore';
import { openDatabase } from '../../adapters/embedded/sqliteDatabase';
import { SqliteMessageBus } from '../../adapters/embedded/sqliteMessageBus';
import { SqliteTranscriptStore } from '../../adapters/embedded/sqliteTranscriptStore';
import { SqliteCustomerSightings } from '../../adapters/embedded/sqliteCustomerSightings';
import { CosmosCustomerSightings } from '../../adapters/cosmos/cosmosCustomerSightings';
import { SqliteQueueStatsStore } from '../../adapters/embedded/sqliteQueueStatsStore';
import { SqliteFileStore } from '../../adapters/embedded/sqliteFileStore';
import { SqliteInsightsStore } from '../../adapters/embedded/sqliteInsightsStore';
import { SqliteEventFeed } from '../../adapters/embedded/sqliteEventFeed';
import { DEFAULT_FEED_RETENTION_IN_SECONDS } from '../../ports/eventFeed';
import { FileLinks } from '../../usecases/fileLinks';
import { WalCheckpointer } from '../../adapters/embedded/walCheckpointer';
import { flushTelemetry } from '../../adapters/appinsights/appInsightsTelemetry';
import { BotFrameworkAuthenticator } from '../../adapters/botframework/botFrameworkAuthenticator';
import { BotTokenProvider } from '../../adapters/botframework/botTokenProvider';
import { HttpBotClient } from '../../adapters/botframework/httpBotClient';
import { systemClock, type Clock } from '../../ports/clock';
import type { AzureSettings } from '../azure/azureSettings';
import type { QueueFunction } from '../registry';
import type { BotClient } from '../../ports/botClient';
import type { FileStore } from '../../ports/fileStore';
import { nullTelemetry, type Telemetry } from '../../ports/telemetry';
import { clientRateLimiters } from '../../core/rateLimiter';
import { CustomerTokens } from '../../usecases/customerTokens';
import { DirectLineTokens } from '../../usecases/directLineTokens';
import { InProcessChanges } from '../../adapters/inProcessChanges';
import { InProcessBotOutcomes } from '../../adapters/inProcessBotOutcomes';
import { ThrottledSightings } from '../../adapters/throttledSightings';
import { InMemoryTypingSignals } from '../../adapters/inMemoryTypingSignals';
import type { TypingSignals } from '../../ports/typingSignals';
import { siteSecretsFrom } from '../siteSecrets';
import { Directory, insightsRetentionInSeconds, type AgentAuthentication, type Services } from '../../usecases/services';
import { trackDeadLetter } from '../deadLetterReport';
import { installServices } from '../runtime';
import { loadFunctions } from './functionsLoader';
import { Admission, DEFAULT_ADMISSION, type AdmissionOptions } from './admission';
import { isLoopback, type OperatorAccess } from './exposure';
import { createFunctionsHttpServer } from './httpServer';
import { directLineStreams, type DirectLineStreams } from './directLineStreams';
import { watchHealth } from './healthWarnings';

export interface LocalHostOptions {
  config: Config;
  /** Directory for switchboard.db and the token secret, or ':memory:' for tests. */
  dataDir: string;
  port: number;
  hostname?: string;
  /**
   * The base URL bots reply to (SWITCHBOARD_PUBLIC_URL, no trailing slash): their serviceUrl is `<it>/api/connector/`.
   * By default this host's own address, which only a bot on the same machine can reach.
   */
  publicUrl?: string;
  clock?: Clock;
  telemetry?: Telemetry;
  bots?: BotClient;
  /** Where uploads are kept; by default the host's own database. */
  files?: FileStore;
  /**
   * How long the live feeds keep events before the sweep prunes them (SWITCHBOARD_FEED_RETENTION_HOURS; 48 h by
   * default). Against Cosmos DB (startCloudHost) the feeds container's defaultTtl decides instead.
   */
  feedRetentionInSeconds?: number;
  commandWaitInMs?: number;
  /** How often the sweep runs; 0 turns the timer off (tests call it directly). */
  sweepPeriodInMs?: number;
  maxConcurrentSessions?: number;
  maxDeliveryCount?: number;
  /** Load shedding limits of the HTTP edge. */
  admission?: AdmissionOptions;
  /**
   * The principal is off by default: outside App Service nothing strips a forged principal header.
   * Development tokens are on by default on loopback only.
   */
  agentAuthentication?: AgentAuthentication;
  /** The key the operator routes (authLevel function) demand, as `x-functions-key` or `?code=`. */
  operatorKey?: string;
  /** Without an operator key, refuse the operator routes (403) instead of serving them open. By default: beyond loopback. */
  operatorRoutesLocked?: boolean;
  /**
   * Off by default: a client can write any X-Forwarded-For. On (SWITCHBOARD_TRUST_FORWARDED_FOR=true) only
   * behind a reverse proxy that appends the client's address: the rate limits then count its last entry.
   */
  trustForwardedFor?: boolean;
  /** How often the console is told of health checks crossing their thresholds (healthWarnings.ts); 0 turns it off. Default 10 s. */
  healthWatchPeriodInMs?: number;
  /** Where those lines go; console.warn by default. */
  writeHealthLine?: (line: string) => void;
}

export interface LocalHost {
  baseUrl: string;
  services: Services;
  /** The Direct Line WebSocket streams this host serves (streamUrl). */
  directLineStreams: Pick<DirectLineStreams, 'open' | 'disconnectAll'>;
  bus: SqliteMessageBus;
  close(): Promise<void>;
}

/**
 * The local composition root (`npm start`): the same functions as the Function App, served on one
 * port, with SQLite standing in for Cosmos DB and Service Bus so data survives a restart.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const memory = options.dataDir === ':memory:';
  // Only its owner may read a new data directory: it holds every transcript and the token secret.
  if (!memory) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = memory ? ':memory:' : join(options.dataDir, 'switchboard.db');
  const db = openDatabase(file);
  const checkpointer = memory ? undefined : new WalCheckpointer(db, file);
  const clock = options.clock ?? systemClock;
  const maxDeliveryCount = options.maxDeliveryCount ?? 10;
  const telemetry = options.telemetry ?? nullTelemetry;
  // A message whose receiver died on its last delivery is dead-lettered with no handler to report it.
  const bus = new SqliteMessageBus(db, { clock, onLockExpiredDeadLetter: (queue, deadLetter) => trackDeadLetter(telemetry, queue, deadLetter) });
  const host = await serveFunctions({
    ...options,
    telemetry,
    maxDeliveryCount,
    backend: {
      conversations: new SqliteConversationStore(db),
      agents: new SqliteAgentStore(db),
      transcripts: new SqliteTranscriptStore(db),
      sightings: new SqliteCustomerSightings(db),
      queueStats: new SqliteQueueStatsStore(db),
      typing: new InMemoryTypingSignals(),
      files: options.files ?? new SqliteFileStore(db),
      feed: new SqliteEventFeed(db),
      insights: new SqliteInsightsStore(db),
      bus,
      clock,
      tokenSecret: process.env.SWITCHBOARD_TOKEN_SECRET ?? localTokenSecret(memory ? undefined : options.dataDir),
      startTriggers: (queues) => queues.map((fn) => bus.process(fn.queueName, fn.handler, {
        maxConcurrentSessions: options.maxConcurrentSessions ?? 16,
        maxDeliveryCount,
        lockDurationInMs: 30_000,
        retryDelayInMs: (deliveryCount) => Math.min(100 * 2 ** (deliveryCount - 1), 10_000),
      })),
      close: async () => {
        await bus.close();
        await checkpointer?.close();
        db.close();
      },
    },
  });
  return { ...host, bus };
}

export interface CloudHostOptions extends Omit<LocalHostOptions, 'dataDir' | 'clock'> {
  /** The Azure settings: Cosmos DB and Service Bus (real ones, or their local peers in tests). Bots reply to `publicUrl`, not `azure.publicUrl`. */
  azure: AzureSettings;
  /** How long an idle trigger waits for a session before asking again. */
  sessionWaitInMs?: number;
}

/**
 * `npm start` against real Azure resources (a developer with a subscription): the Azure adapters,
 * with this process doing what the Functions host's triggers do. The embedded adapters stay the default.
 */
export async function startCloudHost(options: CloudHostOptions): Promise<Omit<LocalHost, 'bus'>> {
  const { azure } = options;
  // Loaded on demand: the embedded run never pays for the Azure SDKs.
  const { filesOf } = await import('../azure/azureServices');
  const [{ CosmosAgentStore }, { CosmosConversationStore }, { CosmosTranscriptStore }, { CosmosQueueStatsStore }, { CosmosTypingSignals }, { CosmosEventFeed }, { CosmosInsightsStore }, { createCosmosClient }, { createServiceBusClient, createServiceBusAdministrationClient }, { ServiceBusMessageBus }, { ServiceBusTrigger }] = await Promise.all([
    import('../../adapters/cosmos/cosmosAgentStore'),
    import('../../adapters/cosmos/cosmosConversationStore'),
    import('../../adapters/cosmos/cosmosTranscriptStore'),
    import('../../adapters/cosmos/cosmosQueueStatsStore'),
    import('../../adapters/cosmos/cosmosTypingSignals'),
    import('../../adapters/cosmos/cosmosEventFeed'),
    import('../../adapters/cosmos/cosmosInsightsStore'),
    import('../../adapters/cosmos/createCosmosClient'),
    import('../../adapters/servicebus/createServiceBusClient'),
    import('../../adapters/servicebus/serviceBusMessageBus'),
    import('./serviceBusTriggerHost'),
  ]);
  const cosmos = createCosmosClient({ endpoint: azure.cosmos.endpoint, key: azure.cosmos.key, managedIdentityClientId: azure.managedIdentityClientId });
  const database = cosmos.database(azure.cosmos.database);
  const connection = 'connectionString' in azure.serviceBus ? azure.serviceBus : { ...azure.serviceBus, managedIdentityClientId: azure.managedIdentityClientId };
  const sender = createServiceBusClient(connection);
  // An idle acceptNextSession waits out the operation timeout and an abort does not cut it short:
  // a short one keeps shutdown quick.
  const receiver = createServiceBusClient(connection, { retryOptions: { timeoutInMs: options.sessionWaitInMs ?? 2_000 } });
  const bus = new ServiceBusMessageBus(sender, createServiceBusAdministrationClient(connection));
  return serveFunctions({
    ...options,
    maxDeliveryCount: azure.maxDeliveryCount,
    backend: {
      conversations: new CosmosConversationStore(database, { closedConversationTtlInSeconds: azure.cosmos.closedConversationTtlInSeconds }),
      agents: new CosmosAgentStore(database),
      transcripts: new CosmosTranscriptStore(database),
      sightings: new CosmosCustomerSightings(database),
      queueStats: new CosmosQueueStatsStore(database),
      typing: new CosmosTypingSignals(database),
      files: options.files ?? filesOf(azure),
      feed: new CosmosEventFeed(database),
      insights: new CosmosInsightsStore(database),
      bus,
      clock: systemClock,
      tokenSecret: azure.tokenSecret,
      startTriggers: (queues) => queues.map((fn) => new ServiceBusTrigger(receiver, fn.queueName, fn.handler, options.maxConcurrentSessions ?? 8)),
      close: async () => {
        await bus.close();
        await Promise.all([sender.close(), receiver.close()]);
      },
    },
  });
}

interface Backend {
  conversations: Services['conversations'];
  agents: Services['agents'];
  transcripts: Services['transcripts'];
  sightings: Services['sightings'];
  queueStats: Services['queueStats'];
  typing: TypingSignals;
  files: Services['files'];
  feed: Services['feed'];
  insights: Services['insights'];
  bus: Services['bus'];
  clock: Clock;
  tokenSecret: string;
  startTriggers(queues: readonly QueueFunction[]): { close(): Promise<void> }[];
  close(): Promise<void>;
}

/** Serves the registered functions over one backend: HTTP routes, queue triggers and timers. */
async function serveFunctions(options: Omit<LocalHostOptions, 'dataDir' | 'clock'> & { maxDeliveryCount: number; backend: Backend }): Promise<Omit<LocalHost, 'bus'>> {
  const registered = loadFunctions();
  const { backend } = options;
  const hostname = options.hostname ?? '127.0.0.1';
  let baseUrl = '';
  const tokens = new BotTokenProvider(options.config, process.env);
  // This process runs every command, so it sees every append: a held Direct Line GET wakes at once.
  const changes = new InProcessChanges();
  const sites = siteSecretsFrom(options.config, process.env, 'local');
  for (const warning of sites.warnings) console.warn(`warning: ${warning}`);
  const botClient = new HttpBotClient({ getToken: (bot) => tokens.getToken(bot) });
  const services: Services = {
    config: options.config,
    directory: new Directory(options.config),
    conversations: backend.conversations,
    agents: backend.agents,
    transcripts: changes.watch(backend.transcripts),
    queueStats: backend.queueStats,
    files: backend.files,
    bus: backend.bus,
    changes,
    sightings: new ThrottledSightings(backend.sightings),
    typing: changes.watchTyping(backend.typing),
    feed: changes.watchFeed(backend.feed),
    insights: backend.insights,
    botOutcomes: new InProcessBotOutcomes(options.config.health.botFailureWindowSeconds * 1000),
    // Bot endpoints may be relative ("/api/demo-bot/messages"): this host calls them itself, so they resolve
    // against the address it listens on, never the public URL (which may not lead back here from inside).
    bots: options.bots ?? {
      postActivity: (bot, activity) => botClient.postActivity(bot.endpoint.startsWith('/') ? { ...bot, endpoint: baseUrl + bot.endpoint } : bot, activity),
    },
    botAuthenticator: new BotFrameworkAuthenticator(options.config),
    telemetry: options.telemetry ?? nullTelemetry,
    clock: backend.clock,
    ids: { newId: () => randomUUID() },
    settings: {
      connectorBaseUrl: '',
      channelId: 'switchboard',
      commandWaitInMs: options.commandWaitInMs ?? 5000,
      botDeliveryMaxAttempts: options.maxDeliveryCount,
      agentAuthentication: options.agentAuthentication ?? { tokens: isLoopback(hostname), appServicePrincipal: false },
      trustForwardedFor: options.trustForwardedFor ?? false,
      feedRetentionInSeconds: options.feedRetentionInSeconds ?? DEFAULT_FEED_RETENTION_IN_SECONDS,
      insightsRetentionInSeconds: insightsRetentionInSeconds(options.config),
    },
    customerTokens: new CustomerTokens(backend.tokenSecret, options.config.customerTokens.lifetimeMinutes),
    directLineTokens: new DirectLineTokens(backend.tokenSecret),
    fileLinks: new FileLinks(backend.tokenSecret),
    siteSecrets: sites.secrets,
    rateLimiters: clientRateLimiters(options.config.limits.rate),
  };
  installServices(async () => services);

  const admission = new Admission(options.admission ?? DEFAULT_ADMISSION);
  let closed = false;
  const locked = options.operatorRoutesLocked ?? !isLoopback(hostname);
  const operatorAccess: OperatorAccess = options.operatorKey ? { kind: 'key', key: options.operatorKey } : locked ? { kind: 'locked' } : { kind: 'open' };
  const server = createFunctionsHttpServer(registered.http(), () => baseUrl, admission, () => closed, operatorAccess);
  const streams = directLineStreams(services, (conversationId) => changes.notify(conversationId));
  server.on('upgrade', (req, socket, head) => streams.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, hostname, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.hostname === '0.0.0.0' || !options.hostname ? 'localhost' : options.hostname}:${port}`;
  services.settings.connectorBaseUrl = `${options.publicUrl ?? baseUrl}/api/connector/`;
  services.settings.directLineStreamBaseUrl = `${(options.publicUrl ?? baseUrl).replace(/^http/, 'ws')}/api/directline`;

  const triggers = backend.startTriggers(registered.queues());
  const healthPeriod = options.healthWatchPeriodInMs ?? 10_000;
  const healthWatch = healthPeriod > 0 ? watchHealth(services, { periodInMs: healthPeriod, write: options.writeHealthLine ?? ((line) => console.warn(line)) }) : undefined;
  const sweepPeriod = options.sweepPeriodInMs ?? 60_000;
  const timers = sweepPeriod > 0 ? registered.timers().map((fn) => setInterval(() => {
    const context = new InvocationContext({ functionName: fn.name, logHandler: () => undefined });
    fn.handler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, context).catch((error) => console.error(`[local host] timer ${fn.name} failed`, error));
  }, sweepPeriod)) : [];

  return {
    baseUrl,
    services,
    directLineStreams: streams,
    /** From its first moment /api/health answers 503; the routes serve on until the handlers in flight are done. */
    async close() {
      if (closed) return;
      closed = true;
      timers.forEach(clearInterval);
      healthWatch?.stop();
      // Held GETs and streams answer now, while the store is still open.
      changes.close();
      // Streams read the store, which closes below: their clients reconnect (to this host once it is back).
      // Handlers first: a bot delivery in flight needs the HTTP server for the bot's replies.
      await Promise.all([streams.close(), server.streamsEnded(STREAMS_END_GRACE_IN_MS), ...triggers.map((t) => t.close())]);
      await backend.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      admission.close();
      await flushTelemetry(services.telemetry);
    },
  };
}

/** At shutdown, how long the event streams have to end (they end at once; a read in flight finishes first). */
const STREAMS_END_GRACE_IN_MS = 2000;

/** A per-data-directory secret, so customer tokens stay valid across restarts of the same data. */
export function localTokenSecret(dataDir: string | undefined): string {
  if (!dataDir) return randomBytes(32).toString('hex');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
