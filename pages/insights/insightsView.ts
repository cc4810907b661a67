import { averageSeconds, percent } from '../supervisor/supervisorFormat';
import type { BotInsights, Insights, InsightsGranularity, InsightsQuery, KpiDefinition, QueueAnalytics } from '../workspace/contract';

/**
 * What the insights page derives from GET /api/insights, without React: the query a choice of range and
 * filters asks, which figure shows where and how it reads, why a figure has no value, and the charts'
 * rows. The numbers and their definitions are the server's (shared/core/kpiCatalogue.ts): nothing here
 * counts or defines a KPI, it only picks and words them. Plain data, so test/pages/insightsView.test.ts
 * checks it without a browser.
 */

export const RANGE_CHOICES = ['last24Hours', 'last7Days', 'last30Days', 'custom'] as const;
export type RangeChoice = (typeof RANGE_CHOICES)[number];

export const RANGE_LABELS: Record<RangeChoice, string> = {
  last24Hours: 'Last 24 hours',
  last7Days: 'Last 7 days',
  last30Days: 'Last 30 days',
  custom: 'Custom dates',
};

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const PRESET_HOURS: Record<Exclude<RangeChoice, 'custom'>, number> = { last24Hours: 24, last7Days: 7 * 24, last30Days: 30 * 24 };

/** What the supervisor picked: a range (custom dates are UTC days, both included), a granularity or the server's, and filters. */
export interface InsightsSelection {
  range: RangeChoice;
  /** yyyy-mm-dd, for `custom`. */
  fromDate: string;
  toDate: string;
  /** Absent: the server's choice for the range. */
  granularity?: InsightsGranularity;
  workstream?: string;
  queue?: string;
  bot?: string;
}

export const initialSelection = (nowMs: number): InsightsSelection => {
  const today = new Date(nowMs).toISOString().slice(0, 10);
  return { range: 'last24Hours', fromDate: today, toDate: today };
};

const DATE = /^\d{4}-\d\d-\d\d$/;

/**
 * The query of a selection at `nowMs` (the server's time), or what is missing. The last 24 hours is the
 * server's default range (to the end of the current hour); the longer presets are as many hours to that
 * same end, so their query changes only when the hour does (a minute's refresh reads the same range).
 */
export function queryOf(selection: InsightsSelection, nowMs: number): { query: InsightsQuery } | { problem: string } {
  const filters = {
    ...(selection.granularity && { granularity: selection.granularity }),
    ...(selection.workstream && { workstream: selection.workstream }),
    ...(selection.queue && { queue: selection.queue }),
    ...(selection.bot && { bot: selection.bot }),
  };
  if (selection.range === 'last24Hours') return { query: filters };
  if (selection.range !== 'custom') {
    const endOfThisHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS;
    return { query: { from: new Date(endOfThisHour - PRESET_HOURS[selection.range] * HOUR_MS).toISOString(), ...filters } };
  }
  if (!DATE.test(selection.fromDate) || !DATE.test(selection.toDate)) return { problem: 'Pick the first and the last day of the range.' };
  if (selection.toDate < selection.fromDate) return { problem: 'The last day is before the first.' };
  const to = new Date(Date.parse(`${selection.toDate}T00:00:00.000Z`) + DAY_MS).toISOString();
  return { query: { from: `${selection.fromDate}T00:00:00.000Z`, to, ...filters } };
}

/**
 * A new range takes the server's granularity for it again (a long range cannot be had by hour); custom
 * dates start as the days of the range shown, so the supervisor narrows or widens what they see.
 */
export function withRange(selection: InsightsSelection, range: RangeChoice, shown?: Pick<Insights, 'from' | 'to'>): InsightsSelection {
  const { granularity: _dropped, ...rest } = selection;
  if (range !== 'custom' || !shown) return { ...rest, range };
  const lastDay = new Date(Date.parse(shown.to) - 1).toISOString().slice(0, 10);
  return { ...rest, range, fromDate: shown.from.slice(0, 10), toDate: lastDay };
}

// Figures

export type FigureKind = 'count' | 'rate' | 'seconds';

/** One figure: the KPI it shows (its definition's id), its words on a tile and in a table's heading, its value, and why it may have none. */
export interface Figure<Row> {
  key: string;
  /** The definition's id in `definitions` (with the figure's family). */
  definitionId: string;
  label: string;
  /** A table's heading, where the label is long. */
  short: string;
  kind: FigureKind;
  value: (row: Row) => number | null;
  /** Why the value is null: what was not counted. */
  why: string;
  /** What a rate is of ("2 of 7"), for a tile. */
  detail?: (row: Row) => string;
}

