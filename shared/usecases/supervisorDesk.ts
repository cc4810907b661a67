import type { AgentUser } from '../core/config';
import type { Conversation, HistoryEntry } from '../core/conversation';
import * as lifecycle from '../core/lifecycle';
import { ApiError } from '../http/apiError';
import { readPage, type RawPageQuery } from '../http/pageQuery';
import { identifyAgent, staffMessageView, type AgentCredentials } from './agentDesk';
import { awaitApplied } from './awaitApplied';
import { conversationCommandMessage, type ConversationCommand } from './commands';
import { publishChange } from './liveFeed';
import type { Services } from './services';
import { describeStatus, getConversation, handOver } from './supervisorHandover';

/**
 * The supervisor's actions on conversations (D365's Ongoing Conversations dashboard, faces.md §D.2):
 * Assign an Open chat to an agent, Transfer an Active one to a queue or straight to an agent, Force
 * close, and Monitor a transcript. Each action is recorded in the chat's history ({type: supervisor})
 * and in telemetry (SupervisorAction) with the supervisor's id, and answers once it is applied.
 *
 * Assign and the transfer to an agent give a chat to a chosen agent: they take the dispatcher's two
 * conditional writes (supervisorHandover.ts). The transfer to a queue and Force close are conversation
 * commands, ordered in the chat's session with everything else that happens to it (an accept, a
 * customer's message or leaving), as the agent's own transfer and close are.
 */

/** The caller, who must have the supervisor role: 401 when the credentials name nobody, 403 for any other agent. */
export function authenticateSupervisor(s: Services, credentials: AgentCredentials): AgentUser {
  const caller = identifyAgent(s, credentials);
  if (!s.directory.isSupervisor(caller.id)) throw new ApiError('Forbidden', `agent ${caller.id} is no supervisor (users[].roles in the configuration has no supervisor)`);
  return caller;
}

/** A human agent of the configuration, named in the body's `agentId`: 400 for anyone else. */
function humanAgent(s: Services, agentId: string): AgentUser {
  const user = s.directory.user(agentId);
  if (!user) throw new ApiError('InvalidBody', `agentId: unknown agent "${agentId}"`);
  if (user.kind !== 'agent') throw new ApiError('InvalidBody', `agentId: "${agentId}" is a bot, not a human agent (to hand a chat to a bot, transfer it to a queue the bot serves)`);
  return user;
}

function conflict(action: string, c: Conversation, expected: string): ApiError {
  return new ApiError('Conflict', `cannot ${action} conversation ${c.id}: it is ${describeStatus(c)}; ${expected}`);
}

/** The agent holding an Active chat, or the 409 that says why there is none. */
function activeAgentOf(c: Conversation, action: string): string {
  if (c.status !== 'Active' || c.assignee?.kind !== 'agent') throw conflict(action, c, 'only an Active chat held by an agent can be transferred');
  return c.assignee.id;
}

/**
 * Assign (D365: Open chats only): the chat goes Active with the agent, as an accepted assignment (the customer
 * hears the agent joined). A live offer to another agent is withdrawn and its reservation given back (their
 * Accept then gets 409 OfferWithdrawn); an offer to this same agent becomes the assignment.
 */
export async function assignConversation(s: Services, supervisor: AgentUser, conversationId: string, agentId: string) {
  const agent = humanAgent(s, agentId);
  if (handedOverTo((await getConversation(s, conversationId)).value, 'assign', agent.id)) return { status: 'Active' as const, agentId: agent.id };
  const expectOpen = (c: Conversation) => {
    if (c.status !== 'Open') throw conflict('assign', c, 'only an Open chat can be assigned');
  };
  const { before, after, at } = await handOver(s, conversationId, agent, {
    expect: expectOpen,
    commit: (current, epoch, when) => lifecycle.assignBySupervisor(current, agent.id, supervisor.id, epoch, when),
  });
  const withdrawn = before.offer && before.offer.agentId !== agent.id ? before.offer : undefined;
  const base = { queue: before.queue ?? undefined, workstream: before.workstream, agent: agent.id, supervisor: supervisor.id };
  await publishChange(s, {
    before, after, appended: [], key: `supervisorAssign:${conversationId}:${after.epoch}`,
    events: [
      { name: 'Assigned', properties: { ...base, ...(before.firstAgentAssignedAt === null ? { firstAgent: 'true' } : {}) }, measurements: { waitMs: Date.parse(at) - Date.parse(before.enqueuedAt ?? at) } },
      { name: 'SupervisorAction', properties: { ...base, action: 'assign', ...(before.offer ? { withdrawnOfferTo: before.offer.agentId } : {}) } },
    ],
  });
  await followUp(s, after, withdrawn ? [releaseMessage(after, withdrawn.agentId, withdrawn.offeredAt)] : []);
  return { status: 'Active' as const, agentId: agent.id };
}

