import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmosContainers';
import { createCosmosClient } from '../../shared/adapters/cosmos/createCosmosClient';
import type { AgentUser, BotUser, Config } from '../../shared/core/config';
import { emptyHour, foldHour, HOUR_MS, insightLogEvents, nextHour, summarizeInsights, type HourAggregate, type InsightEvent, type InsightsQuery } from '../../shared/core/insights';
import { hourOf } from '../../shared/core/queueBoard';
import type { AzureSettings } from '../../shared/host/azure/azureSettings';
import { DEFAULT_ADMISSION } from '../../shared/host/local/admission';
import { startCloudHost, type LocalHost } from '../../shared/host/local/localHost';
import type { InsightsStore } from '../../shared/ports/insightsStore';
import { QUEUES } from '../../shared/ports/messageBus';
import { conversationCommandMessage } from '../../shared/usecases/commands';
import { readInsights, recordInsights, sealInsightHours } from '../../shared/usecases/insights';
import type { Services } from '../../shared/usecases/services';
import { startCosmosServer, type CosmosCall, type CosmosTestServer } from '../fixtures/cosmosServer';
import { startServiceBusBroker } from '../fixtures/serviceBusBroker';
import { collectGarbage, fmt, machine, median, nowInMs, percentile, ratioText, runIfMain, seededRandom, type BenchReport, type BenchRow } from './benchSupport';
import { BENCH_STORAGE, benchConfig, configWithAgents, observeConversationWrites, startBenchHost } from './benchHost';

/**
 * What the insights cost (part 9, issue 14: "reading a month of insights does not scan every event on each
 * request"). A month of traffic is recorded into the insights store as the system records it (recordInsights
 * per committed change, on a clock the bench moves, the sweep sealing each hour 6 minutes after its end), on
 * SQLite (the local host's data file) and on Cosmos DB (@vercel/cosmosdb-server, as the tests run it). Then:
 * (a) GET /api/insights over HTTP for the last 24 h, 7 days and 30 days, by hour and by day: latency, and on
 *     Cosmos DB the requests each read makes, counted at the server, and whether any crossed partitions;
 * (b) the same reads in process against the baseline the design avoids: every hour's raw log folded on every
 *     read (same store, same run), with the two answers checked equal;
 * (c) the write side: what recordInsights adds per chat on the command path (chats through the local host's
 *     bus with the real insights store against a store that keeps nothing, interleaved rounds), its Cosmos DB
 *     requests per chat, and the sweep's sealing time per hour;
 * (d) heap while reading 30 days, design against baseline.
 *
 * The traffic: each chat is one of the seven chats of test/fixtures/insights/day-of-traffic.events.json (the
 * day the KPIs are proven with: resolved by the bot, abandoned with it, escalated and answered, rejected,
 * expired and transferred, abandoned in the queue, idle with the bot, answered in 50 s), its changes at the
 * same offsets, cast onto one of three workstreams (each its own bot, queues and 12 agents), at a seeded
 * random time of its day.
 */

const COMMAND = 'npm run bench -- insights';
const DAYS = 30;
const SQLITE_CHATS_PER_DAY = Number(process.env.BENCH_INSIGHTS_CHATS_PER_DAY ?? 2000);
/**
 * Far fewer on Cosmos DB: the test server keeps each container in memory and scans all of it for every query,
 * so its time per request grows with what it holds (at 20 chats a day, the month's last day took 10 times the
 * first day's time for the same requests). The request counts are what carries over to Azure, not its latencies.
 */
const COSMOS_CHATS_PER_DAY = Number(process.env.BENCH_INSIGHTS_COSMOS_CHATS_PER_DAY ?? 20);
const AGENTS_PER_WORKSTREAM = 12;
const FIXTURE = join(__dirname, '../fixtures/insights/day-of-traffic.events.json');
/** The sweep runs once a minute; an hour is sealed once its grace (5 min) is over: here, 6 min after its end. */
const SEAL_AFTER_HOUR_MS = 6 * 60_000;
/** The traffic ends this long before the bench starts reading, so the last chats are over. */
const QUIET_BEFORE_NOW_MS = 15 * 60_000;
const HTTP_READS = { sqlite: 30, cosmos: 10 };
const DESIGN_READS = { sqlite: 30, cosmos: 5 };
const BASELINE_READS = { sqlite: 3, cosmos: 1 };
/** Shedding on the event loop's delay and utilization off, as in the other benches: the bench's own load would trip it. */
const ADMISSION = { ...DEFAULT_ADMISSION, maxEventLoopUtilization: 1, maxEventLoopDelayInMs: Number.POSITIVE_INFINITY };
const COMMAND_PATH_ROUNDS = 3;
const COMMAND_PATH_CHATS = Number(process.env.BENCH_INSIGHTS_COMMAND_CHATS ?? 2000);
const LOG_PAGE = 500;

