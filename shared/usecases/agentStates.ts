import type { AgentState } from '../core/agent';
import type { AgentUser } from '../core/config';
import { isStoreError, type Versioned } from '../ports/storeErrors';
import type { Services } from './services';

export const MAX_CONFLICT_RETRIES = 8;

/** An agent document kept changing under a read-modify-write: every attempt lost its If-Match. */
export class AgentUpdateConflictError extends Error {
  override readonly name = 'AgentUpdateConflictError';
}

export function initialAgentState(agent: AgentUser, at: string): AgentState {
  return { id: agent.id, presence: agent.presence, reservations: [], lastAssignedAt: null, lastAssignedAtByQueue: {}, lastReleasedAt: null, updatedAt: at };
}

/** The agent's runtime state, created from the configuration the first time it is needed. */
export async function getAgentState(s: Services, agent: AgentUser): Promise<Versioned<AgentState>> {
  const found = await s.agents.get(agent.id);
  if (found) return found;
  try {
    return await s.agents.create(initialAgentState(agent, s.clock.now().toISOString()));
  } catch (error) {
    if (!isStoreError(error, 'Conflict')) throw error;
    const raced = await s.agents.get(agent.id);
    if (!raced) throw error;
    return raced;
  }
}

/**
 * Read-modify-write of an agent with If-Match, re-read and retried on conflict. `change` returns
 * the next state, or undefined to leave the agent as it is. Returns what was written (or read).
 */
export async function updateAgentState(
  s: Services,
  agent: AgentUser,
  change: (state: AgentState) => AgentState | undefined,
  first?: Versioned<AgentState>,
): Promise<{ state: Versioned<AgentState>; changed: boolean }> {
  let current = first ?? (await getAgentState(s, agent));
  for (let attempt = 1; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
    const next = change(current.value);
    if (!next) return { state: current, changed: false };
    try {
      return { state: await s.agents.replace(next, { ifMatch: current.etag }), changed: true };
    } catch (error) {
      if (!isStoreError(error, 'PreconditionFailed')) throw error;
      current = await getAgentState(s, agent);
    }
  }
  throw new AgentUpdateConflictError(`agent ${agent.id}: update kept conflicting after ${MAX_CONFLICT_RETRIES} attempts`);
}
