import type { Conversation } from '../core/conversation';
import type { Services } from './services';

/**
 * Waits (bounded) until the conversation shows the command as applied, so an HTTP caller reads its
 * own write. Returns the conversation then, or undefined if it was not applied in time: the command
 * is durable on the bus either way and will still be applied.
 */
export async function awaitApplied(s: Services, conversationId: string, key: string): Promise<Conversation | undefined> {
  const deadline = s.clock.now().getTime() + s.settings.commandWaitInMs;
  let pauseInMs = 1;
  for (;;) {
    const found = await s.conversations.get(conversationId);
    if (found?.value.applied.includes(key)) return found.value;
    if (s.clock.now().getTime() + pauseInMs > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, pauseInMs));
    pauseInMs = Math.min(pauseInMs * 2, 50);
  }
}
