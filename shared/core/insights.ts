import { addBotCountersInto, botKpis, countBotSession, emptyBotCounters, type BotCounters } from './botKpis';
import type { FeedEvent, FeedScope, StoredFeedEvent } from './feed';
import { hourOf } from './queueBoard';
import { addCountersInto, countKpiEvent, emptyCounters, kpiQueueOf, offerKpis, queueKpis, SERVICE_LEVEL_CHOICES, type KpiEvent, type QueueCounters } from './kpis';

/**
 * Bot insights and queue analytics over time (GET /api/insights): the KPIs of core/kpis.ts and
 * core/botKpis.ts, counted per workstream and hour from the same telemetry events that go to Application
 * Insights. Pure: events in, counters out.
 *
 * How it stays cheap: every event a KPI counts is appended, as it happens, to its workstream's log for the
 * hour (an event feed scope, `insights:<workstream>:<hour>`). An hour's counters are folded from its log
 * once and kept as one aggregate (HourAggregate) with the log position they reach, so reading a month is
 * one partition query of 720 small documents plus the current hour's few events, never a scan of events.
 */

/** An event as the insights record it: the telemetry event, with the conversation id among its properties. */
export type InsightEvent = KpiEvent;

export const insightsScope = (workstream: string, hour: string): FeedScope => `insights:${workstream}:${hour}`;

export const HOUR_MS = 60 * 60 * 1000;

export function nextHour(hour: string): string {
  return new Date(Date.parse(hour) + HOUR_MS).toISOString();
}

const BOT_EVENTS = new Set(['BotSessionEnded', 'Escalated']);
const OFFER_EVENTS = new Set(['Offered', 'OfferRejected', 'OfferExpired']);

/** The queue an event counts for in queue analytics: the KPIs' own (kpiQueueOf), and offers by their queue. */
function analyticsQueueOf(event: InsightEvent): string | undefined {
  return kpiQueueOf(event) ?? (OFFER_EVENTS.has(event.name) ? event.properties.queue || undefined : undefined);
}

/** Whether an insight counts the event: the one place that says which events the insights log keeps. */
export function countsForInsights(event: InsightEvent): boolean {
  return BOT_EVENTS.has(event.name) || analyticsQueueOf(event) !== undefined;
}

/** The log events of one committed change's telemetry, ids stable across retries (`key` names the change). */
export function insightLogEvents(workstream: string, at: string, key: string, events: readonly InsightEvent[]): FeedEvent[] {
  const scope = insightsScope(workstream, hourOf(at));
  return events.flatMap((event, index) =>
    countsForInsights(event) ? [{ scope, id: `insight:${key}:${index}`, type: 'insight', at, data: { name: event.name, properties: event.properties, measurements: event.measurements ?? {} } }] : [],
  );
}

/** One workstream's counters for one hour, folded from its log up to `throughSeq`. */
export interface HourAggregate {
  workstream: string;
  /** ISO start of the hour. */
  hour: string;
  /** The last seq of the hour's log folded in (0: none). */
  throughSeq: number;
  /**
   * Folded after the hour and its grace were over: no event is expected any more, and a reader takes the
   * counters as they are. An event that arrives late anyway (a redelivered change) unseals it again.
   */
  sealed: boolean;
  /** Queue analytics by queue and agent (rowKey([queue, agent]); agent '' for what no agent did: incoming, abandoned). */
  queues: Record<string, QueueCounters>;
  /** Bot insights by bot, its queue, the rule that placed the chat with it, and the topic (rowKey([bot, queue, rule, topic])). */
  bots: Record<string, BotCounters>;
  /** Escalation reasons by bot: "variable = value" of the context the bot set when it escalated → count. */
  reasons: Record<string, Record<string, number>>;
}

export function emptyHour(workstream: string, hour: string): HourAggregate {
  return { workstream, hour, throughSeq: 0, sealed: false, queues: {}, bots: {}, reasons: {} };
}

