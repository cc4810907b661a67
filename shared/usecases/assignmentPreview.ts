import type { AgentState } from '../core/agent';
import type { Candidate, ChatToAssign } from '../core/assignment';
import { RANKING_ORDER, traceAssignment, type AssignmentTrace } from '../core/assignmentTrace';
import type { Presence, Queue } from '../core/config';
import { initialAgentState } from './agentStates';
import { membersHeldBack } from './dispatchQueue';
import type { Services } from './services';

/** An operator's "what if": an agent's presence and the capacity units it uses, instead of what is stored. */
export interface AgentSnapshot {
  id: string;
  presence: Presence;
  usedUnits: number;
}

/**
 * Who would get `chat` from `queue` now, with the dispatcher's ranking and the same trace an
 * assignment records. Reads only: agents without a stored state count as configured (their
 * starting presence, nothing held), and a snapshot replaces what is stored for the agents it names.
 */
export async function previewAssignment(s: Services, queue: Queue, chat: ChatToAssign, snapshot: readonly AgentSnapshot[] = []): Promise<AssignmentTrace & { order: string }> {
  const given = new Map(snapshot.map((a) => [a.id, a]));
  const held = await membersHeldBack(s, queue);
  const now = s.clock.now().toISOString();
  const candidates: Candidate[] = [];
  for (const [memberIndex, id] of queue.members.entries()) {
    if (s.directory.bot(id)) {
      candidates.push({ kind: 'bot', id, memberIndex });
      continue;
    }
    const agent = s.directory.agent(id);
    if (!agent) continue;
    const state = stateOf(given.get(id), (await s.agents.get(id))?.value ?? initialAgentState(agent, now), now);
    candidates.push({ kind: 'agent', id, memberIndex, capacity: agent.capacity, state, ...(held.has(id) ? { heldBackFor: held.get(id) } : {}) });
  }
  const ranked = traceAssignment(queue.assignment, chat, candidates, null);
  const best = ranked.candidates.find((c) => c.outcome === 'rankedLower' && c.rank === 1);
  // Asked for by a person: the ranking in words too (the traces kept in the history leave it out).
  return { ...(best ? traceAssignment(queue.assignment, chat, candidates, best.id) : ranked), order: RANKING_ORDER[queue.assignment] };
}

/** The stored state, or what the snapshot says: its presence, and one reservation of its used units. */
function stateOf(snapshot: AgentSnapshot | undefined, stored: AgentState, now: string): AgentState {
  if (!snapshot) return stored;
  const reservations = snapshot.usedUnits > 0 ? [{ conversationId: '(snapshot)', queue: '(snapshot)', units: snapshot.usedUnits, at: now }] : [];
  return { ...stored, presence: snapshot.presence, reservations };
}
