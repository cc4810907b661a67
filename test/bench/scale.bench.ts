import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AgentUser, Config } from '../../shared/core/config';
import type { LocalHost } from '../../shared/host/local/localHost';
import { conversationCommandMessage } from '../../shared/usecases/commands';
import { setPresence } from '../../shared/usecases/agentCapacity';
import { sampleConfig } from '../support/localHostHarness';
import { collectGarbage, fmt, machine, median, nowInMs, ratioText, runIfMain, sleep, type BenchReport, type BenchRow } from './benchSupport';
import { BENCH_STORAGE, observeConversationWrites, startBenchHost } from './benchHost';

/**
 * Scale: 10,000 active conversations and 1,000 agents in one process, on the embedded adapters.
 *
 * Driven at the use-case level, through the message bus, because HTTP would dominate:
 * 1. fill: 10,000 `start` commands (what POST /api/chats enqueues) with a context that routes each
 *    to one of 10 queues of 100 agents; the agents are Offline, so the chats wait;
 * 2. release: every agent turns Available (the presence use case, which asks its queues to
 *    dispatch) and the dispatchers assign all 10,000 chats; capacity 10 x 1,000 agents = 10,000;
 * 3. churn, with 10,000 active: a backlog of 5,000 more chats waits; agents end and close 5,000
 *    of their chats (agentEnd + agentClose commands, as the agent API enqueues them); each
 *    release of capacity dispatches the queue again and the backlog is assigned.
 * Assignments are counted by a store observer at the conditional write that makes a conversation
 * Active with an agent. Memory: heap and RSS after a full GC with 10,000 active, minus the same
 * before the first chat, per conversation.
 *
 * Same-run baseline, interleaved: the same scenario at a tenth of the size (1,000 chats, 100 agents).
 * The documented reference: Dynamics 365 Customer Service's unified routing ceiling of 5,000
 * assignments per minute (83/s); the target is ten times that.
 */

const COMMAND = 'npm run bench -- scale';
const ROUNDS = 3;
const QUEUES = 10;
const CAPACITY = 10;
const D365_PER_S = 5000 / 60;

interface Size {
  agents: number;
  conversations: number;
}
const LARGE: Size = { agents: 1000, conversations: 10_000 };
const SMALL: Size = { agents: 100, conversations: 1000 };

interface Outcome {
  releaseRate: number;
  churnRate: number;
  heapPerConversation: number;
  rssPerConversation: number;
  docBytes: number;
}

function scaleConfig(size: Size): Config {
  return sampleConfig((config) => {
    const workstream = config.workstreams[0];
    if (!workstream) throw new Error('the sample has a workstream');
    const perQueue = size.agents / QUEUES;
    for (let q = 0; q < QUEUES; q++) {
      const members = Array.from({ length: perQueue }, (_, i) => `scale-${q}-${i}`);
      config.queues.push({ name: `ScaleQueue${q}`, priority: 2, assignment: 'highestCapacity', members });
      workstream.rules.push({ name: `ScaleRule${q}`, queue: `ScaleQueue${q}`, when: { variable: 'BotHandoffTopic', operator: 'equals', value: `Scale${q}` } });
      config.users.push(...members.map((id): AgentUser => ({ id, kind: 'agent', name: id, capacity: CAPACITY, presence: 'Offline' })));
    }
  });
}

