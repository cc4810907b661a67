import type { Activity } from '../../shared/core/activity';
import type { Config } from '../../shared/core/config';
import type { BotClient } from '../../shared/ports/botClient';
import { DirectLineTokens } from '../../shared/usecases/directLineTokens';
import { conversationWhere, eventually, hostPerTest, postBotActivity, sampleConfig, testClock, type TestHost } from '../support/localHostHarness';

/**
 * Direct Line's security rules against the local host (in process, :memory:): a token opens its own
 * conversation only; forged, expired, other sites' and stream tokens open nothing; the customer is
 * who the token says, whatever an activity claims; browsers of origins a site does not list get no
 * CORS grant and are refused; the public token route takes the site's pre-chat questions only; the
 * polling GET never answers 429; and what is for agents only never reaches the customer.
 * (Who may call which route, caller by caller: authorizationMatrix.test.ts.)
 */

const SUPPORT = { name: 'support', secret: 'support-site-secret-for-these-tests-0123456789', origin: 'https://www.contoso.example' };
const PARTNER = { name: 'partner', secret: 'partner-site-secret-for-these-tests-0123456789', origin: 'https://partner.example' };
const STRANGER_ORIGIN = 'https://evil.example';
/** What Web Chat's preflight asks for (faces.md A.8). */
const WEB_CHAT_HEADERS = ['authorization', 'content-type', 'x-ms-bot-agent', 'x-requested-with'];

function directLineConfig(change: (config: Config) => void = () => undefined): Config {
  return sampleConfig((config) => {
    const [support] = config.directLine.sites;
    const site = { ...support!, secretFromEnv: undefined };
    config.workstreams[0]!.contextVariables.push({ name: 'Topic', type: 'text', setBy: ['customer'] });
    config.directLine.sites = [
      {
        ...site, secret: SUPPORT.secret, allowedOrigins: [SUPPORT.origin],
        prechat: [
          { variable: 'Email', label: 'Your email', type: 'email', required: false },
          { variable: 'Topic', label: 'What is it about?', type: 'choice', required: true, options: ['Cards', 'Loans'] },
        ],
      },
      { ...site, name: PARTNER.name, title: 'Partner', secret: PARTNER.secret, allowedOrigins: [PARTNER.origin], prechat: [] },
    ];
    // A GET of activities answers at once: these tests read what is there, they do not wait for news.
    config.directLine.longPollSeconds = 0;
    change(config);
  });
}

