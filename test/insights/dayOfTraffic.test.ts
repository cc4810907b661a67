import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Telemetry, TelemetryProperties } from '../../shared/ports/telemetry';
import { sealInsightHours } from '../../shared/usecases/insights';
import { conversationWhere, sampleConfig, startTestHost, testClock, type TestClock, type TestHost } from '../support/localHostHarness';
import { trafficOn } from '../support/playTraffic';

/**
 * A day of traffic with known outcomes, through the real local host, the demo bot (botbuilder over loopback)
 * and the agent API, on a clock the test moves: every insight KPI is checked against values worked out by hand
 * below. The telemetry events the day produced are the sample for checking the KQL in infra/insights/ against
 * Application Insights (test/fixtures/insights/day-of-traffic.events.json; README "Insights" says how): the
 * test fails when they change, and `UPDATE_INSIGHTS_SAMPLE=1` writes them again.
 *
 * The day (UTC, 2026-11-30), demo bot in BotQueue; alice alone serves CreditCardQueue, carol alone HomeLoanQueue:
 *  1. 08:00 the customer says "bye" after 40 s: the bot resolves it.
 *  2. 08:10 the customer closes the chat after 20 s with the bot: resolved by the customer.
 *  3. 08:20 "credit card" after 30 s: escalated; alice accepts after 10 s; ends after 300 s; closes after 60 s.
 *  4. 09:00 "home loan" after 15 s: escalated; carol rejects after 5 s, misses the next offer (120 s), accepts
 *     the third after 10 s (first wait 135 s); transfers it to CreditCardQueue after 60 s; alice accepts after
 *     20 s, ends after 120 s, closes after 30 s.
 *  5. 09:30 "credit card" after 10 s, nobody available; the customer leaves after 45 s: abandoned.
 *  6. 10:00 the customer never writes: the chat is closed as idle after 10 minutes with the bot: abandoned with the bot.
 *  7. 10:20 "credit card" after 5 s: alice accepts after 50 s, ends after 100 s, closes after 20 s.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = { from: '2026-11-30T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
const SAMPLE = join(__dirname, '..', 'fixtures', 'insights', 'day-of-traffic.events.json');

interface RecordedEvent { timestamp: string; name: string; properties: Record<string, string>; measurements: Record<string, number> }

/** What Application Insights would receive as customEvents, stamped with the test's clock. */
class RecordingTelemetry implements Telemetry {
  readonly events: RecordedEvent[] = [];
  constructor(private readonly clock: TestClock) {}
  trackEvent(name: string, properties: TelemetryProperties = {}, measurements: Record<string, number> = {}): void {
    const defined = Object.fromEntries(Object.entries(properties).filter((e): e is [string, string] => e[1] !== undefined));
    this.events.push({ timestamp: this.clock.iso(), name, properties: defined, measurements });
  }
  trackMetric(): void {}
  trackException(): void {}
}

let host: TestHost;
let clock: TestClock;
let telemetry: RecordingTelemetry;
let traffic: ReturnType<typeof trafficOn>;

beforeAll(async () => {
  clock = testClock('2026-11-30T07:50:00.000Z');
  telemetry = new RecordingTelemetry(clock);
  host = await startTestHost({
    clock,
    telemetry,
    config: sampleConfig((c) => {
      for (const workstream of c.workstreams) workstream.autoClose.activeIdleMinutes = 10;
    }, { offers: true }),
  });
  traffic = trafficOn(host, clock);
  for (const [agent, presence] of [['alice', 'Available'], ['carol', 'Available'], ['bob', 'Offline'], ['dave', 'Offline']] as const) await traffic.presence(agent, presence);
  await playTheDay();
}, 120_000);
afterAll(() => host.close());

