import type { AgentState } from '../../shared/core/agent';
import type { AgentUser, Presence } from '../../shared/core/config';
import type { Conversation } from '../../shared/core/conversation';
import type { AgentStore } from '../../shared/ports/agentStore';
import type { ConversationStore } from '../../shared/ports/conversationStore';
import { QUEUES } from '../../shared/ports/messageBus';
import { updateAgentState } from '../../shared/usecases/agentStates';
import { dispatchQueue } from '../../shared/usecases/dispatchQueue';
import type { Services } from '../../shared/usecases/services';
import { assignConversation, transferConversation } from '../../shared/usecases/supervisorDesk';
import { sweep, SWEEP_GRACE_IN_MS } from '../../shared/usecases/sweep';
import { DEFAULT_DELAYS, delayedAgentStore, delayedConversationStore, Delays } from '../prove/faultyPorts';
import { mulberry32, sleep, type Random } from '../prove/random';
import { conversationWhere, customersPickTheTopic, sampleConfig, startTestHost, testClock, type ApiResponse, type TestHost } from '../support/localHostHarness';
import { invariantViolations } from './checkInvariants';
import { WriteLedger } from './writeLedger';

/**
 * A supervisor's actions racing what else happens to a chat (DESIGN.md §3 invariants 1-3): never two
 * assignees, never an agent over capacity, nothing lost. Each test replays one race over many rounds; every
 * call to the conversation and agent stores is delayed by a seeded random amount before and after it runs
 * (test/prove/faultyPorts.ts), so each round interleaves the two sides' reads and conditional writes
 * differently. Every store write is checked as it lands (WriteLedger); after each round, once the bus is
 * idle, the quiescent checks run, the round's answers must agree with where the chat ended up, and
 * force-closing the round's chats must give every agent all its units back.
 *
 * SUPERVISOR_RACE_ROUNDS=200 runs longer; SUPERVISOR_RACE_SEED=<n> picks another seed.
 */

const ROUNDS = Number(process.env.SUPERVISOR_RACE_ROUNDS ?? 16);
const SEED = Number(process.env.SUPERVISOR_RACE_SEED ?? 1);
const AGENTS = ['alice', 'bob', 'carol', 'dave'];
/** A second workstream over the same queues that offers its chats (a day to answer: nothing expires here). */
const OFFERS = 'OfferWorkStream';

jest.setTimeout(120_000);

interface Rig {
  host: TestHost;
  s: Services;
  ledger: WriteLedger;
  random: Random;
  /** Each round's answers and final states, by outcome, for the report. */
  outcomes: Map<string, number>;
}

let rig: Rig | undefined;

afterEach(async () => {
  await rig?.host.close();
  rig = undefined;
});

async function startRig(seed: number, options: { blindAgentWrites?: boolean } = {}): Promise<Rig> {
  const host = await startTestHost({
    config: sampleConfig((c) => {
      customersPickTheTopic(c);
      const [chat] = c.workstreams;
      c.workstreams.push({ ...chat!, name: OFFERS, offers: { timeoutSeconds: 86_400, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3 } });
    }),
    // Delayed stores make a command take longer than usual: the HTTP answers wait for it.
    commandWaitInMs: 20_000,
  });
  const random = mulberry32(seed);
  const ledger = new WriteLedger(host.services.directory);
  const delays = new Delays(random.fork('delays'), DEFAULT_DELAYS);
  host.services.conversations = delayedConversationStore(host.services.conversations, delays, ledger);
  const agents = options.blindAgentWrites ? blindWrites(host.services.agents) : host.services.agents;
  host.services.agents = delayedAgentStore(agents, delays, ledger);
  rig = { host, s: host.services, ledger, random: random.fork('rounds'), outcomes: new Map() };
  return rig;
}

/** Sabotage, to prove the checks can fail: every agent write goes through whatever the document became meanwhile. */
function blindWrites(inner: AgentStore): AgentStore {
  const store: AgentStore = Object.create(inner);
  store.replace = async (agent: AgentState) => inner.replace(agent, { ifMatch: (await inner.get(agent.id))!.etag });
  return store;
}

