import type { FeedEvent } from '../../shared/core/feed';
import { insightLogEvents, summarizeInsights } from '../../shared/core/insights';
import { SqliteInsightsStore } from '../../shared/adapters/embedded/sqliteInsightsStore';
import type { InsightsStore } from '../../shared/ports/insightsStore';
import { readInsights, recordInsights, sealInsightHours } from '../../shared/usecases/insights';
import type { Services } from '../../shared/usecases/services';
import { sampleConfig, testClock, type TestClock } from '../support/localHostHarness';
import { sharedSqliteFile } from '../support/sqliteFile';

/**
 * The insights' hours over the SQLite store, two "instances" on one data file: an event recorded late (its hour
 * already sealed) is still counted, sealing twice at once writes each hour once, and recording the same change
 * twice counts it once.
 */
const HOUR = '2026-11-30T08:00:00.000Z';
const DAY = { from: '2026-11-30T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', granularity: 'day' as const };
let file: ReturnType<typeof sharedSqliteFile>;

beforeEach(() => {
  file = sharedSqliteFile('insight-hours-');
});
afterEach(() => file.close());

/** One instance: its own connection to the shared data file, its own clock. */
function instance(clock: TestClock): Services {
  const insights: InsightsStore = new SqliteInsightsStore(file.open());
  return { config: sampleConfig(), insights, clock } as unknown as Services;
}

const resolved = (key: string, at: string): FeedEvent[] =>
  insightLogEvents('ChatWorkStream', at, key, [{ name: 'BotSessionEnded', properties: { bot: 'demo-bot', outcome: 'resolved', endedBy: 'bot' }, measurements: { botTimeMs: 1000 } }]);

const conversations = async (s: Services) => summarizeInsights((await readInsights(s, DAY)).hours, DAY, [20]).bots.total.botConversations;

test('recording a change twice (a redelivery) counts it once', async () => {
  const s = instance(testClock('2026-11-30T08:10:00.000Z'));
  await recordInsights(s, resolved('k1', '2026-11-30T08:10:00.000Z'));
  await recordInsights(s, resolved('k1', '2026-11-30T08:10:00.000Z'));
  await recordInsights(s, resolved('k2', '2026-11-30T08:11:00.000Z'));
  expect(await conversations(s)).toBe(2);
});

test('an event recorded after its hour was sealed unseals it: it is counted, and the next sweep seals it again', async () => {
  const clock = testClock('2026-11-30T08:10:00.000Z');
  const s = instance(clock);
  await recordInsights(s, resolved('first', '2026-11-30T08:10:00.000Z'));
  clock.advance(2 * 60 * 60_000);
  await sealInsightHours(s);
  expect((await s.insights.hours('ChatWorkStream', HOUR, '2026-11-30T09:00:00.000Z'))[0]?.value.sealed).toBe(true);

  // A change first decided at 08:20 and redelivered at 10:10: its event belongs to 08:00.
  await recordInsights(s, resolved('late', '2026-11-30T08:20:00.000Z'));
  expect((await s.insights.hours('ChatWorkStream', HOUR, '2026-11-30T09:00:00.000Z'))[0]?.value.sealed).toBe(false);
  expect(await conversations(s)).toBe(2);
  await sealInsightHours(s);
  const [hour] = await s.insights.hours('ChatWorkStream', HOUR, '2026-11-30T09:00:00.000Z');
  expect(hour?.value).toMatchObject({ sealed: true, throughSeq: 2 });
  expect(await conversations(s)).toBe(2);
});

test('a late event into an hour that had none before is counted too', async () => {
  const clock = testClock('2026-11-30T08:10:00.000Z');
  const s = instance(clock);
  await recordInsights(s, resolved('first', '2026-11-30T08:10:00.000Z'));
  clock.advance(3 * 60 * 60_000);
  await sealInsightHours(s);
  // 09:00 was sealed empty (no aggregate, the cursor past it); an event for it comes now.
  await recordInsights(s, resolved('late', '2026-11-30T09:30:00.000Z'));
  expect(await conversations(s)).toBe(2);
});

test('two instances sealing at once write each hour once, with every event', async () => {
  const clock = testClock('2026-11-30T06:00:00.000Z');
  const [a, b] = [instance(clock), instance(clock)];
  for (let i = 0; i < 40; i++) {
    const at = new Date(Date.parse('2026-11-30T06:00:00.000Z') + i * 6 * 60_000).toISOString();
    await recordInsights(i % 2 ? a : b, resolved(`k${i}`, at));
  }
  clock.advance(6 * 60 * 60_000);
  const [sa, sb] = await Promise.all([sealInsightHours(a), sealInsightHours(b)]);
  const hours = await a.insights.hours('ChatWorkStream', DAY.from, DAY.to);
  expect(hours.map((h) => [h.value.hour.slice(11, 13), h.value.sealed])).toEqual([['06', true], ['07', true], ['08', true], ['09', true]]);
  expect(sa.sealed + sb.sealed).toBe(4);
  expect(await conversations(a)).toBe(40);
  expect((await a.insights.cursor('ChatWorkStream'))?.value.sealedThrough).toBe('2026-11-30T10:00:00.000Z');
});