async function playTheDay(): Promise<void> {
  const { advance, at, presence, startWithTheBot, say, customerEnds, offeredTo, agentDoes } = traffic;
  await at('2026-11-30T08:00:00.000Z');
  const one = await startWithTheBot();
  await advance(40 * SECOND);
  await say(one, 'bye');
  await conversationWhere(host, one.conversationId, (c) => c.status === 'Closed', 'chat 1 to close');

  await at('2026-11-30T08:10:00.000Z');
  const two = await startWithTheBot();
  await advance(20 * SECOND);
  await customerEnds(two);

  await at('2026-11-30T08:20:00.000Z');
  const three = await startWithTheBot();
  await advance(30 * SECOND);
  await say(three, 'I need a credit card');
  await offeredTo('alice', three);
  await advance(10 * SECOND);
  await agentDoes('alice', 'accept', three);
  await advance(300 * SECOND);
  await agentDoes('alice', 'end', three);
  await advance(60 * SECOND);
  await agentDoes('alice', 'close', three);

  await at('2026-11-30T09:00:00.000Z');
  const four = await startWithTheBot();
  await advance(15 * SECOND);
  await say(four, 'a home loan please');
  await offeredTo('carol', four);
  await advance(5 * SECOND);
  await agentDoes('carol', 'reject', four);
  await offeredTo('carol', four);
  await advance(120 * SECOND);
  await conversationWhere(host, four.conversationId, (c) => (c.declines?.carol ?? 0) === 2 && c.offer?.agentId === 'carol', 'the missed offer, and a third');
  await advance(10 * SECOND);
  await agentDoes('carol', 'accept', four);
  await advance(60 * SECOND);
  await agentDoes('carol', 'transfer', four, { queue: 'CreditCardQueue' });
  await offeredTo('alice', four);
  await advance(20 * SECOND);
  await agentDoes('alice', 'accept', four);
  await advance(120 * SECOND);
  await agentDoes('alice', 'end', four);
  await advance(30 * SECOND);
  await agentDoes('alice', 'close', four);

  await at('2026-11-30T09:30:00.000Z');
  await presence('alice', 'Offline');
  const five = await startWithTheBot();
  await advance(10 * SECOND);
  await say(five, 'credit card');
  await advance(45 * SECOND);
  await customerEnds(five);
  await presence('alice', 'Available');

  await at('2026-11-30T10:00:00.000Z');
  const six = await startWithTheBot();
  await advance(10 * MINUTE);
  await conversationWhere(host, six.conversationId, (c) => c.status === 'Closed', 'chat 6 to close as idle');

  await at('2026-11-30T10:20:00.000Z');
  const seven = await startWithTheBot();
  await advance(5 * SECOND);
  await say(seven, 'credit card');
  await offeredTo('alice', seven);
  await advance(50 * SECOND);
  await agentDoes('alice', 'accept', seven);
  await advance(100 * SECOND);
  await agentDoes('alice', 'end', seven);
  await advance(20 * SECOND);
  await agentDoes('alice', 'close', seven);
  await at('2026-11-30T11:00:00.000Z');
}

const insights = (query = '') => host.api.call('GET', `insights?from=${DAY.from}&to=${DAY.to}${query}`, { token: 'dev-sam' });

test('bot insights of the day, by bot, topic and rule, with the top escalation reasons', async () => {
  const { status, body } = await insights();
  expect(status).toBe(200);
  const demoBot = {
    botConversations: 7, resolved: 2, resolvedByBot: 1, resolvedByCustomer: 1, resolutionRate: 2 / 7, averageResolutionSeconds: 30,
    escalated: 4, unreachable: 0, escalationRate: 4 / 7, averageTimeToEscalateSeconds: 15,
    abandoned: 1, abandonRate: 1 / 7, deflected: 3, deflectionRate: 3 / 7, averageBotSessionSeconds: 102.9,
  };
  expect(body.bots.total).toEqual(demoBot);
  expect(body.bots.byBot).toEqual([{ bot: 'demo-bot', ...demoBot }]);
  expect(body.bots.byRule).toEqual([{ rule: 'BotRule', ...demoBot }]);
  expect(body.bots.byTopic.map((t: any) => [t.topic, t.botConversations, t.escalated, t.averageTimeToEscalateSeconds])).toEqual([
    ['(none)', 3, 0, null],
    ['CreditCard', 3, 3, 15],
    ['HomeLoan', 1, 1, 15],
  ]);
  expect(body.bots.escalationReasons).toEqual([
    { reason: 'BotHandoffTopic = CreditCard', escalations: 3 },
    { reason: 'BotHandoffTopic = HomeLoan', escalations: 1 },
  ]);
  expect(body.bots.series.filter((p: any) => p.botConversations > 0).map((p: any) => [p.start.slice(11, 16), p.botConversations])).toEqual([['08:00', 3], ['09:00', 2], ['10:00', 2]]);
});

test('queue analytics of the day, by queue and by agent', async () => {
  const { body } = await insights();
  const byQueue = Object.fromEntries(body.queues.byQueue.map((q: any) => [q.queue, q]));
  expect(byQueue.CreditCardQueue).toEqual({
    queue: 'CreditCardQueue', incoming: 3, answered: 2, abandoned: 1, handled: 3, transferred: 0,
    serviceLevel: { 20: 0.5, 60: 1 }, averageSpeedToAnswerSeconds: 30, abandonRate: 1 / 3, averageHandleTimeSeconds: 210,
    transferRate: 0, averageFirstWaitSeconds: 35, offered: 3, offerRejectionRate: 0, offerTimeoutRate: 0,
  });
  expect(byQueue.HomeLoanQueue).toEqual({
    queue: 'HomeLoanQueue', incoming: 1, answered: 1, abandoned: 0, handled: 1, transferred: 1,
    serviceLevel: { 20: 0, 60: 0 }, averageSpeedToAnswerSeconds: 135, abandonRate: 0, averageHandleTimeSeconds: 60,
    transferRate: 1, averageFirstWaitSeconds: 135, offered: 3, offerRejectionRate: 1 / 3, offerTimeoutRate: 1 / 3,
  });
  // The bot's queue is the bot insights' (its 7 chats are the bot conversations): queue analytics leave it out.
  expect(byQueue.BotQueue).toBeUndefined();
  expect(body.queues.botQueues).toEqual(['BotQueue']);
  expect(body.queues.total).toMatchObject({ incoming: 4, answered: 3, abandoned: 1, handled: 4, transferred: 1, offered: 6, abandonRate: 0.25, averageSpeedToAnswerSeconds: 65 });
  const byAgent = Object.fromEntries(body.queues.byAgent.map((a: any) => [a.agent, a]));
  expect(byAgent.alice).toMatchObject({ answered: 2, handled: 3, averageHandleTimeSeconds: 210, offered: 3, offerRejectionRate: 0 });
  expect(byAgent.carol).toMatchObject({ answered: 1, handled: 1, transferred: 1, transferRate: 1, offered: 3, offerRejectionRate: 1 / 3, offerTimeoutRate: 1 / 3 });
  expect(body.queues.byWorkstream.map((w: any) => [w.workstream, w.incoming])).toEqual([['ChatWorkStream', 4]]);
});

