import type { TranscriptMessage } from '../core/transcript';

/** Options of listPage: where to start, how many, and which messages the reader may see. */
export interface ListPageOptions {
  /** A `next` of an earlier page of the same conversation: the page starts after it. Absent: from the first message. */
  after?: string;
  /** At most this many messages (at least 1). */
  limit: number;
  /**
   * Who reads: `customer` leaves out agent-only messages and deleted ones, `agent` deleted ones; absent:
   * every message. Left out in the store, so a page is never short because of them.
   */
  audience?: 'customer' | 'agent';
}

export interface TranscriptPage {
  messages: TranscriptMessage[];
  /**
   * The position of the page's last message, to pass as `after` for the next page; null when no message
   * the audience sees follows. A position is the message's place in the append order, so it never moves.
   */
  next: string | null;
  /** The position of the page's last message, next page or not (a Direct Line watermark); null for an empty page. */
  last: string | null;
}

/** A position as listPage gives it: a whole number in decimal (the store's append sequence). */
export const POSITION_PATTERN = /^(0|[1-9]\d{0,14})$/;

/** The messages of a conversation, keyed by conversation id, in the order they were appended. */
export interface TranscriptStore {
  /** Appends the message unless one with the same id exists; returns false for such a duplicate. */
  append(message: TranscriptMessage): Promise<boolean>;
  /** Every message; for the bot's catch-up and tests. Readers that serve clients use listPage. */
  list(conversationId: string): Promise<TranscriptMessage[]>;
  /** One page in append order, read from the position on: the cost is the page's, not the transcript's. */
  listPage(conversationId: string, options: ListPageOptions): Promise<TranscriptPage>;
  /** One message by its id, in its first place; a point lookup, so a long transcript costs no more than a short one. */
  get(conversationId: string, messageId: string): Promise<TranscriptMessage | undefined>;
  /** Replaces the message with the same conversation and id, keeping its place; false when there is none. */
  replace(message: TranscriptMessage): Promise<boolean>;
}
