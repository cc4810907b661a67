import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthCheck } from '../../shared/core/health';
import { QUEUES } from '../../shared/ports/messageBus';
import type { AzureSettings } from '../../shared/host/azure/azureSettings';
import { startCloudHost } from '../../shared/host/local/localHost';
import { startCloudPeers, type CloudPeers } from '../support/cloudPeers';
import { eventually, hostPerTest, sampleConfig, testClock, type TestHost } from '../support/localHostHarness';

/**
 * GET /api/health over HTTP on the local host, under real conditions: a bot whose endpoint answers 500, a
 * chat left waiting past the threshold (a clock the test moves), a poison command dead-lettered by the bus;
 * and the console line npm start prints once per crossing and once per recovery.
 */
const { start, host } = hostPerTest();

let failingBot: Server;
let failingBotUrl: string;
beforeAll(async () => {
  failingBot = createServer((_req, res) => res.writeHead(500).end());
  await new Promise<void>((resolve) => failingBot.listen(0, '127.0.0.1', resolve));
  failingBotUrl = `http://127.0.0.1:${(failingBot.address() as AddressInfo).port}/api/messages`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => failingBot.close(() => resolve()));
});

interface HealthBody {
  status: string;
  checks: HealthCheck[];
  workstreams: string[];
}

async function health(h: TestHost = host()): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(`${h.baseUrl}/api/health`);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

const check = (body: HealthBody, name: string) => body.checks.find((c) => c.name === name);

/** Polls the route until `predicate` holds on what it answers. */
function healthWhere(what: string, predicate: (body: HealthBody, status: number) => boolean) {
  return eventually(what, async () => {
    const answer = await health();
    return predicate(answer.body, answer.status) ? answer : undefined;
  });
}

test('a healthy host: 200, status ok, a check per bus queue and routing queue, each with its threshold; no conversation id anywhere', async () => {
  await start({ config: sampleConfig((c) => (c.health.cacheSeconds = 0)) });
  const { api } = host();
  const chat = await api.startChat();

  const { status, body } = await health();

  expect(status).toBe(200);
  expect(body.status).toBe('ok');
  const names = body.checks.map((c) => c.name);
  for (const queue of Object.values(QUEUES)) expect(names).toEqual(expect.arrayContaining([`busBacklog:${queue}`, `busOldestMessage:${queue}`, `deadLetters:${queue}`]));
  for (const queue of ['BotQueue', 'CreditCardQueue', 'HomeLoanQueue', 'DefaultQueue']) expect(names).toContain(`queueWait:${queue}`);
  expect(check(body, 'deadLetters:conversation-commands')).toEqual({ name: 'deadLetters:conversation-commands', status: 'ok', value: 0, threshold: 1, message: '0 dead-lettered message(s) on bus queue conversation-commands' });
  expect(check(body, 'queueWait:DefaultQueue')).toMatchObject({ status: 'ok', threshold: 60 });
  expect(check(body, 'botFailures:demo-bot')).toMatchObject({ status: 'ok', threshold: 0.5 });
  expect(JSON.stringify(body)).not.toContain(chat.conversationId);
});

