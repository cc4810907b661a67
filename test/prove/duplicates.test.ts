import { runDuplicates, SMALL_DUPLICATES } from './duplicates';
import { seedsToRun } from './random';

/** Proof 3 at CI size (`npm run prove -- duplicates` runs 3 seeds of 300 chats). */

test.each(seedsToRun(1))('duplicates, seed %i: every message and bot activity sent 1-3 times, with gaps past the duplicate window: one effect each', async (seed) => {
  const report = await runDuplicates({ ...SMALL_DUPLICATES, seed });
  expect({ seed, violations: report.violations.slice(0, 10) }).toEqual({ seed, violations: [] });
  expect(report.stats.duplicatesSent).toBeGreaterThan(0);
  expect(report.stats.longGaps).toBeGreaterThan(0);
}, 60_000);