interface Workstream {
  name: string;
  prefix: string;
  bot: string;
  agents: string[];
}

const WORKSTREAMS: Workstream[] = ['Chat', 'Sales', 'Service'].map((w, i) => ({
  name: `${w}WorkStream`,
  prefix: i === 0 ? '' : w,
  bot: i === 0 ? 'demo-bot' : `${w.toLowerCase()}-bot`,
  agents: Array.from({ length: AGENTS_PER_WORKSTREAM }, (_, a) => `${w.toLowerCase()}-agent-${a}`),
}));

/** The sample configuration with two more workstreams like ChatWorkStream, each with its bot, its queues and its agents. */
function insightsConfig(): Config {
  return benchConfig((config) => {
    const [chat] = config.workstreams;
    if (!chat) throw new Error('the sample has a workstream');
    const sampleQueues = config.queues.map((q) => structuredClone(q));
    for (const ws of WORKSTREAMS) {
      const agents: AgentUser[] = ws.agents.map((id) => ({ id, kind: 'agent', name: id, capacity: 2, presence: 'Offline' }));
      config.users.push(...agents);
      if (ws.prefix === '') continue;
      const bot: BotUser = { ...(config.users.find((u) => u.kind === 'bot') as BotUser), id: ws.bot, name: ws.bot };
      config.users.push(bot);
      config.workstreams.push({ ...structuredClone(chat), name: ws.name, fallbackQueue: ws.prefix + chat.fallbackQueue, rules: chat.rules.map((r) => ({ ...structuredClone(r), name: ws.prefix + r.name, queue: ws.prefix + r.queue })) });
      config.queues.push(...sampleQueues.map((q) => ({ ...q, name: ws.prefix + q.name, members: q.name === 'BotQueue' ? [ws.bot] : ws.agents })));
    }
  });
}

// ---------------------------------------------------------------- the traffic

interface TemplateChange {
  offsetMs: number;
  events: InsightEvent[];
}

interface Change {
  at: number;
  workstream: string;
  key: string;
  /** The chat's first change. */
  first: boolean;
  events: InsightEvent[];
}

interface FixtureEvent {
  timestamp: string;
  name: string;
  properties: Record<string, string>;
  measurements: Record<string, number>;
}

/** The fixture's chats, each as its changes (its events grouped by instant) at offsets from its start. */
function chatTemplates(): TemplateChange[][] {
  const events = JSON.parse(readFileSync(FIXTURE, 'utf8')) as FixtureEvent[];
  const chats = new Map<string, FixtureEvent[]>();
  for (const event of events) {
    const id = event.properties.conversationId;
    if (id) chats.set(id, [...(chats.get(id) ?? []), event]);
  }
  return [...chats.values()].map((chat) => {
    const start = Date.parse(chat[0]!.timestamp);
    const changes: TemplateChange[] = [];
    for (const event of chat) {
      const offsetMs = Date.parse(event.timestamp) - start;
      const last = changes.at(-1);
      const inserted: InsightEvent = { name: event.name, properties: event.properties, measurements: event.measurements };
      if (last && last.offsetMs === offsetMs) last.events.push(inserted);
      else changes.push({ offsetMs, events: [inserted] });
    }
    return changes;
  });
}

/** One chat of a template on a workstream: its names (conversation, workstream, queues, rules, bot, agents) its own. */
function castChat(template: TemplateChange[], ws: Workstream, startMs: number, random: () => number): Change[] {
  const conversationId = randomUUID();
  const agents = new Map<string, string>();
  const rename = (key: string, value: string): string => {
    switch (key) {
      case 'conversationId': return conversationId;
      case 'workstream': return ws.name;
      case 'queue': case 'fromQueue': case 'rule': return ws.prefix + value;
      case 'bot': return ws.bot;
      case 'agent': {
        if (!agents.has(value)) agents.set(value, ws.agents[Math.floor(random() * ws.agents.length)]!);
        return agents.get(value)!;
      }
      default: return value;
    }
  };
  return template.map((change, index) => ({
    at: startMs + change.offsetMs,
    workstream: ws.name,
    key: `${conversationId}:${index}`,
    first: index === 0,
    events: change.events.map((e) => ({ ...e, properties: Object.fromEntries(Object.entries(e.properties).map(([k, v]) => [k, rename(k, String(v))])) })),
  }));
}

