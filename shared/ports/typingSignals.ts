/**
 * Who is typing in a conversation, right now: transient signals, never part of the transcript. One
 * signal per side, the latest replacing the one before, so a reader asks a point question ("is the
 * other side typing?") and judges freshness against its own clock (core/typing.ts).
 */
export type TypingSide = 'customer' | 'staff';

export interface TypingSignal {
  conversationId: string;
  /** `customer`: shown to the agent. `staff`: the bot or agent holding the chat, shown to the customer. */
  side: TypingSide;
  /** Who typed: the customer's id, or the bot's or agent's user id. */
  userId: string;
  /** When (ISO 8601, UTC). */
  at: string;
}

export interface TypingSignals {
  /** Records the signal, replacing the side's earlier one. */
  upsert(signal: TypingSignal): Promise<void>;
  /** The side's latest signal, fresh or stale; undefined when there is none (or it expired from the store). */
  get(conversationId: string, side: TypingSide): Promise<TypingSignal | undefined>;
  /** Forgets the side's signal (its author sent a message, which ends the typing); fine when there is none. */
  delete(conversationId: string, side: TypingSide): Promise<void>;
}
