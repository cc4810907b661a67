import type { HourAggregate } from '../core/insights';
import type { EventFeed } from './eventFeed';
import type { Versioned } from './storeErrors';

/**
 * Where the insights are kept (core/insights.ts): each workstream's log of counted events per hour, and the
 * hour aggregates folded from it.
 *
 * Contract (test/adapters/insightsStoreContract.ts runs it against SQLite and Cosmos DB):
 * - The log is an EventFeed (its contract, eventFeedContract.ts) over the scopes `insights:<workstream>:<hour>`,
 *   in a store of its own: its retention is the insights' raw-event retention, not the live feeds'.
 * - `hours` returns a workstream's aggregates whose hour is in [fromHour, toHour), oldest first, in one
 *   read of one partition (no cross-partition query: a month is one call).
 * - `saveHour` creates the hour when `etag` is undefined, else replaces it only if its ETag is still `etag`;
 *   it answers false when another write came first (the hour exists, or changed), and never overwrites it.
 * - `cursor` / `saveCursor`: the workstream's sealing cursor, with the same conditional write.
 */
export interface InsightsStore extends EventFeed {
  hours(workstream: string, fromHour: string, toHour: string): Promise<Versioned<HourAggregate>[]>;
  saveHour(hour: HourAggregate, etag: string | undefined): Promise<boolean>;
  cursor(workstream: string): Promise<Versioned<InsightsCursor> | undefined>;
  saveCursor(cursor: InsightsCursor, etag: string | undefined): Promise<boolean>;
}

/**
 * How far a workstream's hours are sealed (use case insights.ts): an hour at or before `sealedThrough`
 * without an aggregate had no events. Created with the hour before the workstream's first recorded event.
 */
export interface InsightsCursor {
  workstream: string;
  sealedThrough: string;
}