/** Transfer an Active chat: `{queue}` re-routes it there (as the agent's transfer does), `{agentId}` gives it straight to that agent. */
export async function transferConversation(s: Services, supervisor: AgentUser, conversationId: string, target: { queue?: string; agentId?: string }) {
  if (target.agentId !== undefined) return transferToAgent(s, supervisor, conversationId, target.agentId);
  const queue = target.queue ?? '';
  if (!s.directory.queue(queue)) throw new ApiError('InvalidBody', `queue: unknown queue "${queue}", expected one of ${s.config.queues.map((q) => q.name).join(', ')}`);
  const { value: before } = await getConversation(s, conversationId);
  const last = before.history.findLast((h) => h.type === 'supervisor');
  // Asked again: it waits where a supervisor sent it.
  if (before.status === 'Open' && last?.type === 'supervisor' && last.action === 'transfer' && last.queue === queue && last.agentId === undefined) return { status: before.status, queue: before.queue };
  const agentId = activeAgentOf(before, 'transfer');
  const after = await run(s, before, { type: 'supervisorTransfer', conversationId, key: `supervisorTransfer:${conversationId}:${before.epoch}`, supervisorId: supervisor.id, agentId, queue });
  if (!recorded(before, after, (h) => h.action === 'transfer' && h.supervisorId === supervisor.id && h.queue === queue)) throw conflict('transfer', after, 'only an Active chat held by an agent can be transferred');
  return { status: after.status, queue: after.queue };
}

/**
 * The transfer straight to an agent: the chat stays Active, now theirs (the customer hears they joined); the
 * old agent leaves and gets its capacity back. Capacity and presence are checked as for Assign.
 */
async function transferToAgent(s: Services, supervisor: AgentUser, conversationId: string, agentId: string) {
  const agent = humanAgent(s, agentId);
  if (handedOverTo((await getConversation(s, conversationId)).value, 'transfer', agent.id)) return { status: 'Active' as const, agentId: agent.id };
  let fromAgentId = '';
  const expectActive = (c: Conversation) => {
    fromAgentId = activeAgentOf(c, 'transfer');
    if (fromAgentId === agent.id) throw conflict('transfer', c, `agent ${agent.id} already holds it`);
  };
  const { before, after, at } = await handOver(s, conversationId, agent, {
    expect: expectActive,
    commit: (current, epoch, at) => lifecycle.transferToAgent(current, fromAgentId, agent.id, supervisor.id, epoch, at),
  });
  const from = before.assignee?.id ?? fromAgentId;
  const queue = before.queue ?? undefined;
  await publishChange(s, {
    before, after, appended: [], key: `supervisorTransfer:${conversationId}:${after.epoch}`,
    events: [
      // The old agent's session ends here (handled sessions, handle time, core/kpis.ts).
      { name: 'Transferred', properties: { agent: from, toAgent: agent.id, fromQueue: queue, queue, supervisor: supervisor.id }, measurements: { activeMs: Date.parse(at) - Date.parse(before.assignedAt ?? at) } },
      // A session of the new agent begins; nobody waited for it, so no waitMs.
      { name: 'Assigned', properties: { queue, workstream: before.workstream, agent: agent.id, supervisor: supervisor.id } },
      { name: 'SupervisorAction', properties: { action: 'transfer', supervisor: supervisor.id, agent: agent.id, fromAgent: from, queue } },
    ],
  });
  await followUp(s, after, [releaseMessage(after, from)]);
  return { status: 'Active' as const, agentId: agent.id };
}

