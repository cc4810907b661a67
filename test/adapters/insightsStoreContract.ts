import { emptyBotCounters } from '../../shared/core/botKpis';
import { emptyHour, insightsScope, nextHour, rowKey, type HourAggregate } from '../../shared/core/insights';
import { emptyCounters } from '../../shared/core/kpis';
import type { InsightsCursor, InsightsStore } from '../../shared/ports/insightsStore';
import { describeEventFeedContract } from './eventFeedContract';

/**
 * The InsightsStore contract (ports/insightsStore.ts), run against SQLite and the Cosmos DB adapter with no
 * branching on which one it is: the EventFeed contract on the insights log, then the hour aggregates and
 * cursors (range reads, create-once, replace only at the ETag read, one winner among concurrent writers).
 */
export interface InsightsHarness {
  store: InsightsStore;
  /** A new instance over the same store, as another process would have. */
  other(): Promise<InsightsStore>;
  /** Makes log events whose `at` is before `before` go, as the store's retention does (see FeedHarness.expire). */
  expire(before: string): Promise<void>;
  close(): Promise<void>;
}

export type MakeInsightsStore = () => Promise<InsightsHarness>;

const SALES = 'Sales';
/** A workstream name with every character a Cosmos DB id may not hold: it is a partition key value, never an id. */
const ODD = 'Support/EU #2?\\';

export const hourAt = (h: number): string => new Date(Date.UTC(2025, 0, 1, h)).toISOString();

/** An hour with rows in every part, keys with quotes and slashes (rowKey is JSON), as core/insights.ts folds them. */
export function anHour(workstream: string, hour: string, incoming = 1): HourAggregate {
  return {
    ...emptyHour(workstream, hour),
    throughSeq: incoming,
    queues: {
      [rowKey(['CreditCardQueue', ''])]: { ...emptyCounters(), incoming, abandoned: 1 },
      [rowKey(['CreditCardQueue', 'alice'])]: { ...emptyCounters(), answered: 1, speedToAnswerMs: 12_000, answeredWithin: { '20': 1, '60': 1 } },
    },
    bots: { [rowKey(['faq-bot', 'CreditCardQueue', 'vip "gold"', 'cards/limits'])]: { ...emptyBotCounters(), sessions: 2, escalated: 1, botMs: 90_000 } },
    reasons: { 'faq-bot': { 'reason = lost card?#': 1, 'path = a/b\\c': 2 } },
  };
}

