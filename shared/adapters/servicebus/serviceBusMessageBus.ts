import type { ServiceBusAdministrationClient, ServiceBusClient, ServiceBusMessage, ServiceBusMessageBatch, ServiceBusSender } from '@azure/service-bus';
import { QUEUES, type BusQueueStats, type MessageBus, type OutgoingMessage, type QueueName } from '../../ports/messageBus';
import { DIAGNOSTIC_ID_PROPERTY, messageTraceparent } from '../conversationTrace';

/**
 * The Service Bus side of the message bus port: our code only sends; in Azure the Functions host receives
 * (session-enabled queue triggers, peek-lock, auto-complete, dead-letter after the queue's max delivery count).
 *
 * On the wire each message carries `messageId` = the caller's idempotency key (the queue's duplicate
 * detection drops a repeat within its window), `sessionId` (the conversation or routing queue: one
 * receiver at a time, in order), the body as UTF-8 JSON in one data section with `contentType`
 * application/json, and `scheduledEnqueueTimeUtc` when given (the `x-opt-scheduled-enqueue-time`
 * annotation: Service Bus makes it available no earlier), and for a message about a conversation its
 * `correlationId` (the conversation id) and the `Diagnostic-Id` application property (a W3C traceparent in the
 * conversation's operation, as @azure/service-bus's own tracing sets it: the SDK leaves a message that has one
 * as it is, and the Functions host's trigger reads it).
 *
 * A send groups the messages by queue and sends each queue's messages in order, in as few batches as fit
 * the link's max message size. Every message is checked and every batch built before anything is sent, so
 * bad input sends nothing. Batches to different queues are not atomic together: when a send fails part-way
 * it throws, the caller's own message is redelivered, and the resend is made harmless by duplicate detection.
 */
export class ServiceBusMessageBus implements MessageBus {
  private readonly senders = new Map<QueueName, ServiceBusSender>();
  private closed = false;

  /**
   * The client stays the caller's: `close()` closes the senders this bus opened, not the client. `administration`
   * (the namespace's HTTPS management endpoint) answers `stats()`; without it `stats()` fails.
   */
  constructor(
    private readonly client: ServiceBusClient,
    private readonly administration?: Pick<ServiceBusAdministrationClient, 'getQueueRuntimeProperties'>,
  ) {}

  async send(messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('The Service Bus message bus is closed; no message was sent.');
    const byQueue = new Map<QueueName, ServiceBusMessage[]>();
    for (const message of messages) {
      const list = byQueue.get(message.queue) ?? [];
      list.push(toServiceBusMessage(message));
      byQueue.set(message.queue, list);
    }
    const prepared = await Promise.all([...byQueue].map(async ([queue, list]) => ({ queue, batches: await this.buildBatches(queue, list) })));
    await Promise.all(prepared.map(({ queue, batches }) => this.sendBatches(queue, batches)));
  }