/** The month's changes day by day, in time order (a day's chats may end in the next one). */
function* monthOfChanges(startMs: number, endMs: number, chatsPerDay: number, seed: number): Generator<Change[]> {
  const random = seededRandom(seed);
  const templates = chatTemplates();
  const longest = Math.max(...templates.map((t) => t.at(-1)!.offsetMs));
  let spill: Change[] = [];
  for (let dayStart = startMs; dayStart < endMs; dayStart += 24 * HOUR_MS) {
    const dayEnd = Math.min(dayStart + 24 * HOUR_MS, endMs);
    const chatsToday = Math.round((chatsPerDay * (dayEnd - dayStart)) / (24 * HOUR_MS));
    const changes = [...spill];
    for (let i = 0; i < chatsToday; i++) {
      const chatStart = dayStart + Math.floor(random() * (dayEnd - dayStart - (dayEnd === endMs ? longest : 0)));
      const ws = WORKSTREAMS[Math.floor(random() * WORKSTREAMS.length)]!;
      changes.push(...castChat(templates[Math.floor(random() * templates.length)]!, ws, chatStart, random));
    }
    changes.sort((a, b) => a.at - b.at);
    spill = changes.filter((c) => c.at >= dayEnd);
    yield changes.filter((c) => c.at < dayEnd);
  }
  if (spill.length) yield spill;
}

// ---------------------------------------------------------------- loading a month

interface Load {
  chats: number;
  changes: number;
  /** Log events appended (the counted ones). */
  events: number;
  recordMs: number;
  /** Each sweep's sealing time (ms) and the workstream-hours it sealed. */
  seals: { ms: number; sealed: number }[];
  recordCalls: number;
  sealCalls: number;
  wallMs: number;
}

/**
 * Records a month ending QUIET_BEFORE_NOW_MS before now, as the command path does (each change's events through
 * recordInsights, the clock at the change's time), the sweep sealing every hour once its grace is over; then a
 * last sweep at the real now, as the once-a-minute sweep would have run.
 */
async function loadMonth(store: InsightsStore, config: Config, chatsPerDay: number, calls: () => number): Promise<Load> {
  let t = 0;
  const s = { config, insights: store, clock: { now: () => new Date(t) } } as unknown as Services;
  const endMs = Date.now() - QUIET_BEFORE_NOW_MS;
  const startMs = Date.parse(hourOf(new Date(endMs - DAYS * 24 * HOUR_MS).toISOString()));
  const load: Load = { chats: 0, changes: 0, events: 0, recordMs: 0, seals: [], recordCalls: 0, sealCalls: 0, wallMs: 0 };
  const started = nowInMs();
  let nextSealAt = startMs + HOUR_MS + SEAL_AFTER_HOUR_MS;
  const seal = async (at: number) => {
    t = at;
    const before = calls();
    const began = nowInMs();
    const { sealed } = await sealInsightHours(s);
    load.seals.push({ ms: nowInMs() - began, sealed });
    load.sealCalls += calls() - before;
  };
  let day = 0;
  for (const changes of monthOfChanges(startMs, endMs, chatsPerDay, 14)) {
    for (const change of changes) {
      while (change.at >= nextSealAt) {
        await seal(nextSealAt);
        nextSealAt += HOUR_MS;
      }
      t = change.at;
      const events = insightLogEvents(change.workstream, new Date(change.at).toISOString(), change.key, change.events);
      if (change.first) load.chats++;
      load.changes++;
      load.events += events.length;
      const before = calls();
      const began = nowInMs();
      await recordInsights(s, events);
      load.recordMs += nowInMs() - began;
      load.recordCalls += calls() - before;
    }
    if (++day % (process.env.BENCH_INSIGHTS_PROGRESS ? 1 : 5) === 0) console.log(`  day ${day}: ${fmt(load.chats)} chats, ${fmt(load.events)} log events, ${fmt((nowInMs() - started) / 1000, 1)} s${load.recordCalls ? `, ${fmt(load.recordCalls)} requests recording and ${fmt(load.sealCalls)} sealing` : ''}`);
  }
  for (; nextSealAt <= Date.now(); nextSealAt += HOUR_MS) await seal(nextSealAt);
  await seal(Date.now());
  load.wallMs = nowInMs() - started;
  return load;
}

