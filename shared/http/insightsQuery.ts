import type { Config } from '../core/config';
import { HOUR_MS, type InsightsQuery } from '../core/insights';
import { hourOf } from '../core/queueBoard';
import { ApiError } from './apiError';
import type { EdgeRequest } from './edgeRequest';

/** The default range: the last 24 hours, to the end of the current one. */
const DEFAULT_RANGE_HOURS = 24;
/** Longer ranges come by day unless asked otherwise. */
const HOURLY_BY_DEFAULT_UP_TO_HOURS = 72;
const MAX_HOURLY_RANGE_HOURS = 31 * 24;
const MAX_RANGE_HOURS = 400 * 24;
const DATE_OR_TIME = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d))?$/;

export type InsightsFormat = 'json' | 'csv';

/**
 * GET /api/insights's query: `from` and `to` (ISO 8601 dates or date-times; widened to whole hours), `granularity`
 * (hour | day), `workstream`, `queue`, `bot` (names from the configuration), `format` (json | csv). Checked after
 * the credentials, so a caller without them hears 401 / 403 first.
 */
export function readInsightsQuery(request: EdgeRequest, now: Date, config: Config): { query: InsightsQuery; format: InsightsFormat } {
  const q = request.query;
  const to = q.get('to') === null ? new Date(Date.parse(hourOf(now.toISOString())) + HOUR_MS).toISOString() : ceilHour(instant('to', q.get('to') as string));
  const from = q.get('from') === null ? new Date(Date.parse(to) - DEFAULT_RANGE_HOURS * HOUR_MS).toISOString() : hourOf(instant('from', q.get('from') as string));
  const hours = (Date.parse(to) - Date.parse(from)) / HOUR_MS;
  if (hours <= 0) throw new ApiError('InvalidQuery', `from must be before to (from ${from}, to ${to})`);
  if (hours > MAX_RANGE_HOURS) throw new ApiError('InvalidQuery', `the range is ${Math.round(hours / 24)} days; at most ${MAX_RANGE_HOURS / 24} days`);
  const granularity = oneOf('granularity', q.get('granularity'), ['hour', 'day'] as const) ?? (hours <= HOURLY_BY_DEFAULT_UP_TO_HOURS ? 'hour' : 'day');
  if (granularity === 'hour' && hours > MAX_HOURLY_RANGE_HOURS) throw new ApiError('InvalidQuery', `granularity=hour covers at most ${MAX_HOURLY_RANGE_HOURS / 24} days; this range is ${Math.round(hours / 24)} days: ask for granularity=day`);
  const format = oneOf('format', q.get('format'), ['json', 'csv'] as const) ?? 'json';
  const choices = insightsFilterChoices(config);
  const workstream = named('workstream', q.get('workstream'), choices.workstreams);
  const queue = named('queue', q.get('queue'), choices.queues);
  const bot = named('bot', q.get('bot'), choices.bots);
  return { query: { from, to, granularity, ...(workstream && { workstream }), ...(queue && { queue }), ...(bot && { bot }) }, format };
}

/** The names `workstream`, `queue` and `bot` take (the configuration's), which the insights page offers as its filters. */
export function insightsFilterChoices(config: Config): { workstreams: string[]; queues: string[]; bots: string[] } {
  return {
    workstreams: config.workstreams.map((w) => w.name),
    queues: config.queues.map((q) => q.name),
    bots: config.users.filter((u) => u.kind === 'bot').map((u) => u.id),
  };
}

function instant(name: string, value: string): string {
  const time = DATE_OR_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new ApiError('InvalidQuery', `${name}: expected an ISO 8601 date or date-time with a zone (2026-12-01 or 2026-12-01T09:00:00Z), got ${JSON.stringify(value.slice(0, 40))}`);
  return new Date(time).toISOString();
}

function ceilHour(iso: string): string {
  const hour = hourOf(iso);
  return hour === iso ? hour : new Date(Date.parse(hour) + HOUR_MS).toISOString();
}

function oneOf<T extends string>(name: string, value: string | null, allowed: readonly T[]): T | undefined {
  if (value === null) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new ApiError('InvalidQuery', `${name}: expected ${allowed.join(' or ')}, got ${JSON.stringify(value.slice(0, 40))}`);
  return value as T;
}

function named(name: string, value: string | null, known: readonly string[]): string | undefined {
  if (value === null || value === '') return undefined;
  if (!known.includes(value)) throw new ApiError('InvalidQuery', `${name}: "${value.slice(0, 80)}" is not in the configuration (known: ${known.join(', ') || 'none'})`);
  return value;
}
