import type { CosmosClient, Database } from '@azure/cosmos';
import { ManagedIdentityCredential } from '@azure/identity';
import { CosmosAgentStore } from '../../shared/adapters/cosmos/cosmosAgentStore';
import { COSMOS_CONTAINERS, ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmosContainers';
import { CosmosConversationStore, type CosmosConversationStoreOptions } from '../../shared/adapters/cosmos/cosmosConversationStore';
import { CosmosTranscriptStore } from '../../shared/adapters/cosmos/cosmosTranscriptStore';
import { createCosmosClient } from '../../shared/adapters/cosmos/createCosmosClient';
import type { Conversation } from '../../shared/core/conversation';
import type { TranscriptMessage } from '../../shared/core/transcript';
import { isStoreError } from '../../shared/ports/storeErrors';
import { startCosmosServer, type CosmosTestServer } from '../fixtures/cosmosServer';
import { CosmosQueueStatsStore } from '../../shared/adapters/cosmos/cosmosQueueStatsStore';
import { CosmosCustomerSightings } from '../../shared/adapters/cosmos/cosmosCustomerSightings';
import { CosmosTypingSignals } from '../../shared/adapters/cosmos/cosmosTypingSignals';
import { describeTypingSignalsContract } from './typingSignalsContract';
import { at, conversation, describeAgentStoreContract, describeCustomerSightingsContract, describeConversationStoreContract, describeQueueStatsStoreContract, describeTranscriptStoreContract, type MakeStore } from './storeContract';

/**
 * The store contracts against @azure/cosmos talking to @vercel/cosmosdb-server (plain HTTP on
 * loopback, in this process), then what only the Cosmos DB adapters have: the waiting index, TTL
 * on closed conversations, and the round trips each hot-path operation costs.
 */
let server: CosmosTestServer;
let client: CosmosClient;
let databases = 0;

beforeAll(async () => {
  server = await startCosmosServer();
  client = createCosmosClient({ endpoint: server.endpoint, key: server.key });
});

afterAll(async () => {
  client?.dispose();
  await server?.close();
});

/** A fresh database with every container, so each test starts empty. */
async function freshDatabase(): Promise<Database> {
  const { database } = await client.databases.create({ id: `switchboard-test-${++databases}` });
  await ensureCosmosContainers(database);
  return database;
}

function storeOn<S>(build: (database: Database) => S): MakeStore<S> {
  return async () => {
    const database = await freshDatabase();
    return { store: build(database), close: async () => void (await database.delete()) };
  };
}

const NAME = '@azure/cosmos on @vercel/cosmosdb-server';
describeConversationStoreContract(NAME, storeOn((database) => new CosmosConversationStore(database)));
describeAgentStoreContract(NAME, storeOn((database) => new CosmosAgentStore(database)));
describeTranscriptStoreContract(NAME, storeOn((database) => new CosmosTranscriptStore(database)));
describeQueueStatsStoreContract(NAME, storeOn((database) => new CosmosQueueStatsStore(database)));
describeCustomerSightingsContract(NAME, storeOn((database) => new CosmosCustomerSightings(database)));
describeTypingSignalsContract(NAME, storeOn((database) => new CosmosTypingSignals(database)));

describe('Cosmos DB typing signals', () => {
  it("live in the conversation's transcript partition with a short TTL, and the transcript never lists them", async () => {
    const database = await freshDatabase();
    const typing = new CosmosTypingSignals(database);
    const transcripts = new CosmosTranscriptStore(database);
    await transcripts.append({ id: 'm-1', conversationId: 'c-1', role: 'customer', text: 'hi', timestamp: '2024-05-01T09:00:00.000Z', visibility: 'everyone' });
    await typing.upsert({ conversationId: 'c-1', side: 'customer', userId: 'dl_dana', at: '2024-05-01T09:00:01.000Z' });

    const { resource } = await database.container(COSMOS_CONTAINERS.transcripts.id).item('typing:customer', 'c-1').read<{ ttl: number; kind: string }>();
    expect(resource).toMatchObject({ kind: 'typing', ttl: 60 });
    expect((await transcripts.list('c-1')).map((m) => m.id)).toEqual(['m-1']);
    expect((await transcripts.listPage('c-1', { limit: 10 })).messages.map((m) => m.id)).toEqual(['m-1']);
    await database.delete();
  });
});

describe('Cosmos DB conversation store: the waiting index', () => {
  let database: Database;
  let store: CosmosConversationStore;
  beforeEach(async () => {
    database = await freshDatabase();
    store = new CosmosConversationStore(database);
  });
  afterEach(async () => {
    await database.delete();
  });

  const waiting = () => database.container(COSMOS_CONTAINERS.waiting.id);
  const entryIds = async (queue: string) => (await waiting().items.query({ query: 'SELECT VALUE c.id FROM c WHERE c.queue = @q', parameters: [{ name: '@q', value: queue }] }, { partitionKey: queue }).fetchAll()).resources;

  it('adds an entry when a chat waits and removes it when an agent takes the chat', async () => {
    const created = await store.create(conversation('c-1'));
    expect(await entryIds(QUEUE)).toEqual(['c-1']);

    await store.replace(take(created.value, 'agent-1'), { ifMatch: created.etag });
    expect(await entryIds(QUEUE)).toEqual([]);
    expect(await store.hasWaiting(QUEUE)).toBe(false);
  });

  it('lets a read clean up the entry when the instance that took the chat never saw the entry', async () => {
    const created = await store.create(conversation('c-1'));
    const otherInstance = new CosmosConversationStore(database);
    await otherInstance.replace(take(created.value, 'agent-1'), { ifMatch: created.etag });
    expect(await entryIds(QUEUE)).toEqual(['c-1']);

    expect(await otherInstance.listWaiting(QUEUE, { limit: 10 })).toEqual([]);
    expect(await entryIds(QUEUE)).toEqual([]);
  });

  it('ignores and deletes a stale entry, and leaves alone one that a write in flight just added', async () => {
    await store.create(take(conversation('c-taken'), 'agent-1'));
    await store.create(conversation('c-waiting'));
    await waiting().items.upsert({ id: 'c-taken', queue: QUEUE, enqueuedAt: at(0), epoch: 0 });
    await waiting().items.upsert({ id: 'c-being-created', queue: QUEUE, enqueuedAt: at(0), epoch: 0 });

    expect((await store.listWaiting(QUEUE, { limit: 10 })).map((v) => v.value.id)).toEqual(['c-waiting']);
    expect((await entryIds(QUEUE)).sort()).toEqual(['c-being-created', 'c-waiting']);
    expect(await store.hasWaiting('EmptyQueue')).toBe(false);

    // Past the grace period an entry without a conversation is an orphan of a failed write.
    const noGrace = new CosmosConversationStore(database, { staleIndexGraceInSeconds: 0 });
    expect((await noGrace.listWaiting(QUEUE, { limit: 10 })).map((v) => v.value.id)).toEqual(['c-waiting']);
    expect(await entryIds(QUEUE)).toEqual(['c-waiting']);
  });

  it('never deletes the entry of a write in flight that puts a taken chat back in the queue', async () => {
    const created = await store.create(conversation('c-1'));
    const taken = await store.replace(take(created.value, 'agent-1'), { ifMatch: created.etag });
    // A transfer back to the queue (epoch 2) has added its entry and not yet committed the conversation.
    const transferred: Conversation = { ...taken.value, status: 'Open', statusReason: 'AwaitingAgentAssignment', assignee: null, epoch: 2, enqueuedAt: at(3) };
    await waiting().items.upsert({ id: 'c-1', queue: QUEUE, enqueuedAt: at(3), epoch: 2 });

    expect(await store.listWaiting(QUEUE, { limit: 10 })).toEqual([]);
    expect(await entryIds(QUEUE)).toEqual(['c-1']);
    await database.container(COSMOS_CONTAINERS.conversations.id).item('c-1', 'c-1').replace(transferred);
    expect((await store.listWaiting(QUEUE, { limit: 10 })).map((v) => v.value.id)).toEqual(['c-1']);
  });

  it('answers hasWaiting from verified entries only', async () => {
    await store.create(take(conversation('c-taken'), 'agent-1'));
    await waiting().items.upsert({ id: 'c-taken', queue: QUEUE, enqueuedAt: at(0), epoch: 0 });
    expect(await store.hasWaiting(QUEUE)).toBe(false);

    await store.create(conversation('c-waiting', { enqueuedAt: at(5) }));
    expect(await store.hasWaiting(QUEUE)).toBe(true);
  });

  it('fixes an entry whose enqueuedAt is wrong and orders by what the conversations say', async () => {
    await store.create(conversation('c-first', { enqueuedAt: at(1) }));
    await store.create(conversation('c-second', { enqueuedAt: at(2) }));
    await waiting().items.upsert({ id: 'c-second', queue: QUEUE, enqueuedAt: at(0), epoch: 0 });

    expect((await store.listWaiting(QUEUE, { limit: 10 })).map((v) => v.value.id)).toEqual(['c-first', 'c-second']);
    const { resource } = await waiting().item('c-second', QUEUE).read();
    expect(resource.enqueuedAt).toBe(at(2));
  });

  it('lets the sweep put back a waiting chat that a crash left out of the index (reindex)', async () => {
    // As if the conversation write landed and the index write never happened.
    await database.container(COSMOS_CONTAINERS.conversations.id).items.create(conversation('c-lost', { updatedAt: at(0) }));
    expect(await store.hasWaiting(QUEUE)).toBe(false);

    const [found] = await store.listUnclosedUpdatedBefore(at(10), { limit: 10 });
    if (!found) throw new Error('the sweep query should find the chat');
    expect(await store.reindex(found.value)).toBe('added');
    expect(await store.reindex(found.value)).toBe('unchanged');
    expect((await store.listWaiting(QUEUE, { limit: 10 })).map((v) => v.value.id)).toEqual(['c-lost']);

    const taken = await store.replace(take(found.value, 'agent-1'), { ifMatch: found.etag });
    await waiting().items.upsert({ id: 'c-lost', queue: QUEUE, enqueuedAt: at(0), epoch: 0 });
    expect(await store.reindex(taken.value)).toBe('removed');
  });

  it('lets exactly one of 30 concurrent takes from the same ETag win, and leaves the chat in no queue', async () => {
    const created = await store.create(conversation('c-1'));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => store.replace(take(created.value, `agent-${i}`), { ifMatch: created.etag })),
    );

    const winners = outcomes.filter((o): o is PromiseFulfilledResult<Awaited<ReturnType<typeof store.replace>>> => o.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(isStoreError(o.reason, 'PreconditionFailed')).toBe(true);
    expect((await store.get('c-1'))?.value.assignee).toEqual(winners[0]?.value.value.assignee);
    expect(await store.listWaiting(QUEUE, { limit: 10 })).toEqual([]);
    expect(await entryIds(QUEUE)).toEqual([]);
  });

  it('stores ids with characters Cosmos DB forbids in item ids', async () => {
    const created = await store.create(conversation('tenant/42?chat#1%'));
    expect(await store.get('tenant/42?chat#1%')).toEqual(created);
    expect((await store.listWaiting(QUEUE, { limit: 1 }))[0]?.value.id).toBe('tenant/42?chat#1%');
  });
});

