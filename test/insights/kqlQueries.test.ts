import { readFileSync, writeFileSync } from 'node:fs';
import { botKpis, emptyBotCounters } from '../../shared/core/botKpis';
import { foldHour, emptyHour, countsForInsights, queueAnalytics, summarizeInsights, type InsightEvent } from '../../shared/core/insights';
import { KPI_CATALOGUE } from '../../shared/core/kpiCatalogue';
import { emptyCounters } from '../../shared/core/kpis';
import { hourOf } from '../../shared/core/queueBoard';
import { parseKqlSections, readKql } from '../../infra/insights/buildWorkbook';
import { DEFINITIONS_PATH, queriesComputing, queryColumns, README_PATH, renderDefinitions, withReadmeTable } from '../../infra/insights/kpiDefinitions';
import { analyzeKql } from '../../infra/insights/kqlLanguage';
import { EXPECTED_PATH, readSample } from '../../infra/insights/sendSample';

/**
 * The KQL in infra/insights/ against the one definition per KPI (shared/core/kpiCatalogue.ts): every query parses
 * and binds against the customEvents schema (Microsoft's Kusto language service; nothing on npm runs KQL), every
 * KPI is a column of a query that reads its events, the KPI queries return exactly the fields the local
 * computation returns, and the values Azure must return for the recorded day are written down
 * (day-of-traffic.expected.json: the local computation over the same events, pinned to the hand-worked numbers
 * of dayOfTraffic.test.ts). `UPDATE_INSIGHTS_SAMPLE=1` writes the expected values again.
 */

const sections = parseKqlSections(readKql());
const columns = queryColumns(sections);
const section = (id: string) => sections.find((s) => s.id === id)!;
const SERVICE_LEVEL_SECONDS = [20, 60];

test('every query parses and binds against customEvents, without errors', () => {
  expect(sections.length).toBeGreaterThanOrEqual(5);
  for (const { id, query } of sections) {
    expect([id, analyzeKql(query).diagnostics.filter((d) => d.severity === 'Error')]).toEqual([id, []]);
  }
});

test('the analysis finds what Azure would refuse: an unknown column, a wrong argument count, an unknown table', () => {
  const errors = (query: string) => analyzeKql(query).diagnostics.filter((d) => d.severity === 'Error').map((d) => d.code);
  expect(errors('customEvents | where nmae == "Routed"')).not.toEqual([]);
  expect(errors('customEvents | extend x = floor(1.5)')).not.toEqual([]);
  expect(errors('customEvent | count')).not.toEqual([]);
  expect(errors('customEvents | summarize n = count() by bin(timestamp, 1h)')).toEqual([]);
});

test('every KPI of the catalogue is a column of a query that reads its events', () => {
  for (const kpi of KPI_CATALOGUE) {
    expect([kpi.family, kpi.id, queriesComputing(kpi, sections, (s) => columns.get(s.id) ?? []).length > 0]).toEqual([kpi.family, kpi.id, true]);
  }
});

test('the KPI queries return the fields the local computation returns, by period and dimension', () => {
  const rowKeys = ['period', 'dimension', 'value'];
  expect(columns.get('bot-insights')).toEqual([...rowKeys, ...Object.keys(botKpis(emptyBotCounters()))]);
  expect(columns.get('queue-analytics')).toEqual([...rowKeys, ...Object.keys(queueAnalytics(emptyCounters(), SERVICE_LEVEL_SECONDS))]);
  expect(columns.get('escalation-reasons')).toEqual(['reason', 'escalations']);
  const types = Object.fromEntries(analyzeKql(section('queue-analytics').query).columns.map((c) => [c.name, c.type]));
  expect(types).toMatchObject({ period: 'datetime', incoming: 'long', serviceLevel: 'dynamic', abandonRate: 'real', averageHandleTimeSeconds: 'real' });
});

test('the KPI queries default to the local defaults: per day, the application\'s own events, service level at 20 s and 60 s', () => {
  for (const id of ['bot-insights', 'queue-analytics', 'escalation-reasons']) expect(section(id).query).toContain('let sampleRun = "";');
  for (const id of ['bot-insights', 'queue-analytics']) expect(section(id).query).toContain('let period = 1d;');
  expect(section('queue-analytics').query).toContain('let serviceLevelSeconds = dynamic([20, 60]);');
});

test('kpi-definitions.md and the README\'s KPI table are generated from the catalogue and the queries (run: npm run insights:definitions)', () => {
  expect(readFileSync(DEFINITIONS_PATH, 'utf8')).toBe(renderDefinitions(sections, columns));
  const readme = readFileSync(README_PATH, 'utf8');
  expect(readme).toBe(withReadmeTable(readme));
  for (const kpi of KPI_CATALOGUE) expect(readFileSync(DEFINITIONS_PATH, 'utf8')).toContain(kpi.definition);
});

