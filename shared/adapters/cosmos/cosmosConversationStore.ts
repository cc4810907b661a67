import type { Container, Database, Resource } from '@azure/cosmos';
import type { Conversation } from '../../core/conversation';
import type { ConversationState, ConversationStore } from '../../ports/conversationStore';
import type { Versioned } from '../../ports/storeErrors';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { checkLimit, compareOrdinal, fromCosmosId, mapStoreErrors, stripDocument, toCosmosId, written } from './cosmosDocuments';
import { CosmosWaitingIndex, waitingQueueOf, type ReindexOutcome } from './cosmosWaitingIndex';

export interface CosmosConversationStoreOptions {
  /** Seconds a Closed conversation is kept before Cosmos DB deletes it (item `ttl`); undefined or -1 keeps it. The container needs TTL on (ensureCosmosContainers and infra/ turn it on). */
  closedConversationTtlInSeconds?: number;
  /** How old a waiting-index entry that no committed conversation explains must be before a read deletes it (default 300 s). */
  staleIndexGraceInSeconds?: number;
}

type ConversationDocument = Conversation & { ttl?: number };

/** Fields the adapter adds to the conversation, dropped on read. */
const EXTRA_FIELDS = ['ttl'] as const;

/**
 * Conversations in Cosmos DB: container `conversations`, partition key `/id`, so every command's read
 * and write is a point operation; the `waiting` container indexes the chats waiting in each queue.
 *
 * Expected request units (RU) on the hot paths, for a conversation document of 2-4 KB
 * (see README.md; measure in Azure with the responses' `requestCharge`):
 *   get                         point read                      1-2 RU
 *   create (a waiting chat)     entry upsert + create           ~6 + ~10-15 RU
 *   replace (still waiting)     entry upsert + replace If-Match ~6 + ~10-15 RU
 *   replace (taken from queue)  replace If-Match + entry delete ~10-15 + ~6 RU
 *   listWaiting(q, n)           one-partition query + n reads   ~3 RU + n x 1-2 RU
 *   hasWaiting(q)               one-partition TOP 1 + one read  ~3 + 1-2 RU
 *   listWaitingIds(q, n)        one-partition query, ids only   ~3 RU + a fraction per entry
 * Not hot paths, and cross-partition (about 2.5 RU per physical partition plus the documents returned):
 * listByAssignee (the agent desk) and listUnclosedUpdatedBefore (the sweep).
 */
export class CosmosConversationStore implements ConversationStore {
  private readonly container: Container;
  private readonly index: CosmosWaitingIndex;
  private readonly closedTtl: number | undefined;

  constructor(database: Database, options: CosmosConversationStoreOptions = {}) {
    this.container = database.container(COSMOS_CONTAINERS.conversations.id);
    const ttl = options.closedConversationTtlInSeconds;
    if (ttl !== undefined && ttl !== -1 && !(Number.isInteger(ttl) && ttl > 0)) {
      throw new RangeError(`closedConversationTtlInSeconds must be a positive whole number of seconds, or -1 to keep closed conversations; got ${ttl}.`);
    }
    this.closedTtl = ttl === -1 ? undefined : ttl;
    this.index = new CosmosWaitingIndex(database, { graceInSeconds: options.staleIndexGraceInSeconds ?? 300, readConversation: (id) => this.get(id) });
  }

  async get(id: string): Promise<Versioned<Conversation> | undefined> {
    const key = toCosmosId(id);
    const { resource } = await this.container.item(key, key).read<ConversationDocument & Resource>();
    return resource && toVersioned(resource);
  }

  /** A point read: Cosmos DB cannot project one, and a query would cost more request units than the read. */
  async getState(id: string): Promise<ConversationState | undefined> {
    const found = await this.get(id);
    return found && { status: found.value.status, assignee: found.value.assignee, size: { messageCount: found.value.transcript?.messageCount ?? 0, bytes: found.value.transcript?.bytes ?? 0 } };
  }

  async create(conversation: Conversation): Promise<Versioned<Conversation>> {
    const queue = waitingQueueOf(conversation);
    if (queue !== undefined) await this.index.add(conversation, queue);
    const { resource } = await mapStoreErrors(
      () => this.container.items.create<ConversationDocument>(this.toDocument(conversation)),
      () => `Conversation '${conversation.id}' already exists.`,
    );
    return toVersioned(written(resource, conversation.id));
  }

