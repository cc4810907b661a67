import type { Activity } from '../../shared/core/activity';
import type { BotUser, Config } from '../../shared/core/config';
import type { Conversation } from '../../shared/core/conversation';
import { HttpBotClient } from '../../shared/adapters/botframework/httpBotClient';
import type { BotClient, BotResponse } from '../../shared/ports/botClient';
import type { Clock } from '../../shared/ports/clock';
import { loadConfigOrThrow, SAMPLE_CONFIG_PATH } from '../../shared/config/loadConfig';
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../shared/host/local/localHost';
import { DEFAULT_ADMISSION } from '../../shared/host/local/admission';

/**
 * The sample configuration, with the demo bot reached on whatever port the test host got. Its rate
 * limits are off: every test client calls from 127.0.0.1, and test/e2e/rateLimits.test.ts turns them on.
 * Its offers are off too unless asked for (`offers: true`), so a chat goes straight to an agent.
 */
export function sampleConfig(change: (config: Config) => void = () => undefined, options: { offers?: boolean } = {}): Config {
  const config = loadConfigOrThrow(SAMPLE_CONFIG_PATH);
  for (const user of config.users) if (user.kind === 'bot') user.endpoint = '/api/demo-bot/messages';
  config.limits.rate = { chatStartsPerAddress: false, requestsPerAddress: false, requestsPerToken: false };
  // The sample offers each chat (Accept/Reject); tests of routing assign at once unless they ask for offers.
  if (!options.offers) for (const workstream of config.workstreams) delete workstream.offers;
  change(config);
  return config;
}

/**
 * Lets customers set BotHandoffTopic when they start a chat, as a pre-chat survey could (setBy:
 * [customer, bot]; the sample says [bot]): for tests that need chats to start in a human queue.
 */
export function customersPickTheTopic(config: Config): void {
  const topic = config.workstreams[0]!.contextVariables.find((v) => v.name === 'BotHandoffTopic');
  if (!topic) throw new Error('test setup: the first workstream declares no BotHandoffTopic');
  topic.setBy = ['customer', 'bot'];
}

export async function startTestHost(options: Partial<LocalHostOptions> = {}): Promise<LocalHost & { api: Api }> {
  // The tests' clients (and the test runner's own compiling) run on the host's event loop, so its utilization
  // and delay count their work too: shedding on them is off here; a shed page request failed browser tests on
  // loaded cores (test/e2e/loadShedding.test.ts and test/prove/overload.ts, on a host of its own, prove it).
  const admission = { ...DEFAULT_ADMISSION, maxEventLoopUtilization: 1, maxEventLoopDelayInMs: Number.POSITIVE_INFINITY };
  const host = await startLocalHost({ config: sampleConfig(), dataDir: ':memory:', port: 0, sweepPeriodInMs: 0, healthWatchPeriodInMs: 0, admission, ...options });
  return { ...host, api: new Api(host.baseUrl) };
}

export type TestHost = Awaited<ReturnType<typeof startTestHost>>;

/**
 * For test files whose tests each start a host of their own (a configuration, a clock): `start` makes
 * it, it is closed after each test, and the helpers read the one running. Recording bots given in the
 * options are pointed at it.
 */
