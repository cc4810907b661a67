/**
 * Work between functions travels on queues with Service Bus semantics: sessions keep one session's
 * messages in order and with one receiver at a time, `messageId` is the duplicate-detection key, a
 * handler that throws has its message redelivered (dead-lettered after the queue's max delivery
 * count), and a PoisonMessageError dead-letters at once.
 */
export const QUEUES = {
  /** Commands of one conversation; session = conversation id. */
  conversationCommands: 'conversation-commands',
  /** Requests to assign waiting chats of one queue; session = routing queue name. */
  dispatch: 'dispatch',
  /** Activities to POST to a bot; session = conversation id, so a bot sees a chat's activities in order. */
  botDeliveries: 'bot-deliveries',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface OutgoingMessage {
  queue: QueueName;
  messageId: string;
  sessionId: string;
  body: unknown;
  /** Deliver no earlier than this (Service Bus scheduledEnqueueTimeUtc). */
  scheduledEnqueueTimeUtc?: Date;
  /**
   * The conversation the message is about. It travels as the Service Bus `correlationId`, and as a traceparent
   * in the `Diagnostic-Id` application property (adapters/conversationTrace.ts), so the consumer's telemetry
   * joins the conversation's Application Insights operation.
   */
  correlationId?: string;
}

export interface MessageBus {
  send(messages: OutgoingMessage[]): Promise<void>;
  /** What each queue of QUEUES holds now, for GET /api/health: counts and an age, never a message. */
  stats(): Promise<BusQueueStats[]>;
}

export interface BusQueueStats {
  queue: QueueName;
  /** Messages due: ready, locked by a receiver, or waiting for a retry (Service Bus: activeMessageCount). */
  activeMessages: number;
  /** Messages scheduled for later (timers such as auto-close): not a backlog. */
  scheduledMessages: number;
  deadLetterMessages: number;
  /** How long the oldest due message has been due; null when none is, or when the bus cannot tell (Service Bus). */
  oldestMessageAgeInMs: number | null;
}

export interface ReceivedMessageInfo {
  messageId: string;
  sessionId: string;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** The conversation the sender said the message is about (OutgoingMessage.correlationId). */
  correlationId?: string;
  /** The W3C traceparent the message carries (Service Bus `Diagnostic-Id`): the same on every delivery. */
  traceparent?: string;
  /**
   * Another message of this session is ready behind this one (it will be handled next, after this one).
   * A hint: a bus that cannot tell cheaply leaves it out (Service Bus), and a handler must then do its work.
   */
  followedInSession?: boolean;
}

/** What a queue-triggered function does with one message. Throwing means "redeliver". */
export type MessageHandler = (body: unknown, info: ReceivedMessageInfo) => Promise<void>;

/** Thrown by a handler for a message that can never succeed: it goes to the dead-letter queue with this reason. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}
