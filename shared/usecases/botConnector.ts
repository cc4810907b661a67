import type { BotUser, Context } from '../core/config';
import { contextProblems, describeContextProblems } from '../core/contextInput';
import { BotActivityError, interpretBotActivity, MAX_CONTEXT_ENTRIES } from '../core/botCommands';
import type { Conversation } from '../core/conversation';
import { ApiError } from '../http/apiError';
import type { BotCaller } from '../ports/botAuthenticator';
import type { ConversationState } from '../ports/conversationStore';
import { summaryOf } from '../core/transcriptSummary';
import { assertChatHasRoom } from './chatLimits';
import { conversationCommandMessage } from './commands';
import type { Services } from './services';
import { signalTyping, typingEnded } from './typingSignals';

export interface IncomingBotActivity {
  conversationId: string;
  /** The activity the bot replies to (ReplyToActivity), or updates / deletes. */
  activityId?: string;
  operation: 'send' | 'update' | 'delete';
  activity: unknown;
  sizeInBytes: number;
  caller: BotCaller;
}

/**
 * The connector's SendToConversation / ReplyToActivity / UpdateActivity / DeleteActivity: checks
 * the activity, that the caller is the bot holding the chat, then queues it on the conversation's
 * session, in order.
 */
export async function receiveBotActivity(s: Services, input: IncomingBotActivity): Promise<{ id: string }> {
  const activity = (input.operation === 'delete' ? {} : input.activity) as { id?: unknown; from?: { id?: unknown }; type?: unknown; name?: unknown };
  const command = input.operation === 'delete' ? undefined : readActivity(input.activity, input.sizeInBytes);
  const bot = await botHoldingTheChat(s, input, activity.from?.id, command);
  const id = input.operation === 'send'
    ? (typeof activity.id === 'string' && activity.id !== '' ? activity.id : s.ids.newId())
    : (input.activityId ?? '');
  if (command?.kind === 'ignore') return { id };
  // Typing is shown to the customer for a few seconds and kept nowhere: it needs no place in the conversation's order.
  if (command?.kind === 'typing') {
    if (input.operation === 'send') await signalTyping(s, input.conversationId, 'staff', bot.id);
    return { id };
  }
  if (command?.kind === 'message' && input.operation === 'send') await typingEnded(s, input.conversationId, 'staff');
  await s.bus.send([conversationCommandMessage({
    type: 'botActivity',
    conversationId: input.conversationId,
    // A resent activity (same id) is applied once; every update or delete is a change of its own.
    key: input.operation === 'send' ? `bot:${input.conversationId}:${id}` : `bot:${input.conversationId}:${input.operation}:${id}:${s.ids.newId()}`,
    botId: bot.id,
    activityId: id,
    operation: input.operation,
    activity: { ...(input.activity as Record<string, unknown>), ...(input.operation === 'send' && input.activityId ? { replyToId: input.activityId } : {}) },
  })]);
  return { id };
}

/**
 * The calling bot, once it is known to hold the chat. Most activities need only the chat's status and
 * holder. An escalation also merges its context into the chat's, and an anonymous caller that names no
 * bot is taken for the chat's last bot, which only the history tells: those read the whole document.
 */
async function botHoldingTheChat(s: Services, input: IncomingBotActivity, claimedBotId: unknown, command: ReturnType<typeof readActivity>): Promise<BotUser> {
  const escalation = command?.kind === 'escalate' || command?.kind === 'handoff' ? command : undefined;
  const namesNoBot = input.caller.kind === 'anonymous' && (claimedBotId === undefined || claimedBotId === null);
  if (!escalation && !namesNoBot) {
    const bot = callingBot(s, input.caller, claimedBotId);
    const state = await s.conversations.getState(input.conversationId);
    assertHolds(state, bot, input.conversationId);
    if (command?.kind === 'message' && input.operation === 'send') assertChatHasRoom(s, state.size, command);
    return bot;
  }
  const { conversation, bot } = await conversationOfCaller(s, input.conversationId, input.caller, claimedBotId);
  if (command?.kind === 'message' && input.operation === 'send') assertChatHasRoom(s, summaryOf(conversation), command);
  if (escalation) checkEscalationContext(s, conversation, escalation);
  return bot;
}

/**
 * A bot sets only what it may (setBy lists bot, or the variable is undeclared), with values of the
 * declared types, and no more variables than a conversation holds: otherwise a 400 and nothing applied.
 */