  async replace(conversation: Conversation, options: { ifMatch: string }): Promise<Versioned<Conversation>> {
    const queue = waitingQueueOf(conversation);
    if (queue !== undefined) await this.index.add(conversation, queue);
    const key = toCosmosId(conversation.id);
    const { resource } = await mapStoreErrors(
      () => this.container.item(key, key).replace<ConversationDocument>(this.toDocument(conversation), { accessCondition: { type: 'IfMatch', condition: options.ifMatch } }),
      (code) =>
        code === 'NotFound'
          ? `Conversation '${conversation.id}' does not exist.`
          : `Conversation '${conversation.id}' changed since ETag ${options.ifMatch} was read.`,
    );
    if (queue === undefined) await this.index.removeAfterCommit(conversation);
    return toVersioned(written(resource, conversation.id));
  }

  async listWaiting(queue: string, options: { limit: number }): Promise<Versioned<Conversation>[]> {
    if (checkLimit(options.limit) < 1) return [];
    return this.index.scan(queue, options.limit);
  }

  /** One query of the queue's partition of the waiting index (~3 RU plus a little per entry); no conversation is read. */
  async listWaitingIds(queue: string, options: { limit: number }): Promise<string[]> {
    if (checkLimit(options.limit) < 1) return [];
    return this.index.ids(queue, options.limit);
  }

  async hasWaiting(queue: string): Promise<boolean> {
    return (await this.index.scan(queue, 1)).length > 0;
  }

  /** One-partition COUNT over the waiting index (~3 RU); a stale entry may count until a read cleans it. */
  async countWaiting(queue: string): Promise<number> {
    return this.index.count(queue);
  }

  /** Cross-partition: serves the agent desk (an agent's own list), never the assignment hot path. */
  async listByAssignee(assigneeId: string): Promise<Versioned<Conversation>[]> {
    const found = await this.query(`SELECT * FROM c WHERE c.assignee.id = @assigneeId AND c.status != 'Closed'`, [{ name: '@assigneeId', value: assigneeId }]);
    return found.sort((a, b) => compareOrdinal(a.value.id, b.value.id));
  }

  /** Cross-partition: asked when an agent opens a chat's details (its customer's previous chats), never on a hot path. */
  async listByCustomer(customerId: string, options: { limit: number }): Promise<Versioned<Conversation>[]> {
    if (checkLimit(options.limit) < 1) return [];
    return this.query(`SELECT TOP @limit * FROM c WHERE c.customer.id = @customerId ORDER BY c.createdAt DESC`, [
      { name: '@limit', value: options.limit },
      { name: '@customerId', value: customerId },
    ]);
  }

  /** Cross-partition: the sweep's question, asked once a minute, never on a hot path. */
  async listUnclosedUpdatedBefore(updatedBefore: string, options: { limit: number }): Promise<Versioned<Conversation>[]> {
    if (checkLimit(options.limit) < 1) return [];
    return this.query(`SELECT TOP @limit * FROM c WHERE c.status != 'Closed' AND c.updatedAt < @updatedBefore ORDER BY c.updatedAt`, [
      { name: '@limit', value: options.limit },
      { name: '@updatedBefore', value: updatedBefore },
    ]);
  }

  /**
   * Makes the waiting index agree with `conversation` (as just read). The index add precedes every
   * write, so a chat is missing only if the rules in cosmosWaitingIndex.ts were broken; the sweep can
   * call this for the Open chats `listUnclosedUpdatedBefore` finds, to put such a chat back in its queue.
   */
  async reindex(conversation: Conversation): Promise<ReindexOutcome> {
    return this.index.reindex(conversation);
  }

  private toDocument(conversation: Conversation): ConversationDocument {
    const doc: ConversationDocument = { ...conversation, id: toCosmosId(conversation.id) };
    if (conversation.status === 'Closed' && this.closedTtl !== undefined) doc.ttl = this.closedTtl;
    return doc;
  }

  private async query(query: string, parameters: { name: string; value: string | number }[]): Promise<Versioned<Conversation>[]> {
    const { resources } = await this.container.items.query<ConversationDocument & Resource>({ query, parameters }).fetchAll();
    return resources.map(toVersioned);
  }
}

function toVersioned(doc: ConversationDocument & Resource): Versioned<Conversation> {
  const value = { ...stripDocument(doc, EXTRA_FIELDS), id: fromCosmosId(doc.id) } as unknown as Conversation;
  return { value, etag: doc._etag };
}
