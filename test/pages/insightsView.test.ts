import { KPI_CATALOGUE } from '../../shared/core/kpiCatalogue';
import type { BotInsights, KpiDefinition, QueueAnalytics } from '../../pages/workspace/contract';
import {
  anyCounted, BOT_FIGURES, BOT_OUTCOMES, chartRows, definitionOf, figureText, initialSelection, periodLabel, queryOf, queueFigures, rangeCaption, withRange,
  type InsightsSelection,
} from '../../pages/insights/insightsView';

/** What the insights page derives, without a browser: the query of a choice, which figure shows where, and how it reads. */

const NOW = Date.parse('2026-11-30T10:25:00.000Z');
const base: InsightsSelection = initialSelection(NOW);

describe('queryOf: the query a range, a granularity and filters ask', () => {
  test('the last 24 hours is the server default; filters and a chosen granularity go along', () => {
    expect(queryOf(base, NOW)).toEqual({ query: {} });
    expect(queryOf({ ...base, granularity: 'day', queue: 'HomeLoanQueue', bot: 'demo-bot' }, NOW)).toEqual({ query: { granularity: 'day', queue: 'HomeLoanQueue', bot: 'demo-bot' } });
  });

  test('the longer presets end where the server default does (the end of this hour), so a refresh within the hour asks the same', () => {
    expect(queryOf({ ...base, range: 'last7Days' }, NOW)).toEqual({ query: { from: '2026-11-23T11:00:00.000Z' } });
    expect(queryOf({ ...base, range: 'last30Days' }, NOW + 30 * 60_000 - 1)).toEqual({ query: { from: '2026-10-31T11:00:00.000Z' } });
  });

  test('custom dates are UTC days, both included; a missing or reversed day is said, not asked', () => {
    expect(queryOf({ ...base, range: 'custom', fromDate: '2026-11-29', toDate: '2026-11-30' }, NOW)).toEqual({ query: { from: '2026-11-29T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' } });
    expect(queryOf({ ...base, range: 'custom', fromDate: '', toDate: '2026-11-30' }, NOW)).toEqual({ problem: 'Pick the first and the last day of the range.' });
    expect(queryOf({ ...base, range: 'custom', fromDate: '2026-11-30', toDate: '2026-11-29' }, NOW)).toEqual({ problem: 'The last day is before the first.' });
  });

  test('a new range goes back to the server granularity; custom starts as the days shown', () => {
    expect(withRange({ ...base, granularity: 'hour' }, 'last30Days')).toEqual({ ...base, range: 'last30Days' });
    expect(withRange(base, 'custom', { from: '2026-11-29T11:00:00.000Z', to: '2026-11-30T11:00:00.000Z' })).toMatchObject({ range: 'custom', fromDate: '2026-11-29', toDate: '2026-11-30' });
    expect(withRange(base, 'custom', { from: '2026-11-29T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' })).toMatchObject({ fromDate: '2026-11-29', toDate: '2026-11-30' });
  });
});

const bots: BotInsights = {
  botConversations: 7, resolved: 2, resolvedByBot: 1, resolvedByCustomer: 1, resolutionRate: 2 / 7, averageResolutionSeconds: 30,
  escalated: 4, unreachable: 0, escalationRate: 4 / 7, averageTimeToEscalateSeconds: 15, abandoned: 1, abandonRate: 1 / 7,
  deflected: 3, deflectionRate: 3 / 7, averageBotSessionSeconds: 102.9,
};
const none: QueueAnalytics = {
  incoming: 0, answered: 0, abandoned: 0, handled: 0, transferred: 0, serviceLevel: { 20: null, 60: null }, averageSpeedToAnswerSeconds: null,
  abandonRate: null, averageHandleTimeSeconds: null, transferRate: null, averageFirstWaitSeconds: null, offered: 0, offerRejectionRate: null, offerTimeoutRate: null,
};

