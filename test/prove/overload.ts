import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { SAMPLE_CONFIG_PATH } from '../../shared/config/loadConfig';
import { QUEUES, type QueueName } from '../../shared/ports/messageBus';
import { freePort, HostProcess } from './hostProcess';
import { mulberry32, sleep, type Random } from './random';
import { percentile } from './stats';

/**
 * Proof 6, overload: the real `npm start` process (sample configuration, demo bot) under customer
 * traffic: chats started (POST /api/chats) and messages in chats already started (POST
 * /api/chats/{id}/messages), mixed at `startShare`.
 * 1. Two rates. `saturationConnections` customers each send their next request as soon as the last
 *    one is answered (or after Retry-After), for `saturationInMs`; then the bus drains. R, the edge's sustainable rate: the
 *    2xx throughput meanwhile. S, the host's: those requests over the time to answer and process
 *    them (each message goes through the bus to the demo bot and back). Here S is well below R: what
 *    the edge accepts at R, the bus works off later, from disk.
 * 2. The baseline: latency at `baselineShare` × S, a rate the host keeps up with for good (at a share
 *    of R it would only build a backlog), offered open loop: each request is sent when due, whatever
 *    the host is doing, and its latency counts from then.
 * 3. The overload: `overloadFactor` × R, open loop, for `overloadInMs`, each waiting request on a
 *    connection of its own (as many customers would). The host's RSS is sampled, and a health probe
 *    on a kept-alive connection (never shed) shows how responsive its event loop stays.
 *    (`rateBasis: 'endToEnd'` offers `overloadFactor` × S instead: that the host absorbs by queueing.)
 * 4. The recovery: the baseline rate again, from the moment the overload stops, in 1-second windows;
 *    recovered = the first window in which nothing is shed or fails and the p99 is back within
 *    max(2 × baseline p99, baseline p99 + `recoverySlackInMs`).
 * 5. After a drain: every chat accepted with 201 exists, every message accepted with 202 is in its
 *    transcript exactly once, and no message that was shed is.
 * Violations: an answer other than 2xx, 503 or 429; a 503/429 without Retry-After; a timeout or a
 * socket error (the edge must answer, accepted or shed); a shed p99 above `maxShedP99InMs`; RSS in the
 * last third of the overload more than `maxRssGrowth` above the middle third (or before), or above
 * `rssCeilingInMb`; no recovery within the probe (or later than `maxRecoveryInMs` when set); anything
 * lost or doubled; and a load generator that could not offer the rate (then the figures are its own,
 * not the host's).
 */

export interface OverloadOptions {
  seed: number;
  /** Share of requests that start a chat; the others are messages in started chats. */
  startShare: number;
  /** Closed-loop customers that measure R and S, for `saturationInMs`. */
  saturationConnections: number;
  saturationInMs: number;
  /** What the overload is a multiple of: R, the edge's 2xx rate at saturation, or S, the end-to-end rate. */
  rateBasis: 'edge' | 'endToEnd';
  /** Baseline and recovery rate, as a share of S. */
  baselineShare: number;
  baselineInMs: number;
  overloadFactor: number;
  overloadInMs: number;
  /** Recovery is probed at the baseline rate for at most this long. */
  recoveryProbeInMs: number;
  /** A window has recovered when its p99 is within max(2 × baseline p99, baseline p99 + this). */
  recoverySlackInMs: number;
  /** Recovery later than this is a violation; undefined: only recovering within the probe is required. */
  maxRecoveryInMs?: number;
  /** An unanswered request fails after this long. A start may wait 5 s (commandWaitInMs) for its chat. */
  requestTimeoutInMs: number;
  maxShedP99InMs: number;
  /** Allowed growth of the mean RSS from the middle third of the overload to the last third. */
  maxRssGrowth: number;
  rssCeilingInMb: number;
  /** Accepted chats whose transcripts are checked after the drain (a seeded sample when more). */
  verifyChats: number;
  drainTimeoutInMs: number;
  /** Wait for the whole bus after the load, bot deliveries included, and report how long that took; else only for the conversation commands the checks need. */
  fullDrain: boolean;
  log?: (line: string) => void;
  keepDataDir?: boolean;
}

