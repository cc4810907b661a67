import type { ContextValue, Context, Workstream } from '../core/config';
import type { Conversation } from '../core/conversation';
import { contextProblems, describeContextProblems, typedContext } from '../core/contextInput';
import { customerLeftAt, customerPartEnded } from '../core/lifecycle';
import { canonicalLocale } from '../core/locale';
import { ApiError } from '../http/apiError';
import { readPage, type RawPageQuery } from '../http/pageQuery';
import type { ConversationState } from '../ports/conversationStore';
import { assertChatGoesOn, assertChatHasRoom } from './chatLimits';
import { awaitApplied } from './awaitApplied';
import { conversationCommandMessage } from './commands';
import type { Services } from './services';

export const MAX_MESSAGE_LENGTH = 4000;

export interface StartChatInput {
  workstream?: string;
  /** Display only: the customer's id is Switchboard's to assign. */
  customer?: { name?: string };
  context?: Record<string, ContextValue>;
  /** BCP-47, e.g. fr-FR: the language of the system messages the customer reads. */
  locale?: string;
}

/** Starts a chat: the rules of its workstream choose the first queue (the bot's, in the reference setup). */
export async function startChat(s: Services, input: StartChatInput): Promise<{ conversationId: string; token: string; expiresAt: string; status: string }> {
  const workstream = input.workstream === undefined ? s.directory.defaultWorkstream : s.directory.workstream(input.workstream);
  if (!workstream) throw new ApiError('InvalidBody', `workstream: unknown workstream "${input.workstream}", expected one of ${s.config.workstreams.map((w) => w.name).join(', ')}`);
  const context = customerContext(workstream, input.context ?? {});
  const locale = input.locale === undefined ? undefined : canonicalLocale(input.locale);
  if (input.locale !== undefined && !locale) throw new ApiError('InvalidBody', `locale: expected a BCP-47 language tag such as en-US or fr, got ${JSON.stringify(input.locale)}`);
  const conversationId = s.ids.newId();
  const customer = { id: `customer-${conversationId}`, name: input.customer?.name ?? 'Customer' };
  const status = await beginChat(s, workstream, { conversationId, customer, context, ...(locale ? { locale } : {}) });
  return { conversationId, ...s.customerTokens.issue(conversationId, s.clock.now()), status };
}

/** A chat to start: its id, its customer and context (checked by the caller), and where it came from. */
export interface NewChat {
  conversationId: string;
  customer: { id: string; name: string };
  context: Context;
  locale?: string;
  /** The Direct Line site, for chats started through Direct Line. */
  site?: string;
}

/** Starts the chat (idempotent by its id) and waits a moment to tell where it went: its status, or Pending. */
export async function beginChat(s: Services, workstream: Workstream, chat: NewChat): Promise<string> {
  const key = `start:${chat.conversationId}`;
  await s.bus.send([conversationCommandMessage({ type: 'start', key, workstream: workstream.name, ...chat })]);
  const applied = await awaitApplied(s, chat.conversationId, key);
  return applied?.status ?? 'Pending';
}

/** A customer sets only the variables declared for them (pre-chat answers), with values of their type. */
function customerContext(workstream: Workstream, context: Record<string, ContextValue>): Context {
  const problems = contextProblems(workstream, context, 'customer');
  if (problems.length > 0) throw new ApiError('InvalidBody', describeContextProblems('context', problems));
  return typedContext(workstream, context);
}

/**
 * The conversation, for a caller who proved with the token that it is theirs. Once the customer's
 * part of the chat ended, the token may read it for a while (customerTokens.readAfterCloseMinutes), then not at all.
 */
export async function customerConversation(s: Services, conversationId: string, token: string | undefined): Promise<Conversation> {
  verifyCustomer(s, conversationId, token);
  const conversation = found(conversationId, (await s.conversations.get(conversationId))?.value);
  const leftAt = customerLeftAt(conversation);
  const readAfterClose = s.config.customerTokens.readAfterCloseMinutes;
  if (leftAt && s.clock.now().getTime() >= Date.parse(leftAt) + readAfterClose * 60_000) {
    throw new ApiError('TokenExpired', `the chat ended at ${leftAt}; its token could read it for ${readAfterClose} minutes after (setting customerTokens.readAfterCloseMinutes)`);
  }
  return conversation;
}

/** The same check, reading only the chat's status and holder. */
async function customerConversationState(s: Services, conversationId: string, token: string | undefined): Promise<ConversationState> {
  verifyCustomer(s, conversationId, token);
  return found(conversationId, await s.conversations.getState(conversationId));
}