describe('figures: what shows, how it reads, why it has no value', () => {
  test('bot figures read as counts, whole percents and durations, rates with what they are of', () => {
    const read = Object.fromEntries(BOT_FIGURES.map((f) => [f.label, [figureText(f.kind, f.value(bots)), f.detail?.(bots)]]));
    expect(read).toEqual({
      'Bot conversations': ['7', undefined],
      'Resolution rate': ['29%', '2 of 7 resolved'],
      'Escalation rate': ['57%', '4 of 7 escalated'],
      'Time to escalate': ['15 s', undefined],
      'Abandon rate': ['14%', '1 of 7 abandoned'],
      'Average bot session': ['1 min 43 s', undefined],
      'Deflection rate': ['43%', '3 of 7 deflected'],
    });
  });

  test('queue figures: a service level per configured threshold; agents without incoming and abandoned, with handled', () => {
    expect(queueFigures([20, 60]).map((f) => f.short)).toEqual(['Incoming', 'Answered', 'ASA', 'SL 20 s', 'SL 60 s', 'Abandon rate', 'AHT', 'Transfer rate', 'Rejected offers', 'Timed-out offers', 'First wait']);
    expect(queueFigures([30], true).map((f) => f.short)).toEqual(['Answered', 'Handled', 'ASA', 'SL 30 s', 'AHT', 'Transfer rate', 'Rejected offers', 'Timed-out offers']);
  });

  test('nothing counted: counts are 0, every rate and average is null with its reason', () => {
    const read = queueFigures([20]).map((f) => [f.short, figureText(f.kind, f.value(none)), f.why]);
    expect(read).toEqual([
      ['Incoming', '0', ''],
      ['Answered', '0', ''],
      ['ASA', null, 'No chat was answered in this range.'],
      ['SL 20 s', null, 'No chat was answered in this range.'],
      ['Abandon rate', null, 'No chat came into a queue in this range.'],
      ['AHT', null, "No agent's session of a chat ended in this range."],
      ['Transfer rate', null, "No agent's session of a chat ended in this range."],
      ['Rejected offers', null, 'No chat was offered to an agent in this range.'],
      ['Timed-out offers', null, 'No chat was offered to an agent in this range.'],
      ['First wait', null, 'No chat was answered or abandoned in this range.'],
    ]);
  });

  test('every figure shows a KPI of the catalogue (a renamed KPI fails here, not as an empty tooltip)', () => {
    const known = new Set(KPI_CATALOGUE.map((d) => `${d.family} ${d.id}`));
    const shown = [...BOT_FIGURES.map((f) => `bot ${f.definitionId}`), ...queueFigures([20], false).concat(queueFigures([20], true)).map((f) => `queue ${f.definitionId}`)];
    expect(shown.filter((id) => !known.has(id))).toEqual([]);
  });

  test("a figure's definition is the server's, by family (bots and queues both have an abandon rate); a service level names its N", () => {
    const definitions: KpiDefinition[] = [
      { id: 'abandonRate', family: 'bot', label: 'Bot abandon rate', unit: 'rate', definition: 'Abandoned with the bot / bot conversations.', events: [] },
      { id: 'abandonRate', family: 'queue', label: 'Abandon rate', unit: 'rate', definition: 'Abandoned / incoming.', events: [] },
      { id: 'serviceLevel', family: 'queue', label: 'Service level', unit: 'rate', definition: 'Answered within N seconds / answered.', events: [] },
    ];
    expect(definitionOf(definitions, 'bot', { definitionId: 'abandonRate', key: 'botAbandonRate' })).toBe('Abandoned with the bot / bot conversations.');
    expect(definitionOf(definitions, 'queue', { definitionId: 'abandonRate', key: 'abandonRate' })).toBe('Abandoned / incoming.');
    expect(definitionOf(definitions, 'queue', { definitionId: 'serviceLevel', key: 'serviceLevel60' })).toBe('Answered within N seconds / answered. Here N is 60 seconds.');
  });
});

describe('charts', () => {
  test('rows per period, labelled in UTC; a range with nothing counted has nothing to draw', () => {
    const series = [{ start: '2026-11-30T08:00:00.000Z', ...bots }, { start: '2026-11-30T09:00:00.000Z', ...bots, resolved: 0, escalated: 0, abandoned: 0 }];
    const rows = chartRows(series, 'hour', BOT_OUTCOMES);
    expect(rows).toEqual([{ period: '08:00', resolved: 2, escalated: 4, abandoned: 1 }, { period: '09:00', resolved: 0, escalated: 0, abandoned: 0 }]);
    expect(anyCounted(rows, BOT_OUTCOMES)).toBe(true);
    expect(anyCounted(rows.slice(1), BOT_OUTCOMES)).toBe(false);
    expect(periodLabel('2026-11-30T00:00:00.000Z', 'day')).toBe('30 Nov');
    expect(rangeCaption({ from: '2026-11-30T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', granularity: 'day', generatedAt: '2026-11-30T10:25:03.000Z' }))
      .toBe('30 Nov 2026, 00:00 – 1 Dec 2026, 00:00 UTC, by day (read at 10:25)');
  });
});
