import type { AgentState } from '../core/agent';
import type { AgentUser } from '../core/config';
import { isStoreError, type Versioned } from '../ports/storeErrors';
import { agentFeedEvents } from './liveFeed';
import type { Services } from './services';

export const MAX_CONFLICT_RETRIES = 8;

/** An agent document kept changing under a read-modify-write: every attempt lost its If-Match. */
export class AgentUpdateConflictError extends Error {
  override readonly name = 'AgentUpdateConflictError';
}

export function initialAgentState(agent: AgentUser, at: string): AgentState {
  return { id: agent.id, presence: agent.presence, presenceSince: at, reservations: [], lastAssignedAt: null, lastAssignedAtByQueue: {}, lastReleasedAt: null, updatedAt: at };
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

/** The agent's runtime state for reading: the stored one, or the configuration's start when none is stored (nothing is written). */
export async function readAgentState(s: Services, agent: AgentUser): Promise<AgentState> {
  return (await s.agents.get(agent.id))?.value ?? initialAgentState(agent, s.clock.now().toISOString());
}

/**
 * Read-modify-write of an agent with If-Match, re-read and retried on conflict. `change` returns
 * the next state, or undefined to leave the agent as it is. Returns what was written (or read).
 * A written change goes to the live feeds (the agent's presence, its row on its queues' boards).
 */
export async function updateAgentState(
  s: Services,
  agent: AgentUser,
  change: (state: AgentState) => AgentState | undefined,
  first?: Versioned<AgentState>,
): Promise<{ state: Versioned<AgentState>; changed: boolean }> {
  let current = first ?? (await getAgentState(s, agent));
  for (let attempt = 1; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
    const changed = change(current.value);
    if (!changed) return { state: current, changed: false };
    const next = changed.presence === current.value.presence ? changed : { ...changed, presenceSince: changed.updatedAt };
    let written: Versioned<AgentState>;
    try {
      written = await s.agents.replace(next, { ifMatch: current.etag });
    } catch (error) {
      if (!isStoreError(error, 'PreconditionFailed')) throw error;
      current = await getAgentState(s, agent);
      continue;
    }
    await appendAgentEvents(s, current.value, written);
    return { state: written, changed: true };
  }
  throw new AgentUpdateConflictError(`agent ${agent.id}: update kept conflicting after ${MAX_CONFLICT_RETRIES} attempts`);
}

/**
 * The agent's change to its feeds, after its commit. A failed append is reported, not thrown: the change
 * is committed and its caller must go on; the page or board shows it at its next snapshot (a reconnect).
 */
async function appendAgentEvents(s: Services, before: AgentState, after: Versioned<AgentState>): Promise<void> {
  try {
    await s.feed.append(agentFeedEvents(s, before, after));
  } catch (error) {
    s.telemetry.trackException(error, { agent: after.value.id, operation: 'feedAppend' });
  }
}
