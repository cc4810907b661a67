import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { loadConfigOrThrow, SAMPLE_CONFIG_PATH } from '../../shared/config/loadConfig';
import { startLocalHost, type LocalHost } from '../../shared/host/local/localHost';
import type { AgentUser } from '../../shared/core/config';
import { QUEUES } from '../../shared/ports/messageBus';
import { ApiError } from '../../shared/http/apiError';
import { acceptOffer, listOffers } from '../../shared/usecases/agentOffers';
import { sweep } from '../../shared/usecases/sweep';
import { invariantViolations, stuckChats } from '../invariants/checkInvariants';
import { freePort, HostProcess } from './hostProcess';
import { mulberry32, sleep, type Random } from './random';
import { RecordingBot, type Receipt } from './recordingBot';

/**
 * Proof 2, crashes: the local host as a real process (`npm start` on a data directory), driven over
 * HTTP by customers (start, messages), the bot (replies, escalations, ends, through the connector)
 * and agents (end, close), and killed with SIGKILL at random moments, each time restarted on the
 * same data directory and port. After the last kill the host is started once more, in-process on the
 * same data, with a clock 61 s ahead so the dead processes' locks have expired and the sweep's grace
 * period has passed; the bus drains, the sweep repairs, and then:
 * - every chat accepted with a 2xx, and every conversation in the database, is in exactly one
 *   place; no chat was assigned twice (history); reservations match holders; nothing is stuck;
 * - every customer message accepted with a 2xx is in the transcript exactly once, in the order it
 *   was sent, and the conversation counted it exactly once;
 * - the bot received each chat's customer messages in transcript order, without gaps (the messages
 *   it got are the first ones of the chat, and all of them while it still holds the chat), after
 *   the conversationUpdate and the context event; an activity it received twice is allowed only if
 *   the host was killed between the two receipts and nothing else reached the bot in between
 *   (at-least-once delivery: the POST reached the bot, the host died before it completed the bus
 *   message, and the redelivery POSTed it again, before anything behind it in the session);
 * - a chat escalated at most once although the bot resends its replies; nothing was dead-lettered.
 *
 * Offers: a share of the customers (`offerShare`) start on a second workstream that offers its
 * chats (timeoutSeconds 10 on the real clock, Reject allowed, 2 declines per agent). The agents,
 * HTTP clients of the agent API, accept, reject or ignore the offers they list while the kills
 * happen, so kills land between an offer and its answer, and ignored offers expire by the bus's
 * scheduled message, across restarts. In the drain, the offers the last process left expire (the
 * clock is past them), and the agents accept whatever is offered then. After it:
 * - no chat has a live offer; every offer ended exactly once (accepted, rejected, expired, or
 *   withdrawn by a close), never two at once, and an offered chat went Active only with its agent;
 * - every reservation is held by the chat it names, through that agent's offer or assignment.
 */

export interface CrashOptions {
  seed: number;
  chats: number;
  /** Customers talking at once. */
  concurrency: number;
  kills: number;
  /** How long the host lives between a restart and the next kill, drawn uniformly. */
  upTimeInMs: [number, number];
  /** Share of the customers whose chats are offered to agents (Accept/Reject) instead of assigned. */
  offerShare: number;
  /**
   * After the customers are done, the agents go on working for a time drawn in this range, and the
   * last kill lands then. Sessions a kill left locked resume after the 30-s lock: many escalations,
   * and so offers, come only then.
   */
  agentPhaseInMs: [number, number];
  timeoutInMs: number;
  log?: (line: string) => void;
  keepDataDir?: boolean;
}

export const LARGE_CRASH: Omit<CrashOptions, 'seed'> = { chats: 2000, concurrency: 40, kills: 25, upTimeInMs: [50, 2500], offerShare: 0.4, agentPhaseInMs: [5_000, 40_000], timeoutInMs: 600_000 };
export const SMALL_CRASH: Omit<CrashOptions, 'seed'> = { chats: 100, concurrency: 20, kills: 3, upTimeInMs: [300, 1200], offerShare: 0.4, agentPhaseInMs: [32_000, 42_000], timeoutInMs: 150_000 };