const COMMON = {
  startShare: 0.2,
  saturationConnections: 64,
  rateBasis: 'edge',
  baselineShare: 0.5,
  overloadFactor: 2,
  requestTimeoutInMs: 8_000,
  maxShedP99InMs: 500,
  maxRssGrowth: 0.25,
  rssCeilingInMb: 1_024,
  drainTimeoutInMs: 600_000,
} satisfies Partial<OverloadOptions>;

export const LARGE_OVERLOAD: Omit<OverloadOptions, 'seed'> = {
  ...COMMON, saturationInMs: 5_000, baselineInMs: 5_000, overloadInMs: 30_000, recoveryProbeInMs: 60_000, recoverySlackInMs: 20, maxRecoveryInMs: 10_000, verifyChats: 3_000, fullDrain: true,
};

/**
 * Timing is hardly asserted at this size (shared, noisy CI machines): service must come back, and sheds
 * must answer within 2 s, which tells shedding from requests left in the listen queue (p99 7 s).
 */
export const SMALL_OVERLOAD: Omit<OverloadOptions, 'seed'> = {
  ...COMMON, maxShedP99InMs: 2_000, saturationInMs: 2_000, baselineInMs: 1_500, overloadInMs: 4_000, recoveryProbeInMs: 12_000, recoverySlackInMs: 100, verifyChats: 1_000, drainTimeoutInMs: 60_000, fullDrain: false,
};

export interface OverloadReport {
  seed: number;
  ok: boolean;
  durationInMs: number;
  violations: string[];
  stats: Record<string, number | string>;
}

type Kind = 'start' | 'message';

interface Answer {
  kind: Kind;
  /** performance.now() when the request was due. */
  dueAt: number;
  sendLagInMs: number;
  /** From due to the end of the answer, or to the failure. */
  latencyInMs: number;
  /** 0 when there was no answer. */
  status: number;
  retryAfter?: string;
  /** 'timeout', a socket error code, or 'not sent' (too many requests already waiting for the host). */
  error?: string;
}

const served = (a: Pick<Answer, 'status'>) => a.status >= 200 && a.status < 300;
const isShed = (a: Pick<Answer, 'status'>) => a.status === 503 || a.status === 429;

interface Chat {
  id: string;
  token: string;
  /** Message id → what the host answered to it. */
  messages: Map<string, 'accepted' | 'shed' | 'unknown'>;
}

const MESSAGE_TEXT = 'hello, I have a question about my account';
/** Requests waiting for the host at once, each on its own connection (one file descriptor each; Node raises its soft limit to the hard one). */
const MAX_OUTSTANDING = 6_000;

/** The HTTP side: one agent, so every request waiting for the host holds a connection of its own. */
class Load {
  /** Keep-alive, idle sockets closed before the host's 5 s keep-alive timeout can race a reuse. */
  private readonly agent = new Agent({ keepAlive: true, timeout: 4_000 });
  outstanding = 0;

  constructor(private readonly port: number, private readonly timeoutInMs: number, private readonly maxOutstanding = MAX_OUTSTANDING) {}

  call(method: string, path: string, body: string | undefined, token: string | undefined, dueAt: number): Promise<Omit<Answer, 'kind'> & { body: string }> {
    const sentAt = performance.now();
    const result = (r: { status: number; retryAfter?: string; error?: string; body?: string }) => ({ dueAt, sendLagInMs: sentAt - dueAt, latencyInMs: performance.now() - dueAt, status: r.status, retryAfter: r.retryAfter, error: r.error, body: r.body ?? '' });
    if (this.outstanding >= this.maxOutstanding) return Promise.resolve(result({ status: 0, error: 'not sent' }));
    this.outstanding++;
    return new Promise((resolve) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      let done = false;
      const finish = (r: Parameters<typeof result>[0]) => {
        if (done) return;
        done = true;
        this.outstanding--;
        clearTimeout(timer);
        resolve(result(r));
      };
      const req = request({ agent: this.agent, host: '127.0.0.1', port: this.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, error: error.code ?? error.message }));
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish({ status: 0, error: 'timeout' });
      }, this.timeoutInMs);
      req.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, error: error.code ?? error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Customers: each request starts a chat, or says something in a chat the host has applied. */
