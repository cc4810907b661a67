import type { Config } from '../../shared/core/config';
import { QUEUES, type OutgoingMessage } from '../../shared/ports/messageBus';
import type { Telemetry } from '../../shared/ports/telemetry';
import { conversationCommandMessage, dispatchMessage } from '../../shared/usecases/commands';
import type { Services } from '../../shared/usecases/services';
import { invariantViolations } from '../invariants/checkInvariants';
import { customersPickTheTopic, eventually, RecordingBots, sampleConfig, startTestHost, type Api } from '../support/localHostHarness';
import { failingConversationStore, type FailurePlan } from './faultyPorts';
import { mulberry32, sleep, type Random } from './random';
import { percentile } from './stats';

/**
 * Proof 4, poison: messages that can never succeed, on every queue, while ordinary chats run through
 * the real demo bot to agents:
 * - undecodable conversation commands, some in the very sessions of ordinary chats;
 * - well-formed commands for conversations that do not exist;
 * - dispatch requests for a queue that does not exist; bot deliveries for a bot that does not exist;
 * - a store failure injected for chosen conversations (every read of them throws), so each of their
 *   commands fails on every delivery;
 * - a store failure injected on the writes of one chat waiting first in line in CreditCardQueue, so
 *   every attempt to assign it fails, while ordinary chats are escalated into the same queue.
 * Checks: each poison message is dead-lettered with the right reason (PoisonMessage at once, or
 * MaxDeliveryCountExceeded after exactly the max delivery count, with the failure as description);
 * nothing else is; every ordinary chat completes (greeted, answered, escalated, assigned to an agent)
 * and does so while the failing messages are still being retried; and their latency is compared
 * with a phase of the same traffic without poison, in the same run.
 */

export interface PoisonOptions {
  seed: number;
  /** Ordinary chats per phase (a baseline phase without poison, then one with). */
  chats: number;
  /** Conversations whose store reads fail. */
  failingChats: number;
  /** Undecodable / unknown-target messages of each kind. */
  poisonPerKind: number;
  maxDeliveryCount: number;
  log?: (line: string) => void;
}

export const LARGE_POISON: Omit<PoisonOptions, 'seed'> = { chats: 150, failingChats: 20, poisonPerKind: 25, maxDeliveryCount: 10 };
export const SMALL_POISON: Omit<PoisonOptions, 'seed'> = { chats: 20, failingChats: 4, poisonPerKind: 4, maxDeliveryCount: 6 };

export interface PoisonReport {
  seed: number;
  ok: boolean;
  durationInMs: number;
  violations: string[];
  stats: Record<string, number | string>;
}

interface Latency {
  /** From the first customer message to the bot's answer in the transcript. */
  answerInMs: number;
  /** From "credit card" to an agent holding the chat. */
  assignInMs: number;
  doneAt: number;
}

class CountingTelemetry implements Telemetry {
  readonly exceptions: string[] = [];
  trackEvent(): void {}
  trackMetric(): void {}
  trackException(error: unknown): void {
    this.exceptions.push(error instanceof Error ? error.message : String(error));
  }
}

