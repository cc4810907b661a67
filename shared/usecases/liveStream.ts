import type { FeedScope } from '../core/feed';
import type { ConversationChanges } from '../ports/conversationChanges';
import type { EventFeed } from '../ports/eventFeed';

/**
 * The live streams of the agent workspace and the supervisor's view (docs/workspace-api.md "Live
 * streams"), apart from how they travel (SSE or long-poll: http/eventStream.ts). A source is anything
 * that can say what came after a cursor: one feed scope (the agent's, cursor = seq) or a computed stream
 * (the supervisor's, an opaque cursor). A client that resumes from the id of the last event it had gets
 * what came after it, once.
 */
export interface LiveEvent {
  /** The cursor just after this event: resuming from it gives what came after. */
  id: string;
  type: string;
  /** Plain JSON. */
  data: unknown;
}

export const RESET_EVENT_TYPE = 'reset';

/**
 * The source cannot go on from the client's cursor (its events were pruned, or it never gave that cursor):
 * the client reads its snapshot again. The stream goes on from `cursor`, so a reconnect does not reset again.
 */
export function resetEvent(cursor: string): LiveEvent {
  return { id: cursor, type: RESET_EVENT_TYPE, data: {} };
}

export interface LiveSource {
  /**
   * A reader after `cursor`, or from the present without one. A cursor of the wrong shape throws
   * CursorError; a well-formed one the source cannot go on from gives a `reset` as the first event.
   */
  open(cursor: string | undefined): Promise<LiveReader>;
}

export interface LiveReader {
  /** Where the reader is: the id of the last event it gave, or where it opened. */
  readonly cursor: string;
  /**
   * The events after the reader's place, as soon as there is at least one; none once `timeoutInMs` passed
   * or `signal` aborted; at once with `closing` when the host shuts down (the transport ends, the client
   * comes back later).
   */
  next(options: LiveNextOptions): Promise<LiveBatch>;
}

export interface LiveNextOptions {
  timeoutInMs: number;
  signal?: AbortSignal;
}

export interface LiveBatch {
  events: LiveEvent[];
  closing: boolean;
}

/** A cursor no reader of this source could hold (not one of its ids): the caller's mistake. */
export class CursorError extends Error {
  override readonly name = 'CursorError';
}

/**
 * Why a reader lets go of a wait: abort() without a reason builds a DOMException (a stack trace), and a busy
 * stream lets go of one at every batch; under load that was a few percent of the host's time.
 */
export const LET_GO = 'let go';

/** At most this many events per read: a reader far behind catches up in several batches, each written at once. */
export const FEED_PAGE_SIZE = 100;

/** A feed cursor is a seq: a whole number (0 before the first event). */
const SEQ_CURSOR = /^(0|[1-9]\d{0,14})$/;

/** What a feed source reads and waits on: the feed, and the wake-ups its appends send (keyed by scope). */
export interface FeedSourcePorts {
  feed: EventFeed;
  changes: ConversationChanges;
}

/**
 * One feed scope as a live source. It waits on the scope's wake-ups; where another process may append
 * (a Function App's other instances) the wake-up times out about every second (InProcessChanges' cap),
 * so the reader reads the store again that often.
 */
export function feedSource(s: FeedSourcePorts, scope: FeedScope): LiveSource {
  return {
    async open(cursor) {
      if (cursor !== undefined && !SEQ_CURSOR.test(cursor)) {
        throw new CursorError(`expected the id of an event of this stream (a whole number), got ${JSON.stringify(cursor.slice(0, 40))}`);
      }
      // The present: the scope's head, read past its end so that no event comes back.
      const after = cursor === undefined ? (await s.feed.read(scope, { after: Number.MAX_SAFE_INTEGER, limit: 1 })).head : Number(cursor);
      return new FeedReader(s, scope, after);
    },
  };
}

class FeedReader implements LiveReader {
  constructor(private readonly s: FeedSourcePorts, private readonly scope: FeedScope, private after: number) {}

  get cursor(): string {
    return String(this.after);
  }

  async next({ timeoutInMs, signal }: LiveNextOptions): Promise<LiveBatch> {
    const deadline = Date.now() + timeoutInMs;
    for (;;) {
      // The wait is armed before the read, so an append between the two still wakes it; it is let go
      // once not needed, so a busy stream leaves no waiters behind.
      const done = new AbortController();
      const stop = () => done.abort(LET_GO);
      signal?.addEventListener('abort', stop, { once: true });
      const changed = this.s.changes.next(this.scope, Math.max(0, deadline - Date.now()), { signal: done.signal });
      try {
        const events = await this.read();
        if (events.length > 0 || signal?.aborted) return { events, closing: false };
        if ((await changed) === 'closing') return { events: [], closing: true };
        if (signal?.aborted || Date.now() >= deadline) return { events: [], closing: false };
      } finally {
        signal?.removeEventListener('abort', stop);
        done.abort(LET_GO);
      }
    }
  }

  private async read(): Promise<LiveEvent[]> {
    const page = await this.s.feed.read(this.scope, { after: this.after, limit: FEED_PAGE_SIZE });
    // Pruned events after the reader's place, or a place past the head (a feed that started over): what the client shows is stale.
    if (page.truncated || this.after > page.head) {
      this.after = page.head;
      return [resetEvent(this.cursor)];
    }
    const last = page.events.at(-1);
    if (!last) return [];
    this.after = last.seq;
    return page.events.map((event) => ({ id: String(event.seq), type: event.type, data: event.data }));
  }
}
