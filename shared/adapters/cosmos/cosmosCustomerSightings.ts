import type { Container, Database, Resource } from '@azure/cosmos';
import type { CustomerSightings } from '../../ports/customerSightings';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { succeeds } from './cosmosDocuments';

interface SightingDocument {
  id: 'seen';
  conversationId: string;
  kind: 'seen';
  seenAt: string;
}

/**
 * Sightings in Cosmos DB: one item `seen` in the conversation's partition of `transcripts` (its queries
 * read `kind = 'message'` only), so it shares the transcript's retention. A point read (~1 RU), and a
 * write with If-Match (~6 RU) only when the sighting is newer: an older one written late loses.
 */
export class CosmosCustomerSightings implements CustomerSightings {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(COSMOS_CONTAINERS.transcripts.id);
  }

  async markSeen(conversationId: string, at: string): Promise<void> {
    const item = this.container.item('seen', conversationId);
    const { resource } = await item.read<SightingDocument & Resource>();
    const doc: SightingDocument = { id: 'seen', conversationId, kind: 'seen', seenAt: at };
    if (!resource) {
      await succeeds(() => this.container.items.create(doc), [409]);
      return;
    }
    if (resource.seenAt >= at) return;
    // A 412 is a concurrent sighting, as new as this one: nothing to do.
    await succeeds(() => item.replace(doc, { accessCondition: { type: 'IfMatch', condition: resource._etag } }), [412]);
  }

  async lastSeen(conversationId: string): Promise<string | undefined> {
    const { resource } = await this.container.item('seen', conversationId).read<SightingDocument & Resource>();
    return resource?.seenAt;
  }
}
