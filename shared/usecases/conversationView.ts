import { ApiError } from '../http/apiError';
import type { Services } from './services';

/** The operator's view of one conversation: where it is, who has it, and how it got there. */
export async function getConversationView(s: Services, conversationId: string) {
  const found = await s.conversations.get(conversationId);
  if (!found) throw new ApiError('NotFound', `conversation ${conversationId} does not exist`);
  const c = found.value;
  return {
    id: c.id,
    workstream: c.workstream,
    status: c.status,
    statusReason: c.statusReason,
    queue: c.queue,
    assignee: c.assignee,
    context: c.context,
    customer: c.customer,
    escalationSummary: c.escalationSummary,
    excludedBots: c.excludedBots,
    createdAt: c.createdAt,
    enqueuedAt: c.enqueuedAt,
    assignedAt: c.assignedAt,
    closedAt: c.closedAt,
    counters: c.counters,
    history: c.history,
  };
}
