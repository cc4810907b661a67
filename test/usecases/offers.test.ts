import type { Config, OfferSettings } from '../../shared/core/config';
import type { Conversation, HistoryEntry } from '../../shared/core/conversation';
import { offer as makeOffer } from '../../shared/core/lifecycle';
import type { Telemetry, TelemetryProperties } from '../../shared/ports/telemetry';
import { updateAgentState } from '../../shared/usecases/agentStates';
import { reserve } from '../../shared/core/assignment';
import { sweep, SWEEP_GRACE_IN_MS } from '../../shared/usecases/sweep';
import { customersPickTheTopic, eventually, hostPerTest, RecordingBots, sampleConfig, testClock, type Api, type TestClock, type TestHost } from '../support/localHostHarness';

/**
 * Offers (workstreams[].offers): the chat is offered to the best agent with Accept/Reject and a
 * countdown, holding the agent's capacity, instead of being assigned. Over HTTP on the embedded
 * adapters, with the real demo bot, on a clock the test moves by hand (the countdown never waits).
 */

const SECOND = 1000;
const AGENTS = ['alice', 'bob', 'carol', 'dave'];
const OFFERS: OfferSettings = { timeoutSeconds: 120, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3 };

type Chat = { conversationId: string; token: string };

class RecordingTelemetry implements Telemetry {
  readonly events: { name: string; properties: TelemetryProperties; measurements?: Record<string, number> }[] = [];
  trackEvent(name: string, properties: TelemetryProperties = {}, measurements?: Record<string, number>): void {
    this.events.push({ name, properties, measurements });
  }
  trackMetric(): void {}
  trackException(): void {}
  named(name: string) {
    return this.events.filter((e) => e.name === name);
  }
}

const { start: startHost, host, idle, stored, conversationWhere } = hostPerTest();
let api: Api;
let clock: TestClock;
let telemetry: RecordingTelemetry;

async function start(offers: Partial<OfferSettings> = {}, change: (config: Config) => void = () => undefined): Promise<TestHost> {
  clock = testClock();
  telemetry = new RecordingTelemetry();
  const config = sampleConfig((c) => {
    c.workstreams[0]!.offers = { ...OFFERS, ...offers };
    // The chats start in CreditCardQueue, their topic picked by the customer.
    customersPickTheTopic(c);
    change(c);
  });
  const started = await startHost({ config, clock, bots: new RecordingBots(), telemetry });
  api = started.api;
  return started;
}

const offeredTo = (id: string, agent: string) => conversationWhere(id, (c) => c.offer?.agentId === agent, `an offer to ${agent}`);

async function reservations(agentId: string): Promise<string[]> {
  return ((await host().services.agents.get(agentId))?.value.reservations ?? []).map((r) => r.conversationId);
}

async function onlyAvailable(...agents: string[]): Promise<void> {
  for (const agent of AGENTS) {
    const presence = agents.includes(agent) ? 'Available' : 'Offline';
    expect(await api.agent(agent, 'PUT', '/presence', { presence })).toEqual({ status: 200, body: { presence } });
  }
}

/** A chat the rules send straight to CreditCardQueue (alice, bob). */
async function creditCardChat(): Promise<Chat> {
  return api.startChat({ customer: { name: 'Dana' }, context: { BotHandoffTopic: 'CreditCard' } });
}

const offerCall = (agent: string, id: string, answer: 'accept' | 'reject') => api.agent(agent, 'POST', `/offers/${id}/${answer}`);

function entries<T extends HistoryEntry['type']>(c: Conversation, type: T) {
  return c.history.filter((h): h is Extract<HistoryEntry, { type: T }> => h.type === type);
}

