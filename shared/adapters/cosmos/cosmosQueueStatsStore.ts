import type { Container, Database, Resource } from '@azure/cosmos';
import type { QueueStats } from '../../core/queueStats';
import type { QueueStatsStore } from '../../ports/queueStatsStore';
import type { Versioned } from '../../ports/storeErrors';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { fromCosmosId, mapStoreErrors, stripDocument, toCosmosId, written } from './cosmosDocuments';

type QueueStatsDocument = Omit<QueueStats, 'queue'> & { id: string };

/**
 * Queue statistics in Cosmos DB: container `queues`, partition key `/id` (the queue name), one item
 * of a few hundred bytes per queue. A point read (~1 RU) per queue per wait tick; a replace with
 * If-Match (~6 RU) per chat answered from the queue.
 */
export class CosmosQueueStatsStore implements QueueStatsStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(COSMOS_CONTAINERS.queues.id);
  }

  async get(queue: string): Promise<Versioned<QueueStats> | undefined> {
    const key = toCosmosId(queue);
    const { resource } = await this.container.item(key, key).read<QueueStatsDocument & Resource>();
    return resource && toVersioned(resource);
  }

  async create(stats: QueueStats): Promise<Versioned<QueueStats>> {
    const { resource } = await mapStoreErrors(
      () => this.container.items.create<QueueStatsDocument>(toDocument(stats)),
      () => `Statistics of queue '${stats.queue}' already exist.`,
    );
    return toVersioned(written(resource, stats.queue));
  }

  async replace(stats: QueueStats, options: { ifMatch: string }): Promise<Versioned<QueueStats>> {
    const key = toCosmosId(stats.queue);
    const { resource } = await mapStoreErrors(
      () => this.container.item(key, key).replace<QueueStatsDocument>(toDocument(stats), { accessCondition: { type: 'IfMatch', condition: options.ifMatch } }),
      (code) => (code === 'NotFound' ? `Statistics of queue '${stats.queue}' do not exist.` : `Statistics of queue '${stats.queue}' changed since ETag ${options.ifMatch} was read.`),
    );
    return toVersioned(written(resource, stats.queue));
  }
}

function toDocument(stats: QueueStats): QueueStatsDocument {
  const { queue, ...rest } = stats;
  return { ...rest, id: toCosmosId(queue) };
}

function toVersioned(doc: QueueStatsDocument & Resource): Versioned<QueueStats> {
  const { id, ...rest } = stripDocument(doc) as QueueStatsDocument;
  return { value: { queue: fromCosmosId(id), ...rest }, etag: doc._etag };
}
