import type { Container, Database, Resource } from '@azure/cosmos';
import type { HourAggregate } from '../../core/insights';
import type { InsightsCursor, InsightsStore } from '../../ports/insightsStore';
import type { Versioned } from '../../ports/storeErrors';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { stripDocument, succeeds } from './cosmosDocuments';
import { CosmosEventFeed } from './cosmosEventFeed';

type HourDocument = HourAggregate & { id: `hour:${string}`; kind: 'hour' };
type CursorDocument = InsightsCursor & { id: 'cursor'; kind: 'cursor' };

/** What a conditional write may meet: the item exists (409), it changed (412), or it is not there to replace (404). */
const LOST_RACE = [404, 409, 412];

/**
 * The insights in Cosmos DB. The log is a CosmosEventFeed on container `insightEvents` (partition `/scope`,
 * one per workstream and hour), whose defaultTtl is the raw-event retention: prune does nothing, as for the
 * live feeds. The aggregates and cursors are in container `insights`, partition key `/workstream`: a
 * workstream's hours (`hour:<ISO hour>`) and its cursor (`cursor`) share one partition, so a month is one
 * single-partition query; they never expire (they are the history). Only workstream, kind and hour are
 * indexed (cosmosContainers.ts), so a save costs by the document's size, not by its counters' number.
 * A workstream's partition grows by 24 documents of a few KB a day: years before the 20 GB a logical
 * partition may hold.
 *
 * Expected request units (RU), for hour documents of a few KB (estimates from Cosmos DB's cost model; the
 * test server charges nothing, so the tests count round trips instead):
 *   log append, read      as cosmosEventFeed.ts (its data not indexed: an append a little under the feeds')
 *   hours                 one single-partition query      ~3 RU + a fraction of an RU per KB returned (a month,
 *                                                          720 hours of a few KB: in the low hundreds of RU)
 *   saveHour, saveCursor  create / replace with If-Match  ~6-10 RU; ~1-2 RU when it loses (409, 412)
 *   cursor                point read                      ~1 RU
 *   prune                 nothing                         0 (TTL deletes with spare RU)
 */
export class CosmosInsightsStore extends CosmosEventFeed implements InsightsStore {
  private readonly aggregates: Container;

  constructor(database: Database) {
    super(database, 'insightEvents');
    this.aggregates = database.container(COSMOS_CONTAINERS.insights.id);
  }

  async hours(workstream: string, fromHour: string, toHour: string): Promise<Versioned<HourAggregate>[]> {
    const query = {
      query: "SELECT * FROM c WHERE c.workstream = @w AND c.kind = 'hour' AND c.hour >= @from AND c.hour < @to ORDER BY c.hour",
      parameters: [
        { name: '@w', value: workstream },
        { name: '@from', value: fromHour },
        { name: '@to', value: toHour },
      ],
    };
    // maxItemCount -1: pages as large as the service allows, so a month comes back in one round trip.
    const { resources } = await this.aggregates.items.query<HourDocument & Resource>(query, { partitionKey: workstream, maxItemCount: -1 }).fetchAll();
    return resources.map((doc) => ({ etag: doc._etag, value: stripDocument(doc, ['id', 'kind']) as unknown as HourAggregate }));
  }

  saveHour(hour: HourAggregate, etag: string | undefined): Promise<boolean> {
    return this.save({ ...hour, id: `hour:${hour.hour}`, kind: 'hour' }, etag);
  }

  async cursor(workstream: string): Promise<Versioned<InsightsCursor> | undefined> {
    const { resource } = await this.aggregates.item('cursor', workstream).read<CursorDocument & Resource>();
    return resource && { etag: resource._etag, value: stripDocument(resource, ['id', 'kind']) as unknown as InsightsCursor };
  }

  saveCursor(cursor: InsightsCursor, etag: string | undefined): Promise<boolean> {
    return this.save({ ...cursor, id: 'cursor', kind: 'cursor' }, etag);
  }

  /** Creates the document (etag undefined) or replaces it if its ETag is still `etag`; false when another write came first. */
  private save(doc: HourDocument | CursorDocument, etag: string | undefined): Promise<boolean> {
    if (etag === undefined) return succeeds(() => this.aggregates.items.create(doc), LOST_RACE);
    return succeeds(() => this.aggregates.item(doc.id, doc.workstream).replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } }), LOST_RACE);
  }
}
