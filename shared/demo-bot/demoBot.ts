import { ActivityHandler, type Activity, type TurnContext } from 'botbuilder';
import { addEndConversationContext, addEscalationContext, bridgeBotMessage } from '../botkit/omnichannel';

/**
 * The bot of the reference setup (DESIGN §1): greets, escalates credit-card and home-loan questions with
 * BotHandoffTopic, ends the chat on "bye", and answers anything else itself.
 */

export const GREETING = "Hi! I'm the Switchboard demo bot. Ask me about a credit card or a home loan, or say bye.";
export const HELP = 'I can connect you with a specialist for a credit card or a home loan. Just ask, or say bye to end the chat.';
export const GOODBYE = 'Goodbye!';

/** Event names that carry Omnichannel's context at the start of a chat (the BotSDK middleware renames it). */
const CONTEXT_EVENTS = new Set(['startConversation', 'omnichannelSetContext']);
/** Channels that follow conversationUpdate with a context event; on these the bot greets on the event instead. */
const CONTEXT_EVENT_CHANNELS = ['switchboard', 'lcw'];
/** Enough to absorb redelivered start events without remembering every chat ever seen. */
const GREETED_MEMORY = 1000;

export interface DemoBotOptions {
  contextEventChannels?: string[];
}

/** What the bot sends for one customer message, in order. */
export function repliesTo(text: string): Partial<Activity>[] {
  const said = text.toLowerCase();
  if (said.includes('credit card')) return [escalation('CreditCard', `Customer asked about a credit card: ${text}`)];
  if (said.includes('home loan')) return [escalation('HomeLoan', `Customer asked about a home loan: ${text}`)];
  if (/\b(good)?bye\b/.test(said)) {
    return [
      bridgeBotMessage({ type: 'message', text: GOODBYE }),
      addEndConversationContext({ type: 'message', text: 'The customer said bye; the bot ended the chat.' }),
    ];
  }
  return [bridgeBotMessage({ type: 'message', text: HELP })];
}

/** Not bridged: Omnichannel shows an escalation's text to the agent only, as a summary. */
function escalation(topic: string, summary: string): Partial<Activity> {
  return addEscalationContext({ type: 'message', text: summary }, { BotHandoffTopic: topic });
}

export class DemoBot extends ActivityHandler {
  private readonly greeted = new Set<string>();
  private readonly contextEventChannels: ReadonlySet<string>;

  constructor(options: DemoBotOptions = {}) {
    super();
    this.contextEventChannels = new Set(options.contextEventChannels ?? CONTEXT_EVENT_CHANNELS);

    this.onEvent(async (turn, next) => {
      if (CONTEXT_EVENTS.has(turn.activity.name ?? '')) await this.greetOnce(turn);
      await next();
    });

    // Channels without a context event (the Emulator, Web Chat) only tell the bot it joined.
    this.onMembersAdded(async (turn, next) => {
      const { membersAdded, recipient, channelId } = turn.activity;
      const botJoined = (membersAdded ?? []).some((member) => member.id === recipient.id);
      if (botJoined && !this.contextEventChannels.has(channelId)) await this.greetOnce(turn);
      await next();
    });

    this.onMessage(async (turn, next) => {
      for (const reply of repliesTo(turn.activity.text ?? '')) await turn.sendActivity(reply);
      await next();
    });
  }

  private async greetOnce(turn: TurnContext): Promise<void> {
    const conversationId = turn.activity.conversation.id;
    if (this.greeted.has(conversationId)) return;
    this.greeted.add(conversationId);
    // A Set iterates in insertion order, so the first entry is the oldest.
    if (this.greeted.size > GREETED_MEMORY) this.greeted.delete(this.greeted.values().next().value as string);
    await turn.sendActivity(bridgeBotMessage({ type: 'message', text: GREETING }));
  }
}
