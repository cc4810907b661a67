import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BotUser, Config } from '../../shared/core/config';
import { PAGES_DIR } from '../../shared/http/pages';
import type { BotClient } from '../../shared/ports/botClient';
import { loadFunctions } from '../../shared/host/local/functionsLoader';
import { DirectLineTokens, type DirectLineClaims } from '../../shared/usecases/directLineTokens';
import { botAuthenticationOf, startLocalIssuer, type LocalIssuer } from '../fixtures/identity/localIssuer';
import { conversationWhere, sampleConfig, startTestHost, type Api, type ApiResponse } from '../support/localHostHarness';

/**
 * Who may call what: every HTTP route × every kind of caller → the expected status, and nothing
 * changed by a refusal. A route registered without a row here fails the first test, so a new route
 * cannot skip the matrix (issue 11).
 *
 * 401: the route does not know who the caller is (no credential, or one of another kind, or forged).
 * 403: it knows, and the caller may not do this (another customer's chat, another agent's, another bot's);
 *      an expired Direct Line token is a 403 TokenExpired, Direct Line's rule (faces.md A.4).
 * 404: a site's secret on a conversation of another site: it does not exist for that site.
 */

const CALLERS = [
  'none', 'customer', 'otherCustomer', 'holdingAgent', 'otherAgent', 'supervisor', 'operator', 'holdingBot', 'otherBot', 'forged',
  // Direct Line: the site's secret and another site's; the target conversation's token, another conversation's of the same site,
  // one of another site's conversation; and tokens naming the target that prove nothing there (expired, a stream URL's, another key's).
  'siteSecret', 'otherSiteSecret', 'dlToken', 'dlOtherConversation', 'dlOtherSite', 'dlExpired', 'dlStream', 'dlForged',
] as const;
type Caller = (typeof CALLERS)[number];

const OPERATOR_KEY = 'operator-key-for-the-matrix-0123';
const CHANNEL_AUDIENCE = 'api://switchboard';
const BOT_A = { id: 'bot-a', appId: 'aaaaaaaa-0000-4000-8000-00000000000a', secretEnv: 'MATRIX_BOT_A_SECRET' };
const BOT_B = { id: 'bot-b', appId: 'bbbbbbbb-0000-4000-8000-00000000000b', secretEnv: 'MATRIX_BOT_B_SECRET' };

interface Chat {
  conversationId: string;
  /** A customer token of the chat (POST /api/chats gives one; for a Direct Line chat the host issued it, to prove it opens nothing there). */
  token: string;
  /** A Direct Line token of the chat (its own for a Direct Line chat; for the others one the host signed, to prove it opens nothing there). */
  dlToken: string;
}

/**
 * The chats a row acts on: `agentChat` is held by alice (Active), `offeredChat` is offered to her, `botChat` is
 * held by bot-a, `otherChat` is another customer's. `dlChat` is a Direct Line chat of site support held by bot-a,
 * `dlOtherChat` another of support, `partnerChat` one of site partner.
 */
interface Targets {
  agentChat: Chat;
  offeredChat: Chat;
  botChat: Chat;
  otherChat: Chat;
  dlChat: Chat;
  dlOtherChat: Chat;
  partnerChat: Chat;
}

interface Call {
  method: string;
  /** Under /api, or at the site root for a page. */
  path: string;
  body?: unknown;
  page?: true;
  headers?: Record<string, string>;
}

interface Row {
  /** Which chat the row acts on: the customer caller is that chat's customer. */
  target: Exclude<keyof Targets, 'otherChat' | 'dlOtherChat' | 'partnerChat'>;
  call(t: Targets): Call;
  /** Every caller's status: 401, 403 and 404 are refusals (see REFUSALS), anything else lets the caller through. */
  expected: Partial<Record<Caller, number>>;
  /** A read changes nothing even for a caller it lets through; a write gets chats of its own for each such call. */
  writes?: true;
  /** The route's credential is not the bearer (a signed link): every refusal has the same code, whoever calls. */
  bearerIgnored?: true;
}

