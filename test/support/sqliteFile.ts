import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../shared/adapters/embedded/sqliteDatabase';

/**
 * One SQLite data file in a temporary directory that several "instances" open, each on a connection of its
 * own, as two processes share `npm start`'s data file: `open()` gives another connection, `close()` closes them
 * all and deletes the directory.
 */
export function sharedSqliteFile(prefix: string): { open(): SqliteDatabase; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'switchboard.db');
  const connections: SqliteDatabase[] = [];
  return {
    open: () => {
      const db = openDatabase(file);
      connections.push(db);
      return db;
    },
    close: () => {
      for (const db of connections) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
