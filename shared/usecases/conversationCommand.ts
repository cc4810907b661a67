import type { Conversation } from '../core/conversation';
import { APPLIED_KEYS_KEPT, markApplied } from '../core/lifecycle';
import { appliedDigest, wasApplied } from './appliedKeys';
import type { TranscriptMessage } from '../core/transcript';
import type { OutgoingMessage, ReceivedMessageInfo } from '../ports/messageBus';
import { isStoreError } from '../ports/storeErrors';
import type { TelemetryProperties } from '../ports/telemetry';
import { conversationCommandSchema, decodeOrPoison, type ConversationCommand } from './commands';
import { decideCommand } from './decideCommand';
import { releaseAgentCapacity } from './agentCapacity';
import { recordAnswered } from './queueWait';
import { appendFeedEvents, feedEventsOfChange, publishChange } from './liveFeed';
import type { Services } from './services';

/** What applying one command does: the next document, messages to append, work to send, events to track. */
export interface CommandEffect {
  next: Conversation;
  transcript: TranscriptMessage[];
  /** Messages changed in place (a bot's UpdateActivity / DeleteActivity). */
  edits: TranscriptMessage[];
  outgoing: OutgoingMessage[];
  events: { name: string; properties: TelemetryProperties; measurements?: Record<string, number> }[];
}

const MAX_ATTEMPTS = 8;

/**
 * Applies one conversation command effectively once. The command's key is recorded in the document
 * in the same conditional write as the state change, together with the messages it must publish
 * (the outbox); a redelivered command finds its key and only publishes its outbox again, which the
 * bus de-duplicates by message id.
 */
export async function handleConversationCommand(s: Services, body: unknown, delivery?: Pick<ReceivedMessageInfo, 'deliveryCount'>): Promise<void> {
  const command = decodeOrPoison(conversationCommandSchema, body, 'conversation command');
  if (command.type === 'releaseAgent') return releaseAgentCapacity(s, command);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await s.conversations.get(command.conversationId);
    if (current && wasApplied(current.value, command.key)) {
      // A redelivery (the same bus message again) may follow a crash between the write and the send: publish
      // the outbox again, the bus drops what it already has. A first delivery of an applied key is a new copy a
      // client sent, possibly after the bus's duplicate-detection window: publishing again would duplicate.
      if (delivery === undefined || delivery.deliveryCount > 1) await republishOutbox(s, current.value, command.key);
      return;
    }
    if (current && command.type === 'customerMessage' && (await customerMessageAlreadyApplied(s, current.value, command.messageId))) return;
    // The wait tick lists ids from an advisory index: one whose conversation is not there is nothing to tell.
    if (command.type === 'waitUpdate' && !current) return;
    const effect = await decideCommand(s, command, current?.value);
    // A wait update that changes nothing is not written: a tick costs each waiting chat one point read.
    if (command.type === 'waitUpdate' && current && effect.next === current.value) return;
    const decided: Conversation = markApplied(effect.next, appliedDigest(command.key));
    const change = { before: current?.value, after: decided, appended: effect.transcript, events: effect.events, key: command.key };
    const feed = feedEventsOfChange(s, change);
    const next: Conversation = { ...decided, outbox: { key: command.key, messages: effect.outgoing, ...(feed.length ? { feed } : {}) } };
    for (const message of effect.transcript) await s.transcripts.append(message);
    for (const message of effect.edits) await s.transcripts.replace(message);
    try {
      if (current) await s.conversations.replace(next, { ifMatch: current.etag });
      else await s.conversations.create(next);
    } catch (error) {
      if (isStoreError(error, 'PreconditionFailed') || isStoreError(error, 'Conflict')) continue;
      throw error;
    }
    if (effect.outgoing.length > 0) await s.bus.send(effect.outgoing);
    await recordAnswered(s, current?.value, next);
    await publishChange(s, change, feed);
    return;
  }
  throw new Error(`conversation ${command.conversationId}: command ${command.key} kept conflicting after ${MAX_ATTEMPTS} attempts`);
}

/**
 * A customer message whose key has left the conversation's bounded list of applied keys (a copy resent
 * long after, in a long chat): it was applied if the transcript has it and the conversation counted it.
 * (Appended but not counted means an attempt that died before its write.) A point lookup: reading the
 * whole transcript here made every message of a long chat cost more than the one before.
 */
async function customerMessageAlreadyApplied(s: Services, conversation: Conversation, messageId: string): Promise<boolean> {
  if (conversation.applied.length < APPLIED_KEYS_KEPT) return false;
  const message = await s.transcripts.get(conversation.id, messageId);
  if (!message) return false;
  if (message.ordinal !== undefined) return message.ordinal <= conversation.customerMessageCount;
  // Written before messages carried their ordinal: count its place among the customer messages.
  const position = (await s.transcripts.list(conversation.id)).filter((m) => m.role === 'customer').findIndex((m) => m.id === messageId);
  return position >= 0 && position < conversation.customerMessageCount;
}

async function republishOutbox(s: Services, conversation: Conversation, key: string): Promise<void> {
  if (conversation.outbox?.key !== key) return;
  if (conversation.outbox.feed?.length) await appendFeedEvents(s, conversation.outbox.feed);
  if (conversation.outbox.messages.length === 0) return;
  await s.bus.send(conversation.outbox.messages.map((m) => ({ ...m, scheduledEnqueueTimeUtc: m.scheduledEnqueueTimeUtc ? new Date(m.scheduledEnqueueTimeUtc) : undefined })));
}

export type { ConversationCommand };
