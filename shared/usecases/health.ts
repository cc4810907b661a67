import { redactUrls } from '../core/redactUrl';
import { gradeHealth, type BotMeasure, type HealthReport, type Measured, type WaitingQueueMeasure } from '../core/health';
import type { Services } from './services';

/** A source that has not answered in this long is failing: a probe must not hang on it. */
export const HEALTH_READ_TIMEOUT_IN_MS = 3000;

/** The report being made or last made, per services (one per host), and when (monotonic time). */
const cache = new WeakMap<Services, { madeAtInMs: number; report: Promise<HealthReport> }>();

/**
 * The health report (core/health.ts), made at most once per `health.cacheSeconds`: probes come often, and
 * each report costs one statistics read of the bus and two one-partition reads per routing queue (the
 * waiting index's count and head; no cross-partition query). Concurrent callers share the report being made.
 */
export function readHealth(s: Services): Promise<HealthReport> {
  const now = performance.now();
  const cached = cache.get(s);
  if (cached && now - cached.madeAtInMs < s.config.health.cacheSeconds * 1000) return cached.report;
  const report = makeHealthReport(s);
  cache.set(s, { madeAtInMs: now, report });
  return report;
}

export async function makeHealthReport(s: Services): Promise<HealthReport> {
  const now = s.clock.now();
  const windowStart = new Date(now.getTime() - s.config.health.botFailureWindowSeconds * 1000);
  const [bus, queues] = await Promise.all([
    measure(s, 'the message bus', () => s.bus.stats()),
    measure(s, 'the conversation store', () => waitingQueues(s, now.getTime())),
  ]);
  return gradeHealth({ bus, queues, bots: botTallies(s, windowStart) }, s.config.health);
}

/** Every configured bot, with no delivery when it had none in the window, so the list of checks stays the same. */
function botTallies(s: Services, since: Date): BotMeasure[] {
  const tallies = new Map(s.botOutcomes.list(since).map((t) => [t.bot, t]));
  return s.config.users.filter((u) => u.kind === 'bot').map((bot) => tallies.get(bot.id) ?? { bot: bot.id, delivered: 0, failed: 0 });
}

/** Per routing queue, the same numbers the sweep sends as QueueLength and OldestWaitMs. */
async function waitingQueues(s: Services, nowInMs: number): Promise<WaitingQueueMeasure[]> {
  return Promise.all(s.config.queues.map(async ({ name: queue }) => {
    const waiting = await s.conversations.countWaiting(queue);
    if (waiting === 0) return { queue, waiting, oldestWaitInMs: null };
    const [first] = await s.conversations.listWaiting(queue, { limit: 1 });
    const since = first?.value.enqueuedAt;
    return { queue, waiting, oldestWaitInMs: since ? Math.max(0, nowInMs - Date.parse(since)) : null };
  }));
}

/** The value, or (when the source throws or does not answer in time) the fact, with the error kept for telemetry only. */
async function measure<T>(s: Services, source: string, read: () => Promise<T>): Promise<Measured<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${source} did not answer within ${HEALTH_READ_TIMEOUT_IN_MS} ms`)), HEALTH_READ_TIMEOUT_IN_MS);
  });
  try {
    return { ok: true, value: await Promise.race([read(), timeout]) };
  } catch (error) {
    // An event, not an exception: npm start's console prints the crossing once (healthWarnings.ts), not a line per probe.
    s.telemetry.trackEvent('HealthReadFailed', { source, reason: redactUrls(error instanceof Error ? error.message : String(error)) });
    return { ok: false, source };
  } finally {
    clearTimeout(timer);
  }
}