function checkEscalationContext(s: Services, conversation: Conversation, escalation: { kind: 'escalate' | 'handoff'; context: Context }): void {
  const path = escalation.kind === 'escalate' ? 'channelData.tags.context' : 'activity.value';
  const workstream = s.directory.workstream(conversation.workstream);
  const problems = workstream ? contextProblems(workstream, escalation.context, 'bot') : [];
  if (problems.length > 0) throw new ApiError('InvalidBody', describeContextProblems(path, problems));
  const names = new Set([...Object.keys(conversation.context), ...Object.keys(escalation.context)]);
  if (names.size > MAX_CONTEXT_ENTRIES) throw new ApiError('InvalidBody', `${path}: the conversation would have ${names.size} context variables; at most ${MAX_CONTEXT_ENTRIES} are allowed`);
}

/** Reads the activity; a malformed handoff.initiate is let through so the bot hears `handoff.status failed`. */
function readActivity(activity: unknown, sizeInBytes: number) {
  try {
    return interpretBotActivity(activity, sizeInBytes);
  } catch (error) {
    if (!(error instanceof BotActivityError)) throw error;
    // The activity may be any JSON (null included): read its fields with care.
    const event = activity as { type?: unknown; name?: unknown } | null;
    if (error.code !== 'ActivityTooLarge' && event?.type === 'event' && event.name === 'handoff.initiate') return undefined;
    throw new ApiError(error.code === 'ActivityTooLarge' ? 'PayloadTooLarge' : 'InvalidBody', error.message);
  }
}

/** The members of a conversation, as GetConversationMembers answers: the customer and the bot holding it. */
export async function conversationMembers(s: Services, conversationId: string, caller: BotCaller, claimedBotId?: unknown) {
  const { conversation, bot } = await conversationOfCaller(s, conversationId, caller, claimedBotId);
  return [
    { id: conversation.customer.id, name: conversation.customer.name, role: 'user' },
    { id: bot.id, name: bot.name, role: 'bot' },
  ];
}

/** The open conversation and the bot the caller proved to be; 401 / 403 / 404 otherwise. */
async function conversationOfCaller(s: Services, conversationId: string, caller: BotCaller, claimedBotId: unknown): Promise<{ conversation: Conversation; bot: BotUser }> {
  const found = await s.conversations.get(conversationId);
  // DeleteActivity and GetConversationMembers carry no activity, so an anonymous caller names no bot: it can only
  // be the bot that held the chat last (then 403 if that bot no longer holds it).
  const bot = callingBot(s, caller, claimedBotId ?? (caller.kind === 'anonymous' && found ? lastBot(found.value) : undefined));
  const conversation = found?.value;
  assertHolds(conversation, bot, conversationId);
  return { conversation, bot };
}

function assertHolds<T extends Pick<ConversationState, 'status' | 'assignee'>>(state: T | undefined, bot: BotUser, conversationId: string): asserts state is T {
  if (!state || state.status === 'Closed') throw new ApiError('NotFound', `conversation ${conversationId} does not exist or is closed`);
  if (state.assignee?.kind !== 'bot' || state.assignee.id !== bot.id || state.status !== 'Active') {
    throw new ApiError('Forbidden', `bot ${bot.id} does not hold conversation ${conversationId}`);
  }
}

function lastBot(conversation: Conversation): string | undefined {
  if (conversation.assignee?.kind === 'bot') return conversation.assignee.id;
  const assigned = conversation.history.findLast((h) => h.type === 'assigned' && h.assignee.kind === 'bot');
  return assigned?.type === 'assigned' ? assigned.assignee.id : undefined;
}

function callingBot(s: Services, caller: BotCaller, claimedBotId: unknown): BotUser {
  if (caller.kind === 'trusted') {
    const bot = s.directory.bot(caller.botId);
    if (!bot) throw new ApiError('Forbidden', `bot ${caller.botId} is not in the configuration`);
    return bot;
  }
  if (caller.kind === 'appId') {
    const bot = s.directory.botByAppId(caller.appId);
    if (!bot) throw new ApiError('Forbidden', `app id ${caller.appId} is not a configured bot`);
    return bot;
  }
  // No credentials: only a bot without an app id, and only where the configuration opts in.
  const bot = typeof claimedBotId === 'string' ? s.directory.bot(claimedBotId) : undefined;
  if (!s.config.allowUnauthenticatedBots || !bot || bot.appId !== undefined) {
    throw new ApiError('Unauthorized', 'a bearer token is required: the connector accepts unauthenticated calls only from bots without an app id, with allowUnauthenticatedBots: true');
  }
  return bot;
}
