import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHost } from '../support/localHostHarness';

/**
 * Issue 11, finding 8: switchboard.db holds every transcript. Like the token secret, it and the files SQLite
 * makes next to it (-wal, -shm) are readable by their owner only, whatever the umask; a new data directory too.
 */
const mode = (path: string) => statSync(path).mode & 0o777;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'switchboard-modes-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function runOnce(dataDir: string): Promise<void> {
  const host = await startTestHost({ dataDir });
  try {
    await host.api.startChat(); // something written: the WAL and its index exist
    await host.bus.whenIdle({ timeoutInMs: 10_000 });
    expect(['switchboard.db', 'switchboard.db-wal', 'switchboard.db-shm'].map((f) => existsSync(join(dataDir, f)))).toEqual([true, true, true]);
    for (const file of ['switchboard.db', 'switchboard.db-wal', 'switchboard.db-shm', 'token-secret']) expect([file, mode(join(dataDir, file)).toString(8)]).toEqual([file, '600']);
  } finally {
    await host.close();
  }
}

test('a fresh data directory: the directory is 700, the database, its WAL and shared memory and the token secret 600, even with umask 022', async () => {
  const previous = process.umask(0o022);
  try {
    const dataDir = join(root, 'data');
    await runOnce(dataDir);
    expect(mode(dataDir).toString(8)).toBe('700');
  } finally {
    process.umask(previous);
  }
});

test('files an earlier version left world-readable are made 600 when the host opens them', async () => {
  const dataDir = join(root, 'old');
  await runOnce(dataDir);
  for (const file of ['switchboard.db', 'switchboard.db-wal', 'switchboard.db-shm']) if (existsSync(join(dataDir, file))) chmodSync(join(dataDir, file), 0o644);
  writeFileSync(join(dataDir, 'unrelated.txt'), 'left alone', { mode: 0o644 });
  await runOnce(dataDir);
  expect(mode(join(dataDir, 'unrelated.txt')).toString(8)).toBe('644');
});
