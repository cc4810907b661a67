import { runPoison, SMALL_POISON } from './poison';
import { seedsToRun } from './random';

/** Proof 4 at CI size (`npm run prove -- poison` runs it with the default max delivery count of 10). */

test.each(seedsToRun(1))('poison, seed %i: dead-lettered with a reason, holding up nothing else', async (seed) => {
  const report = await runPoison({ ...SMALL_POISON, seed });
  expect({ seed, violations: report.violations.slice(0, 10) }).toEqual({ seed, violations: [] });
  expect(report.stats.ordinaryChatsDuringPoison).toBe(SMALL_POISON.chats);
}, 60_000);
