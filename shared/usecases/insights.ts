import type { FeedEvent } from '../core/feed';
import { emptyHour, foldHour, HOUR_MS, nextHour, summarizeInsights, type HourAggregate, type InsightsQuery } from '../core/insights';
import { hourOf } from '../core/queueBoard';
import type { Versioned } from '../ports/storeErrors';
import type { Services } from './services';

/**
 * The insights' use cases over the InsightsStore (core/insights.ts says what is counted):
 * - record: a change's counted events go to their hour's log as it happens (idempotent: a redelivered change
 *   appends nothing twice);
 * - seal (the sweep): once an hour and its grace are over, its log is folded into one aggregate marked sealed,
 *   and the workstream's cursor moves past it;
 * - read (GET /api/insights): sealed hours as stored; the hours not yet sealed (the current one, usually)
 *   folded from their logs.
 *
 * An event may arrive after its hour was sealed (a change redelivered long after it was first decided): its
 * writer unseals the hour, so readers fold the rest of its log and the next sweep seals it again. The writer
 * appends before it looks, and the sweep reads the log before it writes with the ETag it read, so one of the
 * two always sees the other.
 */

/** How long after its end an hour is sealed: far longer than an append takes, and any clock skew between instances. */
export const SEAL_GRACE_MS = 5 * 60_000;
/** Hours one sweep seals per workstream at most: a host that was down catches up over a few sweeps. */
const MAX_HOURS_SEALED_PER_SWEEP = 48;
/** How far before the cursor a sweep looks for hours a late event unsealed. */
const RESEAL_LOOKBACK_HOURS = 48;
const LOG_PAGE = 500;

/** The sealing cursor each workstream is known to have in this process: once known, recording does not read it again. */
const knownCursors = new WeakMap<Services, Map<string, string>>();

/** Appends insight log events (scope `insights:…`, see core/insights.ts insightLogEvents) and keeps the hours they fall in readable. */
export async function recordInsights(s: Services, events: readonly FeedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await s.insights.append([...events]);
  const now = s.clock.now().getTime();
  const hours = new Map(events.map((event) => [`${workstreamOf(event)}\u0000${hourOf(event.at)}`, { workstream: workstreamOf(event), hour: hourOf(event.at) }]));
  for (const { workstream, hour } of hours.values()) {
    const sealedThrough = await cursorFor(s, workstream, hour);
    const late = hour <= sealedThrough || now > Date.parse(hour) + HOUR_MS + SEAL_GRACE_MS / 2;
    if (late) await unsealHour(s, workstream, hour);
  }
}

/** The workstream an insights scope names (`insights:<workstream>:<hour>`; a workstream's name may hold colons too). */
function workstreamOf(event: FeedEvent): string {
  return /^insights:(.*):\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/.exec(event.scope)?.[1] ?? '';
}

/**
 * The workstream's sealed-through hour, creating the cursor before the first event it ever records (an hour
 * before it, so that hour's log is read until the sweep seals it).
 */
async function cursorFor(s: Services, workstream: string, hour: string): Promise<string> {
  const cache = knownCursors.get(s) ?? new Map<string, string>();
  knownCursors.set(s, cache);
  const known = cache.get(workstream);
  if (known !== undefined && known < hour) return known;
  for (;;) {
    const cursor = await s.insights.cursor(workstream);
    if (cursor) {
      cache.set(workstream, cursor.value.sealedThrough);
      return cursor.value.sealedThrough;
    }
    const sealedThrough = new Date(Date.parse(hour) - HOUR_MS).toISOString();
    if (await s.insights.saveCursor({ workstream, sealedThrough }, undefined)) {
      cache.set(workstream, sealedThrough);
      return sealedThrough;
    }
  }
}

/** Marks an hour not sealed (creating it when missing), so readers fold its log again. */
async function unsealHour(s: Services, workstream: string, hour: string): Promise<void> {
  for (;;) {
    const [stored] = await s.insights.hours(workstream, hour, nextHour(hour));
    if (stored && !stored.value.sealed) return;
    const unsealed = stored ? { ...stored.value, sealed: false } : emptyHour(workstream, hour);
    if (await s.insights.saveHour(unsealed, stored?.etag)) return;
  }
}

