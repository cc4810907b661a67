/**
 * Tells a reader waiting on a conversation that something may have changed (a message appended), so a
 * held request answers at once instead of at its next poll. Advisory: the reader reads the store again
 * either way, so a missed or spurious wake-up costs a read, never a message.
 */
export interface ConversationChanges {
  /**
   * Resolves at the conversation's next change, or after `timeoutInMs` at the latest; `closing` when the
   * host is shutting down, so a held request answers now (Direct Line clients stop polling at an error).
   */
  next(conversationId: string, timeoutInMs: number): Promise<'changed' | 'timeout' | 'closing'>;
}