/** Public routes answer everybody alike. */
const everyone = (status: number): Partial<Record<Caller, number>> => Object.fromEntries(CALLERS.map((c) => [c, status]));

/** A customer's chat routes: its token passes; another chat's token is a known caller refused; anything else is nobody. */
const customerOnly = (status: number) => ({ ...refusedAs(401), customer: status, otherCustomer: 403 });
/** Agent routes name the holding agent in the path: only that agent's credential passes. */
const holdingAgentOnly = (status: number) => ({ ...refusedAs(401), holdingAgent: status, otherAgent: 403, supervisor: 403 });
/** Connector routes: only the bot holding the chat; another configured bot is known and refused. */
const holdingBotOnly = (status: number) => ({ ...refusedAs(401), holdingBot: status, otherBot: 403 });
const operatorOnly = (status: number) => ({ ...refusedAs(401), operator: status });
/** Supervisor routes: any agent is known (403 unless a supervisor); anyone else is nobody. */
const supervisorOnly = (status: number) => ({ ...refusedAs(401), holdingAgent: 403, otherAgent: 403, supervisor: status });
/** Any signed-in agent, supervisors included. */
const anyAgent = (status: number) => ({ ...refusedAs(401), holdingAgent: status, otherAgent: status, supervisor: status });
/**
 * Direct Line routes of one conversation: its token and its site's secret pass; another conversation's token is known
 * and refused (403), another site's secret does not find it (404), an expired token is a 403 TokenExpired; anything
 * else, customer tokens of /api/chats, agents' and bots' tokens included, is nobody here.
 */
const conversationOnly = (status: number) => ({ ...refusedAs(401), dlToken: status, siteSecret: status, dlOtherConversation: 403, dlOtherSite: 403, otherSiteSecret: 404, dlExpired: 403 });
/** A preflight answers everybody alike and changes nothing (which origins it grants: test/security/directLine.test.ts). */
const preflight = (path: string): Row => ({
  target: 'dlChat',
  call: () => ({ method: 'OPTIONS', path, headers: { origin: PAGE_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } }),
  expected: everyone(204),
});

function refusedAs(status: number): Record<Caller, number> {
  return Object.fromEntries(CALLERS.map((c) => [c, status])) as Record<Caller, number>;
}

const chatPath = (c: Chat) => `chats/${c.conversationId}`;
const connectorPath = (c: Chat) => `connector/v3/conversations/${c.conversationId}`;
const agentPath = (c: Chat) => `agents/alice/conversations/${c.conversationId}`;
const supervisorPath = (c: Chat) => `supervisor/conversations/${c.conversationId}`;
const botMessage = { type: 'message', text: 'from the matrix', channelData: { deliveryMode: 'bridged' }, from: { id: BOT_A.id } };
const dlPath = (c: Chat) => `directline/conversations/${c.conversationId}`;
const SITE = { name: 'support', secret: 'support-site-secret-for-the-matrix-0123456789' };
const PARTNER = { name: 'partner', secret: 'partner-site-secret-for-the-matrix-0123456789' };
/** An origin the support site allows: the matrix's browser calls come from a page of it. */
const PAGE_ORIGIN = 'https://www.contoso.example';

