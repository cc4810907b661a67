import type { AgentEvent, ConversationRow, Message, MessagePage, Offer, Presence, QueueTarget, QuickReply, Workspace } from './contract';

/**
 * The one store the agent workspace's screens read: the snapshot (GET …/workspace), then every stream
 * event applied on top, plus what only this tab knows (the chat on screen, unread counts, messages on
 * their way). A pure reducer, so tests drive it without a browser (test/pages/agentStore.test.ts); the
 * supervisor page's store is its twin over the supervisor's events.
 */

/** A line of the transcript as the page shows it: the server's, or the agent's own on its way. */
export interface ShownMessage extends Message {
  /** Sent by this tab, its echo not yet on the stream. */
  pending?: boolean;
  /** Why sending it failed (the server's message). */
  failed?: string;
}

export interface Transcript {
  messages: ShownMessage[];
  /** Whether the pages of GET …/messages were read (until then the stream's lines are all there is). */
  loaded: boolean;
}

/** Something to tell the agent once (a toast): `seq` tells one from the next with the same words. */
export interface Notice {
  seq: number;
  text: string;
  intent: 'info' | 'warning';
}

export interface AgentPageState {
  agent: Workspace['agent'] | null;
  presences: Presence[];
  queues: QueueTarget[];
  quickReplies: Record<string, QuickReply[]>;
  /** Live offers, oldest first. */
  offers: Offer[];
  /** Held chats (Active, Wrap-up), in the order they came. */
  conversations: ConversationRow[];
  transcripts: Record<string, Transcript>;
  /** Customer lines the agent has not seen, per chat. */
  unread: Record<string, number>;
  /** When the customer last typed, per chat (ISO). */
  typing: Record<string, string>;
  selectedId: string | null;
  /** Whether the tab is on screen: a line for the chat on screen counts as unread while it is not. */
  visible: boolean;
  /** Chats that left the agent (transferred, closed): the lines that trail their removal (its notice) are not kept. */
  left: Record<string, true>;
  notice: Notice | null;
}

export const initialAgentState: AgentPageState = {
  agent: null, presences: [], queues: [], quickReplies: {}, offers: [], conversations: [],
  transcripts: {}, unread: {}, typing: {}, selectedId: null, visible: true, notice: null, left: {},
};

export type AgentAction =
  | { type: 'snapshot'; workspace: Workspace }
  | { type: 'event'; event: AgentEvent }
  | { type: 'select'; conversationId: string | null }
  /** Alt+↑ / Alt+↓: the previous or next chat of the list, wrapping around. */
  | { type: 'selectNext'; step: 1 | -1 }
  | { type: 'visibility'; visible: boolean }
  | { type: 'transcriptLoaded'; conversationId: string; pages: MessagePage[] }
  | { type: 'sending'; conversationId: string; message: Message }
  | { type: 'sendFailed'; conversationId: string; messageId: string; reason: string }
  | { type: 'presenceChanged'; presence: Presence; since?: string }
  /**
   * An answered offer, as the answer said (the stream's offerEnded may come later, or first). By when it was
   * made: the chat offered again (after a Reject) while the answer was on its way is another offer, and stays.
   */
  | { type: 'offerAnswered'; conversationId: string; offeredAt: string; notice?: string }
  /** GET …/conversations, read because a line came for a chat the list lacks: the chats the page has lines of join it. */
  | { type: 'conversationsListed'; conversations: ConversationRow[] };

export function agentReducer(state: AgentPageState, action: AgentAction): AgentPageState {
  switch (action.type) {
    case 'snapshot':
      return applySnapshot(state, action.workspace);
    case 'event':
      return applyEvent(state, action.event);
    case 'select':
      return select(state, action.conversationId);
    case 'selectNext':
      return selectNext(state, action.step);
    case 'visibility':
      return action.visible && state.selectedId ? { ...state, visible: true, unread: without(state.unread, state.selectedId) } : { ...state, visible: action.visible };
    case 'transcriptLoaded':
      return loadTranscript(state, action.conversationId, action.pages);
    case 'sending':
      return withLine(state, action.conversationId, { ...action.message, pending: true });
    case 'sendFailed':
      return markFailed(state, action.conversationId, action.messageId, action.reason);
    case 'presenceChanged':
      return state.agent ? { ...state, agent: { ...state.agent, presence: action.presence, presenceSince: action.since ?? state.agent.presenceSince } } : state;
    case 'offerAnswered': {
      const offers = state.offers.filter((o) => o.conversationId !== action.conversationId || o.offeredAt !== action.offeredAt);
      return withNotice({ ...state, offers }, action.notice, 'warning');
    }
    case 'conversationsListed':
      return action.conversations.filter((row) => isOrphan(state, row.id)).reduce(upsertConversation, state);
  }
}