test('filters: one queue, one bot; by day; the definitions come with the numbers', async () => {
  const queue = (await insights('&queue=HomeLoanQueue')).body;
  expect(queue.queues.total).toMatchObject({ incoming: 1, answered: 1, offered: 3 });
  expect(queue.bots.total.botConversations).toBe(0);
  const bot = (await insights('&bot=demo-bot&granularity=day')).body;
  expect(bot.bots.total.botConversations).toBe(7);
  expect(bot.bots.series).toEqual([expect.objectContaining({ start: DAY.from, botConversations: 7 })]);
  expect(bot.definitions.map((d: any) => d.id)).toEqual(expect.arrayContaining(['resolutionRate', 'serviceLevel', 'averageHandleTimeSeconds']));
});

test('the CSV export has a row per period and workstream, queue, agent or bot, with the same numbers', async () => {
  const res = await fetch(`${host.baseUrl}/api/insights?from=${DAY.from}&to=${DAY.to}&granularity=day&format=csv`, { headers: { authorization: 'Bearer dev-sam' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="switchboard-insights-2026-11-30T00-2026-12-01T00\.csv"$/);
  const [header, ...lines] = (await res.text()).trim().split('\n');
  const columns = header!.split(',');
  const rows = lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i], value])));
  expect(rows.map((r) => [r.family, r.name])).toEqual([
    ['bot', 'demo-bot'], ['workstream', 'ChatWorkStream'], ['queue', 'CreditCardQueue'], ['queue', 'HomeLoanQueue'], ['agent', 'alice'], ['agent', 'carol'],
  ]);
  expect(rows[4]).toMatchObject({ answered: '2', handled: '3', averageHandleTimeSeconds: '210', offered: '3' });
  expect(rows[2]).toMatchObject({ period: DAY.from, incoming: '3', answered: '2', averageSpeedToAnswerSeconds: '30', serviceLevel20s: '0.5', serviceLevel60s: '1', averageHandleTimeSeconds: '210' });
  expect(rows[0]).toMatchObject({ botConversations: '7', resolved: '2', escalated: '4', averageBotSessionSeconds: '102.9' });
});

test('sealing the hours changes no number, and a sealed day is read from its aggregates alone', async () => {
  const before = (await insights()).body;
  await traffic.at('2026-12-01T00:10:00.000Z');
  await sealInsightHours(host.services);
  const sealed = await host.services.insights.hours('ChatWorkStream', DAY.from, DAY.to);
  expect(sealed.map((h) => [h.value.hour.slice(11, 16), h.value.sealed])).toEqual([['08:00', true], ['09:00', true], ['10:00', true]]);
  const read = jest.spyOn(host.services.insights, 'read');
  const after = (await insights()).body;
  expect(read).not.toHaveBeenCalled();
  read.mockRestore();
  expect({ ...after, generatedAt: undefined }).toEqual({ ...before, generatedAt: undefined });
});

test('the day\'s telemetry is the sample the KQL is checked with in Azure (UPDATE_INSIGHTS_SAMPLE=1 writes it again)', () => {
  const ids = new Map<string, string>();
  const named = (id: string) => ids.get(id) ?? (ids.set(id, `chat-${ids.size + 1}`), ids.get(id) as string);
  const sample = telemetry.events.map((e) => ({
    ...e,
    properties: Object.fromEntries(Object.entries(e.properties).map(([k, v]) => [k, k === 'conversationId' ? named(v) : v])),
  }));
  // Events of one instant come from concurrent handlers in no fixed order: the sample is kept in a stable one.
  const line = (e: RecordedEvent) => `${e.timestamp} ${e.name} ${JSON.stringify(e.properties)} ${JSON.stringify(e.measurements)}`;
  sample.sort((a, b) => line(a).localeCompare(line(b)));
  if (process.env.UPDATE_INSIGHTS_SAMPLE === '1') {
    mkdirSync(dirname(SAMPLE), { recursive: true });
    writeFileSync(SAMPLE, `${JSON.stringify(sample, null, 1)}\n`);
  }
  expect(sample).toEqual(JSON.parse(readFileSync(SAMPLE, 'utf8')));
});
