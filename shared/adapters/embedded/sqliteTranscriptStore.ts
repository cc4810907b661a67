import type { TranscriptMessage } from '../../core/transcript';
import type { ListPageOptions, TranscriptPage, TranscriptStore } from '../../ports/transcriptStore';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './sqliteDatabase';

/** What each audience may not see, as a filter on the stored JSON (see ListPageOptions.audience). */
const AUDIENCE_FILTERS = {
  all: '',
  agent: "AND json_extract(doc, '$.deletedAt') IS NULL",
  customer: "AND json_extract(doc, '$.deletedAt') IS NULL AND json_extract(doc, '$.visibility') = 'everyone'",
} as const;

/**
 * Transcript messages in append order (an autoincrement sequence); (conversationId, id) is unique, so appends are idempotent.
 * A page's position is the row's seq: global, but increasing within a conversation, which is all a cursor needs.
 */
export class SqliteTranscriptStore implements TranscriptStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      insert: db.prepare<[string, string, string]>(
        'INSERT INTO transcript_messages (conversation_id, id, doc) VALUES (?, ?, ?) ON CONFLICT (conversation_id, id) DO NOTHING',
      ),
      get: db.prepare<[string, string], { doc: string }>('SELECT doc FROM transcript_messages WHERE conversation_id = ? AND id = ?'),
      list: db.prepare<[string], { doc: string }>('SELECT doc FROM transcript_messages WHERE conversation_id = ? ORDER BY seq'),
      pages: Object.fromEntries(Object.entries(AUDIENCE_FILTERS).map(([audience, filter]) => [audience, db.prepare<[string, number, number], { seq: number; doc: string }>(
        `SELECT seq, doc FROM transcript_messages WHERE conversation_id = ? AND seq > ? ${filter} ORDER BY seq LIMIT ?`,
      )])) as Record<keyof typeof AUDIENCE_FILTERS, Statement<[string, number, number], { seq: number; doc: string }>>,
      update: db.prepare<[string, string, string]>('UPDATE transcript_messages SET doc = ? WHERE conversation_id = ? AND id = ?'),
    };
  }

  async append(message: TranscriptMessage): Promise<boolean> {
    return this.statements.insert.run(message.conversationId, message.id, JSON.stringify(message)).changes === 1;
  }

  async list(conversationId: string): Promise<TranscriptMessage[]> {
    return this.statements.list.all(conversationId).map((row) => JSON.parse(row.doc) as TranscriptMessage);
  }

  async listPage(conversationId: string, options: ListPageOptions): Promise<TranscriptPage> {
    // One more than asked says whether a next page exists.
    const rows = this.statements.pages[options.audience ?? 'all'].all(conversationId, Number(options.after ?? 0), options.limit + 1);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      messages: page.map((row) => JSON.parse(row.doc) as TranscriptMessage),
      next: rows.length > options.limit && last ? String(last.seq) : null,
      last: last ? String(last.seq) : null,
    };
  }

  async get(conversationId: string, messageId: string): Promise<TranscriptMessage | undefined> {
    const row = this.statements.get.get(conversationId, messageId);
    return row && (JSON.parse(row.doc) as TranscriptMessage);
  }

  async replace(message: TranscriptMessage): Promise<boolean> {
    return this.statements.update.run(JSON.stringify(message), message.conversationId, message.id).changes === 1;
  }
}