/** Sets presences in the store only: no dispatch is asked for, so nothing moves until the round says so. */
async function quietly(r: Rig, presences: Partial<Record<string, Presence>>): Promise<void> {
  for (const id of AGENTS) {
    const presence = presences[id] ?? 'Offline';
    const agent = r.s.directory.agent(id) as AgentUser;
    await updateAgentState(r.s, agent, (state) => (state.presence === presence ? undefined : { ...state, presence, updatedAt: new Date().toISOString() }));
  }
}

const idle = (r: Rig) => r.host.bus.whenIdle({ timeoutInMs: 30_000 });

async function stored(r: Rig, id: string): Promise<Conversation> {
  return (await r.s.conversations.get(id))!.value;
}

type Chat = { conversationId: string; token: string };

async function waitingChat(r: Rig, topic: 'CreditCard' | 'HomeLoan', workstream = 'ChatWorkStream'): Promise<Chat> {
  const chat = await r.host.api.startChat({ workstream, context: { BotHandoffTopic: topic } });
  await idle(r);
  expect(await stored(r, chat.conversationId)).toMatchObject({ status: 'Open', offer: null });
  return chat;
}

/** A chat `agent` holds (Active, announced); everybody else Offline. */
async function heldBy(r: Rig, agent: string, workstream = 'ChatWorkStream'): Promise<Chat> {
  await quietly(r, { [agent]: 'Available' });
  const chat = await r.host.api.startChat({ workstream, context: { BotHandoffTopic: 'CreditCard' } });
  await conversationWhere(r.host, chat.conversationId, (c) => c.status === 'Active' && c.assignee?.id === agent && c.assignmentAnnounced, `${agent} to hold the chat`, 20_000);
  await idle(r);
  return chat;
}

/**
 * Runs both sides at once, each after a random head start of 0-12 ms: about what one side's reads take before
 * its first write, so either side may write first.
 */
function race<A, B>(r: Rig, a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  const jitter = async <T>(run: () => Promise<T>) => {
    await sleep(r.random.next() * 12);
    return run();
  };
  return Promise.all([jitter(a), jitter(b)]);
}

const supervisor = (r: Rig, id: string, action: string, body?: unknown) => r.host.api.call('POST', `supervisor/conversations/${id}/${action}`, { body, token: 'dev-sam' });

function count(r: Rig, outcome: string): void {
  r.outcomes.set(outcome, (r.outcomes.get(outcome) ?? 0) + 1);
}

/**
 * The end of a round: invariants at rest, then every chat of the round force-closed (each is, or already was),
 * and every agent holds no unit any more.
 */
async function settle(r: Rig, chats: Chat[]): Promise<void> {
  await idle(r);
  const ids = chats.map((c) => c.conversationId);
  expect(await invariantViolations(r.s, ids, { quiescent: true })).toEqual([]);
  for (const id of ids) {
    const closed = await supervisor(r, id, 'close');
    if (closed.status !== 200) expect([id, closed.status, closed.body.error?.message]).toEqual([id, 409, expect.stringContaining('it is Closed')]);
  }
  await idle(r);
  expect(await invariantViolations(r.s, ids, { quiescent: true })).toEqual([]);
  const held = (await r.s.agents.list()).flatMap(({ value }) => value.reservations.map((res) => `${value.id} holds ${res.conversationId}`));
  expect(held).toEqual([]);
}

function expectNoViolations(r: Rig): void {
  if (process.env.SUPERVISOR_RACE_REPORT) process.stdout.write(`${expect.getState().currentTestName}\n  ${JSON.stringify(Object.fromEntries(r.outcomes))}\n`);
  expect({ violations: r.ledger.violations, count: r.ledger.violationCount }).toEqual({ violations: [], count: 0 });
  expect(r.host.bus.listDeadLetters(QUEUES.conversationCommands)).resolves.toEqual([]);
}

