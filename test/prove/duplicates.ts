import type { Activity } from '../../shared/core/activity';
import type { Config } from '../../shared/core/config';
import type { BotClient, BotResponse } from '../../shared/ports/botClient';
import { QUEUES } from '../../shared/ports/messageBus';
import { Api, sampleConfig, startTestHost, testClock } from '../support/localHostHarness';
import { mulberry32, sleep, type Random } from './random';

/**
 * Proof 3, duplicates: many chats with the bot; every customer message and every bot activity is
 * sent 1-3 times with the same id, the copies spread over a random interleaving of all chats, with
 * gaps: none, a few ms, or minutes of (test) clock, some longer than the bus's 10-minute duplicate
 * detection window, so the conversation's own record of applied commands has to hold. A few chats
 * are long (more than 200 commands) and have their first messages resent after such a gap.
 * One chat's sends are sequential (a client waits for its answer), chats run concurrently.
 * Checks, per chat: each accepted id is in the transcript once, in first-acceptance order; the
 * conversation counted each customer message once; the bot received each forwarded message once
 * and in order; an Escalate sent several times escalated once; every copy got the same answer.
 */

export interface DuplicateOptions {
  seed: number;
  chats: number;
  /** Customer messages and bot activities per ordinary chat. */
  eventsPerChat: [number, number];
  /** Chats with more than 200 commands, whose first messages are resent after a long gap. */
  longChats: number;
  concurrency: number;
  log?: (line: string) => void;
}

export const LARGE_DUPLICATES: Omit<DuplicateOptions, 'seed'> = { chats: 300, eventsPerChat: [4, 12], longChats: 3, concurrency: 16 };
export const SMALL_DUPLICATES: Omit<DuplicateOptions, 'seed'> = { chats: 40, eventsPerChat: [3, 8], longChats: 1, concurrency: 8 };

export interface DuplicateReport {
  seed: number;
  ok: boolean;
  durationInMs: number;
  violations: string[];
  stats: Record<string, number>;
}

const MINUTE = 60_000;

interface Counters {
  sends: number;
  duplicatesSent: number;
  /** Pauses of the whole storm with the clock moved on by minutes; long ones pass the bus's 10-minute duplicate window. */
  gaps: number;
  longGaps: number;
  shortPauses: number;
  effectsChecked: number;
  botDeliveriesChecked: number;
}

type Event =
  | { kind: 'customer'; id: string; text: string }
  | { kind: 'bot'; id: string; text: string }
  | { kind: 'escalate'; id: string };

interface Send {
  chat: number;
  event: Event;
  copy: number;
}

interface ChatRun {
  index: number;
  conversationId: string;
  token: string;
  /** Ids in the order their first copy was accepted, per kind. */
  acceptedCustomer: string[];
  acceptedBot: string[];
  escalatedAt?: number;
  /** Customer messages accepted while the bot still held the chat (before the Escalate was accepted). */
  forwardable: string[];
  answers: Map<string, string[]>;
}

/** Records what the system POSTs to the bot, and answers 200: the proof sends the bot's activities itself. */
class SilentBot implements BotClient {
  readonly received = new Map<string, string[]>();
  async postActivity(_bot: unknown, activity: Activity): Promise<BotResponse> {
    const id = activity.conversation?.id ?? '';
    if (activity.type === 'message') this.received.set(id, [...(this.received.get(id) ?? []), activity.id ?? '']);
    return { status: 200 };
  }
}

function plan(random: Random, chats: number, options: DuplicateOptions): { events: Event[][]; sends: (Send | 'gap')[] } {
  const events: Event[][] = [];
  for (let i = 0; i < chats; i++) {
    const long = i < options.longChats;
    const count = long ? 230 : random.int(options.eventsPerChat[0], options.eventsPerChat[1]);
    const list: Event[] = [];
    for (let k = 0; k < count; k++) {
      list.push(random.chance(long ? 0.6 : 0.55) ? { kind: 'customer', id: `c${i}-m${k}`, text: `message ${k} of chat ${i}` } : { kind: 'bot', id: `c${i}-b${k}`, text: `answer ${k} of chat ${i}` });
    }
    if (!long && random.chance(0.3)) list.push({ kind: 'escalate', id: `c${i}-escalate` });
    events.push(list);
  }
  // Copies: 1-3 of each event, a copy up to 6 events after its original (never before it), so each
  // chat's first copies keep the event order; then the chats interleave at random.
  const perChat: Send[][] = events.map((list, chat) => {
    const placed: { at: number; send: Send }[] = [];
    list.forEach((event, k) => {
      placed.push({ at: k, send: { chat, event, copy: 1 } });
      for (let copy = 2, copies = random.int(1, 3); copy <= copies; copy++) placed.push({ at: k + random.next() * 6 + 0.001, send: { chat, event, copy } });
    });
    return placed.sort((a, b) => a.at - b.at).map((p) => p.send);
  });
  const sends: (Send | 'gap')[] = [];
  const cursors = perChat.map(() => 0);
  let left = perChat.reduce((n, s) => n + s.length, 0);
  while (left > 0) {
    const chat = random.int(0, perChat.length - 1);
    const list = perChat[chat] as Send[];
    const at = cursors[chat] as number;
    if (at >= list.length) continue;
    sends.push(list[at] as Send);
    cursors[chat] = at + 1;
    left--;
    if (random.chance(0.01)) sends.push('gap');
  }
  // The long chats: their first 20 messages once more, after a gap past the bus's duplicate window.
  sends.push('gap');
  for (let i = 0; i < options.longChats; i++) {
    for (const event of (events[i] as Event[]).slice(0, 20)) sends.push({ chat: i, event, copy: 9 });
  }
  return { events, sends };
}

