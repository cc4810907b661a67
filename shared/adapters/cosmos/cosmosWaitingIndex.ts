import type { Container, Database, Resource } from '@azure/cosmos';
import type { Conversation } from '../../core/conversation';
import type { Versioned } from '../../ports/storeErrors';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { BoundedMap } from '../boundedMap';
import { compareOrdinal, fromCosmosId, succeeds, toCosmosId } from './cosmosDocuments';

/** One waiting chat in the `waiting` container: `id` is the conversation's (item) id, `queue` the partition key. */
export interface WaitingEntry {
  id: string;
  queue: string;
  /** The conversation's enqueuedAt ('' when it has none, which sorts first like SQL's NULL). */
  enqueuedAt: string;
  epoch: number;
}

type StoredEntry = WaitingEntry & Resource;

export type ReindexOutcome = 'added' | 'updated' | 'removed' | 'unchanged';

/** The queue a conversation waits in, if it waits: Open, with a queue, and offered to nobody. */
export function waitingQueueOf(conversation: Conversation): string | undefined {
  return conversation.status === 'Open' && conversation.queue !== null && !conversation.offer ? conversation.queue : undefined;
}

const MAX_SCAN_PAGES = 20;

/**
 * The advisory index of waiting chats, so a dispatch asks ONE partition who waits in a queue.
 * It cannot be written atomically with the conversation (no cross-container transactions, and the
 * test server's batches are not atomic either), so it is kept by three rules that never lose a chat:
 *
 * 1. Add before the commit: a write that leaves a chat waiting upserts its entry first, so a crash
 *    after the conversation write never leaves a waiting chat out of the index.
 * 2. Reads verify: every entry is checked against its conversation (a point read); only chats
 *    really Open in that queue are returned. An entry that is wrong is fixed, one that is stale is deleted.
 * 3. Delete only what is provably stale, with If-Match on the entry: its conversation is committed,
 *    not waiting in that queue, at an epoch at least the entry's. The lifecycle bumps the epoch on
 *    every status change and routing, so a write that puts the chat back in the queue carries a
 *    higher epoch (and a new entry ETag) and is never deleted. An entry whose conversation is missing
 *    or behind it belongs to a write in flight (rule 1) or one that failed; it is skipped, and deleted
 *    once older than the grace period.
 *
 * A chat can still be missing from the index if something breaks those assumptions (a writer that
 * does not bump the epoch, or one stalled longer than the grace period between its index and
 * conversation writes). The sweep's `listUnclosedUpdatedBefore` (cross-partition, not a hot path)
 * finds such a chat once it has waited a minute; `reindex` puts it back.
 */
export class CosmosWaitingIndex {
  private readonly container: Container;
  /** Entry versions this process wrote or read, so the commit that takes a chat out of its queue deletes the entry in one request. */
  private readonly seen = new BoundedMap<string, { etag: string; epoch: number }>(10_000);

  constructor(
    database: Database,
    private readonly options: { graceInSeconds: number; readConversation: (id: string) => Promise<Versioned<Conversation> | undefined> },
  ) {
    this.container = database.container(COSMOS_CONTAINERS.waiting.id);
  }

  /** Rule 1: called before a write that leaves the chat waiting in `queue`. */
  async add(conversation: Conversation, queue: string): Promise<void> {
    const entry: WaitingEntry = { id: toCosmosId(conversation.id), queue, enqueuedAt: conversation.enqueuedAt ?? '', epoch: conversation.epoch };
    const { resource } = await this.container.items.upsert<WaitingEntry>(entry);
    if (resource) this.remember(resource as StoredEntry);
  }

  /**
   * Called after a committed write that left the chat not waiting: deletes its entry in the queue it
   * names if this process knows that entry's version. Otherwise, or if this fails, the next read of
   * the queue deletes it (rule 2); the commit has happened either way, so nothing here throws.
   */
  async removeAfterCommit(conversation: Conversation): Promise<void> {
    if (conversation.queue === null) return;
    const id = toCosmosId(conversation.id);
    const known = this.seen.get(entryKey(conversation.queue, id));
    if (!known || known.epoch > conversation.epoch) return;
    await this.deleteEntry(conversation.queue, id, known.etag).catch(() => undefined);
  }

  /** Rule 2: up to `limit` chats really waiting in `queue`, oldest enqueuedAt first, ties by id. */
  async count(queue: string): Promise<number> {
    const query = { query: 'SELECT VALUE COUNT(1) FROM c WHERE c.queue = @queue', parameters: [{ name: '@queue', value: queue }] };
    const { resources } = await this.container.items.query<number>(query, { partitionKey: queue }).fetchAll();
    return resources[0] ?? 0;
  }

  /** The ids of the entries of `queue`, oldest first: one query of one partition, no conversation read (not verified). */
  async ids(queue: string, limit: number): Promise<string[]> {
    const query = { query: 'SELECT TOP @limit c.id FROM c WHERE c.queue = @queue ORDER BY c.enqueuedAt, c.id', parameters: [{ name: '@queue', value: queue }, { name: '@limit', value: limit }] };
    const { resources } = await this.container.items.query<{ id: string }>(query, { partitionKey: queue }).fetchAll();
    return resources.map((entry) => fromCosmosId(entry.id));
  }

