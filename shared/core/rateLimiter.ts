import type { RateLimits } from './config';

/**
 * A token bucket per key (a client address, a conversation): up to `requests` at once, refilled at
 * `requests` per `perSeconds`. Time is passed in; the state lives in memory, in a map bounded by
 * `maxKeys` so a spray of addresses cannot grow it: keys whose bucket has refilled are dropped (they
 * would be allowed anyway), and past the bound the least recently seen key goes first.
 */
export interface RateLimit {
  requests: number;
  perSeconds: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  atInMs: number;
}

export const DEFAULT_MAX_KEYS = 10_000;

export class RateLimiter {
  /** In least recently seen order: a Map iterates in insertion order, and a touch re-inserts. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(readonly limit: RateLimit, options: { maxKeys?: number } = {}) {
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  get size(): number {
    return this.buckets.size;
  }

  take(key: string, nowInMs: number): RateDecision {
    this.dropIdle(nowInMs);
    const bucket = this.refilled(this.buckets.get(key), nowInMs);
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitInMs = ((1 - bucket.tokens) * this.limit.perSeconds * 1000) / this.limit.requests;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitInMs / 1000)) };
  }

  private refilled(bucket: Bucket | undefined, nowInMs: number): Bucket {
    if (!bucket) return { tokens: this.limit.requests, atInMs: nowInMs };
    // A clock that steps back refills nothing.
    const elapsed = Math.max(0, nowInMs - bucket.atInMs);
    const tokens = Math.min(this.limit.requests, bucket.tokens + (elapsed * this.limit.requests) / (this.limit.perSeconds * 1000));
    return { tokens, atInMs: Math.max(bucket.atInMs, nowInMs) };
  }

  /** From the oldest key, up to the first still busy: a few steps per call; the bound itself is kept by maxKeys. */
  private dropIdle(nowInMs: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.refilled(bucket, nowInMs).tokens < this.limit.requests) return;
      this.buckets.delete(key);
    }
  }
}

/** One limiter per rate limit of the configuration that is on. */
export type ClientRateLimiters = { [name in keyof RateLimits]?: RateLimiter };

export function clientRateLimiters(limits: RateLimits): ClientRateLimiters {
  const limiters: ClientRateLimiters = {};
  for (const name of Object.keys(limits) as (keyof RateLimits)[]) {
    const limit = limits[name];
    if (limit) limiters[name] = new RateLimiter(limit);
  }
  return limiters;
}
