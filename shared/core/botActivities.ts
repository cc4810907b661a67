import type { Activity } from './activity';
import type { Context } from './config';

/**
 * What Switchboard, playing the bot's channel, POSTs to a bot's messaging endpoint (DESIGN §1, §4).
 * Pure: ids and timestamps are parameters.
 */
export interface BotChannelContext {
  /** 'switchboard' unless configured otherwise. */
  channelId: string;
  /** The connector base URL, with a trailing slash: botbuilder appends `v3/conversations/...` to it. */
  serviceUrl: string;
  conversationId: string;
  customer: { id: string; name: string };
  bot: { id: string; name: string };
  locale: string;
}

function baseActivity(c: BotChannelContext, type: string, id: string, timestamp: string): Activity {
  return {
    type,
    id,
    timestamp,
    channelId: c.channelId,
    serviceUrl: c.serviceUrl,
    conversation: { id: c.conversationId },
    from: { id: c.customer.id, name: c.customer.name, role: 'user' },
    recipient: { id: c.bot.id, name: c.bot.name, role: 'bot' },
    locale: c.locale,
  };
}

/** The first activity of a chat: the bot and the customer join. */
export function conversationUpdateActivity(c: BotChannelContext, id: string, timestamp: string): Activity {
  return {
    ...baseActivity(c, 'conversationUpdate', id, timestamp),
    membersAdded: [
      { id: c.bot.id, name: c.bot.name, role: 'bot' },
      { id: c.customer.id, name: c.customer.name, role: 'user' },
    ],
  };
}

/**
 * Omnichannel's context event. The context travels in `value` and, as Omnichannel also does, as JSON in `text`;
 * the channelData matches what Omnichannel-ready bots look for.
 */
export function startConversationActivity(
  c: BotChannelContext,
  id: string,
  timestamp: string,
  context: Context,
  eventName = 'startConversation',
): Activity {
  const value = { ...context, msdyn_ConversationId: c.conversationId };
  return {
    ...baseActivity(c, 'event', id, timestamp),
    name: eventName,
    value,
    text: JSON.stringify(value),
    channelData: { tags: `ChannelId-${c.channelId},OmnichannelContextMessage,Hidden`, sourceChannelId: 'omnichannel' },
  };
}

/** What a customer's client sent besides text (Direct Line): an event's name, a card's value, attachments, its channelData. */
export interface CustomerExtras {
  type?: 'event';
  name?: string;
  value?: unknown;
  attachments?: unknown[];
  channelData?: Record<string, unknown>;
}

/** A customer's message, or event, as the bot receives it; an empty text (a card's submit) is left out. */
export function customerMessageActivity(c: BotChannelContext, id: string, timestamp: string, text: string, extras: CustomerExtras = {}): Activity {
  const { type = 'message', name, value, attachments, channelData } = extras;
  return {
    ...baseActivity(c, type, id, timestamp),
    ...(text !== '' || type === 'message' && value === undefined && !attachments?.length ? { text } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(attachments?.length ? { attachments: attachments as Activity['attachments'] } : {}),
    ...(channelData ? { channelData } : {}),
  };
}

/** Sent when the chat leaves the bot or closes; `code` is a Bot Framework end-of-conversation code. */
export function endOfConversationActivity(c: BotChannelContext, id: string, timestamp: string, code: string): Activity {
  return { ...baseActivity(c, 'endOfConversation', id, timestamp), code };
}

/** The answer to a bot's `handoff.initiate` (the generic Bot Framework handoff). */
export function handoffStatusActivity(
  c: BotChannelContext,
  id: string,
  timestamp: string,
  state: 'accepted' | 'failed' | 'completed',
  message?: string,
): Activity {
  return {
    ...baseActivity(c, 'event', id, timestamp),
    name: 'handoff.status',
    value: message === undefined ? { state } : { state, message },
  };
}
