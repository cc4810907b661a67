/**
 * A queue's average wait (D365: an exponential moving average over the chats answered from the
 * queue, shown only after 20 of them, reset after 7 days without any; queue-experience.md §3.3).
 * The weight is not documented: each answered chat moves the average a fifth of the way.
 */
export const WAIT_AVERAGE_WEIGHT = 0.2;
export const WAIT_AVERAGE_MIN_SAMPLES = 20;
export const WAIT_AVERAGE_RESET_AFTER_MS = 7 * 24 * 3_600_000;

/** One routing queue's wait statistics, one small record per queue. */
export interface QueueStats {
  queue: string;
  /** The moving average of enqueue → assignment (or → accept), in ms. */
  averageWaitMs: number;
  /** Answered chats counted since the average (re)started. */
  samples: number;
  /** When the last answered chat was counted. */
  updatedAt: string;
}

/** The stats after one more chat was answered from the queue after waiting `waitedMs`. */
export function recordWaitSample(stats: QueueStats | undefined, queue: string, waitedMs: number, at: string): QueueStats {
  const waited = Math.max(0, waitedMs);
  if (!stats || stats.samples === 0 || isStale(stats, at)) return { queue, averageWaitMs: waited, samples: 1, updatedAt: at };
  const averageWaitMs = stats.averageWaitMs + WAIT_AVERAGE_WEIGHT * (waited - stats.averageWaitMs);
  return { queue, averageWaitMs, samples: stats.samples + 1, updatedAt: at };
}

/** The average wait a customer may be given, in whole seconds; null while there is not enough data. */
export function knownAverageWaitSeconds(stats: QueueStats | undefined, at: string): number | null {
  if (!stats || stats.samples < WAIT_AVERAGE_MIN_SAMPLES || isStale(stats, at)) return null;
  return Math.round(stats.averageWaitMs / 1000);
}

function isStale(stats: QueueStats, at: string): boolean {
  return Date.parse(at) - Date.parse(stats.updatedAt) >= WAIT_AVERAGE_RESET_AFTER_MS;
}
