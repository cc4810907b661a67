import { z } from 'zod';
import { PRESENCES } from '../core/config';
import { PoisonMessageError, QUEUES, type OutgoingMessage } from '../ports/messageBus';

/** Commands of one conversation, carried on the conversation-commands queue (session = conversation id). */
const contextValue = z.union([z.string(), z.number()]);
const base = { conversationId: z.string().min(1), key: z.string().min(1) };

export const conversationCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), ...base, workstream: z.string(), customer: z.object({ id: z.string(), name: z.string() }), context: z.record(z.string(), contextValue), locale: z.string().optional(), site: z.string().optional() }),
  z.object({
    type: z.literal('customerMessage'),
    ...base,
    messageId: z.string(),
    text: z.string(),
    /** What a Direct Line client may send besides text: an event, a card's submitted value, attachments, its channelData. */
    activityType: z.literal('event').optional(),
    name: z.string().optional(),
    value: z.unknown().optional(),
    attachments: z.array(z.unknown()).optional(),
    channelData: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ type: z.literal('customerEnd'), ...base }),
  z.object({
    type: z.literal('botActivity'),
    ...base,
    botId: z.string(),
    /** The id the connector answered with; the transcript message has the same id, so the bot can update or delete it. */
    activityId: z.string(),
    operation: z.enum(['send', 'update', 'delete']),
    activity: z.record(z.string(), z.unknown()),
  }),
  z.object({ type: z.literal('botUnreachable'), ...base, botId: z.string(), failure: z.enum(['unreachable', 'refused']), reason: z.string() }),
  z.object({ type: z.literal('assigned'), ...base, epoch: z.number() }),
  z.object({ type: z.literal('agentMessage'), ...base, agentId: z.string(), messageId: z.string(), text: z.string() }),
  /** An internal note: agents only, never to the customer or a bot. */
  z.object({ type: z.literal('agentNote'), ...base, agentId: z.string(), messageId: z.string(), text: z.string() }),
  z.object({ type: z.literal('agentTransfer'), ...base, agentId: z.string(), queue: z.string() }),
  z.object({ type: z.literal('agentEnd'), ...base, agentId: z.string() }),
  z.object({ type: z.literal('agentClose'), ...base, agentId: z.string() }),
  /** A supervisor sends the chat `agentId` holds (Active) to a queue; refused (applied as nothing) once it moved on. */
  z.object({ type: z.literal('supervisorTransfer'), ...base, supervisorId: z.string(), agentId: z.string(), queue: z.string() }),
  /** A supervisor's force close: whatever the chat's status but Closed. */
  z.object({ type: z.literal('supervisorClose'), ...base, supervisorId: z.string() }),
  /** Open and WrapUp close at once; Active only once idle (no message for activeIdleMinutes), else it is armed again. */
  z.object({ type: z.literal('autoClose'), ...base, status: z.enum(['Open', 'Active', 'WrapUp']), epoch: z.number() }),
  z.object({
    type: z.literal('releaseAgent'),
    ...base,
    agentId: z.string(),
    /** Give back only the reservation made at this time (an offer's), not a newer one of the same chat. */
    reservationAt: z.string().optional(),
    /** Also put the agent in this presence, in the same write (a missed offer's onMissed). */
    setPresence: z.enum(PRESENCES).optional(),
  }),
  /** The agent answers the live offer. */
  z.object({ type: z.literal('offerAccept'), ...base, agentId: z.string() }),
  z.object({ type: z.literal('offerReject'), ...base, agentId: z.string(), epoch: z.number() }),
  /** The offer made at `epoch` ran out of time (scheduled at its expiry; the sweep re-sends a lost one). */
  z.object({ type: z.literal('offerExpire'), ...base, agentId: z.string(), epoch: z.number() }),
  /**
   * The queue's wait tick saw the chat waiting at this place in line (1 = next) at `at` (the tick's
   * time); the average is the queue's, null while not known. See queueWait.ts.
   */
  z.object({ type: z.literal('waitUpdate'), ...base, queue: z.string(), position: z.number().int().positive(), averageWaitSeconds: z.number().nullable(), at: z.string() }),
  /**
   * A Direct Line chat's reconnect check: unless its customer was seen within the workstream's
   * reconnect window (customer sightings), the customer left; else it is armed again for the window's end.
   */
  z.object({ type: z.literal('customerAway'), ...base }),
  /** The sweep found the chat waiting where nobody can ever take it (at that queue and epoch). */
  z.object({ type: z.literal('reroute'), ...base, queue: z.string(), epoch: z.number() }),
]);
export type ConversationCommand = z.infer<typeof conversationCommandSchema>;

export const dispatchRequestSchema = z.object({ queue: z.string().min(1) });

/** On the dispatch queue too (session = queue): compute the queue's places in line for slot `slot` (see queueWait.ts). */
export const waitTickSchema = z.object({ queue: z.string().min(1), waitTick: z.number().int() });
export type WaitTick = z.infer<typeof waitTickSchema>;
export type DispatchRequest = z.infer<typeof dispatchRequestSchema>;

/** A message body that cannot be decoded will never succeed: dead-letter it with the reason. */
export function decodeOrPoison<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new PoisonMessageError(`undecodable ${what}: ${first ? `${first.path.join('.') || '(body)'}: ${first.message}` : 'invalid'}`);
  }
  return parsed.data;
}

export function conversationCommandMessage(command: ConversationCommand, scheduledEnqueueTimeUtc?: Date): OutgoingMessage {
  return { queue: QUEUES.conversationCommands, sessionId: command.conversationId, messageId: command.key, body: command, scheduledEnqueueTimeUtc, correlationId: command.conversationId };
}

/** `conversationId`: the chat that asked for the cycle (it entered the queue), when one did; its trace follows the dispatch. */
export function dispatchMessage(queue: string, messageId: string, conversationId?: string): OutgoingMessage {
  return { queue: QUEUES.dispatch, sessionId: queue, messageId, body: { queue } satisfies DispatchRequest, ...(conversationId ? { correlationId: conversationId } : {}) };
}
