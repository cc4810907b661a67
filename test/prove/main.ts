import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { LARGE_CRASH, runCrashes, SMALL_CRASH } from './crashes';
import { LARGE_DUPLICATES, runDuplicates, SMALL_DUPLICATES } from './duplicates';
import { LARGE_OVERLOAD, runOverload, SMALL_OVERLOAD } from './overload';
import { LARGE_POISON, runPoison, SMALL_POISON } from './poison';
import { LARGE_RACE, runRaces, SMALL_RACE } from './races';
import { seedsToRun } from './random';

/**
 * `npm run prove`: the reliability proofs of DESIGN.md §3 at their large sizes, printing what each
 * tried and what it found; exits 1 on any violation, naming the seed to replay.
 *
 *   npm run prove                          all five proofs, large
 *   npm run prove -- races crashes         some of them
 *   PROVE_SEED=7 npm run prove -- races    replay seed 7 (a comma-separated list works too)
 *   PROVE_SIZE=small npm run prove         the sizes `npm test` runs
 *   PROVE_PARALLEL=3                       race seeds run in that many processes at once (default: cores + 1)
 */

type Proof = 'races' | 'crashes' | 'duplicates' | 'poison' | 'overload';
const ALL: Proof[] = ['races', 'crashes', 'duplicates', 'poison', 'overload'];
const large = (process.env.PROVE_SIZE ?? 'large') !== 'small';

interface Outcome {
  seed: number;
  ok: boolean;
  durationInMs: number;
  violations: string[];
  stats: Record<string, number | string>;
}

const SEED_COUNTS: Record<Proof, number> = large
  ? { races: 20, crashes: 2, duplicates: 3, poison: 1, overload: 1 }
  : { races: 2, crashes: 1, duplicates: 1, poison: 1, overload: 1 };

/** One seed of one proof, in this process. */
async function runOne(proof: Proof, seed: number, log: (line: string) => void): Promise<Outcome> {
  switch (proof) {
    case 'races': return runRaces({ ...(large ? LARGE_RACE : SMALL_RACE), seed, log });
    case 'crashes': return runCrashes({ ...(large ? LARGE_CRASH : SMALL_CRASH), seed, log });
    case 'duplicates': return runDuplicates({ ...(large ? LARGE_DUPLICATES : SMALL_DUPLICATES), seed, log });
    case 'poison': return runPoison({ ...(large ? LARGE_POISON : SMALL_POISON), seed, log });
    case 'overload': return runOverload({ ...(large ? LARGE_OVERLOAD : SMALL_OVERLOAD), seed, log });
  }
}

function describe(proof: Proof): string {
  switch (proof) {
    case 'races': {
      const o = large ? LARGE_RACE : SMALL_RACE;
      return `${o.chats} chats escalated at once into ${o.queues} queues of 3 priorities, ${o.agents} agents of capacity ${o.capacity} in 2-3 queues each; `
        + `every store call delayed 0-${o.delays.maxDelayInMs} ms before and after (${o.delays.immediateShare * 100}% not at all, ${o.delays.stallShare * 100}% stalls of ~${o.delays.stallInMs} ms); `
        + 'agents ending and closing chats, going Offline and back; rogue dispatchers outside the sessions; a sweep that sees assignments in flight for '
        + `${o.skewedSweep ? o.skewedSweep.staleAfterInMs : '-'} ms as stalled for a minute; ${o.offerShare * 100}% of the chats offered (accepted, rejected, left to expire, a few withdrawn); `
        + `every write checked as it lands; quiescent checks at ${o.checkpoints.map((c) => `${c * 100}%`).join(', ')} and 100% closed`;
    }
    case 'crashes': {
      const o = large ? LARGE_CRASH : SMALL_CRASH;
      return `the host as a process (npm start), ${o.chats} customers (${o.concurrency} at once) talking to a recording bot, 8 agents ending chats; kill -9 ${o.kills} times (+1 at the end) after ${o.upTimeInMs[0]}-${o.upTimeInMs[1]} ms of life, `
        + `restarted on the same data each time; ${o.offerShare * 100}% of the chats offered (10 s, real clock) and accepted, rejected or ignored by the agents over HTTP; then an in-process drain 61 s ahead and the sweep`;
    }
    case 'duplicates': {
      const o = large ? LARGE_DUPLICATES : SMALL_DUPLICATES;
      return `${o.chats} chats with the bot, ${o.eventsPerChat[0]}-${o.eventsPerChat[1]} customer messages and bot activities each (${o.longChats} long chat(s) of 230), every one sent 1-3 times with the same id, `
        + 'interleaved across chats, with gaps of minutes (some past the 10-minute duplicate window)';
    }
    case 'poison': {
      const o = large ? LARGE_POISON : SMALL_POISON;
      return `${o.poisonPerKind} each of undecodable commands, commands for unknown conversations, dispatches for unknown queues, deliveries to unknown bots; ${o.failingChats} conversations whose reads fail; `
        + `one waiting chat whose writes fail, first in its queue; max delivery count ${o.maxDeliveryCount}; ${o.chats} ordinary chats without poison, then ${o.chats} with`;
    }
    case 'overload': {
      const o = large ? LARGE_OVERLOAD : SMALL_OVERLOAD;
      return `the host as a process (npm start, sample configuration, demo bot); customers starting chats (${o.startShare * 100}%) and talking in them; ${o.saturationConnections} closed-loop customers for ${o.saturationInMs / 1000} s measure `
        + `R (the edge's 2xx rate) and S (end to end, with the bus's drain); baseline at ${o.baselineShare}S; ${o.overloadFactor}${o.rateBasis === 'edge' ? 'R' : 'S'} offered open loop for ${o.overloadInMs / 1000} s, each waiting request on its own connection, timeout ${o.requestTimeoutInMs / 1000} s; `
        + `recovery probed at ${o.baselineShare}S in 1-s windows for up to ${o.recoveryProbeInMs / 1000} s${o.maxRecoveryInMs ? `, required within ${o.maxRecoveryInMs / 1000} s` : ''}; `
        + `shed p99 ≤ ${o.maxShedP99InMs} ms, RSS growth ≤ ${o.maxRssGrowth * 100}% and ≤ ${o.rssCeilingInMb} MB; after a drain, up to ${o.verifyChats} accepted chats' transcripts checked`;
    }
  }
}

