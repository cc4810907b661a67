import { ActivityHandler, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import { addEndConversationContext, addEscalationContext, bridgeBotMessage } from '../botkit/omnichannel';
import { greetingButtons, pickedTopic, topicMenuCard } from './topicMenu';

/**
 * The bot of the reference setup (DESIGN §1): greets with its topics as buttons, escalates credit-card
 * and home-loan questions with BotHandoffTopic, offers a card of topics for anything else, ends the chat
 * on "bye", and answers the rest itself.
 */

export const GREETING = "Hi! I'm the Switchboard demo bot. Ask me about a credit card or a home loan, or say bye.";
export const HELP = 'I can connect you with a specialist for a credit card or a home loan. Just ask, say menu for the other topics, or say bye to end the chat.';
export const GOODBYE = 'Goodbye!';
/** Said above the card of topics. */
export const MENU_INTRO = 'Sure. Tell me a bit more:';

/** Words that ask for the card of topics: the greeting's "Something else" button, or a customer who asks for help. */
const MENU_WORDS = /\b(something else|menu|help|options)\b/;

/** Event names that carry Omnichannel's context at the start of a chat (the BotSDK middleware renames it). */
const CONTEXT_EVENTS = new Set(['startConversation', 'omnichannelSetContext']);
/** Channels that follow conversationUpdate with a context event; on these the bot greets on the event instead. */
const CONTEXT_EVENT_CHANNELS = ['switchboard', 'lcw'];
/** Enough to absorb redelivered start events without remembering every chat ever seen. */
const GREETED_MEMORY = 1000;

export interface DemoBotOptions {
  contextEventChannels?: string[];
}

/** The greeting, with the topics as buttons (bridged: Omnichannel shows only bridged messages to the customer). */
export function greeting(): Partial<Activity> {
  return bridgeBotMessage(MessageFactory.suggestedActions(greetingButtons(), GREETING));
}

/** A customer's message: its text, or a card's submit (a `value`, usually without text). */
export interface CustomerSaid {
  text?: string;
  value?: unknown;
}

/** What the bot sends for one customer message, in order. */
export function repliesTo({ text = '', value }: CustomerSaid): Partial<Activity>[] {
  if (value !== undefined && text === '') return answerToCard(value);
  const said = text.toLowerCase();
  if (said.includes('credit card')) return [escalation('CreditCard', `Customer asked about a credit card: ${text}`)];
  if (said.includes('home loan')) return [escalation('HomeLoan', `Customer asked about a home loan: ${text}`)];
  if (/\b(good)?bye\b/.test(said)) {
    return [
      bridgeBotMessage({ type: 'message', text: GOODBYE }),
      addEndConversationContext({ type: 'message', text: 'The customer said bye; the bot ended the chat.' }),
    ];
  }
  if (MENU_WORDS.test(said)) return [bridgeBotMessage(MessageFactory.attachment(topicMenuCard(), MENU_INTRO))];
  return [bridgeBotMessage({ type: 'message', text: HELP })];
}

/**
 * A submit shows the customer no words of their own, so the bot says back what was picked before it
 * escalates; a submit it does not know gets the help text.
 */
function answerToCard(value: unknown): Partial<Activity>[] {
  const picked = pickedTopic(value);
  if (!picked) return [bridgeBotMessage({ type: 'message', text: HELP })];
  return [
    bridgeBotMessage({ type: 'message', text: `I'm finding you a specialist for ${picked.about}.` }),
    escalation(picked.topic, `Customer picked "${picked.title}" on the bot's menu`),
  ];
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
      const { text, value } = turn.activity;
      for (const reply of repliesTo({ text: text ?? '', value })) await turn.sendActivity(reply);
      await next();
    });
  }

  private async greetOnce(turn: TurnContext): Promise<void> {
    const conversationId = turn.activity.conversation.id;
    if (this.greeted.has(conversationId)) return;
    this.greeted.add(conversationId);
    // A Set iterates in insertion order, so the first entry is the oldest.
    if (this.greeted.size > GREETED_MEMORY) this.greeted.delete(this.greeted.values().next().value as string);
    await turn.sendActivity(greeting());
  }
}
