import type { HourAggregate } from '../../core/insights';
import type { InsightsCursor, InsightsStore } from '../../ports/insightsStore';
import type { Versioned } from '../../ports/storeErrors';
import { newEtag, type SqliteDatabase } from './sqliteDatabase';
import { SqliteEventFeed } from './sqliteEventFeed';

/**
 * The insights in the embedded database: the log in insight_events / insight_heads (a feed of its own, so
 * the sweep prunes it to the insights' retention, not the live feeds'), the aggregates in insight_hours and
 * the cursors in insight_cursors, each row a JSON document with an ETag like Cosmos DB's.
 */
export class SqliteInsightsStore extends SqliteEventFeed implements InsightsStore {
  private readonly rows;

  constructor(db: SqliteDatabase) {
    super(db, { events: 'insight_events', heads: 'insight_heads' });
    this.rows = {
      hours: db.prepare<[string, string, string], { etag: string; doc: string }>('SELECT etag, doc FROM insight_hours WHERE workstream = ? AND hour >= ? AND hour < ? ORDER BY hour'),
      createHour: db.prepare<[string, string, string, string]>('INSERT INTO insight_hours (workstream, hour, etag, doc) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      replaceHour: db.prepare<[string, string, string, string, string]>('UPDATE insight_hours SET etag = ?, doc = ? WHERE workstream = ? AND hour = ? AND etag = ?'),
      cursor: db.prepare<[string], { etag: string; doc: string }>('SELECT etag, doc FROM insight_cursors WHERE workstream = ?'),
      createCursor: db.prepare<[string, string, string]>('INSERT INTO insight_cursors (workstream, etag, doc) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      replaceCursor: db.prepare<[string, string, string, string]>('UPDATE insight_cursors SET etag = ?, doc = ? WHERE workstream = ? AND etag = ?'),
    };
  }

  async hours(workstream: string, fromHour: string, toHour: string): Promise<Versioned<HourAggregate>[]> {
    return this.rows.hours.all(workstream, fromHour, toHour).map((row) => ({ etag: row.etag, value: JSON.parse(row.doc) as HourAggregate }));
  }

  async saveHour(hour: HourAggregate, etag: string | undefined): Promise<boolean> {
    const doc = JSON.stringify(hour);
    if (etag === undefined) return this.rows.createHour.run(hour.workstream, hour.hour, newEtag(), doc).changes === 1;
    return this.rows.replaceHour.run(newEtag(), doc, hour.workstream, hour.hour, etag).changes === 1;
  }

  async cursor(workstream: string): Promise<Versioned<InsightsCursor> | undefined> {
    const row = this.rows.cursor.get(workstream);
    return row ? { etag: row.etag, value: JSON.parse(row.doc) as InsightsCursor } : undefined;
  }

  async saveCursor(cursor: InsightsCursor, etag: string | undefined): Promise<boolean> {
    const doc = JSON.stringify(cursor);
    if (etag === undefined) return this.rows.createCursor.run(cursor.workstream, newEtag(), doc).changes === 1;
    return this.rows.replaceCursor.run(newEtag(), doc, cursor.workstream, etag).changes === 1;
  }
}
