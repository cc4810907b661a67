import type { TypingSide, TypingSignal, TypingSignals } from '../ports/typingSignals';

/** Past this many conversations the oldest signals are forgotten: they are seconds old by then, long stale. */
const MAX_SIGNALS = 10_000;

/**
 * Typing signals in this process's memory: the local host's twin of the Cosmos DB adapter (a host
 * restart forgets them, which costs an indicator of a few seconds). Copies on write and on read, as a
 * store would.
 */
export class InMemoryTypingSignals implements TypingSignals {
  private readonly signals = new Map<string, TypingSignal>();

  async upsert(signal: TypingSignal): Promise<void> {
    const key = keyOf(signal.conversationId, signal.side);
    // Deleted first, so the map's order is the order of the last writes and the eviction below drops the oldest.
    this.signals.delete(key);
    this.signals.set(key, { ...signal });
    for (const oldest of this.signals.keys()) {
      if (this.signals.size <= MAX_SIGNALS) break;
      this.signals.delete(oldest);
    }
  }

  async get(conversationId: string, side: TypingSide): Promise<TypingSignal | undefined> {
    const signal = this.signals.get(keyOf(conversationId, side));
    return signal && { ...signal };
  }

  async delete(conversationId: string, side: TypingSide): Promise<void> {
    this.signals.delete(keyOf(conversationId, side));
  }
}

function keyOf(conversationId: string, side: TypingSide): string {
  return `${side}\u0000${conversationId}`;
}
