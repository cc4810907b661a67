import { PoisonMessageError, type MessageHandler, type QueueName } from '../ports/messageBus';
import { services } from './runtime';

/**
 * Tells telemetry about a message that is about to be dead-lettered: a poison message, or one that
 * failed its last allowed delivery. Service Bus (or the embedded bus) moves it; this says why, with
 * the conversation (session) it belonged to, so an operator can find it.
 */
export function withDeadLetterReport(queue: QueueName, handler: MessageHandler): MessageHandler {
  return async (body, info) => {
    try {
      await handler(body, info);
    } catch (error) {
      const s = await services().catch(() => undefined);
      const poison = error instanceof PoisonMessageError;
      if (s && (poison || info.deliveryCount >= s.settings.botDeliveryMaxAttempts)) {
        s.telemetry.trackEvent('MessageDeadLettered', {
          queue,
          messageId: info.messageId,
          conversationId: queue === 'dispatch' ? undefined : info.sessionId,
          sessionId: info.sessionId,
          reason: poison ? 'PoisonMessage' : 'MaxDeliveryCountExceeded',
          description: error instanceof Error ? error.message : String(error),
        }, { deliveryCount: info.deliveryCount });
      }
      throw error;
    }
  };
}