export async function runDuplicates(options: DuplicateOptions): Promise<DuplicateReport> {
  const began = Date.now();
  const random = mulberry32(options.seed);
  const clock = testClock();
  const bot = new SilentBot();
  const config: Config = sampleConfig();
  const host = await startTestHost({ config, clock, bots: bot, maxConcurrentSessions: 16 });
  const api: Api = host.api;
  const violations: string[] = [];
  const stats: Counters = { sends: 0, duplicatesSent: 0, gaps: 0, longGaps: 0, shortPauses: 0, effectsChecked: 0, botDeliveriesChecked: 0 };
  try {
    const { events, sends } = plan(random.fork('plan'), options.chats, options);
    // Every chat with the bot, announced, before the storm.
    const runs: ChatRun[] = [];
    for (let i = 0; i < options.chats; i++) {
      const chat = await api.startChat({ customer: { name: `customer ${i}` } });
      runs.push({ index: i, ...chat, acceptedCustomer: [], acceptedBot: [], forwardable: [], answers: new Map() });
    }
    await host.bus.whenIdle({ timeoutInMs: 60_000 });
    for (const run of runs) {
      const c = (await host.services.conversations.get(run.conversationId))?.value;
      if (c?.assignee?.id !== 'demo-bot' || !c.assignmentAnnounced) throw new Error(`${run.conversationId} is not with the bot before the storm`);
    }
    options.log?.(`  seed ${options.seed}: ${runs.length} chats with the bot; ${sends.filter((s) => s !== 'gap').length} sends of ${events.reduce((n, e) => n + e.length, 0)} events`);

    // The storm: sends in plan order, up to `concurrency` at once, one at a time per chat.
    const busy = new Set<number>();
    const inFlight = new Set<Promise<void>>();
    const gaps = random.fork('gaps');
    for (const send of sends) {
      if (send === 'gap') {
        await Promise.all(inFlight);
        await host.bus.whenIdle({ timeoutInMs: 60_000 });
        const minutes = gaps.pick([1, 4, 11, 15]);
        clock.advance(minutes * MINUTE);
        stats.gaps++;
        if (minutes > 10) stats.longGaps++;
        continue;
      }
      while (busy.has(send.chat) || inFlight.size >= options.concurrency) await Promise.race(inFlight);
      busy.add(send.chat);
      const run = runs[send.chat] as ChatRun;
      const p: Promise<void> = (async () => {
        if (gaps.chance(0.05)) {
          stats.shortPauses++;
          await sleep(gaps.int(1, 20));
        }
        await deliver(api, run, send, stats);
      })().finally(() => {
        busy.delete(send.chat);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    await host.bus.whenIdle({ timeoutInMs: 60_000 });
    violations.push(...(await check(host, runs, bot, stats)));
  } catch (error) {
    violations.push(`the run failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  } finally {
    await host.close();
  }
  return { seed: options.seed, ok: violations.length === 0, durationInMs: Date.now() - began, violations, stats: { ...stats } };
}

async function deliver(api: Api, run: ChatRun, send: Send, stats: Counters): Promise<void> {
  stats.sends++;
  if (send.copy > 1) stats.duplicatesSent++;
  const { event } = send;
  let answer: { status: number; body: any };
  if (event.kind === 'customer') {
    answer = await api.call('POST', `chats/${run.conversationId}/messages`, { body: { text: event.text, id: event.id }, token: run.token });
    if (answer.status === 202 && !run.acceptedCustomer.includes(event.id)) {
      run.acceptedCustomer.push(event.id);
      if (run.escalatedAt === undefined) run.forwardable.push(event.id);
    }
  } else {
    const activity = event.kind === 'bot'
      ? { type: 'message', id: event.id, text: event.text, from: { id: 'demo-bot' }, channelData: { deliveryMode: 'bridged' } }
      : { type: 'message', id: event.id, text: 'to a human', from: { id: 'demo-bot' }, channelData: { tags: JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } }) } };
    answer = await api.call('POST', `connector/v3/conversations/${encodeURIComponent(run.conversationId)}/activities`, { body: activity });
    if (answer.status === 200 && event.kind === 'bot' && !run.acceptedBot.includes(event.id)) run.acceptedBot.push(event.id);
    if (answer.status === 200 && event.kind === 'escalate' && run.escalatedAt === undefined) run.escalatedAt = run.acceptedCustomer.length;
  }
  run.answers.set(event.id, [...(run.answers.get(event.id) ?? []), `${answer.status} ${JSON.stringify(answer.body)}`]);
}

async function check(host: Awaited<ReturnType<typeof startTestHost>>, runs: ChatRun[], bot: SilentBot, stats: Counters): Promise<string[]> {
  const problems: string[] = [];
  const s = host.services;
  let effects = 0;
  for (const run of runs) {
    const id = run.conversationId;
    const c = (await s.conversations.get(id))?.value;
    if (!c) {
      problems.push(`${id}: gone`);
      continue;
    }
    const transcript = await s.transcripts.list(id);
    const customer = transcript.filter((m) => m.role === 'customer').map((m) => m.id);
    const fromBot = transcript.filter((m) => m.role === 'bot' && m.visibility === 'everyone').map((m) => m.id);
    const same = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b);
    if (!same(customer, run.acceptedCustomer)) problems.push(`chat ${run.index} (${id}): customer messages in the transcript ${JSON.stringify(customer)}, accepted ${JSON.stringify(run.acceptedCustomer)}`);
    if (!same(fromBot, run.acceptedBot)) problems.push(`chat ${run.index} (${id}): bot messages in the transcript ${JSON.stringify(fromBot)}, accepted ${JSON.stringify(run.acceptedBot)}`);
    if (c.customerMessageCount !== run.acceptedCustomer.length) problems.push(`chat ${run.index} (${id}): customerMessageCount ${c.customerMessageCount} for ${run.acceptedCustomer.length} distinct accepted messages`);
    const toBot = (bot.received.get(id) ?? []).map((a) => a.slice(id.length + 1));
    // A message accepted before the bot's Escalate reaches the bot unless the escalation is applied before
    // its delivery: a bot that has left the chat is sent nothing more (its replies would be refused). The
    // deliveries of a chat are in order, so what such a race drops is a tail; without an escalation, nothing.
    const received = run.escalatedAt === undefined ? same(toBot, run.forwardable) : same(toBot, run.forwardable.slice(0, toBot.length));
    if (!received) problems.push(`chat ${run.index} (${id}): the bot received ${JSON.stringify(toBot)}, expected each of ${JSON.stringify(run.forwardable)} once, in order${run.escalatedAt === undefined ? '' : ' (a tail may be dropped by the escalation)'}`);
    const escalations = c.history.filter((h) => h.type === 'escalated').length;
    if (escalations !== (run.escalatedAt === undefined ? 0 : 1) || c.counters.escalations !== escalations) problems.push(`chat ${run.index} (${id}): ${escalations} escalation(s) in the history, counter ${c.counters.escalations}`);
    const keys = new Set<string>();
    for (const key of c.applied) {
      if (keys.has(key)) problems.push(`chat ${run.index} (${id}): command ${key} applied twice`);
      keys.add(key);
    }
    for (const [eventId, answers] of run.answers) {
      // Once the Escalate is applied the bot no longer holds the chat (403), and a closed chat refuses messages (409): no effect either.
      const distinct = new Set(answers.filter((a) => a.startsWith('2')));
      if (distinct.size > 1) problems.push(`chat ${run.index}: the copies of ${eventId} got different answers: ${[...distinct].join(' / ')}`);
    }
    effects += customer.length + fromBot.length + escalations;
  }
  for (const queue of Object.values(QUEUES)) {
    for (const dead of await host.bus.listDeadLetters(queue)) problems.push(`dead letter on ${queue}: ${dead.messageId} (${dead.reason}: ${dead.description})`);
  }
  stats.effectsChecked = effects;
  stats.botDeliveriesChecked = [...bot.received.values()].reduce((n, l) => n + l.length, 0);
  return problems;
}
