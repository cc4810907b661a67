import { ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmosContainers';
import { createCosmosClient } from '../../shared/adapters/cosmos/createCosmosClient';
import { SETTINGS } from '../../shared/host/azure/azureSettings';
import { QUEUES } from '../../shared/ports/messageBus';
import { startCosmosServer, type CosmosTestServer } from '../fixtures/cosmosServer';
import { startServiceBusBroker, type ServiceBusBroker } from '../fixtures/serviceBusBroker';

/** The local peers of Cosmos DB and Service Bus, and the environment that points `npm start` (COSMOS_ENDPOINT mode) at them. */
export interface CloudPeers {
  cosmos: CosmosTestServer;
  broker: ServiceBusBroker;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startCloudPeers(): Promise<CloudPeers> {
  const cosmos = await startCosmosServer();
  const broker = await startServiceBusBroker({
    queues: Object.fromEntries(Object.values(QUEUES).map((q) => [q, { requiresSession: true, maxDeliveryCount: 10, lockDurationInMs: 30_000, duplicateDetectionWindowInMs: 600_000 }])),
  });
  // A client of its own, disposed once the containers exist: its background refresh would keep the test process alive.
  const client = createCosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key });
  try {
    const { database } = await client.databases.createIfNotExists({ id: 'switchboard' });
    await ensureCosmosContainers(database);
  } finally {
    client.dispose();
  }
  return {
    cosmos,
    broker,
    env: {
      [SETTINGS.cosmosEndpoint]: cosmos.endpoint,
      [SETTINGS.cosmosKey]: cosmos.key,
      [SETTINGS.cosmosDatabase]: 'switchboard',
      [SETTINGS.serviceBusConnectionString]: broker.connectionString,
    },
    close: async () => {
      await broker.close();
      await cosmos.close();
    },
  };
}
