import type { Activity } from '../../shared/core/activity';
import type { BotUser } from '../../shared/core/config';
import { AppInsightsTelemetry } from '../../shared/adapters/appinsights';
import { messageSpanIdOf, operationIdOf, rootSpanIdOf } from '../../shared/adapters/conversationTrace';
import type { BotClient, BotResponse } from '../../shared/ports/botClient';
import { startIngestionSink, type Envelope, type IngestionSink } from '../fixtures/ingestionSink';
import { eventually, RecordingBots, startTestHost, type Api } from '../support/localHostHarness';

/**
 * One Application Insights operation per conversation, end to end: the local host (sample configuration,
 * the botbuilder demo bot, the embedded bus) with the REAL applicationinsights SDK sending to the HTTPS
 * ingestion sink. A chat goes start → bot → escalation → queue → agent → close; every item about it, from
 * the HTTP functions, the command processor, the dispatcher and the bot deliveries, must carry the operation
 * derived from its id, and a bot delivery that fails once and is redelivered keeps its parent (the message).
 * Run with NODE_EXTRA_CA_CERTS=test/fixtures/identity/tls-cert.pem (`npm run jest` sets it).
 */

/** The demo bot behind a first POST that answers 503 for each conversation: the bus redelivers that activity. */
class FirstDeliveryFails implements BotClient {
  readonly recording = new RecordingBots();
  readonly failed = new Map<string, Activity>();

  postActivity(bot: BotUser, activity: Activity): Promise<BotResponse> {
    const conversationId = activity.conversation?.id ?? '';
    if (!this.failed.has(conversationId)) {
      this.failed.set(conversationId, activity);
      return Promise.resolve({ status: 503 });
    }
    return this.recording.postActivity(bot, activity);
  }
}

let sink: IngestionSink;
let telemetry: AppInsightsTelemetry;
let host: Awaited<ReturnType<typeof startTestHost>>;
let api: Api;
const bots = new FirstDeliveryFails();
const savedStatsbeat = process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;

beforeAll(async () => {
  if (!process.env.NODE_EXTRA_CA_CERTS) throw new Error('NODE_EXTRA_CA_CERTS is not set: run through `npm run jest`');
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  sink = await startIngestionSink();
  telemetry = new AppInsightsTelemetry({ connectionString: sink.connectionString, disableOfflineStorage: true });
  host = await startTestHost({ telemetry, bots });
  bots.recording.baseUrl = host.baseUrl;
  api = host.api;
});
afterAll(async () => {
  await host?.close();
  await telemetry?.shutdown(2_000);
  await sink?.close();
  if (savedStatsbeat === undefined) delete process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;
  else process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = savedStatsbeat;
});

const about = (conversationId: string) => (e: Envelope) => e.data?.baseData?.properties?.conversationId === conversationId;
const kind = (e: Envelope) => e.data?.baseType ?? e.name;
const label = (e: Envelope) => `${kind(e)} ${e.data?.baseData?.name ?? ''} from ${e.data?.baseData?.properties?.functionName ?? '(no function)'}`;

test('every item about a chat, from every function and every delivery, is in the operation derived from its id', async () => {
  const chat = await api.startChat({ customer: { name: 'Dana' } });
  await eventually('the greeting', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined), 15_000);
  expect((await api.say(chat, 'I need a credit card')).status).toBe(202);
  const conversation = await eventually('a credit-card agent', async () => {
    const { body } = await api.conversation(chat.conversationId);
    return body.queue === 'CreditCardQueue' && body.status === 'Active' ? body : undefined;
  }, 15_000);
  const agent = conversation.assignee.id as string;
  expect((await api.agent(agent, 'POST', `/conversations/${chat.conversationId}/end`)).status).toBe(200);
  expect((await api.agent(agent, 'POST', `/conversations/${chat.conversationId}/close`)).status).toBe(200);
  await host.bus.whenIdle({ timeoutInMs: 10_000 });
  await telemetry.flush();
  await sink.waitFor((e) => about(chat.conversationId)(e) && e.data?.baseData?.name === 'ConversationClosed');

  const items = sink.envelopes.filter(about(chat.conversationId));
  const operationId = chat.conversationId.replace(/-/g, '').toLowerCase();
  expect(operationIdOf(chat.conversationId)).toBe(operationId);

  // Every item: the one operation, named for the chat; the name is a tag, not a custom dimension.
  expect(items.filter((e) => e.tags?.['ai.operation.id'] !== operationId).map(label)).toEqual([]);
  expect(items.filter((e) => e.tags?.['ai.operation.name'] !== `chat ${chat.conversationId}`).map(label)).toEqual([]);
  expect(items.filter((e) => !/^[0-9a-f]{16}$/.test(e.tags?.['ai.operation.parentId'] ?? '')).map(label)).toEqual([]);
  expect(items.filter((e) => 'ai.operation.name' in (e.data?.baseData?.properties ?? {})).map(label)).toEqual([]);

  // ... from the command processor, the dispatcher and the bot deliveries (and the HTTP edge), each named.
  const functions = new Set(items.map((e) => e.data?.baseData?.properties?.functionName));
  for (const fn of ['conversationCommands', 'dispatch', 'botDeliveries']) expect([fn, functions.has(fn)]).toEqual([fn, true]);
  expect(items.filter((e) => !e.data?.baseData?.properties?.functionName).map(label)).toEqual([]);

  // The whole story is there: events, and each bot call as a dependency.
  const names = items.filter((e) => kind(e) === 'EventData').map((e) => e.data?.baseData?.name);
  for (const name of ['ConversationStarted', 'Routed', 'Assigned', 'BotSessionStarted', 'Escalated', 'BotSessionEnded', 'ConversationClosed']) expect(names).toContain(name);
  const dependencies = items.filter((e) => kind(e) === 'RemoteDependencyData');
  expect(dependencies.length).toBeGreaterThanOrEqual(2);
  expect(dependencies[0]?.data?.baseData).toMatchObject({ name: 'POST demo-bot', target: 'demo-bot' });
  expect(dependencies.every((e) => e.data?.baseData?.properties?.functionName === 'botDeliveries')).toBe(true);

  // Items a bus message of this chat caused hang from that message's span, not from the chat's root.
  const root = rootSpanIdOf(chat.conversationId);
  for (const e of items.filter((i) => ['conversationCommands', 'botDeliveries'].includes(i.data?.baseData?.properties?.functionName ?? ''))) {
    expect([label(e), e.tags?.['ai.operation.parentId']]).not.toEqual([label(e), root]);
  }

  // The bot delivery that failed once and was redelivered: both deliveries' items keep the message's span.
  const first = bots.failed.get(chat.conversationId);
  expect(first?.id).toBeDefined();
  const messageSpan = messageSpanIdOf(`bot:${first?.id}`);
  const failed = items.filter((e) => e.data?.baseData?.name === 'BotDeliveryFailed');
  expect(failed).toHaveLength(1);
  expect(failed[0]?.data?.baseData?.measurements).toMatchObject({ deliveryCount: 1 });
  const calls = dependencies.filter((e) => e.tags?.['ai.operation.parentId'] === messageSpan);
  expect(calls.map((e) => [e.data?.baseData?.success, e.data?.baseData?.resultCode])).toEqual([[false, '503'], [true, '200']]);
  expect(failed[0]?.tags?.['ai.operation.parentId']).toBe(messageSpan);
  expect(calls.every((e) => e.tags?.['ai.operation.id'] === operationId)).toBe(true);
}, 60_000);