function applySnapshot(state: AgentPageState, workspace: Workspace): AgentPageState {
  const held = new Set(workspace.conversations.map((c) => c.id));
  const keep = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([id]) => held.has(id)));
  const selectedId = state.selectedId && held.has(state.selectedId) ? state.selectedId : (workspace.conversations[0]?.id ?? null);
  return {
    ...state,
    agent: workspace.agent,
    presences: workspace.presences,
    queues: workspace.queues,
    quickReplies: workspace.quickReplies,
    offers: [...workspace.offers].sort(byOfferedAt),
    conversations: workspace.conversations,
    // A transcript read before may have missed lines while the stream was away: read again when shown.
    transcripts: Object.fromEntries(Object.entries(keep(state.transcripts)).map(([id, t]) => [id, { ...t, loaded: false }])),
    unread: keep(state.unread),
    typing: keep(state.typing),
    left: Object.fromEntries(Object.entries(state.left).filter(([id]) => !held.has(id))),
    selectedId,
  };
}

function applyEvent(state: AgentPageState, event: AgentEvent): AgentPageState {
  switch (event.type) {
    case 'presence':
      return agentReducer(state, { type: 'presenceChanged', presence: event.data.presence, since: event.data.since });
    case 'offer': {
      const offers = [...state.offers.filter((o) => o.conversationId !== event.data.conversationId), event.data].sort(byOfferedAt);
      return { ...state, offers };
    }
    case 'offerEnded': {
      const ended = state.offers.find((o) => o.conversationId === event.data.conversationId);
      const offers = state.offers.filter((o) => o.conversationId !== event.data.conversationId);
      const why = OFFER_ENDED[event.data.outcome];
      return withNotice({ ...state, offers }, ended && why ? `The chat with ${ended.customer.name} ${why}.` : undefined, 'warning');
    }
    case 'conversation':
      return upsertConversation(state, event.data);
    case 'conversationRemoved':
      return removeConversation(state, event.data.conversationId, event.data.reason, event.data.statusReason);
    case 'message':
      return receiveLine(state, event.data.conversationId, event.data.message);
    case 'typing':
      return { ...state, typing: { ...state.typing, [event.data.conversationId]: event.data.at } };
    case 'reset':
      // The live stream's hook reads the snapshot again; nothing here is trusted less than before.
      return state;
  }
}

/** Offers that ended without the agent's answer; the agent's own answers need no toast. */
const OFFER_ENDED: Partial<Record<string, string>> = {
  expired: 'expired',
  withdrawn: 'was withdrawn: the customer left or the chat moved on',
};

function upsertConversation(state: AgentPageState, row: ConversationRow): AgentPageState {
  const known = state.conversations.some((c) => c.id === row.id);
  const conversations = known ? state.conversations.map((c) => (c.id === row.id ? row : c)) : [...state.conversations, row];
  // A chat that just became the agent's is opened when none is (the agent accepted it, or it was assigned).
  const selectedId = known ? state.selectedId : (state.selectedId ?? row.id);
  const offers = state.offers.filter((o) => o.conversationId !== row.id);
  return { ...state, conversations, offers, selectedId, left: without(state.left, row.id) };
}

const REMOVED: Partial<Record<string, string>> = {
  transferred: 'was transferred',
  closed: 'is closed',
  reassigned: 'was given to another agent',
};

function removeConversation(state: AgentPageState, conversationId: string, reason: string, statusReason?: string): AgentPageState {
  const gone = state.conversations.find((c) => c.id === conversationId);
  if (!gone) return state;
  const conversations = state.conversations.filter((c) => c.id !== conversationId);
  const selectedId = state.selectedId === conversationId ? null : state.selectedId;
  const next = {
    ...state,
    conversations,
    selectedId,
    transcripts: without(state.transcripts, conversationId),
    unread: without(state.unread, conversationId),
    typing: without(state.typing, conversationId),
    left: { ...state.left, [conversationId]: true as const },
  };
  // The agent's own Close (from wrap-up) needs no toast; anything else happened to the agent (a supervisor's force close).
  if (reason === 'closed' && gone.status === 'WrapUp') return next;
  const what = reason === 'closed' && statusReason === 'ForceClosedBySupervisor' ? 'was closed by a supervisor' : (REMOVED[reason] ?? `ended (${reason})`);
  return withNotice(next, `The chat with ${gone.customer.name} ${what}.`, 'info');
}

/**
 * A chat the page has stream lines of but no row for: its line came before the `conversation` event that
 * makes it the agent's (another writer appended first). A chat removed since has no transcript left, so
 * a list read before its removal does not bring it back.
 */
function isOrphan(state: AgentPageState, conversationId: string): boolean {
  return conversationId in state.transcripts && !state.conversations.some((c) => c.id === conversationId);
}

/** Whether a line of this chat would be an orphan: the chat is neither on the list nor one that left it. */
export function isUnknownChat(state: AgentPageState, conversationId: string): boolean {
  return !(conversationId in state.left) && !state.conversations.some((c) => c.id === conversationId);
}

