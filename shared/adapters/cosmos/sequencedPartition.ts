import type { Container, Resource } from '@azure/cosmos';
import { BoundedMap } from '../boundedMap';
import { succeeds, toCosmosId } from './cosmosDocuments';

export type Parameter = { name: string; value: string | number };

/** Where the items of one kind sit in their container (the transcripts' messages, the feeds' events). */
export interface SequencedPartitionOptions {
  /** The partition key's field, e.g. `conversationId`. */
  partitionField: string;
  /** `kind` of the items in order; their id claims are `kind: 'claim'`. */
  kind: string;
  /** The field that holds an item's own id (the message's, the event's): the claim and placesOf go by it. */
  itemIdField: string;
  /**
   * How long after the last place was written this process trusts its hint of it. Where items expire, far
   * shorter than the container's TTL: a place that young still exists, so the partition is not empty and
   * nobody can have started it again past it (see cosmosEventFeed.ts).
   */
  hintMaxAgeInMs?: number;
}

const MAX_SEQ_ATTEMPTS = 100;

/**
 * Append order across instances, in one partition: an appended item is created with id `seq:<n>`, and
 * Cosmos DB creates an id only once, so two instances cannot take the same place; the loser moves on
 * to n+1. A place n+1 is only tried once n exists, so the places fill without gaps and in the order
 * readers see them (one partition's replicas apply writes in order). Timestamps could not give this:
 * clocks of two instances disagree, and `_ts` has one-second resolution.
 *
 * An item's own id is claimed first, by creating `id:<item id>`; a conflict there means a duplicate.
 * If an append crashed between its claim and its place, a retry finds no place and takes one; if it
 * raced the first attempt, the item has two places, and readers keep its first (placedAtOrBefore).
 *
 * The transcripts (cosmosTranscriptStore.ts) and the feeds (cosmosEventFeed.ts) use it.
 */
export class SequencedPartition<D extends { id: string; seq: number }> {
  /** The last place this process took or saw per partition, and when it was written: a hint that saves the TOP 1 query when one instance serves the partition. */
  private readonly hints = new BoundedMap<string, { seq: number; writtenAt: number }>(10_000);

  constructor(
    private readonly container: Container,
    private readonly options: SequencedPartitionOptions,
  ) {}

  /** Creates the claim of `itemId` in its partition: false when it was claimed before (a duplicate, or a retry). */
  claim(partition: string, itemId: string): Promise<boolean> {
    const claim = { id: `id:${toCosmosId(itemId)}`, [this.options.partitionField]: partition, kind: 'claim' };
    return succeeds(() => this.container.items.create(claim), [409]);
  }

  /** The last place this process knows of, while its hint is fresh. */
  hint(partition: string): number | undefined {
    const hint = this.hints.get(partition);
    return hint && Date.now() - hint.writtenAt <= (this.options.hintMaxAgeInMs ?? Number.POSITIVE_INFINITY) ? hint.seq : undefined;
  }

  /** Records a place this process read, so the next take starts after it. */
  saw(partition: string, place: D & Resource): void {
    if (place.seq > (this.hint(partition) ?? 0)) this.hints.set(partition, { seq: place.seq, writtenAt: place._ts * 1000 });
  }

  /** Creates `build(seq)` at the first free place after `after` (by default the hint, or the last place); returns its seq. */
  async take(partition: string, build: (seq: number) => D, after?: number): Promise<number> {
    let seq = (after ?? this.hint(partition) ?? (await this.last(partition))) + 1;
    for (let attempt = 1; attempt <= MAX_SEQ_ATTEMPTS; attempt++) {
      if (await succeeds(() => this.container.items.create(build(seq)), [409])) {
        this.hints.set(partition, { seq, writtenAt: Date.now() });
        return seq;
      }
      // Place `seq` is taken, so the next one is free unless others took it too; every few tries, ask where the end is.
      seq = attempt % 4 === 0 ? Math.max(seq, await this.last(partition)) + 1 : seq + 1;
    }
    throw new Error(`${this.options.partitionField} '${partition}': found no free place after ${MAX_SEQ_ATTEMPTS} attempts.`);
  }

  /** The last place taken in the partition, 0 when it has none. */
  async last(partition: string): Promise<number> {
    const { partitionField, kind } = this.options;
    const { resources } = await this.container.items
      .query<number>(
        {
          query: `SELECT TOP 1 VALUE c.seq FROM c WHERE c.${partitionField} = @partition AND c.kind = '${kind}' ORDER BY c.seq DESC`,
          parameters: [{ name: '@partition', value: partition }],
        },
        { partitionKey: partition },
      )
      .fetchAll();
    return resources[0] ?? 0;
  }

  /** Rewrites an item in its place (an edited message). */
  async replace(partition: string, doc: D): Promise<void> {
    await this.container.item(doc.id, partition).replace(doc);
  }

  /** Every place of one item, first first. */
  placesOf(partition: string, itemId: string): Promise<(D & Resource)[]> {
    return this.query(partition, `AND c.${this.options.itemIdField} = @itemId ORDER BY c.seq`, [{ name: '@itemId', value: itemId }]);
  }

  /** Which of `itemIds` already have a place at or before `seq` (a reader saw them there, so a later place is a duplicate). */
  async placedAtOrBefore(partition: string, seq: number, itemIds: string[]): Promise<Set<string>> {
    if (itemIds.length === 0) return new Set();
    const { partitionField, kind, itemIdField } = this.options;
    const names = itemIds.map((_, i) => `@m${i}`);
    const query = `SELECT VALUE c.${itemIdField} FROM c WHERE c.${partitionField} = @partition AND c.kind = '${kind}' AND c.seq <= @seq AND c.${itemIdField} IN (${names.join(', ')})`;
    const parameters: Parameter[] = [{ name: '@partition', value: partition }, { name: '@seq', value: seq }, ...itemIds.map((value, i) => ({ name: names[i] as string, value }))];
    const { resources } = await this.container.items.query<string>({ query, parameters }, { partitionKey: partition }).fetchAll();
    return new Set(resources);
  }

  /** The placed items of one partition (the explicit partition filter is what the partition key scopes to in Cosmos DB; the test server needs it). */
  async query(partition: string, rest: string, parameters: Parameter[] = [], top = ''): Promise<(D & Resource)[]> {
    const { partitionField, kind } = this.options;
    const query = `SELECT ${top} * FROM c WHERE c.${partitionField} = @partition AND c.kind = '${kind}' ${rest}`;
    const { resources } = await this.container.items
      .query<D & Resource>({ query, parameters: [{ name: '@partition', value: partition }, ...parameters] }, { partitionKey: partition })
      .fetchAll();
    return resources;
  }
}