  /**
   * One runtime-properties GET per queue (a management read, no message touched). Service Bus reports counts,
   * not the age of a queue's oldest message: that is null here (the sessions keep a non-session peek out too).
   */
  async stats(): Promise<BusQueueStats[]> {
    const administration = this.administration;
    if (!administration) throw new Error('The Service Bus message bus was built without an administration client: it cannot read queue statistics.');
    return Promise.all(Object.values(QUEUES).map(async (queue) => {
      const properties = await administration.getQueueRuntimeProperties(queue).catch((error: unknown) => {
        throw new Error(`Reading the runtime properties of queue '${queue}' failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      return {
        queue,
        activeMessages: properties.activeMessageCount,
        scheduledMessages: properties.scheduledMessageCount,
        deadLetterMessages: properties.deadLetterMessageCount,
        oldestMessageAgeInMs: null,
      };
    }));
  }

  /** Closes the senders; a later send fails. */
  async close(): Promise<void> {
    this.closed = true;
    const senders = [...this.senders.values()];
    this.senders.clear();
    await Promise.all(senders.map((sender) => sender.close()));
  }

  private senderFor(queue: QueueName): ServiceBusSender {
    let sender = this.senders.get(queue);
    if (!sender) {
      sender = this.client.createSender(queue);
      this.senders.set(queue, sender);
    }
    return sender;
  }

  private async buildBatches(queue: QueueName, messages: ServiceBusMessage[]): Promise<ServiceBusMessageBatch[]> {
    const sender = this.senderFor(queue);
    const batches = [await sender.createMessageBatch()];
    for (const message of messages) {
      if ((batches.at(-1) as ServiceBusMessageBatch).tryAddMessage(message)) continue;
      const next = await sender.createMessageBatch();
      if (!next.tryAddMessage(message)) {
        throw new RangeError(
          `Message '${message.messageId}' to queue '${queue}' is too large: it does not fit in an empty batch of ${next.maxSizeInBytes} bytes, the most the queue accepts.`,
        );
      }
      batches.push(next);
    }
    return batches;
  }

  /** One queue's batches, one after another, so a session's messages arrive in the order given. */
  private async sendBatches(queue: QueueName, batches: ServiceBusMessageBatch[]): Promise<void> {
    const sender = this.senderFor(queue);
    for (const [index, batch] of batches.entries()) {
      try {
        await sender.sendMessages(batch);
      } catch (error) {
        throw new ServiceBusSendError(
          `Sending to queue '${queue}' failed at batch ${index + 1} of ${batches.length} (${batch.count} message(s)): ${error instanceof Error ? error.message : String(error)}`,
          queue,
          { cause: error },
        );
      }
    }
  }
}

/** A send that Service Bus refused or that could not reach it; transient or not, the caller's message is retried. */
export class ServiceBusSendError extends Error {
  override readonly name = 'ServiceBusSendError';
  constructor(
    message: string,
    readonly queue: QueueName,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** Service Bus limits both ids to 128 characters. */
const MAX_ID_LENGTH = 128;

/** Checks one message and encodes it; the error names the message and what was expected. */
function toServiceBusMessage(message: OutgoingMessage): ServiceBusMessage {
  const { queue, messageId, sessionId, scheduledEnqueueTimeUtc, correlationId } = message;
  if (!messageId) throw new TypeError(`A non-empty messageId was expected for a message to queue '${queue}'.`);
  if (!sessionId) throw new TypeError(`A non-empty sessionId was expected for message '${messageId}' to queue '${queue}'.`);
  if (messageId.length > MAX_ID_LENGTH) throw new TypeError(`A messageId of at most ${MAX_ID_LENGTH} characters was expected instead of ${messageId.length} ('${messageId.slice(0, 40)}...').`);
  if (sessionId.length > MAX_ID_LENGTH) throw new TypeError(`A sessionId of at most ${MAX_ID_LENGTH} characters was expected for message '${messageId}' instead of ${sessionId.length}.`);
  if (scheduledEnqueueTimeUtc && Number.isNaN(scheduledEnqueueTimeUtc.getTime())) {
    throw new TypeError(`A valid scheduledEnqueueTimeUtc was expected for message '${messageId}' instead of an invalid Date.`);
  }
  let json: string;
  try {
    // The SDK would JSON-encode an object body the same way (undefined as null); encoding here fails before anything is sent.
    json = JSON.stringify(message.body) ?? 'null';
  } catch (error) {
    throw new TypeError(`The body of message '${messageId}' to queue '${queue}' cannot be sent as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    messageId,
    sessionId,
    contentType: 'application/json',
    body: Buffer.from(json, 'utf8'),
    ...(scheduledEnqueueTimeUtc ? { scheduledEnqueueTimeUtc } : {}),
    ...(correlationId ? { correlationId, applicationProperties: { [DIAGNOSTIC_ID_PROPERTY]: messageTraceparent(correlationId, messageId) } } : {}),
  };
}
