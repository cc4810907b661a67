/**
 * How a feed adapter turns what it found after a reader's position into a page (core/feed.ts), the same
 * for every store: events come only as a run without gaps from the position on, so a reader never steps
 * over a pruned event. A gap right after the position means the reader missed something: `truncated`.
 */
export interface FeedRun<T> {
  /** The places after the position, without gaps, at most the limit. Empty when truncated. */
  run: T[];
  truncated: boolean;
}

/**
 * `newer`: places with seq > `after`, in order. `head`: the
 * scope's last seq. With nothing newer, a reader is up to date only at the head itself: behind it, what
 * it missed is gone; beyond it, the position is none this scope reached. Both send it to the snapshot.
 */
export function feedRun<T extends { seq: number }>(after: number, limit: number, newer: readonly T[], head: number): FeedRun<T> {
  const first = newer[0];
  if (!first) return { run: [], truncated: head !== after };
  if (first.seq !== after + 1) return { run: [], truncated: true };
  const run: T[] = [];
  for (const place of newer) {
    if (run.length >= limit || place.seq !== after + 1 + run.length) break;
    run.push(place);
  }
  return { run, truncated: false };
}

/** A read as adapters take it: a position from 0 (before the first event) and a limit from 0, whole numbers. */
export function checkFeedRead(options: { after: number; limit: number }): { after: number; limit: number } {
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`A feed read's ${name} must be a whole number from 0; got ${value}.`);
  }
  return options;
}