/** The workstream whose chats are offered: the sample's, with offers on the real clock. */
export const OFFER_WORKSTREAM = 'OfferWorkStream';
const OFFER_SETTINGS = { timeoutSeconds: 10, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 2 };

export interface CrashReport {
  seed: number;
  ok: boolean;
  durationInMs: number;
  violations: string[];
  stats: Record<string, number | string>;
}

const AGENTS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];

/** What customers say: each script ends with the bot escalating, ending, or keeping the chat. */
const SCRIPTS: { weight: number; lines: string[] }[] = [
  { weight: 30, lines: ['hi', 'what can you do?', 'I lost my credit card'] },
  { weight: 20, lines: ['hello', 'home loan rates please'] },
  { weight: 15, lines: ['hi', 'ok bye'] },
  { weight: 15, lines: ['question one', 'question two', 'question three', 'question four'] },
  { weight: 20, lines: ['credit card', 'are you there?', 'hello?', 'anyone?'] },
];

interface SentMessage {
  id: string;
  text: string;
  /** accepted: a 2xx; refused: a 409 (the chat ended), possibly after attempts whose outcome is unknown; abandoned: gave up. */
  outcome: 'accepted' | 'refused' | 'abandoned';
  attempts: number;
}

interface Customer {
  index: number;
  lines: string[];
  conversationId?: string;
  token?: string;
  /** Starts whose outcome is unknown (the host died under the request): each may have left a chat nobody knows. */
  uncertainStarts: number;
  messages: SentMessage[];
  endedByCustomer: boolean;
  offered: boolean;
}

interface Counters {
  requests: number;
  networkErrors: number;
  serverErrors: number;
  messageRetries: number;
  /** Messages answered 404 because the chat's start was accepted but not applied yet. */
  notYetFound: number;
  agentEnds: number;
  agentCloses: number;
  customerEnds: number;
  offersSeen: number;
  offerAccepts: number;
  offerRejects: number;
  offersIgnored: number;
  /** 409s to an answer: the offer had expired, was rejected or withdrawn meanwhile (the agent's view was stale). */
  offerAnswerConflicts: number;
  /** Answers that got no answer (the host died under them) or a 5xx/503. */
  offerAnswersLost: number;
}

class NetworkError extends Error {
  constructor(readonly sent: boolean, message: string) {
    super(message);
  }
}