/** One row per function name (and method); the key is `<function name> <METHOD>`. */
const MATRIX: Record<string, Row> = {
  'health GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'health' }), expected: everyone(200) },
  'chatsStart POST': { target: 'agentChat', call: () => ({ method: 'POST', path: 'chats', body: {} }), writes: true, expected: everyone(201) },
  'chatGet GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: chatPath(t.agentChat) }), expected: customerOnly(200) },
  'chatMessagesList GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: `${chatPath(t.agentChat)}/messages` }), expected: customerOnly(200) },
  'chatMessagesSend POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${chatPath(t.agentChat)}/messages`, body: { text: 'hello' } }), writes: true, expected: customerOnly(202) },
  'chatToken POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${chatPath(t.agentChat)}/token` }), expected: customerOnly(201) },
  'chatEnd POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${chatPath(t.agentChat)}/end` }), writes: true, expected: customerOnly(200) },
  'agentConversations GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'agents/alice/conversations' }), expected: holdingAgentOnly(200) },
  'agentConversationMessages GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: `${agentPath(t.agentChat)}/messages?limit=10` }), expected: holdingAgentOnly(200) },
  'agentOffers GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'agents/alice/offers' }), expected: holdingAgentOnly(200) },
  'agentPresence PUT': { target: 'agentChat', call: () => ({ method: 'PUT', path: 'agents/alice/presence', body: { presence: 'Available' } }), writes: true, expected: holdingAgentOnly(200) },
  'agentMessage POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/messages`, body: { text: 'from alice' } }), writes: true, expected: holdingAgentOnly(202) },
  // A typing signal is transient: the snapshot (transcripts included) stays as it was.
  'agentTyping POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/typing` }), expected: holdingAgentOnly(202) },
  'agentTransfer POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/transfer`, body: { queue: 'HomeLoanQueue' } }), writes: true, expected: holdingAgentOnly(200) },
  'agentEnd POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/end` }), writes: true, expected: holdingAgentOnly(200) },
  // Close follows End: on an Active chat the holding agent is told so (409), which is not a refusal of who they are.
  'agentClose POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/close` }), writes: true, expected: holdingAgentOnly(409) },
  'agentOfferAccept POST': { target: 'offeredChat', call: (t) => ({ method: 'POST', path: `agents/alice/offers/${t.offeredChat.conversationId}/accept` }), writes: true, expected: holdingAgentOnly(200) },
  'agentOfferReject POST': { target: 'offeredChat', call: (t) => ({ method: 'POST', path: `agents/alice/offers/${t.offeredChat.conversationId}/reject` }), writes: true, expected: holdingAgentOnly(200) },
  'agentWorkspace GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'agents/alice/workspace' }), expected: holdingAgentOnly(200) },
  'agentConversationGet GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: agentPath(t.agentChat) }), expected: holdingAgentOnly(200) },
  // The JSON long-poll form of the stream, answering at once (wait=0); without ?session= it marks no tab seen.
  'agentEvents GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'agents/alice/events?wait=0' }), expected: holdingAgentOnly(200) },
  'agentSignIn POST': { target: 'agentChat', call: () => ({ method: 'POST', path: 'agents/alice/session', body: { sessionId: 'matrix-tab-1' } }), writes: true, expected: holdingAgentOnly(200) },
  'agentSignOut DELETE': { target: 'agentChat', call: () => ({ method: 'DELETE', path: 'agents/alice/session/matrix-tab-1' }), writes: true, expected: holdingAgentOnly(200) },
  'agentNote POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${agentPath(t.agentChat)}/notes`, body: { text: 'a note' } }), writes: true, expected: holdingAgentOnly(202) },
  'supervisorOverview GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'supervisor/overview' }), expected: supervisorOnly(200) },
  'supervisorEvents GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'supervisor/events?wait=0' }), expected: supervisorOnly(200) },
  'me GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'me' }), expected: anyAgent(200) },
  // sam (dev-sam) is the supervisor; alice holds agentChat and is offered offeredChat; bob has room and is Available.
  'supervisorAssign POST': { target: 'offeredChat', call: (t) => ({ method: 'POST', path: `${supervisorPath(t.offeredChat)}/assign`, body: { agentId: 'bob' } }), writes: true, expected: supervisorOnly(200) },
  'supervisorTransfer POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${supervisorPath(t.agentChat)}/transfer`, body: { queue: 'HomeLoanQueue' } }), writes: true, expected: supervisorOnly(200) },
  'supervisorClose POST': { target: 'agentChat', call: (t) => ({ method: 'POST', path: `${supervisorPath(t.agentChat)}/close` }), writes: true, expected: supervisorOnly(200) },
  'supervisorConversationMessages GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: `${supervisorPath(t.agentChat)}/messages?limit=10` }), expected: supervisorOnly(200) },
  'insights GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'insights?granularity=day' }), expected: supervisorOnly(200) },
  'conversationGet GET': { target: 'agentChat', call: (t) => ({ method: 'GET', path: `conversations/${t.agentChat.conversationId}` }), expected: operatorOnly(200) },
  'routingExplain POST': { target: 'agentChat', call: () => ({ method: 'POST', path: 'workstreams/ChatWorkStream/explain', body: { context: { BotHandoffTopic: 'CreditCard' } } }), expected: operatorOnly(200) },
  'connectorActivities POST': { target: 'botChat', call: (t) => ({ method: 'POST', path: `${connectorPath(t.botChat)}/activities`, body: botMessage }), writes: true, expected: holdingBotOnly(200) },
  'connectorActivityUpdate PUT': { target: 'botChat', call: (t) => ({ method: 'PUT', path: `${connectorPath(t.botChat)}/activities/unknown-activity`, body: botMessage }), writes: true, expected: holdingBotOnly(200) },
  'connectorActivityDelete DELETE': { target: 'botChat', call: (t) => ({ method: 'DELETE', path: `${connectorPath(t.botChat)}/activities/unknown-activity` }), writes: true, expected: holdingBotOnly(200) },
  'connectorMembers GET': { target: 'botChat', call: (t) => ({ method: 'GET', path: `${connectorPath(t.botChat)}/members` }), expected: holdingBotOnly(200) },
  'connectorActivityMembers GET': { target: 'botChat', call: (t) => ({ method: 'GET', path: `${connectorPath(t.botChat)}/activities/any/members` }), expected: holdingBotOnly(200) },
  // Bots cannot create conversations on Switchboard: every caller is refused, a bot as one who may not.
  'connectorConversationsCreate POST': { target: 'botChat', call: () => ({ method: 'POST', path: 'connector/v3/conversations', body: { bot: { id: BOT_A.id }, members: [] } }), expected: { ...refusedAs(401), holdingBot: 403, otherBot: 403 } },
  // The demo bot's endpoint is a bot, not Switchboard's API; it exists on the local host only and replies to this
  // host's connector alone. It is not a user of this configuration, so whatever anyone makes it say is refused
  // there and nothing changes; botbuilder's adapter answers the failed turn with 500, as any bot of it would.
  'demoBotMessages POST': {
    target: 'botChat',
    call: (t) => ({ method: 'POST', path: 'demo-bot/messages', body: { type: 'message', text: 'credit card', conversation: { id: t.botChat.conversationId }, from: { id: 'x' }, recipient: { id: 'demo-bot' }, serviceUrl: host.services.settings.connectorBaseUrl, channelId: 'switchboard' } }),
    expected: everyone(500),
  },
  // Pages are static files anyone may load; what they then do is the API's rows above.
  'chatPage GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'chat/contoso', page: true }), expected: everyone(200) },
  'chatPage HEAD': { target: 'agentChat', call: () => ({ method: 'HEAD', path: 'chat', page: true }), expected: everyone(200) },
  'agentPage GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'agent', page: true }), expected: everyone(200) },
  'agentPage HEAD': { target: 'agentChat', call: () => ({ method: 'HEAD', path: 'agent', page: true }), expected: everyone(200) },
  'supervisorPage GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'supervisor', page: true }), expected: everyone(200) },
  'supervisorPage HEAD': { target: 'agentChat', call: () => ({ method: 'HEAD', path: 'supervisor', page: true }), expected: everyone(200) },
  'insightsPage GET': { target: 'agentChat', call: () => ({ method: 'GET', path: 'insights', page: true }), expected: everyone(200) },
  'insightsPage HEAD': { target: 'agentChat', call: () => ({ method: 'HEAD', path: 'insights', page: true }), expected: everyone(200) },
  'pageAssets GET': { target: 'agentChat', call: () => ({ method: 'GET', path: `assets/${builtAsset()}`, page: true }), expected: everyone(200) },
  'pageAssets HEAD': { target: 'agentChat', call: () => ({ method: 'HEAD', path: `assets/${builtAsset()}`, page: true }), expected: everyone(200) },
  // Direct Line. tokens/generate: a site's secret, each for its own site; a token is known and refused (403).
  'directLineTokensGenerate POST': {
    target: 'dlChat', call: () => ({ method: 'POST', path: 'directline/tokens/generate', body: {} }),
    expected: { ...refusedAs(401), siteSecret: 200, otherSiteSecret: 200, dlToken: 403, dlOtherConversation: 403, dlOtherSite: 403, dlExpired: 403 },
  },
  'directLineTokensGenerate OPTIONS': preflight('directline/tokens/generate'),
  // A token refreshes itself (the route names no conversation); a secret is told it is not refreshed (400); an expired token cannot be.
  'directLineTokensRefresh POST': {
    target: 'dlChat', call: () => ({ method: 'POST', path: 'directline/tokens/refresh' }),
    expected: { ...refusedAs(401), siteSecret: 400, otherSiteSecret: 400, dlToken: 200, dlOtherConversation: 200, dlOtherSite: 200, dlExpired: 403 },
  },
  'directLineTokensRefresh OPTIONS': preflight('directline/tokens/refresh'),
  // A token answers for its own conversation, started already (200, nothing written); a secret starts a new one (201).
  'directLineConversationsStart POST': {
    target: 'dlChat', call: () => ({ method: 'POST', path: 'directline/conversations', body: { user: {} } }), writes: true,
    expected: { ...refusedAs(401), siteSecret: 201, otherSiteSecret: 201, dlToken: 200, dlOtherConversation: 200, dlOtherSite: 200, dlExpired: 403 },
  },
  'directLineConversationsStart OPTIONS': preflight('directline/conversations'),
  'directLineConversationGet GET': { target: 'dlChat', call: (t) => ({ method: 'GET', path: dlPath(t.dlChat) }), expected: conversationOnly(200) },
  'directLineConversationGet OPTIONS': preflight('directline/conversations/any'),
  'directLineActivitiesList GET': { target: 'dlChat', call: (t) => ({ method: 'GET', path: `${dlPath(t.dlChat)}/activities` }), expected: conversationOnly(200) },
  'directLineActivitiesList OPTIONS': preflight('directline/conversations/any/activities'),
  'directLineActivityPost POST': {
    target: 'dlChat', call: (t) => ({ method: 'POST', path: `${dlPath(t.dlChat)}/activities`, body: { type: 'message', text: 'from the matrix', from: { id: 'dl_someone' } } }), writes: true,
    expected: conversationOnly(200),
  },
  // Public, for the hosted page (rate-limited as chat starts and customer requests are): a visitor's token writes nothing.
  'directLineSites GET': { target: 'dlChat', call: () => ({ method: 'GET', path: 'directline/sites/support' }), expected: everyone(200) },
  'directLineSites OPTIONS': preflight('directline/sites'),
  'directLineVisitorToken POST': { target: 'dlChat', call: () => ({ method: 'POST', path: 'directline/sites/support/tokens', body: {} }), expected: everyone(201) },
  'directLineVisitorToken OPTIONS': preflight('directline/sites/support/tokens'),
  // Uploads take the conversation's token (or its site's secret), refused before the body is read; a JSON body is no upload (415).
  'directLineUpload POST': { target: 'dlChat', call: (t) => ({ method: 'POST', path: `${dlPath(t.dlChat)}/upload`, body: {} }), expected: conversationOnly(415) },
  'directLineUpload OPTIONS': preflight('directline/conversations/any/upload'),
  // A file's link is its credential: without Switchboard's signature nobody, whatever bearer or key they bring, reads it.
  'directLineFileGet GET': { target: 'dlChat', call: (t) => ({ method: 'GET', path: `${dlPath(t.dlChat)}/files/00000000-0000-4000-8000-000000000000?e=9999999999&s=${'A'.repeat(43)}` }), expected: refusedAs(403), bearerIgnored: true },
  'directLineFileGet OPTIONS': preflight('directline/conversations/any/files/any'),
};

