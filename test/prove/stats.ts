/**
 * The p-th percentile (0-100) the proofs report and check: the sample at index floor(p% of n), which is
 * the nearest rank or the one above it, so a bound checked on it is never looser than nearest rank.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
