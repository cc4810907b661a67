import { CosmosClient } from '@azure/cosmos';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';

export interface CreateCosmosClientOptions {
  /** The account endpoint, e.g. https://<account>.documents.azure.com:443/, or http://127.0.0.1:<port> for the test server. */
  endpoint: string;
  /** An account key: for local use against a real account, or the test server. Without one the client signs in with Entra ID. */
  key?: string;
  /** The Entra ID credential; by default the managed identity (user-assigned when `managedIdentityClientId` is set). */
  credential?: TokenCredential;
  /** Client id of the Function App's user-assigned managed identity (AZURE_CLIENT_ID). */
  managedIdentityClientId?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The one way Switchboard builds a CosmosClient. In Azure: the managed identity, which needs the
 * "Cosmos DB Built-in Data Contributor" data-plane role. With a key: a developer's account or the
 * local test server. Plain http is accepted only on loopback (a test server), with endpoint
 * discovery off: there is one local endpoint and no other region to find.
 */
export function createCosmosClient(options: CreateCosmosClientOptions): CosmosClient {
  const url = parseEndpoint(options.endpoint);
  const plainLoopback = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol === 'http:' && !plainLoopback) {
    throw new Error(`The Cosmos DB endpoint must use https unless it is on loopback (a local test server); got "${options.endpoint}".`);
  }
  if (options.key !== undefined && options.credential !== undefined) {
    throw new Error('Give the Cosmos DB client either an account key or an Entra ID credential, not both.');
  }
  const connectionPolicy = plainLoopback ? { enableEndpointDiscovery: false } : undefined;
  if (options.key !== undefined) {
    if (options.key === '') throw new Error('The Cosmos DB account key is empty: set it, or leave it out to sign in with Entra ID.');
    return new CosmosClient({ endpoint: options.endpoint, key: options.key, connectionPolicy });
  }
  const credential =
    options.credential ??
    (options.managedIdentityClientId ? new ManagedIdentityCredential({ clientId: options.managedIdentityClientId }) : new DefaultAzureCredential());
  return new CosmosClient({ endpoint: options.endpoint, aadCredentials: credential, connectionPolicy });
}

function parseEndpoint(endpoint: string): URL {
  try {
    return new URL(endpoint);
  } catch {
    throw new Error(`The Cosmos DB endpoint must be a URL such as https://<account>.documents.azure.com:443/; got "${endpoint}".`);
  }
}
