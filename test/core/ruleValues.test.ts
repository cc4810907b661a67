import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { toNumber } from '../../shared/core/ruleValues';

/**
 * The numeric check as it was before it was made linear: the reference for the language it accepts.
 * Quadratic (`\d+\.?\d*` splits a run of digits in every way), so it is only run on short inputs here.
 */
const REFERENCE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const reference = (value: string): number => (REFERENCE.test(value) ? Number(value) : NaN);

describe('toNumber: the decimal strings rules compare numerically', () => {
  const table: [string, number][] = [
    ['1', 1], ['1.', 1], ['.5', 0.5], ['1.5', 1.5], ['1e5', 1e5], ['1E-2', 0.01], ['-1.5e+3', -1500], ['+7', 7],
    [' 2 ', 2], ['\t3\n', 3], ['\u00a04\u2028', 4], ['00012', 12],
    ['', NaN], [' ', NaN], ['.', NaN], ['+', NaN], ['+-1', NaN], ['--1', NaN], ['1e', NaN], ['1e+', NaN], ['e5', NaN], ['.e5', NaN],
    ['1..2', NaN], ['1.2.3', NaN], ['1 2', NaN], ['Infinity', NaN], ['-Infinity', NaN], ['NaN', NaN], ['0x10', NaN], ['0b1', NaN],
    ['1_000', NaN], ['١٢', NaN], ['1e5.5', NaN],
  ];

  test.each(table)('%j reads as %p, as before', (value, expected) => {
    expect(toNumber(value)).toBe(expected);
    expect(reference(value)).toBe(expected);
  });

  test('accepts exactly what the reference accepted, on strings made of the characters that matter', () => {
    const alphabet = fc.constantFrom('0', '1', '9', '.', 'e', 'E', '+', '-', ' ', '\t', '\n', 'x', '\u00a0');
    fc.assert(fc.property(fc.array(alphabet, { maxLength: 14 }).map((cs) => cs.join('')), (value) => {
      expect(Object.is(toNumber(value), reference(value))).toBe(true);
    }), { numRuns: 20_000 });
  });

  test('accepts exactly what the reference accepted, on numbers as JavaScript writes them', () => {
    fc.assert(fc.property(fc.double(), fc.constantFrom('', ' ', '\n'), (n, pad) => {
      const value = `${pad}${String(n)}${pad}`;
      expect(Object.is(toNumber(value), reference(value))).toBe(true);
    }), { numRuns: 5_000 });
  });

  // The check runs on bot-set values (up to 4,000 characters) for every rule that reads them, on the
  // event loop. These 100,000-character values took the quadratic check 5 to 20 s each; a linear one
  // reads them in about a millisecond. A synchronous call cannot be abandoned by a test timeout, so it
  // runs under vm's watchdog, which stops it (and fails the test) after a limit 1,000 times too generous.
  test.each([
    ['digits then a letter', `${'1'.repeat(100_000)}x`],
    ['digits, a dot, digits, then a letter', `${'1'.repeat(50_000)}.${'1'.repeat(50_000)}x`],
    ['digits then spaces then a letter', `${'1'.repeat(50_000)}${' '.repeat(50_000)}x`],
    ['spaces then a letter', `${' '.repeat(100_000)}x`],
    ['an exponent of digits then a letter', `1e${'1'.repeat(100_000)}x`],
  ])('a 100,000-character value (%s) is read in one pass', (_, value) => {
    expect(runInNewContext('toNumber(value)', { toNumber, value }, { timeout: 2_000 })).toBeNaN();
  });
});
