import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './sqliteDatabase';

/** How often the worker copies the write-ahead log back into the database file. */
const CHECKPOINT_INTERVAL_IN_MS = 25;
/**
 * The WAL size (in pages) at which a commit on the event loop checkpoints anyway: a backstop for a
 * worker that falls behind, ten times SQLite's default so it rarely comes to that.
 */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;

/**
 * Checkpoints a WAL-mode database from a worker thread, on a connection of its own.
 *
 * SQLite checkpoints on the committing connection by default: every 1,000 pages of WAL, one commit
 * copies them into the database file and fsyncs it, on the event loop. A passive checkpoint never
 * blocks writers, so the worker does that work on another core while the event loop goes on
 * committing; the writer rewinds the WAL once a checkpoint has caught up. Nothing about durability
 * changes: a commit is in the WAL when it returns, as before.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  constructor(db: SqliteDatabase, file: string) {
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), file, intervalInMs: CHECKPOINT_INTERVAL_IN_MS },
    });
    // A failed checkpoint is no loss: the backstop checkpoints on the event loop, as SQLite would anyway.
    this.worker.on('error', (error) => console.error('[walCheckpointer] the checkpoint worker failed; commits will checkpoint', error));
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.unref();
  }

  /** Lets a checkpoint in progress finish, and closes the worker's connection. */
  async close(): Promise<void> {
    this.worker.postMessage('close');
    await this.exited;
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.intervalInMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
