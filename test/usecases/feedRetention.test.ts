import { agentScope, queueScope, type FeedEvent } from '../../shared/core/feed';
import { sweep } from '../../shared/usecases/sweep';
import { hostPerTest, testClock } from '../support/localHostHarness';

/**
 * The local host's feed (SQLite in its database, waking its readers), and the sweep that keeps it to its
 * retention: events older than it go, the rest stay, and the seqs go on.
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
