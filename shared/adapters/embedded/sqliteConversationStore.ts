import type { Conversation } from '../../core/conversation';
import type { ConversationState, ConversationStore } from '../../ports/conversationStore';
import { StoreError, type Versioned } from '../../ports/storeErrors';
import { newEtag, type SqliteDatabase } from './sqliteDatabase';

interface Row {
  doc: string;
  etag: string;
}

/**
 * Conversations as JSON documents, with the fields the list queries filter on copied into indexed
 * columns. Every write is one conditional SQL statement, so it is atomic like a Cosmos If-Match write.
 */
export class SqliteConversationStore implements ConversationStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    const columns = 'doc = @doc, etag = @etag, status = @status, queue = @queue, enqueued_at = @enqueuedAt, assignee_id = @assigneeId, assignee_kind = @assigneeKind, updated_at = @updatedAt, offered_to = @offeredTo, message_count = @messageCount, message_bytes = @messageBytes';
    this.statements = {
      get: db.prepare<[string], Row>('SELECT doc, etag FROM conversations WHERE id = ?'),
      getState: db.prepare<[string], StateRow>('SELECT status, assignee_id, assignee_kind, message_count, message_bytes FROM conversations WHERE id = ?'),
      exists: db.prepare<[string], { id: string }>('SELECT id FROM conversations WHERE id = ?'),
      insert: db.prepare<Params>(
        `INSERT INTO conversations (id, doc, etag, status, queue, enqueued_at, assignee_id, assignee_kind, updated_at, offered_to, message_count, message_bytes)
         VALUES (@id, @doc, @etag, @status, @queue, @enqueuedAt, @assigneeId, @assigneeKind, @updatedAt, @offeredTo, @messageCount, @messageBytes) ON CONFLICT (id) DO NOTHING`,
      ),
      replace: db.prepare<Params & { ifMatch: string }>(`UPDATE conversations SET ${columns} WHERE id = @id AND etag = @ifMatch`),
      listWaiting: db.prepare<[string, number], Row>(
        "SELECT doc, etag FROM conversations WHERE status = 'Open' AND offered_to IS NULL AND queue = ? ORDER BY enqueued_at, id LIMIT ?",
      ),
      // Served by the partial index conversations_waiting_unoffered alone, without reading a document.
      listWaitingIds: db.prepare<[string, number], { id: string }>(
        "SELECT id FROM conversations WHERE status = 'Open' AND offered_to IS NULL AND queue = ? ORDER BY enqueued_at, id LIMIT ?",
      ),
      hasWaiting: db.prepare<[string], { found: number }>("SELECT 1 AS found FROM conversations WHERE status = 'Open' AND offered_to IS NULL AND queue = ? LIMIT 1"),
      countWaiting: db.prepare<[string], { count: number }>("SELECT COUNT(*) AS count FROM conversations WHERE status = 'Open' AND offered_to IS NULL AND queue = ?"),
      listByAssignee: db.prepare<[string], Row>(
        "SELECT doc, etag FROM conversations WHERE status <> 'Closed' AND assignee_id = ? ORDER BY id",
      ),
      // Served by the expression index conversations_by_customer.
      listByCustomer: db.prepare<[string, number], Row>(
        "SELECT doc, etag FROM conversations WHERE json_extract(doc, '$.customer.id') = ? ORDER BY json_extract(doc, '$.createdAt') DESC, id LIMIT ?",
      ),
      listUnclosedUpdatedBefore: db.prepare<[string, number], Row>(
        "SELECT doc, etag FROM conversations WHERE status <> 'Closed' AND updated_at < ? ORDER BY updated_at, id LIMIT ?",
      ),
    };
  }

  async get(id: string): Promise<Versioned<Conversation> | undefined> {
    const row = this.statements.get.get(id);
    return row && toVersioned(row);
  }

  async getState(id: string): Promise<ConversationState | undefined> {
    const row = this.statements.getState.get(id);
    if (!row) return undefined;
    const assignee = row.assignee_id === null ? null : { id: row.assignee_id, kind: row.assignee_kind as 'bot' | 'agent' };
    return { status: row.status as ConversationState['status'], assignee, size: { messageCount: row.message_count, bytes: row.message_bytes } };
  }

  async create(conversation: Conversation): Promise<Versioned<Conversation>> {
    const params = toParams(conversation);
    if (this.statements.insert.run(params).changes === 0) {
      throw new StoreError('Conflict', `Conversation '${conversation.id}' already exists.`);
    }
    return toVersioned(params);
  }

  async replace(conversation: Conversation, options: { ifMatch: string }): Promise<Versioned<Conversation>> {
    const params = toParams(conversation);
    if (this.statements.replace.run({ ...params, ifMatch: options.ifMatch }).changes === 0) {
      if (!this.statements.exists.get(conversation.id)) {
        throw new StoreError('NotFound', `Conversation '${conversation.id}' does not exist.`);
      }
      throw new StoreError('PreconditionFailed', `Conversation '${conversation.id}' changed since ETag ${options.ifMatch} was read.`);
    }
    return toVersioned(params);
  }

  async listWaiting(queue: string, options: { limit: number }): Promise<Versioned<Conversation>[]> {
    return this.statements.listWaiting.all(queue, options.limit).map(toVersioned);
  }

  async listWaitingIds(queue: string, options: { limit: number }): Promise<string[]> {
    return this.statements.listWaitingIds.all(queue, options.limit).map((row) => row.id);
  }

  async hasWaiting(queue: string): Promise<boolean> {
    return this.statements.hasWaiting.get(queue) !== undefined;
  }

  async countWaiting(queue: string): Promise<number> {
    return this.statements.countWaiting.get(queue)?.count ?? 0;
  }

  async listByAssignee(assigneeId: string): Promise<Versioned<Conversation>[]> {
    return this.statements.listByAssignee.all(assigneeId).map(toVersioned);
  }

  async listByCustomer(customerId: string, options: { limit: number }): Promise<Versioned<Conversation>[]> {
    return this.statements.listByCustomer.all(customerId, options.limit).map(toVersioned);
  }

  async listUnclosedUpdatedBefore(updatedBefore: string, options: { limit: number }): Promise<Versioned<Conversation>[]> {
    return this.statements.listUnclosedUpdatedBefore.all(updatedBefore, options.limit).map(toVersioned);
  }
}

interface StateRow {
  status: string;
  assignee_id: string | null;
  assignee_kind: string | null;
  message_count: number;
  message_bytes: number;
}

interface Params {
  id: string;
  doc: string;
  etag: string;
  status: string;
  queue: string | null;
  enqueuedAt: string | null;
  assigneeId: string | null;
  assigneeKind: string | null;
  updatedAt: string;
  offeredTo: string | null;
  messageCount: number;
  messageBytes: number;
}

function toParams(conversation: Conversation): Params {
  return {
    id: conversation.id,
    doc: JSON.stringify(conversation),
    etag: newEtag(),
    status: conversation.status,
    queue: conversation.queue,
    enqueuedAt: conversation.enqueuedAt,
    assigneeId: conversation.assignee?.id ?? null,
    assigneeKind: conversation.assignee?.kind ?? null,
    updatedAt: conversation.updatedAt,
    offeredTo: conversation.offer?.agentId ?? null,
    messageCount: conversation.transcript?.messageCount ?? 0,
    messageBytes: conversation.transcript?.bytes ?? 0,
  };
}

/** Parsing the stored JSON gives the caller its own copy: mutating it never touches stored state. */
function toVersioned(row: Row): Versioned<Conversation> {
  return { value: JSON.parse(row.doc) as Conversation, etag: row.etag };
}
