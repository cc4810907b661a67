import type { Activity } from '../../shared/core/activity';
import type { AgentUser, Config, Presence } from '../../shared/core/config';
import { parseConfig } from '../../shared/config/loadConfig';
import { startLocalHost, type LocalHost } from '../../shared/host/local/localHost';
import { ApiError } from '../../shared/http/apiError';
import type { AgentStore } from '../../shared/ports/agentStore';
import type { BotClient, BotResponse } from '../../shared/ports/botClient';
import type { ConversationStore } from '../../shared/ports/conversationStore';
import { QUEUES } from '../../shared/ports/messageBus';
import { nullTelemetry, type Telemetry } from '../../shared/ports/telemetry';
import { setPresence } from '../../shared/usecases/agentCapacity';
import { AgentUpdateConflictError } from '../../shared/usecases/agentStates';
import { closeConversation, endConversation } from '../../shared/usecases/agentDesk';
import { acceptOffer, listOffers, rejectOffer } from '../../shared/usecases/agentOffers';
import { receiveBotActivity } from '../../shared/usecases/botConnector';
import { conversationCommandMessage } from '../../shared/usecases/commands';
import { dispatchQueue, offerExpiryKey } from '../../shared/usecases/dispatchQueue';
import type { Services } from '../../shared/usecases/services';
import { sweep, SWEEP_GRACE_IN_MS } from '../../shared/usecases/sweep';
import { invariantViolations, stuckChats } from '../invariants/checkInvariants';
import { WriteLedger } from '../invariants/writeLedger';
import { DEFAULT_DELAYS, delayedAgentStore, delayedConversationStore, Delays, type DelayPolicy } from './faultyPorts';
import { mulberry32, sleep, type Random } from './random';

/**
 * Proof 1, races: N chats escalated by a bot at the same moment into several queues served by
 * agents who share queues of different priorities, while
 * - every conversation-store and agent-store call is delayed by a seeded random amount before and
 *   after it runs (so the reads and If-Match writes of concurrent dispatchers interleave),
 * - agents end and close chats as they get them, and now and then go Offline and come back,
 * - extra dispatchers run outside the queue sessions (as if a session lock had been lost),
 * - a sweep runs whose clock is ahead by nearly the sweep's grace period, so to it every
 *   assignment in flight for longer than `staleAfterInMs` looks like one stalled for a minute.
 * Every store write is checked as it happens (WriteLedger); at checkpoints the workers stop, the
 * bus drains and the quiescent checks run (nothing stuck, reservations match holders); at the end
 * every chat must have been served by exactly one agent and closed.
 *
 * Offers: a share of the chats (`offerShare`) belongs to a second workstream, on the same queues,
 * that offers its chats (Accept/Reject, a decline limit of 1-3, onMissed Away for some seeds). The
 * agents answer their offers as they see them: accept, reject, or let the offer run out. The
 * countdown is compressed: for an offer left to run out, the proof sends the expiry command the bus
 * would deliver at expiresAt, a few ms later (under a key of its own, as the sweep re-sends a lost
 * one); the scheduled one, delivered later, finds the offer ended.
 * (timeoutSeconds is 120 so that the skewed sweep, a minute ahead, does not expire every offer;
 * expiries on the real clock are proven by the crash proof.) A few customers leave while offered
 * (the offer is withdrawn). An agent declines only while someone else could still take the chat,
 * and a chat at most 3 times, so every chat can be served.
 */

export interface RaceOptions {
  seed: number;
  chats: number;
  agents: number;
  capacity: number;
  queues: number;
  delays: DelayPolicy;
  rogueDispatchers: boolean;
  presenceChanges: boolean;
  /** A sweep that sees every reservation older than `staleAfterInMs` as past its grace period. */
  skewedSweep: { staleAfterInMs: number; everyInMs: number } | false;
  /** Fractions of closed chats at which the workers pause for the quiescent checks. */
  checkpoints: number[];
  timeoutInMs: number;
  /** A checkpoint gives up when no chat changed status for this long. */
  stallTimeoutInMs: number;
  log?: (line: string) => void;
  /** Share of the chats whose workstream offers them (0: none). */
  offerShare: number;
  /** Proof of the proof: break the system on purpose and expect the checks to say so. */
  sabotage?: 'lifo' | 'blindAgentWrites' | 'forgetOffers';
}

