import { isServiceBusError, type ServiceBusClient, type ServiceBusSessionReceiver } from '@azure/service-bus';
import { PoisonMessageError, type MessageHandler, type QueueName, type ReceivedMessageInfo } from '../../ports/messageBus';
import { receivedCorrelation } from '../../adapters/conversationTrace';

/** A session with no message for this long is let go, so other sessions get their turn (host.json sessionIdleTimeout). */
const SESSION_IDLE_TIMEOUT_IN_MS = 2_000;

/**
 * What the Functions host's session-enabled Service Bus trigger does, for `npm start` against real
 * Service Bus: up to `maxConcurrentSessions` sessions at once, one message at a time per session;
 * a handler that returns completes the message, one that throws abandons it (Service Bus redelivers
 * it, and dead-letters it after the queue's max delivery count); a PoisonMessageError dead-letters
 * at once with its reason, as the embedded bus does.
 */
export class ServiceBusTrigger {
  /** Handlers running now (a host waiting to be idle watches this). */
  handlersRunning = 0;
  private readonly stop = new AbortController();
  private readonly loops: Promise<void>[];

  constructor(
    private readonly client: ServiceBusClient,
    private readonly queue: QueueName,
    private readonly handler: MessageHandler,
    maxConcurrentSessions: number,
    private readonly onError: (error: unknown) => void = (error) => console.error(`[service bus trigger ${queue}]`, error),
    private readonly sessionIdleTimeoutInMs = SESSION_IDLE_TIMEOUT_IN_MS,
  ) {
    this.loops = Array.from({ length: maxConcurrentSessions }, () => this.run());
  }

  async close(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.loops);
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      let receiver: ServiceBusSessionReceiver;
      try {
        receiver = await this.client.acceptNextSession(this.queue, { abortSignal: this.stop.signal });
      } catch (error) {
        if (this.stop.signal.aborted) return;
        // No session became available within the operation timeout, or another receiver took it first.
        if (isServiceBusError(error) && (error.code === 'ServiceTimeout' || error.code === 'SessionCannotBeLocked')) continue;
        this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      try {
        await this.drainSession(receiver);
      } catch (error) {
        if (!this.stop.signal.aborted) this.onError(error);
      } finally {
        await receiver.close().catch(() => undefined);
      }
    }
  }

  private async drainSession(receiver: ServiceBusSessionReceiver): Promise<void> {
    while (!this.stop.signal.aborted) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: this.sessionIdleTimeoutInMs });
      if (!message) return;
      this.handlersRunning++;
      // The JS SDK counts earlier failed deliveries; Functions reports 1 for the first delivery.
      const info: ReceivedMessageInfo = {
        messageId: String(message.messageId),
        sessionId: String(message.sessionId),
        deliveryCount: (message.deliveryCount ?? 0) + 1,
        ...receivedCorrelation(message.correlationId, message.applicationProperties),
      };
      try {
        await this.handler(message.body, info);
        await receiver.completeMessage(message);
      } catch (error) {
        if (error instanceof PoisonMessageError) await receiver.deadLetterMessage(message, { deadLetterReason: 'PoisonMessage', deadLetterErrorDescription: error.message });
        else await receiver.abandonMessage(message);
      } finally {
        this.handlersRunning--;
      }
    }
  }
}
