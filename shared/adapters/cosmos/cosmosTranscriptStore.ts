import type { Database, Resource } from '@azure/cosmos';
import type { TranscriptMessage } from '../../core/transcript';
import type { ListPageOptions, TranscriptPage, TranscriptStore } from '../../ports/transcriptStore';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { stripDocument } from './cosmosDocuments';
import { SequencedPartition } from './sequencedPartition';

/** The message in its place: `seq` is its position in the conversation, and the item id is made of it. */
type MessageDocument = TranscriptMessage & { kind: 'message'; seq: number; messageId: string };

/** Fields the adapter adds to a message, dropped on read. */
const EXTRA_FIELDS = ['kind', 'seq', 'messageId'] as const;

/** What each audience may not see (see ListPageOptions.audience), filtered in the query so pages come back full. */
const AUDIENCE_FILTERS = {
  all: '',
  agent: 'AND NOT IS_DEFINED(c.deletedAt)',
  customer: "AND NOT IS_DEFINED(c.deletedAt) AND c.visibility = 'everyone'",
} as const;

/**
 * Transcripts in Cosmos DB: container `transcripts`, partition key `/conversationId`, so everything
 * about one conversation's messages is a one-partition operation.
 *
 * Append order is the create-once sequence of sequencedPartition.ts: message items `seq:<n>` fill
 * without gaps and in the order readers see them, so a message never appears before one that a reader
 * already saw (the bot forwarding cursor counts on that). The message id is claimed first
 * (`id:<message id>`); a conflict there means a duplicate (false). A message placed twice by a retry
 * that raced its first attempt is read at its first place only.
 *
 * Expected request units (RU), for messages under 1 KB:
 *   append           claim create + message create        ~5 + ~6-8 RU (+ ~3 RU one-partition
 *                                                          TOP 1 when this process has no hint of the last place)
 *   duplicate        claim conflict + one-partition query ~1 + ~3 RU
 *   list             one-partition query                  ~3 RU + a fraction of an RU per message
 *   listPage         one-partition TOP n query from a seq ~3 RU + a fraction per message (+ ~3 RU after the
 *                                                          first page, to leave out a message's later places)
 *   get              one-partition query on messageId     ~3 RU, whatever the transcript's length
 *   replace          one-partition query + replace        ~3 + ~6-8 RU
 */
export class CosmosTranscriptStore implements TranscriptStore {
  private readonly places: SequencedPartition<MessageDocument>;

  constructor(database: Database) {
    this.places = new SequencedPartition(database.container(COSMOS_CONTAINERS.transcripts.id), { partitionField: 'conversationId', kind: 'message', itemIdField: 'messageId' });
  }

  async append(message: TranscriptMessage): Promise<boolean> {
    const claimed = await this.places.claim(message.conversationId, message.id);
    if (!claimed && (await this.placesOf(message)).length > 0) return false;
    await this.places.take(message.conversationId, (seq) => ({ ...message, id: `seq:${seq}`, kind: 'message', seq, messageId: message.id }));
    return claimed;
  }

  async list(conversationId: string): Promise<TranscriptMessage[]> {
    const docs = await this.places.query(conversationId, 'ORDER BY c.seq');
    const last = docs.at(-1);
    if (last) this.places.saw(conversationId, last);
    const seen = new Set<string>();
    const messages: TranscriptMessage[] = [];
    for (const doc of docs) {
      if (seen.has(doc.messageId)) continue;
      seen.add(doc.messageId);
      messages.push(toMessage(doc));
    }
    return messages;
  }

  /**
   * A page from position `after` (a seq) on, ordered by seq: one query of the partition, whatever the
   * transcript's length. A message placed twice (see the class comment) shows at its first place only:
   * later places on the page are dropped, and so are those whose first place was on an earlier page.
   */
  async listPage(conversationId: string, options: ListPageOptions): Promise<TranscriptPage> {
    const filter = AUDIENCE_FILTERS[options.audience ?? 'all'];
    const start = Number(options.after ?? 0);
    const kept: (MessageDocument & Resource)[] = [];
    const seen = new Set<string>();
    // One more than asked says whether a next page exists; a dropped duplicate makes the loop ask again.
    for (let after = start; kept.length <= options.limit;) {
      const want = options.limit + 1 - kept.length;
      const docs = await this.places.query(conversationId, `AND c.seq > @after ${filter} ORDER BY c.seq`, [{ name: '@after', value: after }], `TOP ${want}`);
      const placedBefore = start > 0 ? await this.places.placedAtOrBefore(conversationId, start, docs.map((d) => d.messageId)) : new Set<string>();
      for (const doc of docs) {
        if (seen.has(doc.messageId) || placedBefore.has(doc.messageId)) continue;
        seen.add(doc.messageId);
        kept.push(doc);
      }
      const last = docs.at(-1);
      if (docs.length < want || !last) break;
      after = last.seq;
    }
    const page = kept.slice(0, options.limit);
    const last = page.at(-1);
    return { messages: page.map(toMessage), next: kept.length > options.limit && last ? String(last.seq) : null, last: last ? String(last.seq) : null };
  }

  async get(conversationId: string, messageId: string): Promise<TranscriptMessage | undefined> {
    const [first] = await this.placesOf({ conversationId, id: messageId });
    return first && toMessage(first);
  }

  async replace(message: TranscriptMessage): Promise<boolean> {
    const places = await this.placesOf(message);
    for (const place of places) {
      const doc: MessageDocument = { ...message, id: place.id, kind: 'message', seq: place.seq, messageId: message.id };
      await this.places.replace(message.conversationId, doc);
    }
    return places.length > 0;
  }

  private placesOf(message: Pick<TranscriptMessage, 'conversationId' | 'id'>): Promise<(MessageDocument & Resource)[]> {
    return this.places.placesOf(message.conversationId, message.id);
  }
}

function toMessage(doc: MessageDocument & Resource): TranscriptMessage {
  return { ...stripDocument(doc, EXTRA_FIELDS), id: doc.messageId } as unknown as TranscriptMessage;
}
