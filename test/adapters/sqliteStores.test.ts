import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAgentStore } from '../../shared/adapters/embedded/sqliteAgentStore';
import { SqliteConversationStore } from '../../shared/adapters/embedded/sqliteConversationStore';
import { openDatabase, type SqliteDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { SqliteTranscriptStore } from '../../shared/adapters/embedded/sqliteTranscriptStore';
import { SqliteQueueStatsStore } from '../../shared/adapters/embedded/sqliteQueueStatsStore';
import { SqliteCustomerSightings } from '../../shared/adapters/embedded/sqliteCustomerSightings';
import { conversation, describeAgentStoreContract, describeCustomerSightingsContract, describeConversationStoreContract, describeQueueStatsStoreContract, describeTranscriptStoreContract, type MakeStore } from './storeContract';

const databases: Record<string, () => { db: SqliteDatabase; dispose(): void }> = {
  ':memory:': () => ({ db: openDatabase(':memory:'), dispose: () => undefined }),
  'a temp file': () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-stores-'));
    // A directory that does not exist yet: openDatabase creates it.
    return { db: openDatabase(join(dir, 'data', 'switchboard.db')), dispose: () => rmSync(dir, { recursive: true, force: true }) };
  },
};

function storeOn<S>(database: () => { db: SqliteDatabase; dispose(): void }, build: (db: SqliteDatabase) => S): MakeStore<S> {
  return async () => {
    const { db, dispose } = database();
    return {
      store: build(db),
      close: async () => {
        db.close();
        dispose();
      },
    };
  };
}

for (const [name, database] of Object.entries(databases)) {
  describeConversationStoreContract(`SQLite on ${name}`, storeOn(database, (db) => new SqliteConversationStore(db)));
  describeAgentStoreContract(`SQLite on ${name}`, storeOn(database, (db) => new SqliteAgentStore(db)));
  describeTranscriptStoreContract(`SQLite on ${name}`, storeOn(database, (db) => new SqliteTranscriptStore(db)));
  describeQueueStatsStoreContract(`SQLite on ${name}`, storeOn(database, (db) => new SqliteQueueStatsStore(db)));
  describeCustomerSightingsContract(`SQLite on ${name}`, storeOn(database, (db) => new SqliteCustomerSightings(db)));
}

describe('SQLite stores on a file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-reopen-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keep documents, ETags and transcripts across a close and reopen', async () => {
    const file = join(dir, 'switchboard.db');
    const first = openDatabase(file);
    const created = await new SqliteAgentStore(first).create({
      id: 'agent-1',
      presence: 'Available',
      reservations: [],
      lastAssignedAt: null,
      lastAssignedAtByQueue: {},
      lastReleasedAt: null,
      updatedAt: '2025-01-01T08:00:00.000Z',
    });
    await new SqliteTranscriptStore(first).append({
      id: 'm-1',
      conversationId: 'conv-1',
      role: 'customer',
      text: 'hello',
      timestamp: '2025-01-01T08:00:00.000Z',
      visibility: 'everyone',
    });
    first.close();

    const second = openDatabase(file);
    const agents = new SqliteAgentStore(second);
    expect(await agents.get('agent-1')).toEqual(created);
    await agents.replace({ ...created.value, presence: 'Away' }, { ifMatch: created.etag });
    expect((await new SqliteTranscriptStore(second).list('conv-1')).map((m) => m.text)).toEqual(['hello']);
    second.close();
  });

  it('upgrades a data directory written before conversations kept their assignee kind in a column', async () => {
    const file = join(dir, 'switchboard.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE conversations (id TEXT PRIMARY KEY, etag TEXT NOT NULL, doc TEXT NOT NULL, status TEXT NOT NULL,
      queue TEXT, enqueued_at TEXT, assignee_id TEXT, updated_at TEXT NOT NULL)`);
    const held = conversation('c-held', { status: 'Active', queue: null, assignee: { id: 'demo-bot', kind: 'bot' } });
    old.prepare('INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(held.id, '"e1"', JSON.stringify(held), held.status, null, null, 'demo-bot', held.updatedAt);
    old.close();

    const upgraded = openDatabase(file);
    const store = new SqliteConversationStore(upgraded);
    expect(await store.getState('c-held')).toEqual({ status: 'Active', assignee: { id: 'demo-bot', kind: 'bot' }, size: { messageCount: 0, bytes: 0 } });
    expect((await store.get('c-held'))?.value).toEqual(held);
    upgraded.close();
  });

  it('runs in WAL mode with synchronous=NORMAL', () => {
    const db = openDatabase(join(dir, 'switchboard.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    db.close();
  });
});
