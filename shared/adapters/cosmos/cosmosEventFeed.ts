import type { Container, Database, Resource } from '@azure/cosmos';
import type { FeedEvent, FeedPage, FeedScope, StoredFeedEvent } from '../../core/feed';
import { checkFeedRead, feedRun, type FeedRun } from '../../core/feedPage';
import type { EventFeed } from '../../ports/eventFeed';
import { COSMOS_CONTAINERS, type CosmosContainerName } from './cosmosContainers';
import { SequencedPartition } from './sequencedPartition';

/** An event in its place: the item id is `seq:<n>`, the event's own id is `eventId`. */
interface EventDocument {
  id: string;
  scope: FeedScope;
  kind: 'event';
  seq: number;
  eventId: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** The scope's mark (see the class comment): it never expires (`ttl: -1` over the container's defaultTtl). */
interface MarkDocument {
  id: 'mark';
  scope: FeedScope;
  kind: 'mark';
  seq: number;
  ttl: -1;
}

/** The mark is written after every seq ≡ 1 (mod MARK_EVERY): 1, 101, 201, … */
const MARK_EVERY = 100;
/** How far past its mark a scope whose events all expired starts again: far more than the mark can lag. */
const RESTART_GAP = 1_000_000;
/** Far shorter than the feeds' retention: a hint of a place that might have expired would skip the mark. */
const HINT_MAX_AGE_IN_MS = 60 * 60_000;

/** The containers a feed can live in (cosmosContainers.ts declares both with partition key `/scope`). */
export type FeedContainer = Extract<CosmosContainerName, 'feeds' | 'insightEvents'>;

/**
 * The feeds in Cosmos DB: container `feeds`, partition key `/scope`, so one agent's or one queue's feed
 * is a one-partition read; the insights log is a feed like them in a container of its own,
 * `insightEvents`, for its own retention. Events take their places with the create-once `seq:<n>`
 * sequence of sequencedPartition.ts (no gaps, readers never see n+1 before n), after claiming
 * `id:<event id>` so a retried append adds nothing.
 *
 * Retention is the container's defaultTtl (infra/; `feeds` 2 days, `insightEvents` 35 days by default):
 * Cosmos DB deletes an item that long after its write, in the background, from spare request units.
 * Items expire in write order, so what goes is always the oldest part of a scope, and a read that finds
 * the place after its position gone says `truncated`. `prune` has nothing to do here.
 *
 * A seq is never reused, even after every event of a scope expired (a scope quiet for the whole
 * retention): the scope's mark item, which never expires, holds a recent seq (written after every
 * 100th), and a scope found empty starts again RESTART_GAP past it. A reader holding a position from
 * before is then told `truncated` and reads the snapshot again.
 *
 * Expected request units (RU), for events under 1 KB:
 *   append      claim create + event create        ~5 + ~6-8 RU (+ ~1 point read of the mark and ~3 TOP 1
 *                                                   query when this process has no fresh hint; + ~6 mark upsert
 *                                                   once in 100 events)
 *   duplicate   claim conflict + one-partition query ~1 + ~3 RU
 *   read        one-partition TOP n query from the  ~3 RU + a fraction per event; + ~3 RU when it returns events
 *               reader's position                   after a position (an event placed twice is shown once);
 *                                                   + ~3 RU TOP 1 for the head when the page is full
 *   prune       nothing                              0 (TTL deletes with spare RU)
 */
export class CosmosEventFeed implements EventFeed {
  private readonly container: Container;
  private readonly places: SequencedPartition<EventDocument>;

  constructor(database: Database, container: FeedContainer = 'feeds') {
    this.container = database.container(COSMOS_CONTAINERS[container].id);
    this.places = new SequencedPartition(this.container, { partitionField: 'scope', kind: 'event', itemIdField: 'eventId', hintMaxAgeInMs: HINT_MAX_AGE_IN_MS });
  }

  async append(events: FeedEvent[]): Promise<void> {
    for (const event of events) await this.appendOne(event);
  }

