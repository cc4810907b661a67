import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BlobFileStore } from '../../shared/adapters/blob/blobFileStore';
import { createBlobContainerClient } from '../../shared/adapters/blob/createBlobContainerClient';
import { openDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { SqliteFileStore } from '../../shared/adapters/embedded/sqliteFileStore';
import { describeFileStoreContract } from './fileStoreContract';

/**
 * The FileStore contract against the embedded twin, and against @azure/storage-blob talking to Azurite
 * (Microsoft's storage emulator, in memory on loopback), started here and stopped after.
 */

describeFileStoreContract('SQLite', async () => {
  const db = openDatabase(':memory:');
  return { store: new SqliteFileStore(db), close: async () => void db.close() };
});

/** Azurite's well-known development account (public, in its documentation). */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

let azurite: { port: number; process: ChildProcess } | undefined;

beforeAll(async () => {
  const port = await freePort();
  const child = spawn(join(__dirname, '..', '..', 'node_modules', '.bin', 'azurite-blob'), ['--silent', '--inMemoryPersistence', '--skipApiVersionCheck', '--blobHost', '127.0.0.1', '--blobPort', String(port)], { stdio: 'ignore' });
  azurite = { port, process: child };
  await untilListening(port, 30_000);
}, 40_000);

afterAll(async () => {
  const child = azurite?.process;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

describeFileStoreContract('Azure Blob Storage (Azurite)', async () => {
  const container = createBlobContainerClient({ containerUrl: `http://127.0.0.1:${azurite!.port}/${AZURITE_ACCOUNT}/files-${randomUUID()}`, accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY });
  await container.create();
  return { store: new BlobFileStore(container), close: async () => void (await container.delete()) };
});

describe('the blob container client', () => {
  test('refuses plain http and account keys beyond loopback: in Azure only the managed identity signs in', () => {
    expect(() => createBlobContainerClient({ containerUrl: 'http://st.blob.core.windows.net/files' })).toThrow(/https/);
    expect(() => createBlobContainerClient({ containerUrl: 'https://st.blob.core.windows.net/files', accountName: 'st', accountKey: AZURITE_KEY })).toThrow(/Azurite on loopback only/);
    expect(() => createBlobContainerClient({ containerUrl: 'https://st.blob.core.windows.net/' })).toThrow(/container URL/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits, with a deadline, until Azurite answers on its port. */
async function untilListening(port: number, timeoutInMs: number): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Azurite did not listen on ${port}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
