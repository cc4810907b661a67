import { timingSafeEqual } from 'node:crypto';
import type { Activity } from '../core/activity';
import type { Context, ContextValue, DirectLineSite, Workstream } from '../core/config';
import { contextProblems, describeContextProblems, typedContext } from '../core/contextInput';
import { chatEndedActivity, toDirectLineActivity, typingActivity, type SpeakerNames } from '../core/directLineActivities';
import { customerPartEnded } from '../core/lifecycle';
import { canonicalLocale } from '../core/locale';
import { ApiError } from '../http/apiError';
import type { ConversationState } from '../ports/conversationStore';
import { POSITION_PATTERN } from '../ports/transcriptStore';
import { assertChatGoesOn, assertChatHasRoom } from './chatLimits';
import { conversationCommandMessage } from './commands';
import { beginChat } from './customerChats';
import type { DirectLineClaims } from './directLineTokens';
import { withFreshFileLinks } from './fileLinks';
import type { Services } from './services';
import { customerTyping, freshTyping, typingEnded } from './typingSignals';

/**
 * Direct Line 3.0 (faces.md §A), over the same conversations as the customer API: a site's backend
 * (with the site's secret) or the hosted page's pre-chat route gets a token; the client starts the
 * conversation, posts activities and reads them by watermark. The watermark is the transcript's append
 * position, so a replayed watermark loses nothing and a restart of the host changes nothing.
 */

/** Who a request is: a site's backend (its secret), or the customer of one conversation (its token). */
export type DirectLineCaller = { kind: 'site'; site: DirectLineSite } | { kind: 'customer'; site: DirectLineSite; claims: DirectLineClaims };

export interface ConversationAnswer {
  conversationId: string;
  token: string;
  expires_in: number;
  streamUrl?: string;
}

export interface ActivitySet {
  activities: Activity[];
  watermark: string | null;
}

/** Ids Direct Line clients put into URLs unencoded (faces.md A.1): URL-safe, `dl_` first as Microsoft's service requires. */
const USER_ID = /^dl_[A-Za-z0-9_.-]{1,124}$/;
/** Activities per GET: Web Chat renders them all at once, and a longer history comes on the next poll. */
const ACTIVITIES_PER_READ = 100;
/**
 * A held GET answers at once for a typing signalled this long before it arrived: DLJS asks again about a
 * second after each answer, and a typing in that gap would otherwise wait for the next change. The same
 * typing may so come twice; it has one id, and Web Chat shows one indicator.
 */
const TYPING_CATCH_UP_IN_MS = 1500;

export function siteNamed(s: Services, name: string): DirectLineSite {
  const site = s.config.directLine.sites.find((candidate) => candidate.name === name);
  if (!site) throw new ApiError('NotFound', `no Direct Line site named "${name}"`);
  return site;
}

/** What the hosted page needs to know of a site: never its secret or its origins. */
export function describeSite(s: Services, name: string) {
  const site = siteNamed(s, name);
  return { name: site.name, title: site.title, prechat: site.prechat, webSocket: s.settings.directLineStreamBaseUrl !== undefined };
}

export function listSites(s: Services) {
  return s.config.directLine.sites.map((site) => ({ name: site.name, title: site.title }));
}

/**
 * Who the bearer is, from a page of an origin its site allows (none for a server's call). A site's secret is compared in constant time with each site's; anything else
 * must be a token Switchboard signed. An expired token is a 403 TokenExpired (Web Chat then shows the
 * session as expired), a token that proves nothing a 401.
 */
export function directLineCaller(s: Services, bearer: string | undefined, foreignOrigin?: string): DirectLineCaller {
  const caller = callerByBearer(s, bearer);
  assertOriginAllowed(caller.site, foreignOrigin);
  return caller;
}

/** A page of another origin may use a site only if the site lists the origin (its own hosted page always may). */
function assertOriginAllowed(site: DirectLineSite, foreignOrigin: string | undefined): void {
  if (foreignOrigin !== undefined && !site.allowedOrigins.includes(foreignOrigin)) {
    throw new ApiError('Forbidden', `pages of ${foreignOrigin.slice(0, 100)} may not use site "${site.name}": add the origin to its allowedOrigins`);
  }
}