test('assign racing the dispatcher for the same chat: one assignee, and the supervisor\'s answer says which', async () => {
  const r = await startRig(SEED);
  for (let round = 0; round < ROUNDS; round++) {
    // Every other round the chat's workstream offers its chats: the dispatcher's offer is withdrawn if it lands first.
    const offers = round % 2 === 1;
    await quietly(r, {});
    const chat = await waitingChat(r, 'CreditCard', offers ? OFFERS : 'ChatWorkStream');
    const id = chat.conversationId;
    // bob may be dispatched the chat; alice (Away) only a supervisor may give it to.
    await quietly(r, { bob: 'Available', alice: 'Away' });
    const [assigned] = await race(r, () => supervisor(r, id, 'assign', { agentId: 'alice' }), () => dispatchQueue(r.s, { queue: 'CreditCardQueue' }));
    await idle(r);
    const after = await stored(r, id);
    const withdrawn = after.history.some((h) => h.type === 'offerWithdrawn');
    if (assigned.status === 200) {
      expect(after).toMatchObject({ status: 'Active', assignee: { id: 'alice' }, offer: null });
    } else {
      // Only an assignment, never an offer, beats the supervisor: an offer is withdrawn.
      expect([offers, assigned.status, after.status, after.assignee?.id]).toEqual([false, 409, 'Active', 'bob']);
    }
    count(r, `${offers ? 'offers' : 'direct'}: ${assigned.status}${withdrawn ? ', the offer withdrawn' : ''}`);
    await settle(r, [chat]);
  }
  expectNoViolations(r);
  expect(r.ledger.counts.supervisorAssignments).toBeGreaterThan(0);
});

/** alice (capacity 2) holds one chat; one chat waits in her queue, another in a queue she does not serve: both want her last unit. */
async function lastUnitRace(r: Rig) {
  const held = await heldBy(r, 'alice');
  await quietly(r, {});
  const mine = await waitingChat(r, 'CreditCard');
  const other = await waitingChat(r, 'HomeLoan');
  await quietly(r, { alice: 'Available' });
  const [assigned] = await race(r, () => supervisor(r, other.conversationId, 'assign', { agentId: 'alice' }), () => dispatchQueue(r.s, { queue: 'CreditCardQueue' }));
  await idle(r);
  return { assigned, chats: [held, mine, other], mine: await stored(r, mine.conversationId), other: await stored(r, other.conversationId) };
}

test('assign racing the dispatcher for an agent\'s last unit: one of the two chats gets it, never both', async () => {
  const r = await startRig(SEED + 1);
  for (let round = 0; round < ROUNDS; round++) {
    const { assigned, chats, mine, other } = await lastUnitRace(r);
    if (assigned.status === 200) {
      expect([other.assignee?.id, mine.status]).toEqual(['alice', 'Open']);
    } else {
      expect([assigned.status, assigned.body.error.message]).toEqual([409, expect.stringContaining('agent alice has no free capacity')]);
      expect([other.status, mine.status, mine.assignee?.id]).toEqual(['Open', 'Active', 'alice']);
    }
    count(r, `assign ${assigned.status}`);
    await settle(r, chats);
  }
  expectNoViolations(r);
});

test('the checks catch a planted bug: agent writes that ignore If-Match let the supervisor and the dispatcher both take the last unit', async () => {
  const r = await startRig(SEED + 1, { blindAgentWrites: true });
  for (let round = 0; round < ROUNDS * 4 && r.ledger.violationCount === 0; round++) {
    const { chats } = await lastUnitRace(r);
    for (const chat of chats) await supervisor(r, chat.conversationId, 'close');
    await idle(r);
  }
  if (process.env.SUPERVISOR_RACE_REPORT) process.stdout.write(`${r.ledger.violations.slice(0, 3).join('\n')}\n`);
  expect(r.ledger.violations.join('\n')).toMatch(/over its capacity|without a reservation|released while/);
});

