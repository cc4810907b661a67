import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LocalHost } from '../../shared/host/local/localHost';
import { fmt, machine, median, nowInMs, percentile, ratioText, runIfMain, sleep, type BenchReport, type BenchRow } from './benchSupport';
import { BENCH_STORAGE, configWithAgents, createBotHeldChats, observeConversationWrites, startBenchHost, type BotHeldChat } from './benchHost';

/**
 * End to end: from the demo bot's Escalate POST to the connector (for a chat it holds) to the agent
 * assignment being durable, i.e. the conditional write that makes the conversation Active with an
 * agent has returned. Escalations arrive at a fixed rate (open loop: latency counts from the moment
 * a request was due, so a stalled sender cannot hide a stall) on the embedded adapters, in one process.
 *
 * "Durable" is seen by a store observer: the conversation store is wrapped so each committed write
 * reports itself, one callback per write, no polling.
 *
 * Baseline, same run, interleaved: the same connector POST carrying a plain bot message (parse,
 * authenticate, validate, enqueue, respond), at the same rate from the same client.
 */

const COMMAND = 'npm run bench -- endToEnd';
const RATE_PER_S = 200;
const ESCALATION_SECONDS = 10;
const BASELINE_SECONDS = 5;
const ROUNDS = 3;
const AGENTS = 200;
const CAPACITY = 40;
const PLAIN_POOL = 500;

const ESCALATE = JSON.stringify({
  type: 'message',
  from: { id: 'demo-bot', name: 'Demo bot' },
  text: 'Customer asked about a credit card: I lost my card',
  channelData: { tags: JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } }) },
});
const PLAIN = JSON.stringify({ type: 'message', from: { id: 'demo-bot', name: 'Demo bot' }, text: 'Let me check that for you.', channelData: { deliveryMode: 'bridged' } });

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(port: number, conversationId: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, agent, method: 'POST', path: `/api/connector/v3/conversations/${conversationId}/activities`,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Phase {
  /** Event-loop delay during the phase (ms): how long the one thread was busy without a break. */
  loopP99: number;
  loopMax: number;
  /** ms from due time to response (every request). */
  response: number[];
  /** ms from due time to durable assignment (escalations only). */
  assigned: number[];
  failed: number;
}

/**
 * Sends one request per 1/RATE s, by absolute schedule, for `seconds`; `chat(i)` picks the chat.
 * Waits for every response (and, for escalations, every assignment).
 */
async function fixedRate(port: number, seconds: number, chats: BotHeldChat[], body: string, awaitAssignment: Map<string, { dueAt: number; done?: (at: number) => void }> | undefined): Promise<Phase> {
  const total = RATE_PER_S * seconds;
  const interval = 1000 / RATE_PER_S;
  const phase: Phase = { response: [], assigned: [], failed: 0, loopP99: 0, loopMax: 0 };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const inFlight: Promise<void>[] = [];
  const start = nowInMs() + 5;
  let sent = 0;
  while (sent < total) {
    const now = nowInMs();
    while (sent < total && start + sent * interval <= now) {
      const dueAt = start + sent * interval;
      const chat = chats[sent % chats.length] as BotHeldChat;
      let assigned: Promise<void> | undefined;
      if (awaitAssignment) {
        assigned = new Promise<void>((resolve) => {
          awaitAssignment.set(chat.conversationId, { dueAt, done: (at) => { phase.assigned.push(at - dueAt); resolve(); } });
        });
      }
      inFlight.push(post(port, chat.conversationId, body).then((status) => {
        phase.response.push(nowInMs() - dueAt);
        if (status !== 200) phase.failed++;
      }, () => {
        phase.failed++;
      }));
      if (assigned) inFlight.push(withTimeout(assigned, 30_000, () => phase.failed++));
      sent++;
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  loop.disable();
  phase.loopP99 = loop.percentile(99) / 1e6;
  phase.loopMax = loop.max / 1e6;
  return phase;
}

function withTimeout(promise: Promise<void>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  })]).finally(() => clearTimeout(timer));
}

