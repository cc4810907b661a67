/**
 * Seeded randomness for the proofs: every run prints its seed, and `PROVE_SEED=<seed>` replays it.
 * mulberry32: a 32-bit state, good enough to shuffle interleavings, and the same on every machine.
 */
export interface Random {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: T[]): T[];
  /** An independent stream derived from this one (so adding draws in one place does not shift another). */
  fork(label: string): Random;
}

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j] as (typeof items)[number], items[i] as (typeof items)[number]];
      }
      return items;
    },
    fork: (label) => mulberry32(hash(`${seed}:${label}`)),
  };
  return random;
}

/** FNV-1a, to derive seeds from labels. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The seeds a proof runs: `PROVE_SEED=123` (or `PROVE_SEED=1,2,3`) replays exactly those;
 * otherwise `count` seeds starting at `first` (fixed, so CI runs are reproducible).
 */
export function seedsToRun(count: number, first = 1): number[] {
  const fromEnv = process.env.PROVE_SEED;
  if (fromEnv) {
    const seeds = fromEnv.split(',').map((s) => Number(s.trim()));
    if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`PROVE_SEED must be a non-negative integer or a comma-separated list, got "${fromEnv}"`);
    return seeds;
  }
  return Array.from({ length: count }, (_, i) => first + i);
}

export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
