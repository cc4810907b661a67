import type { Container, Database, Resource } from '@azure/cosmos';
import type { AgentState } from '../../core/agent';
import type { AgentStore } from '../../ports/agentStore';
import type { Versioned } from '../../ports/storeErrors';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { compareOrdinal, fromCosmosId, mapStoreErrors, stripDocument, toCosmosId, written } from './cosmosDocuments';

/**
 * Agent runtime state in Cosmos DB: container `agents`, partition key `/id`. A capacity reservation
 * is a read and a replace with If-Match on one agent: the commit point of invariant 2.
 *
 * Expected request units (RU), for an agent document under 1 KB:
 *   get       point read          ~1 RU
 *   create    create              ~6 RU
 *   replace   replace If-Match    ~6-8 RU (a 412 costs little and means: read again, retry)
 *   list      cross-partition read of the whole container: ~2.5 RU per physical partition plus
 *             ~1 RU per few KB returned. Agents number hundreds to thousands, so one or two
 *             partitions. Only the sweep lists; the dispatch reads the members of one queue by id.
 */
export class CosmosAgentStore implements AgentStore {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(COSMOS_CONTAINERS.agents.id);
  }

  async get(id: string): Promise<Versioned<AgentState> | undefined> {
    const key = toCosmosId(id);
    const { resource } = await this.container.item(key, key).read<AgentState & Resource>();
    return resource && toVersioned(resource);
  }

  async create(agent: AgentState): Promise<Versioned<AgentState>> {
    const { resource } = await mapStoreErrors(
      () => this.container.items.create<AgentState>({ ...agent, id: toCosmosId(agent.id) }),
      () => `Agent '${agent.id}' already exists.`,
    );
    return toVersioned(written(resource, agent.id));
  }

  async replace(agent: AgentState, options: { ifMatch: string }): Promise<Versioned<AgentState>> {
    const key = toCosmosId(agent.id);
    const { resource } = await mapStoreErrors(
      () => this.container.item(key, key).replace<AgentState>({ ...agent, id: key }, { accessCondition: { type: 'IfMatch', condition: options.ifMatch } }),
      (code) => (code === 'NotFound' ? `Agent '${agent.id}' does not exist.` : `Agent '${agent.id}' changed since ETag ${options.ifMatch} was read.`),
    );
    return toVersioned(written(resource, agent.id));
  }

  /** Cross-partition, of a small container; only the sweep lists agents, never the assignment path. */
  async list(): Promise<Versioned<AgentState>[]> {
    const { resources } = await this.container.items.readAll<AgentState & Resource>().fetchAll();
    return resources.map(toVersioned).sort((a, b) => compareOrdinal(a.value.id, b.value.id));
  }
}

function toVersioned(doc: AgentState & Resource): Versioned<AgentState> {
  return { value: { ...stripDocument(doc), id: fromCosmosId(doc.id) } as unknown as AgentState, etag: doc._etag };
}