describe('Cosmos DB conversation store: closed conversations expire', () => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => {
    await database.delete();
  });
  const raw = async (id: string) => (await database.container(COSMOS_CONTAINERS.conversations.id).item(id, id).read()).resource;

  it('sets the configured ttl on a Closed conversation only, and reads it back without it', async () => {
    const store = new CosmosConversationStore(database, { closedConversationTtlInSeconds: 30 * 86_400 });
    const created = await store.create(conversation('c-ttl'));
    expect((await raw('c-ttl')).ttl).toBeUndefined();

    const closed = await store.replace(close(created.value), { ifMatch: created.etag });
    expect((await raw('c-ttl')).ttl).toBe(30 * 86_400);
    expect(closed.value).toEqual(close(created.value));
    expect(await store.get('c-ttl')).toEqual(closed);
    // TTL is on for the container (the server stores it; it does not enforce it: local-testing.md §2).
    expect((await database.container(COSMOS_CONTAINERS.conversations.id).read()).resource?.defaultTtl).toBe(-1);
  });

  it('keeps closed conversations when the ttl is -1 or not set, and refuses a nonsense ttl', async () => {
    for (const options of [{ closedConversationTtlInSeconds: -1 }, {}] satisfies CosmosConversationStoreOptions[]) {
      const store = new CosmosConversationStore(database, options);
      const id = `c-keep-${options.closedConversationTtlInSeconds ?? 'unset'}`;
      const created = await store.create(conversation(id));
      await store.replace(close(created.value), { ifMatch: created.etag });
      expect((await raw(id)).ttl).toBeUndefined();
    }
    expect(() => new CosmosConversationStore(database, { closedConversationTtlInSeconds: 0 })).toThrow(/positive whole number/);
  });
});

