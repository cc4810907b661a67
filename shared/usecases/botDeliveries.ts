import { z } from 'zod';
import type { Activity } from '../core/activity';
import type { BotChannelContext } from '../core/botActivities';
import type { Conversation } from '../core/conversation';
import { QUEUES, type OutgoingMessage } from '../ports/messageBus';
import type { Services } from './services';

/** An activity to POST to a bot, carried on the bot-deliveries queue (session = conversation id, so in order). */
export const botDeliverySchema = z.object({
  conversationId: z.string().min(1),
  botId: z.string().min(1),
  activity: z.record(z.string(), z.unknown()),
});
export type BotDelivery = z.infer<typeof botDeliverySchema>;

export function botDeliveryMessage(conversationId: string, botId: string, activity: Activity): OutgoingMessage {
  const body: BotDelivery = { conversationId, botId, activity };
  return { queue: QUEUES.botDeliveries, sessionId: conversationId, messageId: `bot:${activity.id}`, body, correlationId: conversationId };
}

export function botChannelContext(s: Services, conversation: Conversation, botId: string): BotChannelContext {
  const bot = s.directory.bot(botId);
  return {
    channelId: s.settings.channelId,
    serviceUrl: s.settings.connectorBaseUrl,
    conversationId: conversation.id,
    customer: conversation.customer,
    bot: { id: botId, name: bot?.name ?? botId },
    locale: 'en-US',
  };
}
