import type { AgentSession, AgentState } from '../core/agent';
import { usedUnits } from '../core/agent';
import { RANKING_ORDER } from '../core/assignmentTrace';
import { PRESENCES, type AgentUser, type Presence } from '../core/config';
import type { Conversation, HistoryEntry } from '../core/conversation';
import { agentScope } from '../core/feed';
import { ApiError } from '../http/apiError';
import { BoundedMap } from '../adapters/boundedMap';
import { requestDispatchForMember } from './agentCapacity';
import { listAgentConversations } from './agentDesk';
import { listOffers } from './agentOffers';
import { getAgentState, readAgentState, updateAgentState } from './agentStates';
import type { Services } from './services';

/**
 * The agent workspace page's own routes: the snapshot it starts from, its sign-in and sign-out (which
 * set presence), the sightings that keep a signed-in agent present, and the customer sidebar.
 */

/** A tab's session id: random, chosen by the page. */
const SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** How often one process writes that a tab is still there: well inside offlineAfterSeconds (at least 30). */
const SEEN_EVERY_MS = 15_000;
/** How many earlier chats of the customer the sidebar lists. */
const PREVIOUS_CHATS = 10;

/** GET /api/agents/{agentId}/workspace: everything the page shows at first, and the cursor its stream resumes from. */
export async function workspaceSnapshot(s: Services, agent: AgentUser) {
  // The cursor is read before the state: an event between the two is replayed, never missed (the page applies it again).
  const { head } = await s.feed.read(agentScope(agent.id), { after: 0, limit: 1 });
  const [state, offers, conversations] = await Promise.all([readAgentState(s, agent), listOffers(s, agent), listAgentConversations(s, agent)]);
  return {
    agent: { id: agent.id, name: agent.name, presence: state.presence, presenceSince: state.presenceSince ?? state.updatedAt, capacity: agent.capacity, usedUnits: usedUnits(state) },
    presences: [...PRESENCES],
    queues: s.config.queues.map((q) => ({ name: q.name })),
    quickReplies: Object.fromEntries(s.config.workstreams.map((w) => [w.name, w.quickReplies ?? []])),
    offers,
    conversations,
    cursor: String(head),
  };
}

export function checkSessionId(sessionId: string): string {
  if (!SESSION_ID.test(sessionId)) throw new ApiError('InvalidBody', 'sessionId: expected 8 to 64 letters, digits, - or _ (a random id per tab)');
  return sessionId;
}

function liveSessions(state: AgentState, at: string, offlineAfterSeconds: number): AgentSession[] {
  const since = Date.parse(at) - offlineAfterSeconds * 1000;
  return (state.sessions ?? []).filter((session) => Date.parse(session.seenAt) > since);
}

/**
 * A tab signs in: the agent takes its configured starting presence unless another tab is already
 * signed in (a second window changes nothing).
 */
export async function signIn(s: Services, agent: AgentUser, sessionId: string): Promise<{ presence: Presence }> {
  const at = s.clock.now().toISOString();
  const offlineAfter = s.config.agentWorkspace.offlineAfterSeconds;
  const { state, changed } = await updateAgentState(s, agent, (current) => {
    const others = liveSessions(current, at, offlineAfter).filter((session) => session.id !== sessionId);
    const presence = others.length === 0 ? agent.presence : current.presence;
    return { ...current, presence, sessions: [...others, { id: sessionId, seenAt: at }], updatedAt: at };
  });
  await afterPresenceChange(s, agent, changed ? state.value.presence : undefined, 'signIn');
  return { presence: state.value.presence };
}

/** A tab signs out: once no other tab is signed in, the agent is Offline at once (no chat goes to a closed workspace). */
export async function signOut(s: Services, agent: AgentUser, sessionId: string): Promise<{ presence: Presence }> {
  const at = s.clock.now().toISOString();
  const offlineAfter = s.config.agentWorkspace.offlineAfterSeconds;
  const before = (await getAgentState(s, agent)).value.presence;
  const { state } = await updateAgentState(s, agent, (current) => {
    const others = liveSessions(current, at, offlineAfter).filter((session) => session.id !== sessionId);
    if (others.length === (current.sessions ?? []).length && others.length > 0) return undefined;
    return { ...current, presence: others.length === 0 ? 'Offline' : current.presence, sessions: others, updatedAt: at };
  });
  await afterPresenceChange(s, agent, state.value.presence !== before ? state.value.presence : undefined, 'signOut');
  return { presence: state.value.presence };
}