/** A bot client that records every activity delivered to a bot and answers 200, saying nothing. */
class SilentBots implements BotClient {
  readonly delivered: Activity[] = [];
  async postActivity(_bot: unknown, activity: Activity) {
    this.delivered.push(activity);
    return { status: 200 };
  }
  messagesTo(conversationId: string): Activity[] {
    return this.delivered.filter((a) => a.conversation?.id === conversationId && a.type === 'message');
  }
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

const hosts = hostPerTest();
let bots: SilentBots;

async function start(options: { config?: Config; clock?: ReturnType<typeof testClock> } = {}): Promise<TestHost> {
  bots = new SilentBots();
  return hosts.start({ config: options.config ?? directLineConfig(), bots, ...(options.clock ? { clock: options.clock } : {}) });
}

/** One call under /api/directline, as a browser page of `origin` (or a server, without one) makes it. */
async function dl(method: string, path: string, options: { token?: string; origin?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.origin) headers.origin = options.origin;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${hosts.host().baseUrl}/api/directline/${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

interface DirectLineChat {
  conversationId: string;
  token: string;
}

/** tokens/generate with the site's secret (as its backend calls it), then the client starts the conversation; the bot holds it. */
async function startChat(site: { secret: string } = SUPPORT, generate: Record<string, unknown> = {}): Promise<DirectLineChat> {
  const generated = await dl('POST', 'tokens/generate', { token: site.secret, body: generate });
  expect(generated.status).toBe(200);
  const started = await dl('POST', 'conversations', { token: generated.body.token, body: {} });
  expect(started.status).toBe(201);
  await hosts.conversationWhere(started.body.conversationId, (c) => c.status === 'Active' && c.assignee?.kind === 'bot', 'the bot to hold the chat');
  return { conversationId: started.body.conversationId, token: started.body.token };
}

const read = (chat: DirectLineChat, token = chat.token, watermark = '') => dl('GET', `conversations/${chat.conversationId}/activities${watermark ? `?watermark=${watermark}` : ''}`, { token });
const post = (chat: DirectLineChat, activity: unknown, token = chat.token, origin?: string) => dl('POST', `conversations/${chat.conversationId}/activities`, { token, body: activity, ...(origin ? { origin } : {}) });
const message = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'message', text, ...extra });

/** The stores and the bus as a refusal must leave them. */
async function snapshot(host: TestHost, ids: string[]) {
  await host.bus.whenIdle({ timeoutInMs: 10_000 });
  return JSON.stringify(await Promise.all(ids.map(async (id) => [await host.services.conversations.get(id), await host.services.transcripts.list(id)])));
}

/** The claims of a token the host issued. */
function claimsOf(host: TestHost, token: string) {
  const checked = host.services.directLineTokens.check(token, new Date(0));
  if (checked.kind === 'invalid') throw new Error('test setup: not a token of this host');
  return checked.claims;
}

describe('a token opens its own conversation only', () => {
  test('a token of one conversation can neither read nor post to another (403), and nothing changes', async () => {
    const host = await start();
    const [mine, theirs] = [await startChat(), await startChat()];
    expect((await post(theirs, message('their secret'))).status).toBe(200);
    await eventually('their message to reach the bot', async () => (bots.messagesTo(theirs.conversationId).length ? true : undefined));
    const before = await snapshot(host, [mine.conversationId, theirs.conversationId]);

    const reading = await read(theirs, mine.token);
    const resuming = await dl('GET', `conversations/${theirs.conversationId}`, { token: mine.token });
    const posting = await post(theirs, message('let me in'), mine.token);
    for (const answer of [reading, resuming, posting]) expect({ status: answer.status, code: answer.body.error.code }).toEqual({ status: 403, code: 'Forbidden' });
    expect(JSON.stringify(reading.body)).not.toContain('their secret');
    expect(await snapshot(host, [mine.conversationId, theirs.conversationId])).toBe(before);
  });

  test('forged, expired (by the host\'s clock), other sites\' and stream tokens are refused on every conversation route, and nothing changes', async () => {
    const clock = testClock(new Date().toISOString());
    const host = await start({ clock });
    const chat = await startChat();
    const partnerChat = await startChat(PARTNER);
    const claims = claimsOf(host, chat.token);
    const tokens = {
      forged: new DirectLineTokens('not-the-host-token-secret-0123456789').issue(claims, clock.now()).token,
      'another site': partnerChat.token,
      stream: host.services.directLineTokens.issueStream(claims, clock.now()),
      'a customer token of /api/chats': host.services.customerTokens.issue(chat.conversationId, clock.now()).token,
    };
    const before = await snapshot(host, [chat.conversationId, partnerChat.conversationId]);
    const expected = { forged: [401, 'Unauthorized'], 'another site': [403, 'Forbidden'], stream: [401, 'Unauthorized'], 'a customer token of /api/chats': [401, 'Unauthorized'] };
    for (const [what, token] of Object.entries(tokens)) {
      for (const answer of [await read(chat, token), await post(chat, message(`as ${what}`), token), await dl('GET', `conversations/${chat.conversationId}`, { token })]) {
        expect({ what, status: answer.status, code: answer.body.error.code }).toEqual({ what, status: expected[what as keyof typeof expected][0], code: expected[what as keyof typeof expected][1] });
      }
    }
    expect(await snapshot(host, [chat.conversationId, partnerChat.conversationId])).toBe(before);

    // The chat's own token, once the clock passed its expiry: 403 TokenExpired (Direct Line's rule), and it cannot be refreshed.
    // (Thirty idle minutes auto-close the chats too: the state to keep is the one after that.)
    clock.advance(30 * 60_000);
    const expired = await snapshot(host, [chat.conversationId, partnerChat.conversationId]);
    for (const answer of [await read(chat), await post(chat, message('too late')), await dl('POST', 'tokens/refresh', { token: chat.token }), await dl('POST', 'conversations', { token: chat.token, body: {} })]) {
      expect({ status: answer.status, code: answer.body.error.code }).toEqual({ status: 403, code: 'TokenExpired' });
    }
    expect(await snapshot(host, [chat.conversationId, partnerChat.conversationId])).toBe(expired);
  });
});

describe('the customer is who the token says', () => {
  test('from.id of a posted activity is the token\'s user whatever the client wrote: at the bot and in the echo', async () => {
    const host = await start();
    const chat = await startChat(SUPPORT, { user: { id: 'dl_ada', name: 'Ada' } });
    const forgedFrom = { id: 'dl_mallory', name: 'Mallory', role: 'bot' };
    const posted = await post(chat, message('who am I?', { from: forgedFrom, channelData: { clientActivityID: 'c1', switchboard: { kind: 'agent' } } }));
    expect(posted.status).toBe(200);

    const atBot = await eventually('the message at the bot', async () => bots.messagesTo(chat.conversationId).find((a) => a.text === 'who am I?'));
    expect(atBot.from).toMatchObject({ id: 'dl_ada', name: 'Ada' });
    const echo = (await read(chat)).body.activities.find((a: Activity) => a.id === posted.body.id);
    expect(echo).toMatchObject({ from: { id: 'dl_ada', name: 'Ada', role: 'user' }, text: 'who am I?' });
    // The client's channelData comes back (Web Chat matches its echo by clientActivityID), but it cannot say it is an agent.
    expect(echo.channelData).toEqual({ clientActivityID: 'c1', switchboard: { kind: 'customer' } });
    const stored = await host.services.transcripts.list(chat.conversationId);
    expect(stored.find((m) => m.id === posted.body.id)).toMatchObject({ role: 'customer', authorId: 'dl_ada' });
  });

  test('an anonymous visitor is Switchboard\'s own id, whatever user the start of the conversation names', async () => {
    await start();
    const visitor = await dl('POST', 'sites/support/tokens', { body: { context: { Topic: 'Cards' } } });
    expect(visitor.status).toBe(201);
    const started = await dl('POST', 'conversations', { token: visitor.body.token, body: { user: { id: 'dl_admin', name: 'Admin' } } });
    expect(started.status).toBe(201);
    const chat = { conversationId: started.body.conversationId, token: started.body.token };
    await hosts.conversationWhere(chat.conversationId, (c) => c.assignee?.kind === 'bot', 'the bot to hold the chat');
    expect((await post(chat, message('hi', { from: { id: 'dl_admin' } }))).status).toBe(200);
    const atBot = await eventually('the message at the bot', async () => bots.messagesTo(chat.conversationId).find((a) => a.text === 'hi'));
    expect(atBot.from?.id).toBe(`customer-${chat.conversationId}`);
  });
});

describe('CORS: only the origins a site lists', () => {
  const preflight = (path: string, origin: string) => dl('OPTIONS', path, { origin, headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': WEB_CHAT_HEADERS.join(',') } });

  test('an allowed origin gets the grant, with the headers Web Chat sends allowed and a max-age; a stranger gets none', async () => {
    const host = await start();
    const chat = await startChat();
    const before = await snapshot(host, [chat.conversationId]);
    for (const path of ['tokens/generate', 'tokens/refresh', 'conversations', `conversations/${chat.conversationId}`, `conversations/${chat.conversationId}/activities`, 'sites/support', 'sites/support/tokens']) {
      const granted = await preflight(path, SUPPORT.origin);
      expect({ path, status: granted.status, origin: granted.headers.get('access-control-allow-origin') }).toEqual({ path, status: 204, origin: SUPPORT.origin });
      const allowed = (granted.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
      expect(allowed).toEqual(expect.arrayContaining(WEB_CHAT_HEADERS));
      expect(granted.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(Number(granted.headers.get('access-control-max-age'))).toBeGreaterThan(0);

      const refused = await preflight(path, STRANGER_ORIGIN);
      expect({ path, origin: refused.headers.get('access-control-allow-origin'), headers: refused.headers.get('access-control-allow-headers') }).toEqual({ path, origin: null, headers: null });
    }
    // Preflights change nothing.
    expect(await snapshot(host, [chat.conversationId])).toBe(before);
  });

  test('an actual request from an allowed origin is granted; from a stranger it is not, and with a valid token it is refused (403)', async () => {
    const host = await start();
    const chat = await startChat();
    const ok = await read(chat, chat.token);
    expect(ok.status).toBe(200);
    const fromPage = await dl('GET', `conversations/${chat.conversationId}/activities`, { token: chat.token, origin: SUPPORT.origin });
    expect({ status: fromPage.status, origin: fromPage.headers.get('access-control-allow-origin') }).toEqual({ status: 200, origin: SUPPORT.origin });
    expect(fromPage.headers.get('vary')).toMatch(/origin/i);

    const before = await snapshot(host, [chat.conversationId]);
    const strangers = [
      await dl('GET', `conversations/${chat.conversationId}/activities`, { token: chat.token, origin: STRANGER_ORIGIN }),
      await post(chat, message('from a stranger\'s page'), chat.token, STRANGER_ORIGIN),
      await dl('POST', 'tokens/refresh', { token: chat.token, origin: STRANGER_ORIGIN }),
      // Another site's origin: allowed by that site, not by the token's.
      await post(chat, message('from the partner\'s page'), chat.token, PARTNER.origin),
      // The site's own secret from a stranger's page (a leaked secret does not make a browser page a backend), and the public route.
      await dl('POST', 'tokens/generate', { token: SUPPORT.secret, origin: STRANGER_ORIGIN, body: {} }),
      await dl('POST', 'sites/support/tokens', { origin: STRANGER_ORIGIN, body: { context: { Topic: 'Cards' } } }),
    ];
    for (const answer of strangers) expect({ status: answer.status, code: answer.body.error.code }).toEqual({ status: 403, code: 'Forbidden' });
    expect(strangers.map((a) => a.headers.get('access-control-allow-origin'))).toEqual([null, null, null, PARTNER.origin, null, null]);
    expect(await snapshot(host, [chat.conversationId])).toBe(before);

    // The hosted page is of the host's own origin: no grant needed, and not refused.
    const own = await dl('GET', `conversations/${chat.conversationId}/activities`, { token: chat.token, origin: new URL(host.baseUrl).origin });
    expect(own.status).toBe(200);
  });
});

describe('the visitor route takes the site\'s pre-chat questions only', () => {
  test('a variable the site does not ask, a required question unanswered, an answer not among the options: a 400 naming it', async () => {
    await start();
    const visitor = (context: Record<string, unknown>) => dl('POST', 'sites/support/tokens', { body: { context } });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ Topic: 'Cards', BotHandoffTopic: 'CreditCard' }, /^context\.BotHandoffTopic: not a pre-chat question of site "support"/],
      [{ Topic: 'Cards', Unasked: 'x' }, /^context\.Unasked: not a pre-chat question/],
      [{ Topic: 'Cards', BotFailure: 'yes' }, /^context\.BotFailure: not a pre-chat question/],
      [{}, /^context\.Topic: "What is it about\?" needs an answer/],
      [{ Email: 'ada@example.com', Topic: '  ' }, /^context\.Topic: "What is it about\?" needs an answer/],
      [{ Topic: 'Mortgages' }, /^context\.Topic: expected one of Cards, Loans/],
    ];
    for (const [context, message] of cases) {
      const answer = await visitor(context);
      expect({ context, status: answer.status, code: answer.body.error.code, message: answer.body.error.message }).toEqual({ context, status: 400, code: 'InvalidBody', message: expect.stringMatching(message) });
    }
    // A visitor cannot name the customer's id either: the body's fields are the route's own.
    const withUser = await dl('POST', 'sites/support/tokens', { body: { context: { Topic: 'Cards' }, user: { id: 'dl_admin' } } });
    expect({ status: withUser.status, message: withUser.body.error.message }).toEqual({ status: 400, message: expect.stringContaining('user') });
  });

  test('the answers become the chat\'s context, set by the visitor: nothing else', async () => {
    const host = await start();
    const visitor = await dl('POST', 'sites/support/tokens', { body: { name: 'Ada', context: { Topic: 'Loans', Email: 'ada@example.com' } } });
    expect(visitor.status).toBe(201);
    const started = await dl('POST', 'conversations', { token: visitor.body.token, body: {} });
    expect(started.status).toBe(201);
    const conversation = await conversationWhere(host, started.body.conversationId, (c) => c.status === 'Active', 'the chat to start');
    expect(conversation.context).toEqual({ Topic: 'Loans', Email: 'ada@example.com' });
  });
});

describe('the polling GET never answers 429', () => {
  test('past limits.rate it answers 200, an empty set and the watermark it was given; a POST gets its 429', async () => {
    const config = directLineConfig((c) => {
      c.limits.rate = { chatStartsPerAddress: false, requestsPerAddress: false, requestsPerToken: { requests: 3, perSeconds: 3600 } };
    });
    await start({ config });
    const chat = await startChat();
    expect((await post(chat, message('hello'))).status).toBe(200);
    const first = await read(chat);
    expect(first.status).toBe(200);
    expect(first.body.activities.length).toBeGreaterThan(0);
    const watermark = first.body.watermark as string;

    // Three requests of this token are used (the start, the post, the read): every further GET is past the limit.
    for (const mark of [watermark, '0', '']) {
      const limited = await read(chat, chat.token, mark);
      expect({ mark, status: limited.status, body: limited.body }).toEqual({ mark, status: 200, body: { activities: [], watermark: mark || null } });
    }
    const refusedPost = await post(chat, message('one too many'));
    expect({ status: refusedPost.status, code: refusedPost.body.error.code }).toEqual({ status: 429, code: 'TooManyRequests' });
    expect(refusedPost.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('what is for agents only never reaches the customer', () => {
  test('an escalation summary, a handoff\'s summary and transcript: in the agent\'s view, never in the customer\'s activities', async () => {
    const host = await start();
    const [tagged, handedOff] = [await startChat(), await startChat()];
    expect((await post(tagged, message('I need a credit card'))).status).toBe(200);
    expect((await post(handedOff, message('a credit card please'))).status).toBe(200);
    const tags = JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } });
    expect((await postBotActivity(host.api, tagged.conversationId, { type: 'message', from: { id: 'demo-bot' }, text: 'SUMMARY-A: customer wants a platinum card', channelData: { tags } })).status).toBe(200);
    expect((await postBotActivity(host.api, handedOff.conversationId, {
      type: 'event', name: 'handoff.initiate', from: { id: 'demo-bot' }, text: 'SUMMARY-B: handed off',
      value: { BotHandoffTopic: 'CreditCard' },
      attachments: [{ name: 'Transcript', contentType: 'application/json', content: { activities: [{ type: 'message', text: 'TRANSCRIPT-B: what the bot heard' }] } }],
    })).status).toBe(200);

    for (const [chat, secrets] of [[tagged, ['SUMMARY-A']], [handedOff, ['SUMMARY-B', 'TRANSCRIPT-B']]] as const) {
      const held = await hosts.conversationWhere(chat.conversationId, (c) => c.assignee?.kind === 'agent' && c.status === 'Active', 'an agent to hold the chat');
      const agentView = await host.api.agent(held.assignee!.id, 'GET', `/conversations/${chat.conversationId}/messages?limit=500`);
      for (const secret of secrets) expect(JSON.stringify(agentView.body)).toContain(secret);
      // Every read a customer can make: from the start, page after page, and the reconnect answer.
      const all: unknown[] = [];
      for (let mark = '', page = await read(chat, chat.token, mark); ; page = await read(chat, chat.token, mark)) {
        expect(page.status).toBe(200);
        all.push(...page.body.activities);
        if (page.body.activities.length === 0 || page.body.watermark === mark) break;
        mark = page.body.watermark;
      }
      expect(all.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(JSON.stringify(all)).not.toContain(secret);
      expect(JSON.stringify((await dl('GET', `conversations/${chat.conversationId}`, { token: chat.token })).body)).not.toContain('SUMMARY');
    }
  });
});
