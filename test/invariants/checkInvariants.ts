import type { AgentState } from '../../shared/core/agent';
import type { Workstream } from '../../shared/core/config';
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
  /** conversation id → agent id → the times of that agent's reservations of it. */
  const reservedAt = new Map<string, Map<string, string[]>>();
  for (const agent of agents) {
    const capacity = s.directory.agent(agent.id)?.capacity ?? 0;
    const used = agent.reservations.reduce((sum, r) => sum + r.units, 0);
    if (used > capacity) problems.push(`agent ${agent.id} holds ${used} units over its capacity ${capacity}`);
    for (const r of agent.reservations) {
      holders.set(r.conversationId, [...(holders.get(r.conversationId) ?? []), agent.id]);
      const byAgent = reservedAt.get(r.conversationId) ?? new Map<string, string[]>();
      reservedAt.set(r.conversationId, byAgent);
      byAgent.set(agent.id, [...(byAgent.get(agent.id) ?? []), r.at]);
    }
  }
  for (const c of conversations) {
    const workstream = s.directory.workstream(c.workstream);
    problems.push(...placeViolations(c));
    problems.push(...historyViolations(c, workstream));
    const reservedBy = holders.get(c.id) ?? [];
    if (reservedBy.length > 1) problems.push(`${c.id}: reserved by ${reservedBy.join(' and ')}`);
    if (options.quiescent && workstream) {
      // The one agent whose capacity the chat holds: its live offer's, or its assignee's.
      const holder = capacityHolder(c, workstream);
      if (holder && !reservedBy.includes(holder)) problems.push(`${c.id}: ${c.status}${c.offer ? ' (offered)' : ''} with ${holder} but no reservation`);
      const strays = reservedBy.filter((id) => id !== holder);
      if (strays.length > 0) problems.push(`${c.id}: ${c.status}${c.offer ? ` offered to ${c.offer.agentId}` : ''} yet reserved by ${strays.join(', ')}`);
      // An offer holds exactly the reservation made for it (releases name it by its time).
      const times = c.offer ? reservedAt.get(c.id)?.get(c.offer.agentId) ?? [] : [];
      if (c.offer && times.length > 0 && !times.includes(c.offer.offeredAt)) problems.push(`${c.id}: offered to ${c.offer.agentId} at ${c.offer.offeredAt}, but its reservation was made at ${times.join(', ')}`);
    }
  }
  return problems;
}

/** The agent whose capacity the chat holds at quiescence: the live offer's agent, or the assignee while it holds capacity. */
export function capacityHolder(c: Conversation, workstream: Pick<Workstream, 'wrapUpBlocksCapacity'>): string | undefined {
  if (c.status === 'Open') return c.offer?.agentId;
  return c.assignee?.kind === 'agent' && holdsAgentCapacity(c, workstream) ? c.assignee.id : undefined;
}

/** Exactly one place: waiting in one queue, with one assignee, or closed. */
function placeViolations(c: Conversation): string[] {
  switch (c.status) {
    case 'Open': {
      if (!c.queue || c.assignee) return [`${c.id}: Open but queue=${c.queue} assignee=${c.assignee?.id}`];
      if (c.offer && (c.offer.queue !== c.queue || c.statusReason !== 'Offered')) return [`${c.id}: Open in ${c.queue} (${c.statusReason}) with an offer to ${c.offer.agentId} from ${c.offer.queue}`];
      if (!c.offer && c.statusReason === 'Offered') return [`${c.id}: Open and Offered, but with no offer`];
      return [];
    }
    case 'Active':
    case 'WrapUp':
      if (c.offer) return [`${c.id}: ${c.status} with ${c.assignee?.id}, and still offered to ${c.offer.agentId}`];
      return c.assignee ? [] : [`${c.id}: ${c.status} without an assignee`];
    case 'Closed':
      if (c.offer) return [`${c.id}: Closed, and still offered to ${c.offer.agentId}`];
      return c.closedAt ? [] : [`${c.id}: Closed without closedAt`];
    default:
      return [`${c.id}: unexpected status ${c.status}`];
  }
}

/**
 * Never two assignees at once: every assignment follows a routing into a queue. Offers: never two
 * live at once; each ends once (accepted, rejected, expired, or withdrawn by a close or a supervisor's
 * assign) before the chat moves on; an offered chat goes Active only with the offer's agent, right after
 * its accept; and an agent takes a chat of a workstream with offers (not autoAccept) only by accepting
 * one, or from a supervisor. A supervisor assigns only a waiting chat (its offer withdrawn first), and
 * transfers to an agent only a chat someone holds.
 */