export function hostPerTest() {
  let current: TestHost | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const host = (): TestHost => {
    if (!current) throw new Error('the test did not start a host');
    return current;
  };
  return {
    async start(options: Partial<LocalHostOptions>): Promise<TestHost> {
      current = await startTestHost(options);
      if (options.bots instanceof RecordingBots) options.bots.baseUrl = current.baseUrl;
      return current;
    },
    host,
    /** Waits until every queue has settled (scheduled messages not yet due aside), with a deadline. */
    idle: () => host().bus.whenIdle({ timeoutInMs: 10_000 }),
    stored: (id: string): Promise<Conversation> => storedConversation(host(), id),
    conversationWhere: (id: string, predicate: (c: Conversation) => boolean, what: string): Promise<Conversation> => conversationWhere(host(), id, predicate, what),
  };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

const SHED_RETRY_IN_MS = 30_000;

/** A tiny JSON client for the public routes. */
export class Api {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(method: string, path: string, options: { body?: unknown; token?: string; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const deadline = Date.now() + SHED_RETRY_IN_MS;
    for (;;) {
      const response = await fetch(`${this.baseUrl}/api/${path}`, { method, headers, body });
      const text = await response.text();
      // A client that honours load shedding (503 + Retry-After), as customers' clients should. The tests wait
      // 50 ms where a real client would wait the second.
      if (response.status === 503 && response.headers.has('retry-after') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      // A bot's endpoint (the demo bot) may answer in plain text.
      const json = response.headers.get('content-type')?.includes('json') ?? false;
      return { status: response.status, body: text ? (json ? JSON.parse(text) : text) : undefined };
    }
  }

  async startChat(body: unknown = {}): Promise<{ conversationId: string; token: string }> {
    const res = await this.call('POST', 'chats', { body });
    if (res.status !== 201) throw new Error(`start chat: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  say(chat: { conversationId: string; token: string }, text: string) {
    return this.call('POST', `chats/${chat.conversationId}/messages`, { body: { text }, token: chat.token });
  }

  /** The whole transcript as the customer reads it, page after page (the route gives at most 500 messages a page). */
  async messages(chat: { conversationId: string; token: string }) {
    type Page = { status: string; messages: { id: string; role: string; text: string }[]; next: string | null };
    const first = await this.call<Page>('GET', `chats/${chat.conversationId}/messages?limit=500`, { token: chat.token });
    for (let page = first; first.status === 200 && page.body.next !== null;) {
      page = await this.call<Page>('GET', `chats/${chat.conversationId}/messages?limit=500&after=${page.body.next}`, { token: chat.token });
      if (page.status !== 200) return page;
      first.body.messages.push(...page.body.messages);
    }
    return first;
  }

  conversation(id: string) {
    return this.call('GET', `conversations/${id}`);
  }

  agent(agentId: string, method: string, path: string, body?: unknown) {
    return this.call(method, `agents/${agentId}${path}`, { body, token: `dev-${agentId}` });
  }
}

/** Polls until `check` returns a value (not undefined), or fails with the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutInMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  let pause = 5;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 100);
  }
}

/** The stored conversation; the test fails when it is not there. */
export async function storedConversation(host: Pick<LocalHost, 'services'>, id: string): Promise<Conversation> {
  const found = await host.services.conversations.get(id);
  if (!found) throw new Error(`conversation ${id} is not stored`);
  return found.value;
}

/** Polls until the stored conversation satisfies `predicate`, and returns it. */
export function conversationWhere(host: Pick<LocalHost, 'services'>, id: string, predicate: (c: Conversation) => boolean, what: string, timeoutInMs?: number): Promise<Conversation> {
  return eventually(what, async () => {
    const conversation = await storedConversation(host, id);
    return predicate(conversation) ? conversation : undefined;
  }, timeoutInMs);
}

/** A clock the test moves by hand; the embedded bus reads scheduled times (auto-close) from it. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  iso(): string;
}

export function testClock(startIso = '2024-05-01T09:00:00.000Z'): TestClock {
  let t = Date.parse(startIso);
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    iso: () => new Date(t).toISOString(),
  };
}

/**
 * The local host's bot client (relative endpoints resolve against the host), recording every
 * activity the system POSTs to a bot. Set `baseUrl` once the host has started.
 */
export class RecordingBots implements BotClient {
  readonly delivered: { botId: string; activity: Activity }[] = [];
  baseUrl = '';
  private readonly http = new HttpBotClient();

  postActivity(bot: BotUser, activity: Activity): Promise<BotResponse> {
    this.delivered.push({ botId: bot.id, activity });
    return this.http.postActivity(bot.endpoint.startsWith('/') ? { ...bot, endpoint: this.baseUrl + bot.endpoint } : bot, activity);
  }

  to(conversationId: string): Activity[] {
    return this.delivered.filter((d) => d.activity.conversation?.id === conversationId).map((d) => d.activity);
  }
}

/** POSTs an activity as a bot to the connector (SendToConversation). */
export function postBotActivity(api: Api, conversationId: string, activity: unknown) {
  return api.call('POST', `connector/v3/conversations/${encodeURIComponent(conversationId)}/activities`, { body: activity });
}
