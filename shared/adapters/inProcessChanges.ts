import type { ConversationChanges } from '../ports/conversationChanges';

type Wake = Awaited<ReturnType<ConversationChanges['next']>>;
import type { TranscriptStore } from '../ports/transcriptStore';

/**
 * Changes seen in this process: the transcript store's appends wake the readers waiting on that
 * conversation at once. A waiter never sleeps past `maxWaitInMs`, so where another process may append
 * (a Function App's other instances) it reads again at least that often: polling, with a fast path.
 * Idle waiters are timers and a set entry: no work until something happens.
 */
export class InProcessChanges implements ConversationChanges {
  private readonly waiters = new Map<string, Set<(why: Wake) => void>>();
  private closing = false;

  constructor(private readonly maxWaitInMs = Number.POSITIVE_INFINITY) {}

  next(conversationId: string, timeoutInMs: number): Promise<Wake> {
    if (this.closing) return Promise.resolve('closing');
    return new Promise((resolve) => {
      const set = this.waiters.get(conversationId) ?? new Set<(why: Wake) => void>();
      this.waiters.set(conversationId, set);
      const wake = (why: Wake) => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(conversationId) === set) this.waiters.delete(conversationId);
        resolve(why);
      };
      const timer = setTimeout(() => wake('timeout'), Math.max(0, Math.min(timeoutInMs, this.maxWaitInMs)));
      set.add(wake);
    });
  }

  notify(conversationId: string): void {
    const set = this.waiters.get(conversationId);
    if (set) for (const wake of [...set]) wake('changed');
  }

  /** The host is shutting down: every waiter answers now, and nobody waits any more. */
  close(): void {
    this.closing = true;
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake('closing');
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
}
