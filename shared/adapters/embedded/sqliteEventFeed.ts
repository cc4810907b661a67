import type { FeedEvent, FeedPage, FeedScope, StoredFeedEvent } from '../../core/feed';
import { checkFeedRead, feedRun } from '../../core/feedPage';
import type { EventFeed } from '../../ports/eventFeed';
import type { SqliteDatabase } from './sqliteDatabase';

interface EventRow {
  scope: FeedScope;
  seq: number;
  id: string;
  type: string;
  at: string;
  data: string;
}

/** The two tables a feed lives in (sqliteDatabase.ts creates both pairs). */
export interface FeedTables {
  events: 'feed_events' | 'insight_events';
  heads: 'feed_heads' | 'insight_heads';
}

const LIVE_FEED_TABLES: FeedTables = { events: 'feed_events', heads: 'feed_heads' };

/**
 * The feeds in the embedded database (tables feed_events and feed_heads, sqliteDatabase.ts; the insights
 * log has a pair of its own, for its own retention). An append
 * is one write transaction: it takes the scope's head, writes the events after it and moves the head,
 * so two processes on one data file never share a seq and a reader never sees n+1 without n. A read is
 * one snapshot of rows and head. Pruning deletes by the events' `at`; the heads stay, so seqs go on.
 */
export class SqliteEventFeed implements EventFeed {
  private readonly statements;

  constructor(protected readonly db: SqliteDatabase, { events, heads }: FeedTables = LIVE_FEED_TABLES) {
    this.statements = {
      head: db.prepare<[string], { seq: number }>(`SELECT seq FROM ${heads} WHERE scope = ?`),
      insert: db.prepare<[string, number, string, string, string, string]>(
        `INSERT INTO ${events} (scope, seq, id, type, at, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, id) DO NOTHING`,
      ),
      moveHead: db.prepare<[string, number]>(`INSERT INTO ${heads} (scope, seq) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq`),
      after: db.prepare<[string, number, number], EventRow>(`SELECT scope, seq, id, type, at, data FROM ${events} WHERE scope = ? AND seq > ? ORDER BY seq LIMIT ?`),
      prune: db.prepare<[string]>(`DELETE FROM ${events} WHERE at < ?`),
    };
  }

  async append(events: FeedEvent[]): Promise<void> {
    this.db.transaction(() => {
      for (const event of events) {
        const seq = this.headOf(event.scope) + 1;
        const added = this.statements.insert.run(event.scope, seq, event.id, event.type, event.at, JSON.stringify(event.data)).changes === 1;
        if (added) this.statements.moveHead.run(event.scope, seq);
      }
    }).immediate();
  }

  async read(scope: FeedScope, options: { after: number; limit: number }): Promise<FeedPage> {
    const { after, limit } = checkFeedRead(options);
    return this.db.transaction(() => {
      const head = this.headOf(scope);
      // At least one row, so a reader asking for none still learns whether it missed something.
      const { run, truncated } = feedRun(after, limit, this.statements.after.all(scope, after, Math.max(limit, 1)), head);
      return { events: run.map(toEvent), head, truncated };
    })();
  }

  async prune(before: string): Promise<number> {
    return this.statements.prune.run(before).changes;
  }

  private headOf(scope: string): number {
    return this.statements.head.get(scope)?.seq ?? 0;
  }
}

function toEvent(row: EventRow): StoredFeedEvent {
  return { scope: row.scope, id: row.id, type: row.type, at: row.at, data: JSON.parse(row.data) as Record<string, unknown>, seq: row.seq };
}