class Customers {
  /** Every chat accepted with 201. */
  readonly chats: Chat[] = [];
  /** Those whose start was applied when answered (a message to a Pending chat may find nothing yet: 404). */
  private readonly talking: Chat[] = [];
  private messageCount = 0;

  constructor(private readonly load: Load, private readonly random: Random, private readonly startShare: number, private readonly seed: number) {}

  async one(dueAt: number): Promise<Answer> {
    if (this.talking.length === 0 || this.random.chance(this.startShare)) {
      const r = await this.load.call('POST', '/api/chats', '{}', undefined, dueAt);
      if (r.status === 201) {
        const body = JSON.parse(r.body) as { conversationId: string; token: string; status: string };
        const chat: Chat = { id: body.conversationId, token: body.token, messages: new Map() };
        this.chats.push(chat);
        if (body.status !== 'Pending') this.talking.push(chat);
      }
      return { ...r, kind: 'start' };
    }
    const chat = this.random.pick(this.talking);
    const id = `s${this.seed}-m${++this.messageCount}`;
    const r = await this.load.call('POST', `/api/chats/${chat.id}/messages`, JSON.stringify({ id, text: MESSAGE_TEXT }), chat.token, dueAt);
    chat.messages.set(id, r.status >= 200 && r.status < 300 ? 'accepted' : r.status === 503 || r.status === 429 ? 'shed' : 'unknown');
    return { ...r, kind: 'message' };
  }
}

interface Offered {
  /** Resolves when the schedule ends (requests may still be waiting for the host). */
  scheduled: Promise<{ sent: number; elapsedInMs: number }>;
  /** Resolves when every request is answered or failed. */
  settled: Promise<Answer[]>;
}

/**
 * Open loop: `ratePerS` requests a second, each sent when due whatever the host is doing. With
 * `window`, the answers are handed over per window of `inMs` (by due time) once all are in, and the
 * schedule stops when `onWindow` says so.
 */
function offer(customers: Customers, ratePerS: number, durationInMs: number, window?: { inMs: number; onWindow: (index: number, answers: Answer[]) => boolean }): Offered {
  const answers: Answer[] = [];
  const pending: Promise<void>[] = [];
  const perWindow: { sent: number; answers: Answer[] }[] = [];
  let stop = false;
  let evaluated = 0;
  const began = performance.now();
  const evaluate = () => {
    if (!window) return;
    for (;;) {
      const w = perWindow[evaluated];
      const windowOver = performance.now() - began >= (evaluated + 1) * window.inMs || stop;
      if (!w || !windowOver || w.answers.length < w.sent) return;
      if (window.onWindow(evaluated++, w.answers)) stop = true;
    }
  };
  const scheduled = (async () => {
    let sent = 0;
    for (;;) {
      const elapsed = performance.now() - began;
      if (elapsed >= durationInMs || stop) return { sent, elapsedInMs: Math.min(elapsed, durationInMs) };
      const due = Math.floor((elapsed / 1000) * ratePerS);
      while (sent < due) {
        const dueAt = began + (sent * 1000) / ratePerS;
        const index = window ? Math.floor((dueAt - began) / window.inMs) : 0;
        const slot = (perWindow[index] ??= { sent: 0, answers: [] });
        slot.sent++;
        sent++;
        pending.push(customers.one(dueAt).then((answer) => {
          answers.push(answer);
          slot.answers.push(answer);
          evaluate();
        }));
      }
      evaluate();
      await sleep(2);
    }
  })();
  return { scheduled, settled: scheduled.then(async () => {
    await Promise.all(pending);
    return answers;
  }) };
}

/** Closed loop: `connections` customers, each sending again as soon as answered, or after Retry-After when shed. */
async function saturate(customers: Customers, connections: number, durationInMs: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  const end = performance.now() + durationInMs;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const answer = await customers.one(performance.now());
      answers.push(answer);
      if (isShed(answer)) await sleep(Math.min(Number(answer.retryAfter ?? 1) * 1000 || 1000, end - performance.now()));
    }
  }));
  return answers;
}

const ms = (value: number) => (Number.isFinite(value) ? Math.round(value) : 'n/a');
const n = (value: number) => value.toLocaleString('en-US');

