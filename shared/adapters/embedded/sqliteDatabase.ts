import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the embedded database of the local run: one file, `switchboard.db`,
 * holds the stores and the message bus. `':memory:'` gives a private database for unit tests.
 */
export function openDatabase(path: string | ':memory:'): SqliteDatabase {
  if (path !== ':memory:') ownerOnly(path);
  const db = new Database(path);
  // WAL + synchronous=NORMAL: a committed transaction is in the WAL (the OS page cache) before commit
  // returns, so it survives a crash or `kill -9` of the process; only a power loss or OS crash can lose
  // the last few commits, and never corrupts the file. FULL would add an fsync per commit for that case.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Another process (a second host, a CLI) may hold the write lock for a moment: wait rather than fail.
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  upgrade(db);
  return db;
}

/** Read and write for the owner only, like the token secret: the database holds every transcript. */
const OWNER_ONLY = 0o600;

/**
 * Creates the file (and a new directory, 700) before SQLite opens it: SQLite gives the -wal and -shm files it
 * makes later the database file's mode. Files an earlier version left readable by others are tightened.
 */
function ownerOnly(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', OWNER_ONLY));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    try {
      if (existsSync(file)) chmodSync(file, OWNER_ONLY);
    } catch (error) {
      // Another user's file we may still write to (a shared group): leave its mode to its owner.
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    }
  }
}

/** Brings a data directory written by an earlier version up to this schema. */
function upgrade(db: SqliteDatabase): void {
  if (!columnsOf(db, 'conversations').includes('assignee_kind')) {
    db.transaction(() => {
      db.exec('ALTER TABLE conversations ADD COLUMN assignee_kind TEXT');
      db.exec("UPDATE conversations SET assignee_kind = json_extract(doc, '$.assignee.kind') WHERE assignee_id IS NOT NULL");
    }).immediate();
  }
  // Messages an earlier version accepted were checked for duplicates when sent: sent_at NULL says so.
  if (!columnsOf(db, 'bus_messages').includes('sent_at')) db.exec('ALTER TABLE bus_messages ADD COLUMN sent_at INTEGER');
  // A message's conversation and traceparent (Service Bus correlationId and Diagnostic-Id); earlier messages had none.
  if (!columnsOf(db, 'bus_messages').includes('correlation_id')) {
    db.exec('ALTER TABLE bus_messages ADD COLUMN correlation_id TEXT');
    db.exec('ALTER TABLE bus_messages ADD COLUMN traceparent TEXT');
  }
  // Accepted messages are not in their session yet: the session index leaves them out, so a send appends.
  db.exec('DROP INDEX IF EXISTS bus_messages_in_session');
  // A chat with a live offer is Open but not waiting: the waiting index leaves it out. (No earlier version made offers.)
  if (!columnsOf(db, 'conversations').includes('offered_to')) db.exec('ALTER TABLE conversations ADD COLUMN offered_to TEXT');
  db.exec('DROP INDEX IF EXISTS conversations_waiting');
  // The transcript's size, for the limits.chat check at the edge (getState); earlier documents had none and count from zero.
  if (!columnsOf(db, 'conversations').includes('message_count')) {
    db.exec('ALTER TABLE conversations ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0');
    db.exec('ALTER TABLE conversations ADD COLUMN message_bytes INTEGER NOT NULL DEFAULT 0');
  }
  db.exec("CREATE INDEX IF NOT EXISTS conversations_waiting_unoffered ON conversations (queue, enqueued_at, id) WHERE status = 'Open' AND offered_to IS NULL");
  // A customer's previous chats (listByCustomer), read from the document without a column of its own.
  db.exec("CREATE INDEX IF NOT EXISTS conversations_by_customer ON conversations (json_extract(doc, '$.customer.id'), json_extract(doc, '$.createdAt'))");
}

function columnsOf(db: SqliteDatabase, table: string): string[] {
  return db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(table).map((c) => c.name);
}

/** A fresh opaque ETag, quoted like Cosmos DB's. */
export function newEtag(): string {
  return `"${randomUUID()}"`;
}

