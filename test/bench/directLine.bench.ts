import { fork, type ChildProcess } from 'node:child_process';
import type { Activity } from '../../shared/core/activity';
import type { Config } from '../../shared/core/config';
import { DEFAULT_ADMISSION } from '../../shared/host/local/admission';
import { DirectLineClient, visitorToken } from '../support/directLineClient';
import { fmt, machine, median, nowInMs, percentile, ratioText, runIfMain, seededRandom, serveUntilParentLeaves, sleep, type BenchReport, type BenchRow } from './benchSupport';
import { BENCH_STORAGE, configWithAgents, startBenchHost } from './benchHost';

/**
 * Direct Line at 200 chats on the local host, with Microsoft's own client: 200 instances of
 * botframework-directlinejs 0.15.5 (what Web Chat 4.18.1 runs) in polling mode at its default 1 s
 * interval, each chat escalated by the demo bot ("credit card") to an agent. Measured:
 * (a) customer POST of an activity -> the message in the agent API's transcript page, which the bench's
 *     agent side reads right after the POST, again 2 ms after each answer, until the message is there;
 * (b) agent POST of a message -> the activity emitted by the customer's DLJS: on the held GET (long-poll,
 *     the sample's 10 s), with plain 1 s polling (`longPollSeconds: 0`), and over the WebSocket stream;
 * (c) the host's CPU while nothing happens: 200 held GETs, 200 plain pollers, 200 open streams, none.
 *
 * The host runs in a child process of its own, so its CPU (process.cpuUsage(), asked over IPC) is its own;
 * the clients and the agent side run in this one. Same-run baselines: the same conversation with one chat
 * connected (before the other 199 are), and the same host with no client at all (before and after).
 */

const COMMAND = 'npm run bench -- directLine';
const CHATS = 200;
/** 25 agents of capacity 10 in CreditCardQueue (beside the sample's alice and bob): room for every chat. */
const AGENTS = 25;
const CAPACITY = 10;
/** Each chat: the customer writes, half a period (and up to a second) later the agent answers. 200 chats: 20 messages/s each way. */
const PERIOD_IN_MS = 10_000;
const LOAD_SECONDS = 30;
/**
 * One chat alone: a faster turn, so its percentiles have samples. Each message still meets a held GET: DLJS
 * asks again at once after a GET held longer than its interval, so ~1 s between messages is enough.
 */
const BASELINE_PERIOD_IN_MS = 2_400;
const BASELINE_SECONDS = 48;
const IDLE_SECONDS = 20;
const AGENT_POLL_GAP_IN_MS = 2;
const DELIVERY_DEADLINE_IN_MS = 20_000;
const SETUP_BATCH = 20;
const WEB_CHAT_POLLING_INTERVAL_IN_MS = 1000;

function benchDirectLineConfig(): Config {
  return configWithAgents(AGENTS, CAPACITY, ['CreditCardQueue']);
}

// ---------------------------------------------------------------- child process: the host

/** What this bench asks of the host process; the answer echoes `ask`. */
type HostQuestion = { ask: number; cpu: true } | { ask: number; longPollSeconds: number } | { ask: number; streams: true };
interface HostAnswer {
  answer: number;
  /** process.cpuUsage(), user + system, in microseconds. */
  cpuInUs?: number;
  streams?: number;
}

let closeHost = async (): Promise<void> => undefined;

