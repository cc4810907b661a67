import type { AgentState } from '../../shared/core/agent';
import type { Conversation } from '../../shared/core/conversation';
import type { AgentStore } from '../../shared/ports/agentStore';
import type { ConversationStore } from '../../shared/ports/conversationStore';
import type { WriteLedger } from '../invariants/writeLedger';
import { sleep, type Random } from './random';

/**
 * Store decorators for the proofs: seeded delays around every call (so reads and conditional writes
 * of concurrent workers interleave in many orders), a ledger that sees every write in commit order,
 * and failures injected for chosen ids.
 */

export interface DelayPolicy {
  /** Upper bound of an ordinary delay, in ms. */
  maxDelayInMs: number;
  /** Share of calls with no timer at all (only a microtask), so fast paths race too. */
  immediateShare: number;
  /** Share of calls that stall far longer than usual (a GC pause, a throttled request). */
  stallShare: number;
  stallInMs: number;
}

export const DEFAULT_DELAYS: DelayPolicy = { maxDelayInMs: 3, immediateShare: 0.4, stallShare: 0.002, stallInMs: 80 };

export class Delays {
  calls = 0;
  stalls = 0;
  constructor(private readonly random: Random, private readonly policy: DelayPolicy) {}

  next(): number {
    this.calls++;
    const r = this.random.next();
    if (r < this.policy.stallShare) {
      this.stalls++;
      return this.policy.stallInMs * (0.5 + this.random.next());
    }
    if (r < this.policy.stallShare + this.policy.immediateShare) return 0;
    return this.random.next() * this.policy.maxDelayInMs;
  }

  async around<T>(call: () => Promise<T>): Promise<T> {
    await sleep(this.next());
    try {
      return await call();
    } finally {
      await sleep(this.next());
    }
  }
}

/**
 * Every method of the store, whatever the port grows to, delayed before and after it runs; writes
 * (create, replace) reported to the ledger synchronously, right after the store ran them.
 */
function delayed<T extends object>(inner: T, delays: Delays, observe?: (doc: never, write: Promise<unknown>) => void): T {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => delays.around(() => {
        const result = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (observe && (property === 'create' || property === 'replace')) observe(args[0] as never, result);
        return result;
      });
    },
  });
}

export function delayedConversationStore(inner: ConversationStore, delays: Delays, ledger?: WriteLedger): ConversationStore {
  return delayed(inner, delays, ledger && ((doc: Conversation, write) => ledger.observeConversation(doc, write)));
}

export function delayedAgentStore(inner: AgentStore, delays: Delays, ledger?: WriteLedger): AgentStore {
  return delayed(inner, delays, ledger && ((doc: AgentState, write) => ledger.observeAgent(doc, write)));
}

/** A store failure (not a conflict: an error the use cases cannot handle) for chosen conversation ids. */
export class InjectedStoreFailure extends Error {
  override readonly name = 'InjectedStoreFailure';
}

export interface FailurePlan {
  failures: number;
  /** Whether this operation on this conversation fails. */
  failFor(id: string, operation: 'get' | 'write'): boolean;
}

/** The conversation store, failing `get` and writes of the ids the plan names; everything else as is. */
export function failingConversationStore(inner: ConversationStore, plan: FailurePlan): ConversationStore {
  const fail = (id: string, operation: 'get' | 'write') => {
    if (!plan.failFor(id, operation)) return;
    plan.failures++;
    throw new InjectedStoreFailure(`injected store failure: ${operation} of conversation ${id}`);
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const call = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (property === 'get') return async (id: string) => (fail(id, 'get'), call(id));
      if (property === 'create' || property === 'replace') return async (doc: Conversation, ...rest: unknown[]) => (fail(doc.id, 'write'), call(doc, ...rest));
      return call;
    },
  });
}
