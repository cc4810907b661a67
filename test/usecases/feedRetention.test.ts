import { agentScope, queueScope, type FeedEvent } from '../../shared/core/feed';
import { emptyHour, insightsScope } from '../../shared/core/insights';
import { hourOf } from '../../shared/core/queueBoard';
import { sweep } from '../../shared/usecases/sweep';
import { hostPerTest, sampleConfig, testClock } from '../support/localHostHarness';

/**
 * The local host's feed (SQLite in its database, waking its readers), and the sweep that keeps it to its
 * retention: events older than it go, the rest stay, and the seqs go on. The insights log likewise, to its
 * own retention (insights.rawEventRetentionDays), while the hour aggregates stay.
 */
const HOUR = 3_600_000;
const { start } = hostPerTest();

function event(scope: FeedEvent['scope'], id: string, at: string): FeedEvent {
  return { scope, id, type: 'presence', at, data: { presence: 'Available', since: at } };
}

it('prunes events older than the retention (48 h by default) and keeps the rest', async () => {
  const clock = testClock('2025-03-01T12:00:00.000Z');
  const { services } = await start({ clock });
  const hoursAgo = (hours: number) => new Date(clock.now().getTime() - hours * HOUR).toISOString();
  await services.feed.append([event(agentScope('alice'), 'old', hoursAgo(49)), event(queueScope('CreditCardQueue'), 'old', hoursAgo(50)), event(agentScope('alice'), 'recent', hoursAgo(47))]);

  await sweep(services);
  expect(await services.feed.read(agentScope('alice'), { after: 0, limit: 10 })).toMatchObject({ events: [], head: 2, truncated: true });
  expect((await services.feed.read(agentScope('alice'), { after: 1, limit: 10 })).events.map((e) => [e.seq, e.id])).toEqual([[2, 'recent']]);
  expect(await services.feed.read(queueScope('CreditCardQueue'), { after: 0, limit: 10 })).toEqual({ events: [], head: 1, truncated: true });

  await services.feed.append([event(agentScope('alice'), 'next', clock.iso())]);
  expect((await services.feed.read(agentScope('alice'), { after: 2, limit: 10 })).events.map((e) => [e.seq, e.id])).toEqual([[3, 'next']]);
});

it('takes its retention from the host', async () => {
  const clock = testClock('2025-03-01T12:00:00.000Z');
  const { services } = await start({ clock, feedRetentionInSeconds: 3600 });
  await services.feed.append([event(agentScope('alice'), 'two-hours-old', new Date(clock.now().getTime() - 2 * HOUR).toISOString())]);
  await sweep(services);
  expect((await services.feed.read(agentScope('alice'), { after: 0, limit: 10 })).truncated).toBe(true);
});

it("wakes a reader waiting on the scope when the host's feed appends to it", async () => {
  const clock = testClock('2025-03-01T12:00:00.000Z');
  const { services } = await start({ clock });
  let woke: string | undefined;
  const waiting = services.changes.next(agentScope('alice'), 60_000).then((how) => (woke = how));
  await services.feed.append([event(agentScope('alice'), 'e-1', clock.iso())]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(woke).toBe('woken');
  await waiting;
});

describe('the insights log', () => {
  const DAY = 24 * HOUR;
  const insight = (workstream: string, id: string, at: string): FeedEvent => ({
    scope: insightsScope(workstream, hourOf(at)), id, type: 'insight', at, data: { name: 'Escalated', properties: { bot: 'faq-bot' }, measurements: {} },
  });

  it('is pruned to the raw-event retention (35 days by default), apart from the live feeds, and its hour aggregates stay', async () => {
    const clock = testClock('2025-03-01T12:00:00.000Z');
    const { services } = await start({ clock });
    const daysAgo = (days: number) => new Date(clock.now().getTime() - days * DAY).toISOString();
    const old = insight('CreditCards', 'old', daysAgo(36));
    const recent = insight('CreditCards', 'recent', daysAgo(34));
    await services.insights.append([old, recent]);
    await services.insights.saveHour(emptyHour('CreditCards', hourOf(old.at)), undefined);
    // Three days old: past the live feeds' 48 h, well within the insights' retention.
    await services.feed.append([event(agentScope('alice'), 'live', daysAgo(3))]);

    await sweep(services);
    expect(await services.insights.read(old.scope, { after: 0, limit: 10 })).toEqual({ events: [], head: 1, truncated: true });
    expect((await services.insights.read(recent.scope, { after: 0, limit: 10 })).events.map((e) => e.id)).toEqual(['recent']);
    expect((await services.insights.hours('CreditCards', hourOf(old.at), hourOf(clock.iso()))).map((h) => h.value.hour)).toEqual([hourOf(old.at)]);
    expect((await services.feed.read(agentScope('alice'), { after: 0, limit: 10 })).truncated).toBe(true);
  });

  it('takes its retention from the configuration', async () => {
    const clock = testClock('2025-03-01T12:00:00.000Z');
    const { services } = await start({ clock, config: sampleConfig((config) => void (config.insights.rawEventRetentionDays = 1)) });
    expect(services.settings.insightsRetentionInSeconds).toBe(86_400);
    const twoDaysOld = insight('CreditCards', 'two-days-old', new Date(clock.now().getTime() - 2 * DAY).toISOString());
    const hourOld = insight('CreditCards', 'hour-old', new Date(clock.now().getTime() - HOUR).toISOString());
    await services.insights.append([twoDaysOld, hourOld]);
    await sweep(services);
    expect((await services.insights.read(twoDaysOld.scope, { after: 0, limit: 10 })).truncated).toBe(true);
    expect((await services.insights.read(hourOld.scope, { after: 0, limit: 10 })).events.map((e) => e.id)).toEqual(['hour-old']);
  });
});
