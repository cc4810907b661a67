import type { CustomerSightings } from '../../ports/customerSightings';
import type { SqliteDatabase } from './sqliteDatabase';

/** One row per conversation; ISO times compare as text, so MAX keeps the latest whatever the order of writes. */
export class SqliteCustomerSightings implements CustomerSightings {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      mark: db.prepare<[string, string]>(
        'INSERT INTO customer_sightings (conversation_id, seen_at) VALUES (?, ?) ON CONFLICT (conversation_id) DO UPDATE SET seen_at = MAX(seen_at, excluded.seen_at)',
      ),
      get: db.prepare<[string], { seen_at: string }>('SELECT seen_at FROM customer_sightings WHERE conversation_id = ?'),
    };
  }

  async markSeen(conversationId: string, at: string): Promise<void> {
    this.statements.mark.run(conversationId, at);
  }

  async lastSeen(conversationId: string): Promise<string | undefined> {
    return this.statements.get.get(conversationId)?.seen_at;
  }
}
