import { customerTypingEvent } from '../core/liveEvents';
import { freshSignal } from '../core/typing';
import type { ConversationState } from '../ports/conversationStore';
import type { TypingSide, TypingSignal } from '../ports/typingSignals';
import type { Services } from './services';

/**
 * Typing, both ways: the customer's reaches the agent's API, the bot's or agent's reaches the
 * customer's Direct Line client. Signals are transient (core/typing.ts says how long they count) and
 * never enter the transcript; a message ends its author's typing, so an indicator never outlives it.
 */
export async function signalTyping(s: Services, conversationId: string, side: TypingSide, userId: string): Promise<TypingSignal> {
  const signal = { conversationId, side, userId, at: s.clock.now().toISOString() };
  await s.typing.upsert(signal);
  return signal;
}

/** The customer typed: the signal, and the `typing` event on the stream of the agent holding the chat (none for a bot's). */
export async function customerTyping(s: Services, conversationId: string, state: Pick<ConversationState, 'status' | 'assignee'>, customerId: string): Promise<void> {
  const signal = await signalTyping(s, conversationId, 'customer', customerId);
  const event = customerTypingEvent(conversationId, state, signal.at);
  if (event) await s.feed.append([event]);
}

/** Its author sent a message: the typing is over (the message itself clears Web Chat's indicator). */
export async function typingEnded(s: Services, conversationId: string, side: TypingSide): Promise<void> {
  await s.typing.delete(conversationId, side);
}

/** The side's typing while it counts; undefined once stale. */
export async function freshTyping(s: Services, conversationId: string, side: TypingSide): Promise<TypingSignal | undefined> {
  return freshSignal(await s.typing.get(conversationId, side), s.clock.now());
}
