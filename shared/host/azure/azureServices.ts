import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { ManagedIdentityCredential } from '@azure/identity';
import { createTelemetry } from '../../adapters/appinsights/appInsightsTelemetry';
import { BotFrameworkAuthenticator } from '../../adapters/botframework/botFrameworkAuthenticator';
import { BotTokenProvider } from '../../adapters/botframework/botTokenProvider';
import { HttpBotClient } from '../../adapters/botframework/httpBotClient';
import { CosmosAgentStore } from '../../adapters/cosmos/cosmosAgentStore';
import { CosmosConversationStore } from '../../adapters/cosmos/cosmosConversationStore';
import { CosmosTranscriptStore } from '../../adapters/cosmos/cosmosTranscriptStore';
import { CosmosQueueStatsStore } from '../../adapters/cosmos/cosmosQueueStatsStore';
import { CosmosTypingSignals } from '../../adapters/cosmos/cosmosTypingSignals';
import { CosmosEventFeed } from '../../adapters/cosmos/cosmosEventFeed';
import { CosmosInsightsStore } from '../../adapters/cosmos/cosmosInsightsStore';
import { DEFAULT_INSIGHT_EVENT_TTL_IN_SECONDS } from '../../adapters/cosmos/cosmosContainers';
import { DEFAULT_FEED_RETENTION_IN_SECONDS } from '../../ports/eventFeed';
import { createCosmosClient } from '../../adapters/cosmos/createCosmosClient';
import { createServiceBusAdministrationClient, createServiceBusClient } from '../../adapters/servicebus/createServiceBusClient';
import { ServiceBusMessageBus } from '../../adapters/servicebus/serviceBusMessageBus';
import { loadConfigOrThrow, PROJECT_ROOT } from '../../config/loadConfig';
import { routingWarnings } from '../../config/routingWarnings';
import { systemClock } from '../../ports/clock';
import { clientRateLimiters } from '../../core/rateLimiter';
import { CustomerTokens } from '../../usecases/customerTokens';
import { DirectLineTokens } from '../../usecases/directLineTokens';
import { InProcessChanges } from '../../adapters/inProcessChanges';
import { InProcessBotOutcomes } from '../../adapters/inProcessBotOutcomes';
import { ThrottledSightings } from '../../adapters/throttledSightings';
import { CosmosCustomerSightings } from '../../adapters/cosmos/cosmosCustomerSightings';
import { siteSecretsFrom } from '../siteSecrets';
import { Directory, insightsRetentionInSeconds, type Services } from '../../usecases/services';
import { BlobFileStore } from '../../adapters/blob/blobFileStore';
import { createBlobContainerClient } from '../../adapters/blob/createBlobContainerClient';
import { noFileStore, type FileStore } from '../../ports/fileStore';
import { FileLinks } from '../../usecases/fileLinks';
import { readAzureSettings, SETTINGS, SettingsError, type AzureSettings } from './azureSettings';

/**
 * The Azure composition root: validates the app settings and the configuration at cold start
 * (failing with every problem named), then builds every client once: Cosmos DB and Service Bus
 * with the Function App's managed identity, Application Insights, and the bot channel's auth.
 */
export function createAzureServices(env: NodeJS.ProcessEnv = process.env): Services {
  const result = readAzureSettings(env);
  if (!result.ok) throw new SettingsError(result.problems);
  return buildServices(result.settings, env);
}