export const rowKey = (parts: readonly string[]): string => JSON.stringify(parts);
const rowParts = (key: string): string[] => JSON.parse(key) as string[];

/** Distinct reasons kept per bot and hour; the rest count as OTHER_REASON, so a free-text variable cannot grow a document without bound. */
const MAX_REASONS_PER_BOT = 50;
export const OTHER_REASON = '(other values)';

/** The hour with its log's events after `throughSeq` counted in (events at or before it are already counted). */
export function foldHour(hour: HourAggregate, events: readonly StoredFeedEvent[]): HourAggregate {
  const next: HourAggregate = { ...hour, queues: { ...hour.queues }, bots: { ...hour.bots }, reasons: { ...hour.reasons } };
  for (const stored of events) {
    if (stored.seq <= next.throughSeq) continue;
    next.throughSeq = stored.seq;
    const event = stored.data as unknown as InsightEvent;
    const p = event.properties;
    if (event.name === 'BotSessionEnded' && p.bot) {
      const key = rowKey([p.bot, p.queue ?? '', p.rule ?? '', p.topic ?? '']);
      next.bots[key] = countBotSession(next.bots[key] ?? emptyBotCounters(), event);
    }
    if (event.name === 'Escalated' && p.bot && p.botContext) countReasons(next, p.bot, p.botContext);
    const queue = analyticsQueueOf(event);
    if (queue !== undefined) {
      const key = rowKey([queue, p.agent ?? '']);
      next.queues[key] = countKpiEvent(next.queues[key] ?? emptyCounters(), event, SERVICE_LEVEL_CHOICES);
    }
  }
  return next;
}

