import type { AgentState } from '../core/agent';
import type { Versioned } from './storeErrors';

/**
 * Runtime state of human agents (presence, capacity reservations), keyed by agent id.
 * The configuration says who the agents are; this says what they hold right now.
 * Same conditional-write contract as ConversationStore.
 */
export interface AgentStore {
  get(id: string): Promise<Versioned<AgentState> | undefined>;
  create(agent: AgentState): Promise<Versioned<AgentState>>;
  replace(agent: AgentState, options: { ifMatch: string }): Promise<Versioned<AgentState>>;
  /** Every agent's state; agents are counted in hundreds to thousands, not millions. */
  list(): Promise<Versioned<AgentState>[]>;
}
