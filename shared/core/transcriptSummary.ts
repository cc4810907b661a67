import type { ChatLimits } from './config';
import type { TranscriptMessage } from './transcript';

/** The longest text a summary repeats of the last message. */
export const SUMMARY_TEXT_LENGTH = 200;

export interface LastMessage {
  id: string;
  role: TranscriptMessage['role'];
  /** Clipped to SUMMARY_TEXT_LENGTH characters. */
  text: string;
  timestamp: string;
}

/**
 * What a conversation's transcript holds, kept on the conversation document as messages are appended,
 * so the chat's limits and the agent's list never read the transcript itself.
 */
export interface TranscriptSummary {
  messageCount: number;
  /** UTF-8 bytes of the texts, attachments and suggested actions (see messageBytes). */
  bytes: number;
  lastMessage: LastMessage | null;
  /** When the customer, a bot or an agent last wrote (system messages do not count): the Active idle close counts from it. */
  lastActivityAt: string | null;
}

export const EMPTY_SUMMARY: TranscriptSummary = { messageCount: 0, bytes: 0, lastMessage: null, lastActivityAt: null };

/** Documents written before summaries existed have none: they count from zero. */
export function summaryOf(conversation: { transcript?: TranscriptSummary }): TranscriptSummary {
  return conversation.transcript ?? EMPTY_SUMMARY;
}

const utf8 = new TextEncoder();

/** What a message costs the store: its text, attachments and suggested actions, in UTF-8 bytes. */
export type MessageContent = Pick<TranscriptMessage, 'text' | 'attachments' | 'suggestedActions' | 'value' | 'channelData'>;

export function messageBytes(message: MessageContent): number {
  const extra = [message.attachments, message.suggestedActions, message.value, message.channelData].filter((v) => v !== undefined).map((v) => JSON.stringify(v)).join('');
  return utf8.encode(message.text + extra).length;
}

/** The text cut to `length` characters, never in the middle of a surrogate pair. */
export function clipText(text: string, length = SUMMARY_TEXT_LENGTH): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** A message edited in place (a bot's UpdateActivity or DeleteActivity): as it was, and as it is now. */
export interface EditedMessage {
  before: TranscriptMessage;
  after: TranscriptMessage;
}

/** The summary after appending `appended` and editing `edited`, in that order. */
export function summarize(summary: TranscriptSummary, appended: readonly TranscriptMessage[], edited: readonly EditedMessage[] = []): TranscriptSummary {
  let next = summary;
  for (const m of appended) {
    next = {
      messageCount: next.messageCount + 1,
      bytes: next.bytes + messageBytes(m),
      lastMessage: lastMessageOf(m),
      lastActivityAt: m.role === 'system' ? next.lastActivityAt : m.timestamp,
    };
  }
  for (const { before, after } of edited) {
    next = {
      ...next,
      bytes: Math.max(0, next.bytes - messageBytes(before) + messageBytes(after)),
      lastMessage: next.lastMessage?.id === after.id ? lastMessageOf(after) : next.lastMessage,
    };
  }
  return next;
}

function lastMessageOf(m: TranscriptMessage): LastMessage {
  return { id: m.id, role: m.role, text: clipText(m.text), timestamp: m.timestamp };
}

/**
 * Why the chat cannot take `adding` more (messages and bytes), naming the limit; undefined when it
 * can. The bound is on the whole transcript, whoever writes: it is what the store and every reader hold.
 */
export function chatLimitProblem(summary: Pick<TranscriptSummary, 'messageCount' | 'bytes'>, limits: ChatLimits, adding: { messages: number; bytes: number }): string | undefined {
  if (summary.messageCount + adding.messages > limits.maxMessages) {
    return `the chat already holds ${summary.messageCount} messages; limits.chat.maxMessages allows ${limits.maxMessages}`;
  }
  if (summary.bytes + adding.bytes > limits.maxBytes) {
    return `the chat's messages hold ${summary.bytes} bytes and this one ${adding.bytes}; limits.chat.maxBytes allows ${limits.maxBytes}`;
  }
  return undefined;
}
