/**
 * The dispatcher's two orders (Omnichannel §4.4): across queues by queue priority, within a queue FIFO.
 * Names and ids compare by code unit, not locale, so every host sorts alike.
 */

/** Queue order: lower priority number first, then name, for a stable order. */
export function byQueuePriority(a: { priority: number; name: string }, b: { priority: number; name: string }): number {
  return a.priority - b.priority || byCodeUnit(a.name, b.name);
}

/**
 * FIFO within a queue: earlier enqueuedAt first, ties by conversation id.
 * A chat without enqueuedAt has no place in the line yet, so it comes after every enqueued chat.
 */
export function byWaitingOrder(a: { enqueuedAt: string | null; id: string }, b: { enqueuedAt: string | null; id: string }): number {
  if (a.enqueuedAt !== b.enqueuedAt) {
    if (a.enqueuedAt === null) return 1;
    if (b.enqueuedAt === null) return -1;
    return byCodeUnit(a.enqueuedAt, b.enqueuedAt);
  }
  return byCodeUnit(a.id, b.id);
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