/** A JSON call that tells "never reached the host" (connection refused) from "outcome unknown". */
async function call(baseUrl: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/api/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    throw new NetworkError(code !== 'ECONNREFUSED', `${method} ${path}: ${code ?? (error as Error).message}`);
  }
  let text = '';
  try {
    text = await response.text();
  } catch (error) {
    throw new NetworkError(true, `${method} ${path}: the answer was cut off (${(error as Error).message})`);
  }
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The sample configuration with the recording bot and four more agents, as a file the host process reads. */
function writeConfig(dir: string, botUrl: string): string {
  const doc = parseYaml(readFileSync(SAMPLE_CONFIG_PATH, 'utf8')) as any;
  for (const user of doc.users) if (user.kind === 'bot') user.endpoint = botUrl;
  // Every customer of the proof calls from 127.0.0.1.
  doc.limits = { rate: { chatStartsPerAddress: false, requestsPerAddress: false, requestsPerToken: false } };
  for (const id of AGENTS.slice(4)) doc.users.push({ id, kind: 'agent', name: id, capacity: 3, token: `dev-${id}` });
  const [chat] = doc.workstreams;
  // The sample's workstream offers its chats; here it assigns at once, and the second one offers.
  delete chat.offers;
  doc.workstreams.push({ ...chat, name: OFFER_WORKSTREAM, offers: OFFER_SETTINGS });
  for (const queue of doc.queues) {
    if (queue.name === 'CreditCardQueue') queue.members.push('erin', 'frank');
    if (queue.name === 'HomeLoanQueue') queue.members.push('grace', 'heidi');
    if (queue.name === 'DefaultQueue') queue.members.push('erin', 'grace');
  }
  const file = join(dir, 'switchboard.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  loadConfigOrThrow(file);
  return file;
}

function pickScript(random: Random): string[] {
  const total = SCRIPTS.reduce((sum, s) => sum + s.weight, 0);
  let roll = random.next() * total;
  for (const script of SCRIPTS) {
    roll -= script.weight;
    if (roll < 0) return script.lines;
  }
  return SCRIPTS[0]!.lines;
}

export async function runCrashes(options: CrashOptions): Promise<CrashReport> {
  const began = Date.now();
  const log = options.log ?? (() => undefined);
  const random = mulberry32(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
  const bot = new RecordingBot({ replyDeadlineInMs: options.timeoutInMs });
  await bot.start();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const configFile = writeConfig(dataDir, bot.url);
  const host = new HostProcess({ PORT: String(port), SWITCHBOARD_DATA_DIR: join(dataDir, 'data'), SWITCHBOARD_CONFIG: configFile, HOST: '127.0.0.1' });
  const violations: string[] = [];
  const kills: number[] = [];
  const stats: Counters = {
    requests: 0, networkErrors: 0, serverErrors: 0, messageRetries: 0, notYetFound: 0, agentEnds: 0, agentCloses: 0, customerEnds: 0,
    offersSeen: 0, offerAccepts: 0, offerRejects: 0, offersIgnored: 0, offerAnswerConflicts: 0, offerAnswersLost: 0,
  };
  const found: Record<string, number | string> = {};
  let drain: LocalHost | undefined;
  const offeredBy = random.fork('offered');
  const customers: Customer[] = Array.from({ length: options.chats }, (_, index) => ({
    index, lines: pickScript(random.fork(`script-${index}`)), uncertainStarts: 0, messages: [], endedByCustomer: false, offered: offeredBy.chance(options.offerShare),
  }));
  const deadline = began + options.timeoutInMs;
  try {
    await host.start();
    log(`  seed ${options.seed}: host up on port ${port} in ${host.startTimesInMs[0]} ms (data ${dataDir})`);

    // Customers, agents and the killer run at once; the host is down now and then.
    let finalKill = false;
    const customerRuns = pool(customers, options.concurrency, (c) => runCustomer(baseUrl, c, random.fork(`customer-${c.index}`), stats, deadline));
    const agentRuns = runAgents(baseUrl, random.fork('agents'), stats, () => finalKill);
    const killer = (async () => {
      const r = random.fork('killer');
      for (let k = 1; k <= options.kills; k++) {
        await sleep(r.int(options.upTimeInMs[0], options.upTimeInMs[1]));
        await host.kill9();
        kills.push(Date.now());
        await host.start();
        if (k % 5 === 0 || k === options.kills) log(`  seed ${options.seed}: ${k} kill(s); customers ${customers.filter((c) => c.conversationId).length}/${options.chats} started, ${stats.requests} requests so far`);
      }
    })();
    await killer;
    await customerRuns;
    // Let the last process work (the agents answering offers), then kill it too, between offers and
    // their answers: the final drain starts from a crash.
    await sleep(random.int(options.agentPhaseInMs[0], options.agentPhaseInMs[1]));
    await host.kill9();
    kills.push(Date.now());
    finalKill = true;
    await agentRuns;
    log(`  seed ${options.seed}: ${kills.length} kills done after ${Date.now() - began} ms; draining in-process with the clock 61 s ahead`);

    // The final drain: same data, same port (queued activities carry it as their serviceUrl).
    const config = loadConfigOrThrow(configFile);
    drain = await startLocalHost({ config, dataDir: join(dataDir, 'data'), port, hostname: '127.0.0.1', sweepPeriodInMs: 0, clock: { now: () => new Date(Date.now() + 61_000) } });
    const repairs: Record<string, number> = {};
    const agents = config.users.filter((u): u is AgentUser => u.kind === 'agent');
    for (let round = 1; round <= 8; round++) {
      await drain.bus.whenIdle({ timeoutInMs: Math.max(10_000, deadline - Date.now()) });
      await bot.whenIdle(Math.max(10_000, deadline - Date.now()));
      await drain.bus.whenIdle({ timeoutInMs: Math.max(10_000, deadline - Date.now()) });
      // The agents take what is offered now (the offers the dead processes left have expired by the drain's clock).
      const accepted = await acceptEveryOffer(drain, agents);
      repairs.drainOfferAccepts = (repairs.drainOfferAccepts ?? 0) + accepted;
      await drain.bus.whenIdle({ timeoutInMs: Math.max(10_000, deadline - Date.now()) });
      const report = await sweep(drain.services);
      for (const [key, value] of Object.entries(report)) repairs[key] = (repairs[key] ?? 0) + value;
      if (accepted + report.announcementsResent + report.reservationsReleased + report.autoClosesResent + report.offerExpiriesResent === 0 && !bot.busy) {
        await drain.bus.whenIdle({ timeoutInMs: 10_000 });
        if (!bot.busy) break;
      }
    }
    Object.assign(found, Object.fromEntries(Object.entries(repairs).map(([k, v]) => [`sweep.${k}`, v])));

    violations.push(...(await checkCrashRun(drain, join(dataDir, 'data', 'switchboard.db'), customers, bot, kills, found)));
  } catch (error) {
    violations.push(`the run failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\nhost output:\n${host.tail()}`);
  } finally {
    await host.kill9();
    await drain?.close();
    await bot.close();
    if (!options.keepDataDir && violations.length === 0) rmSync(dataDir, { recursive: true, force: true });
    else if (violations.length > 0) log(`  seed ${options.seed}: data kept in ${dataDir}`);
  }
  const messages = customers.flatMap((c) => c.messages);
  return {
    seed: options.seed,
    ok: violations.length === 0,
    durationInMs: Date.now() - began,
    violations,
    stats: {
      ...stats,
      ...found,
      kills: kills.length,
      hostStarts: host.starts + 1,
      meanRestartInMs: Math.round(host.startTimesInMs.reduce((a, b) => a + b, 0) / Math.max(1, host.startTimesInMs.length)),
      chatsAccepted: customers.filter((c) => c.conversationId).length,
      uncertainStarts: customers.reduce((sum, c) => sum + c.uncertainStarts, 0),
      messagesAccepted: messages.filter((m) => m.outcome === 'accepted').length,
      messagesRefused: messages.filter((m) => m.outcome === 'refused').length,
      messagesAbandoned: messages.filter((m) => m.outcome === 'abandoned').length,
      messagesSentMoreThanOnce: messages.filter((m) => m.attempts > 1).length,
      botReceived: bot.stats.received,
      botReplies: bot.stats.replies,
      botReplyAttempts: bot.stats.replyAttempts,
      botRepliesRefused: bot.stats.repliesRefused,
      botRepliesGivenUp: bot.stats.repliesGivenUp,
    },
  };
}

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await run(items[next++] as T);
  }));
}

