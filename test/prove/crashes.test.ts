import { runCrashes, SMALL_CRASH } from './crashes';
import { seedsToRun } from './random';

/** Proof 2 at CI size (`npm run prove -- crashes` kills the host 25 times under 2,000 chats). */

test.each(seedsToRun(1))('crashes, seed %i: kill -9 of the local host under load (offers answered meanwhile), restarted on the same data: nothing lost, nothing doubled', async (seed) => {
  const report = await runCrashes({ ...SMALL_CRASH, chats: 60, upTimeInMs: [300, 900], seed });
  expect({ seed, violations: report.violations.slice(0, 10) }).toEqual({ seed, violations: [] });
  expect(report.stats.kills).toBe(SMALL_CRASH.kills + 1);
  expect(report.stats.chatsAccepted).toBe(60);
  // Kills between offers and their answers: some offers were made, and ended every way the run allows.
  expect(report.stats.offersMade).toBeGreaterThan(0);
  expect(report.stats.offersAccepted).toBeGreaterThan(0);
}, 180_000);
