import { ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmosContainers';
import { createCosmosClient } from '../../shared/adapters/cosmos/createCosmosClient';
import type { AzureSettings } from '../../shared/host/azure/azureSettings';
import { startCloudHost } from '../../shared/host/local/localHost';
import { QUEUES } from '../../shared/ports/messageBus';
import { startCosmosServer, type CosmosTestServer } from '../fixtures/cosmosServer';
import { startServiceBusBroker, type ServiceBusBroker } from '../fixtures/serviceBusBroker';
import { Api, eventually, sampleConfig } from '../support/localHostHarness';
import { SseClient } from '../support/sseClient';

/**
 * The Azure adapters together, under the real use cases: Cosmos DB stores against a Cosmos DB
 * server, the Service Bus adapter and session triggers against the AMQP test broker, the reference
 * setup played over HTTP with the demo bot. This is also what `npm start` does against real Azure.
 */
let cosmos: CosmosTestServer;
let broker: ServiceBusBroker;
let host: Awaited<ReturnType<typeof startCloudHost>>;
let api: Api;
let azure: AzureSettings;

beforeAll(async () => {
  cosmos = await startCosmosServer();
  broker = await startServiceBusBroker({
    queues: Object.fromEntries(Object.values(QUEUES).map((q) => [q, { requiresSession: true, maxDeliveryCount: 10, lockDurationInMs: 30_000, duplicateDetectionWindowInMs: 600_000 }])),
  });
  const client = createCosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key });
  const { database } = await client.databases.createIfNotExists({ id: 'switchboard' });
  await ensureCosmosContainers(database);
  azure = {
    configPath: '(in memory)',
    publicUrl: 'http://localhost',
    tokenSecret: '0123456789abcdef0123456789abcdef',
    cosmos: { endpoint: cosmos.endpoint, database: 'switchboard', key: cosmos.key, closedConversationTtlInSeconds: 86_400 },
    serviceBus: { connectionString: broker.connectionString },
    allowAgentTokens: true,
    appServiceAuthentication: false,
    maxDeliveryCount: 10,
  };
  host = await startCloudHost({ config: sampleConfig(), azure, port: 0, sweepPeriodInMs: 0, sessionWaitInMs: 300, maxConcurrentSessions: 4 });
  api = new Api(host.baseUrl);
}, 60_000);

afterAll(async () => {
  await host?.close();
  await broker?.close();
  await cosmos?.close();
});