async function runCustomer(baseUrl: string, c: Customer, random: Random, stats: Counters, deadline: number): Promise<void> {
  const counted = <T extends { status: number }>(s: T): T => {
    stats.requests++;
    if (s.status >= 500) stats.serverErrors++;
    return s;
  };
  // Start: a chat id is the server's, so a start whose answer was lost cannot be resent; the customer starts anew.
  while (!c.conversationId) {
    if (Date.now() > deadline) return;
    try {
      const res = counted(await call(baseUrl, 'POST', 'chats', { ...(c.offered ? { workstream: OFFER_WORKSTREAM } : {}), customer: { name: `customer ${c.index}` } }));
      if (res.status === 201) {
        c.conversationId = res.body.conversationId;
        c.token = res.body.token;
      } else {
        if (res.status >= 500) c.uncertainStarts++;
        await sleep(100);
      }
    } catch (error) {
      stats.networkErrors++;
      if ((error as NetworkError).sent) c.uncertainStarts++;
      await sleep(random.int(50, 150));
    }
  }
  for (const [k, text] of c.lines.entries()) {
    await sleep(random.int(0, 300));
    const message: SentMessage = { id: `c${c.index}-m${k}`, text, outcome: 'abandoned', attempts: 0 };
    c.messages.push(message);
    const giveUpAt = Math.min(deadline, Date.now() + 60_000);
    while (Date.now() < giveUpAt) {
      message.attempts++;
      try {
        const res = counted(await call(baseUrl, 'POST', `chats/${c.conversationId}/messages`, { text, id: message.id }, c.token));
        if (res.status === 202) {
          message.outcome = 'accepted';
          break;
        }
        if (res.status === 409) {
          message.outcome = 'refused';
          break;
        }
        // 404: the start is accepted but not applied yet (its session may be locked by a killed process for 30 s).
        if (res.status === 404) stats.notYetFound++;
      } catch {
        stats.networkErrors++;
      }
      stats.messageRetries++;
      await sleep(random.int(50, 200));
    }
    if (message.outcome === 'refused') return;
  }
  if (random.chance(0.1)) {
    try {
      const res = counted(await call(baseUrl, 'POST', `chats/${c.conversationId}/end`, undefined, c.token));
      if (res.status === 200) {
        c.endedByCustomer = true;
        stats.customerEnds++;
      }
    } catch {
      stats.networkErrors++;
    }
  }
}

