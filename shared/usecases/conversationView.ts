import type { AssignmentTrace } from '../core/assignmentTrace';
import type { Conversation } from '../core/conversation';
import { ApiError } from '../http/apiError';
import { previewAssignment } from './assignmentPreview';
import { chatToAssign } from './dispatchQueue';
import type { Services } from './services';

/**
 * The operator's view of one conversation: where it is, who has it, and how it got there. A chat
 * that waits also says why nobody has taken it (`waiting`), ranked now as the dispatcher would.
 */
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
    offer: c.offer ?? null,
    declines: c.declines ?? {},
    waiting: await whyWaiting(s, c),
    history: c.history,
  };
}

async function whyWaiting(s: Services, c: Conversation): Promise<(AssignmentTrace & { order: string }) | null> {
  if (c.status !== 'Open' || c.offer || c.queue === null) return null;
  const queue = s.directory.queue(c.queue);
  const workstream = s.directory.workstream(c.workstream);
  if (!queue || !workstream) return null;
  return previewAssignment(s, queue, chatToAssign(c, queue, workstream));
}