  async scan(queue: string, limit: number): Promise<Versioned<Conversation>[]> {
    const found: Versioned<Conversation>[] = [];
    let after: StoredEntry | undefined;
    for (let page = 0; page < MAX_SCAN_PAGES && found.length < limit; page++) {
      const want = limit - found.length;
      const entries = await this.query(queue, want, after);
      const checked = await Promise.all(entries.map(async (entry) => ({ entry, current: await this.options.readConversation(fromCosmosId(entry.id)) })));
      const cleanups: Promise<unknown>[] = [];
      for (const { entry, current } of checked) {
        this.remember(entry);
        const verdict = this.judge(entry, current);
        if (verdict === 'waiting' && current) {
          found.push(current);
          if (this.needsRepair(entry, current.value)) cleanups.push(this.repair(entry, current.value));
        } else if (verdict === 'stale') {
          cleanups.push(this.deleteEntry(queue, entry.id, entry._etag));
        }
      }
      // Advisory: a cleanup that fails leaves an entry the next read deals with.
      await Promise.all(cleanups.map((cleanup) => cleanup.catch(() => undefined)));
      if (entries.length < want) break;
      after = entries[entries.length - 1];
    }
    // An entry with a wrong enqueuedAt was read in the wrong place: order by what the conversations say.
    return found.sort((a, b) => compareWaiting(a.value, b.value));
  }

  /** Makes the index agree with `conversation` as read: puts it in its queue if it waits, else removes it from the queue it names. */
  async reindex(conversation: Conversation): Promise<ReindexOutcome> {
    const queue = waitingQueueOf(conversation);
    const named = queue ?? conversation.queue;
    if (named === null) return 'unchanged';
    const id = toCosmosId(conversation.id);
    const { resource: existing } = await this.container.item(id, named).read<StoredEntry>();
    if (queue !== undefined) {
      if (existing && existing.enqueuedAt === (conversation.enqueuedAt ?? '') && existing.epoch === conversation.epoch) return 'unchanged';
      await this.add(conversation, queue);
      return existing ? 'updated' : 'added';
    }
    if (!existing || existing.epoch > conversation.epoch) return 'unchanged';
    return (await this.deleteEntry(named, id, existing._etag)) ? 'removed' : 'unchanged';
  }

  private async query(queue: string, limit: number, after: StoredEntry | undefined): Promise<StoredEntry[]> {
    const parameters = [
      { name: '@queue', value: queue },
      { name: '@limit', value: limit },
    ];
    let keyset = '';
    if (after) {
      keyset = 'AND (c.enqueuedAt > @afterEnqueuedAt OR (c.enqueuedAt = @afterEnqueuedAt AND c.id > @afterId))';
      parameters.push({ name: '@afterEnqueuedAt', value: after.enqueuedAt }, { name: '@afterId', value: after.id });
    }
    // The explicit queue filter is what the partition key already scopes to in Cosmos DB; the test server needs it.
    const query = `SELECT TOP @limit * FROM c WHERE c.queue = @queue ${keyset} ORDER BY c.enqueuedAt, c.id`;
    const { resources } = await this.container.items.query<StoredEntry>({ query, parameters }, { partitionKey: queue }).fetchAll();
    return resources;
  }

  private judge(entry: StoredEntry, current: Versioned<Conversation> | undefined): 'waiting' | 'stale' | 'pending' {
    if (current && waitingQueueOf(current.value) === entry.queue) return 'waiting';
    if (current && entry.epoch <= current.value.epoch) return 'stale';
    return this.isOld(entry) ? 'stale' : 'pending';
  }

  private needsRepair(entry: StoredEntry, conversation: Conversation): boolean {
    const differs = entry.enqueuedAt !== (conversation.enqueuedAt ?? '') || entry.epoch !== conversation.epoch;
    return differs && (entry.epoch <= conversation.epoch || this.isOld(entry));
  }

  private async repair(entry: StoredEntry, conversation: Conversation): Promise<void> {
    const fixed: WaitingEntry = { id: entry.id, queue: entry.queue, enqueuedAt: conversation.enqueuedAt ?? '', epoch: conversation.epoch };
    const { resource } = await this.container.item(entry.id, entry.queue).replace<WaitingEntry>(fixed, { accessCondition: { type: 'IfMatch', condition: entry._etag } });
    if (resource) this.remember(resource as StoredEntry);
  }

  /** Deletes the entry if it is still the version read; false when it changed or is gone. */
  private async deleteEntry(queue: string, id: string, etag: string): Promise<boolean> {
    const deleted = await succeeds(() => this.container.item(id, queue).delete({ accessCondition: { type: 'IfMatch', condition: etag } }), [404, 412]);
    const key = entryKey(queue, id);
    if (this.seen.get(key)?.etag === etag) this.seen.delete(key);
    return deleted;
  }

  private remember(entry: StoredEntry): void {
    this.seen.set(entryKey(entry.queue, entry.id), { etag: entry._etag, epoch: entry.epoch });
  }

  private isOld(entry: StoredEntry): boolean {
    return Date.now() / 1000 - entry._ts >= this.options.graceInSeconds;
  }
}

function entryKey(queue: string, id: string): string {
  return `${queue}\u0000${id}`;
}

function compareWaiting(a: Conversation, b: Conversation): number {
  return compareOrdinal(a.enqueuedAt ?? '', b.enqueuedAt ?? '') || compareOrdinal(a.id, b.id);
}