// ---------------------------------------------------------------- reading

interface Range {
  label: string;
  hours: number;
  granularity: 'hour' | 'day';
}

const RANGES: Range[] = [
  { label: 'last 24 h, by hour', hours: 24, granularity: 'hour' },
  { label: 'last 7 days, by hour', hours: 7 * 24, granularity: 'hour' },
  { label: 'last 7 days, by day', hours: 7 * 24, granularity: 'day' },
  { label: 'last 30 days, by hour', hours: 30 * 24, granularity: 'hour' },
  { label: 'last 30 days, by day', hours: 30 * 24, granularity: 'day' },
];

/** The range as GET /api/insights reads it: whole hours, to the end of the current one. */
function queryOf(range: Range): InsightsQuery {
  const to = nextHour(hourOf(new Date().toISOString()));
  return { from: new Date(Date.parse(to) - range.hours * HOUR_MS).toISOString(), to, granularity: range.granularity };
}

const http = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET; a keep-alive socket the server closed as it was reused (ECONNRESET before any answer) is asked again once, on a new one. */
function get(baseUrl: string, path: string, token: string, resent = false): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { agent: http, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && error.code === 'ECONNRESET' && !resent) resolve(get(baseUrl, path, token, true));
      else reject(error);
    });
    req.end();
  });
}

/** What the handler does after the credentials and the query: read, summarize (readInsights does), serialize. */
async function designRead(s: Services, query: InsightsQuery): Promise<string> {
  const { summary } = await readInsights(s, query);
  return JSON.stringify(summary);
}

/** The baseline the design avoids: every hour of every workstream folded from its raw log, on every read. */
async function baselineRead(s: Services, query: InsightsQuery): Promise<string> {
  const now = hourOf(new Date().toISOString());
  const hours: HourAggregate[] = [];
  for (const { name } of s.config.workstreams) {
    for (let hour = query.from; hour < query.to && hour <= now; hour = nextHour(hour)) {
      let folded = emptyHour(name, hour);
      for (;;) {
        const page = await s.insights.read(`insights:${name}:${hour}`, { after: folded.throughSeq, limit: LOG_PAGE });
        if (page.truncated || page.events.length === 0) break;
        folded = foldHour(folded, page.events);
        if (folded.throughSeq >= page.head) break;
      }
      if (folded.throughSeq > 0) hours.push(folded);
    }
  }
  return JSON.stringify(summarizeInsights(hours, query, s.config.insights.serviceLevelSeconds));
}

interface Sampled {
  ms: number[];
  /** Cosmos DB requests of each read, and what they were. */
  requests: number[];
  kinds: Map<string, number>;
  /** Queries that named no partition key. */
  unpartitioned: number;
  bytes: number;
}

function kindOf(call: CosmosCall): string {
  const container = /\/colls\/([^/]+)/.exec(call.url)?.[1] ?? 'account';
  const what = call.queryPlan ? 'query plan' : call.query ? 'query' : call.method === 'GET' ? 'point read' : call.method;
  return `${container} ${what}`;
}

/** Repeats a read, timing each, and (on Cosmos DB) classifying the requests the server received during it. */
async function sample(times: number, read: () => Promise<number>, cosmos: CosmosTestServer | undefined): Promise<Sampled> {
  const out: Sampled = { ms: [], requests: [], kinds: new Map(), unpartitioned: 0, bytes: 0 };
  for (let i = 0; i < times; i++) {
    const from = cosmos?.calls.length ?? 0;
    const began = nowInMs();
    out.bytes = await read();
    out.ms.push(nowInMs() - began);
    if (!cosmos) continue;
    const calls = cosmos.calls.slice(from).filter((c) => /\/colls\/insight/.test(c.url));
    out.requests.push(calls.length);
    for (const call of calls) {
      out.kinds.set(kindOf(call), (out.kinds.get(kindOf(call)) ?? 0) + 1);
      // The SDK sends enablecrosspartition: true with every query, even one that names its partition key: only a
      // query without a key is cross-partition.
      if (call.query && !call.queryPlan && call.partitionKey === undefined) out.unpartitioned++;
    }
  }
  return out;
}

