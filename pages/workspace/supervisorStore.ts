import type { AgentBoardRow, ConversationBoardRow, Overview, QueueBoardRow, SupervisorEvent } from './contract';

/**
 * The one store the supervisor's screens read: the overview (GET /api/supervisor/overview), then every
 * event of the supervisor's stream applied on top. The agent store's twin (agentStore.ts): a pure
 * reducer, so tests drive it without a browser (test/pages/supervisorStore.test.ts), and selectors for
 * what the screens compute from it (a chat's status as the board says it, the filters, who may take a chat).
 */

export interface SupervisorPageState {
  /** The server's time of the latest queue rows. */
  asOf: string | null;
  /** The KPIs' window (the last 24 hours), moved along with each `queues` event. */
  window: Overview['window'] | null;
  serviceLevelSeconds: number[];
  /** In the configuration's order. */
  queues: QueueBoardRow[];
  /** By name. */
  agents: AgentBoardRow[];
  /** Every chat not Closed, bots' included; what waits first (see byAttention). */
  conversations: ConversationBoardRow[];
}

export const initialSupervisorState: SupervisorPageState = {
  asOf: null, window: null, serviceLevelSeconds: [], queues: [], agents: [], conversations: [],
};

export type SupervisorAction =
  | { type: 'snapshot'; overview: Overview }
  | { type: 'event'; event: SupervisorEvent };

export function supervisorReducer(state: SupervisorPageState, action: SupervisorAction): SupervisorPageState {
  switch (action.type) {
    case 'snapshot': {
      const { asOf, window, serviceLevelSeconds, queues, agents, conversations } = action.overview;
      return {
        asOf, window, serviceLevelSeconds, queues,
        agents: [...agents].sort(byName),
        conversations: conversations.filter((c) => c.status !== 'Closed').sort(byAttention),
      };
    }
    case 'event':
      return applyEvent(state, action.event);
  }
}

function applyEvent(state: SupervisorPageState, event: SupervisorEvent): SupervisorPageState {
  switch (event.type) {
    case 'queues':
      return { ...state, asOf: event.data.asOf, window: movedWindow(state.window, event.data.asOf), queues: event.data.queues };
    case 'agent': {
      const others = state.agents.filter((a) => a.id !== event.data.id);
      return { ...state, agents: [...others, event.data].sort(byName) };
    }
    case 'conversation':
      return upsertConversation(state, event.data);
    case 'conversationRemoved':
      return { ...state, conversations: state.conversations.filter((c) => c.id !== event.data.id) };
    case 'reset':
      // The live stream's hook reads the overview again.
      return state;
  }
}

function upsertConversation(state: SupervisorPageState, row: ConversationBoardRow): SupervisorPageState {
  const known = state.conversations.find((c) => c.id === row.id);
  // Two writers of one chat may be heard out of order: the higher epoch is the newer.
  if (known && known.epoch > row.epoch) return state;
  const others = state.conversations.filter((c) => c.id !== row.id);
  const conversations = row.status === 'Closed' ? others : [...others, row].sort(byAttention);
  return { ...state, conversations };
}

/** The same length of window, ending at the rows' time. */
function movedWindow(window: SupervisorPageState['window'], asOf: string): SupervisorPageState['window'] {
  if (!window) return window;
  const length = Date.parse(window.to) - Date.parse(window.from);
  return { from: new Date(Date.parse(asOf) - length).toISOString(), to: asOf };
}

const byName = (a: AgentBoardRow, b: AgentBoardRow) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/** Chats that wait come first, the longest waiting at the top; then the others, the oldest first. */
function byAttention(a: ConversationBoardRow, b: ConversationBoardRow): number {
  const waitsA = a.status === 'Open' ? 0 : 1;
  const waitsB = b.status === 'Open' ? 0 : 1;
  if (waitsA !== waitsB) return waitsA - waitsB;
  const at = (c: ConversationBoardRow) => (c.status === 'Open' ? (c.enqueuedAt ?? c.createdAt) : (c.assignedAt ?? c.createdAt));
  return at(a).localeCompare(at(b)) || a.id.localeCompare(b.id);
}

// Selectors: what the screens compute from the state.

