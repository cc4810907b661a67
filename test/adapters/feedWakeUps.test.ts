import { InProcessChanges } from '../../shared/adapters/inProcessChanges';
import { openDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { SqliteEventFeed } from '../../shared/adapters/embedded/sqliteEventFeed';
import { event } from './eventFeedContract';

/** What a promise has come to by now: its value, or 'pending' (checked after the wake-ups of an append ran). */
async function settled<T>(promise: Promise<T>): Promise<T | 'pending'> {
  await new Promise((resolve) => setImmediate(resolve));
  return Promise.race([promise, Promise.resolve('pending' as const)]);
}

describe('feed wake-ups (InProcessChanges.watchFeed)', () => {
  const db = openDatabase(':memory:');
  afterAll(() => db.close());

  it('wakes the readers of each scope an append wrote to, and only those', async () => {
    const changes = new InProcessChanges();
    const feed = changes.watchFeed(new SqliteEventFeed(db));
    const alice = changes.next('agent:alice', 60_000);
    const queue = changes.next('queue:CreditCardQueue', 60_000);
    const bob = changes.next('agent:bob', 60_000);
    expect(await settled(alice)).toBe('pending');

    await feed.append([event('agent:alice', 'e-1'), event('queue:CreditCardQueue', 'e-1')]);
    expect(await settled(alice)).toBe('woken');
    expect(await settled(queue)).toBe('woken');
    expect(await settled(bob)).toBe('pending');

    // The wrapped feed is the feed: what was appended reads back through it.
    expect((await feed.read('agent:alice', { after: 0, limit: 10 })).events.map((e) => e.id)).toEqual(['e-1']);
    changes.close();
    expect(await settled(bob)).toBe('closing');
  });

  it('wakes nobody when the append fails', async () => {
    const changes = new InProcessChanges();
    const feed = changes.watchFeed({ append: async () => { throw new Error('store down'); }, read: async () => ({ events: [], head: 0, truncated: false }), prune: async () => 0 });
    const alice = changes.next('agent:alice', 60_000);
    await expect(feed.append([event('agent:alice', 'e-1')])).rejects.toThrow('store down');
    expect(await settled(alice)).toBe('pending');
    changes.close();
  });
});
