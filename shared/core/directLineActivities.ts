import type { Activity } from './activity';
import type { Conversation } from './conversation';
import type { TranscriptMessage } from './transcript';

/**
 * Transcript messages as Direct Line activities (faces.md A.4, A.9). The customer is role `user`; the
 * bot, each human agent and Switchboard's own notices are role `bot`, with `from.name` set, and
 * `channelData.switchboard.kind` says which, so a page can style notices. Pure.
 */
export const DIRECT_LINE_CHANNEL_ID = 'directline';

/** Who Switchboard's own notices come from. */
export const SYSTEM_SPEAKER_ID = 'switchboard';

export type SpeakerKind = 'customer' | 'bot' | 'agent' | 'system';

export interface SpeakerNames {
  /** A bot's or an agent's display name. */
  nameOf(userId: string): string;
  /** The name Switchboard's notices carry: the site's title. */
  systemName: string;
}

type ChatOf = Pick<Conversation, 'id' | 'customer'>;

export function toDirectLineActivity(message: TranscriptMessage, chat: ChatOf, names: SpeakerNames): Activity {
  const kind: SpeakerKind = message.role;
  const clientData = message.role === 'customer' ? message.channelData : undefined;
  return {
    type: message.type ?? 'message',
    id: message.id,
    timestamp: message.timestamp,
    channelId: DIRECT_LINE_CHANNEL_ID,
    conversation: { id: chat.id },
    from: speaker(message, chat, names),
    ...(message.text !== '' || message.type !== 'event' ? { text: message.text } : {}),
    ...(message.name !== undefined ? { name: message.name } : {}),
    ...(message.value !== undefined ? { value: message.value } : {}),
    ...(message.attachments?.length ? { attachments: message.attachments as Activity['attachments'] } : {}),
    ...(message.suggestedActions !== undefined ? { suggestedActions: message.suggestedActions } : {}),
    channelData: { ...clientData, switchboard: { kind } },
  };
}

function speaker(message: TranscriptMessage, chat: ChatOf, names: SpeakerNames): Activity['from'] {
  switch (message.role) {
    case 'customer':
      return { id: chat.customer.id, name: chat.customer.name, role: 'user' };
    case 'system':
      return { id: SYSTEM_SPEAKER_ID, name: names.systemName, role: 'bot' };
    default: {
      const id = message.authorId ?? SYSTEM_SPEAKER_ID;
      return { id, name: names.nameOf(id), role: 'bot' };
    }
  }
}

/**
 * The end of the customer's part of the chat. Web Chat renders nothing for it; the hosted page hides
 * the send box. It has a fixed id and no place in the transcript, so every read of a chat that ended
 * ends with it, and Web Chat keeps one copy (same id).
 */
export function chatEndedActivity(chat: ChatOf, endedAt: string, names: SpeakerNames): Activity {
  return {
    type: 'endOfConversation',
    id: `${chat.id}|ended`,
    timestamp: endedAt,
    channelId: DIRECT_LINE_CHANNEL_ID,
    conversation: { id: chat.id },
    from: { id: SYSTEM_SPEAKER_ID, name: names.systemName, role: 'bot' },
    code: 'completedSuccessfully',
    channelData: { switchboard: { kind: 'system' } },
  };
}

/**
 * The bot or agent holding the chat is typing (faces.md A.7): role `bot` and the typer's name, which
 * Web Chat shows ("Grace is typing"), and no text, since Web Chat takes a typing with text for a
 * streamed message. Not in the transcript: its id is made of the signal's time, so the same signal
 * read twice is one activity to Web Chat.
 */
export function typingActivity(chat: ChatOf, typer: { userId: string; at: string; kind: 'bot' | 'agent' }, names: SpeakerNames): Activity {
  return {
    type: 'typing',
    id: `${chat.id}|typing-${Date.parse(typer.at)}`,
    timestamp: typer.at,
    channelId: DIRECT_LINE_CHANNEL_ID,
    conversation: { id: chat.id },
    from: { id: typer.userId, name: names.nameOf(typer.userId), role: 'bot' },
    channelData: { switchboard: { kind: typer.kind } },
  };
}