const NOTHING = {
  botConversations: 'No bot conversation ended in this range.',
  escalated: 'No bot conversation was escalated in this range.',
  incoming: 'No chat came into a queue in this range.',
  answered: 'No chat was answered in this range.',
  waited: 'No chat was answered or abandoned in this range.',
  handled: "No agent's session of a chat ended in this range.",
  offered: 'No chat was offered to an agent in this range.',
} as const;

const of = (part: number, whole: number, what: string) => `${part} of ${whole} ${what}`;

/** The bot figures, on the tiles and in the tables by bot, topic and rule. */
export const BOT_FIGURES: Figure<BotInsights>[] = [
  { key: 'botConversations', definitionId: 'botConversations', label: 'Bot conversations', short: 'Conversations', kind: 'count', value: (r) => r.botConversations, why: '' },
  {
    key: 'resolutionRate', definitionId: 'resolutionRate', label: 'Resolution rate', short: 'Resolved', kind: 'rate', value: (r) => r.resolutionRate, why: NOTHING.botConversations,
    detail: (r) => of(r.resolved, r.botConversations, 'resolved'),
  },
  {
    key: 'escalationRate', definitionId: 'escalationRate', label: 'Escalation rate', short: 'Escalated', kind: 'rate', value: (r) => r.escalationRate, why: NOTHING.botConversations,
    detail: (r) => of(r.escalated, r.botConversations, 'escalated'),
  },
  { key: 'timeToEscalate', definitionId: 'averageTimeToEscalateSeconds', label: 'Time to escalate', short: 'Time to escalate', kind: 'seconds', value: (r) => r.averageTimeToEscalateSeconds, why: NOTHING.escalated },
  {
    key: 'botAbandonRate', definitionId: 'abandonRate', label: 'Abandon rate', short: 'Abandoned', kind: 'rate', value: (r) => r.abandonRate, why: NOTHING.botConversations,
    detail: (r) => of(r.abandoned, r.botConversations, 'abandoned'),
  },
  { key: 'botSession', definitionId: 'averageBotSessionSeconds', label: 'Average bot session', short: 'Bot session', kind: 'seconds', value: (r) => r.averageBotSessionSeconds, why: NOTHING.botConversations },
  {
    key: 'deflectionRate', definitionId: 'deflectionRate', label: 'Deflection rate', short: 'Deflected', kind: 'rate', value: (r) => r.deflectionRate, why: NOTHING.botConversations,
    detail: (r) => of(r.deflected, r.botConversations, 'deflected'),
  },
];

const serviceLevelFigure = (seconds: number): Figure<QueueAnalytics> => ({
  key: `serviceLevel${seconds}`,
  definitionId: 'serviceLevel',
  label: `Service level (${seconds} s)`,
  short: `SL ${seconds} s`,
  kind: 'rate',
  value: (r) => r.serviceLevel[String(seconds)] ?? null,
  why: NOTHING.answered,
  detail: (r) => `of ${r.answered} answered`,
});

/** The queue figures, one service level per configured threshold; `forAgents` leaves out what no agent does (incoming, abandoned). */
export function queueFigures(serviceLevelSeconds: readonly number[], forAgents = false): Figure<QueueAnalytics>[] {
  const figures: (Figure<QueueAnalytics> & { notForAgents?: boolean; onlyForAgents?: boolean })[] = [
    { key: 'incoming', definitionId: 'incoming', label: 'Incoming', short: 'Incoming', kind: 'count', value: (r) => r.incoming, why: '', notForAgents: true },
    { key: 'answered', definitionId: 'answered', label: 'Answered', short: 'Answered', kind: 'count', value: (r) => r.answered, why: '' },
    { key: 'handled', definitionId: 'handled', label: 'Handled sessions', short: 'Handled', kind: 'count', value: (r) => r.handled, why: '', onlyForAgents: true },
    { key: 'asa', definitionId: 'averageSpeedToAnswerSeconds', label: 'Average speed to answer', short: 'ASA', kind: 'seconds', value: (r) => r.averageSpeedToAnswerSeconds, why: NOTHING.answered },
    ...serviceLevelSeconds.map(serviceLevelFigure),
    {
      key: 'abandonRate', definitionId: 'abandonRate', label: 'Abandon rate', short: 'Abandon rate', kind: 'rate', value: (r) => r.abandonRate, why: NOTHING.incoming, notForAgents: true,
      detail: (r) => of(r.abandoned, r.incoming, 'abandoned'),
    },
    { key: 'aht', definitionId: 'averageHandleTimeSeconds', label: 'Average handle time', short: 'AHT', kind: 'seconds', value: (r) => r.averageHandleTimeSeconds, why: NOTHING.handled },
    {
      key: 'transferRate', definitionId: 'transferRate', label: 'Transfer rate', short: 'Transfer rate', kind: 'rate', value: (r) => r.transferRate, why: NOTHING.handled,
      detail: (r) => of(r.transferred, r.handled, 'transferred'),
    },
    {
      key: 'offerRejectionRate', definitionId: 'offerRejectionRate', label: 'Offer rejection rate', short: 'Rejected offers', kind: 'rate', value: (r) => r.offerRejectionRate, why: NOTHING.offered,
      detail: (r) => `of ${r.offered} offers`,
    },
    {
      key: 'offerTimeoutRate', definitionId: 'offerTimeoutRate', label: 'Offer timeout rate', short: 'Timed-out offers', kind: 'rate', value: (r) => r.offerTimeoutRate, why: NOTHING.offered,
      detail: (r) => `of ${r.offered} offers`,
    },
    { key: 'firstWait', definitionId: 'averageFirstWaitSeconds', label: 'Average first wait', short: 'First wait', kind: 'seconds', value: (r) => r.averageFirstWaitSeconds, why: NOTHING.waited, notForAgents: true },
  ];
  return figures.filter((f) => (forAgents ? !f.notForAgents : !f.onlyForAgents)).map(({ notForAgents: _n, onlyForAgents: _o, ...figure }) => figure);
}

