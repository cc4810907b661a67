import type { ConversationStatus } from '../core/conversation';
import { customerPartEnded } from '../core/lifecycle';
import { chatLimitProblem, messageBytes, type MessageContent } from '../core/transcriptSummary';
import { ApiError } from '../http/apiError';
import type { Services } from './services';

/**
 * The early check at the edge: a message the chat has no room for is refused at once with 409. The
 * conversation's command handler checks again in order (decideCommand), so concurrent sends stop at the cap.
 */
export function assertChatHasRoom(s: Services, size: { messageCount: number; bytes: number }, message: MessageContent): void {
  const problem = chatLimitProblem(size, s.config.limits.chat, { messages: 1, bytes: messageBytes(message) });
  if (problem) throw new ApiError('ChatLimitReached', `${problem}; nothing more can be added to this chat`);
}

/** A chat whose customer's part ended (wrap-up or closed) takes nothing more from the customer: 409, start a new one. */
export function assertChatGoesOn(status: ConversationStatus): void {
  if (customerPartEnded(status)) throw new ApiError('Conflict', `the chat has ended (status ${status}); start a new one`);
}
