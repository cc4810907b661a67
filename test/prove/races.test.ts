import { runRaces, SMALL_RACE } from './races';
import { seedsToRun } from './random';

/** Proof 1 at CI size (`npm run prove -- races` runs 20 seeds of 1,000 chats). PROVE_SEED replays a seed. */

test.each(seedsToRun(2))('races, seed %i: concurrent escalations, offers accepted, rejected and expired, delayed stores, rogue dispatchers, a skewed sweep: every invariant holds', async (seed) => {
  const report = await runRaces({ ...SMALL_RACE, chats: 100, seed });
  expect({ seed, violations: report.violations.slice(0, 10) }).toEqual({ seed, violations: [] });
  // Every chat served by one agent, but those whose customer left while they were offered.
  expect(Number(report.stats.assignments) + Number(report.stats.closedWithoutAgent)).toBe(100);
  expect(report.stats.offersMade).toBeGreaterThan(0);
  expect(report.stats.offersAccepted).toBeGreaterThan(0);
}, 60_000);

describe('the race checks catch planted bugs', () => {
  const small = { ...SMALL_RACE, chats: 50, agents: 8, checkpoints: [], seed: 1 };

  test('a dispatcher that serves the newest chat first breaks FIFO', async () => {
    const report = await runRaces({ ...small, sabotage: 'lifo' });
    expect(report.violations.some((v) => v.includes('FIFO:'))).toBe(true);
  }, 30_000);

  test('a store that drops live offers: two live offers for one chat, or a reservation nobody holds', async () => {
    const report = await runRaces({ ...small, offerShare: 1, sabotage: 'forgetOffers' });
    expect(report.violations.some((v) => /two live offers|the live offer is none|yet reserved by|without a reservation/.test(v))).toBe(true);
  }, 30_000);

  test('agent writes that ignore If-Match push agents over capacity or lose reservations', async () => {
    const report = await runRaces({ ...small, sabotage: 'blindAgentWrites' });
    expect(report.violations.some((v) => /over its capacity|without a reservation|no reservation|released while/.test(v))).toBe(true);
  }, 30_000);
});
