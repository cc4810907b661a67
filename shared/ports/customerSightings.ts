/**
 * When a Direct Line customer's client was last seen (a poll, a stream, a post): the chat reconnect
 * window counts from it (workstreams[].reconnect). Kept apart from the conversation document, which
 * would otherwise be written at every poll; writers keep it coarse (see directLine.ts).
 */
export interface CustomerSightings {
  /** Records a sighting; a later one never goes back in time (the latest wins). */
  markSeen(conversationId: string, at: string): Promise<void>;
  /** The last sighting, or undefined when none was recorded. */
  lastSeen(conversationId: string): Promise<string | undefined>;
}
