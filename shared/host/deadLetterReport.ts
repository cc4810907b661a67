import { PoisonMessageError, type MessageHandler, type QueueName } from '../ports/messageBus';
import type { Telemetry } from '../ports/telemetry';
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
        trackDeadLetter(s.telemetry, queue, {
          messageId: info.messageId,
          sessionId: info.sessionId,
          reason: poison ? 'PoisonMessage' : 'MaxDeliveryCountExceeded',
          description: error instanceof Error ? error.message : String(error),
          deliveryCount: info.deliveryCount,
        });
      }
      throw error;
    }
  };
}

export interface DeadLetterFacts {
  messageId: string;
  sessionId: string;
  reason: string;
  description: string;
  deliveryCount: number;
}

/** The MessageDeadLettered event: a conversation's queues are sessioned by conversation id, the dispatch queue by queue name. */
export function trackDeadLetter(telemetry: Telemetry, queue: QueueName, facts: DeadLetterFacts): void {
  telemetry.trackEvent('MessageDeadLettered', {
    queue,
    messageId: facts.messageId,
    conversationId: queue === 'dispatch' ? undefined : facts.sessionId,
    sessionId: facts.sessionId,
    reason: facts.reason,
    description: facts.description,
  }, { deliveryCount: facts.deliveryCount });
}
