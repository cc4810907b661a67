import type { Container, Database } from '@azure/cosmos';
import type { TypingSide, TypingSignal, TypingSignals } from '../../ports/typingSignals';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { cosmosStatus, stripDocument } from './cosmosDocuments';

/**
 * Seconds Cosmos DB keeps a signal after its last write: far past its freshness (5 s), so a reader
 * never misses a fresh one, and short, so a chat's stale signals do not stay around.
 */
const TYPING_TTL_IN_SECONDS = 60;

type TypingDocument = TypingSignal & { id: string; kind: 'typing'; ttl: number };

const EXTRA_FIELDS = ['id', 'kind', 'ttl'] as const;

/**
 * Typing signals in the `transcripts` container, in the conversation's own partition: one item per
 * side (`typing:customer`, `typing:staff`), upserted, point-read, expiring by its own `ttl` (the
 * container has TTL on). The transcript's queries select `kind = 'message'`, so they never see them.
 *
 * Expected request units: upsert ~6-8 RU, get ~1 RU (a 404 about the same), delete ~6 RU (a 404 ~1 RU).
 */
export class CosmosTypingSignals implements TypingSignals {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(COSMOS_CONTAINERS.transcripts.id);
  }

  async upsert(signal: TypingSignal): Promise<void> {
    const doc: TypingDocument = { ...signal, id: idOf(signal.side), kind: 'typing', ttl: TYPING_TTL_IN_SECONDS };
    await this.container.items.upsert(doc);
  }

  async get(conversationId: string, side: TypingSide): Promise<TypingSignal | undefined> {
    try {
      const { resource } = await this.container.item(idOf(side), conversationId).read<TypingDocument>();
      return resource && (stripDocument(resource, EXTRA_FIELDS) as unknown as TypingSignal);
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async delete(conversationId: string, side: TypingSide): Promise<void> {
    try {
      await this.container.item(idOf(side), conversationId).delete();
    } catch (error) {
      if (cosmosStatus(error) !== 404) throw error;
    }
  }
}

function idOf(side: TypingSide): string {
  return `typing:${side}`;
}