export const LARGE_RACE: Omit<RaceOptions, 'seed'> = {
  chats: 1000, agents: 50, capacity: 3, queues: 5, delays: DEFAULT_DELAYS, rogueDispatchers: true, presenceChanges: true, offerShare: 0.3,
  // Offers hold capacity while they wait for an answer: a seed takes ~4 min alone (~3 min without offers).
  skewedSweep: { staleAfterInMs: 40, everyInMs: 25 }, checkpoints: [0.25, 0.5, 0.75], timeoutInMs: 420_000, stallTimeoutInMs: 15_000,
};

export const SMALL_RACE: Omit<RaceOptions, 'seed'> = {
  ...LARGE_RACE, chats: 150, agents: 12, offerShare: 0.5, checkpoints: [0.5], timeoutInMs: 40_000, stallTimeoutInMs: 8_000,
};

export interface RaceReport {
  seed: number;
  ok: boolean;
  durationInMs: number;
  /** Every violation found (the ledger's are capped; violationCount has them all). */
  violations: string[];
  violationCount: number;
  stats: Record<string, number | string>;
}

const BOT = 'race-bot';

type Stats = Record<
  | 'rogueDispatches' | 'rogueDispatchErrors' | 'sweeps' | 'sweepReleased' | 'sweepExpiriesResent' | 'agentEnds' | 'agentCloses' | 'presenceChanges' | 'presenceConflicts' | 'checkpoints'
  | 'accepts' | 'lastMomentAccepts' | 'rejects' | 'expiriesSent' | 'customerWithdrawals' | 'answerConflicts' | 'answersUnavailable',
  number
>;
const WORKSTREAM = 'Race';
const OFFERS_WORKSTREAM = 'RaceOffers';
/** At most this many declines of one chat, all agents together: the proof's agents accept after that. */
const MAX_DECLINES_PER_CHAT = 3;

/** The configuration of one seed: queues of different priorities and methods, agents in 2-3 of them. */
export function raceConfig(random: Random, options: Pick<RaceOptions, 'agents' | 'capacity' | 'queues'>): Config {
  const queueNames = Array.from({ length: options.queues }, (_, i) => `Q${i + 1}`);
  const priorities = queueNames.map((_, i) => 1 + Math.floor((i * 3) / options.queues));
  const methods = ['highestCapacity', 'roundRobin', 'leastActive'] as const;
  const agents = Array.from({ length: options.agents }, (_, i) => `agent${String(i + 1).padStart(2, '0')}`);
  const members = new Map<string, string[]>(queueNames.map((q) => [q, []]));
  for (const agent of agents) {
    for (const q of random.shuffle([...queueNames]).slice(0, random.int(2, Math.min(3, queueNames.length)))) members.get(q)?.push(agent);
  }
  for (const list of members.values()) if (list.length === 0) list.push(random.pick(agents));
  const doc = {
    allowUnauthenticatedBots: true,
    // Every racing customer calls from 127.0.0.1.
    limits: { rate: { chatStartsPerAddress: false, requestsPerAddress: false, requestsPerToken: false } },
    workstreams: [{
      name: WORKSTREAM,
      capacityUnits: 1,
      fallbackQueue: queueNames[0],
      allowedPresences: ['Available', 'Busy'],
      // Far away: this proof is about assignment; nothing may close a chat but its agent.
      autoClose: { openMinutes: 100_000, wrapUpMinutes: 100_000, activeIdleMinutes: 100_000 },
      wrapUpBlocksCapacity: random.chance(0.5),
      contextVariables: [{ name: 'Topic', type: 'text' }],
      rules: [
        { name: 'BotRule', queue: 'BotQueue', when: { variable: 'Topic', operator: 'noData' } },
        ...queueNames.map((q) => ({ name: `${q}Rule`, queue: q, when: { variable: 'Topic', operator: 'equals', value: q } })),
      ],
    }],
    queues: [
      { name: 'BotQueue', priority: 0, members: [BOT] },
      ...queueNames.map((q, i) => ({ name: q, priority: priorities[i], assignment: random.pick(methods), members: members.get(q) })),
    ],
    users: [
      { id: BOT, kind: 'bot', endpoint: 'http://127.0.0.1:9/unused' },
      ...agents.map((id) => ({ id, kind: 'agent', capacity: options.capacity, token: `dev-${id}` })),
    ],
  };
  // The same chats, offered: same queues and rules, so offered and assigned chats compete for the same agents.
  const offers = random.fork('offers');
  const [race] = doc.workstreams;
  doc.workstreams.push({
    ...race!,
    name: OFFERS_WORKSTREAM,
    offers: {
      timeoutSeconds: 120,
      allowReject: offers.chance(0.8),
      autoAccept: false,
      maxDeclinesPerAgent: offers.int(1, 3),
      ...(offers.chance(0.5) ? { onMissed: { setPresence: 'Away' } } : {}),
    },
  } as (typeof doc.workstreams)[number]);
  const parsed = parseConfig(JSON.stringify(doc));
  if (!parsed.ok) throw new Error(`race configuration: ${parsed.problems.join('; ')}`);
  return parsed.config;
}

