import { z } from 'zod';
import { PRESENCES } from '../core/config';

/** Request bodies of the customer and agent APIs. Strict: an unknown key is a typo the caller should hear about. */
const id = z.string().min(1).max(200);
const text = z.string().min(1, 'must not be empty').max(4000, 'at most 4000 characters');

/**
 * Bots key their user state on the customer's id, so a customer who chose it could read or overwrite
 * another's: Switchboard assigns it (customer-<conversationId>).
 */
const CUSTOMER_ID_REFUSED = 'customer ids are assigned by Switchboard (customer-<conversationId>): a customer cannot choose one, so no chat can take another customer\'s bot state';

export const startChatBody = z.strictObject({
  workstream: z.string().min(1).max(100).optional(),
  /** The name is for display only. */
  customer: z.strictObject({ id: z.never({ error: CUSTOMER_ID_REFUSED }).optional(), name: z.string().min(1).max(200).optional() }).optional(),
  context: z.record(z.string().min(1).max(100), z.union([z.string(), z.number()])).optional(),
  /** The customer's language (BCP-47, checked by startChat): wait messages are said in it. */
  locale: z.string().min(1).max(35).optional(),
});

/**
 * A client's own message id: its idempotency key in the chat and the message's id in the transcript.
 * Switchboard's own transcript ids all have a ':' (`<command key>:<n>`), so a client's id cannot take
 * one of them first (the line it names would then be lost as a duplicate).
 */
const messageId = id.regex(/^[^:]*$/, "must not contain ':' (Switchboard's own message ids do)");

export const messageBody = z.strictObject({ text, id: messageId.optional() });

export const presenceBody = z.strictObject({ presence: z.enum(PRESENCES) });

/** A workspace tab's sign-in: its own random id (checked by agentWorkspace.checkSessionId). */
export const sessionBody = z.strictObject({ sessionId: z.string().max(64) });

export const transferBody = z.strictObject({ queue: z.string().min(1).max(100) });

export const emptyBody = z.strictObject({});

/** A supervisor's Assign: the human agent to give the Open chat to. */
export const supervisorAssignBody = z.strictObject({ agentId: id });

/** A supervisor's Transfer: to a queue (re-routed there) or straight to an agent, one of the two. */
export const supervisorTransferBody = z
  .strictObject({ queue: z.string().min(1).max(100).optional(), agentId: id.optional() })
  .refine((body) => (body.queue === undefined) !== (body.agentId === undefined), { message: 'give either queue or agentId, not both and not neither' });

/**
 * A dry run takes any context a chat can carry, which is more than a customer may send: the variables
 * bots and Switchboard set too (BotFailure). So it has its own schema; explainRouting checks the values.
 */
export const explainBody = z.strictObject({
  context: z.record(z.string().min(1).max(100), z.union([z.string(), z.number()])).optional(),
  /** What-if agent states for the assignment preview; the agents it does not name are as stored. */
  agents: z.array(z.strictObject({
    id: z.string().min(1).max(100),
    presence: z.enum(PRESENCES),
    usedUnits: z.number().int().min(0).max(1_000_000),
  })).max(5_000).optional(),
});

/** Direct Line bodies (faces.md A.3). Web Chat's own fields beyond these (entities, localTimestamp…) are read and dropped. */
const dlUserId = z.string().min(1).max(127);
const dlContext = z.record(z.string().min(1).max(100), z.union([z.string(), z.number()]));
const dlLocale = z.string().min(1).max(35);

export const generateTokenBody = z.strictObject({
  user: z.looseObject({ id: dlUserId, name: z.string().min(1).max(200).optional() }).optional(),
  context: dlContext.optional(),
  locale: dlLocale.optional(),
  /** Microsoft's service takes it; the site's allowedOrigins is what Switchboard checks. */
  trustedOrigins: z.array(z.string()).max(50).optional(),
});

export const visitorTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  locale: dlLocale.optional(),
  context: dlContext.optional(),
});

export const startConversationBody = z.looseObject({
  user: z.looseObject({ id: dlUserId.optional(), name: z.string().max(200).optional() }).optional(),
  locale: dlLocale.optional(),
});

/** Bounds of what a client may attach to one activity: Web Chat's channelData is a few short fields. */
const MAX_VALUE_BYTES = 16 * 1024;
const boundedJson = (what: string) => z.unknown().refine((value) => value === undefined || JSON.stringify(value).length <= MAX_VALUE_BYTES, `${what} is larger than ${MAX_VALUE_BYTES} bytes as JSON`);

export const incomingActivityBody = z.looseObject({
  type: z.enum(['message', 'event', 'typing'], { error: ({ input }) => `expected message, event or typing, got ${JSON.stringify(input)}` }),
  text: z.string().max(4000, 'at most 4000 characters').optional(),
  name: z.string().min(1).max(200).optional(),
  value: boundedJson('value').optional(),
  attachments: z.array(z.unknown()).max(0, 'attachments are sent with POST /conversations/{id}/upload').optional(),
  channelData: z.record(z.string(), z.unknown()).refine((value) => JSON.stringify(value).length <= MAX_VALUE_BYTES, `channelData is larger than ${MAX_VALUE_BYTES} bytes as JSON`).optional(),
});