async function serveHost(): Promise<void> {
  // The demo bot over HTTP on the host's own port (as `npm start`), not the benches' in-process stand-in:
  // it greets, and escalates "credit card" to CreditCardQueue.
  // Shedding on the event loop's utilization and delay is off (httpEdge turns off the first): a burst of chat
  // starts, or a neighbour on a shared machine, trips them, and one 503 on a polling GET stops that DLJS client
  // for good, so the run would measure dead clients. The limit on requests in flight is npm start's.
  const admission = { ...DEFAULT_ADMISSION, maxEventLoopUtilization: 1, maxEventLoopDelayInMs: Number.POSITIVE_INFINITY };
  const host = await startBenchHost({ config: benchDirectLineConfig(), bots: undefined, admission });
  closeHost = () => host.close();
  process.on('message', (question: HostQuestion) => {
    const answer: HostAnswer = { answer: question.ask };
    if ('cpu' in question) {
      const { user, system } = process.cpuUsage();
      answer.cpuInUs = user + system;
    } else if ('longPollSeconds' in question) {
      // The knob is read on every GET: the same host, chats and clients, only the hold changes.
      host.services.config.directLine.longPollSeconds = question.longPollSeconds;
    } else {
      answer.streams = host.directLineStreams.open;
    }
    process.send?.(answer);
  });
  process.send?.({ ready: true, baseUrl: host.baseUrl });
}

// ---------------------------------------------------------------- this process: customers and agents

/** Every request the DLJS clients make goes through here: counted, and its status kept (a non-2xx stops a poller). */
const traffic = { requests: 0, failed: new Map<number, number>(), reasons: new Set<string>() };

interface Xhr {
  open(...args: unknown[]): void;
  addEventListener(type: string, listener: () => void): void;
  readonly status: number;
  readonly responseText: string | null;
}
const BaseXhr = (globalThis as unknown as { XMLHttpRequest: new () => Xhr }).XMLHttpRequest;
class CountedXhr extends BaseXhr {
  override open(...args: unknown[]): void {
    traffic.requests++;
    this.addEventListener('loadend', () => {
      if (this.status >= 200 && this.status <= 299) return;
      traffic.failed.set(this.status, (traffic.failed.get(this.status) ?? 0) + 1);
      traffic.reasons.add(`${this.status} ${String(args[0])} ${String(args[1]).replace(/conversations\/[^/]+/, 'conversations/{id}').replace(/\?.*/, '')}: ${(this.responseText ?? '').slice(0, 200)}`);
    });
    super.open(...args);
  }
}
(globalThis as unknown as { XMLHttpRequest: unknown }).XMLHttpRequest = CountedXhr;

interface Host {
  child: ChildProcess;
  baseUrl: string;
}

interface Chat {
  index: number;
  conversationId: string;
  customer: DirectLineClient;
  agent: { id: string; token: string };
}

