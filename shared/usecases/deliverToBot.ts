import { PoisonMessageError } from '../ports/messageBus';
import { BotCredentialsRejectedError } from '../ports/botClient';
import type { Activity } from '../core/activity';
import type { BotUser } from '../core/config';
import { redactUrl, redactUrls } from '../core/redactUrl';
import { ApiError } from '../http/apiError';
import { receiveBotActivity } from './botConnector';
import { conversationCommandMessage, decodeOrPoison } from './commands';
import { botDeliverySchema } from './botDeliveries';
import type { TelemetryProperties } from '../ports/telemetry';
import type { Services } from './services';

/** Activities a bot still needs after it lost the chat: it must hear that the chat left it. */
const AFTER_SESSION_TYPES = new Set(['endOfConversation']);

export class BotUnavailableError extends Error {
  override readonly name = 'BotUnavailableError';
}

type Outcome = { ok: true; replies: unknown[] } | { ok: false; transient: boolean; reason: string };

/**
 * POSTs one activity to a bot. A transient failure (network, timeout, 429, 5xx) throws, so the bus
 * redelivers with backoff and the conversation's later activities wait behind it. Past the bot's
 * budget (or on the last delivery), or when the bot refuses us outright, the customer is not left
 * stranded: the chat is escalated with BotFailure and routed on by the rules.
 */
export async function deliverToBot(s: Services, body: unknown, deliveryCount: number): Promise<void> {
  const delivery = decodeOrPoison(botDeliverySchema, body, 'bot delivery');
  const bot = s.directory.bot(delivery.botId);
  if (!bot) throw new PoisonMessageError(`bot delivery names unknown bot "${delivery.botId}"`);
  const activity = delivery.activity as Activity;
  const afterSession = AFTER_SESSION_TYPES.has(activity.type) || activity.name === 'handoff.status';
  if (!afterSession && !(await holdsChat(s, delivery.conversationId, bot.id))) return;

  const properties = { conversationId: delivery.conversationId, bot: bot.id, activityType: activity.type };
  const outcome = await post(s, bot, activity, properties);
  s.botOutcomes.record(bot.id, outcome.ok ? 'delivered' : 'failed', s.clock.now());
  if (outcome.ok) {
    for (const reply of outcome.replies) await acceptReply(s, delivery.conversationId, bot, reply);
    return;
  }
  s.telemetry.trackEvent('BotDeliveryFailed', { ...properties, reason: outcome.reason }, { deliveryCount });
  const elapsedInMs = s.clock.now().getTime() - Date.parse(activity.timestamp ?? '');
  const outOfBudget = !outcome.transient || deliveryCount >= s.settings.botDeliveryMaxAttempts || elapsedInMs >= bot.unreachableAfterSeconds * 1000;
  if (!outOfBudget) throw new BotUnavailableError(`bot ${bot.id} at ${redactUrl(bot.endpoint)}: ${outcome.reason}`);
  // Only an activity of the live session gives up on the chat; a late endOfConversation is simply dropped.
  if (afterSession) return;
  const failure = outcome.transient ? 'unreachable' : 'refused';
  await s.bus.send([conversationCommandMessage({
    type: 'botUnreachable',
    conversationId: delivery.conversationId,
    key: `botUnreachable:${delivery.conversationId}:${bot.id}:${activity.id}`,
    botId: bot.id,
    failure,
    reason: outcome.reason,
  })]);
}

async function post(s: Services, bot: BotUser, activity: Activity, properties: TelemetryProperties): Promise<Outcome> {
  const expectReplies = bot.deliveryMode === 'expectReplies';
  const startedAt = s.clock.now().getTime();
  // The call as an Application Insights dependency, in the conversation's operation (no URL: it may carry a key).
  const called = (success: boolean, resultCode: string) => s.telemetry.trackDependency?.({
    name: `POST ${bot.id}`, type: 'HTTP', httpMethod: 'POST', target: bot.id, durationInMs: s.clock.now().getTime() - startedAt, success, resultCode, properties,
  });
  let response;
  try {
    response = await s.bots.postActivity(bot, expectReplies ? { ...activity, deliveryMode: 'expectReplies' } : activity);
  } catch (error) {
    called(false, error instanceof Error ? error.name : 'Error');
    // Refused credentials stay refused: the chat moves on now instead of waiting out the bot's budget.
    // The reason goes to telemetry and logs: any URL in it (a bot endpoint with a key) is redacted.
    return { ok: false, transient: !(error instanceof BotCredentialsRejectedError), reason: redactUrls(error instanceof Error ? error.message : String(error)) };
  }
  s.telemetry.trackMetric('BotDeliveryMs', s.clock.now().getTime() - startedAt, { bot: bot.id, activityType: activity.type });
  const { status } = response;
  called(status >= 200 && status < 300, String(status));
  if (status >= 200 && status < 300) {
    const replies = expectReplies ? ((response.body as { activities?: unknown } | undefined)?.activities ?? []) : [];
    return { ok: true, replies: Array.isArray(replies) ? replies : [] };
  }
  return { ok: false, transient: status === 429 || status >= 500 || status === 408, reason: `HTTP ${status}` };
}

/** expectReplies: the replies in the bot's answer go the same way as its connector calls. */
async function acceptReply(s: Services, conversationId: string, bot: BotUser, reply: unknown): Promise<void> {
  try {
    await receiveBotActivity(s, {
      conversationId,
      operation: 'send',
      activity: reply,
      sizeInBytes: Buffer.byteLength(JSON.stringify(reply)),
      caller: { kind: 'trusted', botId: bot.id },
    });
  } catch (error) {
    // A reply that is wrong is the bot's bug: record it and keep the rest, as the connector would refuse it.
    if (!(error instanceof ApiError)) throw error;
    s.telemetry.trackEvent('BotReplyRefused', { conversationId, bot: bot.id, reason: error.message });
  }
}

async function holdsChat(s: Services, conversationId: string, botId: string): Promise<boolean> {
  const conversation = await s.conversations.get(conversationId);
  return conversation?.value.status === 'Active' && conversation.value.assignee?.id === botId;
}