export async function main(): Promise<BenchReport> {
  const host: LocalHost = await startBenchHost({ config: configWithAgents(AGENTS, CAPACITY, ['CreditCardQueue']) });
  const notes: string[] = [];
  try {
    const port = Number(new URL(host.baseUrl).port);
    const warmUp = RATE_PER_S;
    const needed = ROUNDS * RATE_PER_S * ESCALATION_SECONDS + warmUp;
    const setupStarted = nowInMs();
    const toEscalate = await createBotHeldChats(host, needed);
    const plain = await createBotHeldChats(host, PLAIN_POOL);
    console.log(`setup: ${fmt(needed + PLAIN_POOL)} chats held by the demo bot in ${fmt((nowInMs() - setupStarted) / 1000, 1)} s; ${AGENTS} agents of capacity ${CAPACITY} in CreditCardQueue`);

    const pending = new Map<string, { dueAt: number; done?: (at: number) => void }>();
    const unobserve = observeConversationWrites(host, (c) => {
      if (c.status !== 'Active' || c.assignee?.kind !== 'agent') return;
      const waiting = pending.get(c.id);
      if (!waiting) return;
      pending.delete(c.id);
      waiting.done?.(nowInMs());
    });

    let next = 0;
    const take = (n: number) => toEscalate.slice(next, (next += n));
    // Warm-up, not counted.
    await fixedRate(port, 1, take(warmUp), ESCALATE, pending);
    await fixedRate(port, 1, plain, PLAIN, undefined);
    await host.bus.whenIdle({ timeoutInMs: 120_000 });

    const escalations: Phase[] = [];
    const baselines: Phase[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? ['baseline', 'escalate'] : ['escalate', 'baseline'];
      for (const which of order) {
        await sleep(300);
        if (which === 'baseline') {
          const phase = await fixedRate(port, BASELINE_SECONDS, plain, PLAIN, undefined);
          baselines.push(phase);
          console.log(`round ${round}/${ROUNDS} plain bot message POST: response p50 ${fmt(percentile(phase.response, 50), 1)} ms, p99 ${fmt(percentile(phase.response, 99), 1)} ms${phase.failed ? `, ${phase.failed} failed` : ''}; event loop delay p99 ${fmt(phase.loopP99, 1)} ms, max ${fmt(phase.loopMax, 1)} ms`);
        } else {
          const phase = await fixedRate(port, ESCALATION_SECONDS, take(RATE_PER_S * ESCALATION_SECONDS), ESCALATE, pending);
          escalations.push(phase);
          console.log(`round ${round}/${ROUNDS} escalation -> durable assignment: p50 ${fmt(percentile(phase.assigned, 50), 1)} ms, p99 ${fmt(percentile(phase.assigned, 99), 1)} ms, max ${fmt(Math.max(...phase.assigned), 1)} ms (${fmt(phase.assigned.length)} assigned; POST response p50 ${fmt(percentile(phase.response, 50), 1)} ms)${phase.failed ? `, ${phase.failed} failed` : ''}; event loop delay p99 ${fmt(phase.loopP99, 1)} ms, max ${fmt(phase.loopMax, 1)} ms`);
        }
        // Let the follow-ups (assignment announcements, bot notices) finish, so phases do not overlap.
        await host.bus.whenIdle({ timeoutInMs: 120_000 });
      }
    }
    unobserve();

    const failed = [...escalations, ...baselines].reduce((n, p) => n + p.failed, 0);
    if (failed > 0) notes.push(`WARNING: ${failed} requests failed or were not assigned within 30 s`);
    const e50 = escalations.map((p) => percentile(p.assigned, 50));
    const e99 = escalations.map((p) => percentile(p.assigned, 99));
    const b50 = baselines.map((p) => percentile(p.response, 50));
    const b99 = baselines.map((p) => percentile(p.response, 99));
    const rows: BenchRow[] = [
      {
        metric: `Escalate POST -> durable agent assignment, p50 (${RATE_PER_S}/s)`,
        value: `${fmt(median(e50), 1)} ms`,
        baseline: `${fmt(median(b50), 1)} ms (plain bot message POST)`,
        ratio: ratioText(median(e50.map((v, i) => v / (b50[i] ?? NaN)))),
        target: '<= 10 ms',
        met: median(e50) <= 10,
      },
      {
        metric: `Escalate POST -> durable agent assignment, p99 (${RATE_PER_S}/s)`,
        value: `${fmt(median(e99), 1)} ms`,
        baseline: `${fmt(median(b99), 1)} ms (plain bot message POST)`,
        ratio: ratioText(median(e99.map((v, i) => v / (b99[i] ?? NaN)))),
        target: '<= 50 ms',
        met: median(e99) <= 50,
      },
    ];
    notes.push(`${RATE_PER_S} escalations/s for ${ESCALATION_SECONDS} s and ${RATE_PER_S} plain bot messages/s for ${BASELINE_SECONDS} s per round, ${ROUNDS} interleaved rounds, medians of the per-round percentiles; one process (host, load generator on a keep-alive node:http agent, store observer)`);
    notes.push(`${AGENTS} agents of capacity ${CAPACITY} serve CreditCardQueue (the sample's alice and bob too); every escalation is a distinct chat held by the demo bot; the bot client answers 200 in-process; the host's data: ${BENCH_STORAGE}`);
    notes.push(`latency counts from the moment each request was due (open loop), to the return of the conditional write that makes the conversation Active with an agent`);
    notes.push(`event-loop delay, median of rounds: escalation phases p99 ${fmt(median(escalations.map((p) => p.loopP99)), 1)} ms / max ${fmt(median(escalations.map((p) => p.loopMax)), 1)} ms; plain phases p99 ${fmt(median(baselines.map((p) => p.loopP99)), 1)} ms / max ${fmt(median(baselines.map((p) => p.loopMax)), 1)} ms (the embedded stores answer synchronously, so a dispatch cycle holds the thread from start to end)`);
    return { name: 'End to end: escalation to durable assignment', command: COMMAND, machine: machine(), rows, notes };
  } finally {
    agent.destroy();
    await host.close();
  }
}

runIfMain(module, main);