function verifyCustomer(s: Services, conversationId: string, token: string | undefined): void {
  if (!token) throw new ApiError('Unauthorized', 'a bearer token is required: use the token POST /api/chats returned');
  const checked = s.customerTokens.check(conversationId, token, s.clock.now());
  // RFC 6750: a token that proves nothing is a 401; an authentic one of another chat is a 403.
  if (checked.kind === 'invalid') throw new ApiError('Unauthorized', 'the bearer token is not a customer token Switchboard issued: use the token POST /api/chats returned');
  if (checked.kind === 'otherConversation') throw new ApiError('Forbidden', 'the token belongs to another conversation');
  if (checked.kind === 'expired') {
    throw new ApiError('TokenExpired', `the token expired at ${checked.expiresAt.toISOString()}; get a fresh one with POST /api/chats/{id}/token before it expires, or start a new chat`);
  }
}

function found<T>(conversationId: string, conversation: T | undefined): T {
  if (!conversation) throw new ApiError('NotFound', `conversation ${conversationId} does not exist`);
  return conversation;
}

/** Where the customer's chat stands, for a widget to poll: one point read of the conversation, never a count of the queue. */
export interface CustomerChatStatus {
  status: Conversation['status'];
  statusReason: Conversation['statusReason'];
  queue: string | null;
  /** The place in line (1 = next) while waiting, as the queue's last wait tick saw it; null when not waiting or not known yet. */
  position: number | null;
  /** The queue's average wait while waiting, null until enough chats were answered from it (see core/queueStats.ts). */
  averageWaitSeconds: number | null;
}

export async function getCustomerChat(s: Services, conversationId: string, token: string | undefined): Promise<CustomerChatStatus> {
  const c = await customerConversation(s, conversationId, token);
  // The wait state is the current wait's only if it was taken in this queue since the chat entered it.
  const wait = c.status === 'Open' && c.wait && c.wait.queue === c.queue && c.wait.enqueuedAt === c.enqueuedAt ? c.wait : undefined;
  return { status: c.status, statusReason: c.statusReason, queue: c.queue, position: wait && !c.offer ? wait.position : null, averageWaitSeconds: wait?.averageWaitSeconds ?? null };
}

export async function sendCustomerMessage(s: Services, conversationId: string, token: string | undefined, input: { text: string; id?: string }): Promise<{ id: string }> {
  const conversation = await customerConversationState(s, conversationId, token);
  assertChatGoesOn(conversation.status);
  assertChatHasRoom(s, conversation.size, { text: input.text });
  const messageId = input.id ?? s.ids.newId();
  await s.bus.send([conversationCommandMessage({ type: 'customerMessage', conversationId, key: `customer:${conversationId}:${messageId}`, messageId, text: input.text })]);
  return { id: messageId };
}

/** One page of what the customer may read: agent-only entries and messages a bot deleted (DeleteActivity) are left out by the store. */
export async function listCustomerMessages(s: Services, conversationId: string, token: string | undefined, page: RawPageQuery) {
  // The whole document, not the state: a chat the customer left is readable for a while only (customerConversation).
  const conversation = await customerConversation(s, conversationId, token);
  const { messages, next } = await s.transcripts.listPage(conversationId, { ...readPage(page), audience: 'customer' });
  return {
    status: conversation.status,
    messages: messages.map((m) => ({ id: m.id, role: m.role, text: m.text, timestamp: m.timestamp, ...(m.attachments ? { attachments: m.attachments } : {}), ...(m.suggestedActions ? { suggestedActions: m.suggestedActions } : {}) })),
    next,
  };
}

/** A fresh token for a chat that goes on, for a caller whose token still works; the old one works until its own expiry. */
export async function refreshCustomerToken(s: Services, conversationId: string, token: string | undefined): Promise<{ token: string; expiresAt: string }> {
  const conversation = await customerConversationState(s, conversationId, token);
  assertChatGoesOn(conversation.status);
  return s.customerTokens.issue(conversationId, s.clock.now());
}

export async function endChat(s: Services, conversationId: string, token: string | undefined): Promise<{ status: string }> {
  const conversation = await customerConversation(s, conversationId, token);
  if (customerPartEnded(conversation.status)) return { status: conversation.status };
  const key = `customerEnd:${conversationId}`;
  await s.bus.send([conversationCommandMessage({ type: 'customerEnd', conversationId, key })]);
  const applied = await awaitApplied(s, conversationId, key);
  return { status: applied?.status ?? conversation.status };
}
