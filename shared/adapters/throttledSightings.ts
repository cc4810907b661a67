import type { CustomerSightings } from '../ports/customerSightings';
import { BoundedMap } from './boundedMap';

/** Sightings closer together than this are not written again by one process (reconnect windows are a minute or more). */
export const SIGHTING_INTERVAL_IN_MS = 15_000;
const MAX_REMEMBERED = 10_000;

/**
 * A sighting store written at most once per conversation per SIGHTING_INTERVAL_IN_MS by this process:
 * a polling client asks every second, and the reconnect window needs to know of it only every few.
 * Reads go through.
 */
export class ThrottledSightings implements CustomerSightings {
  /** When this process last wrote each conversation's sighting: a hint, never the truth. */
  private readonly written = new BoundedMap<string, number>(MAX_REMEMBERED);

  constructor(private readonly store: CustomerSightings) {}

  async markSeen(conversationId: string, at: string): Promise<void> {
    const time = Date.parse(at);
    const last = this.written.get(conversationId);
    if (last !== undefined && time - last < SIGHTING_INTERVAL_IN_MS) return;
    this.written.set(conversationId, time);
    await this.store.markSeen(conversationId, at);
  }

  lastSeen(conversationId: string): Promise<string | undefined> {
    return this.store.lastSeen(conversationId);
  }
}
