import type { CosmosClient, Container, Database as CosmosDatabase } from '@azure/cosmos';
import { COSMOS_CONTAINERS, DEFAULT_INSIGHT_EVENT_TTL_IN_SECONDS, ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmosContainers';
import { CosmosInsightsStore } from '../../shared/adapters/cosmos/cosmosInsightsStore';
import { createCosmosClient } from '../../shared/adapters/cosmos/createCosmosClient';
import type { SqliteDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { SqliteEventFeed } from '../../shared/adapters/embedded/sqliteEventFeed';
import { SqliteInsightsStore } from '../../shared/adapters/embedded/sqliteInsightsStore';
import { insightsScope, nextHour } from '../../shared/core/insights';
import type { FeedEvent } from '../../shared/core/feed';
import { loadConfigOrThrow, SAMPLE_CONFIG_PATH } from '../../shared/config/loadConfig';
import { insightsRetentionInSeconds } from '../../shared/usecases/services';
import { startCosmosServer, type CosmosTestServer } from '../fixtures/cosmosServer';
import { sharedSqliteFile } from '../support/sqliteFile';
import { describeInsightsStoreContract, anHour, hourAt, type InsightsHarness } from './insightsStoreContract';

/**
 * The InsightsStore contract against SQLite (two connections to one data file for two instances) and against
 * @azure/cosmos on @vercel/cosmosdb-server (two clients for two instances), then what only each adapter has.
 */
const SCOPE = insightsScope('Sales', hourAt(9));

function insight(id: string, at: string, scope = SCOPE): FeedEvent {
  return { scope, id, type: 'insight', at, data: { name: 'Escalated', properties: { bot: 'faq-bot' }, measurements: {} } };
}

// ---- SQLite

function sqliteStore(): InsightsHarness & { db: SqliteDatabase } {
  const file = sharedSqliteFile('switchboard-insights-');
  const db = file.open();
  const store = new SqliteInsightsStore(db);
  return {
    db,
    store,
    other: async () => new SqliteInsightsStore(file.open()),
    expire: async (before) => void (await store.prune(before)),
    close: async () => file.close(),
  };
}

describeInsightsStoreContract('SQLite on a file', async () => sqliteStore());

describe('SQLite insights', () => {
  it("keeps its log apart from the live feeds: each prunes its own events, and neither sees the other's", async () => {
    const h = sqliteStore();
    const live = new SqliteEventFeed(h.db);
    await h.store.append([insight('old', hourAt(1)), insight('new', hourAt(5))]);
    await live.append([insight('old-live', hourAt(1))]);
    expect(await live.read(SCOPE, { after: 0, limit: 10 })).toMatchObject({ head: 1, events: [{ id: 'old-live' }] });

    expect(await h.store.prune(hourAt(3))).toBe(1);
    expect((await live.read(SCOPE, { after: 0, limit: 10 })).events.map((e) => e.id)).toEqual(['old-live']);
    expect(await live.prune(hourAt(3))).toBe(1);
    expect((await h.store.read(SCOPE, { after: 1, limit: 10 })).events.map((e) => e.id)).toEqual(['new']);
    await h.close();
  });

  it('keeps the aggregates and cursors when the log is pruned', async () => {
    const h = sqliteStore();
    await h.store.append([insight('old', hourAt(1))]);
    await h.store.saveHour(anHour('Sales', hourAt(1)), undefined);
    await h.store.saveCursor({ workstream: 'Sales', sealedThrough: hourAt(1) }, undefined);
    await h.store.prune(hourAt(23));
    expect((await h.store.hours('Sales', hourAt(0), hourAt(24))).map((v) => v.value)).toEqual([anHour('Sales', hourAt(1))]);
    expect((await h.store.cursor('Sales'))?.value).toEqual({ workstream: 'Sales', sealedThrough: hourAt(1) });
    await h.close();
  });
});

// ---- Cosmos DB

let server: CosmosTestServer;
const clients: CosmosClient[] = [];
let databases = 0;

beforeAll(async () => {
  server = await startCosmosServer();
});

afterAll(async () => {
  for (const client of clients) client.dispose();
  await server?.close();
});

function client(): CosmosClient {
  const made = createCosmosClient({ endpoint: server.endpoint, key: server.key });
  clients.push(made);
  return made;
}

async function cosmosStore(options: { insightEventTtlInSeconds?: number } = {}): Promise<InsightsHarness & { database: CosmosDatabase }> {
  const { database } = await client().databases.create({ id: `switchboard-insights-${++databases}` });
  await ensureCosmosContainers(database, options);
  return {
    database,
    store: new CosmosInsightsStore(database),
    other: async () => new CosmosInsightsStore(client().database(database.id)),
    expire: (before) => expireAsTtlWould(database.container(COSMOS_CONTAINERS.insightEvents.id), before),
    close: async () => void (await database.delete()),
  };
}

/** The test server does not enforce TTL: delete what Cosmos DB would have (the events and their claims; never the marks). */
async function expireAsTtlWould(container: Container, before: string): Promise<void> {
  const query = { query: "SELECT c.id, c.scope, c.eventId FROM c WHERE c.kind = 'event' AND c.at < @before", parameters: [{ name: '@before', value: before }] };
  const { resources } = await container.items.query<{ id: string; scope: string; eventId: string }>(query).fetchAll();
  for (const doc of resources) {
    await container.item(doc.id, doc.scope).delete();
    await container.item(`id:${doc.eventId}`, doc.scope).delete();
  }
}

describeInsightsStoreContract('@azure/cosmos on @vercel/cosmosdb-server', cosmosStore);

describe('Cosmos DB insights', () => {
  let h: Awaited<ReturnType<typeof cosmosStore>>;
  beforeEach(async () => {
    h = await cosmosStore();
  });
  afterEach(() => h.close());
  const container = (name: 'insights' | 'insightEvents' | 'feeds') => h.database.container(COSMOS_CONTAINERS[name].id);
  const all = async (name: 'insights' | 'insightEvents' | 'feeds') =>
    (await container(name).items.query<{ id: string; kind: string; workstream?: string; scope?: string; ttl?: number }>('SELECT c.id, c.kind, c.workstream, c.scope, c.ttl FROM c').fetchAll()).resources;

  it('keeps the log in insightEvents, one partition per workstream and hour, and nothing in the live feeds', async () => {
    await h.store.append([insight('e-1', hourAt(9))]);
    expect((await all('insightEvents')).map((d) => [d.scope, d.id]).sort()).toEqual([[SCOPE, 'id:e-1'], [SCOPE, 'mark'], [SCOPE, 'seq:1']]);
    expect(await all('feeds')).toEqual([]);
  });

  it("keeps a workstream's hours (hour:<ISO hour>) and its cursor (cursor) in its own partition of insights, with no TTL of their own", async () => {
    await h.store.saveHour(anHour('Sales', hourAt(9)), undefined);
    await h.store.saveCursor({ workstream: 'Sales', sealedThrough: hourAt(8) }, undefined);
    expect((await all('insights')).map((d) => ({ ...d })).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'cursor', kind: 'cursor', workstream: 'Sales' },
      { id: `hour:${hourAt(9)}`, kind: 'hour', workstream: 'Sales' },
    ]);
    expect((await container('insights').item(`hour:${hourAt(9)}`, 'Sales').read()).resource).toMatchObject({ hour: hourAt(9), sealed: false });
  });

  it('reads a month of hours with one query', async () => {
    const month = Array.from({ length: 720 }, (_, i) => new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString());
    for (const hour of month) await h.store.saveHour(anHour('Sales', hour), undefined);
    const reader = await h.other();
    const before = server.requests.length;
    const hours = await reader.hours('Sales', month[0]!, nextHour(month.at(-1)!));
    expect(hours.map((v) => v.value.hour)).toEqual(month);
    const queries = server.requests.slice(before).filter((r) => r.startsWith('POST') && !r.endsWith('[query plan]'));
    expect(queries).toHaveLength(1);
    // Of one partition: the SDK names it (the cross-partition header it sends alongside does not widen a query that names its partition).
    const calls = server.calls.slice(before).filter((c) => c.query && !c.queryPlan);
    expect(calls.map((c) => c.partitionKey)).toEqual(['["Sales"]']);
  });

  it('prunes nothing itself: insightEvents expires events by its defaultTtl, the raw-event retention; insights has none', async () => {
    await h.store.append([insight('e-1', hourAt(0))]);
    expect(await h.store.prune(hourAt(23))).toBe(0);
    const { resource: events } = await container('insightEvents').read();
    expect(events?.defaultTtl).toBe(35 * 86_400);
    expect(events?.partitionKey?.paths).toEqual(['/scope']);
    const { resource: insights } = await container('insights').read();
    expect(insights?.defaultTtl).toBeUndefined();
    expect(insights?.partitionKey?.paths).toEqual(['/workstream']);
  });

  it('takes the log container TTL from its option, and by default the configuration default', async () => {
    const other = await cosmosStore({ insightEventTtlInSeconds: 7 * 86_400 });
    expect((await other.database.container(COSMOS_CONTAINERS.insightEvents.id).read()).resource?.defaultTtl).toBe(7 * 86_400);
    await other.close();
    expect(insightsRetentionInSeconds(loadConfigOrThrow(SAMPLE_CONFIG_PATH))).toBe(DEFAULT_INSIGHT_EVENT_TTL_IN_SECONDS);
  });
});
