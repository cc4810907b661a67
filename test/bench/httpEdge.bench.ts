import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { fmt, machine, median, ratioText, runIfMain, serveUntilParentLeaves, sleep, type BenchReport, type BenchRow } from './benchSupport';
import { DEFAULT_ADMISSION } from '../../shared/host/local/admission';
import type { LocalHost } from '../../shared/host/local/localHost';
import { registrations } from '../../shared/host/registry';
import { BENCH_RATE_LIMITED, BENCH_STORAGE, createBotHeldChats, startBenchHost, type BotHeldChat } from './benchHost';

/**
 * The HTTP edge: the bot connector endpoint (parse, authenticate, validate, enqueue, respond) and the
 * customer message endpoint of the local host, against a bare `node:http` hello-world server, with
 * autocannon at 100 connections.
 *
 * Each server runs in its own child process and autocannon in this one, so the server under test
 * has a core to itself on a 2-core machine, and the bare server gets the same treatment, and the same
 * requests: the connector's body to the connector's path shape, rebuilt per request as for the local
 * host (the client's cost per request must not differ, or it alone would move the ratio). Rounds are
 * interleaved (bare, connector, customer, rotated each round), and the local host drains its queues
 * between runs so one run's backlog never lands in the next. Requests rotate over many chats held by
 * the demo bot, so one conversation's session is never the bottleneck. The local host's queue
 * processors keep running during a run: what they do with the accepted messages (transcript, state,
 * forwarding to the bot) shares the server's core, as it does under `npm start`.
 *
 * BENCH_CPU_PROF=<dir> profiles the local host's process during each counted run, one
 * `<variant>-<round>.cpuprofile` per run (open in Chrome DevTools or VS Code).
 */

const COMMAND = 'npm run bench -- httpEdge';
const CONNECTIONS = 100;
const DURATION_IN_S = 5;
const ROUNDS = 3;
const CHATS = 2000;

type Target = 'bare' | 'durable' | 'connector' | 'customer';

interface Ready {
  ready: true;
  port: number;
  chats: BotHeldChat[];
}

// ---------------------------------------------------------------- child process: the servers

async function serveBare(): Promise<void> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end('hello world');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.send?.({ ready: true, port: (server.address() as AddressInfo).port, chats: [] } satisfies Ready);
}

/** A second, fairer reference: read the body, parse it, one durable insert in an in-memory SQLite table, answer JSON. */
async function serveDurable(): Promise<void> {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE inbox (id INTEGER PRIMARY KEY, conversation TEXT NOT NULL, body TEXT NOT NULL)');
  const insert = db.prepare<[string, string]>('INSERT INTO inbox (conversation, body) VALUES (?, ?)');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      JSON.parse(text);
      const id = insert.run(req.url ?? '', text).lastInsertRowid;
      const body = JSON.stringify({ id: String(id) });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.send?.({ ready: true, port: (server.address() as AddressInfo).port, chats: [] } satisfies Ready);
}

/** What the serving child does before it exits. */
let closeServer = async (): Promise<void> => undefined;

async function serveSwitchboard(): Promise<void> {
  // Saturating the edge is the point here: the shedding on event-loop utilization would answer the excess
  // customers 503 (as it should in use), and the run would measure the shedding instead of the edge.
  const host = await startBenchHost({ admission: { ...DEFAULT_ADMISSION, maxEventLoopUtilization: 1 } });
  closeServer = () => host.close();
  const chats = await createBotHeldChats(host, CHATS);
  let paused = false;
  const profiler = new Session();
  profiler.connect();
  process.on('message', (message: { drain?: number; pause?: boolean; profile?: ProfileStep }) => {
    if (message.profile !== undefined) {
      void profile(profiler, message.profile).then(() => process.send?.({ profiled: message.profile }));
      return;
    }
    if (message.pause !== undefined) {
      // Edge-only runs: the queue processors stop (accepted messages wait in SQLite), and start again
      // with the local host's own options for the drain.
      if (message.pause && !paused) void host.bus.close();
      if (!message.pause && paused) resumeProcessors(host);
      paused = message.pause;
      process.send?.({ paused: message.pause });
      return;
    }
    if (message.drain === undefined) return;
    const started = Date.now();
    host.bus.whenIdle({ timeoutInMs: 600_000 }).then(
      async () => {
        const docs = await Promise.all(chats.map(async (c) => JSON.stringify((await host.services.conversations.get(c.conversationId))?.value ?? {}).length));
        process.send?.({ drained: message.drain, inMs: Date.now() - started, docBytes: median(docs) });
      },
      (error: unknown) => process.send?.({ drained: message.drain, error: String(error) }),
    );
  });
  process.send?.({ ready: true, port: Number(new URL(host.baseUrl).port), chats } satisfies Ready);
}