describe('Cosmos DB transcript store', () => {
  let database: Database;
  beforeEach(async () => {
    database = await freshDatabase();
  });
  afterEach(async () => {
    await database.delete();
  });

  it('orders concurrent appends from two instances without gaps or repeats', async () => {
    const instances = [new CosmosTranscriptStore(database), new CosmosTranscriptStore(database)];
    const ids = Array.from({ length: 20 }, (_, i) => `m-${i}`);
    const results = await Promise.all(ids.map((id, i) => instances[i % 2]!.append(message('conv-1', id))));
    expect(results.every(Boolean)).toBe(true);

    const listed = (await instances[0]!.list('conv-1')).map((m) => m.id);
    expect([...listed].sort()).toEqual([...ids].sort());
    const { resources: places } = await database
      .container(COSMOS_CONTAINERS.transcripts.id)
      .items.query("SELECT VALUE c.seq FROM c WHERE c.kind = 'message' ORDER BY c.seq", { partitionKey: 'conv-1' })
      .fetchAll();
    expect(places).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // A later append goes after all of them, whichever instance makes it.
    await instances[1]!.append(message('conv-1', 'm-last'));
    expect((await instances[0]!.list('conv-1')).map((m) => m.id)).toEqual([...listed, 'm-last']);
  });

  it('completes an append that crashed between claiming the message id and taking its place', async () => {
    const store = new CosmosTranscriptStore(database);
    await store.append(message('conv-1', 'm-1'));
    await database.container(COSMOS_CONTAINERS.transcripts.id).items.create({ id: 'id:m-2', conversationId: 'conv-1', kind: 'claim' });

    expect(await store.append(message('conv-1', 'm-2'))).toBe(false);
    expect((await store.list('conv-1')).map((m) => m.id)).toEqual(['m-1', 'm-2']);
  });

  it('keeps message ids with characters Cosmos DB forbids in item ids', async () => {
    const store = new CosmosTranscriptStore(database);
    const odd = message('conv-1', 'activity/7?#%');
    expect(await store.append(odd)).toBe(true);
    expect(await store.append(odd)).toBe(false);
    expect(await store.list('conv-1')).toEqual([odd]);
    expect(await store.replace({ ...odd, text: 'edited' })).toBe(true);
    expect((await store.list('conv-1'))[0]?.text).toBe('edited');
  });
});

