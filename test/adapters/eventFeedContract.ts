import type { FeedEvent, FeedScope, StoredFeedEvent } from '../../shared/core/feed';
import type { EventFeed } from '../../shared/ports/eventFeed';

/**
 * The EventFeed contract (ports/eventFeed.ts), run against SQLite and the Cosmos DB adapter with no
 * branching on which one it is. A harness gives a feed over an empty store, other instances over the same
 * store (another process), and a way to make events past the retention go as that store does it.
 */
export interface FeedHarness {
  feed: EventFeed;
  /** A new instance over the same store, as another process would have: no hints of this one's. */
  other(): Promise<EventFeed>;
  /**
   * Makes events whose `at` is before `before` go, as the store's retention does (SQLite: prune; Cosmos DB:
   * TTL). It stands for the retention passing, so a test appends after it from a new instance (other()).
   */
  expire(before: string): Promise<void>;
  close(): Promise<void>;
}

export type MakeFeed = () => Promise<FeedHarness>;

export const at = (minute: number): string => new Date(Date.UTC(2025, 0, 1, 9, minute)).toISOString();

export function event(scope: FeedScope, id: string, extra: Partial<FeedEvent> = {}): FeedEvent {
  return { scope, id, type: 'message', at: at(30), data: { conversationId: 'c-1', text: `text of ${id}` }, ...extra };
}

/** Three scopes the contract uses: two it writes, one it never does. */
export interface ContractScopes {
  first: FeedScope;
  second: FeedScope;
  untouched: FeedScope;
}

const LIVE_SCOPES: ContractScopes = { first: 'agent:alice', second: 'queue:CreditCardQueue', untouched: 'agent:bob' };