test('force close racing the offered agent\'s accept: the chat closes, the accept is answered either way, the units go back', async () => {
  const r = await startRig(SEED + 2);
  for (let round = 0; round < ROUNDS; round++) {
    await quietly(r, { alice: 'Available' });
    const chat = await r.host.api.startChat({ workstream: OFFERS, context: { BotHandoffTopic: 'CreditCard' } });
    const id = chat.conversationId;
    await conversationWhere(r.host, id, (c) => c.offer?.agentId === 'alice', 'the offer to alice', 20_000);
    const [closed, accepted] = await race(r, () => supervisor(r, id, 'close'), () => r.host.api.agent('alice', 'POST', `/offers/${id}/accept`));
    expect(closed).toEqual({ status: 200, body: { status: 'Closed' } });
    if (accepted.status !== 200) expect([accepted.status, accepted.body.error.code]).toEqual([409, 'OfferWithdrawn']);
    await idle(r);
    expect(await stored(r, id)).toMatchObject({ status: 'Closed', statusReason: 'ForceClosedBySupervisor', offer: null });
    count(r, `accept ${accepted.status}`);
    await settle(r, [chat]);
  }
  expectNoViolations(r);
});

test('force close racing a customer message: a message accepted is never lost, and the customer is told once', async () => {
  const r = await startRig(SEED + 3);
  for (let round = 0; round < ROUNDS; round++) {
    const chat = await heldBy(r, 'alice');
    const id = chat.conversationId;
    const text = `round ${round}: are you there?`;
    const [closed, said] = await race(r, () => supervisor(r, id, 'close'), () => r.host.api.say(chat, text));
    expect(closed).toEqual({ status: 200, body: { status: 'Closed' } });
    expect([202, 409]).toContain(said.status);
    await idle(r);
    const transcript = (await r.s.transcripts.list(id)).map((m) => m.text);
    expect(transcript.filter((t) => t === text)).toHaveLength(said.status === 202 ? 1 : 0);
    expect(transcript.filter((t) => t === 'A supervisor ended the chat.')).toHaveLength(1);
    const order = transcript.indexOf(text) > transcript.indexOf('A supervisor ended the chat.') ? 'after' : 'before';
    count(r, `message ${said.status}${said.status === 202 ? `, kept ${order} the close` : ''}`);
    await settle(r, [chat]);
  }
  expectNoViolations(r);
});

test('transfer (to a queue or to an agent) racing the customer leaving: the chat ends where the answers say', async () => {
  const r = await startRig(SEED + 4);
  for (let round = 0; round < ROUNDS; round++) {
    const chat = await heldBy(r, 'alice');
    const id = chat.conversationId;
    // Nobody may take the chat in HomeLoanQueue; bob (Away) may only be handed it.
    await quietly(r, { alice: 'Available', bob: 'Away' });
    const target = round % 2 === 0 ? { queue: 'HomeLoanQueue' } : { agentId: 'bob' };
    const [moved, left] = await race<ApiResponse, ApiResponse>(r, () => supervisor(r, id, 'transfer', target), () => r.host.api.call('POST', `chats/${id}/end`, { token: chat.token }));
    expect(left.status).toBe(200);
    await idle(r);
    const after = await stored(r, id);
    if (moved.status === 200 && target.queue) {
      expect([after.status, after.statusReason]).toEqual(['Closed', 'CustomerDisconnectedOrLeftOpenConversation']);
    } else if (moved.status === 200) {
      expect([after.status, after.assignee?.id]).toEqual(['WrapUp', 'bob']);
    } else {
      expect([moved.status, moved.body.error.message]).toEqual([409, expect.stringContaining('it is WrapUp')]);
      expect([after.status, after.assignee?.id]).toEqual(['WrapUp', 'alice']);
    }
    count(r, `${target.queue ? 'to a queue' : 'to an agent'}: ${moved.status}`);
    await settle(r, [chat]);
  }
  expectNoViolations(r);
});

// ---- a handover stalled between its two writes (the races above cannot make a minute pass) -------------

