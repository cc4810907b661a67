import { randomUUID } from 'node:crypto';
import { InProcessChanges } from '../../shared/adapters/inProcessChanges';
import { agentScope } from '../../shared/core/feed';
import type { ConversationChanges } from '../../shared/ports/conversationChanges';
import { CursorError, FEED_PAGE_SIZE, feedSource } from '../../shared/usecases/liveStream';
import { MemoryEventFeed } from '../support/memoryEventFeed';

/**
 * A feed scope as a live source (usecases/liveStream.ts), over the in-memory feed (test/support, until the
 * stored feeds exist) and the real InProcessChanges: pages, the present, wake-ups, the Azure poll, closing
 * and a reader that goes away.
 */
const scope = agentScope('alice');
const events = (count: number) => Array.from({ length: count }, (_, i) => ({ scope, id: randomUUID(), type: 'message', at: new Date().toISOString(), data: { i } }));

function counted(changes: ConversationChanges): ConversationChanges & { waiting: number } {
  const wrapper = {
    waiting: 0,
    next: (key: string, timeoutInMs: number, options?: { signal?: AbortSignal }) => {
      wrapper.waiting += 1;
      return changes.next(key, timeoutInMs, options).finally(() => {
        wrapper.waiting -= 1;
      });
    },
  };
  return wrapper;
}

test('a reader far behind catches up in pages, in order, each id the seq', async () => {
  const feed = new MemoryEventFeed();
  await feed.append(events(FEED_PAGE_SIZE * 2 + 50));
  const reader = await feedSource({ feed, changes: new InProcessChanges() }, scope).open('0');
  const sizes: number[] = [];
  const seen: string[] = [];
  for (let batch = await reader.next({ timeoutInMs: 0 }); batch.events.length > 0; batch = await reader.next({ timeoutInMs: 0 })) {
    sizes.push(batch.events.length);
    seen.push(...batch.events.map((event) => event.id));
  }
  expect(sizes).toEqual([FEED_PAGE_SIZE, FEED_PAGE_SIZE, 50]);
  expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => String(i + 1)));
  expect(reader.cursor).toBe('250');
});

test('without a cursor the reader starts at the present; the next append wakes it', async () => {
  const feed = new MemoryEventFeed();
  const changes = new InProcessChanges();
  await feed.append(events(3));
  const reader = await feedSource({ feed, changes }, scope).open(undefined);
  expect(reader.cursor).toBe('3');
  const next = reader.next({ timeoutInMs: 20_000 });
  await feed.append(events(1));
  changes.notify(scope);
  expect((await next).events.map((event) => event.id)).toEqual(['4']);
}, 10_000);

test('a cursor that is no seq is a CursorError', async () => {
  const source = feedSource({ feed: new MemoryEventFeed(), changes: new InProcessChanges() }, scope);
  for (const cursor of ['', 'abc', '-1', '01', '1.5', '1e3', '9'.repeat(16)]) await expect(source.open(cursor)).rejects.toBeInstanceOf(CursorError);
});

test('where wake-ups are capped (Azure: other instances append unseen), the reader still finds what was appended without one', async () => {
  const feed = new MemoryEventFeed();
  const reader = await feedSource({ feed, changes: new InProcessChanges(50) }, scope).open('0');
  const next = reader.next({ timeoutInMs: 20_000 });
  // Another instance's append: nothing in this process is told.
  setTimeout(() => void feed.append(events(1)), 100);
  expect((await next).events.map((event) => event.id)).toEqual(['1']);
}, 10_000);

test('closing answers a waiting reader at once, and every later one', async () => {
  const changes = new InProcessChanges();
  const reader = await feedSource({ feed: new MemoryEventFeed(), changes }, scope).open('0');
  const waiting = reader.next({ timeoutInMs: 20_000 });
  changes.close();
  expect(await waiting).toEqual({ events: [], closing: true });
  expect(await reader.next({ timeoutInMs: 20_000 })).toEqual({ events: [], closing: true });
}, 10_000);

test('a reader whose signal aborts answers at once and leaves no wait behind; a batch read lets its wait go too', async () => {
  const feed = new MemoryEventFeed();
  const changes = counted(new InProcessChanges());
  const reader = await feedSource({ feed, changes }, scope).open('0');
  const stop = new AbortController();
  const next = reader.next({ timeoutInMs: 20_000, signal: stop.signal });
  expect(changes.waiting).toBe(1);
  stop.abort();
  expect(await next).toEqual({ events: [], closing: false });
  expect(changes.waiting).toBe(0);

  await feed.append(events(1));
  expect((await reader.next({ timeoutInMs: 20_000 })).events).toHaveLength(1);
  await new Promise((resolve) => setImmediate(resolve)); // the let-go wait's promise settles in the next microtasks
  expect(changes.waiting).toBe(0);
}, 10_000);