function callerByBearer(s: Services, bearer: string | undefined): DirectLineCaller {
  if (!bearer) throw new ApiError('Unauthorized', 'an Authorization: Bearer header with a Direct Line secret or token is required');
  const bySecret = siteBySecret(s, bearer);
  if (bySecret) return { kind: 'site', site: bySecret };
  const checked = s.directLineTokens.check(bearer, s.clock.now());
  if (checked.kind === 'invalid') throw new ApiError('Unauthorized', 'the bearer is neither a site secret nor a Direct Line token Switchboard issued');
  const site = s.config.directLine.sites.find((candidate) => candidate.name === checked.claims.site);
  if (!site) throw new ApiError('Unauthorized', `the token's site "${checked.claims.site}" is not configured any more`);
  if (checked.kind === 'expired') throw new ApiError('TokenExpired', `the token expired at ${checked.expiredAt.toISOString()}; refresh tokens before they expire (POST /tokens/refresh)`, { status: 403 });
  return { kind: 'customer', site, claims: checked.claims };
}

function siteBySecret(s: Services, bearer: string): DirectLineSite | undefined {
  const given = Buffer.from(bearer);
  return s.config.directLine.sites.find((site) => {
    const secret = s.siteSecrets.get(site.name);
    if (secret === undefined) return false;
    const expected = Buffer.from(secret);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

export interface GenerateInput {
  user?: { id: string; name?: string };
  context?: Record<string, ContextValue>;
  locale?: string;
}

/**
 * POST /tokens/generate, for a site's backend: a token for a conversation that starts when the client
 * connects. The backend may name the signed-in customer (`dl_…`, as bots then key their state on it) and
 * set context variables: it holds the secret, so what it sets is Switchboard's to trust (type-checked).
 */
export function generateToken(s: Services, caller: DirectLineCaller, input: GenerateInput): ConversationAnswer {
  const site = requireSecret(caller);
  if (input.user && !USER_ID.test(input.user.id)) throw new ApiError('InvalidBody', `user.id: must start with dl_ and hold only letters, digits, _ . - (at most 127 characters), got ${JSON.stringify(input.user.id.slice(0, 140))}`);
  const conv = s.ids.newId();
  const context = checkedContext(workstreamOf(s, site), input.context ?? {}, 'system', 'context');
  return tokenAnswer(s, {
    site: site.name, conv, user: input.user?.id ?? anonymousUser(conv),
    ...(input.user?.name !== undefined ? { name: input.user.name } : {}),
    ...localeClaim(input.locale),
    ...(Object.keys(context).length ? { ctx: context, ctxBy: 'site' as const } : {}),
  });
}

export interface VisitorInput {
  name?: string;
  locale?: string;
  context?: Record<string, ContextValue>;
}

/**
 * The hosted page's token route, for anonymous visitors: only the site's pre-chat variables, with the
 * same checks as the customer API (setBy customer, the declared type), and every required one answered.
 */
export function visitorToken(s: Services, siteName: string, input: VisitorInput, foreignOrigin?: string): ConversationAnswer {
  const site = siteNamed(s, siteName);
  assertOriginAllowed(site, foreignOrigin);
  if (!site.anonymous) throw new ApiError('Forbidden', `site "${site.name}" does not take anonymous visitors: its own backend hands out tokens`);
  const given = input.context ?? {};
  const asked = new Set(site.prechat.map((field) => field.variable));
  const unasked = Object.keys(given).filter((name) => !asked.has(name));
  if (unasked.length) throw new ApiError('InvalidBody', `context.${unasked[0]}: not a pre-chat question of site "${site.name}" (it asks ${[...asked].join(', ') || 'none'})`);
  const missing = site.prechat.filter((field) => field.required && (given[field.variable] === undefined || String(given[field.variable]).trim() === ''));
  if (missing.length) throw new ApiError('InvalidBody', missing.map((field) => `context.${field.variable}: "${field.label}" needs an answer`).join('; '));
  const choiceProblem = site.prechat.find((field) => field.options && given[field.variable] !== undefined && !field.options.includes(String(given[field.variable])));
  if (choiceProblem) throw new ApiError('InvalidBody', `context.${choiceProblem.variable}: expected one of ${choiceProblem.options!.join(', ')}`);
  const context = checkedContext(workstreamOf(s, site), given, 'customer', 'context');
  const conv = s.ids.newId();
  return tokenAnswer(s, {
    site: site.name, conv, user: anonymousUser(conv),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...localeClaim(input.locale),
    ...(Object.keys(context).length ? { ctx: context, ctxBy: 'visitor' as const } : {}),
  });
}

/** POST /tokens/refresh: the same claims, a new expiry. An expired token cannot be refreshed (403, from directLineCaller). */
export async function refreshToken(s: Services, caller: DirectLineCaller): Promise<ConversationAnswer> {
  if (caller.kind !== 'customer') throw new ApiError('InvalidBody', 'a secret is not refreshed: refresh a token');
  // An ended chat's token reads its history until it expires, and no longer (as customer tokens: readAfterCloseMinutes).
  // A 403, which Web Chat takes as the end of the session; any other error it would retry 45 times.
  const state = await s.conversations.getState(caller.claims.conv);
  if (state && customerPartEnded(state.status)) throw new ApiError('Forbidden', `the chat has ended (status ${state.status}): its token is not refreshed; start a new chat`);
  return tokenAnswer(s, caller.claims);
}

/**
 * POST /conversations: starts the token's conversation (201), or answers for it again (200) when it
 * started already. With the site's secret, a new conversation with a token of its own.
 */
export async function startConversation(s: Services, caller: DirectLineCaller, body: { user?: { id?: string; name?: string }; locale?: string }): Promise<{ created: boolean; answer: ConversationAnswer }> {
  const claims = caller.kind === 'customer' ? caller.claims : secretClaims(s, caller.site, body);
  const existing = await s.conversations.getState(claims.conv);
  if (!existing) {
    const workstream = workstreamOf(s, caller.site);
    await beginChat(s, workstream, {
      conversationId: claims.conv,
      customer: { id: claims.user, name: claims.name ?? 'Customer' },
      context: claims.ctx ?? {},
      ...(claims.locale ? { locale: claims.locale } : {}),
      site: caller.site.name,
    });
  }
  return { created: !existing, answer: withStream(s, tokenAnswer(s, claims), claims) };
}

function secretClaims(s: Services, site: DirectLineSite, body: { user?: { id?: string; name?: string }; locale?: string }): DirectLineClaims {
  const conv = s.ids.newId();
  const user = body.user?.id;
  if (user !== undefined && !USER_ID.test(user)) throw new ApiError('InvalidBody', `user.id: must start with dl_ and hold only letters, digits, _ . -, got ${JSON.stringify(user.slice(0, 140))}`);
  return { site: site.name, conv, user: user ?? anonymousUser(conv), ...(body.user?.name ? { name: body.user.name } : {}), ...localeClaim(body.locale) };
}

/**
 * GET /conversations/{id}?watermark=W: the client reconnects (a reload, a dropped stream); a fresh token,
 * and a stream URL that replays what came after W (DLJS sends the last watermark it saw).
 */
export async function resumeConversation(s: Services, caller: DirectLineCaller, conversationId: string, watermark: string | null = null): Promise<ConversationAnswer> {
  const claims = await conversationClaims(s, caller, conversationId);
  const after = readWatermark(watermark);
  await stateOf(s, conversationId);
  await customerSeen(s, caller, conversationId);
  return withStream(s, tokenAnswer(s, claims), claims, after);
}

/**
 * GET /conversations/{id}/activities: what the customer may see after the watermark. With nothing new,
 * it waits (up to directLine.longPollSeconds) for the next change, so replies arrive at once; it never
 * answers an error for a condition that passes (one such answer stops Web Chat's polling for good).
 * A fresh typing of the bot or agent comes last, and leaves the watermark where it is.
 */
export async function listActivities(s: Services, caller: DirectLineCaller, conversationId: string, watermark: string | null): Promise<ActivitySet> {
  try {
    return await pollActivities(s, caller, conversationId, watermark);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    // A store failing for a moment must not answer a 5xx: one stops Web Chat's polling for good (faces.md
    // A.6). An empty set with the client's own watermark, and it asks again a second later.
    s.telemetry.trackException(error, { conversationId, operation: 'directLineActivities' });
    return { activities: [], watermark: watermark || null };
  }
}

async function pollActivities(s: Services, caller: DirectLineCaller, conversationId: string, watermark: string | null): Promise<ActivitySet> {
  const claims = await conversationClaims(s, caller, conversationId);
  const after = readWatermark(watermark);
  await customerSeen(s, caller, conversationId);
  const arrivedAt = s.clock.now().getTime();
  const deadline = Date.now() + s.config.directLine.longPollSeconds * 1000;
  // Once the host shuts down, the GET answers with what it read: the store is about to close.
  let closing = false;
  for (;;) {
    const set = await readActivities(s, caller.site, claims, after);
    const typing = await staffTyping(s, caller.site, claims);
    const remaining = deadline - Date.now();
    const newTyping = typing !== undefined && Date.parse(typing.timestamp ?? '') >= arrivedAt - TYPING_CATCH_UP_IN_MS;
    if (set.activities.length > 0 || after === undefined || remaining <= 0 || newTyping || closing) return typing ? { ...set, activities: [...set.activities, typing] } : set;
    closing = (await s.changes.next(conversationId, remaining)) === 'closing';
  }
}

/** The bot's or agent's typing as an activity, while it counts (for the polling GET and the stream). */
export async function staffTyping(s: Services, site: DirectLineSite, claims: DirectLineClaims): Promise<Activity | undefined> {
  const signal = await freshTyping(s, claims.conv, 'staff');
  if (!signal) return undefined;
  const chat = { id: claims.conv, customer: { id: claims.user, name: claims.name ?? 'Customer' } };
  return typingActivity(chat, { ...signal, kind: s.directory.bot(signal.userId) ? 'bot' : 'agent' }, speakerNames(s, site));
}

/** One read: the next page of the transcript the customer sees, then the end of the chat if it ended. */
export async function readActivities(s: Services, site: DirectLineSite, claims: DirectLineClaims, after: string | undefined): Promise<ActivitySet> {
  const state = await stateOf(s, claims.conv);
  const page = await s.transcripts.listPage(claims.conv, { after, limit: ACTIVITIES_PER_READ, audience: 'customer' });
  const chat = { id: claims.conv, customer: { id: claims.user, name: claims.name ?? 'Customer' } };
  const names = speakerNames(s, site);
  // File links expire: each read signs them again, so an old chat still shows its files.
  const activities = page.messages.map((message) => toDirectLineActivity(withFreshFileLinks(s, message), chat, names));
  const ended = page.next === null && customerPartEnded(state.status);
  if (ended && (activities.length > 0 || after !== undefined)) activities.push(chatEndedActivity(chat, page.messages.at(-1)?.timestamp ?? s.clock.now().toISOString(), names));
  return { activities, watermark: page.last ?? after ?? null };
}

/** The incoming activities Switchboard takes: what Web Chat sends (faces.md A.7). */
export interface IncomingActivity {
  type: 'message' | 'event' | 'typing';
  text?: string;
  name?: string;
  value?: unknown;
  attachments?: unknown[];
  channelData?: Record<string, unknown>;
}

/**
 * POST /conversations/{id}/activities: the activity is appended (and so echoed to the client, with its
 * channelData) and goes to the bot if one holds the chat. `from` is the token's user, whatever the
 * client wrote. After the customer's part of the chat ended, a 409: Web Chat marks the message failed.
 */
export async function postActivity(s: Services, caller: DirectLineCaller, conversationId: string, activity: IncomingActivity): Promise<{ id: string }> {
  const claims = await conversationClaims(s, caller, conversationId);
  const state = await stateOf(s, conversationId);
  assertChatGoesOn(state.status);
  await customerSeen(s, caller, conversationId);
  const messageId = s.ids.newId();
  // Typing is a signal for the agent, never a message: nothing is appended, nothing goes to the bot.
  if (activity.type === 'typing') {
    await customerTyping(s, conversationId, state, claims.user);
    return { id: messageId };
  }
  const text = activity.text ?? '';
  if (activity.type === 'message' && text.trim() === '' && activity.value === undefined) throw new ApiError('InvalidBody', 'text: a message needs a text or a value (an Adaptive Card submit)');
  if (activity.type === 'event' && !activity.name) throw new ApiError('InvalidBody', 'name: an event needs a name');
  const extras = {
    ...(activity.type === 'event' ? { activityType: 'event' as const, name: activity.name } : {}),
    ...(activity.value !== undefined ? { value: activity.value } : {}),
    ...(activity.channelData ? { channelData: activity.channelData } : {}),
  };
  assertChatHasRoom(s, state.size, { text, ...extras });
  if (activity.type === 'message') await typingEnded(s, conversationId, 'customer');
  await s.bus.send([conversationCommandMessage({ type: 'customerMessage', conversationId, key: `customer:${conversationId}:${messageId}`, messageId, text, ...extras })]);
  return { id: messageId };
}

/** The customer's client is here (the reconnect window counts from it); a site's backend acting with the secret is not the customer. */
async function customerSeen(s: Services, caller: DirectLineCaller, conversationId: string): Promise<void> {
  if (caller.kind === 'customer') await s.sightings.markSeen(conversationId, s.clock.now().toISOString());
}

/** The claims of the conversation the caller may act on: its token's own, or any of its site's with the secret. */
export async function conversationClaims(s: Services, caller: DirectLineCaller, conversationId: string): Promise<DirectLineClaims> {
  if (caller.kind === 'customer') {
    if (caller.claims.conv !== conversationId) throw new ApiError('Forbidden', 'the token belongs to another conversation');
    return caller.claims;
  }
  // A site's secret reads and writes any conversation of that site (as Microsoft's service allows a bot's secret).
  const conversation = (await s.conversations.get(conversationId))?.value;
  if (!conversation || conversation.site !== caller.site.name) throw new ApiError('NotFound', `conversation ${conversationId} does not exist for site "${caller.site.name}"`);
  return { site: caller.site.name, conv: conversationId, user: conversation.customer.id, name: conversation.customer.name };
}

export async function stateOf(s: Services, conversationId: string): Promise<ConversationState> {
  const state = await s.conversations.getState(conversationId);
  if (!state) throw new ApiError('NotFound', `conversation ${conversationId} has not started: POST /conversations with its token first`);
  return state;
}

/** A client's watermark: absent or empty means from the start. */
export function readWatermark(watermark: string | null): string | undefined {
  if (watermark === null || watermark === '') return undefined;
  if (!POSITION_PATTERN.test(watermark)) throw new ApiError('InvalidQuery', `watermark: expected a watermark this service gave, got ${JSON.stringify(watermark.slice(0, 40))}`);
  return watermark;
}

function tokenAnswer(s: Services, claims: DirectLineClaims): ConversationAnswer {
  const { token, expiresIn } = s.directLineTokens.issue(claims, s.clock.now());
  return { conversationId: claims.conv, token, expires_in: expiresIn };
}

/**
 * The local host streams over a WebSocket (faces.md A.5); on Azure Functions clients poll, and there is no
 * stream URL. Without a watermark the stream replays the chat from its start: what came between the
 * conversation's start and the socket's opening (the greeting) is never lost.
 */
function withStream(s: Services, answer: ConversationAnswer, claims: DirectLineClaims, after?: string): ConversationAnswer {
  const base = s.settings.directLineStreamBaseUrl;
  if (!base) return answer;
  const t = s.directLineTokens.issueStream(claims, s.clock.now());
  return { ...answer, streamUrl: `${base}/conversations/${claims.conv}/stream?t=${t}${after !== undefined ? `&watermark=${after}` : ''}` };
}

function requireSecret(caller: DirectLineCaller): DirectLineSite {
  if (caller.kind !== 'site') throw new ApiError('Forbidden', "tokens/generate needs the site's secret, not a token");
  return caller.site;
}

function workstreamOf(s: Services, site: DirectLineSite): Workstream {
  const workstream = s.directory.workstream(site.workstream);
  if (!workstream) throw new Error(`site "${site.name}" names unknown workstream "${site.workstream}"`);
  return workstream;
}

function checkedContext(workstream: Workstream, context: Record<string, ContextValue>, writer: 'customer' | 'system', path: string): Context {
  const problems = contextProblems(workstream, context, writer);
  if (problems.length > 0) throw new ApiError('InvalidBody', describeContextProblems(path, problems));
  return typedContext(workstream, context);
}

function localeClaim(locale: string | undefined): { locale?: string } {
  if (locale === undefined) return {};
  const canonical = canonicalLocale(locale);
  if (!canonical) throw new ApiError('InvalidBody', `locale: expected a BCP-47 language tag such as en-US or fr, got ${JSON.stringify(locale.slice(0, 40))}`);
  return { locale: canonical };
}

/** Switchboard's own id for a customer nobody named, as POST /api/chats gives. */
function anonymousUser(conversationId: string): string {
  return `customer-${conversationId}`;
}

function speakerNames(s: Services, site: DirectLineSite): SpeakerNames {
  return { nameOf: (id) => s.directory.user(id)?.name ?? id, systemName: site.title };
}
