/** How rules read context values; the rule compiler and its index must read them alike. */

/**
 * Decimal numbers only: no hex, no "Infinity", no empty string (which Number() turns into 0).
 * Linear: no two quantifiers next to each other can take the same characters (`\d+\.?\d*` could split
 * a run of digits in every way, quadratic on a long value; `\d+(?:\.\d*)?` reads the same strings).
 */
const NUMERIC = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A context value as a number: numbers as they are, decimal strings parsed, anything else NaN. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return NaN;
}

/** Present values as text; undefined when missing (or not a context value at all). */
export function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