// ---------------------------------------------------------------- memory

/** The store with the heap sampled as each of its calls returns: the read's peak, between its awaits. */
function heapSampled(store: InsightsStore, peak: { bytes: number }): InsightsStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        peak.bytes = Math.max(peak.bytes, getHeapStatistics().used_heap_size);
        return result;
      };
    },
  });
}

interface Heap {
  /** Heap above the collected baseline at the read's highest sample (garbage not yet collected included). */
  peak: number;
  /** Heap still held after a full collection, holding the read's answer. */
  retained: number;
}

async function heapOf(s: Services, read: (s: Services, query: InsightsQuery) => Promise<string>, query: InsightsQuery): Promise<Heap> {
  collectGarbage();
  const base = getHeapStatistics().used_heap_size;
  const peak = { bytes: base };
  const sampled = { config: s.config, clock: s.clock, insights: heapSampled(s.insights, peak) } as unknown as Services;
  const answer = await read(sampled, query);
  peak.bytes = Math.max(peak.bytes, getHeapStatistics().used_heap_size);
  collectGarbage();
  const retained = getHeapStatistics().used_heap_size - base;
  if (answer.length === 0) throw new Error('an empty answer');
  return { peak: peak.bytes - base, retained };
}

// ---------------------------------------------------------------- one store, loaded and read

interface StoreOutcome {
  label: string;
  load: Load;
  http: Map<string, Sampled>;
  design: Map<string, Sampled>;
  baseline: Map<string, Sampled>;
  heap: { design: Heap; baseline: Heap };
  /** Aggregate documents and their total size in the store after the month. */
  aggregates: { documents: number; bytes: number };
}

interface Served {
  baseUrl: string;
  services: Services;
}

async function measureStore(label: string, host: Served, chatsPerDay: number, cosmos: CosmosTestServer | undefined): Promise<StoreOutcome> {
  const s = host.services;
  const counted = () => cosmos?.calls.filter((c) => /\/colls\/insight/.test(c.url)).length ?? 0;
  console.log(`${label}: loading ${DAYS} days of ${fmt(chatsPerDay)} chats a day`);
  const load = await loadMonth(s.insights, s.config, chatsPerDay, counted);
  console.log(`${label}: ${fmt(load.chats)} chats, ${fmt(load.changes)} changes, ${fmt(load.events)} log events recorded in ${fmt(load.wallMs / 1000, 1)} s (recordInsights ${fmt(load.recordMs / 1000, 1)} s); ${load.seals.length} sweeps sealed ${load.seals.reduce((n, x) => n + x.sealed, 0)} workstream-hours`);

  const whole = queryOf(RANGES.at(-1)!);
  const docs = (await Promise.all(s.config.workstreams.map((w) => s.insights.hours(w.name, whole.from, whole.to)))).flat();
  const aggregates = { documents: docs.length, bytes: docs.reduce((n, d) => n + JSON.stringify(d.value).length, 0) };

  const http = new Map<string, Sampled>();
  const design = new Map<string, Sampled>();
  const baseline = new Map<string, Sampled>();
  const reads = cosmos ? 'cosmos' : 'sqlite';
  for (const range of RANGES) {
    const query = queryOf(range);
    const path = `/api/insights?from=${query.from}&to=${query.to}&granularity=${query.granularity}`;
    const ok = await get(host.baseUrl, path, 'dev-sam');
    if (ok.status !== 200) throw new Error(`GET ${path}: ${ok.status}`);
    // The two answers must agree: the aggregates are the raw log folded, nothing lost or counted twice.
    const [byDesign, byBaseline] = [await designRead(s, query), await baselineRead(s, query)];
    if (byDesign !== byBaseline) throw new Error(`${label}, ${range.label}: the aggregates and the raw log disagree`);
    http.set(range.label, await sample(HTTP_READS[reads], async () => (await get(host.baseUrl, path, 'dev-sam')).bytes, cosmos));
    design.set(range.label, await sample(DESIGN_READS[reads], async () => (await designRead(s, query)).length, cosmos));
    baseline.set(range.label, await sample(BASELINE_READS[reads], async () => (await baselineRead(s, query)).length, cosmos));
    const [h, d, b] = [http.get(range.label)!, design.get(range.label)!, baseline.get(range.label)!];
    console.log(`${label}, ${range.label}: HTTP p50 ${ms(percentile(h.ms, 50))} p95 ${ms(percentile(h.ms, 95))} (${kib(h.bytes)}); in process ${ms(median(d.ms))}, raw fold ${ms(median(b.ms))}${cosmos ? `; requests per read ${fmt(median(h.requests))} (raw fold ${fmt(median(b.requests))})` : ''}`);
  }
  const heap = { design: await heapOf(s, designRead, whole), baseline: await heapOf(s, baselineRead, whole) };
  return { label, load, http, design, baseline, heap, aggregates };
}

