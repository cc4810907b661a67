import type { CustomerSightings } from '../ports/customerSightings';

/** Sightings closer together than this are not written again by one process (reconnect windows are a minute or more). */
export const SIGHTING_INTERVAL_IN_MS = 15_000;
const MAX_REMEMBERED = 10_000;

/**
 * A sighting store written at most once per conversation per SIGHTING_INTERVAL_IN_MS by this process:
 * a polling client asks every second, and the reconnect window needs to know of it only every few.
 * Reads go through.
 */
export class ThrottledSightings implements CustomerSightings {
  private readonly written = new Map<string, number>();

  constructor(private readonly store: CustomerSightings) {}

  async markSeen(conversationId: string, at: string): Promise<void> {
    const time = Date.parse(at);
    const last = this.written.get(conversationId);
    if (last !== undefined && time - last < SIGHTING_INTERVAL_IN_MS) return;
    this.written.delete(conversationId);
    this.written.set(conversationId, time);
    // Forget the oldest (a Map iterates in insertion order): a hint, never the truth.
    if (this.written.size > MAX_REMEMBERED) this.written.delete(this.written.keys().next().value as string);
    await this.store.markSeen(conversationId, at);
  }

  lastSeen(conversationId: string): Promise<string | undefined> {
    return this.store.lastSeen(conversationId);
  }
}