/** 'start' starts the CPU profiler; a file name stops it and writes the profile to `<BENCH_CPU_PROF>/<file>`. */
type ProfileStep = 'start' | `${string}.cpuprofile`;

async function profile(session: Session, step: ProfileStep): Promise<void> {
  if (step === 'start') {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    return;
  }
  const { profile: taken } = await session.post('Profiler.stop');
  writeFileSync(join(process.env.BENCH_CPU_PROF ?? '.', step), JSON.stringify(taken));
}

/** The local host's queue processors, started again as `startLocalHost` starts them. */
function resumeProcessors(host: LocalHost): void {
  for (const fn of registrations.queues()) {
    host.bus.process(fn.queueName, fn.handler, {
      maxConcurrentSessions: 16,
      maxDeliveryCount: 10,
      lockDurationInMs: 30_000,
      retryDelayInMs: (deliveryCount) => Math.min(100 * 2 ** (deliveryCount - 1), 10_000),
    });
  }
}

// ---------------------------------------------------------------- parent: the load

interface Server {
  child: ChildProcess;
  port: number;
  chats: BotHeldChat[];
}

function startServer(kind: 'bare' | 'durable' | 'switchboard'): Promise<Server> {
  const child = fork(__filename, ['--serve', kind], { execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
    child.on('message', (message: Ready) => {
      if (message.ready) resolve({ child, port: message.port, chats: message.chats });
    });
  });
}

/** Sends the Switchboard process a message and waits for its reply, the one where `replyKey` echoes `value`. */
function ask(server: Server, message: object, replyKey: string, value: unknown): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (reply: Record<string, unknown>) => {
      if (reply[replyKey] !== value) return;
      server.child.off('message', onMessage);
      resolve();
    };
    server.child.on('message', onMessage);
    server.child.send(message);
  });
}

const setPaused = (server: Server, pause: boolean) => ask(server, { pause }, 'paused', pause);
const PROFILING = process.env.BENCH_CPU_PROF !== undefined;
const profileStep = (server: Server, step: ProfileStep) => (PROFILING ? ask(server, { profile: step }, 'profiled', step) : Promise.resolve());

let drains = 0;
function drain(server: Server): Promise<{ inMs: number; docBytes: number }> {
  const id = ++drains;
  return new Promise((resolve, reject) => {
    const onMessage = (message: { drained?: number; inMs: number; docBytes: number; error?: string }) => {
      if (message.drained !== id) return;
      server.child.off('message', onMessage);
      if (message.error) reject(new Error(message.error));
      else resolve(message);
    };
    server.child.on('message', onMessage);
    server.child.send({ drain: id });
  });
}

/** Ids of the same shape as the chats', for the baselines' paths. */
const BASELINE_CHATS: BotHeldChat[] = Array.from({ length: CHATS }, () => ({ conversationId: randomUUID(), token: '' }));

const BOT_MESSAGE = JSON.stringify({ type: 'message', from: { id: 'demo-bot', name: 'Demo bot' }, text: 'Here is what I found for you.', channelData: { deliveryMode: 'bridged' } });
const CUSTOMER_MESSAGE = JSON.stringify({ text: 'Can you tell me more about that?' });