/** The bot of this proof answers every delivery at once and tells the harness when it holds a chat. */
class RaceBot implements BotClient {
  readonly holding = new Set<string>();
  deliveries = 0;
  onHold: () => void = () => undefined;

  async postActivity(_bot: unknown, activity: Activity): Promise<BotResponse> {
    this.deliveries++;
    if (activity.type === 'event' && activity.name === 'startConversation' && activity.conversation?.id) {
      this.holding.add(activity.conversation.id);
      this.onHold();
    }
    return { status: 200 };
  }
}

export async function runRaces(options: RaceOptions): Promise<RaceReport> {
  const started = Date.now();
  const random = mulberry32(options.seed);
  const config = raceConfig(random.fork('config'), options);
  const log = options.log ?? (() => undefined);
  const bot = new RaceBot();
  const exceptions: string[] = [];
  const telemetry: Telemetry = { ...nullTelemetry, trackException: (error, properties) => void exceptions.push(`${properties?.conversationId ?? ''} ${error instanceof Error ? error.message : String(error)}`) };
  const host: LocalHost = await startLocalHost({ config, dataDir: ':memory:', port: 0, sweepPeriodInMs: 0, bots: bot, commandWaitInMs: 1000, maxConcurrentSessions: 16, telemetry });
  const raw: Services = { ...host.services };
  const system = sabotaged(raw, options.sabotage);
  const ledger = new WriteLedger(host.services.directory);
  const delays = new Delays(random.fork('delays'), options.delays);
  host.services.conversations = delayedConversationStore(system.conversations, delays, ledger);
  host.services.agents = delayedAgentStore(system.agents, delays, ledger);
  // The skewed sweep reads without delays, so its view of "older than the grace period" is current when it acts.
  const undelayed = new Delays(random.fork('sweeper'), { maxDelayInMs: 0, immediateShare: 1, stallShare: 0, stallInMs: 0 });
  const sweeperStores = { conversations: delayedConversationStore(system.conversations, undelayed, ledger), agents: delayedAgentStore(system.agents, undelayed, ledger) };
  const s = host.services;

  const violations: string[] = [];
  const errors = new Set<string>();
  const extra: Record<string, number> = {};
  const stats: Stats = {
    rogueDispatches: 0, rogueDispatchErrors: 0, sweeps: 0, sweepReleased: 0, sweepExpiriesResent: 0, agentEnds: 0, agentCloses: 0, presenceChanges: 0, presenceConflicts: 0, checkpoints: 0,
    accepts: 0, lastMomentAccepts: 0, rejects: 0, expiriesSent: 0, customerWithdrawals: 0, answerConflicts: 0, answersUnavailable: 0,
  };
  const ids = Array.from({ length: options.chats }, (_, i) => `race-${options.seed}-${String(i).padStart(4, '0')}`);
  const workstreamOf = random.fork('workstreams');
  const offered = new Set(ids.filter(() => workstreamOf.chance(options.offerShare)));
  /** Chats whose customer left while they were offered (they may close without an agent). */
  const withdrawn = new Set<string>();
  const deadline = started + options.timeoutInMs;
  try {
    // 1. Every chat starts and goes to the bot.
    const allHeld = new Promise<void>((resolve) => {
      bot.onHold = () => bot.holding.size >= ids.length && resolve();
    });
    for (let i = 0; i < ids.length; i += 100) {
      await s.bus.send(ids.slice(i, i + 100).map((id) => conversationCommandMessage({
        type: 'start', conversationId: id, key: `start:${id}`, workstream: offered.has(id) ? OFFERS_WORKSTREAM : WORKSTREAM, customer: { id: `customer-${id}`, name: 'Customer' }, context: {},
      })));
    }
    await within(allHeld, deadline, () => `the bot to hold all ${ids.length} chats (it holds ${bot.holding.size})`);
    log(`  seed ${options.seed}: ${ids.length} chats with the bot after ${Date.now() - started} ms; escalating all at once`);

    // 2. All escalations at the same moment, while the workers run.
    const topics = random.fork('topics');
    const queueNames = config.queues.filter((q) => q.name !== 'BotQueue').map((q) => q.name);
    const escalations = Promise.all(ids.map((id, i) => receiveBotActivity(s, {
      conversationId: id,
      operation: 'send',
      activity: { type: 'message', id: `escalate-${i}`, text: 'over to a human', from: { id: BOT }, channelData: { tags: JSON.stringify({ type: 'Escalate', context: { Topic: topics.pick(queueNames) } }) } },
      sizeInBytes: 200,
      caller: { kind: 'trusted', botId: BOT },
    })));

    const closed = () => ledger.statusCounts(ids).Closed ?? 0;
    for (const fraction of [...options.checkpoints, 1]) {
      const target = Math.ceil(ids.length * fraction);
      const outcome = await runWorkers(s, sweeperStores, config, random.fork(`workers-${fraction}`), options, stats, errors, withdrawn, () => closed() >= target, () => JSON.stringify(ledger.statusCounts(ids)), deadline);
      await escalations;
      await host.bus.whenIdle({ timeoutInMs: Math.max(10_000, deadline - Date.now()) });
      stats.checkpoints++;
      const problems = [...(await stuckChats(raw)), ...(await invariantViolations(raw, ids, { quiescent: true }))];
      log(`  seed ${options.seed}: checkpoint ${Math.round(fraction * 100)}% (${outcome}): ${JSON.stringify(ledger.statusCounts(ids))}, ${problems.length} problem(s), ${ledger.violationCount} write violation(s)`);
      violations.push(...problems.map((p) => `at checkpoint ${Math.round(fraction * 100)}%: ${p}`));
      if (outcome !== 'reached') {
        violations.push(`liveness: ${outcome} before ${target} of ${ids.length} chats were closed; statuses ${JSON.stringify(ledger.statusCounts(ids))}`);
        break;
      }
    }

    // 3. The end state: each chat served by one agent, then closed; nothing held, nothing dead-lettered.
    let assignments = 0;
    let closedWithoutAgent = 0;
    let maxWaitInMs = 0;
    for (const id of ids) {
      const c = (await raw.conversations.get(id))?.value;
      if (!c) continue;
      const agentAssignments = c.history.filter((h) => h.type === 'assigned' && h.assignee.kind === 'agent');
      assignments += agentAssignments.length;
      for (const h of agentAssignments) if (h.type === 'assigned') maxWaitInMs = Math.max(maxWaitInMs, h.waitedMs);
      if (withdrawn.has(id)) {
        // The customer left while it was offered: closed then, or (the accept won the race) served by one agent.
        if (c.status === 'Closed' && agentAssignments.length > 1) violations.push(`${id}: closed after ${agentAssignments.length} agent assignments, expected at most 1`);
        if (c.status === 'Closed' && agentAssignments.length === 0) closedWithoutAgent++;
      } else if (c.status === 'Closed' && (agentAssignments.length !== 1 || c.statusReason !== 'ConversationEndedByAgent')) {
        violations.push(`${id}: closed (${c.statusReason}) after ${agentAssignments.length} agent assignment(s), expected exactly 1`);
      }
      if (c.offer) violations.push(`${id}: still offered to ${c.offer.agentId} after every chat closed`);
    }
    for (const { value: agent } of await raw.agents.list()) {
      if (agent.reservations.length > 0 && closed() === ids.length) violations.push(`agent ${agent.id} still holds ${agent.reservations.map((r) => r.conversationId).join(', ')} after every chat closed`);
    }
    for (const queue of Object.values(QUEUES)) {
      for (const dead of await host.bus.listDeadLetters(queue)) violations.push(`dead letter on ${queue}: ${dead.messageId}: ${dead.reason}: ${dead.description}`);
    }
    Object.assign(extra, { assignments, closedWithoutAgent, maxWaitInMs, offeredChats: offered.size, withdrawnChats: withdrawn.size });
  } catch (error) {
    violations.push(`the run failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  } finally {
    await host.close();
  }
  violations.push(...ledger.violations.map((v) => `during the run: ${v}`));
  const violationCount = violations.length - ledger.violations.length + ledger.violationCount;
  return {
    seed: options.seed,
    ok: violations.length === 0,
    durationInMs: Date.now() - started,
    violations,
    violationCount,
    stats: {
      ...stats,
      ...extra,
      ...ledger.counts,
      storeCalls: delays.calls,
      stallsInjected: delays.stalls,
      botDeliveries: bot.deliveries,
      queues: config.queues.filter((q) => q.name !== 'BotQueue').map((q) => `${q.name}(p${q.priority},${q.assignment},${q.members.length})`).join(' '),
      wrapUpBlocksCapacity: String(config.workstreams[0]?.wrapUpBlocksCapacity),
      offerSettings: JSON.stringify(config.workstreams[1]?.offers ?? null),
      rogueErrorSamples: [...errors].join(' | '),
      dispatchExceptions: exceptions.length,
      dispatchExceptionSamples: exceptions.slice(0, 3).join(' | '),
    },
  };
}

/** Agents, rogue dispatchers, a skewed sweep and presence changes, until `done` or no progress. */
async function runWorkers(
  s: Services,
  sweeperStores: Pick<Services, 'conversations' | 'agents'>,
  config: Config,
  random: Random,
  options: RaceOptions,
  stats: Stats,
  errors: Set<string>,
  withdrawn: Set<string>,
  done: () => boolean,
  progress: () => string,
  deadline: number,
): Promise<'reached' | string> {
  let stop = false;
  const agents = config.users.filter((u): u is AgentUser => u.kind === 'agent');
  const queues = config.queues.map((q) => q.name);
  const ignoreRefusal = (error: unknown) => {
    if (!(error instanceof ApiError)) throw error;
  };
  const workers: Promise<void>[] = agents.map(async (agent, i) => {
    const r = random.fork(`agent-${i}`);
    const answered = new Set<string>();
    while (!stop) {
      await sleep(r.int(1, 12));
      for (const live of await listOffers(s, agent)) {
        if (stop) break;
        const key = `${live.conversationId}@${live.offeredAt}`;
        if (answered.has(key)) continue;
        answered.add(key);
        // An answer queued but not seen applied in time (503) is sent again, as the API asks.
        if (!(await answerOffer(s, config, agent, live.conversationId, live.offeredAt, r, stats, withdrawn))) answered.delete(key);
      }
      for (const { value: c } of await s.conversations.listByAssignee(agent.id)) {
        if (stop) break;
        if (c.status === 'Active' && r.chance(0.6)) {
          await endConversation(s, agent, c.id).then(() => stats.agentEnds++, ignoreRefusal);
        } else if (c.status === 'WrapUp' && r.chance(0.8)) {
          await closeConversation(s, agent, c.id).then(() => stats.agentCloses++, ignoreRefusal);
        }
      }
    }
  });
  if (options.rogueDispatchers) {
    workers.push((async () => {
      const r = random.fork('rogue');
      const inFlight = new Set<Promise<void>>();
      while (!stop) {
        await sleep(r.int(1, 10));
        stats.rogueDispatches++;
        const run: Promise<void> = dispatchQueue(s, { queue: r.pick(queues) }).catch((error: unknown) => {
          stats.rogueDispatchErrors++;
          if (errors.size < 5) errors.add(error instanceof Error ? error.message : String(error));
        }).finally(() => inFlight.delete(run));
        inFlight.add(run);
      }
      await Promise.all(inFlight);
    })());
  }
  if (options.presenceChanges) {
    workers.push((async () => {
      const r = random.fork('presence');
      while (!stop) {
        await sleep(r.int(5, 40));
        const agent = r.pick(agents);
        await presence(s, agent.id, r.pick(['Offline', 'Away', 'Busy-DND'] as const), stats);
        await sleep(r.int(1, 20));
        await presence(s, agent.id, 'Available', stats);
        stats.presenceChanges++;
      }
    })());
  }
  const skewed = options.skewedSweep;
  if (skewed) {
    const ahead = SWEEP_GRACE_IN_MS - skewed.staleAfterInMs;
    const sweeper: Services = { ...s, ...sweeperStores, clock: { now: () => new Date(Date.now() + ahead) } };
    workers.push((async () => {
      while (!stop) {
        await sleep(skewed.everyInMs);
        const report = await sweep(sweeper);
        stats.sweeps++;
        stats.sweepReleased += report.reservationsReleased;
        stats.sweepExpiriesResent += report.offerExpiriesResent;
      }
    })());
  }
  let outcome = 'reached';
  let last = progress();
  let lastChange = Date.now();
  while (!done()) {
    await sleep(20);
    const now = progress();
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > options.stallTimeoutInMs) {
      outcome = `no progress for ${options.stallTimeoutInMs} ms`;
      break;
    }
    if (Date.now() > deadline) {
      outcome = `timed out after ${options.timeoutInMs} ms`;
      break;
    }
  }
  stop = true;
  await Promise.all(workers);
  // Presence changes end with the agent Available, so the quiescent checks see the whole team.
  for (const agent of agents) await presence(s, agent.id, 'Available', stats);
  return outcome;
}

/**
 * An agent's answer to an offer it sees: mostly accept; reject or let it run out while the chat can
 * still be served by someone (a decline limit leaves another member below it, and the chat has been
 * declined fewer than MAX_DECLINES_PER_CHAT times); now and then the customer leaves instead.
 */
async function answerOffer(s: Services, config: Config, agent: AgentUser, conversationId: string, offeredAt: string, r: Random, stats: Stats, withdrawn: Set<string>): Promise<boolean> {
  const c = (await s.conversations.get(conversationId))?.value;
  const live = c?.offer;
  const offers = config.workstreams.find((w) => w.name === c?.workstream)?.offers;
  if (!c || !live || !offers || live.agentId !== agent.id || live.offeredAt !== offeredAt) return true;
  let answered = true;
  const refused = (error: unknown) => {
    if (!(error instanceof ApiError)) throw error;
    if (error.code !== 'ServiceUnavailable') return void stats.answerConflicts++;
    stats.answersUnavailable++;
    answered = false;
  };
  if (r.chance(0.02)) {
    withdrawn.add(conversationId);
    stats.customerWithdrawals++;
    await s.bus.send([conversationCommandMessage({ type: 'customerEnd', conversationId, key: `customerEnd:${conversationId}` })]);
    return true;
  }
  const declines = c.declines ?? {};
  const count = (id: string) => (Object.prototype.hasOwnProperty.call(declines, id) ? declines[id] ?? 0 : 0);
  const total = Object.values(declines).reduce((sum, n) => sum + n, 0);
  const members = config.queues.find((q) => q.name === live.queue)?.members ?? [];
  const othersLeft = members.filter((m) => m !== agent.id && count(m) < offers.maxDeclinesPerAgent).length;
  const mayDecline = total < MAX_DECLINES_PER_CHAT && (count(agent.id) + 1 < offers.maxDeclinesPerAgent || othersLeft > 0);
  const roll = r.next();
  if (!mayDecline || roll < 0.6) {
    await acceptOffer(s, agent, conversationId).then(() => stats.accepts++, refused);
  } else if (roll < 0.8 && offers.allowReject) {
    await rejectOffer(s, agent, conversationId).then(() => stats.rejects++, refused);
  } else {
    // Left to run out: the expiry the bus delivers at expiresAt, sent early (the countdown compressed);
    // half the time the agent clicks Accept at the last moment, just before or after the expiry is due.
    await sleep(r.int(0, 30));
    stats.expiriesSent++;
    const expire = async () => {
      await sleep(r.int(0, 4));
      // Its own key: the bus would drop a second message with the scheduled one's id as a duplicate. The
      // scheduled one, delivered later, finds the offer ended and does nothing (as the sweep's re-send would).
      await s.bus.send([conversationCommandMessage({ type: 'offerExpire', conversationId, key: `${offerExpiryKey(conversationId, live.epoch)}:countdown`, agentId: agent.id, epoch: live.epoch })]);
    };
    const lastMoment = async () => {
      await sleep(r.int(0, 4));
      await acceptOffer(s, agent, conversationId).then(() => stats.lastMomentAccepts++, refused);
    };
    await Promise.all([expire(), r.chance(0.5) ? lastMoment() : undefined]);
    // The expiry is sent: the offer ends whatever the accept's outcome.
    answered = true;
  }
  return answered;
}

/** The agent's client: a presence change that lost every If-Match race (HTTP 500, "safe to retry") is sent again. */
async function presence(s: Services, agentId: string, value: Presence, stats: Stats): Promise<void> {
  for (;;) {
    try {
      await setPresence(s, agentId, value);
      return;
    } catch (error) {
      if (!(error instanceof AgentUpdateConflictError)) throw error;
      stats.presenceConflicts++;
    }
  }
}

/** Stores with a bug planted: waiting chats listed newest first, agent writes that ignore If-Match, or a write that drops the live offer. */
function sabotaged(raw: Services, sabotage: RaceOptions['sabotage']): Pick<Services, 'conversations' | 'agents'> {
  if (sabotage === 'forgetOffers') {
    const conversations: ConversationStore = Object.create(raw.conversations);
    let writes = 0;
    conversations.replace = (doc, options) => raw.conversations.replace(doc.offer && ++writes % 5 === 0 ? { ...doc, offer: null, statusReason: 'AwaitingAgentAssignment' } : doc, options);
    return { conversations, agents: raw.agents };
  }
  if (sabotage === 'lifo') {
    const conversations: ConversationStore = Object.create(raw.conversations);
    conversations.listWaiting = async (queue, options) => (await raw.conversations.listWaiting(queue, { limit: 10_000 })).reverse().slice(0, options.limit);
    return { conversations, agents: raw.agents };
  }
  if (sabotage === 'blindAgentWrites') {
    const agents: AgentStore = Object.create(raw.agents);
    agents.replace = async (agent) => {
      const current = await raw.agents.get(agent.id);
      return raw.agents.replace(agent, { ifMatch: current?.etag ?? '' });
    };
    return { conversations: raw.conversations, agents };
  }
  return raw;
}

async function within<T>(promise: Promise<T>, deadline: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what()}`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