async function sqliteStore(): Promise<StoreOutcome> {
  const host = await startBenchHost({ config: insightsConfig(), admission: ADMISSION });
  try {
    return await measureStore('SQLite', host, SQLITE_CHATS_PER_DAY, undefined);
  } finally {
    await host.close();
  }
}

async function cosmosStore(): Promise<StoreOutcome> {
  const cosmos = await startCosmosServer();
  const broker = await startServiceBusBroker({
    queues: Object.fromEntries(Object.values(QUEUES).map((q) => [q, { requiresSession: true, maxDeliveryCount: 10, lockDurationInMs: 30_000, duplicateDetectionWindowInMs: 600_000 }])),
  });
  let host: Omit<LocalHost, 'bus'> | undefined;
  try {
    const client = createCosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key });
    const { database } = await client.databases.createIfNotExists({ id: 'switchboard' });
    await ensureCosmosContainers(database);
    const azure: AzureSettings = {
      configPath: '(in memory)', publicUrl: 'http://localhost', tokenSecret: '0123456789abcdef0123456789abcdef',
      cosmos: { endpoint: cosmos.endpoint, database: 'switchboard', key: cosmos.key, closedConversationTtlInSeconds: 86_400 },
      serviceBus: { connectionString: broker.connectionString }, allowAgentTokens: true, appServiceAuthentication: false, maxDeliveryCount: 10,
    };
    host = await startCloudHost({ config: insightsConfig(), azure, port: 0, sweepPeriodInMs: 0, sessionWaitInMs: 300, maxConcurrentSessions: 4, admission: ADMISSION });
    return await measureStore('Cosmos DB', host, COSMOS_CHATS_PER_DAY, cosmos);
  } finally {
    await host?.close();
    await broker.close();
    await cosmos.close();
  }
}

// ---------------------------------------------------------------- the command path, with and without insights

/** A store that keeps nothing: the command path as it was before the insights. */
const NO_INSIGHTS: InsightsStore = {
  append: async () => undefined,
  read: async () => ({ events: [], head: 0, truncated: false }),
  prune: async () => 0,
  hours: async () => [],
  saveHour: async () => true,
  cursor: async () => undefined,
  saveCursor: async () => true,
};

/** The store, counting the log events appended through it. */
function countingAppends(store: InsightsStore, counter: { appended: number }): InsightsStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'append') return (events: Parameters<InsightsStore['append']>[0]) => ((counter.appended += events.length), target.append(events));
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

interface CommandPath {
  msPerChat: number;
  /** Insight log events appended per chat. */
  eventsPerChat: number;
}

/**
 * COMMAND_PATH_CHATS chats through the local host's bus, as the scale bench drives them: start with the topic set
 * (routed to CreditCardQueue, assigned at once to one of 200 agents), then the agent's end and close. Timed from
 * the first start to the bus idle after the last close.
 */
