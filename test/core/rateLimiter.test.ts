import { RateLimiter } from '../../shared/core/rateLimiter';

const T0 = Date.parse('2024-05-01T09:00:00.000Z');

describe('rate limiter (pure token bucket)', () => {
  test('a burst of `requests`, then refusals saying when one more fits, in whole seconds', () => {
    const limiter = new RateLimiter({ requests: 3, perSeconds: 60 });
    expect([1, 2, 3].map(() => limiter.take('a', T0))).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    // One request comes back every 20 s.
    expect(limiter.take('a', T0)).toEqual({ allowed: false, retryAfterSeconds: 20 });
    expect(limiter.take('a', T0 + 19_001)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('a', T0 + 20_000)).toEqual({ allowed: true });
    expect(limiter.take('a', T0 + 20_000)).toEqual({ allowed: false, retryAfterSeconds: 20 });
  });

  test('keys are counted apart, and a whole window refills the burst but never beyond it', () => {
    const limiter = new RateLimiter({ requests: 2, perSeconds: 10 });
    limiter.take('a', T0);
    limiter.take('a', T0);
    expect(limiter.take('a', T0).allowed).toBe(false);
    expect(limiter.take('b', T0).allowed).toBe(true);
    const later = T0 + 3_600_000;
    expect([1, 2, 3].map(() => limiter.take('a', later).allowed)).toEqual([true, true, false]);
  });

  test('a clock that steps back refills nothing and throws nothing', () => {
    const limiter = new RateLimiter({ requests: 1, perSeconds: 10 });
    limiter.take('a', T0);
    expect(limiter.take('a', T0 - 60_000)).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  test('memory stays bounded under a spray of keys; the busiest recent keys are kept', () => {
    const limiter = new RateLimiter({ requests: 2, perSeconds: 60 }, { maxKeys: 100 });
    limiter.take('flooder', T0);
    limiter.take('flooder', T0);
    for (let i = 0; i < 10_000; i++) {
      limiter.take(`spray-${i}`, T0 + i);
      // The flooder keeps coming back: it stays among the recent keys and stays limited.
      if (i % 50 === 0) expect(limiter.take('flooder', T0 + i).allowed).toBe(false);
      expect(limiter.size).toBeLessThanOrEqual(100);
    }
  });

  test('idle keys whose bucket has refilled are dropped: they would be allowed anyway', () => {
    const limiter = new RateLimiter({ requests: 5, perSeconds: 10 });
    for (let i = 0; i < 50; i++) limiter.take(`k${i}`, T0);
    expect(limiter.size).toBe(50);
    limiter.take('late', T0 + 11_000);
    expect(limiter.size).toBe(1);
  });
});