export async function runPoison(options: PoisonOptions): Promise<PoisonReport> {
  const began = Date.now();
  const random = mulberry32(options.seed);
  const telemetry = new CountingTelemetry();
  const failing = new Set<string>();
  const brokenWrites = new Set<string>();
  const plan: FailurePlan = {
    failures: 0,
    failFor: (id, operation) => failing.has(id) || (operation === 'write' && brokenWrites.has(id)),
  };
  // Room for every ordinary chat: the proof is about poison, not capacity.
  const config: Config = sampleConfig((c) => {
    // A broken chat starts in CreditCardQueue, its topic picked by the customer.
    customersPickTheTopic(c);
    for (const user of c.users) if (user.kind === 'agent') user.capacity = 1000;
  });
  const bots = new RecordingBots();
  const host = await startTestHost({ config, bots, maxDeliveryCount: options.maxDeliveryCount, telemetry, maxConcurrentSessions: 16 });
  bots.baseUrl = host.baseUrl;
  const s: Services = host.services;
  const raw: Services = { ...s };
  s.conversations = failingConversationStore(s.conversations, plan);
  const { api, bus } = host;
  const violations: string[] = [];
  const stats: Record<string, number | string> = {};
  const expectedDead = new Map<string, { queue: string; reason: string; description: RegExp }>();
  try {
    // Phase A: the baseline.
    const baseline = await ordinaryChats(api, s, options.chats, random.fork('baseline'), () => undefined);
    await bus.whenIdle({ timeoutInMs: 60_000 });
    options.log?.(`  seed ${options.seed}: baseline: ${baseline.length} chats, answer p50 ${percentile(baseline.map((l) => l.answerInMs), 50)} ms, assignment p50 ${percentile(baseline.map((l) => l.assignInMs), 50)} ms`);

    // Phase B setup: chats that will fail, made while the store still works.
    const failingIds: string[] = [];
    for (let i = 0; i < options.failingChats; i++) failingIds.push((await api.startChat({ customer: { name: `failing ${i}` } })).conversationId);
    for (const agent of ['alice', 'bob']) await api.agent(agent, 'PUT', '/presence', { presence: 'Offline' });
    const broken = (await api.startChat({ context: { BotHandoffTopic: 'CreditCard' } })).conversationId;
    await bus.whenIdle({ timeoutInMs: 60_000 });
    for (const id of failingIds) failing.add(id);
    brokenWrites.add(broken);

    // The poison, all at once, then the ordinary chats of phase B while it is being retried.
    const poison = poisonMessages(random.fork('poison'), options, failingIds, expectedDead);
    const poisonSentAt = Date.now();
    await bus.send(poison);
    for (const agent of ['alice', 'bob']) await api.agent(agent, 'PUT', '/presence', { presence: 'Available' });
    const during = await ordinaryChats(api, s, options.chats, random.fork('during'), (id) => {
      // Poison in the ordinary chat's own session, right before its messages.
      const body = { type: 'customerMessage', conversationId: id, key: `customer:${id}:bad`, text: 42 };
      const messageId = `poison-in-session:${id}`;
      expectedDead.set(messageId, { queue: QUEUES.conversationCommands, reason: 'PoisonMessage', description: /^undecodable conversation command: / });
      return { queue: QUEUES.conversationCommands, sessionId: id, messageId, body };
    });
    const ordinaryDoneAt = Math.max(...during.map((l) => l.doneAt));
    const retrying = [...expectedDead].filter(([, e]) => e.reason === 'MaxDeliveryCountExceeded').map(([id]) => id);
    const deadByThen = new Set((await bus.listDeadLetters(QUEUES.conversationCommands)).map((d) => d.messageId));
    const stillRetrying = retrying.filter((id) => !deadByThen.has(id)).length;
    await bus.whenIdle({ timeoutInMs: 10 * 60_000 });
    const drainedAt = Date.now();

    // Checks.
    const dead = new Map<string, { queue: string; reason: string; description: string; deliveryCount: number }>();
    for (const queue of Object.values(QUEUES)) for (const d of await bus.listDeadLetters(queue)) dead.set(d.messageId, { queue, ...d });
    for (const [messageId, expected] of expectedDead) {
      const found = dead.get(messageId);
      if (!found) {
        violations.push(`${messageId}: not dead-lettered (expected ${expected.reason} on ${expected.queue})`);
        continue;
      }
      if (found.queue !== expected.queue || found.reason !== expected.reason || !expected.description.test(found.description)) {
        violations.push(`${messageId}: dead-lettered on ${found.queue} as ${found.reason} (${found.description}); expected ${expected.reason} on ${expected.queue} matching ${expected.description}`);
      }
      if (found.reason === 'MaxDeliveryCountExceeded' && found.deliveryCount !== options.maxDeliveryCount) {
        violations.push(`${messageId}: dead-lettered after ${found.deliveryCount} deliveries, the max is ${options.maxDeliveryCount}`);
      }
    }
    for (const [messageId, d] of dead) if (!expectedDead.has(messageId)) violations.push(`${messageId}: dead-lettered on ${d.queue} but is no poison (${d.reason}: ${d.description})`);
    if (during.length !== options.chats) violations.push(`only ${during.length} of ${options.chats} ordinary chats completed while the poison was retried`);
    // Reservations match holders: a failed assignment attempt gave its units back.
    violations.push(...(await invariantViolations(raw, [broken, ...failingIds], { quiescent: true })));
    // The failing messages take about 2^(maxDeliveryCount-1) x 100 ms of backoff to be dead-lettered.
    if (stillRetrying === 0) violations.push(`inconclusive: every failing message was dead-lettered before the last ordinary chat completed (${ordinaryDoneAt - poisonSentAt} ms); nothing shows they flowed past it`);
    const brokenNow = (await host.services.conversations.get(broken).catch(() => undefined))?.value;
    stats.brokenChatStatus = brokenNow?.status ?? 'unreadable';
    stats.failingMessagesStillRetryingWhenOrdinaryChatsDone = `${stillRetrying}/${retrying.length}`;

    const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : NaN);
    Object.assign(stats, {
      poisonMessages: expectedDead.size,
      deadLetters: dead.size,
      injectedStoreFailures: plan.failures,
      dispatchExceptionsTracked: telemetry.exceptions.length,
      ordinaryChatsBaseline: baseline.length,
      ordinaryChatsDuringPoison: during.length,
      'answer p50 ms (baseline/during)': `${percentile(baseline.map((l) => l.answerInMs), 50)}/${percentile(during.map((l) => l.answerInMs), 50)}`,
      'answer p99 ms (baseline/during)': `${percentile(baseline.map((l) => l.answerInMs), 99)}/${percentile(during.map((l) => l.answerInMs), 99)}`,
      'assign p50 ms (baseline/during)': `${percentile(baseline.map((l) => l.assignInMs), 50)}/${percentile(during.map((l) => l.assignInMs), 50)}`,
      'assign p99 ms (baseline/during)': `${percentile(baseline.map((l) => l.assignInMs), 99)}/${percentile(during.map((l) => l.assignInMs), 99)}`,
      assignP99Ratio: ratio(percentile(during.map((l) => l.assignInMs), 99), percentile(baseline.map((l) => l.assignInMs), 99)),
      ordinaryDoneAfterPoisonMs: ordinaryDoneAt - poisonSentAt,
      poisonDrainedAfterMs: drainedAt - poisonSentAt,
    });
  } catch (error) {
    violations.push(`the run failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  } finally {
    await host.close();
  }
  return { seed: options.seed, ok: violations.length === 0, durationInMs: Date.now() - began, violations, stats };
}

/** Every kind of poison, each registered in `expected` with the dead-letter it must become. */
function poisonMessages(random: Random, options: PoisonOptions, failingIds: string[], expected: Map<string, { queue: string; reason: string; description: RegExp }>): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  const add = (message: OutgoingMessage, reason: string, description: RegExp) => {
    out.push(message);
    expected.set(message.messageId, { queue: message.queue, reason, description });
  };
  const undecodable = [
    (i: number) => ({ type: 'customerMessage', conversationId: `nobody-${i}` }),
    (i: number) => ({ type: 'selfDestruct', conversationId: `nobody-${i}`, key: `x-${i}` }),
    () => 'not even an object',
    () => null,
    (i: number) => ({ type: 'autoClose', conversationId: `nobody-${i}`, key: `k-${i}`, status: 'Sideways', epoch: 'one' }),
  ];
  for (let i = 0; i < options.poisonPerKind; i++) {
    add({ queue: QUEUES.conversationCommands, sessionId: `poison-session-${i}`, messageId: `undecodable-${i}`, body: random.pick(undecodable)(i) }, 'PoisonMessage', /^undecodable conversation command: /);
    const ghost = `ghost-${i}`;
    add(conversationCommandMessage({ type: 'customerEnd', conversationId: ghost, key: `customerEnd:${ghost}` }), 'PoisonMessage', /does not exist/);
    add(dispatchMessage(`NoSuchQueue${i}`, `dispatch:NoSuchQueue${i}:poison`), 'PoisonMessage', /unknown queue/);
    add({ queue: QUEUES.botDeliveries, sessionId: `poison-delivery-${i}`, messageId: `bot:poison-${i}`, body: { conversationId: `poison-delivery-${i}`, botId: 'no-such-bot', activity: { type: 'message', id: `p${i}` } } }, 'PoisonMessage', /unknown bot/);
  }
  for (const id of failingIds) {
    add(conversationCommandMessage({ type: 'customerMessage', conversationId: id, key: `customer:${id}:doomed`, messageId: 'doomed', text: 'this will never be read' }), 'MaxDeliveryCountExceeded', /injected store failure: get of conversation/);
  }
  return random.shuffle(out);
}

/** Chats through the demo bot to an agent, all at once; returns each one's latencies. */
async function ordinaryChats(api: Api, s: Services, count: number, random: Random, before: (id: string) => OutgoingMessage | undefined): Promise<Latency[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    await sleep(random.int(0, 50));
    const chat = await api.startChat({ customer: { name: `ordinary ${i}` } });
    const id = chat.conversationId;
    await eventually(`the greeting in ${id}`, async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined), 60_000);
    const poison = before(id);
    if (poison) await s.bus.send([poison]);
    const asked = Date.now();
    if ((await api.say(chat, 'what can you do?')).status !== 202) throw new Error(`${id}: message refused`);
    await eventually(`the answer in ${id}`, async () => ((await api.messages(chat)).body.messages.filter((m) => m.role === 'bot').length >= 2 ? true : undefined), 60_000);
    const answered = Date.now();
    const escalated = Date.now();
    if ((await api.say(chat, 'I need a credit card')).status !== 202) throw new Error(`${id}: message refused`);
    await eventually(`an agent for ${id}`, async () => {
      const c = (await s.conversations.get(id))?.value;
      return c?.status === 'Active' && c.assignee?.kind === 'agent' && c.assignmentAnnounced ? true : undefined;
    }, 120_000);
    const done = Date.now();
    return { answerInMs: answered - asked, assignInMs: done - escalated, doneAt: done };
  }));
}