/** Linux only: the process's resident set (MB) and CPU time (s), or undefined. */
function processUsage(pid: number | undefined): { rssInMb: number; cpuInS: number } | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  try {
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return { rssInMb: Number(rss?.[1]) / 1024, cpuInS: (Number(stat[11]) + Number(stat[12])) / 100 };
  } catch {
    return undefined;
  }
}

/** Linux only, machine-wide: connections dropped because a listen queue was full. */
function listenOverflows(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const i = names.indexOf('ListenOverflows');
    return i < 0 ? undefined : Number(values[i]);
  } catch {
    return undefined;
  }
}

/** Messages on the host's embedded bus that are due, read from its database (scheduled ones not yet due, e.g. auto-close timers, wait). */
class Backlog {
  private db: Database.Database | undefined;

  constructor(private readonly file: string) {}

  count(queue?: QueueName): number {
    this.db ??= new Database(this.file, { readonly: true, fileMustExist: true });
    // Active, or accepted and due (scheduled_for 0: sent to be delivered at once).
    const sql = `SELECT count(*) AS n FROM bus_messages WHERE (order_key IS NOT NULL OR scheduled_for <= ?)${queue ? ' AND queue = ?' : ''}`;
    return this.db.prepare<(string | number)[], { n: number }>(sql).get(Date.now(), ...(queue ? [queue] : []))?.n ?? 0;
  }

  /** Waits until `queue` (or the whole bus) is idle twice in a row, 200 ms apart; returns when it first was (ms from the call). */
  async drained(timeoutInMs: number, queue?: QueueName): Promise<number> {
    const began = Date.now();
    let idleSince: number | undefined;
    for (;;) {
      const now = Date.now();
      if (this.count(queue) > 0) idleSince = undefined;
      else if (idleSince === undefined) idleSince = now;
      else return idleSince - began;
      if (now - began > timeoutInMs) throw new Error(`${queue ?? 'the bus'} did not drain within ${timeoutInMs} ms (${this.count(queue)} active messages left)`);
      await sleep(200);
    }
  }

  close(): void {
    this.db?.close();
  }
}

/** A health request every 100 ms on one kept-alive connection (health is never shed): how late the host's loop answers. */
function healthProbe(port: number, phase: () => string): { stop(): void; latencies: Map<string, number[]> } {
  const load = new Load(port, 5_000, 1);
  const latencies = new Map<string, number[]>();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const label = phase();
    void load.call('GET', '/api/health', undefined, undefined, performance.now()).then((r) => {
      busy = false;
      const list = latencies.get(label) ?? [];
      list.push(r.status === 200 ? r.latencyInMs : 5_000);
      latencies.set(label, list);
    });
  }, 100);
  return { stop: () => {
    clearInterval(timer);
    load.close();
  }, latencies };
}