/** Per process: when each tab was last written as seen, so a stream's every poll is not a write. */
const lastWritten = new BoundedMap<string, number>(10_000);

/**
 * A tab's stream or poll says it is still there. Written at most every SEEN_EVERY_MS per tab and
 * process. A tab the sweep already signed out (it was away too long) is signed in again, without
 * changing the presence the sweep left (Offline): the agent chooses to be Available again.
 */
export async function markWorkspaceSeen(s: Services, agent: AgentUser, sessionId: string | undefined): Promise<void> {
  if (sessionId === undefined || !SESSION_ID.test(sessionId)) return;
  const key = `${agent.id}/${sessionId}`;
  const now = s.clock.now();
  if (now.getTime() - (lastWritten.get(key) ?? 0) < SEEN_EVERY_MS) return;
  lastWritten.set(key, now.getTime());
  const at = now.toISOString();
  await updateAgentState(s, agent, (current) => {
    const others = (current.sessions ?? []).filter((session) => session.id !== sessionId);
    return { ...current, sessions: [...others, { id: sessionId, seenAt: at }], updatedAt: at };
  });
}

/**
 * The sweep's part: an agent who signed in to the workspace and none of whose tabs was seen for
 * offlineAfterSeconds closed them all (or lost the network): Offline, so chats stop going there.
 * Agents who never signed in through the workspace (API clients) have no sessions and are left alone.
 */
export async function setAbsentAgentsOffline(s: Services): Promise<number> {
  const at = s.clock.now().toISOString();
  const offlineAfter = s.config.agentWorkspace.offlineAfterSeconds;
  let count = 0;
  for (const { value: listed } of await s.agents.list()) {
    const agent = s.directory.agent(listed.id);
    if (!agent || !listed.sessions?.length || liveSessions(listed, at, offlineAfter).length > 0) continue;
    const { changed } = await updateAgentState(s, agent, (current) => {
      if (!current.sessions?.length || liveSessions(current, at, offlineAfter).length > 0) return undefined;
      return { ...current, presence: 'Offline', sessions: [], updatedAt: at };
    });
    if (changed) {
      count++;
      s.telemetry.trackEvent('PresenceChanged', { agent: agent.id, presence: 'Offline', reason: 'workspaceGone' });
    }
  }
  return count;
}

async function afterPresenceChange(s: Services, agent: AgentUser, presence: Presence | undefined, reason: string): Promise<void> {
  if (presence === undefined) return;
  s.telemetry.trackEvent('PresenceChanged', { agent: agent.id, presence, reason });
  await requestDispatchForMember(s, agent.id, `presence:${s.ids.newId()}`);
}

/**
 * GET /api/agents/{agentId}/conversations/{id}: the customer sidebar, for the agent holding the chat
 * (Active or Wrap-up) or offered it: who the customer is, what they and the bot said about the chat,
 * how it got here and why this agent, and the customer's earlier chats.
 */
export async function conversationDetails(s: Services, agent: AgentUser, conversationId: string) {
  const found = await s.conversations.get(conversationId);
  if (!found) throw new ApiError('NotFound', `conversation ${conversationId} does not exist`);
  const c = found.value;
  const holds = c.assignee?.kind === 'agent' && c.assignee.id === agent.id && (c.status === 'Active' || c.status === 'WrapUp');
  const offered = c.status === 'Open' && c.offer?.agentId === agent.id;
  if (!holds && !offered) throw new ApiError('Forbidden', `conversation ${conversationId} is neither held by nor offered to agent ${agent.id}`);
  const previous = await s.conversations.listByCustomer(c.customer.id, { limit: PREVIOUS_CHATS + 1 });
  return {
    id: c.id,
    status: c.status,
    statusReason: c.statusReason,
    workstream: c.workstream,
    channel: c.channel,
    ...(c.site ? { site: c.site } : {}),
    queue: c.queue,
    customer: c.customer,
    ...(c.locale ? { locale: c.locale } : {}),
    context: contextOf(s, c),
    escalationSummary: c.escalationSummary,
    createdAt: c.createdAt,
    enqueuedAt: c.enqueuedAt,
    assignedAt: c.assignedAt,
    waitedSeconds: waitedSeconds(c),
    routing: c.history.flatMap((entry) => routingStep(s, entry)),
    previous: previous
      .map((p) => p.value)
      .filter((p) => p.id !== c.id)
      .slice(0, PREVIOUS_CHATS)
      .map((p) => ({ id: p.id, createdAt: p.createdAt, closedAt: p.closedAt, status: p.status, statusReason: p.statusReason, queue: p.queue, agent: lastAgentOf(p) })),
  };
}

