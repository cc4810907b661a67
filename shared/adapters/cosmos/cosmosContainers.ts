import type { ContainerRequest, Database } from '@azure/cosmos';
import { DEFAULT_FEED_RETENTION_IN_SECONDS } from '../../ports/eventFeed';

/** The database a deployment uses unless COSMOS_DATABASE names another. */
export const DEFAULT_COSMOS_DATABASE = 'switchboard';

/**
 * Every Cosmos DB container Switchboard uses, with its partition key: the one place for these names
 * (infra/ and the tests check against it). Each is chosen for its hot-path access:
 * - conversations `/id`: every command reads and writes one conversation by id (point operations).
 * - waiting `/queue`: the advisory index of Open chats, one small document per waiting chat, so a
 *   dispatch asks one partition "who waits in this queue, oldest first" (see cosmosWaitingIndex.ts).
 * - agents `/id`: one agent's runtime state, read and written with If-Match by id.
 * - transcripts `/conversationId`: the messages of one conversation live in one partition.
 * - queues `/id`: one small statistics record per routing queue (the average wait), point read and
 *   replaced with If-Match by queue name.
 * - feeds `/scope`: the live feed of one agent or one queue (core/feed.ts) lives in one partition, read
 *   from a position by one-partition queries (see cosmosEventFeed.ts).
 * - insightEvents `/scope`: the insights log (core/insights.ts), a feed like those above, one partition per
 *   workstream and hour (`insights:<workstream>:<hour>`), in a container of its own for its own retention.
 * - insights `/workstream`: one workstream's hour aggregates and its cursor, so reading a month of insights
 *   is one single-partition query (see cosmosInsightsStore.ts).
 */
export const COSMOS_CONTAINERS = {
  conversations: { id: 'conversations', partitionKeyPath: '/id' },
  waiting: { id: 'waiting', partitionKeyPath: '/queue' },
  agents: { id: 'agents', partitionKeyPath: '/id' },
  transcripts: { id: 'transcripts', partitionKeyPath: '/conversationId' },
  queues: { id: 'queues', partitionKeyPath: '/id' },
  feeds: { id: 'feeds', partitionKeyPath: '/scope' },
  insightEvents: { id: 'insightEvents', partitionKeyPath: '/scope' },
  insights: { id: 'insights', partitionKeyPath: '/workstream' },
} as const;

/** The default of config `insights.rawEventRetentionDays` (35 days), as the insightEvents container's defaultTtl. */
export const DEFAULT_INSIGHT_EVENT_TTL_IN_SECONDS = 35 * 86_400;

export type CosmosContainerName = keyof typeof COSMOS_CONTAINERS;

export interface EnsureCosmosContainersOptions {
  /**
   * `defaultTtl` of `conversations`. -1, the default, turns TTL on without expiring anything by itself:
   * only items that carry their own `ttl` expire, and the store gives one to Closed conversations. A
   * positive number would also expire chats still open after that long without a write: keep -1.
   */
  defaultTtlInSeconds?: number;
  /**
   * `defaultTtl` of `transcripts`: how long a message is kept after its last write. Undefined or -1
   * keeps messages (TTL on, nothing expires). Make it longer than a chat lives plus the closed-conversation TTL.
   */
  transcriptTtlInSeconds?: number;
  /**
   * `defaultTtl` of `feeds`: the feeds' retention (DEFAULT_FEED_RETENTION_IN_SECONDS, 2 days, by default).
   * Events go that long after their write; a reader from before them is told `truncated`. infra/ declares
   * the same number.
   */
  feedTtlInSeconds?: number;
  /**
   * `defaultTtl` of `insightEvents`: the insights' raw-event retention (config `insights.rawEventRetentionDays`,
   * 35 days by default). The hour aggregates in `insights` never expire: they are the history.
   */
  insightEventTtlInSeconds?: number;
}

/** The container definitions, as infra/ must declare them too. */
export function cosmosContainerRequests(options: EnsureCosmosContainersOptions = {}): Record<CosmosContainerName, ContainerRequest> {
  const conversationTtl = options.defaultTtlInSeconds ?? -1;
  const transcriptTtl = options.transcriptTtlInSeconds ?? -1;
  const define = (name: CosmosContainerName, extra: Partial<ContainerRequest> = {}): ContainerRequest => ({
    id: COSMOS_CONTAINERS[name].id,
    partitionKey: { paths: [COSMOS_CONTAINERS[name].partitionKeyPath] },
    ...extra,
  });
  return {
    conversations: define('conversations', { defaultTtl: conversationTtl }),
    // listWaiting orders by two fields, which Cosmos DB serves only from a composite index.
    // No TTL: an entry leaves with its chat, never by age.
    waiting: define('waiting', {
      indexingPolicy: {
        compositeIndexes: [
          [
            { path: '/enqueuedAt', order: 'ascending' },
            { path: '/id', order: 'ascending' },
          ],
        ],
      },
    }),
    agents: define('agents'),
    transcripts: define('transcripts', { defaultTtl: transcriptTtl }),
    queues: define('queues'),
    feeds: define('feeds', { defaultTtl: options.feedTtlInSeconds ?? DEFAULT_FEED_RETENTION_IN_SECONDS }),
    // The events' data is never queried (reads go by scope, kind, seq and event id): not indexing it makes appends cheaper.
    insightEvents: define('insightEvents', {
      defaultTtl: options.insightEventTtlInSeconds ?? DEFAULT_INSIGHT_EVENT_TTL_IN_SECONDS,
      indexingPolicy: { indexingMode: 'consistent', automatic: true, includedPaths: [{ path: '/*' }], excludedPaths: [{ path: '/data/*' }] },
    }),
    // Only what hours() filters and orders by is indexed: an hour's counters would be hundreds of index terms on every save.
    insights: define('insights', {
      indexingPolicy: {
        indexingMode: 'consistent',
        automatic: true,
        includedPaths: [{ path: '/workstream/?' }, { path: '/kind/?' }, { path: '/hour/?' }],
        excludedPaths: [{ path: '/*' }],
      },
    }),
  };
}

/**
 * Creates the containers that are missing (local use and tests). In Azure, infra/ creates them: a
 * managed identity with a data-plane role cannot create containers, so the Function App never calls this.
 */
export async function ensureCosmosContainers(database: Database, options: EnsureCosmosContainersOptions = {}): Promise<void> {
  for (const request of Object.values(cosmosContainerRequests(options))) {
    await database.containers.createIfNotExists(request);
  }
}
