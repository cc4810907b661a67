import type { FileStore, StoredFile } from '../../ports/fileStore';
import type { SqliteDatabase } from './sqliteDatabase';

interface FileRow {
  id: string;
  conversation_id: string;
  name: string;
  content_type: string;
  size: number;
  created_at: string;
  content: Buffer;
}

/**
 * Uploaded files in the local run's database, bytes and all: one file to back up, owner-only like the
 * rest, and uploads are small (directLine.uploads.maxBytes, 4 MiB by default).
 */
export class SqliteFileStore implements FileStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      put: db.prepare<[string, string, string, string, number, string, Buffer]>(
        'INSERT OR REPLACE INTO files (id, conversation_id, name, content_type, size, created_at, content) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      get: db.prepare<[string], FileRow>('SELECT * FROM files WHERE id = ?'),
    };
  }

  async put(file: StoredFile, content: Uint8Array): Promise<void> {
    // The size is the bytes', whatever the caller said: as the blob adapter reads it back.
    this.statements.put.run(file.id, file.conversationId, file.name, file.contentType, content.byteLength, file.createdAt, Buffer.from(content));
  }

  async get(id: string): Promise<{ file: StoredFile; content: Buffer } | undefined> {
    const row = this.statements.get.get(id);
    if (!row) return undefined;
    return {
      file: { id: row.id, conversationId: row.conversation_id, name: row.name, contentType: row.content_type, size: row.size, createdAt: row.created_at },
      content: row.content,
    };
  }
}