/** The status as the supervisor's board says it: an Open chat offered to an agent is "Offered". */
export const BOARD_STATUSES = ['Open', 'Offered', 'Active', 'Wrap-up', 'Waiting'] as const;
export type BoardStatus = (typeof BOARD_STATUSES)[number];

export function boardStatus(row: ConversationBoardRow): BoardStatus {
  switch (row.status) {
    case 'Open':
      return row.offeredTo ? 'Offered' : 'Open';
    case 'WrapUp':
      return 'Wrap-up';
    case 'Waiting':
      return 'Waiting';
    default:
      return 'Active';
  }
}

/** What the time column shows: how long an Open chat has waited, or how long an agent (or bot) has had it. */
export type ChatClock = { kind: 'wait' | 'handle'; seconds: number };

export function chatClock(row: ConversationBoardRow, nowMs: number): ChatClock | null {
  const since = (iso: string) => Math.max(0, (nowMs - Date.parse(iso)) / 1000);
  if (row.status === 'Open') return { kind: 'wait', seconds: since(row.enqueuedAt ?? row.createdAt) };
  if ((row.status === 'Active' || row.status === 'WrapUp') && row.assignedAt) return { kind: 'handle', seconds: since(row.assignedAt) };
  return null;
}

export interface ConversationFilters {
  queue?: string;
  status?: BoardStatus;
  /** The agent holding the chat, or offered it. */
  agentId?: string;
  /** Only chats that have waited at least this long (so Open ones). */
  minWaitSeconds?: number;
}

export function filterConversations(rows: readonly ConversationBoardRow[], filters: ConversationFilters, nowMs: number): ConversationBoardRow[] {
  return rows.filter((row) => {
    if (filters.queue && row.queue !== filters.queue) return false;
    if (filters.status && boardStatus(row) !== filters.status) return false;
    if (filters.agentId && row.assignee?.id !== filters.agentId && row.offeredTo !== filters.agentId) return false;
    if (filters.minWaitSeconds) {
      const clock = chatClock(row, nowMs);
      if (clock?.kind !== 'wait' || clock.seconds < filters.minWaitSeconds) return false;
    }
    return true;
  });
}

export const hasFilters = (filters: ConversationFilters) => Object.values(filters).some((v) => v !== undefined && v !== '' && v !== 0);

/** The supervisor's actions a chat allows now (the server says the same, with a 409). */
export function allowedActions(row: ConversationBoardRow) {
  return {
    /** D365: Open chats only; a live offer is withdrawn. */
    assign: row.status === 'Open',
    /** An Active chat an agent holds (a bot's chat moves by its own escalation). */
    transfer: row.status === 'Active' && row.assignee?.kind === 'agent',
    forceClose: row.status !== 'Closed',
    monitor: true,
  };
}

/** An agent as a choice of the Assign and Transfer dialogs: `unavailable` says why it cannot be picked. */
export interface AgentChoice {
  agent: AgentBoardRow;
  unavailable?: string;
}

export const HOLDS_IT = 'has this chat';

/** Any presence but Offline, with a free unit (the server refuses the rest); not the agent who holds the chat. */
export function agentChoices(agents: readonly AgentBoardRow[], holderId?: string): AgentChoice[] {
  return agents.map((agent) => {
    if (agent.id === holderId) return { agent, unavailable: HOLDS_IT };
    if (agent.presence === 'Offline') return { agent, unavailable: 'Offline' };
    if (agent.freeUnits <= 0) return { agent, unavailable: 'no free capacity' };
    return { agent };
  });
}

/** How long the queue's longest-waiting chat has waited, in seconds; null when nothing waits. */
export function longestWaitSeconds(queue: QueueBoardRow, nowMs: number): number | null {
  return queue.longestWaitSince ? Math.max(0, (nowMs - Date.parse(queue.longestWaitSince)) / 1000) : null;
}

/** The KPI window's length in whole hours (24 unless the server says otherwise). */
export function windowHours(state: SupervisorPageState): number {
  if (!state.window) return 24;
  return Math.round((Date.parse(state.window.to) - Date.parse(state.window.from)) / 3_600_000);
}