/**
 * Force close (any status but Closed): the customer is told a supervisor ended the chat, the agent's session
 * ends and its units go back, a bot holding the chat hears endOfConversation, a live offer is withdrawn.
 * Asked again of a chat a supervisor already closed, it answers the same.
 */
export async function forceCloseConversation(s: Services, supervisor: AgentUser, conversationId: string) {
  const { value: before } = await getConversation(s, conversationId);
  const closedBySupervisor = (c: Conversation) => c.status === 'Closed' && c.statusReason === 'ForceClosedBySupervisor';
  if (closedBySupervisor(before)) return { status: 'Closed' as const };
  if (before.status === 'Closed') throw conflict('close', before, 'it is over already');
  const after = await run(s, before, { type: 'supervisorClose', conversationId, key: `supervisorClose:${conversationId}:${before.epoch}`, supervisorId: supervisor.id });
  if (!closedBySupervisor(after)) throw conflict('close', after, 'it is over already');
  return { status: 'Closed' as const };
}

/** Monitor: one page of the transcript, agent-only lines included, read-only, whatever the chat's status. */
export async function monitorConversation(s: Services, conversationId: string, page: RawPageQuery) {
  const { value: c } = await getConversation(s, conversationId);
  const { messages, next } = await s.transcripts.listPage(conversationId, { ...readPage(page), audience: 'agent' });
  return { status: c.status, statusReason: c.statusReason, assignee: c.assignee, messages: messages.map((m) => staffMessageView(s, m)), next };
}

/** Asked again (a retry after a lost answer): the chat is still with the agent a supervisor's last action gave it to. */
function handedOverTo(c: Conversation, action: 'assign' | 'transfer', agentId: string): boolean {
  const last = c.history.findLast((h) => h.type === 'supervisor');
  return c.status === 'Active' && c.assignee?.id === agentId && last?.type === 'supervisor' && last.action === action && last.agentId === agentId;
}

/** Whether the command that turned `before` into `after` recorded this supervisor entry (rather than finding the chat moved on). */
function recorded(before: Conversation, after: Conversation, match: (entry: Extract<HistoryEntry, { type: 'supervisor' }>) => boolean): boolean {
  return after.history.slice(before.history.length).some((h) => h.type === 'supervisor' && match(h));
}

/** Sends a conversation command and waits (bounded) for it to be applied; 503 if the session is too busy to apply it in time. */
async function run(s: Services, before: Conversation, command: ConversationCommand): Promise<Conversation> {
  await s.bus.send([conversationCommandMessage(command)]);
  const applied = await awaitApplied(s, before.id, command.key);
  if (!applied) throw new ApiError('ServiceUnavailable', `the ${command.type} of conversation ${before.id} is queued but not applied yet; ask again to see the outcome`);
  return applied;
}

/** Gives an agent back the units of a chat it lost (an offer withdrawn: only that offer's reservation). */
function releaseMessage(after: Conversation, agentId: string, reservationAt?: string) {
  const key = `release:${after.id}:${agentId}:${after.epoch}`;
  return conversationCommandMessage({ type: 'releaseAgent', conversationId: after.id, key, agentId, ...(reservationAt ? { reservationAt } : {}) });
}

/**
 * After a handover's commit: the announcement (the customer hears the agent joined, the idle close is armed)
 * and the releases, then a bounded wait to see the announcement. Lost in a crash, the sweep re-sends the
 * announcement and releases the stray units.
 */
async function followUp(s: Services, after: Conversation, releases: ReturnType<typeof releaseMessage>[]): Promise<void> {
  const key = `assigned:${after.id}:${after.epoch}`;
  await s.bus.send([conversationCommandMessage({ type: 'assigned', conversationId: after.id, key, epoch: after.epoch }), ...releases]);
  await awaitApplied(s, after.id, key);
}
