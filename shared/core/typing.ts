import type { TypingSignal } from '../ports/typingSignals';

/**
 * How long a typing signal counts: Web Chat shows an indicator for 5 s after a typing activity and
 * sends one at most every 3 s while its user types (faces.md A.7), so a signal older than 5 s means
 * the typing stopped. Pure.
 */
export const TYPING_LIFETIME_IN_MS = 5000;

export function isFresh(signal: Pick<TypingSignal, 'at'>, now: Date): boolean {
  const age = now.getTime() - Date.parse(signal.at);
  return age >= 0 ? age < TYPING_LIFETIME_IN_MS : age > -TYPING_LIFETIME_IN_MS;
}

/** The signal when it is fresh, otherwise undefined. */
export function freshSignal<T extends Pick<TypingSignal, 'at'>>(signal: T | undefined, now: Date): T | undefined {
  return signal && isFresh(signal, now) ? signal : undefined;
}