/** A figure's definition in the server's words; a service level's names its threshold. */
export function definitionOf(definitions: readonly KpiDefinition[], family: KpiDefinition['family'], figure: Pick<Figure<unknown>, 'definitionId' | 'key'>): string {
  const found = definitions.find((d) => d.family === family && d.id === figure.definitionId);
  if (!found) return '';
  const threshold = /^serviceLevel(\d+)$/.exec(figure.key)?.[1];
  return threshold ? `${found.definition} Here N is ${threshold} seconds.` : found.definition;
}

// Charts

/** A period's label: an hour as "08:00", a day as "30 Nov" (UTC: the server counts in UTC hours and days). */
export function periodLabel(start: string, granularity: InsightsGranularity): string {
  return granularity === 'hour' ? start.slice(11, 16) : DAY_LABEL.format(new Date(start));
}
const DAY_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const RANGE_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** "30 Nov 2026, 00:00 – 1 Dec 2026, 00:00 UTC, by hour (read at 11:02)". */
export function rangeCaption(insights: Pick<Insights, 'from' | 'to' | 'granularity' | 'generatedAt'>): string {
  const range = `${RANGE_LABEL.format(new Date(insights.from))} – ${RANGE_LABEL.format(new Date(insights.to))} UTC`;
  return `${range}, by ${insights.granularity} (read at ${insights.generatedAt.slice(11, 16)})`;
}

/** A chart's series: its key in the rows, its name in the legend and the table. */
export interface ChartSeries {
  key: string;
  name: string;
}

export const BOT_OUTCOMES: ChartSeries[] = [
  { key: 'resolved', name: 'Resolved' },
  { key: 'escalated', name: 'Escalated' },
  { key: 'abandoned', name: 'Abandoned' },
];

export const QUEUE_FLOW: ChartSeries[] = [
  { key: 'incoming', name: 'Incoming' },
  { key: 'answered', name: 'Answered' },
  { key: 'abandoned', name: 'Abandoned' },
];

export type ChartRow = { period: string } & Record<string, number | string>;

/** A series' periods as chart rows: the period's label and each series' count. */
export function chartRows<Row extends { start: string }>(series: readonly Row[], granularity: InsightsGranularity, keys: readonly ChartSeries[]): ChartRow[] {
  return series.map((point) => {
    const row: ChartRow = { period: periodLabel(point.start, granularity) };
    for (const { key } of keys) row[key] = Number((point as unknown as Record<string, unknown>)[key] ?? 0);
    return row;
  });
}

/** Whether a chart has anything to draw. */
export const anyCounted = (rows: readonly ChartRow[], keys: readonly ChartSeries[]) => rows.some((row) => keys.some(({ key }) => Number(row[key]) > 0));

const COUNT = new Intl.NumberFormat('en-US');

/** A figure's value as it reads; null has no text (the page shows "—" with the figure's `why`). */
export function figureText(kind: FigureKind, value: number | null): string | null {
  if (value === null) return null;
  if (kind === 'count') return COUNT.format(value);
  return kind === 'rate' ? percent(value) : averageSeconds(value);
}
