import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { WalCheckpointer } from '../../shared/adapters/embedded/walCheckpointer';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-wal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** About 2 MB of committed pages: fewer than either connection-side checkpoint threshold (1,000 or 10,000 pages). */
function writePages(db: ReturnType<typeof openDatabase>): void {
  const insert = db.prepare<[string, string, string]>('INSERT INTO transcript_messages (conversation_id, id, doc) VALUES (?, ?, ?)');
  for (let i = 0; i < 500; i++) insert.run('c-1', `m-${i}`, 'x'.repeat(4_000));
}

test('copies committed pages into the database file from a worker, without waiting for a commit to checkpoint', async () => {
  const file = join(dir, 'switchboard.db');
  const db = openDatabase(file);
  const sizeBefore = statSync(file).size;
  const checkpointer = new WalCheckpointer(db, file);
  try {
    writePages(db);
    const deadline = Date.now() + 5_000;
    while (statSync(file).size < sizeBefore + 1_500_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(statSync(file).size).toBeGreaterThan(sizeBefore + 1_500_000);
  } finally {
    await checkpointer.close();
    db.close();
  }
});

test('without it the same writes stay in the WAL, and a closed checkpointer stops', async () => {
  const file = join(dir, 'switchboard.db');
  const db = openDatabase(file);
  await new WalCheckpointer(db, file).close();
  const sizeBefore = statSync(file).size;
  writePages(db);
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(statSync(file).size).toBe(sizeBefore);
  expect(statSync(`${file}-wal`).size).toBeGreaterThan(1_500_000);
  db.close();
});

test('a worker that cannot open the database is reported, and close still returns', async () => {
  const db = openDatabase(join(dir, 'switchboard.db'));
  const reported = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const checkpointer = new WalCheckpointer(db, join(dir, 'no-such.db'));
    await waitFor(() => reported.mock.calls.length > 0);
    await checkpointer.close();
    expect(String(reported.mock.calls[0]?.[0])).toContain('the checkpoint worker failed');
  } finally {
    reported.mockRestore();
    db.close();
  }
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