/** Runs a seed in a child process (so several race seeds can run at once: each needs its own process). */
function runInChild(proof: Proof, seed: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'main.ts'), '--worker', proof, String(seed)], {
      cwd: join(__dirname, '..', '..'),
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('REPORT '));
      if (line) resolve(JSON.parse(line.slice('REPORT '.length)) as Outcome);
      else resolve({ seed, ok: false, durationInMs: 0, violations: [`the worker for seed ${seed} exited with ${code} without a report:\n${(out + err).slice(-3000)}`], stats: {} });
    });
  });
}

function summary(stats: Record<string, number | string>, keys?: string[]): string {
  return Object.entries(stats).filter(([k]) => !keys || keys.includes(k)).map(([k, v]) => `${k}=${v}`).join(' ');
}

const RACE_KEYS = ['assignments', 'offersMade', 'offersAccepted', 'offersRejected', 'offersExpired', 'offersWithdrawn', 'offersToDecliners', 'declineLimitSkips', 'lastMomentAccepts', 'answerConflicts', 'answersUnavailable', 'sweepExpiriesResent', 'offerSettings', 'rogueDispatches', 'rogueDispatchErrors', 'dispatchExceptions', 'sweepReleased', 'fences', 'presenceChanges', 'stallsInjected', 'storeCalls', 'conversationWrites', 'agentWrites', 'failedWrites', 'contendedAssignments', 'fifoComparisons', 'priorityChecks', 'transientDoubleReservations', 'maxWaitInMs', 'queues', 'wrapUpBlocksCapacity'];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') {
    const outcome = await runOne(args[1] as Proof, Number(args[2]), () => undefined);
    process.stdout.write(`REPORT ${JSON.stringify(outcome)}\n`);
    process.exit(0);
  }
  const proofs = args.length > 0 ? (args as Proof[]) : ALL;
  for (const p of proofs) if (!ALL.includes(p)) throw new Error(`unknown proof "${p}"; expected some of ${ALL.join(', ')}`);
  const parallel = Number(process.env.PROVE_PARALLEL ?? cpus().length + 1);
  console.log(`Switchboard reliability proofs (${large ? 'large' : 'small'} sizes) on ${cpus().length} CPU(s), node ${process.version}`);
  let failures = 0;
  const began = Date.now();
  for (const proof of proofs) {
    const seeds = seedsToRun(SEED_COUNTS[proof], proof === 'races' ? 1 : 1);
    console.log(`\n## ${proof}: ${seeds.length} seed(s) [${seeds.join(', ')}]`);
    console.log(`   tries: ${describe(proof)}`);
    const started = Date.now();
    let outcomes: Outcome[];
    if (proof === 'races' && seeds.length > 1 && parallel > 1) {
      outcomes = [];
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(parallel, seeds.length) }, async () => {
        while (next < seeds.length) {
          const seed = seeds[next++] as number;
          const outcome = await runInChild(proof, seed);
          outcomes.push(outcome);
          console.log(`   seed ${seed}: ${outcome.ok ? 'ok' : `${outcome.violations.length} violation(s)`} in ${(outcome.durationInMs / 1000).toFixed(1)} s; ${summary(outcome.stats, RACE_KEYS)}`);
        }
      }));
    } else {
      outcomes = [];
      for (const seed of seeds) {
        const outcome = await runOne(proof, seed, (line) => console.log(line));
        outcomes.push(outcome);
        console.log(`   seed ${seed}: ${outcome.ok ? 'ok' : `${outcome.violations.length} violation(s)`} in ${(outcome.durationInMs / 1000).toFixed(1)} s`);
        console.log(`   found: ${summary(outcome.stats, proof === 'races' ? RACE_KEYS : undefined)}`);
      }
    }
    const failed = outcomes.filter((o) => !o.ok);
    failures += failed.length;
    for (const o of failed) {
      console.log(`   VIOLATIONS with seed ${o.seed} (replay: PROVE_SEED=${o.seed}${large ? '' : ' PROVE_SIZE=small'} npm run prove -- ${proof}):`);
      for (const v of o.violations.slice(0, 25)) console.log(`     - ${v}`);
      if (o.violations.length > 25) console.log(`     ... and ${o.violations.length - 25} more`);
    }
    console.log(`   ${proof}: ${outcomes.length - failed.length}/${outcomes.length} seed(s) held every invariant, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`\n${failures === 0 ? 'All proofs held' : `${failures} failing seed(s)`} (${((Date.now() - began) / 1000).toFixed(1)} s in all).`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
