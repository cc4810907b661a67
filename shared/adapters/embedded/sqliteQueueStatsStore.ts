import type { QueueStats } from '../../core/queueStats';
import type { QueueStatsStore } from '../../ports/queueStatsStore';
import { StoreError, type Versioned } from '../../ports/storeErrors';
import { newEtag, type SqliteDatabase } from './sqliteDatabase';

interface Row {
  doc: string;
  etag: string;
}

/** Queue statistics as JSON documents; writes are single conditional statements (If-Match semantics). */
export class SqliteQueueStatsStore implements QueueStatsStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      get: db.prepare<[string], Row>('SELECT doc, etag FROM queue_stats WHERE queue = ?'),
      exists: db.prepare<[string], { queue: string }>('SELECT queue FROM queue_stats WHERE queue = ?'),
      insert: db.prepare<[string, string, string]>('INSERT INTO queue_stats (queue, doc, etag) VALUES (?, ?, ?) ON CONFLICT (queue) DO NOTHING'),
      replace: db.prepare<[string, string, string, string]>('UPDATE queue_stats SET doc = ?, etag = ? WHERE queue = ? AND etag = ?'),
    };
  }

  async get(queue: string): Promise<Versioned<QueueStats> | undefined> {
    const row = this.statements.get.get(queue);
    return row && toVersioned(row);
  }

  async create(stats: QueueStats): Promise<Versioned<QueueStats>> {
    const row = { doc: JSON.stringify(stats), etag: newEtag() };
    if (this.statements.insert.run(stats.queue, row.doc, row.etag).changes === 0) {
      throw new StoreError('Conflict', `Statistics of queue '${stats.queue}' already exist.`);
    }
    return toVersioned(row);
  }

  async replace(stats: QueueStats, options: { ifMatch: string }): Promise<Versioned<QueueStats>> {
    const row = { doc: JSON.stringify(stats), etag: newEtag() };
    if (this.statements.replace.run(row.doc, row.etag, stats.queue, options.ifMatch).changes === 0) {
      if (!this.statements.exists.get(stats.queue)) throw new StoreError('NotFound', `Statistics of queue '${stats.queue}' do not exist.`);
      throw new StoreError('PreconditionFailed', `Statistics of queue '${stats.queue}' changed since ETag ${options.ifMatch} was read.`);
    }
    return toVersioned(row);
  }
}

function toVersioned(row: Row): Versioned<QueueStats> {
  return { value: JSON.parse(row.doc) as QueueStats, etag: row.etag };
}
