import type { Activity } from 'botbuilder';

/**
 * The Omnichannel helper the docs ship as C# (`OmnichannelBotClient`, omnichannel.md §1.2), in TypeScript.
 * The demo bot depends on it, not on Switchboard's core, so it behaves like any outside Omnichannel-ready bot.
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