describe('an offer', () => {
  test('holds the agent\'s capacity, shows in GET offers with its countdown, and the customer sees nothing until Accept', async () => {
    await start();
    await onlyAvailable('alice');
    const chat = await creditCardChat();
    const id = chat.conversationId;

    const offered = await offeredTo(id, 'alice');
    expect(offered).toMatchObject({ status: 'Open', statusReason: 'Offered', queue: 'CreditCardQueue', assignee: null });
    expect(offered.offer).toEqual({ agentId: 'alice', queue: 'CreditCardQueue', offeredAt: clock.iso(), expiresAt: new Date(clock.now().getTime() + 120 * SECOND).toISOString(), epoch: offered.epoch });
    expect(await reservations('alice')).toEqual([id]);
    const list = await api.agent('alice', 'GET', '/offers');
    expect(list).toEqual({
      status: 200,
      body: { offers: [{
        conversationId: id, workstream: 'ChatWorkStream', queue: 'CreditCardQueue', customer: { id: `customer-${id}`, name: 'Dana' },
        context: { BotHandoffTopic: 'CreditCard' }, escalationSummary: null, offeredAt: offered.offer!.offeredAt, expiresAt: offered.offer!.expiresAt, allowReject: true,
      }] },
    });
    expect((await api.agent('bob', 'GET', '/offers')).body).toEqual({ offers: [] });
    await idle();
    expect((await api.messages(chat)).body).toEqual({ status: 'Open', messages: [], next: null });
    // The agent's desk lists chats it holds; an offer is not one yet.
    expect((await api.agent('alice', 'GET', '/conversations')).body.conversations).toEqual([]);

    clock.advance(30 * SECOND);
    expect(await offerCall('alice', id, 'accept')).toEqual({ status: 200, body: { status: 'Active' } });
    const active = await stored(id);
    expect(active).toMatchObject({ status: 'Active', statusReason: 'InConversation', assignee: { id: 'alice', kind: 'agent' }, offer: null, assignmentAnnounced: true });
    expect(entries(active, 'offerAccepted')).toEqual([{ type: 'offerAccepted', at: clock.iso(), agentId: 'alice', offeredAt: offered.offer!.offeredAt }]);
    expect(entries(active, 'assigned')).toEqual([{ type: 'assigned', at: clock.iso(), assignee: { id: 'alice', kind: 'agent' }, queue: 'CreditCardQueue', waitedMs: 30 * SECOND }]);
    expect(await reservations('alice')).toEqual([id]);
    expect((await api.messages(chat)).body.messages.map((m: { text: string }) => m.text)).toEqual(['Alice joined the chat.']);
    // The wait KPI counts from entering the queue to the accept.
    expect(telemetry.named('Assigned').map((e) => [e.properties.agent, e.measurements?.waitMs])).toEqual([['alice', 30 * SECOND]]);
    expect(telemetry.named('OfferAccepted').map((e) => e.measurements?.responseMs)).toEqual([30 * SECOND]);
    // Accepting again is harmless.
    expect(await offerCall('alice', id, 'accept')).toEqual({ status: 200, body: { status: 'Active' } });
  });

  test('"why this agent": the offered entry carries the trace of every candidate', async () => {
    await start();
    await onlyAvailable('alice', 'bob');
    await api.agent('bob', 'PUT', '/presence', { presence: 'Away' });
    const { conversationId: id } = await creditCardChat();
    const offered = await offeredTo(id, 'alice');
    expect(entries(offered, 'offered')).toEqual([{
      type: 'offered', at: clock.iso(), agentId: 'alice', queue: 'CreditCardQueue', expiresAt: offered.offer!.expiresAt,
      trace: {
        method: 'highestCapacity',
        chosen: 'alice',
        candidates: [
          { id: 'alice', kind: 'agent', outcome: 'chosen', rank: 1, key: '2 free units; last assigned never' },
          { id: 'bob', kind: 'agent', outcome: 'excluded', why: 'presenceNotAllowed', detail: 'presence Away; the workstream allows Available, Busy' },
        ],
      },
    }]);
  });

  test('a rejected offer gives the capacity back and goes to the next best agent; the decliner ranks last', async () => {
    await start();
    await onlyAvailable('alice', 'bob');
    const { conversationId: id } = await creditCardChat();
    const first = await offeredTo(id, 'alice');

    clock.advance(5 * SECOND);
    expect(await offerCall('bob', id, 'accept')).toMatchObject({ status: 403, body: { error: { code: 'Forbidden', message: `conversation ${id} was not offered to agent bob` } } });
    expect(await offerCall('alice', id, 'reject')).toEqual({ status: 200, body: { status: 'Open' } });
    const second = await offeredTo(id, 'bob');
    expect(second.declines).toEqual({ alice: 1 });
    expect(second.enqueuedAt).toBe(first.enqueuedAt);
    expect(entries(second, 'offerRejected')).toEqual([{ type: 'offerRejected', at: clock.iso(), agentId: 'alice', offeredAt: first.offer!.offeredAt, declines: 1 }]);
    // Alice's units come back in a command of their own: the dispatcher sees her either ranked last, as a
    // decliner, or still holding the declined offer's reservation.
    const [chosen, decliner] = entries(second, 'offered').at(-1)!.trace!.candidates;
    expect(chosen).toEqual({ id: 'bob', kind: 'agent', outcome: 'chosen', rank: 1, key: '2 free units; last assigned never' });
    expect(decliner).toEqual(decliner?.outcome === 'excluded'
      ? { id: 'alice', kind: 'agent', outcome: 'excluded', why: 'alreadyHoldsChat', detail: 'already holds a reservation for this chat' }
      : { id: 'alice', kind: 'agent', outcome: 'rankedLower', rank: 2, key: expect.stringMatching(/^declined 1 time; 2 free units; last assigned /) });
    await eventually('alice\'s units back', async () => ((await reservations('alice')).length === 0 ? true : undefined));
    expect(await reservations('bob')).toEqual([id]);
    // Alice may no longer answer it.
    expect(await offerCall('alice', id, 'accept')).toMatchObject({ status: 409, body: { error: { code: 'OfferRejected' } } });
  });

  test('an expired offer goes to the next agent, puts the agent in the onMissed presence, and a late accept is a 409 OfferExpired', async () => {
    await start({ onMissed: { setPresence: 'Away' } });
    await onlyAvailable('alice', 'bob');
    const { conversationId: id } = await creditCardChat();
    await offeredTo(id, 'alice');
    await idle();

    clock.advance(120 * SECOND - 1);
    await idle();
    expect((await stored(id)).offer?.agentId).toBe('alice');

    clock.advance(1);
    const second = await offeredTo(id, 'bob');
    expect(entries(second, 'offerExpired')).toEqual([expect.objectContaining({ agentId: 'alice', declines: 1 })]);
    await eventually('alice set Away', async () => ((await host().services.agents.get('alice'))?.value.presence === 'Away' ? true : undefined));
    expect(await reservations('alice')).toEqual([]);
    expect(await offerCall('alice', id, 'accept')).toMatchObject({ status: 409, body: { error: { code: 'OfferExpired' } } });
    expect(telemetry.named('OfferExpired')).toEqual([expect.objectContaining({ properties: expect.objectContaining({ agent: 'alice', setPresence: 'Away' }) })]);
  });

  test('an accept after the countdown but before the expiry is processed is refused with 409 OfferExpired', async () => {
    await start();
    await onlyAvailable('alice');
    const { conversationId: id } = await creditCardChat();
    await offeredTo(id, 'alice');
    clock.advance(120 * SECOND);
    expect(await offerCall('alice', id, 'accept')).toMatchObject({ status: 409, body: { error: { code: 'OfferExpired' } } });
  });

  test('a decliner is offered the chat again only when nobody else qualifies, and at most maxDeclinesPerAgent times', async () => {
    await start({ maxDeclinesPerAgent: 2 });
    await onlyAvailable('alice');
    const { conversationId: id } = await creditCardChat();
    await offeredTo(id, 'alice');
    expect((await offerCall('alice', id, 'reject')).status).toBe(200);
    const again = await conversationWhere(id, (c) => c.offer?.agentId === 'alice' && c.declines?.alice === 1, 'the second offer to alice');
    expect(entries(again, 'offered')).toHaveLength(2);
    expect((await offerCall('alice', id, 'reject')).status).toBe(200);
    await idle();
    const waiting = await stored(id);
    expect(waiting).toMatchObject({ status: 'Open', statusReason: 'AwaitingAgentAssignment', offer: null, declines: { alice: 2 } });
    expect(entries(waiting, 'offered')).toHaveLength(2);
    expect(await reservations('alice')).toEqual([]);

    // Bob comes: he gets it.
    expect((await api.agent('bob', 'PUT', '/presence', { presence: 'Available' })).status).toBe(200);
    await offeredTo(id, 'bob');
  });

  test('with allowReject false, Reject is a 403 and the offer stays live', async () => {
    await start({ allowReject: false });
    await onlyAvailable('alice');
    const { conversationId: id } = await creditCardChat();
    await offeredTo(id, 'alice');
    expect(await offerCall('alice', id, 'reject')).toMatchObject({ status: 403, body: { error: { code: 'Forbidden', message: expect.stringContaining('offers.allowReject is false') } } });
    expect((await stored(id)).offer?.agentId).toBe('alice');
    expect((await api.agent('alice', 'GET', '/offers')).body.offers[0].allowReject).toBe(false);
  });

  test('a customer who leaves withdraws the offer: the units go back and Accept is a 409 OfferWithdrawn', async () => {
    await start();
    await onlyAvailable('alice');
    const chat = await creditCardChat();
    const id = chat.conversationId;
    await offeredTo(id, 'alice');
    expect((await api.call('POST', `chats/${id}/end`, { token: chat.token })).body).toEqual({ status: 'Closed' });
    const closed = await stored(id);
    expect(closed).toMatchObject({ status: 'Closed', statusReason: 'CustomerDisconnectedOrLeftOpenConversation', offer: null });
    expect(entries(closed, 'offerWithdrawn')).toEqual([expect.objectContaining({ agentId: 'alice' })]);
    await eventually('alice\'s units back', async () => ((await reservations('alice')).length === 0 ? true : undefined));
    expect(await offerCall('alice', id, 'accept')).toMatchObject({ status: 409, body: { error: { code: 'OfferWithdrawn' } } });
  });

  test('autoAccept makes the offer an assignment at once', async () => {
    await start({ autoAccept: true });
    await onlyAvailable('alice');
    const chat = await creditCardChat();
    const active = await conversationWhere(chat.conversationId, (c) => c.status === 'Active' && c.assignmentAnnounced, 'the assignment');
    expect(active.assignee).toEqual({ id: 'alice', kind: 'agent' });
    expect(entries(active, 'assigned')).toEqual([expect.objectContaining({ autoAccepted: true, trace: expect.objectContaining({ chosen: 'alice' }) })]);
    expect(entries(active, 'offered')).toEqual([]);
  });

  test('the bot is never offered a chat: it takes it directly', async () => {
    await start();
    const chat = await api.startChat({});
    const withBot = await conversationWhere(chat.conversationId, (c) => c.status === 'Active' && c.assignee?.id === 'demo-bot', 'the bot to take the chat');
    expect(entries(withBot, 'offered')).toEqual([]);
  });

  test('the sweep re-sends an expiry lost in a crash between the offer and its expiry message', async () => {
    const { services } = await start();
    await onlyAvailable('alice');
    for (const agent of AGENTS) await api.agent(agent, 'PUT', '/presence', { presence: 'Offline' });
    const chat = await creditCardChat();
    const id = chat.conversationId;
    await conversationWhere(id, (c) => c.status === 'Open', 'the chat to wait');
    await idle();
    // What a dispatcher that died after its two writes leaves: a reservation and an offer, no expiry message.
    const at = clock.iso();
    const alice = services.directory.agent('alice')!;
    await updateAgentState(services, alice, (state) => {
      const result = reserve({ ...state, presence: 'Available' }, { conversationId: id, queue: 'CreditCardQueue', units: 1 }, alice.capacity, at);
      return result.ok ? result.state : undefined;
    });
    const waiting = (await services.conversations.get(id))!;
    await services.conversations.replace(makeOffer(waiting.value, 'alice', 'CreditCardQueue', waiting.value.epoch, at, 120), { ifMatch: waiting.etag });

    clock.advance(120 * SECOND);
    const report = await sweep(services);
    expect(report.offerExpiriesResent).toBe(1);
    expect(report.reservationsReleased).toBe(0);
    // Alice is the only one who qualifies, so the chat is offered to her again, on a reservation of its own.
    const again = await conversationWhere(id, (c) => c.declines?.alice === 1 && c.offer?.offeredAt === clock.iso(), 'the expiry, then a new offer');
    expect(entries(again, 'offerExpired')).toEqual([expect.objectContaining({ agentId: 'alice', offeredAt: at })]);
    await eventually('only the new reservation', async () => {
      const held = (await host().services.agents.get('alice'))?.value.reservations ?? [];
      return held.length === 1 && held[0]!.at === clock.iso() ? true : undefined;
    });
    expect(SWEEP_GRACE_IN_MS).toBeLessThan(120 * SECOND);
  });
});