/** The sample configuration without its per-client rate limits: the whole load comes from 127.0.0.1, and shedding is what is proved. */
function configWithoutRateLimits(dir: string): string {
  const doc = parseYaml(readFileSync(SAMPLE_CONFIG_PATH, 'utf8')) as { limits?: unknown };
  doc.limits = { rate: { chatStartsPerAddress: false, requestsPerAddress: false, requestsPerToken: false } };
  const file = join(dir, 'switchboard.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

export async function runOverload(options: OverloadOptions): Promise<OverloadReport> {
  const began = Date.now();
  const log = (line: string) => options.log?.(`  seed ${options.seed}: ${line}`);
  const random = mulberry32(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-overload-'));
  const port = await freePort();
  const host = new HostProcess({ PORT: String(port), SWITCHBOARD_DATA_DIR: join(dataDir, 'data'), SWITCHBOARD_CONFIG: configWithoutRateLimits(dataDir), HOST: '127.0.0.1' });
  const load = new Load(port, options.requestTimeoutInMs);
  const customers = new Customers(load, random.fork('customers'), options.startShare, options.seed);
  const backlog = new Backlog(join(dataDir, 'data', 'switchboard.db'));
  const violations: string[] = [];
  const stats: Record<string, number | string> = {};
  let phase = 'start';
  const rss: { phase: string; at: number; mb: number }[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let health: ReturnType<typeof healthProbe> | undefined;
  const everyAnswer: { phase: string; answers: Answer[] }[] = [];
  try {
    await host.start();
    sampler = setInterval(() => {
      const usage = processUsage(host.pid);
      if (usage) rss.push({ phase, at: performance.now(), mb: usage.rssInMb });
    }, 250);
    health = healthProbe(port, () => phase);
    log(`host up on port ${port} in ${host.startTimesInMs[0]} ms (data ${dataDir})`);

    // 1. R and S, from the saturation and the drain after it (so the baseline starts clean too).
    phase = 'saturation';
    const saturation = await saturate(customers, options.saturationConnections, options.saturationInMs);
    everyAnswer.push({ phase, answers: saturation });
    const servedInSaturation = saturation.filter(served).length;
    const edgeRate = servedInSaturation / (options.saturationInMs / 1000);
    const backlogAfterSaturation = backlog.count();
    const saturationDrainInMs = await backlog.drained(options.drainTimeoutInMs);
    const sustainedRate = servedInSaturation / ((options.saturationInMs + saturationDrainInMs) / 1000);
    Object.assign(stats, { R: Math.round(edgeRate), S: Math.round(sustainedRate), saturationShed: saturation.filter(isShed).length, saturationP99InMs: ms(percentile(saturation.filter(served).map((a) => a.latencyInMs), 99)) });
    log(`saturation: ${options.saturationConnections} closed-loop customers for ${options.saturationInMs / 1000} s (${options.startShare * 100}% starts): ${n(servedInSaturation)} served, R = ${Math.round(edgeRate)}/s at the edge (p99 ${stats.saturationP99InMs} ms); `
      + `the bus then needed ${(saturationDrainInMs / 1000).toFixed(1)} s more for its ${n(backlogAfterSaturation)} messages: S = ${Math.round(sustainedRate)}/s end to end`);

    // 2. The baseline.
    phase = 'baseline';
    const baselineRate = sustainedRate * options.baselineShare;
    const baseline = await offer(customers, baselineRate, options.baselineInMs).settled;
    everyAnswer.push({ phase, answers: baseline });
    const baselineServed = baseline.filter(served).map((a) => a.latencyInMs);
    const baseP50 = percentile(baselineServed, 50);
    const baseP99 = percentile(baselineServed, 99);
    const recoveredP99 = Math.max(2 * baseP99, baseP99 + options.recoverySlackInMs);
    Object.assign(stats, { baselineRate: Math.round(baselineRate), baselineP50InMs: ms(baseP50), baselineP99InMs: ms(baseP99), baselineShed: baseline.filter(isShed).length });
    log(`baseline at ${Math.round(baselineRate)}/s (${options.baselineShare}S) for ${options.baselineInMs / 1000} s: p50 ${ms(baseP50)} ms, p99 ${ms(baseP99)} ms `
      + `(starts ${ms(percentile(baseline.filter((a) => served(a) && a.kind === 'start').map((a) => a.latencyInMs), 99))} ms, messages ${ms(percentile(baseline.filter((a) => served(a) && a.kind === 'message').map((a) => a.latencyInMs), 99))} ms), ${baseline.filter(isShed).length} shed`);
    await backlog.drained(options.drainTimeoutInMs);

    // 3. The overload, and 4. the recovery from the moment it stops.
    const before = processUsage(host.pid);
    const overflowsBefore = listenOverflows();
    phase = 'overload';
    const overloadRate = (options.rateBasis === 'edge' ? edgeRate : sustainedRate) * options.overloadFactor;
    const overload = offer(customers, overloadRate, options.overloadInMs);
    const scheduled = await overload.scheduled;
    const stoppedAt = performance.now();
    const after = processUsage(host.pid);
    phase = 'recovery';
    let recoveredAfterInMs: number | undefined;
    const windows: string[] = [];
    const recovery = offer(customers, baselineRate, options.recoveryProbeInMs, {
      inMs: 1000,
      onWindow: (index, answers) => {
        const p99 = percentile(answers.filter(served).map((a) => a.latencyInMs), 99);
        const bad = answers.filter((a) => !served(a)).length;
        windows.push(`${ms(p99)}${bad ? `/${bad} not served` : ''}`);
        if (recoveredAfterInMs !== undefined || bad > 0 || answers.length === 0 || !(p99 <= recoveredP99)) return false;
        recoveredAfterInMs = (index + 1) * 1000;
        return true;
      },
    });
    const overloadAnswers = await overload.settled;
    const overflowsAfter = listenOverflows();
    const recoveryAnswers = await recovery.settled;
    everyAnswer.push({ phase: 'overload', answers: overloadAnswers }, { phase: 'recovery', answers: recoveryAnswers });
    // Customer messages are in their transcripts once the conversation commands are applied; bot deliveries may still be queued.
    const commandsAppliedAfterInMs = performance.now() - stoppedAt + (await backlog.drained(options.drainTimeoutInMs, QUEUES.conversationCommands));
    const botDeliveriesLeft = backlog.count(QUEUES.botDeliveries);
    const drainAfterLoadInMs = options.fullDrain ? performance.now() - stoppedAt + (await backlog.drained(options.drainTimeoutInMs)) : undefined;
    phase = 'drained';

    // What the overload did.
    const o = overloadAnswers;
    const servedLatency = o.filter(served).map((a) => a.latencyInMs);
    const shedLatency = o.filter(isShed).map((a) => a.latencyInMs);
    const failed = o.filter((a) => a.status === 0);
    const errors = new Map<string, number>();
    for (const a of failed) errors.set(a.error ?? '?', (errors.get(a.error ?? '?') ?? 0) + 1);
    const overloadRss = rss.filter((s) => s.phase === 'overload');
    const third = (k: number) => overloadRss.filter((s) => s.at >= stoppedAt - scheduled.elapsedInMs * (1 - k / 3) && s.at < stoppedAt - scheduled.elapsedInMs * (1 - (k + 1) / 3)).map((s) => s.mb);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const [midRss, lastRss] = [mean(third(1)), mean(third(2))];
    const peakRss = Math.max(0, ...rss.filter((s) => s.phase === 'overload' || s.phase === 'recovery').map((s) => s.mb));
    const healthOverload = health.latencies.get('overload') ?? [];
    const offeredRate = scheduled.sent / (scheduled.elapsedInMs / 1000);
    Object.assign(stats, {
      offeredRate: Math.round(offeredRate),
      overloadRequests: o.length,
      served: o.filter(served).length,
      servedRate: Math.round(o.filter(served).length / (scheduled.elapsedInMs / 1000)),
      shed: shedLatency.length,
      timeouts: errors.get('timeout') ?? 0,
      notSent: errors.get('not sent') ?? 0,
      socketErrors: failed.length - (errors.get('timeout') ?? 0) - (errors.get('not sent') ?? 0),
      otherStatuses: o.filter((a) => a.status !== 0 && !served(a) && !isShed(a)).length,
      shedP50InMs: ms(percentile(shedLatency, 50)),
      shedP99InMs: ms(percentile(shedLatency, 99)),
      servedP50InMs: ms(percentile(servedLatency, 50)),
      servedP99InMs: ms(percentile(servedLatency, 99)),
      startsServedP99InMs: ms(percentile(o.filter((a) => served(a) && a.kind === 'start').map((a) => a.latencyInMs), 99)),
      messagesServedP99InMs: ms(percentile(o.filter((a) => served(a) && a.kind === 'message').map((a) => a.latencyInMs), 99)),
      sendLagP99InMs: ms(percentile(o.map((a) => a.sendLagInMs), 99)),
      healthP99InMs: ms(percentile(healthOverload, 99)),
      hostCpu: before && after ? Number(((after.cpuInS - before.cpuInS) / (scheduled.elapsedInMs / 1000)).toFixed(2)) : 'n/a',
      listenOverflows: overflowsBefore !== undefined && overflowsAfter !== undefined ? overflowsAfter - overflowsBefore : 'n/a',
      rssBeforeMb: before ? Math.round(before.rssInMb) : 'n/a',
      rssPeakMb: Math.round(peakRss),
      rssAfterMb: Math.round(processUsage(host.pid)?.rssInMb ?? NaN),
      recoveryInS: recoveredAfterInMs === undefined ? 'never' : recoveredAfterInMs / 1000,
      commandsAppliedAfterInS: Number((commandsAppliedAfterInMs / 1000).toFixed(1)),
      drainAfterLoadInS: drainAfterLoadInMs === undefined ? 'n/a' : Number((drainAfterLoadInMs / 1000).toFixed(1)),
    });
    log(`overload: ${Math.round(overloadRate)}/s (${options.overloadFactor}${options.rateBasis === 'edge' ? 'R' : 'S'}) due for ${options.overloadInMs / 1000} s, ${Math.round(offeredRate)}/s offered (send lag p99 ${stats.sendLagP99InMs} ms); `
      + `${n(stats.served as number)} served (${stats.servedRate}/s, p50 ${stats.servedP50InMs} ms, p99 ${stats.servedP99InMs} ms: starts ${stats.startsServedP99InMs}, messages ${stats.messagesServedP99InMs}), `
      + `${n(shedLatency.length)} shed (p50 ${stats.shedP50InMs} ms, p99 ${stats.shedP99InMs} ms), ${[...errors].map(([e, c]) => `${n(c)} ${e}`).join(', ') || 'no failures'}`);
    log(`host during the overload: ${stats.hostCpu} CPU, health p50 ${ms(percentile(healthOverload, 50))} ms p99 ${stats.healthP99InMs} ms on a kept-alive connection, `
      + `${stats.listenOverflows} connections dropped by full listen queues (machine-wide); RSS ${stats.rssBeforeMb} MB before, ${Math.round(midRss)} → ${Math.round(lastRss)} MB (middle → last third), peak ${stats.rssPeakMb} MB`);
    log(`recovery at ${Math.round(baselineRate)}/s, bound p99 ≤ ${ms(recoveredP99)} ms: ${recoveredAfterInMs === undefined ? `not within ${options.recoveryProbeInMs / 1000} s` : `after ${recoveredAfterInMs / 1000} s`} `
      + `(1-s windows, p99 ms: ${windows.join(', ')})`);
    log(`after the load stopped, the conversation commands were all applied in ${(commandsAppliedAfterInMs / 1000).toFixed(1)} s (${n(botDeliveriesLeft)} bot deliveries still queued then)`
      + `${drainAfterLoadInMs === undefined ? '' : `, the whole bus drained in ${(drainAfterLoadInMs / 1000).toFixed(1)} s`}`);

    // Violations of the edge.
    for (const { phase: p, answers } of everyAnswer) {
      const other = new Map<string, number>();
      for (const a of answers.filter((x) => x.status !== 0 && !served(x) && !isShed(x))) other.set(`${a.kind} ${a.status}`, (other.get(`${a.kind} ${a.status}`) ?? 0) + 1);
      for (const [what, count] of other) violations.push(`${p}: ${count} answer(s) ${what}; expected 2xx, or 503/429 when shed`);
      const withoutRetry = answers.filter((a) => isShed(a) && !/^\d+$/.test(a.retryAfter ?? '')).length;
      if (withoutRetry > 0) violations.push(`${p}: ${withoutRetry} shed answer(s) without a Retry-After of whole seconds`);
      const notSent = answers.filter((x) => x.error === 'not sent').length;
      if (notSent > 0) violations.push(`${p}: ${notSent} request(s) not sent: the load generator's ${n(MAX_OUTSTANDING)} connections were all waiting for the host`);
      const lost = new Map<string, number>();
      for (const a of answers.filter((x) => x.status === 0 && x.error !== 'not sent')) lost.set(`${a.kind} ${a.error}`, (lost.get(`${a.kind} ${a.error}`) ?? 0) + 1);
      for (const [what, count] of lost) violations.push(`${p}: ${count} request(s) without an answer (${what}${what.endsWith('timeout') ? ` after ${options.requestTimeoutInMs} ms` : ''}); the edge must answer, served or shed`);
    }
    if (shedLatency.length > 0 && percentile(shedLatency, 99) > options.maxShedP99InMs) violations.push(`overload: shed answers took p99 ${ms(percentile(shedLatency, 99))} ms (p50 ${ms(percentile(shedLatency, 50))} ms) from when they were due; at most ${options.maxShedP99InMs} ms expected`);
    if (offeredRate < overloadRate * 0.9 || percentile(o.map((a) => a.sendLagInMs), 99) > 250) {
      violations.push(`overload: the load generator offered ${Math.round(offeredRate)}/s of ${Math.round(overloadRate)}/s with a send lag p99 of ${stats.sendLagP99InMs} ms: the figures are the generator's, not the host's`);
    }
    // Against the higher of the RSS before and the middle third's: a collection in the middle third is no growth after it.
    const rssReference = Math.max(midRss, before?.rssInMb ?? 0);
    if (third(1).length > 0 && lastRss > rssReference * (1 + options.maxRssGrowth)) violations.push(`overload: RSS grew from ${Math.round(rssReference)} MB (before, or the middle third) to ${Math.round(lastRss)} MB (last third), more than ${options.maxRssGrowth * 100}%`);
    if (peakRss > options.rssCeilingInMb) violations.push(`overload: RSS peaked at ${Math.round(peakRss)} MB, above ${options.rssCeilingInMb} MB`);
    if (recoveredAfterInMs === undefined) violations.push(`recovery: no 1-s window at ${Math.round(baselineRate)}/s within ${options.recoveryProbeInMs / 1000} s had everything served with p99 ≤ ${ms(recoveredP99)} ms (p99 per window: ${windows.join(', ')})`);
    else if (options.maxRecoveryInMs !== undefined && recoveredAfterInMs > options.maxRecoveryInMs) violations.push(`recovery: took ${recoveredAfterInMs / 1000} s, more than ${options.maxRecoveryInMs / 1000} s (p99 per window: ${windows.join(', ')})`);

    // 5. Nothing accepted is lost, nothing shed is applied.
    violations.push(...(await checkNothingLost(load, customers.chats, options.verifyChats, random.fork('sample'), stats)));
    log(`after the drain: ${n(stats.chatsVerified as number)} of ${n(customers.chats.length)} accepted chats checked, with ${n(stats.messagesVerified as number)} accepted and ${n(stats.shedMessagesVerified as number)} shed messages`);
  } catch (error) {
    violations.push(`the run failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\nhost output:\n${host.tail()}`);
  } finally {
    if (sampler) clearInterval(sampler);
    health?.stop();
    load.close();
    backlog.close();
    await host.kill9();
    if (!options.keepDataDir && violations.length === 0) rmSync(dataDir, { recursive: true, force: true });
    else if (violations.length > 0) log(`data kept in ${dataDir}`);
  }
  return { seed: options.seed, ok: violations.length === 0, durationInMs: Date.now() - began, violations, stats };
}

/** Reads the transcripts of (a sample of) the accepted chats through the customer API. */
async function checkNothingLost(load: Load, chats: Chat[], limit: number, random: Random, stats: Record<string, number | string>): Promise<string[]> {
  const problems: string[] = [];
  const sample = chats.length <= limit ? chats : random.shuffle([...chats]).slice(0, limit);
  let accepted = 0;
  let shed = 0;
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < sample.length) {
      const chat = sample[next++] as Chat;
      let r = await load.call('GET', `/api/chats/${chat.id}/messages?limit=500`, undefined, chat.token, performance.now());
      for (let attempt = 1; isShed(r) && attempt < 10; attempt++) {
        await sleep(1000);
        r = await load.call('GET', `/api/chats/${chat.id}/messages?limit=500`, undefined, chat.token, performance.now());
      }
      if (r.status !== 200) {
        problems.push(`${chat.id}: the start was accepted (201) but reading the chat answers ${r.status || r.error}`);
        continue;
      }
      const ids = (JSON.parse(r.body) as { messages: { id: string; role: string }[] }).messages.filter((m) => m.role === 'customer').map((m) => m.id);
      for (const [id, outcome] of chat.messages) {
        const times = ids.filter((x) => x === id).length;
        if (outcome === 'accepted') accepted++;
        if (outcome === 'shed') shed++;
        if (outcome === 'accepted' && times !== 1) problems.push(`${chat.id}: message ${id} was accepted (202) but is in the transcript ${times} time(s)`);
        if (outcome === 'shed' && times !== 0) problems.push(`${chat.id}: message ${id} was shed (503/429) but is in the transcript ${times} time(s)`);
        if (outcome === 'unknown' && times > 1) problems.push(`${chat.id}: message ${id} is in the transcript ${times} times`);
      }
    }
  }));
  Object.assign(stats, { chatsAccepted: chats.length, chatsVerified: sample.length, messagesVerified: accepted, shedMessagesVerified: shed });
  return problems;
}
