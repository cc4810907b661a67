import { createHash } from 'node:crypto';
import { isGuid } from '../core/guid';

/**
 * One Application Insights operation per conversation: every telemetry item about a chat, from any
 * function, process or retry, lands in the operation whose id is derived from the conversation id alone,
 * so nothing has to be shared or stored to join them. An operator follows the chat end to end with
 * `operation_Id` (Transaction search, or the conversation-trace query in infra/insights/bot-insights.kql).
 *
 * - Operation id = W3C trace id (32 lowercase hex): a GUID conversation id without its dashes, any other
 *   id the first 32 hex of its SHA-256 (the KQL computes the same: `hash_sha256`).
 * - Operation name = `chat <conversation id>`.
 * - Parent id = the W3C span id (16 hex) of the bus message that caused the item when that message belongs
 *   to the same conversation, else the conversation's own root span id. A message's span id comes from its
 *   messageId, so every redelivery (and every resend under the same id) keeps it.
 *
 * Messages carry the link as Azure's SDKs do: `Diagnostic-Id` = a traceparent `00-<operation id>-<span id>-01`.
 */

export interface ConversationTrace {
  /** `ai.operation.id` / the OpenTelemetry trace id. */
  operationId: string;
  /** `ai.operation.name`. */
  operationName: string;
  /** `ai.operation.parentId` / the OpenTelemetry span id the item hangs from. */
  parentId: string;
}

export interface TraceParent {
  traceId: string;
  spanId: string;
}

/** The Service Bus application property that carries a message's traceparent (@azure/service-bus's TRACEPARENT_PROPERTY). */
export const DIAGNOSTIC_ID_PROPERTY = 'Diagnostic-Id';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ALL_ZEROS = /^0+$/;

export function operationIdOf(conversationId: string): string {
  if (isGuid(conversationId)) {
    const hex = conversationId.replace(/-/g, '').toLowerCase();
    // The all-zero trace id is invalid in W3C trace context; hashing keeps it deterministic.
    if (!ALL_ZEROS.test(hex)) return hex;
  }
  return sha256Hex(conversationId).slice(0, 32);
}

export function operationNameOf(conversationId: string): string {
  return `chat ${conversationId}`;
}

/** A span id named by `name` (16 hex): the same name always gives the same span. */
export function spanIdOf(name: string): string {
  const hex = sha256Hex(name).slice(0, 16);
  return ALL_ZEROS.test(hex) ? '0000000000000001' : hex;
}

/** The span a conversation's items hang from when no message of that conversation caused them. */
export function rootSpanIdOf(conversationId: string): string {
  return spanIdOf(`chat:${conversationId}`);
}

/** The span of one bus message: named by its messageId, so a redelivery or a resend keeps it. */
export function messageSpanIdOf(messageId: string): string {
  return spanIdOf(`message:${messageId}`);
}

/** The traceparent a message about `conversationId` carries (Service Bus `Diagnostic-Id`). */
export function messageTraceparent(conversationId: string, messageId: string): string {
  return `00-${operationIdOf(conversationId)}-${messageSpanIdOf(messageId)}-01`;
}

/** A W3C traceparent (version 00), or undefined when the value is not one. */
export function parseTraceparent(value: string | null | undefined): TraceParent | undefined {
  const match = TRACEPARENT.exec(value?.trim().toLowerCase() ?? '');
  if (!match) return undefined;
  const [, traceId = '', spanId = ''] = match;
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return undefined;
  return { traceId, spanId };
}

/**
 * The operation of an item about `conversationId`, emitted while handling what `cause` (a traceparent: the
 * message or request being handled) names. A cause from another conversation's operation is not a parent.
 */
export function conversationTrace(conversationId: string, cause?: string): ConversationTrace {
  const operationId = operationIdOf(conversationId);
  const parent = parseTraceparent(cause);
  return {
    operationId,
    operationName: operationNameOf(conversationId),
    parentId: parent?.traceId === operationId ? parent.spanId : rootSpanIdOf(conversationId),
  };
}

/**
 * A received message's conversation and traceparent, read from what the wire gave (Service Bus `correlationId`
 * and application properties): kept when they are non-empty strings.
 */
export function receivedCorrelation(correlationId: unknown, applicationProperties: unknown): { correlationId?: string; traceparent?: string } {
  const traceparent = typeof applicationProperties === 'object' && applicationProperties !== null
    ? (applicationProperties as Record<string, unknown>)[DIAGNOSTIC_ID_PROPERTY]
    : undefined;
  return {
    ...(typeof correlationId === 'string' && correlationId ? { correlationId } : {}),
    ...(typeof traceparent === 'string' && traceparent ? { traceparent } : {}),
  };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