describe('Cosmos DB adapters: containers, client and round trips', () => {
  it('creates the containers with their partition keys, once', async () => {
    const database = await freshDatabase();
    await ensureCosmosContainers(database);
    for (const { id, partitionKeyPath } of Object.values(COSMOS_CONTAINERS)) {
      const { resource } = await database.container(id).read();
      expect(resource?.partitionKey?.paths).toEqual([partitionKeyPath]);
    }
    const { resource: waitingDefinition } = await database.container(COSMOS_CONTAINERS.waiting.id).read();
    expect(waitingDefinition?.indexingPolicy?.compositeIndexes?.[0]?.map((p) => p.path)).toEqual(['/enqueuedAt', '/id']);
    await database.delete();
  });

  it('builds a client with a key, with an Entra ID credential, and refuses unsafe settings', () => {
    expect(() => createCosmosClient({ endpoint: 'http://cosmos.example.com', key: server.key })).toThrow(/https unless it is on loopback/);
    expect(() => createCosmosClient({ endpoint: 'not a url' })).toThrow(/must be a URL/);
    const credential = new ManagedIdentityCredential({ clientId: '00000000-0000-0000-0000-000000000000' });
    expect(() => createCosmosClient({ endpoint: server.endpoint, key: server.key, credential })).toThrow(/not both/);
    expect(() => createCosmosClient({ endpoint: server.endpoint, key: '' })).toThrow(/empty/);
    const withIdentity = createCosmosClient({ endpoint: 'https://account.documents.azure.com:443/', managedIdentityClientId: '00000000-0000-0000-0000-000000000000' });
    expect(withIdentity).toBeDefined();
    withIdentity.dispose();
  });

  it('counts the round trips of one create, the replaces, one listWaiting and one hasWaiting', async () => {
    const database = await freshDatabase();
    const store = new CosmosConversationStore(database);
    // Warm the SDK's caches (container and partition-key-range metadata) first.
    const warm = await store.create(conversation('c-warm', { queue: 'WarmQueue' }));
    await store.replace(take(warm.value, 'agent-0'), { ifMatch: warm.etag });
    await store.listWaiting('WarmQueue', { limit: 10 });
    await store.create(conversation('c-other', { enqueuedAt: at(5) }));

    const counted = async <T>(operation: () => Promise<T>): Promise<string[]> => {
      const start = server.requests.length;
      await operation();
      return server.requests.slice(start);
    };
    const create = await counted(() => store.create(conversation('c-1')));
    const created = await store.get('c-1');
    if (!created) throw new Error('expected c-1');
    const stillWaiting = await counted(() => store.replace({ ...created.value, customerMessageCount: 1 }, { ifMatch: created.etag }));
    const updated = await store.get('c-1');
    if (!updated) throw new Error('expected c-1');
    const replace = await counted(() => store.replace(take(updated.value, 'agent-1'), { ifMatch: updated.etag }));
    const list = await counted(() => store.listWaiting(QUEUE, { limit: 10 }));
    const has = await counted(() => store.hasWaiting(QUEUE));
    console.log(
      [`create (Open): ${create.length}`, ...create, `replace (still Open): ${stillWaiting.length}`, ...stillWaiting, `replace (Open -> Active): ${replace.length}`, ...replace, `listWaiting (one waiting): ${list.length}`, ...list, `hasWaiting: ${has.length}`, ...has]
        .map((line) => (/^[A-Z]+ /.test(line) ? `    ${line}` : line))
        .join('\n'),
    );

    // The index entry is written before the conversation (never a waiting chat outside the index), removed after it.
    expect(create).toEqual([expect.stringMatching(/^POST .*\/colls\/waiting\/docs$/), expect.stringMatching(/^POST .*\/colls\/conversations\/docs$/)]);
    expect(stillWaiting).toEqual([expect.stringMatching(/^POST .*\/colls\/waiting\/docs$/), expect.stringMatching(/^PUT .*\/colls\/conversations\/docs\/c-1$/)]);
    expect(replace).toEqual([expect.stringMatching(/^PUT .*\/colls\/conversations\/docs\/c-1$/), expect.stringMatching(/^DELETE .*\/colls\/waiting\/docs\/c-1$/)]);
    // The SDK asks for a query plan alongside every query; then one point read per entry.
    expect(list).toHaveLength(3);
    expect(has).toHaveLength(3);
    await database.delete();
  });
});

const QUEUE = 'CreditCardQueue';
/** What the lifecycle's assign does to the fields the store looks at: Active, with an assignee, one epoch later. */
function take(doc: Conversation, agentId: string): Conversation {
  return { ...doc, status: 'Active', statusReason: 'InConversation', assignee: { id: agentId, kind: 'agent' }, epoch: doc.epoch + 1, assignedAt: at(1), updatedAt: at(1) };
}

function close(doc: Conversation): Conversation {
  return { ...doc, status: 'Closed', statusReason: 'CustomerDisconnectedOrLeftOpenConversation', epoch: doc.epoch + 1, closedAt: at(2), updatedAt: at(2) };
}

function message(conversationId: string, id: string): TranscriptMessage {
  return { id, conversationId, role: 'customer', authorId: 'customer-1', text: 'hello', timestamp: at(0), visibility: 'everyone' };
}