export function describeInsightsStoreContract(name: string, make: MakeInsightsStore): void {
  describeEventFeedContract(`${name}, the insights log`, async () => {
    const h = await make();
    return { feed: h.store, other: h.other, expire: h.expire, close: h.close };
  }, { first: insightsScope(SALES, hourAt(9)), second: insightsScope(ODD, hourAt(9)), untouched: insightsScope(SALES, hourAt(10)) });

  describe(`InsightsStore contract: ${name}`, () => {
    let harness: InsightsHarness | undefined;
    beforeEach(async () => {
      harness = await make();
    });
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });
    const h = (): InsightsHarness => {
      if (!harness) throw new Error('The store is only available inside a test.');
      return harness;
    };
    const hours = async (workstream: string, from: string, to: string) => (await h().store.hours(workstream, from, to)).map((v) => v.value);

    it('reads a workstream with no hours as none, and no cursor', async () => {
      expect(await h().store.hours(SALES, hourAt(0), hourAt(24))).toEqual([]);
      expect(await h().store.cursor(SALES)).toBeUndefined();
    });

    it("reads the hours in [from, to) of one workstream only, oldest first, as written, each with its ETag", async () => {
      for (const hour of [11, 9, 12, 10, 8]) expect(await h().store.saveHour(anHour(SALES, hourAt(hour), hour), undefined)).toBe(true);
      await h().store.saveHour(anHour(ODD, hourAt(10)), undefined);
      await h().store.saveHour(anHour('Sale', hourAt(10)), undefined);

      const read = await h().store.hours(SALES, hourAt(9), hourAt(12));
      expect(read.map((v) => v.value)).toEqual([anHour(SALES, hourAt(9), 9), anHour(SALES, hourAt(10), 10), anHour(SALES, hourAt(11), 11)]);
      for (const { etag } of read) expect(typeof etag === 'string' && etag.length > 0).toBe(true);
      expect(await hours(SALES, hourAt(10), nextHour(hourAt(10)))).toEqual([anHour(SALES, hourAt(10), 10)]);
      expect(await hours(SALES, hourAt(10), hourAt(10))).toEqual([]);
      expect(await hours(SALES, hourAt(13), hourAt(24))).toEqual([]);
      expect(await hours(ODD, hourAt(0), hourAt(24))).toEqual([anHour(ODD, hourAt(10))]);
    });

    it('keeps the cursor apart from the hours: a range of every string holds hours only', async () => {
      await h().store.saveCursor({ workstream: SALES, sealedThrough: hourAt(9) }, undefined);
      await h().store.saveHour(anHour(SALES, hourAt(9)), undefined);
      expect(await hours(SALES, '', '\uffff')).toEqual([anHour(SALES, hourAt(9))]);
    });

    it('creates an hour once: a second create answers false and changes nothing', async () => {
      const first = anHour(SALES, hourAt(9), 1);
      expect(await h().store.saveHour(first, undefined)).toBe(true);
      expect(await (await h().other()).saveHour(anHour(SALES, hourAt(9), 7), undefined)).toBe(false);
      expect(await hours(SALES, hourAt(9), hourAt(10))).toEqual([first]);
    });

    it('replaces an hour at the ETag read, with a new ETag; a write with the stale one answers false and changes nothing', async () => {
      await h().store.saveHour(anHour(SALES, hourAt(9), 1), undefined);
      const [read] = await h().store.hours(SALES, hourAt(9), hourAt(10));
      const sealed = { ...anHour(SALES, hourAt(9), 3), sealed: true };
      expect(await h().store.saveHour(sealed, read!.etag)).toBe(true);

      const [after] = await h().store.hours(SALES, hourAt(9), hourAt(10));
      expect(after).toEqual({ value: sealed, etag: expect.any(String) });
      expect(after!.etag).not.toBe(read!.etag);
      expect(await (await h().other()).saveHour(anHour(SALES, hourAt(9), 5), read!.etag)).toBe(false);
      expect(await hours(SALES, hourAt(9), hourAt(10))).toEqual([sealed]);
      expect(await h().store.saveHour(anHour(SALES, hourAt(9), 6), after!.etag)).toBe(true);
    });

    it('answers false to a replace of an hour that does not exist, and creates nothing', async () => {
      await h().store.saveHour(anHour(SALES, hourAt(9)), undefined);
      const [read] = await h().store.hours(SALES, hourAt(9), hourAt(10));
      expect(await h().store.saveHour(anHour(SALES, hourAt(10)), read!.etag)).toBe(false);
      expect(await hours(SALES, hourAt(10), hourAt(11))).toEqual([]);
    });

    it('lets exactly one of two instances create the same hour at once, and keeps its content', async () => {
      const other = await h().other();
      for (const hour of [9, 10, 11]) {
        const mine = anHour(SALES, hourAt(hour), 1);
        const theirs = anHour(SALES, hourAt(hour), 2);
        const won = await Promise.all([h().store.saveHour(mine, undefined), other.saveHour(theirs, undefined)]);
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await hours(SALES, hourAt(hour), nextHour(hourAt(hour)))).toEqual([won[0] ? mine : theirs]);
      }
    });

    it('lets exactly one of two instances replace the same hour at the same ETag', async () => {
      const other = await h().other();
      await h().store.saveHour(anHour(SALES, hourAt(9), 1), undefined);
      for (let round = 0; round < 3; round++) {
        const [read] = await h().store.hours(SALES, hourAt(9), hourAt(10));
        const mine = anHour(SALES, hourAt(9), 10 + round);
        const theirs = anHour(SALES, hourAt(9), 20 + round);
        const won = await Promise.all([h().store.saveHour(mine, read!.etag), other.saveHour(theirs, read!.etag)]);
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await hours(SALES, hourAt(9), hourAt(10))).toEqual([won[0] ? mine : theirs]);
      }
    });

    it('creates a cursor once and replaces it only at the ETag read, per workstream', async () => {
      const cursor = (workstream: string, hour: number): InsightsCursor => ({ workstream, sealedThrough: hourAt(hour) });
      expect(await h().store.saveCursor(cursor(SALES, 8), undefined)).toBe(true);
      expect(await (await h().other()).saveCursor(cursor(SALES, 9), undefined)).toBe(false);
      expect(await h().store.saveCursor(cursor(ODD, 3), undefined)).toBe(true);
      const read = await h().store.cursor(SALES);
      expect(read).toEqual({ value: cursor(SALES, 8), etag: expect.any(String) });

      expect(await h().store.saveCursor(cursor(SALES, 10), read!.etag)).toBe(true);
      expect(await h().store.saveCursor(cursor(SALES, 11), read!.etag)).toBe(false);
      const after = await h().store.cursor(SALES);
      expect(after?.value).toEqual(cursor(SALES, 10));
      expect(after?.etag).not.toBe(read!.etag);
      expect((await h().store.cursor(ODD))?.value).toEqual(cursor(ODD, 3));
      expect(await h().store.saveCursor(cursor('Nobody', 1), read!.etag)).toBe(false);
      expect(await h().store.cursor('Nobody')).toBeUndefined();
    });

    it('lets exactly one of two instances create, then replace, the same cursor at once', async () => {
      const other = await h().other();
      const mine: InsightsCursor = { workstream: SALES, sealedThrough: hourAt(1) };
      const theirs: InsightsCursor = { workstream: SALES, sealedThrough: hourAt(2) };
      const created = await Promise.all([h().store.saveCursor(mine, undefined), other.saveCursor(theirs, undefined)]);
      expect(created.filter(Boolean)).toHaveLength(1);
      const read = await h().store.cursor(SALES);
      expect(read?.value).toEqual(created[0] ? mine : theirs);

      const later = [{ workstream: SALES, sealedThrough: hourAt(5) }, { workstream: SALES, sealedThrough: hourAt(6) }];
      const replaced = await Promise.all([h().store.saveCursor(later[0]!, read!.etag), other.saveCursor(later[1]!, read!.etag)]);
      expect(replaced.filter(Boolean)).toHaveLength(1);
      expect((await h().store.cursor(SALES))?.value).toEqual(replaced[0] ? later[0] : later[1]);
    });

    it('keeps the log and the aggregates apart: appending to an hour saves no aggregate, saving one adds no event', async () => {
      await h().store.append([{ scope: insightsScope(SALES, hourAt(9)), id: 'insight:c-1:0', type: 'insight', at: hourAt(9), data: { name: 'Escalated', properties: {}, measurements: {} } }]);
      expect(await hours(SALES, hourAt(0), hourAt(24))).toEqual([]);
      await h().store.saveHour(anHour(SALES, hourAt(10)), undefined);
      expect(await h().store.read(insightsScope(SALES, hourAt(10)), { after: 0, limit: 10 })).toEqual({ events: [], head: 0, truncated: false });
      expect((await h().store.read(insightsScope(SALES, hourAt(9)), { after: 0, limit: 10 })).head).toBe(1);
    });
  });
}
