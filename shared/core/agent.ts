import type { Presence } from './config';

/** A chat an agent holds; the list is the agent's committed capacity. */
export interface Reservation {
  conversationId: string;
  queue: string;
  units: number;
  at: string;
}

/** Runtime state of a human agent. Who the agent is (capacity, queues) comes from the configuration. */
export interface AgentState {
  id: string;
  presence: Presence;
  reservations: Reservation[];
  /** Last assignment time overall and per queue (ISO), for highest-capacity ties and round robin. */
  lastAssignedAt: string | null;
  lastAssignedAtByQueue: Record<string, string>;
  /** When capacity was last released (ISO), for least-active assignment. */
  lastReleasedAt: string | null;
  updatedAt: string;
  /** When the presence last changed (ISO); documents written before it existed lack it (then: updatedAt). */
  presenceSince?: string;
  /**
   * The agent workspace tabs signed in (POST …/session) and when each was last seen (a stream or a poll):
   * the sweep sets the agent Offline once none was seen for agentWorkspace.offlineAfterSeconds.
   */
  sessions?: AgentSession[];
}

export interface AgentSession {
  id: string;
  seenAt: string;
}

export function usedUnits(agent: AgentState): number {
  return agent.reservations.reduce((sum, r) => sum + r.units, 0);
}