/** Each context variable with who may set it (customer: a pre-chat answer); undeclared ones (a bot's) say null. */
function contextOf(s: Services, c: Conversation) {
  const declared = new Map((s.directory.workstream(c.workstream)?.contextVariables ?? []).map((v) => [v.name, v.setBy ?? ['bot']]));
  return Object.entries(c.context).map(([name, value]) => ({ name, value, setBy: declared.get(name) ?? null }));
}

/** From entering the queue (the escalation, for a bot's chat) to the agent: how long the customer waited. */
function waitedSeconds(c: Conversation): number | null {
  const assigned = [...c.history].reverse().find((h) => h.type === 'assigned' && h.assignee.kind === 'agent');
  return assigned?.type === 'assigned' ? Math.round(assigned.waitedMs / 1000) : null;
}

function lastAgentOf(c: Conversation): string | null {
  const assigned = [...c.history].reverse().find((h) => h.type === 'assigned' && h.assignee.kind === 'agent');
  return assigned?.type === 'assigned' ? assigned.assignee.id : null;
}

/** One step of how the chat got here, for the sidebar: each says what happened and, where it can, why. */
interface RoutingStep {
  at: string;
  type: HistoryEntry['type'];
  queue?: string;
  rule?: string | null;
  reason?: string;
  why?: string | null;
  assignee?: { id: string; kind: 'bot' | 'agent'; name: string };
  agentId?: string;
  botId?: string;
  context?: Conversation['context'];
}

/** A history entry as the sidebar's routing history shows it; entries that are not routing (status changes) are left out. */
function routingStep(s: Services, h: HistoryEntry): RoutingStep[] {
  switch (h.type) {
    case 'routed':
      return [{ at: h.at, type: h.type, queue: h.queue, rule: h.rule, reason: h.reason, why: h.why ?? (h.rule ? `rule ${h.rule} matched` : 'no rule matched: the fallback queue') }];
    case 'unroutable':
      return [{ at: h.at, type: h.type, queue: h.queue, rule: h.rule, reason: h.reason, why: h.why }];
    case 'assigned':
    case 'offered': {
      const assignee = h.type === 'assigned' ? h.assignee : { id: h.agentId, kind: 'agent' as const };
      const name = s.directory.user(assignee.id)?.name ?? assignee.id;
      return [{ at: h.at, type: h.type, queue: h.queue, assignee: { ...assignee, name }, why: whyChosen(h.trace) }];
    }
    case 'offerAccepted':
    case 'offerRejected':
    case 'offerExpired':
    case 'offerWithdrawn':
    case 'transferred':
      return [{ at: h.at, type: h.type, agentId: h.agentId, ...('queue' in h ? { queue: h.queue } : {}) }];
    case 'escalated':
      return [{ at: h.at, type: h.type, botId: h.botId, context: h.context }];
    default:
      return [];
  }
}

/** "Why this agent", in words, from the assignment's trace. */
function whyChosen(trace: Extract<HistoryEntry, { type: 'assigned' }>['trace']): string | null {
  if (!trace) return null;
  const chosen = trace.candidates.find((c) => c.outcome === 'chosen');
  const ranked = trace.candidates.filter((c) => c.outcome !== 'excluded').length + (trace.omitted?.ranked ?? 0);
  const excluded = trace.candidates.filter((c) => c.outcome === 'excluded').length;
  const ranking = `${trace.method}: ${RANKING_ORDER[trace.method]}`;
  if (!chosen || chosen.outcome !== 'chosen') return trace.why ?? ranking;
  return `Ranked ${chosen.rank} of ${ranked} eligible (${excluded} not eligible) by ${ranking}.`;
}
