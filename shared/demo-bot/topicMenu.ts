import { ActionTypes, CardFactory, type Attachment, type CardAction } from 'botbuilder';

/**
 * The demo bot's two ways to offer its topics to a customer: buttons under the greeting (suggested
 * actions) and a card for "something else" (an Adaptive Card). Web Chat 4.18.1 renders cards with
 * adaptivecards 3.0.6, so the card keeps to schema 1.5.
 */

/** What each greeting button posts (imBack: the title is the text the customer sends). */
export const GREETING_CHOICES = ['Credit card', 'Home loan', 'Something else'] as const;

/** The card's topics: the BotHandoffTopic the bot escalates with, the card's words, and the bot's when it says the pick back. */
export const MENU_TOPICS = [
  { topic: 'CreditCard', title: 'A credit card', about: 'a credit card' },
  { topic: 'HomeLoan', title: 'A home loan', about: 'a home loan' },
  // No rule matches it: the chat goes to the workstream's fallback queue, any of the team.
  { topic: 'Other', title: 'Anything else', about: 'your question' },
] as const;

/** The id of the card's choice, and so the key of the topic in the submit's `value`. */
export const MENU_CHOICE_ID = 'topic';

export const MENU_TITLE = 'What is it about?';

export function greetingButtons(): CardAction[] {
  return GREETING_CHOICES.map((title) => ({ type: ActionTypes.ImBack, title, value: title }));
}

/** The card; its submit arrives as a message with no text and `value: { topic }`. */
export function topicMenuCard(): Attachment {
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: MENU_TITLE, weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text: 'Pick one and a specialist will join the chat.', isSubtle: true, wrap: true, spacing: 'None' },
      {
        type: 'Input.ChoiceSet',
        id: MENU_CHOICE_ID,
        label: 'Topic',
        style: 'expanded',
        isRequired: true,
        errorMessage: 'Pick a topic first.',
        choices: MENU_TOPICS.map(({ topic, title }) => ({ title, value: topic })),
      },
    ],
    actions: [{ type: 'Action.Submit', title: 'Talk to a specialist' }],
  });
}

/** The topic a card's submit picked, if it is one of the menu's. */
export function pickedTopic(value: unknown): (typeof MENU_TOPICS)[number] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const picked = (value as Record<string, unknown>)[MENU_CHOICE_ID];
  return MENU_TOPICS.find(({ topic }) => topic === picked);
}
