import type { AgentState } from '../../core/agent';
import type { AgentStore } from '../../ports/agentStore';
import { StoreError, type Versioned } from '../../ports/storeErrors';
import { newEtag, type SqliteDatabase } from './sqliteDatabase';

interface Row {
  doc: string;
  etag: string;
}

/** Agent runtime state as JSON documents; writes are single conditional statements (If-Match semantics). */
export class SqliteAgentStore implements AgentStore {
  private readonly statements;

  constructor(db: SqliteDatabase) {
    this.statements = {
      get: db.prepare<[string], Row>('SELECT doc, etag FROM agents WHERE id = ?'),
      exists: db.prepare<[string], { id: string }>('SELECT id FROM agents WHERE id = ?'),
      insert: db.prepare<[string, string, string]>('INSERT INTO agents (id, doc, etag) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      replace: db.prepare<[string, string, string, string]>('UPDATE agents SET doc = ?, etag = ? WHERE id = ? AND etag = ?'),
      list: db.prepare<[], Row>('SELECT doc, etag FROM agents ORDER BY id'),
    };
  }

  async get(id: string): Promise<Versioned<AgentState> | undefined> {
    const row = this.statements.get.get(id);
    return row && toVersioned(row);
  }

  async create(agent: AgentState): Promise<Versioned<AgentState>> {
    const row = { doc: JSON.stringify(agent), etag: newEtag() };
    if (this.statements.insert.run(agent.id, row.doc, row.etag).changes === 0) {
      throw new StoreError('Conflict', `Agent '${agent.id}' already exists.`);
    }
    return toVersioned(row);
  }

  async replace(agent: AgentState, options: { ifMatch: string }): Promise<Versioned<AgentState>> {
    const row = { doc: JSON.stringify(agent), etag: newEtag() };
    if (this.statements.replace.run(row.doc, row.etag, agent.id, options.ifMatch).changes === 0) {
      if (!this.statements.exists.get(agent.id)) throw new StoreError('NotFound', `Agent '${agent.id}' does not exist.`);
      throw new StoreError('PreconditionFailed', `Agent '${agent.id}' changed since ETag ${options.ifMatch} was read.`);
    }
    return toVersioned(row);
  }

  async list(): Promise<Versioned<AgentState>[]> {
    return this.statements.list.all().map(toVersioned);
  }
}

/** Parsing the stored JSON gives the caller its own copy: mutating it never touches stored state. */
function toVersioned(row: Row): Versioned<AgentState> {
  return { value: JSON.parse(row.doc) as AgentState, etag: row.etag };
}