/** The local computation over the sample, in the KQL queries' rows (period = 1d; the day is the one it lands on). */
function localRows() {
  const events = readSample().map((e) => ({ ...e, data: { name: e.name, properties: e.properties, measurements: e.measurements } as InsightEvent }));
  const byHour = new Map<string, typeof events>();
  for (const event of events.filter((e) => countsForInsights(e.data))) byHour.set(hourOf(event.timestamp), [...(byHour.get(hourOf(event.timestamp)) ?? []), event]);
  const hours = [...byHour.entries()].map(([hour, logged]) =>
    foldHour(emptyHour('ChatWorkStream', hour), logged.map((e, i) => ({ scope: `insights:ChatWorkStream:${hour}`, id: `e${i}`, type: 'insight', at: e.timestamp, seq: i + 1, data: e.data as never }))));
  const day = events[0]!.timestamp.slice(0, 10);
  const s = summarizeInsights(hours, { from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.999Z`, granularity: 'day' }, SERVICE_LEVEL_SECONDS);
  const row = (dimension: string, value: string, kpis: object) => ({ dimension, value, ...kpis });
  return {
    'bot-insights': [
      ...s.bots.byBot.map(({ bot, ...k }) => row('bot', bot, k)),
      ...s.bots.byRule.map(({ rule, ...k }) => row('rule', rule, k)),
      ...s.bots.byTopic.map(({ topic, ...k }) => row('topic', topic, k)),
      row('total', '', s.bots.total),
    ],
    'escalation-reasons': s.bots.escalationReasons,
    'queue-analytics': [
      ...s.queues.byAgent.map(({ agent, ...k }) => row('agent', agent, k)),
      ...s.queues.byQueue.map(({ queue, ...k }) => row('queue', queue, k)),
      row('total', '', s.queues.total),
      ...s.queues.byWorkstream.map(({ workstream, ...k }) => row('workstream', workstream, k)),
    ],
  };
}

test('day-of-traffic.expected.json: what the KQL must return for the sample, the local numbers of the same events', () => {
  const rows = localRows();
  const note = 'What infra/insights/kpis.kql must return for day-of-traffic.events.json sent by `npm run insights:send-sample` (let period = 1d; let sampleRun = "<its run id>"): the local computation over the same events (test/insights/kqlQueries.test.ts). Rows in the queries\' order; a rate is a fraction, null shows as empty in Logs.';
  const expected = { note, ...rows };
  if (process.env.UPDATE_INSIGHTS_SAMPLE === '1') writeFileSync(EXPECTED_PATH, `${JSON.stringify(expected, null, 1)}\n`);
  expect(expected).toEqual(JSON.parse(readFileSync(EXPECTED_PATH, 'utf8')));
});

test('the expected values are the hand-worked numbers of the day (dayOfTraffic.test.ts)', () => {
  const expected = JSON.parse(readFileSync(EXPECTED_PATH, 'utf8'));
  const find = (query: string, dimension: string, value: string) => expected[query].find((r: any) => r.dimension === dimension && r.value === value);
  expect(find('bot-insights', 'bot', 'demo-bot')).toEqual({
    dimension: 'bot', value: 'demo-bot',
    botConversations: 7, resolved: 2, resolvedByBot: 1, resolvedByCustomer: 1, resolutionRate: 2 / 7, averageResolutionSeconds: 30,
    escalated: 4, unreachable: 0, escalationRate: 4 / 7, averageTimeToEscalateSeconds: 15,
    abandoned: 1, abandonRate: 1 / 7, deflected: 3, deflectionRate: 3 / 7, averageBotSessionSeconds: 102.9,
  });
  expect(find('bot-insights', 'topic', 'CreditCard')).toMatchObject({ botConversations: 3, escalated: 3, averageTimeToEscalateSeconds: 15 });
  expect(find('bot-insights', 'topic', '(none)')).toMatchObject({ botConversations: 3, escalated: 0, averageTimeToEscalateSeconds: null });
  expect(expected['escalation-reasons']).toEqual([{ reason: 'BotHandoffTopic = CreditCard', escalations: 3 }, { reason: 'BotHandoffTopic = HomeLoan', escalations: 1 }]);
  expect(find('queue-analytics', 'queue', 'CreditCardQueue')).toEqual({
    dimension: 'queue', value: 'CreditCardQueue', incoming: 3, answered: 2, abandoned: 1, handled: 3, transferred: 0,
    serviceLevel: { 20: 0.5, 60: 1 }, averageSpeedToAnswerSeconds: 30, abandonRate: 1 / 3, averageHandleTimeSeconds: 210,
    transferRate: 0, averageFirstWaitSeconds: 35, offered: 3, offerRejectionRate: 0, offerTimeoutRate: 0,
  });
  expect(find('queue-analytics', 'queue', 'HomeLoanQueue')).toMatchObject({ incoming: 1, answered: 1, serviceLevel: { 20: 0, 60: 0 }, averageFirstWaitSeconds: 135, transferRate: 1, offerRejectionRate: 1 / 3, offerTimeoutRate: 1 / 3 });
  expect(find('queue-analytics', 'total', '')).toMatchObject({ incoming: 4, answered: 3, abandoned: 1, handled: 4, transferred: 1, offered: 6 });
  expect(find('queue-analytics', 'workstream', 'ChatWorkStream')).toMatchObject({ incoming: 4, handled: 4, transferred: 1 });
  expect(find('queue-analytics', 'agent', 'alice')).toMatchObject({ answered: 2, handled: 3, averageHandleTimeSeconds: 210, offered: 3, offerRejectionRate: 0 });
  expect(find('queue-analytics', 'agent', 'carol')).toMatchObject({ answered: 1, handled: 1, transferred: 1, transferRate: 1, offered: 3, offerRejectionRate: 1 / 3, offerTimeoutRate: 1 / 3 });
});