test('the reference setup runs on the Cosmos DB and Service Bus adapters', async () => {
  const chat = await api.startChat();
  await eventually('the greeting', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot' && m.text.startsWith('Hi!')) ? true : undefined), 20_000);
  expect((await api.say(chat, 'my credit card was stolen')).status).toBe(202);
  const assigned = await eventually('an agent', async () => {
    const { body } = await api.conversation(chat.conversationId);
    return body.assignee?.kind === 'agent' ? body : undefined;
  }, 20_000);
  expect(assigned).toMatchObject({ status: 'Active', queue: 'CreditCardQueue', context: { BotHandoffTopic: 'CreditCard' } });
  const agent = assigned.assignee.id;
  expect((await api.agent(agent, 'POST', `/conversations/${chat.conversationId}/end`)).body.status).toBe('WrapUp');
  expect((await api.agent(agent, 'POST', `/conversations/${chat.conversationId}/close`)).body.status).toBe('Closed');

  // What went over the wire: every message had a session and an id; auto-close timers were scheduled.
  const accepted = broker.accepted();
  expect(accepted.length).toBeGreaterThan(8);
  for (const message of accepted) expect(message.sessionId && message.messageId).toBeTruthy();
  expect(accepted.some((m) => m.messageAnnotations['x-opt-scheduled-enqueue-time'] !== undefined)).toBe(true);
  expect(broker.deadLetters(QUEUES.conversationCommands)).toEqual([]);
  // The conversation is a Cosmos document, and the waiting index is empty again.
  expect(cosmos.requests.some((r) => r.startsWith('PUT') && r.includes('/colls/conversations/'))).toBe(true);
  expect(await host.services.conversations.hasWaiting('CreditCardQueue')).toBe(false);
}, 60_000);

test('what one conversation costs in Cosmos DB requests, start to close (counted at the server)', async () => {
  const before = cosmos.requests.length;
  const chat = await api.startChat();
  await eventually('the greeting', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined), 20_000);
  await api.say(chat, 'home loan please');
  const assigned = await eventually('an agent', async () => {
    const { body } = await api.conversation(chat.conversationId);
    return body.assignee?.kind === 'agent' ? body : undefined;
  }, 20_000);
  await api.agent(assigned.assignee.id, 'POST', `/conversations/${chat.conversationId}/end`);
  await api.agent(assigned.assignee.id, 'POST', `/conversations/${chat.conversationId}/close`);
  await eventually('quiet', async () => (broker.isIdle() ? true : undefined), 20_000);
  const requests = cosmos.requests.slice(before);
  const kind = (r: string) => (r.includes('[query plan]') ? 'query plan' : r.startsWith('GET') ? 'point read' : r.startsWith('POST') && r.endsWith('/docs') ? 'create or query' : r.startsWith('PUT') ? 'replace' : r.startsWith('DELETE') ? 'delete' : 'other');
  const byKind = requests.reduce<Record<string, number>>((counts, r) => ({ ...counts, [kind(r)]: (counts[kind(r)] ?? 0) + 1 }), {});
  const byContainer = requests.reduce<Record<string, number>>((counts, r) => {
    const container = /\/colls\/([^/]+)/.exec(r)?.[1] ?? 'account';
    return { ...counts, [container]: (counts[container] ?? 0) + 1 };
  }, {});
  // The HTTP polling of this test (GET messages / conversation) is included: it is what a client does.
  console.log(`one conversation (start, bot, escalate, agent, end, close): ${requests.length} Cosmos DB requests`, byKind, byContainer);
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.filter((r) => r.includes('/colls/') && !/\/colls\/(conversations|waiting|agents|transcripts|feeds|insightEvents|insights)\//.test(r))).toEqual([]);
}, 60_000);

test("the live feeds are Cosmos DB's: an append lands in the feeds container and wakes the scope's readers", async () => {
  const before = cosmos.requests.length;
  let woke: string | undefined;
  const waiting = host.services.changes.next('agent:nobody-else', 60_000).then((how) => (woke = how));
  await host.services.feed.append([{ scope: 'agent:nobody-else', id: 'e2e-1', type: 'presence', at: new Date().toISOString(), data: { presence: 'Available' } }]);
  expect(cosmos.requests.slice(before).some((r) => r.startsWith('POST') && r.includes('/colls/feeds/'))).toBe(true);
  expect((await host.services.feed.read('agent:nobody-else', { after: 0, limit: 10 })).events.map((e) => e.id)).toEqual(['e2e-1']);
  await eventually('the wake-up', async () => woke);
  await waiting;
});

test('scaled out: what one instance does reaches the agent and supervisor streams another instance serves', async () => {
  // A second instance over the same Cosmos DB account and Service Bus namespace, as a Function App scaled out to two.
  const other = await startCloudHost({ config: sampleConfig(), azure, port: 0, sweepPeriodInMs: 0, sessionWaitInMs: 300, maxConcurrentSessions: 4 });
  const headers = (token: string) => ({ authorization: `Bearer ${token}` });
  const agentStream = await SseClient.open(`${other.baseUrl}/api/agents/alice/events`, headers('dev-alice'));
  const supervisorStream = await SseClient.open(`${other.baseUrl}/api/supervisor/events`, headers('dev-sam'));
  try {
    await api.agent('bob', 'PUT', '/presence', { presence: 'Offline' });
    const chat = await api.startChat();
    await api.say(chat, 'my credit card was stolen');
    const held = await eventually('alice holds it, on the other instance\'s stream', async () =>
      agentStream.events('conversation').find((e) => (e.data as { id: string }).id === chat.conversationId), 20_000);
    expect(held.data).toMatchObject({ status: 'Active', queue: 'CreditCardQueue' });
    await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/notes`, { text: 'seen across instances' });
    await eventually('the note', async () => agentStream.events('message').find((e) => (e.data as { message: { text: string } }).message.text === 'seen across instances'), 20_000);
    await eventually('the row on the supervisor stream', async () =>
      supervisorStream.events('conversation').find((e) => (e.data as { id: string; assignee: { id: string } | null }).id === chat.conversationId && (e.data as { assignee: { id: string } | null }).assignee?.id === 'alice'), 20_000);
    // Appended by this instance alone (the commands above may run on either): only the shared feed can carry it there.
    await host.services.feed.append([{ scope: 'agent:alice', id: 'from-instance-a', type: 'presence', at: new Date().toISOString(), data: { presence: 'Busy', since: new Date().toISOString() } }]);
    await eventually('the event appended by the first instance', async () => agentStream.events('presence').find((e) => (e.data as { presence: string }).presence === 'Busy'), 20_000);
    await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/end`);
    await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/close`);
    await api.agent('bob', 'PUT', '/presence', { presence: 'Available' });
  } finally {
    agentStream.close();
    supervisorStream.close();
    await other.close();
  }
}, 60_000);
