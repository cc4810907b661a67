import { registerQueue } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { QUEUES } from '../shared/ports/messageBus';
import { handleConversationCommand } from '../shared/usecases/conversationCommand';

/** One conversation's commands, in order: the queue has sessions keyed by conversation id. */
export async function conversationCommands(message: unknown): Promise<void> {
  await handleConversationCommand(await services(), message);
}

registerQueue({ name: 'conversationCommands', queueName: QUEUES.conversationCommands, isSessionsEnabled: true, handler: conversationCommands });
