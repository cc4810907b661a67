import type { ChangesNextOptions, ConversationChanges } from '../ports/conversationChanges';
import type { EventFeed } from '../ports/eventFeed';
import type { TranscriptStore } from '../ports/transcriptStore';
import type { TypingSignals } from '../ports/typingSignals';

/**
 * Changes seen in this process: the transcript store's appends wake the readers waiting on that
 * conversation at once, and the feed's appends those waiting on that scope. A waiter never sleeps past `maxWaitInMs`, so where another process may append
 * (a Function App's other instances) it reads again at least that often: polling, with a fast path.
 * Idle waiters are timers and a set entry: no work until something happens.
 */
export class InProcessChanges implements ConversationChanges {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closing = false;

  constructor(private readonly maxWaitInMs = Number.POSITIVE_INFINITY) {}

  next(conversationId: string, timeoutInMs: number, options: ChangesNextOptions = {}): Promise<'woken' | 'closing'> {
    if (this.closing) return Promise.resolve('closing');
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve('woken');
    return new Promise((resolve) => {
      const set = this.waiters.get(conversationId) ?? new Set<() => void>();
      this.waiters.set(conversationId, set);
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(conversationId) === set) this.waiters.delete(conversationId);
        resolve(this.closing ? 'closing' : 'woken');
      };
      const timer = setTimeout(wake, Math.max(0, Math.min(timeoutInMs, this.maxWaitInMs)));
      signal?.addEventListener('abort', wake, { once: true });
      set.add(wake);
    });
  }

  /** The host shuts down: every waiter answers now (a held GET, a stream), before the store closes under it. */
  close(): void {
    this.closing = true;
    for (const conversationId of [...this.waiters.keys()]) this.notify(conversationId);
  }

  notify(conversationId: string): void {
    const set = this.waiters.get(conversationId);
    if (set) for (const wake of [...set]) wake();
  }

  /** The store, telling these waiters of every message appended or replaced. */
  watch(store: TranscriptStore): TranscriptStore {
    return {
      append: async (message) => {
        const appended = await store.append(message);
        if (appended) this.notify(message.conversationId);
        return appended;
      },
      replace: async (message) => {
        const replaced = await store.replace(message);
        if (replaced) this.notify(message.conversationId);
        return replaced;
      },
      list: (conversationId) => store.list(conversationId),
      listPage: (conversationId, options) => store.listPage(conversationId, options),
      get: (conversationId, messageId) => store.get(conversationId, messageId),
    };
  }

  /** The typing signals, telling these waiters of every typing recorded (a forgotten one needs no reader). */
  watchTyping(signals: TypingSignals): TypingSignals {
    return {
      upsert: async (signal) => {
        await signals.upsert(signal);
        this.notify(signal.conversationId);
      },
      get: (conversationId, side) => signals.get(conversationId, side),
      delete: (conversationId, side) => signals.delete(conversationId, side),
    };
  }

  /** The feeds, telling these waiters of every scope an append wrote to (an event skipped as a duplicate wakes them for nothing, harmlessly). */
  watchFeed(feed: EventFeed): EventFeed {
    return {
      append: async (events) => {
        await feed.append(events);
        for (const scope of new Set(events.map((event) => event.scope))) this.notify(scope);
      },
      read: (scope, options) => feed.read(scope, options),
      prune: (before) => feed.prune(before),
    };
  }
}
