import { registerQueue } from '../shared/host/registry';
import { services } from '../shared/host/runtime';
import { QUEUES, type ReceivedMessageInfo } from '../shared/ports/messageBus';
import { deliverToBot } from '../shared/usecases/deliverToBot';

/** Activities to bots, one conversation's in order (sessions keyed by conversation id). */
export async function botDeliveries(message: unknown, info: ReceivedMessageInfo): Promise<void> {
  await deliverToBot(await services(), message, info.deliveryCount);
}

registerQueue({ name: 'botDeliveries', queueName: QUEUES.botDeliveries, isSessionsEnabled: true, handler: botDeliveries });
