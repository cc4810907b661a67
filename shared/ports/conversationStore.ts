import type { Conversation } from '../core/conversation';
import type { Versioned } from './storeErrors';

/** Where a conversation stands: what the HTTP edge checks before it accepts a message for it (the size for limits.chat). */
export type ConversationState = Pick<Conversation, 'status' | 'assignee'> & { size: { messageCount: number; bytes: number } };

/**
 * Conversation documents, keyed (and in Cosmos partitioned) by conversation id.
 * Writes are conditional: `replace` fails with StoreError 'PreconditionFailed' when the ETag is stale,
 * `create` with 'Conflict' when the id exists. Reads return deep copies.
 */
export interface ConversationStore {
  get(id: string): Promise<Versioned<Conversation> | undefined>;
  /**
   * The status and assignee alone. The document grows with the chat (history, applied keys); the
   * embedded store answers this from indexed columns without parsing it.
   */
  getState(id: string): Promise<ConversationState | undefined>;
  create(conversation: Conversation): Promise<Versioned<Conversation>>;
  replace(conversation: Conversation, options: { ifMatch: string }): Promise<Versioned<Conversation>>;
  /**
   * Open conversations waiting in `queue`, oldest `enqueuedAt` first (ties by id). A chat with a live
   * offer is Open but not waiting: it is left out here, in hasWaiting and in countWaiting.
   */
  listWaiting(queue: string, options: { limit: number }): Promise<Versioned<Conversation>[]>;
  /**
   * The ids of up to `limit` conversations waiting in `queue`, in the order of listWaiting, from the
   * index alone: no document is read (in Cosmos DB one query of the queue's partition of the waiting
   * index), so the places in line of a whole queue cost one request. Advisory: an index entry not yet
   * cleaned up may be listed, and counts one place too many until a read removes it.
   */
  listWaitingIds(queue: string, options: { limit: number }): Promise<string[]>;
  /** Whether at least one conversation waits in `queue` (one partition's question in Cosmos, never a cross-partition one). */
  hasWaiting(queue: string): Promise<boolean>;
  /** About how many conversations wait in `queue`, for the queue-length metric (an index may briefly count a stale entry). */
  countWaiting(queue: string): Promise<number>;
  /**
   * Repairs secondary indexes the store keeps beside the document (Cosmos: the waiting index, which
   * is not written atomically with the conversation). Stores without any leave it out.
   */
  reindex?(conversation: Conversation): Promise<unknown>;
  /** Conversations whose assignee is `assigneeId` and that are not Closed. */
  listByAssignee(assigneeId: string): Promise<Versioned<Conversation>[]>;
  /**
   * Up to `limit` conversations of one customer (customer.id), newest (createdAt) first, Closed ones
   * included: the agent's "previous chats". Asked when an agent opens a chat's details, never on a hot path.
   */
  listByCustomer(customerId: string, options: { limit: number }): Promise<Versioned<Conversation>[]>;
  /** Conversations that are not Closed and were last updated before `updatedBefore` (ISO time), for the sweep. */
  listUnclosedUpdatedBefore(updatedBefore: string, options: { limit: number }): Promise<Versioned<Conversation>[]>;
}
