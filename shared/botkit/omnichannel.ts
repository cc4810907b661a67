import type { Activity } from 'botbuilder';

/**
 * For Node bot authors: the Omnichannel helper Microsoft ships only as C# (`OmnichannelBotClient`),
 * in TypeScript. It depends on nothing but botbuilder's types, so copy this file into a bot, or
 * import it from a Switchboard checkout. The same bot then works with Omnichannel and Switchboard.
 *
 *   await context.sendActivity(bridgeBotMessage({ type: 'message', text: 'Hi!' }));
 *   await context.sendActivity(addEscalationContext({ type: 'message', text: 'Card dispute (for the agent)' }, { BotHandoffTopic: 'CreditCard' }));
 *   await context.sendActivity(addEndConversationContext({ type: 'message', text: 'Goodbye' }));
 *
 * Unlike the C# original these return a copy rather than mutating the activity.
 */

/** Context variable values a bot may send: strings or integers. */
export type EscalationContext = Record<string, string | number>;

/** Marks a message as shown to the customer. Call it for every message meant for the customer. */
export function bridgeBotMessage(activity: Partial<Activity>): Partial<Activity> {
  return { ...activity, channelData: { ...(activity.channelData ?? {}), deliveryMode: 'bridged' } };
}

/** Asks for a human: routing runs again with these context variables. The text becomes an agent-only summary. */
export function addEscalationContext(activity: Partial<Activity>, context: EscalationContext): Partial<Activity> {
  return withTags(activity, { type: 'Escalate', context });
}

/** Ends the chat (closed with reason ConversationEndedByBot). */
export function addEndConversationContext(activity: Partial<Activity>): Partial<Activity> {
  return withTags(activity, { type: 'EndConversation', context: {} });
}

/** `tags` is a JSON *string*, as C#'s JsonConvert.SerializeObject produces; it replaces any earlier tags. */
function withTags(activity: Partial<Activity>, command: { type: string; context: EscalationContext }): Partial<Activity> {
  return { ...activity, channelData: { ...(activity.channelData ?? {}), tags: JSON.stringify(command) } };
}
