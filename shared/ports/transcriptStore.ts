import type { TranscriptMessage } from '../core/transcript';

/** The messages of a conversation, keyed by conversation id, in the order they were appended. */
export interface TranscriptStore {
  /** Appends the message unless one with the same id exists; returns false for such a duplicate. */
  append(message: TranscriptMessage): Promise<boolean>;
  list(conversationId: string): Promise<TranscriptMessage[]>;
  /** One message by its id, in its first place; a point lookup, so a long transcript costs no more than a short one. */
  get(conversationId: string, messageId: string): Promise<TranscriptMessage | undefined>;
  /** Replaces the message with the same conversation and id, keeping its place; false when there is none. */
  replace(message: TranscriptMessage): Promise<boolean>;
}