function historyViolations(c: Conversation, workstream?: Workstream): string[] {
  let assignable = false;
  let live: { agentId: string; offeredAt: string } | null = null;
  let accepted: string | null = null;
  let supervisorAssigned: string | null = null;
  const offering = workstream?.offers !== undefined && !workstream.offers.autoAccept;
  for (const entry of c.history) {
    switch (entry.type) {
      case 'supervisor':
        if (entry.action === 'assign') {
          if (live) return [`${c.id}: assigned by supervisor ${entry.supervisorId} to ${entry.agentId} while offered to ${live.agentId}, the offer not withdrawn`];
          if (!assignable) return [`${c.id}: assigned by supervisor ${entry.supervisorId} to ${entry.agentId} while not waiting to be assigned`];
          supervisorAssigned = entry.agentId ?? null;
        }
        if (entry.action === 'transfer' && entry.agentId !== undefined && assignable) return [`${c.id}: transferred by supervisor ${entry.supervisorId} to ${entry.agentId} while waiting, held by nobody`];
        break;
      case 'routed':
        if (live) return [`${c.id}: routed again (${entry.queue}) while offered to ${live.agentId}: the offer was lost without an end`];
        assignable = true;
        break;
      case 'offered':
        if (live) return [`${c.id}: two live offers, to ${live.agentId} (at ${live.offeredAt}) and to ${entry.agentId} (at ${entry.at})`];
        if (!assignable) return [`${c.id}: offered to ${entry.agentId} at ${entry.at} while not waiting to be assigned`];
        live = { agentId: entry.agentId, offeredAt: entry.at };
        break;
      case 'offerAccepted':
      case 'offerRejected':
      case 'offerExpired':
      case 'offerWithdrawn':
        if (!live || live.agentId !== entry.agentId || live.offeredAt !== entry.offeredAt) {
          return [`${c.id}: ${entry.type} by ${entry.agentId} of the offer made at ${entry.offeredAt}, but the live offer was ${live ? `to ${live.agentId} at ${live.offeredAt}` : 'none'}`];
        }
        live = null;
        if (entry.type === 'offerAccepted') accepted = entry.agentId;
        break;
      case 'assigned':
        if (live) return [`${c.id}: assigned to ${entry.assignee.id} while offered to ${live.agentId}`];
        if (!assignable) return [`${c.id}: assigned twice without being routed in between`];
        if (accepted !== null && entry.assignee.id !== accepted) return [`${c.id}: offer accepted by ${accepted}, but assigned to ${entry.assignee.id}`];
        if (supervisorAssigned !== null && entry.assignee.id !== supervisorAssigned) return [`${c.id}: a supervisor assigned ${supervisorAssigned}, but the chat went to ${entry.assignee.id}`];
        if (offering && entry.assignee.kind === 'agent' && accepted === null && supervisorAssigned === null) return [`${c.id}: assigned to agent ${entry.assignee.id} without an accepted offer (workstream ${c.workstream} offers its chats)`];
        assignable = false;
        accepted = null;
        supervisorAssigned = null;
        break;
      case 'status':
        if (live && entry.status === 'Closed') return [`${c.id}: closed while offered to ${live.agentId}, without withdrawing the offer`];
        if (accepted !== null && entry.status !== 'Active') return [`${c.id}: offer accepted by ${accepted}, then ${entry.status} without the assignment`];
        break;
      default:
        break;
    }
  }
  const doc = c.offer ? `${c.offer.agentId}@${c.offer.offeredAt}` : 'none';
  const history = live ? `${live.agentId}@${live.offeredAt}` : 'none';
  if (doc !== history) return [`${c.id}: the live offer is ${doc}, the history says ${history}`];
  return [];
}

export function usedUnitsOf(agent: AgentState): number {
  return agent.reservations.reduce((sum, r) => sum + r.units, 0);
}

/** Place and history violations of one conversation document, for checks that see documents one by one. */
export function conversationViolations(c: Conversation, workstream?: Workstream): string[] {
  return [...placeViolations(c), ...historyViolations(c, workstream)];
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
    const declines = oldest.value.declines ?? {};
    for (const member of queue.members) {
      // An agent who declined the chat's offers to the limit may not be offered it again.
      if (workstream.offers && Object.prototype.hasOwnProperty.call(declines, member) && (declines[member] ?? 0) >= workstream.offers.maxDeclinesPerAgent) continue;
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