/** A file the page build wrote under dist/pages/assets (test/support/buildPages.ts builds them before the suite). */
function builtAsset(): string {
  const name = readdirSync(join(PAGES_DIR, 'assets')).find((file) => file.endsWith('.js'));
  if (!name) throw new Error('test setup: the pages are not built');
  return name;
}

let issuer: LocalIssuer;
let host: Awaited<ReturnType<typeof startTestHost>>;
let api: Api;
let credentials: Record<Caller, (target: Chat, t: Targets) => Record<string, string>>;
/** Tokens of Switchboard's shape, signed with a key that is not the host's. */
const rogueDirectLineTokens = new DirectLineTokens('not-the-host-token-secret-0123456789');

/** The claims of a chat's Direct Line token, as the host signed them. */
function dlClaims(chat: Chat): DirectLineClaims {
  const checked = host.services.directLineTokens.check(chat.dlToken, new Date(0));
  if (checked.kind === 'invalid') throw new Error(`test setup: the Direct Line token of ${chat.conversationId} is not the host's`);
  return checked.claims;
}

/** Bots that answer every delivery at once and say nothing: the matrix drives the connector itself. */
const silentBots: BotClient = { postActivity: async () => ({ status: 200 }) };

function matrixConfig(): Config {
  return sampleConfig((config) => {
    config.allowUnauthenticatedBots = false;
    config.botAuthentication = botAuthenticationOf(issuer, CHANNEL_AUDIENCE);
    const bots: BotUser[] = [BOT_A, BOT_B].map((b) => ({
      id: b.id, kind: 'bot', name: b.id, endpoint: `https://bots.invalid/${b.id}`, capacity: 1000, appId: b.appId,
      credentials: { secretFromEnv: b.secretEnv }, contextEventName: 'startConversation', deliveryMode: 'normal', unreachableAfterSeconds: 600,
    }));
    config.users = [...bots, ...config.users.filter((u) => u.kind === 'agent')];
    // Escalated chats are offered (so the offer routes have one to answer); alice takes every one of the run.
    config.workstreams[0]!.offers = { timeoutSeconds: 3600, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3 };
    // Alice takes every escalated chat of the run; each test leaves its chats as they are.
    for (const user of config.users) if (user.id === 'alice' && user.kind === 'agent') user.capacity = 1000;
    config.queues = config.queues.map((q) => {
      if (q.name === 'BotQueue') return { ...q, members: [BOT_A.id] };
      if (q.name === 'CreditCardQueue') return { ...q, members: ['alice'] };
      return { ...q, members: q.members.filter((m) => m !== 'alice') };
    });
    const [support] = config.directLine.sites;
    const site = { ...support!, secretFromEnv: undefined, allowedOrigins: [PAGE_ORIGIN] };
    config.directLine.sites = [{ ...site, secret: SITE.secret }, { ...site, name: PARTNER.name, title: 'Partner', secret: PARTNER.secret }];
    // A GET of activities answers at once (the matrix asks without a watermark anyway).
    config.directLine.longPollSeconds = 0;
  });
}

