import type { Container, Database, Resource } from '@azure/cosmos';
import type { TranscriptMessage } from '../../core/transcript';
import type { ListPageOptions, TranscriptPage, TranscriptStore } from '../../ports/transcriptStore';
import { COSMOS_CONTAINERS } from './cosmosContainers';
import { BoundedMap } from '../boundedMap';
import { stripDocument, succeeds, toCosmosId } from './cosmosDocuments';

/** Claims a message id in its conversation: creating it is what makes an append idempotent. */
interface ClaimDocument {
  id: string;
  conversationId: string;
  kind: 'claim';
}

/** The message in its place: `seq` is its position in the conversation, and the item id is made of it. */
type MessageDocument = TranscriptMessage & { kind: 'message'; seq: number; messageId: string };

/** Fields the adapter adds to a message, dropped on read. */
const EXTRA_FIELDS = ['kind', 'seq', 'messageId'] as const;
const MAX_SEQ_ATTEMPTS = 100;

/** What each audience may not see (see ListPageOptions.audience), filtered in the query so pages come back full. */
const AUDIENCE_FILTERS = {
  all: '',
  agent: 'AND NOT IS_DEFINED(c.deletedAt)',
  customer: "AND NOT IS_DEFINED(c.deletedAt) AND c.visibility = 'everyone'",
} as const;

type Parameter = { name: string; value: string | number };

/**
 * Transcripts in Cosmos DB: container `transcripts`, partition key `/conversationId`, so everything
 * about one conversation's messages is a one-partition operation.
 *
 * Append order is a sequence claimed by creating the message item with id `seq:<n>`: Cosmos DB
 * creates an id once, so two instances cannot take the same place, and the loser moves to n+1. A
 * place n+1 is only tried once n exists, so the places fill without gaps and in the order readers
 * see them: a message never appears before one that a reader already saw (the bot forwarding
 * cursor counts on that). Timestamps could not give this: clocks of two instances disagree, and
 * `_ts` has one-second resolution.
 *
 * The message id is claimed first, by creating `id:<message id>`; a conflict there means a
 * duplicate (false). If the first append crashed between its claim and its place, a duplicate finds
 * no place and takes one; if two raced that way, reads keep the message's first place only.
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
  private readonly container: Container;
  /** The last place this process took or saw per conversation: a hint that saves the TOP 1 query when one instance serves the conversation. */
  private readonly lastSeq = new BoundedMap<string, number>(10_000);

  constructor(database: Database) {
    this.container = database.container(COSMOS_CONTAINERS.transcripts.id);
  }

  async append(message: TranscriptMessage): Promise<boolean> {
    const claim: ClaimDocument = { id: `id:${toCosmosId(message.id)}`, conversationId: message.conversationId, kind: 'claim' };
    const claimed = await succeeds(() => this.container.items.create(claim), [409]);
    if (!claimed && (await this.placesOf(message)).length > 0) return false;
    await this.place(message);
    return claimed;
  }

  async list(conversationId: string): Promise<TranscriptMessage[]> {
    const docs = await this.query(conversationId, 'ORDER BY c.seq');
    const last = docs[docs.length - 1];
    if (last && last.seq > (this.lastSeq.get(conversationId) ?? 0)) this.lastSeq.set(conversationId, last.seq);
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
      const docs = await this.query(conversationId, `AND c.seq > @after ${filter} ORDER BY c.seq`, [{ name: '@after', value: after }], `TOP ${want}`);
      const placedBefore = start > 0 ? await this.placedAtOrBefore(conversationId, start, docs.map((d) => d.messageId)) : new Set<string>();
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
      await this.container.item(place.id, message.conversationId).replace<MessageDocument>(doc);
    }
    return places.length > 0;
  }

  /** Takes the next free place; see the class comment for why this orders appends across instances. */
  private async place(message: TranscriptMessage): Promise<void> {
    const { conversationId } = message;
    let seq = (this.lastSeq.get(conversationId) ?? (await this.lastPlace(conversationId))) + 1;
    for (let attempt = 1; attempt <= MAX_SEQ_ATTEMPTS; attempt++) {
      const doc: MessageDocument = { ...message, id: `seq:${seq}`, kind: 'message', seq, messageId: message.id };
      if (await succeeds(() => this.container.items.create(doc), [409])) {
        this.lastSeq.set(conversationId, seq);
        return;
      }
      // Place `seq` is taken, so the next one is free unless others took it too; every few tries, ask where the end is.
      seq = attempt % 4 === 0 ? Math.max(seq, await this.lastPlace(conversationId)) + 1 : seq + 1;
    }
    throw new Error(`Conversation '${conversationId}': message '${message.id}' found no free place after ${MAX_SEQ_ATTEMPTS} attempts.`);
  }

  private async lastPlace(conversationId: string): Promise<number> {
    const { resources } = await this.container.items
      .query<number>(
        {
          query: "SELECT TOP 1 VALUE c.seq FROM c WHERE c.conversationId = @conversationId AND c.kind = 'message' ORDER BY c.seq DESC",
          parameters: [{ name: '@conversationId', value: conversationId }],
        },
        { partitionKey: conversationId },
      )
      .fetchAll();
    return resources[0] ?? 0;
  }

  /** Which of `messageIds` already have a place at or before `seq` (an earlier page showed them). */
  private async placedAtOrBefore(conversationId: string, seq: number, messageIds: string[]): Promise<Set<string>> {
    if (messageIds.length === 0) return new Set();
    const names = messageIds.map((_, i) => `@m${i}`);
    const query = `SELECT VALUE c.messageId FROM c WHERE c.conversationId = @conversationId AND c.kind = 'message' AND c.seq <= @seq AND c.messageId IN (${names.join(', ')})`;
    const parameters: Parameter[] = [{ name: '@conversationId', value: conversationId }, { name: '@seq', value: seq }, ...messageIds.map((value, i) => ({ name: names[i] as string, value }))];
    const { resources } = await this.container.items.query<string>({ query, parameters }, { partitionKey: conversationId }).fetchAll();
    return new Set(resources);
  }

  private placesOf(message: Pick<TranscriptMessage, 'conversationId' | 'id'>): Promise<(MessageDocument & Resource)[]> {
    return this.query(message.conversationId, 'AND c.messageId = @messageId ORDER BY c.seq', [{ name: '@messageId', value: message.id }]);
  }

  /** The message items of one conversation (the explicit conversationId filter is what the partition key scopes to in Cosmos DB; the test server needs it). */
  private async query(conversationId: string, rest: string, parameters: Parameter[] = [], top = ''): Promise<(MessageDocument & Resource)[]> {
    const query = `SELECT ${top} * FROM c WHERE c.conversationId = @conversationId AND c.kind = 'message' ${rest}`;
    const { resources } = await this.container.items
      .query<MessageDocument & Resource>({ query, parameters: [{ name: '@conversationId', value: conversationId }, ...parameters] }, { partitionKey: conversationId })
      .fetchAll();
    return resources;
  }
}

function toMessage(doc: MessageDocument & Resource): TranscriptMessage {
  return { ...stripDocument(doc, EXTRA_FIELDS), id: doc.messageId } as unknown as TranscriptMessage;
}