export function buildServices(settings: AzureSettings, env: NodeJS.ProcessEnv): Services {
  const config = loadConfigOrThrow(isAbsolute(settings.configPath) ? settings.configPath : resolve(PROJECT_ROOT, settings.configPath));
  for (const warning of routingWarnings(config)) console.warn(`warning: ${warning}`);
  if (insightsRetentionInSeconds(config) !== DEFAULT_INSIGHT_EVENT_TTL_IN_SECONDS) {
    // infra/ gives the insightEvents container the default's TTL; the configuration cannot change it from here.
    console.warn(`warning: insights.rawEventRetentionDays is ${config.insights.rawEventRetentionDays}, but in Azure the insightEvents container's defaultTtl (infra/modules/cosmos.bicep, ${DEFAULT_INSIGHT_EVENT_TTL_IN_SECONDS / 86_400} days) decides how long raw insight events are kept`);
  }
  const cosmos = createCosmosClient({ endpoint: settings.cosmos.endpoint, key: settings.cosmos.key, managedIdentityClientId: settings.managedIdentityClientId });
  const database = cosmos.database(settings.cosmos.database);
  const serviceBusConnection = 'connectionString' in settings.serviceBus ? settings.serviceBus : { ...settings.serviceBus, managedIdentityClientId: settings.managedIdentityClientId };
  const serviceBus = createServiceBusClient(serviceBusConnection);
  const tokens = new BotTokenProvider(config, env);
  // Another instance may run the command that answers a held Direct Line GET: read again every second.
  const changes = new InProcessChanges(1000);
  const sites = siteSecretsFrom(config, env, 'azure');
  for (const warning of sites.warnings) console.warn(`warning: ${warning}`);
  return {
    config,
    directory: new Directory(config),
    conversations: new CosmosConversationStore(database, { closedConversationTtlInSeconds: settings.cosmos.closedConversationTtlInSeconds }),
    agents: new CosmosAgentStore(database),
    transcripts: changes.watch(new CosmosTranscriptStore(database)),
    changes,
    sightings: new ThrottledSightings(new CosmosCustomerSightings(database)),
    typing: changes.watchTyping(new CosmosTypingSignals(database)),
    queueStats: new CosmosQueueStatsStore(database),
    files: filesOf(settings),
    feed: changes.watchFeed(new CosmosEventFeed(database)),
    insights: new CosmosInsightsStore(database),
    bus: new ServiceBusMessageBus(serviceBus, createServiceBusAdministrationClient(serviceBusConnection)),
    // This instance's deliveries only: the bot failure alert (infra/alerts/) counts every instance's.
    botOutcomes: new InProcessBotOutcomes(config.health.botFailureWindowSeconds * 1000),
    bots: new HttpBotClient({ getToken: (bot) => tokens.getToken(bot) }),
    botAuthenticator: new BotFrameworkAuthenticator(config),
    telemetry: createTelemetry(settings.appInsightsConnectionString, {
      credential: settings.managedIdentityClientId ? new ManagedIdentityCredential({ clientId: settings.managedIdentityClientId }) : undefined,
    }),
    clock: systemClock,
    ids: { newId: () => randomUUID() },
    settings: {
      connectorBaseUrl: `${settings.publicUrl}/api/connector/`,
      channelId: 'switchboard',
      commandWaitInMs: 5000,
      botDeliveryMaxAttempts: settings.maxDeliveryCount,
      agentAuthentication: { tokens: settings.allowAgentTokens, appServicePrincipal: settings.appServiceAuthentication, tenantId: settings.agentTenantId },
      // App Service's front end appends the client's address to X-Forwarded-For; no request reaches the app around it.
      trustForwardedFor: true,
      // What infra/ gives the feeds container as defaultTtl: Cosmos DB expires events, the sweep's prune does nothing.
      feedRetentionInSeconds: DEFAULT_FEED_RETENTION_IN_SECONDS,
      // In effect only where the log is pruned (SQLite): here the insightEvents container's defaultTtl (infra/) expires it.
      insightsRetentionInSeconds: insightsRetentionInSeconds(config),
    },
    customerTokens: new CustomerTokens(settings.tokenSecret, config.customerTokens.lifetimeMinutes),
    directLineTokens: new DirectLineTokens(settings.tokenSecret),
    fileLinks: new FileLinks(settings.tokenSecret),
    siteSecrets: sites.secrets,
    rateLimiters: clientRateLimiters(config.limits.rate),
  };
}

/** The uploads' container, with the managed identity; without one uploads fail, and the log says so once at start. */
export function filesOf(settings: AzureSettings): FileStore {
  if (!settings.filesContainerUrl) {
    console.warn(`warning: ${SETTINGS.filesContainerUrl} is not set: Direct Line uploads are refused (infra/ sets it to the storage account's files container)`);
    return noFileStore(`${SETTINGS.filesContainerUrl} is not set`);
  }
  return new BlobFileStore(createBlobContainerClient({ containerUrl: settings.filesContainerUrl, managedIdentityClientId: settings.managedIdentityClientId }));
}
