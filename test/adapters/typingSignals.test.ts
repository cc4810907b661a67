import type { CosmosClient, Database } from '@azure/cosmos';
import { InMemoryTypingSignals } from '../../shared/adapters/inMemoryTypingSignals';
import { COSMOS_CONTAINERS, ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmosContainers';
import { CosmosTranscriptStore } from '../../shared/adapters/cosmos/cosmosTranscriptStore';
import { CosmosTypingSignals } from '../../shared/adapters/cosmos/cosmosTypingSignals';
import { createCosmosClient } from '../../shared/adapters/cosmos/createCosmosClient';
import { startCosmosServer, type CosmosTestServer } from '../fixtures/cosmosServer';
import { describeTypingSignalsContract } from './typingSignalsContract';

/** The typing signals' contract against the in-memory twin and against @azure/cosmos on @vercel/cosmosdb-server. */
describeTypingSignalsContract('in memory', async () => ({ store: new InMemoryTypingSignals(), close: async () => undefined }));

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

async function freshDatabase(): Promise<Database> {
  const { database } = await client.databases.create({ id: `switchboard-typing-${++databases}` });
  await ensureCosmosContainers(database);
  return database;
}

describeTypingSignalsContract('@azure/cosmos on @vercel/cosmosdb-server', async () => {
  const database = await freshDatabase();
  return { store: new CosmosTypingSignals(database), close: async () => void (await database.delete()) };
});

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