export function describeEventFeedContract(name: string, makeFeed: MakeFeed, scopes: ContractScopes = LIVE_SCOPES): void {
  const { first: AGENT, second: QUEUE, untouched } = scopes;
  describe(`EventFeed contract: ${name}`, () => {
    let harness: FeedHarness | undefined;
    beforeEach(async () => {
      harness = await makeFeed();
    });
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });
    const h = (): FeedHarness => {
      if (!harness) throw new Error('The feed is only available inside a test.');
      return harness;
    };

    it('reads an empty scope as head 0, nothing missed', async () => {
      expect(await h().feed.read(AGENT, { after: 0, limit: 10 })).toEqual({ events: [], head: 0, truncated: false });
    });

    it('gives events seq 1, 2, … in append order, within a call and across calls, and reads them back as written', async () => {
      const first = event(AGENT, 'e-1', { type: 'offer', data: { conversationId: 'c-1', nested: { list: [1, 'two', null] } } });
      await h().feed.append([first, event(AGENT, 'e-2')]);
      await h().feed.append([event(AGENT, 'e-3')]);

      const page = await h().feed.read(AGENT, { after: 0, limit: 10 });
      expect(page).toEqual({ events: [{ ...first, seq: 1 }, { ...event(AGENT, 'e-2'), seq: 2 }, { ...event(AGENT, 'e-3'), seq: 3 }], head: 3, truncated: false });
    });

    it('skips an event whose id the scope has, keeping the first, so a retried append adds nothing', async () => {
      await h().feed.append([event(AGENT, 'e-1'), event(AGENT, 'e-2', { data: { text: 'first' } })]);
      await h().feed.append([event(AGENT, 'e-2', { data: { text: 'second' } }), event(AGENT, 'e-3')]);
      await (await h().other()).append([event(AGENT, 'e-1'), event(AGENT, 'e-3')]);

      const { events, head } = await h().feed.read(AGENT, { after: 0, limit: 10 });
      expect(events.map((e) => [e.seq, e.id])).toEqual([[1, 'e-1'], [2, 'e-2'], [3, 'e-3']]);
      expect(events[1]?.data).toEqual({ text: 'first' });
      expect(head).toBe(3);
    });

    it('shows an event appended concurrently by two instances once, whatever the page size', async () => {
      const other = await h().other();
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : h().feed).append([event(AGENT, 'e-same')])));
      await h().feed.append([event(AGENT, 'e-next')]);

      for (const limit of [1, 10]) {
        expect((await readAll(h().feed, AGENT, limit)).map((e) => e.id)).toEqual(['e-same', 'e-next']);
      }
    });

    it('keeps scopes apart: each has its own seq from 1 and its own ids', async () => {
      await h().feed.append([event(AGENT, 'e-1'), event(QUEUE, 'e-1'), event(QUEUE, 'e-2')]);
      await h().feed.append([event(AGENT, 'e-2')]);

      expect((await h().feed.read(AGENT, { after: 0, limit: 10 })).events.map((e) => [e.scope, e.seq, e.id])).toEqual([[AGENT, 1, 'e-1'], [AGENT, 2, 'e-2']]);
      expect((await h().feed.read(QUEUE, { after: 0, limit: 10 })).events.map((e) => [e.scope, e.seq, e.id])).toEqual([[QUEUE, 1, 'e-1'], [QUEUE, 2, 'e-2']]);
      expect(await h().feed.read(untouched, { after: 0, limit: 10 })).toEqual({ events: [], head: 0, truncated: false });
    });

    it('reads in pages from a position, at most the limit, with the head to say where the scope ends', async () => {
      await h().feed.append(['e-1', 'e-2', 'e-3', 'e-4', 'e-5'].map((id) => event(AGENT, id)));
      const page = async (after: number, limit: number) => {
        const read = await h().feed.read(AGENT, { after, limit });
        return [read.events.map((e) => e.seq), read.head, read.truncated];
      };

      expect(await page(0, 2)).toEqual([[1, 2], 5, false]);
      expect(await page(2, 2)).toEqual([[3, 4], 5, false]);
      expect(await page(4, 2)).toEqual([[5], 5, false]);
      expect(await page(5, 2)).toEqual([[], 5, false]);
      expect(await page(3, 0)).toEqual([[], 5, false]);
    });

    it('orders concurrent appends from two instances without a shared seq or a gap, and a reader never sees n+1 before n', async () => {
      const other = await h().other();
      const reader = await h().other();
      const calls = Array.from({ length: 20 }, (_, i) => [event(AGENT, `call-${i}-a`), event(AGENT, `call-${i}-b`)]);
      const seen: StoredFeedEvent[] = [];
      let appending = true;
      // A reader following the scope while the appends run: each page must go on from its position.
      const following = (async () => {
        const deadline = Date.now() + 10_000;
        while (appending || seen.length < 40) {
          if (Date.now() > deadline) throw new Error(`timed out following the feed at ${seen.length} events`);
          const page = await reader.read(AGENT, { after: seen.at(-1)?.seq ?? 0, limit: 3 });
          expect(page.truncated).toBe(false);
          seen.push(...page.events);
          if (page.events.length === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await Promise.all(calls.map((call, i) => (i % 2 ? other : h().feed).append(call)));
      appending = false;
      await following;

      expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const ids = seen.map((e) => e.id);
      expect([...ids].sort()).toEqual(calls.flat().map((e) => e.id).sort());
      for (let i = 0; i < 20; i++) expect(ids.indexOf(`call-${i}-a`)).toBeLessThan(ids.indexOf(`call-${i}-b`));
      expect(await readAll(h().feed, AGENT, 7)).toEqual(seen);
    });

    it('says truncated to a reader from before events that went, and nothing to one after them', async () => {
      await h().feed.append([event(AGENT, 'e-1', { at: at(0) }), event(AGENT, 'e-2', { at: at(1) }), event(AGENT, 'e-3', { at: at(10) })]);
      await h().expire(at(5));

      expect(await h().feed.read(AGENT, { after: 0, limit: 10 })).toEqual({ events: [], head: 3, truncated: true });
      expect(await h().feed.read(AGENT, { after: 1, limit: 10 })).toEqual({ events: [], head: 3, truncated: true });
      expect(await h().feed.read(AGENT, { after: 2, limit: 10 })).toEqual({ events: [{ ...event(AGENT, 'e-3', { at: at(10) }), seq: 3 }], head: 3, truncated: false });
      expect(await h().feed.read(AGENT, { after: 3, limit: 10 })).toEqual({ events: [], head: 3, truncated: false });
    });

    it('never reuses a seq, even after every event of the scope went', async () => {
      await h().feed.append([event(AGENT, 'e-1', { at: at(0) }), event(AGENT, 'e-2', { at: at(1) })]);
      await h().expire(at(5));
      const later = await h().other();
      await later.append([event(AGENT, 'e-3', { at: at(10) })]);

      const fromStart = await later.read(AGENT, { after: 0, limit: 10 });
      expect(fromStart).toMatchObject({ events: [], truncated: true });
      expect(fromStart.head).toBeGreaterThan(2);
      // A reader that starts at the head (the snapshot's cursor) follows on without a gap.
      expect(await later.read(AGENT, { after: fromStart.head, limit: 10 })).toEqual({ events: [], head: fromStart.head, truncated: false });
      await (await h().other()).append([event(AGENT, 'e-4', { at: at(11) })]);
      expect((await later.read(AGENT, { after: fromStart.head, limit: 10 })).events.map((e) => [e.id, e.seq])).toEqual([['e-4', fromStart.head + 1]]);
    });

    it('says truncated to a position the scope never reached, so its reader reads the snapshot again', async () => {
      await h().feed.append([event(AGENT, 'e-1')]);
      expect(await h().feed.read(AGENT, { after: 5, limit: 10 })).toEqual({ events: [], head: 1, truncated: true });
    });

    it('refuses a position or a limit that is not a whole number from 0', async () => {
      for (const options of [{ after: -1, limit: 1 }, { after: 1.5, limit: 1 }, { after: 0, limit: -1 }, { after: 0, limit: Number.NaN }]) {
        await expect(h().feed.read(AGENT, options)).rejects.toThrow(RangeError);
      }
    });
  });
}

/** Every event of a scope, page by page. */
export async function readAll(feed: EventFeed, scope: FeedScope, limit: number): Promise<StoredFeedEvent[]> {
  const events: StoredFeedEvent[] = [];
  for (;;) {
    const page = await feed.read(scope, { after: events.at(-1)?.seq ?? 0, limit });
    if (page.truncated) throw new Error(`read of ${scope} after ${events.at(-1)?.seq ?? 0} was truncated`);
    events.push(...page.events);
    if (page.events.length === 0 || events.at(-1)!.seq >= page.head) return events;
  }
}