const botToken = (appId: string) => issuer.mint({ aud: CHANNEL_AUDIENCE, appid: appId, azp: appId });

/** Escalated, the chat is offered to alice (the only credit-card agent). */
async function offerToAlice(chat: Chat): Promise<void> {
  const tags = JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } });
  const res = await api.call('POST', `connector/v3/conversations/${chat.conversationId}/activities`, {
    body: { type: 'message', text: 'summary for the agent', channelData: { tags }, from: { id: BOT_A.id } },
    headers: { authorization: `Bearer ${await botToken(BOT_A.appId)}` },
  });
  expect(res.status).toBe(200);
  await conversationWhere(host, chat.conversationId, (c) => c.offer?.agentId === 'alice', 'the offer to alice');
}

async function assignToAlice(chat: Chat): Promise<void> {
  await offerToAlice(chat);
  expect((await api.agent('alice', 'POST', `/offers/${chat.conversationId}/accept`)).status).toBe(200);
  await conversationWhere(host, chat.conversationId, (c) => c.assignee?.id === 'alice' && c.status === 'Active', 'alice to hold the chat');
}

/** A Direct Line token the host signed for a chat of the customer API (no client could get one). */
const dlTokenFor = (conversationId: string) => host.services.directLineTokens.issue({ site: SITE.name, conv: conversationId, user: `customer-${conversationId}` }, new Date()).token;

