import type { AgentState } from '../../shared/core/agent';
import type { Conversation } from '../../shared/core/conversation';
import { holdsAgentCapacity } from '../../shared/core/lifecycle';
import type { Services } from '../../shared/usecases/services';

/**
 * DESIGN.md §3 invariants 1-3, checked over the stores. `quiescent` adds the cross-document checks
 * that only hold when no assignment is half-way (reservation written, conversation not yet).
 */
export async function invariantViolations(s: Services, conversationIds: string[], options: { quiescent: boolean }): Promise<string[]> {
  const problems: string[] = [];
  const agents = (await s.agents.list()).map((a) => a.value);
  const conversations: Conversation[] = [];
  for (const id of conversationIds) {
    const found = await s.conversations.get(id);
    if (!found) problems.push(`${id}: accepted but missing`);
    else conversations.push(found.value);
  }
  const holders = new Map<string, string[]>();
  for (const agent of agents) {
    const capacity = s.directory.agent(agent.id)?.capacity ?? 0;
    const used = agent.reservations.reduce((sum, r) => sum + r.units, 0);
    if (used > capacity) problems.push(`agent ${agent.id} holds ${used} units over its capacity ${capacity}`);
    for (const r of agent.reservations) holders.set(r.conversationId, [...(holders.get(r.conversationId) ?? []), agent.id]);
  }
  for (const c of conversations) {
    problems.push(...placeViolations(c));
    problems.push(...historyViolations(c));
    const reservedBy = holders.get(c.id) ?? [];
    if (reservedBy.length > 1) problems.push(`${c.id}: reserved by ${reservedBy.join(' and ')}`);
    const workstream = s.directory.workstream(c.workstream);
    if (options.quiescent && workstream) {
      const holds = holdsAgentCapacity(c, workstream);
      if (holds && !reservedBy.includes(c.assignee?.id ?? '')) problems.push(`${c.id}: ${c.status} with ${c.assignee?.id} but no reservation`);
      if (!holds && reservedBy.length > 0) problems.push(`${c.id}: ${c.status} yet reserved by ${reservedBy.join(', ')}`);
    }
  }
  return problems;
}

/** Exactly one place: waiting in one queue, with one assignee, or closed. */
function placeViolations(c: Conversation): string[] {
  switch (c.status) {
    case 'Open':
      return c.queue && !c.assignee ? [] : [`${c.id}: Open but queue=${c.queue} assignee=${c.assignee?.id}`];
    case 'Active':
    case 'WrapUp':
      return c.assignee ? [] : [`${c.id}: ${c.status} without an assignee`];
    case 'Closed':
      return c.closedAt ? [] : [`${c.id}: Closed without closedAt`];
    default:
      return [`${c.id}: unexpected status ${c.status}`];
  }
}

/** Never two assignees at once: every assignment follows a routing into a queue. */
function historyViolations(c: Conversation): string[] {
  let assignable = false;
  for (const entry of c.history) {
    if (entry.type === 'routed') assignable = true;
    if (entry.type === 'assigned') {
      if (!assignable) return [`${c.id}: assigned twice without being routed in between`];
      assignable = false;
    }
  }
  return [];
}

export function usedUnitsOf(agent: AgentState): number {
  return agent.reservations.reduce((sum, r) => sum + r.units, 0);
}

/** Place and history violations of one conversation document, for checks that see documents one by one. */
export function conversationViolations(c: Conversation): string[] {
  return [...placeViolations(c), ...historyViolations(c)];
}

/**
 * Liveness at quiescence (no message in flight): a chat must not wait in a queue while a member
 * of that queue could take it (a presence the chat's workstream allows, enough free units). Each
 * queue's oldest waiting chat is checked: if it cannot be placed, FIFO says nothing behind it may be.
 */
export async function stuckChats(s: Services): Promise<string[]> {
  const problems: string[] = [];
  for (const queue of s.config.queues) {
    const [oldest] = await s.conversations.listWaiting(queue.name, { limit: 1 });
    if (!oldest) continue;
    const workstream = s.directory.workstream(oldest.value.workstream);
    if (!workstream) continue;
    for (const member of queue.members) {
      const bot = s.directory.bot(member);
      if (bot && !oldest.value.excludedBots.includes(bot.id)) problems.push(`${oldest.value.id} waits in ${queue.name} (since ${oldest.value.enqueuedAt}) while bot ${bot.id} could take it`);
      const agent = s.directory.agent(member);
      if (!agent) continue;
      const state = (await s.agents.get(agent.id))?.value;
      const presence = state?.presence ?? agent.presence;
      const free = agent.capacity - (state ? usedUnitsOf(state) : 0);
      if (workstream.allowedPresences.includes(presence) && free >= workstream.capacityUnits) {
        problems.push(`${oldest.value.id} waits in ${queue.name} (since ${oldest.value.enqueuedAt}) while member ${agent.id} is ${presence} with ${free} free unit(s)`);
      }
    }
  }
  return problems;
}