function startHost(): Promise<Host> {
  const child = fork(__filename, ['--serve'], { execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the host process exited with ${code}`)));
    child.on('message', (message: { ready?: boolean; baseUrl?: string }) => {
      if (message.ready && message.baseUrl) resolve({ child, baseUrl: message.baseUrl });
    });
  });
}

let asked = 0;
function ask(host: Host, question: Record<string, unknown>): Promise<HostAnswer> {
  const id = ++asked;
  return new Promise((resolve) => {
    const onMessage = (answer: HostAnswer) => {
      if (answer.answer !== id) return;
      host.child.off('message', onMessage);
      resolve(answer);
    };
    host.child.on('message', onMessage);
    host.child.send({ ...question, ask: id });
  });
}

/** Agent messages awaited by the customers' clients, by their (unique) text: when each was posted. */
const awaited = new Map<string, (receivedAt: number) => void>();

function connect(host: Host, chat: Pick<Chat, 'index' | 'conversationId'>, options: { token: string; webSocket: boolean; resume: boolean }): DirectLineClient {
  const customer = new DirectLineClient(host.baseUrl, {
    token: options.token, webSocket: options.webSocket, pollingInterval: WEB_CHAT_POLLING_INTERVAL_IN_MS,
    ...(options.resume ? { conversationId: chat.conversationId } : {}),
  }, chat.conversationId);
  customer.directLine.activity$.subscribe({
    next: (activity) => {
      const text = (activity as unknown as Activity).text;
      if (text !== undefined) awaited.get(text)?.(nowInMs());
    },
    // Ending a client ends its stream with "conversation ended"; a failed one shows as missed messages.
    error: () => undefined,
  });
  return customer;
}

const joined = (a: Activity) => /joined the chat/.test(a.text ?? '');

/** A visitor of the sample site connects, asks the demo bot about a credit card, and an agent joins. */
async function openChat(host: Host, index: number): Promise<Omit<Chat, 'agent'>> {
  const { token, conversationId } = await visitorToken(host.baseUrl, { name: `Customer ${index}` });
  const customer = connect(host, { index, conversationId }, { token, webSocket: false, resume: false });
  await customer.received(`chat ${index}: the greeting`, (a) => a.from?.role === 'bot' && /demo bot/.test(a.text ?? ''), 60_000);
  await customer.post({ type: 'message', text: 'I need a credit card' });
  await customer.received(`chat ${index}: an agent joining`, joined, 60_000);
  return { index, conversationId, customer };
}

/** Which agent holds each chat, as the agents themselves list them. */
async function assignees(host: Host): Promise<Map<string, { id: string; token: string }>> {
  const held = new Map<string, { id: string; token: string }>();
  for (const user of benchDirectLineConfig().users) {
    if (user.kind !== 'agent' || !user.token) continue;
    const agent = { id: user.id, token: user.token };
    const response = await fetch(`${host.baseUrl}/api/agents/${agent.id}/conversations`, { headers: { authorization: `Bearer ${agent.token}` } });
    if (response.status !== 200) throw new Error(`GET /api/agents/${agent.id}/conversations: ${response.status} ${await response.text()}`);
    for (const c of ((await response.json()) as { conversations: { id: string }[] }).conversations) held.set(c.id, agent);
  }
  return held;
}

async function openChats(host: Host, from: number, count: number): Promise<Chat[]> {
  const opened: Omit<Chat, 'agent'>[] = [];
  for (let i = from; i < from + count; i += SETUP_BATCH) {
    const batch = Array.from({ length: Math.min(SETUP_BATCH, from + count - i) }, (_, j) => openChat(host, i + j));
    opened.push(...(await Promise.all(batch)));
  }
  const held = await assignees(host);
  return opened.map((chat) => {
    const agent = held.get(chat.conversationId);
    if (!agent) throw new Error(`chat ${chat.index} (${chat.conversationId}) is held by no agent`);
    return { ...chat, agent };
  });
}

interface Exchange {
  /** ms from the customer's POST to the agent API's page that first holds the message. */
  toAgent: number[];
  /** ms from the agent's POST to the customer's DLJS emitting the activity. */
  toCustomer: number[];
  /** ms each agent read took (the resolution of toAgent). */
  agentReads: number[];
  /** How late this process started its turns (ms): a busy client would lengthen every figure. */
  lateness: number[];
  missed: number;
}

/** The agent side reads the chat until the customer's message is there. */
async function agentSees(host: Host, chat: Chat, text: string, exchange: Exchange, deadline: number): Promise<number | undefined> {
  while (nowInMs() < deadline) {
    const started = nowInMs();
    const response = await fetch(`${host.baseUrl}/api/agents/${chat.agent.id}/conversations/${chat.conversationId}/messages?limit=500`, { headers: { authorization: `Bearer ${chat.agent.token}` } });
    const page = (await response.json()) as { messages?: { text: string }[] };
    const seenAt = nowInMs();
    exchange.agentReads.push(seenAt - started);
    if (page.messages?.some((m) => m.text === text)) return seenAt;
    await sleep(AGENT_POLL_GAP_IN_MS);
  }
  return undefined;
}

async function customerTurn(host: Host, chat: Chat, text: string, exchange: Exchange): Promise<void> {
  const sentAt = nowInMs();
  const posted = chat.customer.post({ type: 'message', text }).catch(() => undefined);
  const seenAt = await agentSees(host, chat, text, exchange, sentAt + DELIVERY_DEADLINE_IN_MS);
  await posted;
  if (seenAt === undefined) exchange.missed++;
  else exchange.toAgent.push(seenAt - sentAt);
}

async function agentTurn(host: Host, chat: Chat, text: string, exchange: Exchange): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const received = new Promise<number | undefined>((resolve) => {
    awaited.set(text, resolve);
    timer = setTimeout(() => resolve(undefined), DELIVERY_DEADLINE_IN_MS);
  });
  const sentAt = nowInMs();
  const response = await fetch(`${host.baseUrl}/api/agents/${chat.agent.id}/conversations/${chat.conversationId}/messages`, {
    method: 'POST', headers: { authorization: `Bearer ${chat.agent.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text }),
  });
  await response.text();
  const receivedAt = response.status === 202 ? await received : undefined;
  clearTimeout(timer);
  awaited.delete(text);
  if (receivedAt === undefined) exchange.missed++;
  else exchange.toCustomer.push(receivedAt - sentAt);
}