async function chatWithBot(): Promise<Chat> {
  const chat = await api.startChat({});
  await conversationWhere(host, chat.conversationId, (c) => c.assignee?.id === BOT_A.id && c.status === 'Active', 'bot-a to hold the chat');
  return { ...chat, dlToken: dlTokenFor(chat.conversationId) };
}

/** A chat started over Direct Line as a site's backend does: tokens/generate with the secret, then the client starts it. */
async function directLineChat(site: { secret: string }): Promise<Chat> {
  const generated = await api.call('POST', 'directline/tokens/generate', { body: {}, token: site.secret });
  expect(generated.status).toBe(200);
  const { conversationId, token: dlToken } = generated.body as { conversationId: string; token: string };
  expect((await api.call('POST', 'directline/conversations', { body: {}, token: dlToken })).status).toBe(201);
  await conversationWhere(host, conversationId, (c) => c.assignee?.id === BOT_A.id && c.status === 'Active', 'bot-a to hold the Direct Line chat');
  return { conversationId, dlToken, token: host.services.customerTokens.issue(conversationId, new Date()).token };
}

async function targets(): Promise<Targets> {
  // A sign-out case before may have left alice Offline; the offers below need her Available.
  await api.agent('alice', 'PUT', '/presence', { presence: 'Available' });
  const [agentChat, offeredChat, botChat, otherChat, dlChat, dlOtherChat, partnerChat] = await Promise.all([
    chatWithBot(), chatWithBot(), chatWithBot(), chatWithBot(), directLineChat(SITE), directLineChat(SITE), directLineChat(PARTNER),
  ]);
  await Promise.all([assignToAlice(agentChat), offerToAlice(offeredChat)]);
  return { agentChat, offeredChat, botChat, otherChat, dlChat, dlOtherChat, partnerChat };
}