  /**
   * A retry that raced its first attempt places an event twice: readers get it at its first place only. A
   * run of such second places alone holds nothing new, so the read goes on past it (else its reader, whose
   * position is its last event, would never get past them).
   */
  async read(scope: FeedScope, options: { after: number; limit: number }): Promise<FeedPage> {
    const { after, limit } = checkFeedRead(options);
    const events: StoredFeedEvent[] = [];
    const seen = new Set<string>();
    for (let position = after; ;) {
      const { run, head, truncated } = await this.runAfter(scope, position, limit);
      if (truncated) return { events: [], head, truncated };
      const placedBefore = after > 0 && run.length > 0 ? await this.places.placedAtOrBefore(scope, after, run.map((d) => d.eventId)) : new Set<string>();
      for (const doc of run) {
        if (!seen.has(doc.eventId) && !placedBefore.has(doc.eventId)) events.push(toEvent(doc));
        seen.add(doc.eventId);
      }
      const end = run.at(-1)?.seq;
      if (events.length > 0 || end === undefined || end >= head) return { events, head, truncated: false };
      position = end;
    }
  }

  /**
   * Nothing to do: the container's defaultTtl deletes events as they come of age (see the class comment),
   * and a query over every scope would cost request units for what Cosmos DB does without them.
   */
  async prune(_before: string): Promise<number> {
    return 0;
  }

  private async appendOne(event: FeedEvent): Promise<void> {
    if (!(await this.places.claim(event.scope, event.id))) {
      const [placed] = await this.places.placesOf(event.scope, event.id);
      if (placed) {
        // A retry: write the mark its first attempt may have died before.
        if (isMarked(placed.seq)) await this.mark(event.scope, placed.seq);
        return;
      }
    }
    const after = this.places.hint(event.scope) ?? (await this.end(event.scope));
    const seq = await this.places.take(event.scope, (seq) => toDocument(event, seq), after);
    if (isMarked(seq)) await this.mark(event.scope, seq);
  }

  /**
   * Where the scope's places end, for a process without a fresh hint. The mark is read first: it is written
   * after its place, and one partition's writes are seen in order, so the query after it sees that place.
   * A scope with no places but a mark had events that all expired: it starts again past them.
   */
  private async end(scope: FeedScope): Promise<number> {
    const mark = await this.readMark(scope);
    const last = await this.places.last(scope);
    if (last > 0 || mark === undefined) return last;
    return restartAt(mark.seq) - 1;
  }

  /** The places after `position` without gaps, and the head. */
  private async runAfter(scope: FeedScope, position: number, limit: number): Promise<FeedRun<EventDocument & Resource> & { head: number }> {
    // From the reader's own place: finding it says nothing between it and the next one was lost.
    // One more than asked says whether the query reached the scope's end, and so its head.
    const want = limit + 1 + (position > 0 ? 1 : 0);
    const docs = await this.places.query(scope, 'AND c.seq >= @from ORDER BY c.seq', [{ name: '@from', value: Math.max(position, 1) }], `TOP ${want}`);
    const last = docs.at(-1);
    const reachedEnd = docs.length < want && (last !== undefined || position === 0);
    if (reachedEnd && last) this.places.saw(scope, last);
    const head = reachedEnd ? (last?.seq ?? 0) : await this.places.last(scope);
    return { ...feedRun(position, limit, docs.filter((d) => d.seq > position), head), head };
  }

  private async readMark(scope: FeedScope): Promise<MarkDocument | undefined> {
    const { resource } = await this.container.item('mark', scope).read<MarkDocument>();
    return resource;
  }

  private async mark(scope: FeedScope, seq: number): Promise<void> {
    const doc: MarkDocument = { id: 'mark', scope, kind: 'mark', seq, ttl: -1 };
    await this.container.items.upsert(doc);
  }
}

function isMarked(seq: number): boolean {
  return seq % MARK_EVERY === 1;
}

/** The first seq of a scope that starts again: past every seq it used, and marked like the first. */
function restartAt(markSeq: number): number {
  return Math.ceil((markSeq + RESTART_GAP) / MARK_EVERY) * MARK_EVERY + 1;
}

function toDocument(event: FeedEvent, seq: number): EventDocument {
  return { id: `seq:${seq}`, scope: event.scope, kind: 'event', seq, eventId: event.id, type: event.type, at: event.at, data: event.data };
}

function toEvent(doc: EventDocument): StoredFeedEvent {
  return { scope: doc.scope, id: doc.eventId, type: doc.type, at: doc.at, data: doc.data, seq: doc.seq };
}
