import { AppInsightsTelemetry } from '../../shared/adapters/appinsights';
import { startIngestionSink, type Envelope, type IngestionSink } from '../fixtures/ingestionSink';
import { eventually, startTestHost, type Api } from '../support/localHostHarness';

/**
 * What the use cases emit, as Application Insights receives it: the local host (sample configuration,
 * the botbuilder demo bot) wired to the real SDK and the HTTPS ingestion sink. These are the names,
 * dimensions and measurements infra/insights/bot-insights.kql reads from customEvents.
 * Run with NODE_EXTRA_CA_CERTS=test/fixtures/identity/tls-cert.pem (`npm run jest` sets it).
 */

let sink: IngestionSink;
let telemetry: AppInsightsTelemetry;
let host: Awaited<ReturnType<typeof startTestHost>>;
let api: Api;
const savedStatsbeat = process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;

beforeAll(async () => {
  if (!process.env.NODE_EXTRA_CA_CERTS) throw new Error('NODE_EXTRA_CA_CERTS is not set: run through `npm run jest`');
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  sink = await startIngestionSink();
  telemetry = new AppInsightsTelemetry({ connectionString: sink.connectionString, disableOfflineStorage: true });
  host = await startTestHost({ telemetry });
  api = host.api;
});
afterAll(async () => {
  await host?.close();
  await telemetry?.shutdown(2_000);
  await sink?.close();
  if (savedStatsbeat === undefined) delete process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;
  else process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = savedStatsbeat;
});

type Chat = { conversationId: string; token: string };

async function withBot(): Promise<Chat> {
  const chat = await api.startChat({ customer: { name: 'Dana' } });
  await eventually('the greeting', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined));
  return chat;
}

/** The custom events of one conversation, in arrival order, as [name, customDimensions, customMeasurements]. */
async function eventsOf(conversationId: string, until: string): Promise<[string, Record<string, string>, Record<string, number>][]> {
  await telemetry.flush();
  await sink.waitFor((e) => e.data?.baseData?.name === until && e.data.baseData.properties?.conversationId === conversationId);
  return sink.envelopes
    .filter((e: Envelope) => e.data?.baseType === 'EventData' && e.data.baseData?.properties?.conversationId === conversationId)
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
    .map((e) => [e.data?.baseData?.name ?? '', e.data?.baseData?.properties ?? {}, e.data?.baseData?.measurements ?? {}]);
}

test('bot escalation to a credit-card agent: the events the bot and queue KPIs are computed from', async () => {
  const chat = await withBot();
  expect((await api.say(chat, 'I need a credit card')).status).toBe(202);
  const conversation = await eventually('a credit-card agent', async () => {
    const { body } = await api.conversation(chat.conversationId);
    return body.queue === 'CreditCardQueue' && body.status === 'Active' ? body : undefined;
  });
  const agent = conversation.assignee.id as string;
  expect((await api.agent(agent, 'POST', `/conversations/${chat.conversationId}/end`)).status).toBe(200);
  expect((await api.agent(agent, 'POST', `/conversations/${chat.conversationId}/close`)).status).toBe(200);

  const events = await eventsOf(chat.conversationId, 'ConversationClosed');
  const names = events.map(([name]) => name);
  for (const name of ['ConversationStarted', 'Routed', 'Assigned', 'BotSessionStarted', 'BotSessionEnded', 'Escalated', 'ConversationClosed']) expect(names).toContain(name);
  const find = (name: string, where: (p: Record<string, string>) => boolean = () => true) => events.find(([n, p]) => n === name && where(p));

  expect(find('ConversationStarted')?.[1]).toMatchObject({ workstream: 'ChatWorkStream' });
  expect(find('Routed', (p) => p.queue === 'BotQueue')?.[1]).toMatchObject({ workstream: 'ChatWorkStream', rule: 'BotRule' });
  expect(find('Assigned', (p) => p.bot !== undefined)?.[1]).toMatchObject({ queue: 'BotQueue', bot: 'demo-bot', workstream: 'ChatWorkStream' });
  expect(find('BotSessionStarted')?.[1]).toMatchObject({ bot: 'demo-bot', queue: 'BotQueue', workstream: 'ChatWorkStream' });
  const ended = find('BotSessionEnded');
  expect(ended?.[1]).toMatchObject({ bot: 'demo-bot', outcome: 'escalated' });
  expect(ended?.[2].botTimeMs).toBeGreaterThanOrEqual(0);
  expect(find('Escalated')?.[1]).toMatchObject({ bot: 'demo-bot', rule: 'CreditCardRule', queue: 'CreditCardQueue' });
  expect(find('Routed', (p) => p.queue === 'CreditCardQueue')?.[1]).toMatchObject({ rule: 'CreditCardRule' });
  const assigned = find('Assigned', (p) => p.agent !== undefined);
  expect(assigned?.[1]).toMatchObject({ queue: 'CreditCardQueue', agent, workstream: 'ChatWorkStream' });
  expect(assigned?.[2].waitMs).toBeGreaterThanOrEqual(0);
  expect(find('ConversationClosed')?.[1]).toMatchObject({ workstream: 'ChatWorkStream', queue: 'CreditCardQueue', statusReason: 'ConversationEndedByAgent' });
});

test('a customer who leaves while with the bot: BotSessionEnded abandoned, then ConversationClosed', async () => {
  const chat = await withBot();
  expect((await api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token })).status).toBeLessThan(300);
  const events = await eventsOf(chat.conversationId, 'ConversationClosed');
  expect(events.find(([n]) => n === 'BotSessionEnded')?.[1]).toMatchObject({ bot: 'demo-bot', outcome: 'abandoned' });
  expect(events.find(([n]) => n === 'ConversationClosed')?.[1]).toMatchObject({ queue: 'BotQueue', statusReason: 'CustomerDisconnectedOrLeftActiveConversation' });
  expect(events.some(([n]) => n === 'Escalated')).toBe(false);
});
