import type { TranscriptMessage } from '../../core/transcript';
import type { TranscriptStore } from '../../ports/transcriptStore';
import type { SqliteDatabase } from './sqliteDatabase';

/** Transcript messages in append order (an autoincrement sequence); (conversationId, id) is unique, so appends are idempotent. */
export class SqliteTranscriptStore implements TranscriptStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      insert: db.prepare<[string, string, string]>(
        'INSERT INTO transcript_messages (conversation_id, id, doc) VALUES (?, ?, ?) ON CONFLICT (conversation_id, id) DO NOTHING',
      ),
      get: db.prepare<[string, string], { doc: string }>('SELECT doc FROM transcript_messages WHERE conversation_id = ? AND id = ?'),
      list: db.prepare<[string], { doc: string }>('SELECT doc FROM transcript_messages WHERE conversation_id = ? ORDER BY seq'),
      update: db.prepare<[string, string, string]>('UPDATE transcript_messages SET doc = ? WHERE conversation_id = ? AND id = ?'),
    };
  }

  async append(message: TranscriptMessage): Promise<boolean> {
    return this.statements.insert.run(message.conversationId, message.id, JSON.stringify(message)).changes === 1;
  }

  async list(conversationId: string): Promise<TranscriptMessage[]> {
    return this.statements.list.all(conversationId).map((row) => JSON.parse(row.doc) as TranscriptMessage);
  }

  async get(conversationId: string, messageId: string): Promise<TranscriptMessage | undefined> {
    const row = this.statements.get.get(conversationId, messageId);
    return row && (JSON.parse(row.doc) as TranscriptMessage);
  }

  async replace(message: TranscriptMessage): Promise<boolean> {
    return this.statements.update.run(JSON.stringify(message), message.conversationId, message.id).changes === 1;
  }
}