async function commandPath(withInsights: boolean): Promise<CommandPath> {
  const host = await startBenchHost({ config: configWithAgents(200, 10, ['CreditCardQueue']), maxConcurrentSessions: 16 });
  try {
    const counter = { appended: 0 };
    host.services.insights = withInsights ? countingAppends(host.services.insights, counter) : NO_INSIGHTS;
    const assignedTo = new Map<string, string>();
    let closed = 0;
    const unobserve = observeConversationWrites(host as LocalHost, (c) => {
      if (c.status === 'Active' && c.assignee?.kind === 'agent') assignedTo.set(c.id, c.assignee.id);
      if (c.status === 'Closed') closed++;
    });
    const ids = Array.from({ length: COMMAND_PATH_CHATS }, () => randomUUID());
    const began = nowInMs();
    for (let i = 0; i < ids.length; i += 500) {
      await host.services.bus.send(ids.slice(i, i + 500).map((conversationId) => conversationCommandMessage({
        type: 'start', conversationId, key: `start:${conversationId}`, workstream: 'ChatWorkStream',
        customer: { id: `customer-${conversationId}`, name: 'Customer' }, context: { BotHandoffTopic: 'CreditCard' },
      })));
    }
    await host.bus.whenIdle({ timeoutInMs: 600_000 });
    for (let i = 0; i < ids.length; i += 500) {
      await host.services.bus.send(ids.slice(i, i + 500).flatMap((conversationId) => {
        const agentId = assignedTo.get(conversationId) ?? '';
        return [
          conversationCommandMessage({ type: 'agentEnd', conversationId, key: `agentEnd:${conversationId}`, agentId }),
          conversationCommandMessage({ type: 'agentClose', conversationId, key: `agentClose:${conversationId}`, agentId }),
        ];
      }));
    }
    await host.bus.whenIdle({ timeoutInMs: 600_000 });
    const elapsed = nowInMs() - began;
    unobserve();
    if (closed !== ids.length) throw new Error(`command path: ${closed} of ${ids.length} chats closed (${assignedTo.size} assigned)`);
    return { msPerChat: elapsed / ids.length, eventsPerChat: counter.appended / ids.length };
  } finally {
    await host.close();
  }
}

// ---------------------------------------------------------------- the report

const ms = (n: number) => `${fmt(n, n < 10 ? 2 : 1)} ms`;
const kib = (bytes: number) => `${fmt(bytes / 1024, 1)} KiB`;
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;

function storeRows(o: StoreOutcome): BenchRow[] {
  const rows: BenchRow[] = [];
  const volume = `${fmt(o.load.chats)} chats, ${fmt(o.load.events)} log events`;
  for (const range of RANGES) {
    const h = o.http.get(range.label)!;
    const d = o.design.get(range.label)!;
    const b = o.baseline.get(range.label)!;
    const cosmos = h.requests.length > 0;
    rows.push({
      metric: `${o.label}: GET /api/insights, ${range.label} (${volume})`,
      value: `p50 ${ms(percentile(h.ms, 50))}, p95 ${ms(percentile(h.ms, 95))} over HTTP (${HTTP_READS[cosmos ? 'cosmos' : 'sqlite']} reads, ${kib(h.bytes)})${cosmos ? `; ${fmt(median(h.requests))} requests a read, ${h.unpartitioned} cross-partition` : ''}`,
      baseline: `in process ${ms(median(d.ms))}; raw log folded ${ms(median(b.ms))}${cosmos ? `, ${fmt(median(b.requests))} requests` : ''}`,
      ratio: `${ratioText(median(b.ms) / median(d.ms))} faster than folding the raw log${cosmos ? `; ${ratioText(median(b.requests) / Math.max(1, median(d.requests)))} fewer requests` : ''}`,
      target: cosmos ? 'no cross-partition query' : 'report',
      met: !cosmos || h.unpartitioned + d.unpartitioned === 0,
    });
  }
  const seals = o.load.seals.filter((x) => x.sealed > 0);
  const perHour = seals.map((x) => x.ms / x.sealed);
  rows.push({
    metric: `${o.label}: recordInsights per chat, while loading (${fmt(o.load.events / o.load.chats, 1)} log events a chat)`,
    value: `${ms(o.load.recordMs / o.load.chats)} a chat${o.load.recordCalls ? `; ${fmt(o.load.recordCalls / o.load.chats, 1)} Cosmos DB requests a chat` : ''}`,
    baseline: '',
    ratio: `${fmt(o.load.changes / o.load.chats, 1)} changes a chat`,
    target: 'report',
    met: true,
  });
  rows.push({
    metric: `${o.label}: sealing, per workstream-hour (${fmt(seals.length)} sweeps that sealed, ~${fmt(o.load.events / Math.max(1, seals.reduce((n, x) => n + x.sealed, 0)))} events an hour)`,
    value: `p50 ${ms(percentile(perHour, 50))}, p95 ${ms(percentile(perHour, 95))}${o.load.sealCalls ? `; ${fmt(o.load.sealCalls / Math.max(1, seals.reduce((n, x) => n + x.sealed, 0)), 1)} Cosmos DB requests` : ''}`,
    baseline: '',
    ratio: `${fmt(o.aggregates.documents)} aggregates for 30 days, ${kib(o.aggregates.bytes / Math.max(1, o.aggregates.documents))} each`,
    target: 'report',
    met: true,
  });
  rows.push({
    metric: `${o.label}: heap while reading 30 days by day (in process)`,
    value: `peak +${mib(o.heap.design.peak)}, held after GC +${kib(o.heap.design.retained)}`,
    baseline: `raw log folded: peak +${mib(o.heap.baseline.peak)}, held +${kib(o.heap.baseline.retained)}`,
    ratio: `${ratioText(o.heap.baseline.peak / Math.max(1, o.heap.design.peak))} less at peak`,
    target: 'report',
    met: true,
  });
  return rows;
}

