import { registerQueue } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { QUEUES, type ReceivedMessageInfo } from '../shared/ports/messageBus';
import { handleConversationCommand } from '../shared/usecases/conversationCommand';

/** One conversation's commands, in order: the queue has sessions keyed by conversation id. */
export async function conversationCommands(message: unknown, info: ReceivedMessageInfo): Promise<void> {
  await handleConversationCommand(await services(), message, info);
}

registerQueue({ name: 'conversationCommands', queueName: QUEUES.conversationCommands, isSessionsEnabled: true, handler: conversationCommands });
