import fc from 'fast-check';

/**
 * Shared pieces of the fuzz suites. `FUZZ_RUNS` (e.g. 2000) sets the number of runs of every
 * property for the large, on-demand size; without it each property runs its small CI size.
 */
export function fuzzRuns(small: number, largeAtMost = Number.POSITIVE_INFINITY): number {
  const large = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(large) && large > 0 ? Math.min(large, largeAtMost) : small;
}

/** Per-test timeout: the small size stays well under a minute; the large one may take a while. */
export const FUZZ_TIMEOUT_IN_MS = process.env.FUZZ_RUNS ? 60 * 60_000 : 120_000;

/**
 * Replays a failure: FUZZ_SEED=<the seed fast-check printed>, with the same FUZZ_RUNS and `-t` naming the
 * failed test (the seed applies to every property that runs).
 */
const replaySeed = Number(process.env.FUZZ_SEED);
if (process.env.FUZZ_SEED && Number.isInteger(replaySeed)) fc.configureGlobal({ seed: replaySeed });

/** A UTF-16 code unit that is half of a surrogate pair, alone: not Unicode. */
export const loneSurrogate: fc.Arbitrary<string> = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** SQL-ish, path traversal, prototype keys, templates, HTML, header and control characters. */
export const INJECTION_STRINGS: readonly string[] = [
  "' OR '1'='1", "'; DROP TABLE conversations; --", '" OR ""="', '1; SELECT * FROM agents', "admin'--", '%27%20OR%201%3D1',
  '../../../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2f', '....//....//', '/dev/random', 'file:///etc/passwd',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf',
  '{{7*7}}', '${7*7}', '#{7*7}', '<%= 7*7 %>', '{{constructor.constructor("return process")()}}',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)',
  '\r\nX-Injected: 1', '\u0000', '\u0000\u0001\u001f', '\u202e', '\ufeff', '\u2028\u2029', '$where', '{"$gt": ""}', 'null', 'undefined', 'NaN', '',
];

export interface TallyRow {
  tried: number;
  [column: string]: number | undefined;
}
export type Tally = Map<string, TallyRow>;

/** A plain-text table, for the summary each suite prints. */
export function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '(nothing tried)';
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join('\n');
}