function countReasons(hour: HourAggregate, bot: string, botContext: string): void {
  let context: Record<string, unknown>;
  try {
    context = JSON.parse(botContext) as Record<string, unknown>;
  } catch {
    return;
  }
  const reasons = { ...(hour.reasons[bot] ?? {}) };
  for (const [variable, value] of Object.entries(context)) {
    const reason = `${variable} = ${String(value)}`;
    const known = reason in reasons || Object.keys(reasons).length < MAX_REASONS_PER_BOT;
    const key = known ? reason : OTHER_REASON;
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  hour.reasons[bot] = reasons;
}

/** What to read: whole hours [from, to), optionally one queue's or one bot's rows. */
export interface InsightsQuery {
  from: string;
  to: string;
  granularity: 'hour' | 'day';
  workstream?: string;
  queue?: string;
  bot?: string;
}

/** The start of the period (hour or UTC day) an hour falls in. */
export function periodOf(hour: string, granularity: InsightsQuery['granularity']): string {
  return granularity === 'hour' ? hour : `${hour.slice(0, 10)}T00:00:00.000Z`;
}

interface QueueRow { workstream: string; queue: string; agent: string; counters: QueueCounters }
interface BotRow { workstream: string; bot: string; queue: string; rule: string; topic: string; counters: BotCounters }

/**
 * The bots' queues: those a bot session ended from in the hours read. Queue analytics leave them out: a chat
 * there is with a bot, so it counts in the bot insights, and counting it as incoming would dilute the human
 * queues' abandon rate with every bot conversation (the KQL does the same, from the same events).
 */
export function botQueuesOf(hours: readonly HourAggregate[]): Set<string> {
  return new Set(hours.flatMap((h) => Object.keys(h.bots).map((key) => rowParts(key)[1] ?? '')));
}

function queueRowsOf(hours: readonly HourAggregate[], query: InsightsQuery): (QueueRow & { period: string })[] {
  const botQueues = botQueuesOf(hours);
  return hours.flatMap((h) =>
    Object.entries(h.queues)
      .map(([key, counters]) => {
        const [queue = '', agent = ''] = rowParts(key);
        return { workstream: h.workstream, queue, agent, counters, period: periodOf(h.hour, query.granularity) };
      })
      .filter((row) => !botQueues.has(row.queue) && (query.queue === undefined || row.queue === query.queue)),
  );
}

function botRowsOf(hours: readonly HourAggregate[], query: InsightsQuery): (BotRow & { period: string })[] {
  return hours.flatMap((h) =>
    Object.entries(h.bots)
      .map(([key, counters]) => {
        const [bot = '', queue = '', rule = '', topic = ''] = rowParts(key);
        return { workstream: h.workstream, bot, queue, rule, topic, counters, period: periodOf(h.hour, query.granularity) };
      })
      .filter((row) => (query.bot === undefined || row.bot === query.bot) && (query.queue === undefined || row.queue === query.queue)),
  );
}

/** Sums rows by a key, in key order, each key into a fresh accumulator (`addInto` adds its second argument into its first). */
function sumBy<Row, C>(rows: readonly Row[], keyOf: (row: Row) => string, countersOf: (row: Row) => C, addInto: (sum: C, b: C) => C, empty: () => C): [string, C][] {
  const sums = new Map<string, C>();
  for (const row of rows) {
    const key = keyOf(row);
    let sum = sums.get(key);
    if (sum === undefined) sums.set(key, (sum = empty()));
    addInto(sum, countersOf(row));
  }
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** The queue KPIs of counters, with the offer KPIs, for the configured service-level thresholds. */
export function queueAnalytics(counters: QueueCounters, serviceLevelSeconds: readonly number[]) {
  return { ...queueKpis(counters, serviceLevelSeconds), ...offerKpis(counters) };
}
export type QueueAnalytics = ReturnType<typeof queueAnalytics>;

/** Every period from the query's start to its end, so a chart shows an hour without chats as zero, not as a gap. */
function periodsOf(query: InsightsQuery): string[] {
  const periods: string[] = [];
  for (let hour = hourOf(query.from); hour < query.to; hour = nextHour(hour)) {
    const period = periodOf(hour, query.granularity);
    if (periods.at(-1) !== period) periods.push(period);
  }
  return periods;
}

const UNNAMED = '(none)';

/** The insights of the hours read: totals, breakdowns, series per period, and the top escalation reasons. */
export function summarizeInsights(hours: readonly HourAggregate[], query: InsightsQuery, serviceLevelSeconds: readonly number[]) {
  const queueRows = queueRowsOf(hours, query);
  const botRows = botRowsOf(hours, query);
  const queues = (keyOf: (row: QueueRow & { period: string }) => string) =>
    sumBy(queueRows, keyOf, (r) => r.counters, addCountersInto, emptyCounters);
  const bots = (keyOf: (row: BotRow & { period: string }) => string) =>
    sumBy(botRows, keyOf, (r) => r.counters, addBotCountersInto, emptyBotCounters);
  const analytics = (counters: QueueCounters) => queueAnalytics(counters, serviceLevelSeconds);
  const queueSeries = new Map(queues((r) => r.period));
  const botSeries = new Map(bots((r) => r.period));
  return {
    queues: {
      /** Left out of the queue analytics: the queues bots served chats from (botQueuesOf). */
      botQueues: [...botQueuesOf(hours)].sort(),
      total: analytics(queueRows.reduce((sum, row) => addCountersInto(sum, row.counters), emptyCounters())),
      byWorkstream: queues((r) => r.workstream).map(([workstream, c]) => ({ workstream, ...analytics(c) })),
      byQueue: queues((r) => r.queue).map(([queue, c]) => ({ queue, ...analytics(c) })),
      byAgent: sumBy(queueRows.filter((r) => r.agent !== ''), (r) => r.agent, (r) => r.counters, addCountersInto, emptyCounters).map(([agent, c]) => ({ agent, ...analytics(c) })),
      series: periodsOf(query).map((start) => ({ start, ...analytics(queueSeries.get(start) ?? emptyCounters()) })),
    },
    bots: {
      total: botKpis(botRows.reduce((sum, row) => addBotCountersInto(sum, row.counters), emptyBotCounters())),
      byBot: bots((r) => r.bot).map(([bot, c]) => ({ bot, ...botKpis(c) })),
      byTopic: bots((r) => r.topic || UNNAMED).map(([topic, c]) => ({ topic, ...botKpis(c) })),
      byRule: bots((r) => r.rule || UNNAMED).map(([rule, c]) => ({ rule, ...botKpis(c) })),
      escalationReasons: topReasons(hours, query),
      series: periodsOf(query).map((start) => ({ start, ...botKpis(botSeries.get(start) ?? emptyBotCounters()) })),
    },
  };
}
export type InsightsSummary = ReturnType<typeof summarizeInsights>;

const TOP_REASONS = 10;

/** The most frequent escalation reasons of the bots asked for (reasons are kept by bot, so a queue filter does not narrow them). */
function topReasons(hours: readonly HourAggregate[], query: InsightsQuery): { reason: string; escalations: number }[] {
  const counts = new Map<string, number>();
  for (const hour of hours) {
    for (const [bot, reasons] of Object.entries(hour.reasons)) {
      if (query.bot !== undefined && bot !== query.bot) continue;
      for (const [reason, n] of Object.entries(reasons)) counts.set(reason, (counts.get(reason) ?? 0) + n);
    }
  }
  return [...counts.entries()]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, TOP_REASONS)
    .map(([reason, escalations]) => ({ reason, escalations }));
}

/** One row of the export: a queue's or a bot's KPIs in one period. */
export type InsightsRow =
  | ({ period: string; family: 'workstream' | 'queue' | 'agent'; name: string } & QueueAnalytics)
  | ({ period: string; family: 'bot'; name: string } & ReturnType<typeof botKpis>);

/**
 * The export's rows: per period, the queue analytics of each workstream, queue and agent (what the agent
 * answered, handled and was offered), then each bot's insights; by family, then name.
 */
export function insightsRows(hours: readonly HourAggregate[], query: InsightsQuery, serviceLevelSeconds: readonly number[]): InsightsRow[] {
  const byPeriodAnd = <Row extends { period: string }, C>(rows: readonly Row[], name: (row: Row) => string, countersOf: (row: Row) => C, add: (a: C, b: C) => C, empty: () => C) =>
    sumBy(rows, (row) => rowKey([row.period, name(row)]), countersOf, add, empty).map(([key, counters]) => {
      const [period = '', rowName = ''] = rowParts(key);
      return { period, name: rowName, counters };
    });
  const queueRows = queueRowsOf(hours, query);
  const analyticsBy = (family: 'workstream' | 'queue' | 'agent', rows: typeof queueRows, name: (row: (typeof queueRows)[number]) => string) =>
    byPeriodAnd(rows, name, (r) => r.counters, addCountersInto, emptyCounters).map(({ period, name: rowName, counters }) => ({ period, family, name: rowName, ...queueAnalytics(counters, serviceLevelSeconds) }));
  const queues = [
    ...analyticsBy('workstream', queueRows, (r) => r.workstream),
    ...analyticsBy('queue', queueRows, (r) => r.queue),
    ...analyticsBy('agent', queueRows.filter((r) => r.agent !== ''), (r) => r.agent),
  ];
  const bots = byPeriodAnd(botRowsOf(hours, query), (r) => r.bot, (r) => r.counters, addBotCountersInto, emptyBotCounters)
    .map(({ period, name, counters }) => ({ period, family: 'bot' as const, name, ...botKpis(counters) }));
  const order = ['bot', 'workstream', 'queue', 'agent'];
  return [...queues, ...bots].sort((a, b) => a.period.localeCompare(b.period) || order.indexOf(a.family) - order.indexOf(b.family) || a.name.localeCompare(b.name));
}