function memory(): { heap: number; rss: number } {
  collectGarbage();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

/** Starts `count` chats routed round-robin over the scale queues, in bus batches; resolves when the bus is idle. */
async function startChats(host: LocalHost, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const batch = 500;
  for (let i = 0; i < ids.length; i += batch) {
    await host.services.bus.send(ids.slice(i, i + batch).map((conversationId, j) => conversationCommandMessage({
      type: 'start', conversationId, key: `start:${conversationId}`, workstream: 'ChatWorkStream',
      customer: { id: `customer-${conversationId}`, name: 'Customer' }, context: { BotHandoffTopic: `Scale${(i + j) % QUEUES}` },
    })));
  }
  return ids;
}

/** Resolves when `count` assignments of chats in `ids` have been observed; returns the elapsed ms from `since`. */
function assignmentsOf(ids: readonly string[], count: number, assignedTo: Map<string, string>, since: () => number): { done: Promise<number>; observe: (id: string, agentId: string) => void } {
  const wanted = new Set(ids);
  let seen = 0;
  let resolve: (ms: number) => void = () => undefined;
  const done = new Promise<number>((r) => {
    resolve = r;
  });
  return {
    done,
    observe(id, agentId) {
      if (!wanted.delete(id)) return;
      assignedTo.set(id, agentId);
      if (++seen === count) resolve(nowInMs() - since());
    },
  };
}

async function scenario(size: Size): Promise<Outcome> {
  collectGarbage();
  const host = await startBenchHost({ config: scaleConfig(size), maxConcurrentSessions: 16 });
  try {
    const s = host.services;
    const assignedTo = new Map<string, string>();
    let observer: ((id: string, agentId: string) => void) | undefined;
    const unobserve = observeConversationWrites(host, (c) => {
      if (c.status === 'Active' && c.assignee?.kind === 'agent') observer?.(c.id, c.assignee.id);
    });
    await sleep(50);
    const before = memory();

    // 1. fill: every chat waits (agents Offline).
    const ids = await startChats(host, size.conversations);
    await host.bus.whenIdle({ timeoutInMs: 600_000 });

    // 2. release: agents turn Available; the dispatchers assign everything.
    let releaseStart = 0;
    const release = assignmentsOf(ids, ids.length, assignedTo, () => releaseStart);
    observer = release.observe;
    releaseStart = nowInMs();
    for (const agent of s.directory.agents()) if (agent.id.startsWith('scale-')) await setPresence(s, agent.id, 'Available');
    const releaseMs = await withDeadline(release.done, 600_000, 'release');
    await host.bus.whenIdle({ timeoutInMs: 600_000 });

    const active = memory();
    const docs = await Promise.all(ids.filter((_, i) => i % 50 === 0).map(async (id) => JSON.stringify((await s.conversations.get(id))?.value ?? {}).length));

    // 3. churn with the store full: a backlog waits, agents end and close half as many chats, the backlog is assigned.
    const backlogSize = size.conversations / 2;
    const backlog = await startChats(host, backlogSize);
    await host.bus.whenIdle({ timeoutInMs: 600_000 });
    let churnStart = 0;
    const churn = assignmentsOf(backlog, backlog.length, assignedTo, () => churnStart);
    observer = churn.observe;
    churnStart = nowInMs();
    const ending = ids.slice(0, backlogSize);
    for (let i = 0; i < ending.length; i += 500) {
      await s.bus.send(ending.slice(i, i + 500).flatMap((conversationId) => {
        const agentId = assignedTo.get(conversationId) ?? '';
        return [
          conversationCommandMessage({ type: 'agentEnd', conversationId, key: `agentEnd:${conversationId}`, agentId }),
          conversationCommandMessage({ type: 'agentClose', conversationId, key: `agentClose:${conversationId}`, agentId }),
        ];
      }));
    }
    const churnMs = await withDeadline(churn.done, 600_000, 'churn');
    await host.bus.whenIdle({ timeoutInMs: 600_000 });
    unobserve();

    return {
      releaseRate: (ids.length / releaseMs) * 1000,
      churnRate: (backlog.length / churnMs) * 1000,
      heapPerConversation: (active.heap - before.heap) / ids.length,
      rssPerConversation: (active.rss - before.rss) / ids.length,
      docBytes: median(docs),
    };
  } finally {
    await host.close();
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not every chat was assigned within ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

/** Each scenario runs in a fresh process (--expose-gc), so one round's freed memory never flatters the next one's RSS. */
function scenarioInChild(which: 'large' | 'small'): Promise<Outcome> {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(__filename, ['--scenario', which], { execArgv: ['--expose-gc', ...profile, '-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { outcome?: Outcome }) => {
      if (message.outcome) resolve(message.outcome);
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the ${which} scenario exited with ${code}`))));
  });
}

export async function main(): Promise<BenchReport> {
  const large: Outcome[] = [];
  const small: Outcome[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const which of round % 2 ? ['small', 'large'] as const : ['large', 'small'] as const) {
      const size = which === 'large' ? LARGE : SMALL;
      const outcome = await scenarioInChild(which);
      (which === 'large' ? large : small).push(outcome);
      console.log(`round ${round}/${ROUNDS} ${fmt(size.conversations)} chats / ${fmt(size.agents)} agents: release ${fmt(outcome.releaseRate)} assignments/s, churn ${fmt(outcome.churnRate)} assignments/s, heap ${fmt(outcome.heapPerConversation)} B/chat, RSS ${fmt(outcome.rssPerConversation)} B/chat, document ${fmt(outcome.docBytes)} B`);
    }
  }
  const m = (xs: Outcome[], key: keyof Outcome) => median(xs.map((x) => x[key]));
  const rows: BenchRow[] = [];
  for (const [key, label] of [['churnRate', 'sustained assignments/s, churn with 10,000 active'], ['releaseRate', 'assignments/s, 10,000 waiting chats released at once']] as const) {
    const rate = m(large, key);
    rows.push({
      metric: `${label} (1,000 agents)`,
      value: `${fmt(rate)}/s (${fmt(rate * 60)}/min)`,
      baseline: `${fmt(m(small, key))}/s at 1,000 chats / 100 agents`,
      ratio: `${ratioText(rate / D365_PER_S)} D365's 5,000/min; ${ratioText(median(large.map((x, i) => x[key] / (small[i]?.[key] ?? NaN))))} of small`,
      target: '>= 10x D365 (833/s)',
      met: rate >= 10 * D365_PER_S,
    });
  }
  rows.push({
    metric: 'memory per active conversation: JS heap after GC',
    value: `${fmt(m(large, 'heapPerConversation'))} B`,
    baseline: `${fmt(m(small, 'heapPerConversation'))} B at 1,000 chats`,
    ratio: '',
    target: 'report',
    met: true,
  });
  rows.push({
    metric: 'memory per active conversation: RSS (includes SQLite pages)',
    value: `${fmt(m(large, 'rssPerConversation'))} B`,
    baseline: `${fmt(m(small, 'rssPerConversation'))} B at 1,000 chats`,
    ratio: '',
    target: 'report',
    met: true,
  });
  const notes = [
    `${ROUNDS} rounds, small and large interleaved, each in a fresh process on a fresh host; its data: ${BENCH_STORAGE}; medians`,
    `10 queues (highestCapacity) of ${LARGE.agents / QUEUES} agents (large) or ${SMALL.agents / QUEUES} (small), capacity ${CAPACITY} each; churn: a backlog of half the chats is assigned as agents end and close as many of the active ones`,
    `the conversation document of an active chat is ${fmt(m(large, 'docBytes'))} bytes of JSON (median); the embedded store keeps documents, transcripts and bus messages in SQLite's pages (its page cache, or all of them in memory), which RSS counts and the JS heap does not`,
  ];
  return { name: 'Scale: 10,000 active conversations, 1,000 agents', command: COMMAND, machine: machine(), rows, notes };
}

const scenarioIndex = process.argv.indexOf('--scenario');
if (scenarioIndex >= 0) {
  const size = process.argv[scenarioIndex + 1] === 'large' ? LARGE : SMALL;
  scenario(size).then((outcome) => {
    if (process.send) process.send({ outcome }, () => process.exit(0));
    else {
      console.log(outcome);
      process.exit(0);
    }
  }, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  runIfMain(module, main);
}