/** Everything a refused call could have touched: the chats, every agent, the transcripts, and the bus's pending work. */
async function snapshot(t: Targets) {
  await host.bus.whenIdle();
  const chats = [t.agentChat, t.offeredChat, t.botChat, t.otherChat, t.dlChat, t.dlOtherChat, t.partnerChat].map((c) => c.conversationId);
  return {
    conversations: await Promise.all(chats.map((id) => host.services.conversations.get(id))),
    transcripts: await Promise.all(chats.map((id) => host.services.transcripts.list(id))),
    agents: await host.services.agents.list(),
    unclosed: (await host.services.conversations.listUnclosedUpdatedBefore('9999-12-31T00:00:00.000Z', { limit: 1000 })).length,
  };
}

async function send(row: Row, caller: Caller, t: Targets): Promise<ApiResponse> {
  const { method, path, body, page, headers: own } = row.call(t);
  const headers = { ...own, ...credentials[caller](t[row.target], t) };
  if (!page) return api.call(method, path, { body, headers });
  const response = await fetch(`${api.baseUrl}/${path}`, { method, headers });
  return { status: response.status, body: await response.text() };
}

beforeAll(async () => {
  issuer = await startLocalIssuer();
  for (const b of [BOT_A, BOT_B]) {
    process.env[b.secretEnv] = `${b.id}-secret`;
    issuer.registerClient({ clientId: b.appId, secret: `${b.id}-secret`, audiences: [b.appId, CHANNEL_AUDIENCE] });
  }
  host = await startTestHost({ config: matrixConfig(), bots: silentBots, operatorKey: OPERATOR_KEY });
  api = host.api;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const tokens = { botA: await botToken(BOT_A.appId), botB: await botToken(BOT_B.appId), forged: await issuer.mint({ aud: CHANNEL_AUDIENCE, appid: BOT_A.appId, azp: BOT_A.appId }, { signWith: 'rogueKeySameKid' }) };
  credentials = {
    none: () => ({}),
    customer: (target) => bearer(target.token),
    otherCustomer: (_target, t) => bearer(t.otherChat.token),
    holdingAgent: () => bearer('dev-alice'),
    otherAgent: () => bearer('dev-bob'),
    supervisor: () => bearer('dev-sam'),
    operator: () => ({ 'x-functions-key': OPERATOR_KEY }),
    holdingBot: () => bearer(tokens.botA),
    otherBot: () => bearer(tokens.botB),
    // A bot token signed by someone else's key, a customer-token-shaped guess and a wrong operator key at once.
    forged: () => ({ ...bearer(tokens.forged), 'x-functions-key': 'not-the-operator-key-0123456789' }),
    siteSecret: () => bearer(SITE.secret),
    otherSiteSecret: () => bearer(PARTNER.secret),
    dlToken: (target) => bearer(target.dlToken),
    dlOtherConversation: (_target, t) => bearer(t.dlOtherChat.dlToken),
    dlOtherSite: (_target, t) => bearer(t.partnerChat.dlToken),
    // The target's claims, signed by Switchboard's key but two hours ago (so expired), for a stream URL, or by another key.
    dlExpired: (target) => bearer(host.services.directLineTokens.issue(dlClaims(target), new Date(Date.now() - 2 * 3600_000)).token),
    dlStream: (target) => bearer(host.services.directLineTokens.issueStream(dlClaims(target), new Date())),
    dlForged: (target) => bearer(rogueDirectLineTokens.issue(dlClaims(target), new Date()).token),
  };
  // botbuilder logs every refused token on console.error; the statuses say what matters.
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await host?.close();
  await issuer?.close();
});