/** In the drain: every agent accepts every live offer it has. Returns how many it accepted. */
async function acceptEveryOffer(drain: LocalHost, agents: AgentUser[]): Promise<number> {
  let accepted = 0;
  for (const agent of agents) {
    for (const live of await listOffers(drain.services, agent)) {
      try {
        await acceptOffer(drain.services, agent, live.conversationId);
        accepted++;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
    }
  }
  return accepted;
}

/**
 * An agent answers the offers it lists, each once: accept (70%), reject (15%) or ignore it (15%: it
 * expires after 10 s, by the bus's scheduled message, whatever restarts happen meanwhile).
 */
async function answerOffers(baseUrl: string, agent: string, random: Random, stats: Counters, decided: Set<string>): Promise<void> {
  const list = await call(baseUrl, 'GET', `agents/${agent}/offers`, undefined, `dev-${agent}`);
  if (list.status !== 200) return;
  for (const offer of list.body.offers as { conversationId: string; offeredAt: string }[]) {
    const key = `${agent}:${offer.conversationId}@${offer.offeredAt}`;
    if (decided.has(key)) continue;
    decided.add(key);
    stats.offersSeen++;
    const roll = random.next();
    if (roll >= 0.85) {
      stats.offersIgnored++;
      continue;
    }
    const action = roll < 0.7 ? 'accept' : 'reject';
    try {
      const res = await call(baseUrl, 'POST', `agents/${agent}/offers/${offer.conversationId}/${action}`, undefined, `dev-${agent}`);
      if (res.status === 200) stats[action === 'accept' ? 'offerAccepts' : 'offerRejects']++;
      else if (res.status === 409) stats.offerAnswerConflicts++;
      else stats.offerAnswersLost++;
    } catch {
      stats.offerAnswersLost++;
    }
  }
}

/** Agents pick up their chats, end them a little later and close them; errors (host down) wait for the next round. */
async function runAgents(baseUrl: string, random: Random, stats: Counters, done: () => boolean): Promise<void> {
  const decided = new Set<string>();
  while (!done()) {
    await sleep(random.int(100, 300));
    await Promise.all(AGENTS.map(async (agent) => {
      try {
        await answerOffers(baseUrl, agent, random, stats, decided);
        const desk = await call(baseUrl, 'GET', `agents/${agent}/conversations`, undefined, `dev-${agent}`);
        if (desk.status !== 200) return;
        for (const c of desk.body.conversations as { id: string; status: string; assignedAt: string }[]) {
          if (c.status === 'Active' && random.chance(0.5)) {
            const res = await call(baseUrl, 'POST', `agents/${agent}/conversations/${c.id}/end`, undefined, `dev-${agent}`);
            if (res.status === 200) stats.agentEnds++;
          } else if (c.status === 'WrapUp' && random.chance(0.7)) {
            const res = await call(baseUrl, 'POST', `agents/${agent}/conversations/${c.id}/close`, undefined, `dev-${agent}`);
            if (res.status === 200) stats.agentCloses++;
          }
        }
      } catch {
        // The host is down: next round.
      }
    }));
  }
}

/** The checks after the drain; see the file comment. */
async function checkCrashRun(drain: LocalHost, dbFile: string, customers: Customer[], bot: RecordingBot, kills: number[], stats: Record<string, number | string>): Promise<string[]> {
  const s = drain.services;
  const problems: string[] = [];
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  const allIds = db.prepare<[], { id: string }>('SELECT id FROM conversations ORDER BY id').all().map((r) => r.id);
  db.close();
  const accepted = customers.filter((c) => c.conversationId);
  const known = new Set(accepted.map((c) => c.conversationId));
  stats.orphanChats = allIds.filter((id) => !known.has(id)).length;
  const stored = new Set(allIds);
  for (const c of accepted) if (!stored.has(c.conversationId!)) problems.push(`${c.conversationId}: the start was accepted (201) but the chat does not exist`);
  problems.push(...(await invariantViolations(s, allIds, { quiescent: true })));
  problems.push(...(await stuckChats(s)));

  const statuses: Record<string, number> = {};
  let duplicateReceipts = 0;
  let explainedDuplicates = 0;
  let botMessagesChecked = 0;
  for (const c of accepted) {
    const id = c.conversationId!;
    const conversation = (await s.conversations.get(id))?.value;
    if (!conversation) continue;
    const where = conversation.status === 'Active' ? `Active/${conversation.assignee?.kind}` : conversation.status;
    statuses[where] = (statuses[where] ?? 0) + 1;
    const transcript = await s.transcripts.list(id);
    const fromCustomer = transcript.filter((m) => m.role === 'customer').map((m) => m.id);

    // Customer messages: each accepted one exactly once, in the order sent; nothing else; counted once.
    for (const m of c.messages) {
      const times = fromCustomer.filter((x) => x === m.id).length;
      if (m.outcome === 'accepted' && times !== 1) problems.push(`${id}: customer message ${m.id} was accepted (202) but is in the transcript ${times} time(s)`);
      if (m.outcome !== 'accepted' && times > 1) problems.push(`${id}: customer message ${m.id} is in the transcript ${times} times`);
    }
    const sentOrder = c.messages.map((m) => m.id).filter((m) => fromCustomer.includes(m));
    if (JSON.stringify(sentOrder) !== JSON.stringify(fromCustomer)) problems.push(`${id}: customer messages in the transcript ${JSON.stringify(fromCustomer)}, sent in the order ${JSON.stringify(sentOrder)}`);
    if (conversation.customerMessageCount !== fromCustomer.length) problems.push(`${id}: customerMessageCount ${conversation.customerMessageCount} but ${fromCustomer.length} customer message(s) in the transcript (a message applied twice?)`);
    if (conversation.counters.escalations > 1) problems.push(`${id}: escalated ${conversation.counters.escalations} times; the bot escalates once`);

    // What the bot received: in order, without gaps, duplicates only across a kill.
    const receipts = bot.receipts.get(id) ?? [];
    const first = new Map<string, Receipt>();
    for (const r of receipts) {
      const earlier = first.get(r.id);
      if (!earlier) {
        first.set(r.id, r);
        continue;
      }
      duplicateReceipts++;
      if (kills.some((k) => k > earlier.at && k < r.at)) explainedDuplicates++;
      else problems.push(`${id}: the bot received ${r.type} ${r.id} twice with no crash in between (${earlier.at} and ${r.at})`);
    }
    // A copy may only follow its original directly (the same bus message, redelivered): once the bot got
    // the next activity, an earlier one coming again is a delivery twice out of order.
    const runs = receipts.filter((r, i) => i === 0 || receipts[i - 1]?.id !== r.id).map((r) => r.id);
    const repeated = runs.filter((r, i) => runs.indexOf(r) !== i);
    if (repeated.length > 0) problems.push(`${id}: the bot received ${[...new Set(repeated)].join(', ')} again after later activities (twice, out of order)`);
    const distinct = [...first.values()];
    const toBot = distinct.filter((r) => r.type === 'message').map((r) => r.id.slice(id.length + 1));
    botMessagesChecked += toBot.length;
    if (JSON.stringify(toBot) !== JSON.stringify(fromCustomer.slice(0, toBot.length))) {
      problems.push(`${id}: the bot received customer messages ${JSON.stringify(toBot)}; the transcript has ${JSON.stringify(fromCustomer)} (not a prefix: lost, reordered or foreign)`);
    }
    const withBot = conversation.status === 'Active' && conversation.assignee?.kind === 'bot';
    if (withBot && toBot.length !== fromCustomer.length) problems.push(`${id}: still with the bot, which got ${toBot.length} of ${fromCustomer.length} customer messages`);
    const position = (predicate: (r: Receipt) => boolean) => distinct.findIndex(predicate);
    const update = position((r) => r.type === 'conversationUpdate');
    const start = position((r) => r.type === 'event' && r.name === 'startConversation');
    const firstMessage = position((r) => r.type === 'message');
    if (firstMessage >= 0 && (start < 0 || start > firstMessage || update < 0 || update > start)) {
      problems.push(`${id}: the bot's first activities were ${distinct.slice(0, 4).map((r) => r.name ?? r.type).join(', ')}: expected conversationUpdate, startConversation, then messages`);
    }
  }
  for (const queue of Object.values(QUEUES)) {
    for (const dead of await drain.bus.listDeadLetters(queue)) problems.push(`dead letter on ${queue}: ${dead.messageId} (${dead.reason}: ${dead.description})`);
  }
  // Offers: none left live, each ended once (the history checks of invariantViolations say how).
  const offerCounts: Record<string, number> = { offered: 0, offerAccepted: 0, offerRejected: 0, offerExpired: 0, offerWithdrawn: 0 };
  let offeredChats = 0;
  let offersSpanningAKill = 0;
  for (const id of allIds) {
    const conversation = (await s.conversations.get(id))?.value;
    if (!conversation) continue;
    if (conversation.offer) problems.push(`${id}: still offered to ${conversation.offer.agentId} (since ${conversation.offer.offeredAt}, expiring ${conversation.offer.expiresAt}) after the drain`);
    const entries = conversation.history.filter((h) => h.type in offerCounts);
    if (entries.length > 0) offeredChats++;
    for (const h of entries) offerCounts[h.type] = (offerCounts[h.type] ?? 0) + 1;
    const made = entries.filter((h) => h.type === 'offered').length;
    // An offer alive when the host was killed: made before the kill, answered (or expired) after it.
    for (const [i, h] of entries.entries()) {
      const end = h.type === 'offered' ? entries.slice(i + 1).find((e) => e.type !== 'offered') : undefined;
      if (end && kills.some((k) => Date.parse(h.at) < k && k < Date.parse(end.at))) offersSpanningAKill++;
    }
    if (entries.length - made !== made) problems.push(`${id}: ${made} offer(s), ${entries.length - made} end(s) of an offer`);
  }
  Object.assign(stats, { offeredChats, offersSpanningAKill, offersMade: offerCounts.offered, offersAccepted: offerCounts.offerAccepted, offersRejected: offerCounts.offerRejected, offersExpired: offerCounts.offerExpired, offersWithdrawn: offerCounts.offerWithdrawn });
  Object.assign(stats, { duplicateReceipts, explainedDuplicates, botMessagesChecked, conversationsInDatabase: allIds.length });
  stats.finalStatuses = JSON.stringify(statuses);
  return problems;
}