test('a failing bot, a chat waiting past the threshold and a dead letter degrade the report (200) and recover; the console says each once', async () => {
  const clock = testClock();
  const lines: string[] = [];
  await start({
    clock,
    maxDeliveryCount: 3,
    healthWatchPeriodInMs: 20,
    writeHealthLine: (line) => lines.push(line),
    config: sampleConfig((c) => {
      c.health.cacheSeconds = 0;
      const bot = c.users.find((u) => u.id === 'demo-bot');
      if (bot?.kind !== 'bot') throw new Error('test setup: the sample has no demo-bot');
      bot.endpoint = failingBotUrl;
      // Nobody takes the chat: every agent is Offline until they say otherwise.
      for (const user of c.users) if (user.kind === 'agent') user.presence = 'Offline';
    }),
  });
  const { api } = host();

  // The bot answers 500 to every delivery: after the third the chat is routed on to the agents' queues, where nobody is signed in.
  const chat = await api.startChat();
  // The bus retries on the host's clock (100 ms, then 200 ms): the test moves it on a second at a time.
  const degradedBot = await eventually('the bot check degraded', async () => {
    const answer = await health();
    if (check(answer.body, 'botFailures:demo-bot')?.status === 'degraded') return answer;
    clock.advance(1_000);
    return undefined;
  });
  expect(degradedBot.status).toBe(200);
  expect(degradedBot.body.status).toBe('degraded');
  expect(check(degradedBot.body, 'botFailures:demo-bot')).toMatchObject({ value: 1, threshold: 0.5, message: expect.stringMatching(/^(\d+) of \1 deliveries to bot demo-bot failed in the last 300 s$/) });
  const waiting = await eventually('the chat waits in a human queue', async () => {
    const stored = (await host().services.conversations.get(chat.conversationId))?.value;
    return stored?.status === 'Open' && stored.queue !== 'BotQueue' ? stored.queue ?? undefined : undefined;
  });

  await eventually('the console told of the bot', async () => lines.find((l) => l.includes('deliveries to bot demo-bot failed')));

  // Past the service-level threshold: 61 s since it was queued.
  const queuedAt = Date.parse((await host().services.conversations.get(chat.conversationId))?.value.enqueuedAt ?? '');
  clock.advance(queuedAt + 61_000 - clock.now().getTime());
  const degradedWait = await healthWhere('the queue wait degraded', (b) => check(b, `queueWait:${waiting}`)?.status === 'degraded');
  expect(check(degradedWait.body, `queueWait:${waiting}`)).toMatchObject({ value: 61, threshold: 60, message: `1 chat(s) wait in queue ${waiting}; the first in line has waited 61 s` });

  await eventually('the console told of the wait', async () => lines.find((l) => l.includes(`wait in queue ${waiting}`)));

  // The customer leaves, and the bot's failures age out of the window: ok again.
  expect((await api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token })).status).toBe(200);
  clock.advance(301_000);
  const recovered = await healthWhere('the report ok again', (b) => b.status === 'ok');
  expect(recovered.status).toBe(200);
  expect(check(recovered.body, 'botFailures:demo-bot')).toEqual({ name: 'botFailures:demo-bot', status: 'ok', value: 0, threshold: 0.5, message: 'no delivery to bot demo-bot in the last 300 s' });

  await eventually('the console told of both recoveries', async () => (lines.filter((l) => l.includes('recovered')).length === 2 ? true : undefined));

  // A command that can never be decoded is dead-lettered at once.
  await host().bus.send([{ queue: QUEUES.conversationCommands, messageId: 'poison-1', sessionId: 'no-such-chat', body: 'garbage' }]);
  const deadLettered = await healthWhere('the dead-letter check degraded', (b) => check(b, 'deadLetters:conversation-commands')?.status === 'degraded');
  expect(deadLettered.status).toBe(200);
  expect(check(deadLettered.body, 'deadLetters:conversation-commands')).toMatchObject({ value: 1, threshold: 1 });

  // Each crossing and each recovery printed once, however many looks the watcher took meanwhile.
  await eventually('the console told of the dead letter', async () => lines.find((l) => l.includes('dead-lettered')));
  const about = (text: string) => lines.filter((l) => l.includes(text));
  expect(about('bot demo-bot')).toEqual([
    expect.stringMatching(/^\d\d:\d\d:\d\d warn {2}health degraded: \d+ of \d+ deliveries to bot demo-bot failed in the last 300 s \(threshold 0\.5\)$/),
    expect.stringMatching(/^\d\d:\d\d:\d\d info {2}health recovered: no delivery to bot demo-bot in the last 300 s \(threshold 0\.5\)$/),
  ]);
  expect(about(`queue ${waiting}`)).toEqual([
    expect.stringMatching(new RegExp(`warn  health degraded: 1 chat\\(s\\) wait in queue ${waiting}; the first in line has waited 6\\d s \\(threshold 60\\)$`)),
    expect.stringMatching(new RegExp(`info  health recovered: no chat waits in queue ${waiting} \\(threshold 60\\)$`)),
  ]);
  expect(about('dead-lettered')).toEqual([expect.stringMatching(/warn {2}health degraded: 1 dead-lettered message\(s\) on bus queue conversation-commands \(threshold 1\)$/)]);
});

describe('on the Azure adapters (Cosmos DB and Service Bus peers)', () => {
  let peers: CloudPeers;
  let cloud: Awaited<ReturnType<typeof startCloudHost>>;
  beforeAll(async () => {
    peers = await startCloudPeers();
    const azure: AzureSettings = {
      configPath: '(in memory)',
      publicUrl: 'http://localhost',
      tokenSecret: '0123456789abcdef0123456789abcdef',
      cosmos: { endpoint: peers.cosmos.endpoint, database: 'switchboard', key: peers.cosmos.key, closedConversationTtlInSeconds: 86_400 },
      serviceBus: { connectionString: peers.broker.connectionString },
      allowAgentTokens: true,
      appServiceAuthentication: false,
      maxDeliveryCount: 10,
    };
    cloud = await startCloudHost({ config: sampleConfig((c) => (c.health.cacheSeconds = 0)), azure, port: 0, sweepPeriodInMs: 0, sessionWaitInMs: 300, maxConcurrentSessions: 4, healthWatchPeriodInMs: 0 });
  }, 60_000);
  afterAll(async () => {
    await cloud?.close();
    await peers?.close();
  });

  test('reads the Service Bus counts through the management endpoint; when it stops answering the report is failing, 503, and says which source', async () => {
    const get = async () => {
      const response = await fetch(`${cloud.baseUrl}/api/health`);
      return { status: response.status, body: (await response.json()) as HealthBody };
    };
    const ok = await get();
    expect(ok).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(check(ok.body, 'deadLetters:bot-deliveries')).toMatchObject({ status: 'ok', value: 0 });
    expect(check(ok.body, 'busOldestMessage:dispatch')).toMatchObject({ status: 'ok', value: null });

    peers.broker.failManagement(503);
    const failing = await get();
    expect(failing.status).toBe(503);
    expect(failing.body.status).toBe('failing');
    expect(check(failing.body, 'bus:read')).toEqual({ name: 'bus:read', status: 'failing', value: null, threshold: null, message: 'the message bus did not answer' });
    // The store still answers: its checks are there.
    expect(check(failing.body, 'queueWait:DefaultQueue')).toMatchObject({ status: 'ok' });

    peers.broker.failManagement(undefined);
    expect(await get()).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
});
