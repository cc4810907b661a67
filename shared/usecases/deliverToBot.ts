import { PoisonMessageError } from '../ports/messageBus';
import type { Activity } from '../core/activity';
import { decodeOrPoison } from './commands';
import { botDeliverySchema } from './botDeliveries';
import type { Services } from './services';

/** Activities a bot still needs after it lost the chat: it must hear that the chat left it. */
const AFTER_SESSION_TYPES = new Set(['endOfConversation']);

export class BotUnavailableError extends Error {
  override readonly name = 'BotUnavailableError';
}

/**
 * POSTs one activity to a bot. A transient failure (network, timeout, 429, 5xx) throws so the bus
 * redelivers with backoff; a 4xx other than 429 will not get better and is dead-lettered.
 */
export async function deliverToBot(s: Services, body: unknown, deliveryCount: number): Promise<void> {
  const delivery = decodeOrPoison(botDeliverySchema, body, 'bot delivery');
  const bot = s.directory.bot(delivery.botId);
  if (!bot) throw new PoisonMessageError(`bot delivery names unknown bot "${delivery.botId}"`);
  const activity = delivery.activity as Activity;
  const isStillNeeded = AFTER_SESSION_TYPES.has(activity.type) || activity.name === 'handoff.status' || (await holdsChat(s, delivery.conversationId, bot.id));
  if (!isStillNeeded) return;
  const startedAt = s.clock.now().getTime();
  const properties = { conversationId: delivery.conversationId, bot: bot.id, activityType: activity.type };
  let status: number;
  try {
    status = (await s.bots.postActivity(bot, activity)).status;
  } catch (error) {
    s.telemetry.trackEvent('BotDeliveryFailed', { ...properties, reason: error instanceof Error ? error.message : String(error) }, { deliveryCount });
    throw new BotUnavailableError(`bot ${bot.id} unreachable at ${bot.endpoint}: ${error instanceof Error ? error.message : String(error)}`);
  }
  s.telemetry.trackMetric('BotDeliveryMs', s.clock.now().getTime() - startedAt, properties);
  if (status >= 200 && status < 300) return;
  if (status === 429 || status >= 500) {
    s.telemetry.trackEvent('BotDeliveryFailed', { ...properties, reason: `HTTP ${status}` }, { deliveryCount });
    throw new BotUnavailableError(`bot ${bot.id} answered HTTP ${status} at ${bot.endpoint}`);
  }
  throw new PoisonMessageError(`bot ${bot.id} refused the ${activity.type} activity with HTTP ${status}`);
}

async function holdsChat(s: Services, conversationId: string, botId: string): Promise<boolean> {
  const conversation = await s.conversations.get(conversationId);
  return conversation?.value.status === 'Active' && conversation.value.assignee?.id === botId;
}
