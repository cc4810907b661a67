import type { Conversation } from '../core/conversation';
import { wasApplied } from './appliedKeys';
import type { Services } from './services';

/**
 * Waits (bounded) until the conversation shows the command as applied, so an HTTP caller reads its
 * own write. Returns the conversation then, or undefined if it was not applied in time: the command
 * is durable on the bus either way and will still be applied.
 */
export async function awaitApplied(s: Services, conversationId: string, key: string): Promise<Conversation | undefined> {
  // Waited time is counted from the pauses, not read from the clock port, which tests may freeze.
  let waitedInMs = 0;
  let pauseInMs = 1;
  for (;;) {
    const found = await s.conversations.get(conversationId);
    if (found && wasApplied(found.value, key)) return found.value;
    if (waitedInMs + pauseInMs > s.settings.commandWaitInMs) return undefined;
    await new Promise((resolve) => setTimeout(resolve, pauseInMs));
    waitedInMs += pauseInMs;
    pauseInMs = Math.min(pauseInMs * 2, 50);
  }
}