function requestFor(target: Target, server: Server): autocannon.Options {
  const url = `http://127.0.0.1:${server.port}`;
  const common = { url, connections: CONNECTIONS, duration: DURATION_IN_S };
  let next = 0;
  const chat = () => server.chats[next++ % server.chats.length] as BotHeldChat;
  if (target === 'connector' || target === 'bare' || target === 'durable') {
    // The baselines get the same requests, built the same way: autocannon rebuilding each request costs the
    // client time, and with the client on the other core a cheaper client alone would lift the baseline.
    const chats = target === 'connector' ? server.chats : BASELINE_CHATS;
    return {
      ...common,
      requests: [{
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BOT_MESSAGE,
        setupRequest: (request) => ({ ...request, path: `/api/connector/v3/conversations/${(chats[next++ % chats.length] as BotHeldChat).conversationId}/activities` }),
      }],
    };
  }
  return {
    ...common,
    requests: [{
      method: 'POST',
      body: CUSTOMER_MESSAGE,
      setupRequest: (request) => {
        const c = chat();
        return { ...request, path: `/api/chats/${c.conversationId}/messages`, headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` } };
      },
    }],
  };
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(target: Target, server: Server, durationInS = DURATION_IN_S): Promise<Run> {
  const result = await autocannon({ ...requestFor(target, server), duration: durationInS });
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** What one run measures: a target, and for Switchboard whether its queue processors run meanwhile. */
interface Variant {
  name: string;
  target: Target;
  processing: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'bare', target: 'bare', processing: false },
  { name: 'durable hello world', target: 'durable', processing: false },
  { name: 'connector, edge only', target: 'connector', processing: false },
  { name: 'customer, edge only', target: 'customer', processing: false },
  { name: 'connector, with processing', target: 'connector', processing: true },
  { name: 'customer, with processing', target: 'customer', processing: true },
];

const LABEL: Record<Exclude<Target, 'bare' | 'durable'>, string> = {
  connector: 'bot message, POST /api/connector/v3/conversations/{id}/activities',
  customer: 'customer message, POST /api/chats/{id}/messages',
};

export async function main(): Promise<BenchReport> {
  const [bare, durable, switchboard] = await Promise.all([startServer('bare'), startServer('durable'), startServer('switchboard')]);
  const notes: string[] = [];
  try {
    const runVariant = async (v: Variant, durationInS = DURATION_IN_S, profileFile?: ProfileStep): Promise<{ run: Run; drain?: { inMs: number; docBytes: number } }> => {
      if (v.target === 'bare') return { run: await load('bare', bare, durationInS) };
      if (v.target === 'durable') return { run: await load('durable', durable, durationInS) };
      if (!v.processing) await setPaused(switchboard, true);
      if (profileFile) await profileStep(switchboard, 'start');
      const run = await load(v.target, switchboard, durationInS);
      if (profileFile) await profileStep(switchboard, profileFile);
      if (!v.processing) await setPaused(switchboard, false);
      return { run, drain: await drain(switchboard) };
    };
    // Warm-up: JIT, connection pools, SQLite caches. Not counted.
    for (const v of VARIANTS) await runVariant(v, 2);

    const runs = new Map<string, Run[]>(VARIANTS.map((v) => [v.name, []]));
    const drains: string[] = [];
    let docBytes = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const v = VARIANTS[(i + round - 1) % VARIANTS.length] as Variant;
        await sleep(500);
        const { run, drain: drained } = await runVariant(v, DURATION_IN_S, `${v.name.replace(/\W+/g, '-')}-${round}.cpuprofile`);
        runs.get(v.name)?.push(run);
        if (drained) {
          drains.push(`${v.name} ${fmt(drained.inMs / 1000, 1)} s`);
          docBytes = drained.docBytes;
        }
        console.log(`round ${round}/${ROUNDS} ${v.name.padEnd(27)} ${fmt(run.rps).padStart(7)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms${run.errors || run.non2xx ? `, ${run.errors} errors, ${run.non2xx} non-2xx` : ''}${drained ? `; drained in ${fmt(drained.inMs / 1000, 1)} s` : ''}`);
      }
    }
    const all = [...runs.values()].flat();
    const failed = all.reduce((n, r) => n + r.errors + r.non2xx, 0);
    if (failed > 0) notes.push(`WARNING: ${failed} requests failed or answered non-2xx; they are not counted as throughput`);
    const bareRuns = runs.get('bare') ?? [];
    const durableRuns = runs.get('durable hello world') ?? [];
    const rows: BenchRow[] = [];
    for (const v of VARIANTS) {
      if (v.target === 'bare' || v.target === 'durable') continue;
      const mine = runs.get(v.name) ?? [];
      const label = `${LABEL[v.target]}, ${v.processing ? 'queue processors running' : 'edge only (processors paused)'}`;
      const rpsRatio = median(mine.map((r, i) => r.rps / (bareRuns[i]?.rps ?? NaN)));
      const p99Ratio = median(mine.map((r, i) => r.p99 / Math.max(1, bareRuns[i]?.p99 ?? NaN)));
      rows.push({
        metric: `${label}: throughput`,
        value: `${fmt(median(mine.map((r) => r.rps)))} req/s`,
        baseline: `${fmt(median(bareRuns.map((r) => r.rps)))} req/s`,
        ratio: ratioText(rpsRatio),
        // The target is the edge's: parse, validate, enqueue, respond. With the processors running, the same
        // core also applies every accepted message; that is reported beside it, not held to the edge's target.
        target: v.processing ? 'report' : '>= 0.5x',
        met: v.processing || rpsRatio >= 0.5,
      });
      rows.push({
        metric: `${label}: p99 latency`,
        value: `${fmt(median(mine.map((r) => r.p99)))} ms (p50 ${fmt(median(mine.map((r) => r.p50)))} ms)`,
        baseline: `${fmt(median(bareRuns.map((r) => r.p99)))} ms (p50 ${fmt(median(bareRuns.map((r) => r.p50)))} ms)`,
        ratio: ratioText(p99Ratio),
        target: v.processing ? 'report' : '<= 3x',
        met: v.processing || p99Ratio <= 3,
      });
    }
    for (const v of VARIANTS) {
      if (v.target !== 'connector' && v.target !== 'customer') continue;
      if (v.processing) continue;
      const mine = runs.get(v.name) ?? [];
      const rpsRatio = median(mine.map((r, i) => r.rps / (durableRuns[i]?.rps ?? NaN)));
      const p99Ratio = median(mine.map((r, i) => r.p99 / Math.max(1, durableRuns[i]?.p99 ?? NaN)));
      rows.push({
        metric: `${LABEL[v.target]}, edge only, against the durable hello world`,
        value: `${fmt(median(mine.map((r) => r.rps)))} req/s, p99 ${fmt(median(mine.map((r) => r.p99)))} ms`,
        baseline: `${fmt(median(durableRuns.map((r) => r.rps)))} req/s, p99 ${fmt(median(durableRuns.map((r) => r.p99)))} ms`,
        ratio: `${ratioText(rpsRatio)} throughput, ${ratioText(p99Ratio)} p99`,
        target: 'report',
        met: true,
      });
    }
    notes.push('durable hello world: node:http that reads the body, JSON.parses it, makes one INSERT into an in-memory SQLite table (better-sqlite3) and answers JSON: the least a durable enqueue can cost on this stack');
    notes.push(`autocannon, ${CONNECTIONS} connections, ${DURATION_IN_S} s per run, ${ROUNDS} interleaved rounds (order rotated), medians; ratios are medians of per-round ratios; a p99 below 1 ms counts as 1 ms`);
    notes.push('the local host runs with its event-loop-utilization shedding off (maxEventLoopUtilization: 1): at saturation it would answer the excess customers 503, by design, and the run would measure that');
    notes.push(`requests rotate over ${fmt(CHATS)} chats held by the demo bot (bot client answers 200 in-process); each server in its own process, autocannon in this one; the local host's data: ${BENCH_STORAGE}`);
    notes.push('edge only: the queue processors are stopped for the run (parse, authenticate, validate, read the conversation, enqueue durably, respond) and drain afterwards; with processing: they run, as under `npm start`, and apply each accepted message (transcript, conversation state, forwarding to the bot) on the same core');
    notes.push(BENCH_RATE_LIMITED ? 'rate limits on (BENCH_RATE_LIMITS=1), too high to refuse: every customer request is counted per address and per token' : 'rate limits off, as in the tests (BENCH_RATE_LIMITS=1 turns them on)');
    notes.push(`drains after each Switchboard run: ${drains.join(', ')}; median conversation document at the end: ${fmt(docBytes)} bytes`);
    return { name: 'HTTP edge (local host)', command: COMMAND, machine: machine(), rows, notes };
  } finally {
    bare.child.kill();
    durable.child.kill();
    switchboard.child.kill('SIGINT');
    await sleep(200);
  }
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex >= 0) {
  const kind = process.argv[serveIndex + 1];
  serveUntilParentLeaves(kind === 'bare' ? serveBare : kind === 'durable' ? serveDurable : serveSwitchboard, closeServer);
} else {
  runIfMain(module, main);
}