export async function main(): Promise<BenchReport> {
  const notes: string[] = [];
  const rows: BenchRow[] = [];

  // The command path first, on a quiet process: interleaved rounds with and without the insights store.
  const withInsights: CommandPath[] = [];
  const without: CommandPath[] = [];
  for (let round = 1; round <= COMMAND_PATH_ROUNDS; round++) {
    for (const on of round % 2 ? [false, true] : [true, false]) {
      const outcome = await commandPath(on);
      (on ? withInsights : without).push(outcome);
      console.log(`command path, round ${round}, insights ${on ? 'on' : 'off'}: ${ms(outcome.msPerChat)} a chat${on ? `, ${fmt(outcome.eventsPerChat, 1)} log events a chat` : ''}`);
    }
  }
  const on = median(withInsights.map((x) => x.msPerChat));
  const off = median(without.map((x) => x.msPerChat));
  rows.push({
    metric: `SQLite: a chat through the command path (start, assign, end, close; ${fmt(COMMAND_PATH_CHATS)} chats, ${COMMAND_PATH_ROUNDS} interleaved rounds)`,
    value: `${ms(on)} a chat with insights (${fmt(median(withInsights.map((x) => x.eventsPerChat)), 1)} log events)`,
    baseline: `${ms(off)} with a store that keeps nothing`,
    ratio: `${ratioText(on / off)}; +${ms(on - off)} a chat`,
    target: 'report',
    met: true,
  });

  const sqlite = await sqliteStore();
  rows.push(...storeRows(sqlite));
  const cosmos = await cosmosStore();
  rows.push(...storeRows(cosmos));

  const kinds = (m: Map<string, number>, reads: number) => [...m].map(([k, n]) => `${fmt(n / reads, 1)} ${k}`).join(', ');
  for (const range of [RANGES[0]!, RANGES.at(-1)!]) {
    const h = cosmos.http.get(range.label)!;
    const b = cosmos.baseline.get(range.label)!;
    notes.push(`Cosmos DB, ${range.label}: a read's requests: ${kinds(h.kinds, h.requests.length)}; the raw fold's: ${kinds(b.kinds, b.requests.length)}`);
  }
  notes.push(`volumes: SQLite ${fmt(SQLITE_CHATS_PER_DAY)} chats a day for ${DAYS} days (${BENCH_STORAGE}, the local host's own file); Cosmos DB ${fmt(COSMOS_CHATS_PER_DAY)} a day (the test server, in this process, scans a whole container for each query, so its latencies grow with its contents and do not carry over to Azure; its request counts do). BENCH_INSIGHTS_CHATS_PER_DAY and BENCH_INSIGHTS_COSMOS_CHATS_PER_DAY change them`);
  notes.push('the traffic: the seven chats of test/fixtures/insights/day-of-traffic.events.json, each cast onto one of 3 workstreams (a bot, 3 queues and 12 agents each) at a seeded random time of its day, recorded change by change with recordInsights on a clock the bench moves; the sweep sealed each hour 6 min after its end; the month ends 15 min before the reads, whose current hour is read from its log');
  notes.push('GET /api/insights over HTTP on the local host (SQLite) and on the cloud host (Cosmos DB adapters against @vercel/cosmosdb-server, the Service Bus test broker), one keep-alive connection, reads one after another; "in process" is readInsights + JSON.stringify, the handler\'s work without HTTP; the raw fold reads every hour\'s log scope of every workstream (pages of 500) and folds it with the same core, and its answer is checked equal to the design\'s before timing');
  notes.push(`loading: SQLite ${fmt(sqlite.load.wallMs / 1000, 1)} s, Cosmos DB ${fmt(cosmos.load.wallMs / 1000, 1)} s`);
  return { name: 'Insights: what a read and a write cost', command: COMMAND, machine: machine(), rows, notes };
}

runIfMain(module, main);

