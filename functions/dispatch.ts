import { registerQueue } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { QUEUES, type ReceivedMessageInfo } from '../shared/ports/messageBus';
import { handleDispatchMessage } from '../shared/usecases/queueWait';

/** Assignment cycles and wait ticks of one routing queue at a time: sessions keyed by queue name. */
export async function dispatch(message: unknown, info: ReceivedMessageInfo): Promise<void> {
  await handleDispatchMessage(await services(), message, info);
}

registerQueue({ name: 'dispatch', queueName: QUEUES.dispatch, isSessionsEnabled: true, handler: dispatch });
