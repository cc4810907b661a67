/**
 * Tells a reader waiting on a conversation that something may have changed (a message appended), so a
 * held request answers at once instead of at its next poll. Advisory: the reader reads the store again
 * either way, so a missed or spurious wake-up costs a read, never a message.
 *
 * A key is a conversation's id or a live feed's scope (`agent:<id>`, `queue:<name>`, core/feed.ts): a
 * stream of the agent workspace or the supervisor's view waits on its scope the same way.
 */
export interface ConversationChanges {
  /**
   * Resolves at the conversation's next change, or after `timeoutInMs` at the latest (`woken`); at once
   * with `closing` once the host shuts down: the reader answers with what it has instead of waiting on.
   * `signal` ends the wait early (`woken`): a reader that went away leaves no waiter behind.
   */
  next(conversationId: string, timeoutInMs: number, options?: ChangesNextOptions): Promise<'woken' | 'closing'>;
}

export interface ChangesNextOptions {
  signal?: AbortSignal;
}
