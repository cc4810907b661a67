import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CosmosClient, Database as CosmosDatabase } from '@azure/cosmos';
import { COSMOS_CONTAINERS, ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmosContainers';
import { CosmosEventFeed } from '../../shared/adapters/cosmos/cosmosEventFeed';
import { createCosmosClient } from '../../shared/adapters/cosmos/createCosmosClient';
import { openDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { SqliteEventFeed } from '../../shared/adapters/embedded/sqliteEventFeed';
import { startCosmosServer, type CosmosTestServer } from '../fixtures/cosmosServer';
import { sharedSqliteFile } from '../support/sqliteFile';
import { at, describeEventFeedContract, event, readAll, type FeedHarness } from './eventFeedContract';

/**
 * The EventFeed contract against SQLite (two connections to one data file for two instances) and against
 * @azure/cosmos on @vercel/cosmosdb-server (two clients for two instances), then what only each adapter has.
 */
const AGENT = 'agent:alice' as const;

// ---- SQLite

function sqliteFeed(): FeedHarness {
  const file = sharedSqliteFile('switchboard-feeds-');
  const feed = new SqliteEventFeed(file.open());
  return {
    feed,
    other: async () => new SqliteEventFeed(file.open()),
    expire: async (before) => void (await feed.prune(before)),
    close: async () => file.close(),
  };
}

describeEventFeedContract('SQLite on a file', async () => sqliteFeed());

describe('SQLite feeds', () => {
  it('prune deletes events older than the cutoff in every scope, says how many, and keeps the seqs going', async () => {
    const h = sqliteFeed();
    await h.feed.append([event(AGENT, 'e-1', { at: at(0) }), event('queue:Q', 'q-1', { at: at(1) }), event(AGENT, 'e-2', { at: at(10) })]);
    expect(await h.feed.prune(at(5))).toBe(2);
    expect(await h.feed.prune(at(5))).toBe(0);
    expect(await h.feed.read('queue:Q', { after: 0, limit: 10 })).toEqual({ events: [], head: 1, truncated: true });
    await h.feed.append([event('queue:Q', 'q-2')]);
    expect((await h.feed.read('queue:Q', { after: 1, limit: 10 })).events.map((e) => e.seq)).toEqual([2]);
    await h.close();
  });

  it('never hands a reader past an event pruned out of the middle of a scope (an `at` out of order)', async () => {
    const h = sqliteFeed();
    await h.feed.append([event(AGENT, 'e-1', { at: at(10) }), event(AGENT, 'e-2', { at: at(0) }), event(AGENT, 'e-3', { at: at(10) })]);
    await h.feed.prune(at(5));
    expect(await h.feed.read(AGENT, { after: 0, limit: 10 })).toEqual({ events: [{ ...event(AGENT, 'e-1', { at: at(10) }), seq: 1 }], head: 3, truncated: false });
    expect(await h.feed.read(AGENT, { after: 1, limit: 10 })).toEqual({ events: [], head: 3, truncated: true });
    await h.close();
  });

  it('opens a data file written before the feeds existed and adds them, keeping its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-feeds-upgrade-'));
    const file = join(dir, 'switchboard.db');
    try {
      const old = openDatabase(file);
      old.exec('DROP TABLE feed_events; DROP TABLE feed_heads');
      old.prepare('INSERT INTO customer_sightings VALUES (?, ?)').run('c-1', at(0));
      old.close();
      const legacy = new Database(file);
      expect(legacy.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'feed_%'").get()).toEqual({ n: 0 });
      legacy.close();

      const upgraded = openDatabase(file);
      const feed = new SqliteEventFeed(upgraded);
      await feed.append([event(AGENT, 'e-1')]);
      expect((await feed.read(AGENT, { after: 0, limit: 10 })).events.map((e) => e.id)).toEqual(['e-1']);
      expect(upgraded.prepare('SELECT seen_at FROM customer_sightings WHERE conversation_id = ?').get('c-1')).toEqual({ seen_at: at(0) });
      upgraded.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

async function cosmosFeed(): Promise<FeedHarness & { database: CosmosDatabase }> {
  const { database } = await client().databases.create({ id: `switchboard-feeds-${++databases}` });
  await ensureCosmosContainers(database);
  return {
    database,
    feed: new CosmosEventFeed(database),
    other: async () => new CosmosEventFeed(client().database(database.id)),
    expire: (before) => expireAsTtlWould(database, before),
    close: async () => void (await database.delete()),
  };
}

/** The test server does not enforce TTL: delete what Cosmos DB would have (the events and their claims; never the marks). */
async function expireAsTtlWould(database: CosmosDatabase, before: string): Promise<void> {
  const container = database.container(COSMOS_CONTAINERS.feeds.id);
  const query = { query: "SELECT c.id, c.scope, c.eventId FROM c WHERE c.kind = 'event' AND c.at < @before", parameters: [{ name: '@before', value: before }] };
  const { resources } = await container.items.query<{ id: string; scope: string; eventId: string }>(query).fetchAll();
  for (const doc of resources) {
    await container.item(doc.id, doc.scope).delete();
    await container.item(`id:${doc.eventId}`, doc.scope).delete();
  }
}

describeEventFeedContract('@azure/cosmos on @vercel/cosmosdb-server', cosmosFeed);

describe('Cosmos DB feeds', () => {
  let h: Awaited<ReturnType<typeof cosmosFeed>>;
  beforeEach(async () => {
    h = await cosmosFeed();
  });
  afterEach(() => h.close());
  const feeds = () => h.database.container(COSMOS_CONTAINERS.feeds.id);

  it('keeps each scope in its own partition: events seq:<n>, claims id:<event id>, and a mark that never expires', async () => {
    await h.feed.append([event(AGENT, 'e-1'), event(AGENT, 'e-2')]);
    const { resources } = await feeds().items.query<{ id: string; kind: string; ttl?: number; seq?: number }>({ query: 'SELECT c.id, c.kind, c.ttl, c.seq FROM c WHERE c.scope = @s', parameters: [{ name: '@s', value: AGENT }] }, { partitionKey: AGENT }).fetchAll();
    expect(resources.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'id:e-1', kind: 'claim' },
      { id: 'id:e-2', kind: 'claim' },
      { id: 'mark', kind: 'mark', ttl: -1, seq: 1 },
      { id: 'seq:1', kind: 'event', seq: 1 },
      { id: 'seq:2', kind: 'event', seq: 2 },
    ]);
  });

  it('moves the mark on every 100th event, and starts a scope whose events all expired far past it', async () => {
    await h.feed.append(Array.from({ length: 101 }, (_, i) => event(AGENT, `e-${i + 1}`, { at: at(0) })));
    expect((await feeds().item('mark', AGENT).read<{ seq: number }>()).resource?.seq).toBe(101);
    await h.expire(at(5));

    const later = await h.other();
    await later.append([event(AGENT, 'after', { at: at(10) })]);
    const head = (await later.read(AGENT, { after: 0, limit: 0 })).head;
    expect(head).toBe(1_000_201);
    expect((await feeds().item('mark', AGENT).read<{ seq: number }>()).resource?.seq).toBe(1_000_201);
  });

  it('completes an append that died between claiming the event id and taking its place', async () => {
    await feeds().items.create({ id: 'id:e-1', scope: AGENT, kind: 'claim' });
    await h.feed.append([event(AGENT, 'e-1'), event(AGENT, 'e-2')]);
    expect((await readAll(h.feed, AGENT, 10)).map((e) => [e.seq, e.id])).toEqual([[1, 'e-1'], [2, 'e-2']]);
  });

  it('reads an event placed twice at its first place only, and goes on past a page of second places', async () => {
    await h.feed.append([event(AGENT, 'e-1'), event(AGENT, 'e-2')]);
    // What a retry racing its first attempt leaves: e-1 and e-2 again at places 3 and 4, then e-3.
    for (const [seq, id] of [[3, 'e-1'], [4, 'e-2']] as const) {
      await feeds().items.create({ id: `seq:${seq}`, scope: AGENT, kind: 'event', seq, eventId: id, type: 'message', at: at(30), data: {} });
    }
    await (await h.other()).append([event(AGENT, 'e-3')]);

    expect((await h.feed.read(AGENT, { after: 2, limit: 1 })).events.map((e) => [e.seq, e.id])).toEqual([[5, 'e-3']]);
    expect((await readAll(h.feed, AGENT, 1)).map((e) => [e.seq, e.id])).toEqual([[1, 'e-1'], [2, 'e-2'], [5, 'e-3']]);
    expect((await readAll(h.feed, AGENT, 10)).map((e) => [e.seq, e.id])).toEqual([[1, 'e-1'], [2, 'e-2'], [5, 'e-3']]);
  });

  it('answers a reader that is up to date with one query', async () => {
    await h.feed.append([event(AGENT, 'e-1'), event(AGENT, 'e-2')]);
    const reader = await h.other();
    await reader.read(AGENT, { after: 0, limit: 10 });
    const before = server.requests.length;
    expect(await reader.read(AGENT, { after: 2, limit: 10 })).toEqual({ events: [], head: 2, truncated: false });
    const queries = server.requests.slice(before).filter((r) => r.startsWith('POST') && !r.endsWith('[query plan]'));
    expect(queries).toHaveLength(1);
  });

  it('prunes nothing itself: the container expires events (defaultTtl)', async () => {
    await h.feed.append([event(AGENT, 'e-1', { at: at(0) })]);
    expect(await h.feed.prune(at(59))).toBe(0);
    const { resource } = await feeds().read();
    expect(resource?.defaultTtl).toBe(172_800);
    expect(resource?.partitionKey?.paths).toEqual(['/scope']);
  });
});
