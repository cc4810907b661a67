import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';

export type CreateBlobContainerClientOptions =
  /** Azure: the container's URL (https://<account>.blob.core.windows.net/<container>), signed in with Entra ID. */
  | { containerUrl: string; credential?: TokenCredential; managedIdentityClientId?: string }
  /** A local peer (Azurite): its account name and key, on loopback only. */
  | { containerUrl: string; accountName: string; accountKey: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The one way Switchboard builds a blob ContainerClient. In Azure: the managed identity, which needs
 * "Storage Blob Data Contributor" on the container (infra/modules/storage.bicep); the account refuses keys.
 * A key only for Azurite on loopback, where plain http is allowed too.
 */
export function createBlobContainerClient(options: CreateBlobContainerClientOptions): ContainerClient {
  const url = parseContainerUrl(options.containerUrl);
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !loopback) throw new Error(`The files container URL must use https unless it is on loopback (Azurite); got "${options.containerUrl}".`);
  if ('accountKey' in options) {
    if (!loopback) throw new Error('An account key is for Azurite on loopback only: in Azure the storage account refuses keys, and the app signs in with its managed identity.');
    return new ContainerClient(options.containerUrl, new StorageSharedKeyCredential(options.accountName, options.accountKey));
  }
  const credential = options.credential
    ?? (options.managedIdentityClientId ? new ManagedIdentityCredential({ clientId: options.managedIdentityClientId }) : new DefaultAzureCredential());
  return new ContainerClient(options.containerUrl, credential);
}

function parseContainerUrl(containerUrl: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(containerUrl);
  } catch {
    url = undefined;
  }
  if (!url || !/^\/[^/]+\/?$|^\/[^/]+\/[^/]+\/?$/.test(url.pathname) || url.search) {
    throw new Error(`The files container URL must be https://<account>.blob.core.windows.net/<container> (Azurite: http://127.0.0.1:<port>/<account>/<container>); got "${containerUrl}".`);
  }
  return url;
}