/** Holds the first `replace` of conversation `id` until `open()` is called. */
function gatedReplace(inner: ConversationStore, id: string) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let reached!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  let first = true;
  const store: ConversationStore = Object.create(inner);
  store.replace = async (conversation: Conversation, options: { ifMatch: string }) => {
    if (conversation.id === id && first) {
      first = false;
      reached();
      await gate;
    }
    return inner.replace(conversation, options);
  };
  return { store, open, arrived };
}

async function stallRig() {
  const clock = testClock();
  const host = await startTestHost({ config: sampleConfig(customersPickTheTopic), clock });
  const s = host.services;
  const sam = s.directory.agent('sam') as AgentUser;
  const reservations = async (agentId: string) => ((await s.agents.get(agentId))?.value.reservations ?? []).map((res) => res.conversationId);
  return { clock, host, s, sam, reservations };
}

test('a transfer to an agent stalled past the sweep\'s grace: the sweep fences the chat before taking the reservation, so the stale commit never lands', async () => {
  const { clock, host, s, sam, reservations } = await stallRig();
  try {
    for (const agent of AGENTS) await host.api.agent(agent, 'PUT', '/presence', { presence: agent === 'alice' ? 'Available' : agent === 'bob' ? 'Away' : 'Offline' });
    const chat = await host.api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
    const id = chat.conversationId;
    const held = await conversationWhere(host, id, (c) => c.assignee?.id === 'alice' && c.assignmentAnnounced, 'alice to hold the chat');
    await host.bus.whenIdle();

    const gated = gatedReplace(s.conversations, id);
    const transferring = transferConversation({ ...s, conversations: gated.store }, sam, id, { agentId: 'bob' });
    await gated.arrived;
    expect(await reservations('bob')).toEqual([id]);
    // The supervisor's request stalls past the grace period: to the sweep, bob's reservation is a stray.
    clock.advance(SWEEP_GRACE_IN_MS + 1);
    await sweep(s);
    expect(await reservations('bob')).toEqual([]);
    expect((await s.conversations.get(id))?.value).toMatchObject({ status: 'Active', assignee: { id: 'alice' }, epoch: held.epoch + 1 });

    gated.open();
    // The stale commit fails on the fence; the supervisor's request reads the chat again and hands it over anew.
    expect(await transferring).toEqual({ status: 'Active', agentId: 'bob' });
    await host.bus.whenIdle();
    expect(await invariantViolations(s, [id], { quiescent: true })).toEqual([]);
    expect((await s.conversations.get(id))?.value).toMatchObject({ status: 'Active', assignee: { id: 'bob' }, assignmentAnnounced: true });
    expect([await reservations('alice'), await reservations('bob')]).toEqual([[], [id]]);
  } finally {
    await host.close();
  }
});

test('an assign stalled past the sweep\'s grace is fenced off the same way, and never commits without its units', async () => {
  const { clock, host, s, sam, reservations } = await stallRig();
  try {
    for (const agent of AGENTS) await host.api.agent(agent, 'PUT', '/presence', { presence: agent === 'carol' ? 'Away' : 'Offline' });
    const chat = await host.api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
    const id = chat.conversationId;
    await host.bus.whenIdle();

    // The first attempt stalls; once fenced, the conversation is gated no more and the second attempt goes through.
    const gated = gatedReplace(s.conversations, id);
    const assigning = assignConversation({ ...s, conversations: gated.store }, sam, id, 'carol');
    await gated.arrived;
    clock.advance(SWEEP_GRACE_IN_MS + 1);
    await sweep(s);
    expect(await reservations('carol')).toEqual([]);
    gated.open();
    expect(await assigning).toEqual({ status: 'Active', agentId: 'carol' });
    await host.bus.whenIdle();
    expect(await invariantViolations(s, [id], { quiescent: true })).toEqual([]);
    expect([(await s.conversations.get(id))?.value.assignee?.id, await reservations('carol')]).toEqual(['carol', [id]]);
  } finally {
    await host.close();
  }
});