describe('why this agent, asked', () => {
  const explain = (body: unknown) => api.call('POST', 'workstreams/ChatWorkStream/explain', { body });

  test('explain with an agents snapshot answers who would get the chat now, as an offer, with the trace', async () => {
    await start();
    const res = await explain({
      context: { BotHandoffTopic: 'CreditCard' },
      agents: [{ id: 'alice', presence: 'Away', usedUnits: 0 }, { id: 'bob', presence: 'Available', usedUnits: 1 }],
    });
    expect(res.status).toBe(200);
    expect(res.body.decision).toEqual({ rule: 'CreditCardRule', queue: 'CreditCardQueue' });
    expect(res.body.placement).toEqual({ queue: 'CreditCardQueue' });
    expect(res.body.assignment).toEqual({
      queue: 'CreditCardQueue', agent: 'bob', offer: true,
      trace: expect.objectContaining({
        method: 'highestCapacity', chosen: 'bob', order: expect.stringContaining('most free capacity units'),
        candidates: [
          { id: 'bob', kind: 'agent', outcome: 'chosen', rank: 1, key: '1 free units; last assigned never' },
          { id: 'alice', kind: 'agent', outcome: 'excluded', why: 'presenceNotAllowed', detail: 'presence Away; the workstream allows Available, Busy' },
        ],
      }),
    });
    // Nothing was written: the agents are as they were.
    expect(await host().services.agents.get('bob')).toBeUndefined();

    const full = await explain({ context: { BotHandoffTopic: 'CreditCard' }, agents: [{ id: 'alice', presence: 'Available', usedUnits: 2 }, { id: 'bob', presence: 'Available', usedUnits: 2 }] });
    expect(full.body.assignment).toMatchObject({ agent: null, trace: { chosen: null, why: 'no member can take it now: 2 without free capacity' } });
  });

  test('explain refuses a snapshot that names no agent of the configuration', async () => {
    await start();
    expect(await explain({ agents: [{ id: 'mallory', presence: 'Available', usedUnits: 0 }] })).toMatchObject({
      status: 400, body: { error: { code: 'InvalidBody', message: 'agents[0].id: "mallory" is not an agent of the configuration' } },
    });
    expect((await explain({ agents: [{ id: 'alice', presence: 'Sleeping', usedUnits: 0 }] })).status).toBe(400);
  });

  test('a waiting chat says why nobody took it', async () => {
    await start();
    await onlyAvailable();
    const { conversationId: id } = await creditCardChat();
    await conversationWhere(id, (c) => c.status === 'Open', 'the chat to wait');
    const view = (await api.conversation(id)).body;
    expect(view.waiting).toMatchObject({
      chosen: null,
      why: 'no member can take it now: 2 in a presence that gets no chats',
      candidates: [
        { id: 'alice', outcome: 'excluded', why: 'presenceNotAllowed', detail: 'presence Offline; the workstream allows Available, Busy' },
        { id: 'bob', outcome: 'excluded', why: 'presenceNotAllowed' },
      ],
    });
    expect(view.offer).toBeNull();
  });
});