/**
 * Every chat converses for `seconds`: the customer writes at its own phase of the period (chats spread
 * evenly over it), the agent answers half a period (and up to a second) later. Turns start on an absolute schedule.
 */
async function converse(host: Host, chats: readonly Chat[], periodInMs: number, seconds: number, label: string): Promise<Exchange> {
  const exchange: Exchange = { toAgent: [], toCustomer: [], agentReads: [], lateness: [], missed: 0 };
  const start = nowInMs() + 200;
  const rounds = Math.floor((seconds * 1000) / periodInMs);
  const at = (dueAt: number, turn: () => Promise<void>) => sleep(Math.max(0, dueAt - nowInMs())).then(() => {
    exchange.lateness.push(nowInMs() - dueAt);
    return turn();
  });
  const turns: Promise<void>[] = [];
  // The agent answers up to one polling interval late, at random: with plain polling each client's polls keep the
  // phase of its last answer, so answers exactly half a period later would always land just after a poll.
  const jitter = seededRandom(7);
  chats.forEach((chat, i) => {
    for (let k = 0; k < rounds; k++) {
      const dueAt = start + k * periodInMs + (i / chats.length) * periodInMs;
      turns.push(at(dueAt, () => customerTurn(host, chat, `${label}: customer ${chat.index}.${k}`, exchange)));
      turns.push(at(dueAt + periodInMs / 2 + jitter() * WEB_CHAT_POLLING_INTERVAL_IN_MS, () => agentTurn(host, chat, `${label}: agent ${chat.index}.${k}`, exchange)));
    }
  });
  await Promise.all(turns);
  console.log(`${label}: customer -> agent p50 ${fmt(percentile(exchange.toAgent, 50), 1)} ms, p99 ${fmt(percentile(exchange.toAgent, 99), 1)} ms (${exchange.toAgent.length}); agent -> customer p50 ${fmt(percentile(exchange.toCustomer, 50), 1)} ms, p99 ${fmt(percentile(exchange.toCustomer, 99), 1)} ms (${exchange.toCustomer.length})${exchange.missed ? `; ${exchange.missed} missed` : ''}`);
  return exchange;
}

interface Idle {
  cpuMsPerS: number;
  requestsPerS: number;
}

/** Nothing happens for IDLE_SECONDS: the host's CPU per second, and the clients' requests per second. */
async function idle(host: Host, label: string): Promise<Idle> {
  const before = (await ask(host, { cpu: true })).cpuInUs ?? NaN;
  const requests = traffic.requests;
  const startedAt = nowInMs();
  await sleep(IDLE_SECONDS * 1000);
  const after = (await ask(host, { cpu: true })).cpuInUs ?? NaN;
  const seconds = (nowInMs() - startedAt) / 1000;
  const result = { cpuMsPerS: (after - before) / 1000 / seconds, requestsPerS: (traffic.requests - requests) / seconds };
  console.log(`idle, ${label}: host CPU ${fmt(result.cpuMsPerS, 2)} ms/s, ${fmt(result.requestsPerS, 1)} requests/s`);
  return result;
}

const endAll = (chats: readonly Chat[]) => chats.forEach((chat) => chat.customer.end());

