import type { FeedEvent, FeedPage, FeedScope } from '../core/feed';

/**
 * The live feeds (core/feed.ts): per scope, events in a gap-free order that every instance agrees on,
 * readable from any position still retained.
 *
 * Contract (one suite, test/adapters/eventFeedContract.ts, runs it against SQLite and Cosmos DB):
 * - `append` writes the events of one call in their order; an event whose (scope, id) exists is skipped
 *   (a retried append adds nothing), so appends are idempotent.
 * - Concurrent appends to one scope (two instances) never share a seq and leave no gap; an event never
 *   appears to a reader before one with a lower seq that the reader has not yet seen.
 * - `read` returns the events with seq > `after`, oldest first, at most `limit`.
 * - Events older than the retention may be pruned; a read from before the oldest kept event says
 *   `truncated`.
 * - Events come only as a run without gaps from the asked position on (core/feedPage.ts), so a reader never
 *   steps over a pruned one; a position past the head (one the scope never reached) also says `truncated`.
 */
export interface EventFeed {
  append(events: FeedEvent[]): Promise<void>;
  read(scope: FeedScope, options: { after: number; limit: number }): Promise<FeedPage>;
  /** Deletes events older than `before` (ISO) in every scope; the sweep calls it. Returns how many went. */
  prune(before: string): Promise<number>;
}

/**
 * How long events are kept unless a host says otherwise (48 h): long past any reader's reconnect, short
 * enough that a feed stays small. The SQLite host's sweep prunes to it; in Cosmos DB it is the `feeds`
 * container's defaultTtl (infra/).
 */
export const DEFAULT_FEED_RETENTION_IN_SECONDS = 48 * 60 * 60;
