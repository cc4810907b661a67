import { BotActivityError, interpretBotActivity } from '../core/botCommands';
import { ApiError } from '../http/apiError';
import { conversationCommandMessage } from './commands';
import { MAX_CONTEXT_VARIABLES } from './customerChats';
import type { Services } from './services';

export interface IncomingBotActivity {
  conversationId: string;
  /** The activity the bot replies to (ReplyToActivity), when the route names one. */
  replyToId?: string;
  activity: unknown;
  sizeInBytes: number;
}

/**
 * The connector's SendToConversation / ReplyToActivity: checks the activity and that its sender
 * is the bot holding the chat, then queues it on the conversation's session, in order.
 */
export async function receiveBotActivity(s: Services, input: IncomingBotActivity): Promise<{ id: string }> {
  let command;
  try {
    command = interpretBotActivity(input.activity, input.sizeInBytes);
  } catch (error) {
    if (error instanceof BotActivityError) throw new ApiError(error.code === 'ActivityTooLarge' ? 'PayloadTooLarge' : 'InvalidBody', error.message);
    throw error;
  }
  const activity = input.activity as { id?: unknown; from?: { id?: unknown } };
  const botId = typeof activity.from?.id === 'string' ? activity.from.id : undefined;
  if (!botId) throw new ApiError('InvalidBody', 'activity.from.id is required: the id of the bot that sends it');
  const found = await s.conversations.get(input.conversationId);
  if (!found || found.value.status === 'Closed') throw new ApiError('NotFound', `conversation ${input.conversationId} does not exist or is closed`);
  const conversation = found.value;
  if (conversation.assignee?.kind !== 'bot' || conversation.assignee.id !== botId || conversation.status !== 'Active') {
    throw new ApiError('Forbidden', `bot ${botId} does not hold conversation ${input.conversationId}`);
  }
  const id = typeof activity.id === 'string' && activity.id !== '' ? activity.id : s.ids.newId();
  if (command.kind === 'ignore') return { id };
  if (command.kind === 'escalate' || command.kind === 'handoff') {
    const names = new Set([...Object.keys(conversation.context), ...Object.keys(command.context)]);
    if (names.size > MAX_CONTEXT_VARIABLES) throw new ApiError('InvalidBody', `channelData.tags.context: the conversation would have ${names.size} context variables; at most ${MAX_CONTEXT_VARIABLES} are allowed`);
  }
  await s.bus.send([conversationCommandMessage({
    type: 'botActivity',
    conversationId: conversation.id,
    key: `bot:${conversation.id}:${id}`,
    botId,
    activity: { ...(input.activity as Record<string, unknown>), ...(input.replyToId ? { replyToId: input.replyToId } : {}) },
  })]);
  return { id };
}