/** A line from the stream: into its transcript (replacing this tab's pending copy), the list's last line, and the unread count. */
function receiveLine(state: AgentPageState, conversationId: string, message: Message): AgentPageState {
  if (conversationId in state.left) return state;
  const seen = state.transcripts[conversationId]?.messages.some((m) => m.id === message.id && !m.pending) ?? false;
  let next = withLine(state, conversationId, message);
  next = {
    ...next,
    conversations: next.conversations.map((c) => (c.id === conversationId && !seen ? {
      ...c,
      messageCount: c.messageCount + 1,
      lastMessage: { id: message.id, role: message.role, text: message.text, timestamp: message.timestamp },
    } : c)),
  };
  if (message.role === 'customer') next = { ...next, typing: without(next.typing, conversationId) };
  const onScreen = state.selectedId === conversationId && state.visible;
  if (!seen && message.role === 'customer' && !onScreen) next = { ...next, unread: { ...next.unread, [conversationId]: (next.unread[conversationId] ?? 0) + 1 } };
  return next;
}

function withLine(state: AgentPageState, conversationId: string, message: ShownMessage): AgentPageState {
  const transcript = state.transcripts[conversationId] ?? { messages: [], loaded: false };
  const at = transcript.messages.findIndex((m) => m.id === message.id);
  const messages = at === -1 ? [...transcript.messages, message] : transcript.messages.map((m, i) => (i === at ? message : m));
  return { ...state, transcripts: { ...state.transcripts, [conversationId]: { ...transcript, messages } } };
}

function markFailed(state: AgentPageState, conversationId: string, messageId: string, reason: string): AgentPageState {
  const transcript = state.transcripts[conversationId];
  if (!transcript) return state;
  const messages = transcript.messages.map((m) => (m.id === messageId && m.pending ? { ...m, pending: false, failed: reason } : m));
  return { ...state, transcripts: { ...state.transcripts, [conversationId]: { ...transcript, messages } } };
}

/**
 * The transcript's pages, read when the chat is shown; lines the stream brought meanwhile (and this tab's
 * own still on their way) stay, after the pages, unless the pages hold them already.
 */
function loadTranscript(state: AgentPageState, conversationId: string, pages: MessagePage[]): AgentPageState {
  const known = state.transcripts[conversationId]?.messages ?? [];
  // The pages carry no author; the stream's copy of a line does (whose agent line it is).
  const authors = new Map(known.flatMap((m) => (m.authorId ? [[m.id, m.authorId] as const] : [])));
  const read = pages.flatMap((p) => p.messages).map((m) => (m.authorId || !authors.has(m.id) ? m : { ...m, authorId: authors.get(m.id) }));
  const ids = new Set(read.map((m) => m.id));
  const extra = known.filter((m) => !ids.has(m.id));
  const typingAt = pages.at(-1)?.customerTypingAt;
  const typing = typingAt ? { ...state.typing, [conversationId]: typingAt } : state.typing;
  return { ...state, typing, transcripts: { ...state.transcripts, [conversationId]: { messages: [...read, ...extra], loaded: true } } };
}

function select(state: AgentPageState, conversationId: string | null): AgentPageState {
  return { ...state, selectedId: conversationId, unread: conversationId ? without(state.unread, conversationId) : state.unread };
}

function selectNext(state: AgentPageState, step: 1 | -1): AgentPageState {
  const ids = state.conversations.map((c) => c.id);
  if (ids.length === 0) return state;
  const at = state.selectedId === null ? -1 : ids.indexOf(state.selectedId);
  const next = at === -1 ? (step === 1 ? 0 : ids.length - 1) : (at + step + ids.length) % ids.length;
  return select(state, ids[next] ?? null);
}

function withNotice(state: AgentPageState, text: string | undefined, intent: Notice['intent']): AgentPageState {
  return text ? { ...state, notice: { seq: (state.notice?.seq ?? 0) + 1, text, intent } } : state;
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}

const byOfferedAt = (a: Offer, b: Offer) => (a.offeredAt < b.offeredAt ? -1 : a.offeredAt > b.offeredAt ? 1 : 0);

// Selectors: what the screens compute from the state.

/** What waits for the agent: unread customer lines and live offers; the tab's title shows it. */
export function attentionCount(state: AgentPageState): number {
  return Object.values(state.unread).reduce((sum, n) => sum + n, 0) + state.offers.length;
}

export function selectedConversation(state: AgentPageState): ConversationRow | undefined {
  return state.conversations.find((c) => c.id === state.selectedId);
}

/** The workstream's quick replies whose title or text holds what follows the `/`, case-insensitive. */
export function matchingQuickReplies(state: AgentPageState, workstream: string, filter: string): QuickReply[] {
  const wanted = filter.trim().toLowerCase();
  return (state.quickReplies[workstream] ?? []).filter((r) => !wanted || r.title.toLowerCase().includes(wanted) || r.text.toLowerCase().includes(wanted));
}

/** Whether the customer typed within the last few seconds (the typing indicator's window). */
export const TYPING_SHOWN_FOR_MS = 6_000;

export function customerIsTyping(state: AgentPageState, conversationId: string, nowMs: number): boolean {
  const at = state.typing[conversationId];
  return at !== undefined && nowMs - Date.parse(at) < TYPING_SHOWN_FOR_MS;
}