/** A feed's two tables (sqliteEventFeed.ts reads any pair of this shape): its events, and each scope's last seq. */
function feedTables(events: string, heads: string): string {
  return `CREATE TABLE IF NOT EXISTS ${events} (
  scope TEXT NOT NULL,
  seq   INTEGER NOT NULL,
  id    TEXT NOT NULL,
  type  TEXT NOT NULL,
  at    TEXT NOT NULL,
  data  TEXT NOT NULL,
  PRIMARY KEY (scope, seq),
  UNIQUE (scope, id)
);
CREATE INDEX IF NOT EXISTS ${events}_by_age ON ${events} (at);
CREATE TABLE IF NOT EXISTS ${heads} (
  scope TEXT PRIMARY KEY,
  seq   INTEGER NOT NULL
);`;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS conversations (
  id          TEXT PRIMARY KEY,
  etag        TEXT NOT NULL,
  doc         TEXT NOT NULL,
  status      TEXT NOT NULL,
  queue       TEXT,
  enqueued_at TEXT,
  assignee_id TEXT,
  assignee_kind TEXT,
  updated_at  TEXT NOT NULL,
  offered_to  TEXT,
  message_count INTEGER NOT NULL DEFAULT 0,
  message_bytes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS conversations_unclosed_by_assignee ON conversations (assignee_id, id) WHERE status <> 'Closed';
CREATE INDEX IF NOT EXISTS conversations_unclosed_by_update ON conversations (updated_at, id) WHERE status <> 'Closed';

CREATE TABLE IF NOT EXISTS agents (
  id   TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  doc  TEXT NOT NULL
);

-- One routing queue's statistics (the average wait), written with If-Match like the agents.
CREATE TABLE IF NOT EXISTS queue_stats (
  queue TEXT PRIMARY KEY,
  etag  TEXT NOT NULL,
  doc   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS transcript_messages (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  id              TEXT NOT NULL,
  doc             TEXT NOT NULL,
  UNIQUE (conversation_id, id)
);
CREATE INDEX IF NOT EXISTS transcript_messages_in_order ON transcript_messages (conversation_id, seq);
CREATE TABLE IF NOT EXISTS files (
  id              TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  name            TEXT NOT NULL,
  content_type    TEXT NOT NULL,
  size            INTEGER NOT NULL,
  created_at      TEXT NOT NULL,
  content         BLOB NOT NULL
);

-- The live feeds (core/feed.ts): per scope, events at seq 1, 2, ... (feed_heads holds each scope's last
-- seq, so a seq is never reused once its events are pruned); (scope, id) is unique, so appends are idempotent.
-- New in an existing data file: both are created empty when it is opened.
${feedTables('feed_events', 'feed_heads')}

-- The insights (ports/insightsStore.ts): the log of counted events per workstream and hour, a feed like the
-- live ones with its own retention, and the hour aggregates folded from it with each workstream's cursor.
${feedTables('insight_events', 'insight_heads')}
CREATE TABLE IF NOT EXISTS insight_hours (
  workstream TEXT NOT NULL,
  hour       TEXT NOT NULL,
  etag       TEXT NOT NULL,
  doc        TEXT NOT NULL,
  PRIMARY KEY (workstream, hour)
);
CREATE TABLE IF NOT EXISTS insight_cursors (
  workstream TEXT PRIMARY KEY,
  etag       TEXT NOT NULL,
  doc        TEXT NOT NULL
);

-- When each Direct Line customer's client was last seen (the chat reconnect window counts from it).
CREATE TABLE IF NOT EXISTS customer_sightings (
  conversation_id TEXT PRIMARY KEY,
  seen_at         TEXT NOT NULL
);

-- Message bus. A message is 'accepted' (order_key NULL) until the queue's processor sequences it (at
-- once, or at its enqueue time when scheduled: scheduled_for, 0 for at once), then 'active' with an
-- order_key that is its place in its session. Completed messages are deleted; dead letters move out.
CREATE TABLE IF NOT EXISTS bus_messages (
  id             INTEGER PRIMARY KEY,
  queue          TEXT NOT NULL,
  session_id     TEXT NOT NULL,
  message_id     TEXT NOT NULL,
  body           TEXT NOT NULL,
  order_key      INTEGER,
  scheduled_for  INTEGER,
  sent_at        INTEGER,
  delivery_count INTEGER NOT NULL DEFAULT 0,
  correlation_id TEXT,
  traceparent    TEXT
);
CREATE INDEX IF NOT EXISTS bus_messages_active_in_session ON bus_messages (queue, session_id, order_key) WHERE order_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS bus_messages_scheduled ON bus_messages (queue, scheduled_for, id) WHERE order_key IS NULL;

-- One row per session that has active messages. A receiver takes the ready session (ready_at <= now)
-- with the lowest (ready_at, turn): ready_at is when it became ready, or until when it is locked by a
-- receiver (peek-lock) or waits for a retry; turn, renewed on every lock, breaks ties round-robin.
CREATE TABLE IF NOT EXISTS bus_sessions (
  queue      TEXT NOT NULL,
  session_id TEXT NOT NULL,
  ready_at   INTEGER NOT NULL,
  turn       INTEGER NOT NULL,
  lock_token TEXT,
  PRIMARY KEY (queue, session_id)
);
CREATE INDEX IF NOT EXISTS bus_sessions_ready ON bus_sessions (queue, ready_at, turn);
CREATE INDEX IF NOT EXISTS bus_sessions_by_turn ON bus_sessions (queue, turn);

CREATE TABLE IF NOT EXISTS bus_message_ids (
  queue       TEXT NOT NULL,
  message_id  TEXT NOT NULL,
  accepted_at INTEGER NOT NULL,
  PRIMARY KEY (queue, message_id)
);
CREATE INDEX IF NOT EXISTS bus_message_ids_by_age ON bus_message_ids (accepted_at);

CREATE TABLE IF NOT EXISTS bus_dead_letters (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  queue            TEXT NOT NULL,
  message_id       TEXT NOT NULL,
  session_id       TEXT NOT NULL,
  body             TEXT NOT NULL,
  reason           TEXT NOT NULL,
  description      TEXT NOT NULL,
  delivery_count   INTEGER NOT NULL,
  dead_lettered_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bus_dead_letters_by_queue ON bus_dead_letters (queue, id);
`;