test('every registered route has a row', () => {
  const routes = loadFunctions().http().flatMap((f) => f.methods.map((m) => `${f.name} ${m}`)).sort();
  expect(routes.filter((r) => !(r in MATRIX))).toEqual([]);
  expect(Object.keys(MATRIX).filter((r) => !routes.includes(r))).toEqual([]);
});

/** The statuses that refuse a caller for who it is; any other status lets it through (and may still be a 4xx about the input). */
const REFUSALS = [401, 403, 404];
const isRefusal = (status: number | undefined) => status !== undefined && REFUSALS.includes(status);
/** The code a refusal carries: an expired Direct Line token says so (Direct Line's rule), the rest by status. */
function refusalCode(status: number, caller: Caller, row: Row): string {
  if (status === 401) return 'Unauthorized';
  if (status === 404) return 'NotFound';
  return caller === 'dlExpired' && !row.bearerIgnored ? 'TokenExpired' : 'Forbidden';
}

const refusals = Object.entries(MATRIX).flatMap(([route, row]) =>
  CALLERS.filter((caller) => isRefusal(row.expected[caller])).map((caller) => [route, caller, row.expected[caller]!] as const));

describe('a refused caller gets the status of its kind and changes nothing', () => {
  let t: Targets;
  beforeAll(async () => {
    t = await targets();
  }, 60_000);

  test.each(refusals)('%s by %s: %i', async (route, caller, status) => {
    const before = await snapshot(t);
    const res = await send(MATRIX[route]!, caller, t);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code: refusalCode(status, caller, MATRIX[route]!) });
    expect(await snapshot(t)).toEqual(before);
  });
});

const admissions = Object.entries(MATRIX).flatMap(([route, row]) =>
  CALLERS.filter((caller) => !isRefusal(row.expected[caller])).map((caller) => [route, caller, row.expected[caller]!] as const));

describe('an allowed caller gets through', () => {
  let shared: Targets;
  beforeAll(async () => {
    shared = await targets();
  }, 60_000);

  test.each(admissions)('%s by %s: %i', async (route, caller, status) => {
    const row = MATRIX[route]!;
    // A write may end or move its chat: each one gets chats of its own.
    const t = row.writes ? await targets() : shared;
    const before = row.writes ? undefined : await snapshot(t);
    const res = await send(row, caller, t);
    expect(res.status).toBe(status);
    if (before) expect(await snapshot(t)).toEqual(before);
  }, 30_000);
});