/** The same conversations, their clients replaced: a reload of each page, in WebSocket mode. */
async function reconnectOverWebSockets(host: Host, chats: readonly Chat[]): Promise<Chat[]> {
  const tokens = chats.map((chat) => chat.customer.token);
  endAll(chats);
  const streaming = chats.map((chat, i) => ({ ...chat, customer: connect(host, chat, { token: tokens[i] as string, webSocket: true, resume: true }) }));
  const deadline = nowInMs() + 60_000;
  while (((await ask(host, { streams: true })).streams ?? 0) < chats.length) {
    if (nowInMs() > deadline) throw new Error(`fewer than ${chats.length} streams opened within 60 s`);
    await sleep(200);
  }
  return streaming;
}

const ms = (n: number) => `${fmt(n, 1)} ms`;
const spread = (samples: readonly number[]) => `p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}, max ${ms(Math.max(...samples))}`;

export async function main(): Promise<BenchReport> {
  const host = await startHost();
  const notes: string[] = [];
  let chats: Chat[] = [];
  try {
    // Warm-up: JIT, the demo bot's first turns, SQLite caches. Its chats are left open and idle.
    const warmUp = await openChats(host, 1000, 5);
    await converse(host, warmUp, BASELINE_PERIOD_IN_MS, 5, 'warm-up');
    endAll(warmUp);
    await sleep(12_000);
    const noClientsBefore = await idle(host, 'no clients, before');

    const setupStarted = nowInMs();
    chats = await openChats(host, 0, 1);
    // The agent's "joined" came on a GET: let the client settle into a held one, as it is between messages.
    await sleep(2_000);
    const one = await converse(host, chats, BASELINE_PERIOD_IN_MS, BASELINE_SECONDS, '1 chat, held GET');
    chats.push(...(await openChats(host, 1, CHATS - 1)));
    console.log(`setup: ${CHATS} chats connected, greeted by the demo bot, escalated and assigned in ${fmt((nowInMs() - setupStarted) / 1000, 1)} s (the 1-chat phase included)`);

    const idleHeld = await idle(host, `${CHATS} held GETs`);
    const held = await converse(host, chats, PERIOD_IN_MS, LOAD_SECONDS, `${CHATS} chats, held GET`);

    await ask(host, { longPollSeconds: 0 });
    // The GETs held already answer within the old hold; then every client polls once a second.
    await sleep(11_000);
    const idlePlain = await idle(host, `${CHATS} clients polling every 1 s (longPollSeconds: 0)`);
    const plain = await converse(host, chats, PERIOD_IN_MS, LOAD_SECONDS, `${CHATS} chats, plain 1 s polling`);
    await ask(host, { longPollSeconds: benchDirectLineConfig().directLine.longPollSeconds });

    chats = await reconnectOverWebSockets(host, chats);
    // The old clients' GETs, still held at the host, answer within the hold.
    await sleep(11_000);
    const requestsBefore = traffic.requests;
    const idleStreams = await idle(host, `${CHATS} open WebSocket streams`);
    const stream = await converse(host, chats, PERIOD_IN_MS, LOAD_SECONDS, `${CHATS} chats, WebSocket`);
    const requestsOverStreams = traffic.requests - requestsBefore;
    endAll(chats);
    await sleep(2_000);
    const noClientsAfter = await idle(host, 'no clients, after');

    const noClients = (noClientsBefore.cpuMsPerS + noClientsAfter.cpuMsPerS) / 2;
    const per100 = (i: Idle) => ((i.cpuMsPerS - noClients) * 100) / CHATS;
    const perRequest = (i: Idle) => (i.cpuMsPerS - noClients) / i.requestsPerS;
    const missed = [one, held, plain, stream].reduce((n, e) => n + e.missed, 0);
    if (missed > 0) notes.push(`WARNING: ${missed} messages were not seen within ${DELIVERY_DEADLINE_IN_MS / 1000} s; they are not in the figures`);
    const failed = [...traffic.failed].map(([status, n]) => `${n} x ${status}`).join(', ');
    if (failed) notes.push(`WARNING: DLJS requests answered non-2xx: ${failed} (one such answer stops a polling client for good)`);

    const p = (e: Exchange, which: 'toAgent' | 'toCustomer', q: number) => percentile(e[which], q);
    const rows: BenchRow[] = [
      {
        metric: `customer POST activity -> in the agent API's page, p50 (${CHATS} chats)`,
        value: ms(p(held, 'toAgent', 50)),
        baseline: `${ms(p(one, 'toAgent', 50))} (1 chat)`,
        ratio: ratioText(p(held, 'toAgent', 50) / p(one, 'toAgent', 50)),
        target: 'report',
        met: true,
      },
      {
        metric: `customer POST activity -> in the agent API's page, p99 (${CHATS} chats)`,
        value: `${ms(p(held, 'toAgent', 99))} (max ${ms(Math.max(...held.toAgent))})`,
        baseline: `${ms(p(one, 'toAgent', 99))} (1 chat)`,
        ratio: ratioText(p(held, 'toAgent', 99) / p(one, 'toAgent', 99)),
        target: '<= 100 ms',
        met: p(held, 'toAgent', 99) <= 100,
      },
      {
        metric: `agent POST message -> emitted by the customer's DLJS, held GET, p50 (${CHATS} chats)`,
        value: ms(p(held, 'toCustomer', 50)),
        baseline: `${ms(p(one, 'toCustomer', 50))} (1 chat)`,
        ratio: ratioText(p(held, 'toCustomer', 50) / p(one, 'toCustomer', 50)),
        target: 'report',
        met: true,
      },
      {
        metric: `agent POST message -> emitted by the customer's DLJS, held GET, p99 (${CHATS} chats)`,
        value: `${ms(p(held, 'toCustomer', 99))} (max ${ms(Math.max(...held.toCustomer))})`,
        baseline: `${ms(p(one, 'toCustomer', 99))} (1 chat)`,
        ratio: ratioText(p(held, 'toCustomer', 99) / p(one, 'toCustomer', 99)),
        target: '<= 100 ms',
        met: p(held, 'toCustomer', 99) <= 100,
      },
      {
        metric: `agent POST message -> emitted by DLJS over the WebSocket stream (${CHATS} chats)`,
        value: spread(stream.toCustomer),
        baseline: `p50 ${ms(p(held, 'toCustomer', 50))}, p99 ${ms(p(held, 'toCustomer', 99))} (held GET)`,
        ratio: `${ratioText(p(stream, 'toCustomer', 99) / p(held, 'toCustomer', 99))} p99`,
        target: 'report',
        met: true,
      },
      {
        metric: `agent POST message -> emitted by DLJS, plain 1 s polling, longPollSeconds: 0 (${CHATS} chats)`,
        value: spread(plain.toCustomer),
        baseline: `p50 ${ms(p(held, 'toCustomer', 50))}, p99 ${ms(p(held, 'toCustomer', 99))} (held GET)`,
        ratio: `${ratioText(p(plain, 'toCustomer', 50) / p(held, 'toCustomer', 50))} p50`,
        target: 'report',
        met: true,
      },
      {
        metric: `host CPU while idle, ${CHATS} held GETs (longPollSeconds: 10)`,
        value: `${fmt(idleHeld.cpuMsPerS, 2)} ms/s, ${fmt(idleHeld.requestsPerS, 1)} req/s`,
        baseline: `${fmt(noClients, 2)} ms/s (no clients)`,
        ratio: `${fmt(per100(idleHeld), 2)} ms/s per 100 held GETs (${fmt(perRequest(idleHeld), 2)} ms per answered GET)`,
        // Held, a GET costs nothing; it is answered (empty) and asked again every longPollSeconds. So 200 held
        // GETs must cost a fraction of 200 clients polling each second: at most two of the ten polls it replaces.
        target: '<= 0.2x the plain polling\'s',
        met: per100(idleHeld) <= 0.2 * per100(idlePlain),
      },
      {
        metric: `host CPU while idle, ${CHATS} clients polling every 1 s (longPollSeconds: 0)`,
        value: `${fmt(idlePlain.cpuMsPerS, 2)} ms/s, ${fmt(idlePlain.requestsPerS, 1)} req/s`,
        baseline: `${fmt(noClients, 2)} ms/s (no clients)`,
        ratio: `${fmt(per100(idlePlain), 2)} ms/s per 100 clients (${fmt(perRequest(idlePlain), 2)} ms per answered GET)`,
        target: 'report',
        met: true,
      },
      {
        metric: `host CPU while idle, ${CHATS} open WebSocket streams`,
        value: `${fmt(idleStreams.cpuMsPerS, 2)} ms/s, ${fmt(idleStreams.requestsPerS, 1)} req/s`,
        baseline: `${fmt(noClients, 2)} ms/s (no clients)`,
        ratio: `${fmt(per100(idleStreams), 2)} ms/s per 100 streams`,
        target: 'report',
        met: true,
      },
    ];
    notes.push(`clients: ${CHATS} instances of botframework-directlinejs 0.15.5 (Web Chat 4.18.1's) in this process on xhr2 and ws, polling at their default ${WEB_CHAT_POLLING_INTERVAL_IN_MS} ms (one GET at a time, the next interval - elapsed after the answer); the host in a child process of its own, so its CPU (process.cpuUsage() over IPC) is its alone; the demo bot over HTTP on the host's port; ${AGENTS} agents of capacity ${CAPACITY} in CreditCardQueue; the host's data: ${BENCH_STORAGE}`);
    notes.push(`each chat: the customer posts through DLJS, half a period and a random part of a second later the agent posts through the agent API (POST /api/agents/{id}/conversations/{id}/messages); ${CHATS} chats every ${PERIOD_IN_MS / 1000} s for ${LOAD_SECONDS} s (${fmt((2 * CHATS * 1000) / PERIOD_IN_MS)} messages/s); the 1-chat baseline every ${BASELINE_PERIOD_IN_MS / 1000} s for ${BASELINE_SECONDS} s, before the other ${CHATS - 1} connect`);
    notes.push(`customer -> agent: the bench's agent side reads GET /api/agents/{id}/conversations/{id}/messages right after the POST and ${AGENT_POLL_GAP_IN_MS} ms after each answer until the message is there: the figure is late by up to one read (agent reads p50 ${ms(median(held.agentReads))}, p99 ${ms(percentile(held.agentReads, 99))} at ${CHATS} chats) plus ${AGENT_POLL_GAP_IN_MS} ms`);
    notes.push(`this process started its turns late by p99 ${ms(percentile([...one.lateness, ...held.lateness, ...plain.lateness, ...stream.lateness], 99))} (a busy client would lengthen every figure); over the streams the clients made ${requestsOverStreams} HTTP requests (the resumes and the posts)`);
    notes.push(`idle: ${IDLE_SECONDS} s each; no clients: ${fmt(noClientsBefore.cpuMsPerS, 2)} ms/s before the chats, ${fmt(noClientsAfter.cpuMsPerS, 2)} ms/s after the clients ended (baseline: their mean; what an idle host costs is mostly the embedded bus's processors looking for due messages every 15 ms); a held GET answers empty after 10 s and DLJS asks again at once, so 200 held GETs are 20 requests/s`);
    return { name: 'Direct Line (local host)', command: COMMAND, machine: machine(), rows, notes };
  } finally {
    if (traffic.failed.size > 0) console.log(`DLJS requests answered non-2xx: ${[...traffic.failed].map(([status, n]) => `${n} x ${status}`).join(', ')}\n${[...traffic.reasons].slice(0, 10).join('\n')}`);
    endAll(chats);
    host.child.kill('SIGINT');
    await sleep(500);
  }
}

if (process.argv.includes('--serve')) {
  serveUntilParentLeaves(serveHost, closeHost);
} else {
  runIfMain(module, main);
}