/** The hour with the rest of its log folded in (a log already pruned leaves it as it was). */
async function foldFromLog(s: Services, hour: HourAggregate): Promise<HourAggregate> {
  let folded = hour;
  for (;;) {
    const page = await s.insights.read(`insights:${hour.workstream}:${hour.hour}`, { after: folded.throughSeq, limit: LOG_PAGE });
    if (page.truncated || page.events.length === 0) return folded;
    folded = foldHour(folded, page.events);
    if (folded.throughSeq >= page.head) return folded;
  }
}

/**
 * The sweep's part: seals every hour whose grace is over, per workstream, and moves the cursor past it; hours a
 * late event unsealed are sealed again. Two instances sweeping at once write the same aggregates, once each.
 */
export async function sealInsightHours(s: Services): Promise<{ sealed: number }> {
  const sealBefore = s.clock.now().getTime() - SEAL_GRACE_MS;
  let sealed = 0;
  for (const { name: workstream } of s.config.workstreams) {
    let cursor = await s.insights.cursor(workstream);
    if (!cursor) continue;
    const lookback = new Date(Date.parse(cursor.value.sealedThrough) - RESEAL_LOOKBACK_HOURS * HOUR_MS).toISOString();
    for (const stored of await s.insights.hours(workstream, lookback, nextHour(cursor.value.sealedThrough))) {
      if (!stored.value.sealed && (await sealHour(s, workstream, stored.value.hour))) sealed++;
    }
    for (let n = 0; n < MAX_HOURS_SEALED_PER_SWEEP && cursor; n++) {
      const hour = nextHour(cursor.value.sealedThrough);
      if (Date.parse(hour) + HOUR_MS > sealBefore) break;
      if (await sealHour(s, workstream, hour)) sealed++;
      // Moved here or by another instance first: either way, go on from where it is now.
      await s.insights.saveCursor({ workstream, sealedThrough: hour }, cursor.etag);
      cursor = await s.insights.cursor(workstream);
    }
  }
  return { sealed };
}

/** Folds an hour's log and stores it sealed; true when this call wrote it. An hour without events needs no document. */
async function sealHour(s: Services, workstream: string, hour: string): Promise<boolean> {
  for (;;) {
    const [stored] = await s.insights.hours(workstream, hour, nextHour(hour));
    if (stored?.value.sealed) return false;
    const folded = await foldFromLog(s, stored?.value ?? emptyHour(workstream, hour));
    if (!stored && folded.throughSeq === 0) return false;
    if (await s.insights.saveHour({ ...folded, sealed: true }, stored?.etag)) return true;
  }
}

/** The hours of one workstream in [from, to) that had events: sealed ones as stored, the others folded from their logs. */
async function hoursOf(s: Services, workstream: string, query: InsightsQuery): Promise<HourAggregate[]> {
  const cursor = await s.insights.cursor(workstream);
  if (!cursor) return [];
  const stored = new Map((await s.insights.hours(workstream, query.from, query.to)).map((h: Versioned<HourAggregate>) => [h.value.hour, h.value]));
  const now = hourOf(s.clock.now().toISOString());
  const hours: HourAggregate[] = [];
  for (let hour = query.from; hour < query.to && hour <= now; hour = nextHour(hour)) {
    const aggregate = stored.get(hour);
    if (aggregate?.sealed) hours.push(aggregate);
    else if (aggregate || hour > cursor.value.sealedThrough) hours.push(await foldFromLog(s, aggregate ?? emptyHour(workstream, hour)));
  }
  return hours;
}

/** The insights for a query (whole hours; see core/insights.ts summarizeInsights for what comes back). */
export async function readInsights(s: Services, query: InsightsQuery) {
  const workstreams = query.workstream ? [query.workstream] : s.config.workstreams.map((w) => w.name);
  const hours = (await Promise.all(workstreams.map((w) => hoursOf(s, w, query)))).flat();
  return { hours, summary: summarizeInsights(hours, query, s.config.insights.serviceLevelSeconds) };
}
