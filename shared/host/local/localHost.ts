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
import { flushTelemetry } from '../../adapters/appinsights/appInsightsTelemetry';
import { BotFrameworkAuthenticator } from '../../adapters/botframework/botFrameworkAuthenticator';
import { BotTokenProvider } from '../../adapters/botframework/botTokenProvider';
import { HttpBotClient } from '../../adapters/botframework/httpBotClient';
import { systemClock, type Clock } from '../../ports/clock';
import type { BotClient } from '../../ports/botClient';
import { nullTelemetry, type Telemetry } from '../../ports/telemetry';
import { CustomerTokens } from '../../usecases/customerTokens';
import { Directory, type Services } from '../../usecases/services';
import { installServices } from '../runtime';
import { loadFunctions } from './functionsLoader';
import { createFunctionsHttpServer } from './httpServer';

export interface LocalHostOptions {
  config: Config;
  /** Directory for switchboard.db and the token secret, or ':memory:' for tests. */
  dataDir: string;
  port: number;
  hostname?: string;
  clock?: Clock;
  telemetry?: Telemetry;
  bots?: BotClient;
  commandWaitInMs?: number;
  /** How often the sweep runs; 0 turns the timer off (tests call it directly). */
  sweepPeriodInMs?: number;
  maxConcurrentSessions?: number;
  maxDeliveryCount?: number;
  /** Off by default: outside App Service nothing strips a forged principal header. */
  agentAuthentication?: { tokens: boolean; appServicePrincipal: boolean };
}

export interface LocalHost {
  baseUrl: string;
  services: Services;
  bus: SqliteMessageBus;
  close(): Promise<void>;
}

/**
 * The local composition root (`npm start`): the same functions as the Function App, served on one
 * port, with SQLite standing in for Cosmos DB and Service Bus so data survives a restart.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const registered = loadFunctions();
  const memory = options.dataDir === ':memory:';
  if (!memory) mkdirSync(options.dataDir, { recursive: true });
  const db = openDatabase(memory ? ':memory:' : join(options.dataDir, 'switchboard.db'));
  const clock = options.clock ?? systemClock;
  const maxDeliveryCount = options.maxDeliveryCount ?? 10;
  const bus = new SqliteMessageBus(db, { clock });
  let baseUrl = '';
  const tokens = new BotTokenProvider(options.config, process.env);
  const botClient = new HttpBotClient({ getToken: (bot) => tokens.getToken(bot) });
  const services: Services = {
    config: options.config,
    directory: new Directory(options.config),
    conversations: new SqliteConversationStore(db),
    agents: new SqliteAgentStore(db),
    transcripts: new SqliteTranscriptStore(db),
    bus,
    // Bot endpoints may be relative ("/api/demo-bot/messages"): they resolve against this host.
    bots: options.bots ?? {
      postActivity: (bot, activity) => botClient.postActivity(bot.endpoint.startsWith('/') ? { ...bot, endpoint: baseUrl + bot.endpoint } : bot, activity),
    },
    botAuthenticator: new BotFrameworkAuthenticator(options.config),
    telemetry: options.telemetry ?? nullTelemetry,
    clock,
    ids: { newId: () => randomUUID() },
    settings: {
      connectorBaseUrl: '',
      channelId: 'switchboard',
      commandWaitInMs: options.commandWaitInMs ?? 5000,
      botDeliveryMaxAttempts: maxDeliveryCount,
      agentAuthentication: options.agentAuthentication ?? { tokens: true, appServicePrincipal: false },
    },
    customerTokens: new CustomerTokens(process.env.SWITCHBOARD_TOKEN_SECRET ?? tokenSecret(memory ? undefined : options.dataDir)),
  };
  installServices(async () => services);

  const server = createFunctionsHttpServer(registered.http(), () => baseUrl);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.hostname === '0.0.0.0' || !options.hostname ? 'localhost' : options.hostname}:${port}`;
  services.settings.connectorBaseUrl = `${baseUrl}/api/connector/`;

  const processors = registered.queues().map((fn) => bus.process(fn.queueName, fn.handler, {
    maxConcurrentSessions: options.maxConcurrentSessions ?? 16,
    maxDeliveryCount,
    lockDurationInMs: 30_000,
    retryDelayInMs: (deliveryCount) => Math.min(100 * 2 ** (deliveryCount - 1), 10_000),
  }));
  const sweepPeriod = options.sweepPeriodInMs ?? 60_000;
  const timers = sweepPeriod > 0 ? registered.timers().map((fn) => setInterval(() => {
    const context = new InvocationContext({ functionName: fn.name, logHandler: () => undefined });
    fn.handler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, context).catch((error) => console.error(`[local host] timer ${fn.name} failed`, error));
  }, sweepPeriod)) : [];

  let closed = false;
  return {
    baseUrl,
    services,
    bus,
    async close() {
      if (closed) return;
      closed = true;
      timers.forEach(clearInterval);
      // Handlers first: a bot delivery in flight needs the HTTP server for the bot's replies.
      await Promise.all(processors.map((p) => p.close()));
      await bus.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
      await flushTelemetry(services.telemetry);
    },
  };
}

/** A per-data-directory secret, so customer tokens stay valid across restarts of the same data. */
function tokenSecret(dataDir: string | undefined): string {
  if (!dataDir) return randomBytes(32).toString('hex');
  const file = join(dataDir, 'token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
