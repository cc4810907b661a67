import type { AssignmentMethod, Presence } from './config';
import { usedUnits, type AgentState, type Reservation } from './agent';

/**
 * Who may take a waiting chat, in which order, and the capacity bookkeeping of taking and
 * giving one back. Pure: times come in as ISO strings (same format, so they compare lexically).
 *
 * Bots and agents are ranked together by the queue's method. A bot's capacity is never consumed
 * (Omnichannel §4.1) and Switchboard keeps no assignment history for bots, so:
 * - highestCapacity: a bot counts as having infinite free units, so it outranks every agent
 *   (Omnichannel advises giving the bot a higher capacity than all agents for exactly this);
 * - roundRobin and leastActive: a bot has no history, so bots come before agents, in memberIndex order.
 * In every method bots therefore go first; a queue that should reach a human first must not list a bot.
 */

/** One possible assignee of a chat, as the dispatcher sees it. */
export type Candidate =
  | { kind: 'bot'; id: string; memberIndex: number }
  | {
    kind: 'agent'; id: string; memberIndex: number; capacity: number; state: AgentState;
    /** A higher-priority queue this agent also serves has chats waiting: it gets the agent first. */
    heldBackFor?: string;
  };
export type BotCandidate = Extract<Candidate, { kind: 'bot' }>;
export type AgentCandidate = Extract<Candidate, { kind: 'agent' }>;

export interface ChatToAssign {
  conversationId: string;
  queue: string;
  capacityUnits: number;
  allowedPresences: readonly Presence[];
  /** Bots that escalated this chat: it never goes back to them. */
  excludedBots: readonly string[];
  /** How many times each agent declined (rejected or missed) this chat's offers. */
  declines?: Readonly<Record<string, number>>;
  /** An agent who declined this many times is not offered the chat again. */
  maxDeclinesPerAgent?: number;
}

export type Ineligibility =
  | 'excludedBot' | 'presenceNotAllowed' | 'noFreeCapacity' | 'alreadyHoldsChat' | 'heldBackForHigherPriorityQueue' | 'declineLimitReached';

type Order = (a: Candidate, b: Candidate, chat: ChatToAssign) => number;

export interface Ranking {
  ranked: Candidate[];
  ineligible: { id: string; why: Ineligibility }[];
}

/** Candidates who may take the chat, best first, by the queue's method; and why the others may not. */
export function rankCandidates(method: AssignmentMethod, chat: ChatToAssign, candidates: readonly Candidate[]): Ranking {
  const eligible: Candidate[] = [];
  const ineligible: { id: string; why: Ineligibility }[] = [];
  for (const candidate of candidates) {
    const why = ineligibility(chat, candidate);
    if (why === null) eligible.push(candidate);
    else ineligible.push({ id: candidate.id, why });
  }
  const order = ORDERS[method];
  // An agent who declined the chat is offered it again only when nobody else qualifies.
  const ranked = eligible.sort((a, b) => declinesOf(chat, a) - declinesOf(chat, b) || order(a, b, chat) || byMemberIndex(a, b));
  return { ranked, ineligible };
}

export function declinesOf(chat: ChatToAssign, candidate: Candidate): number {
  if (candidate.kind === 'bot' || !chat.declines || !Object.prototype.hasOwnProperty.call(chat.declines, candidate.id)) return 0;
  return chat.declines[candidate.id] ?? 0;
}

/** Why a candidate may not take the chat, or null when it may. */
function ineligibility(chat: ChatToAssign, candidate: Candidate): Ineligibility | null {
  if (candidate.kind === 'bot') return chat.excludedBots.includes(candidate.id) ? 'excludedBot' : null;
  if (candidate.state.reservations.some((r) => r.conversationId === chat.conversationId)) return 'alreadyHoldsChat';
  if (chat.maxDeclinesPerAgent !== undefined && declinesOf(chat, candidate) >= chat.maxDeclinesPerAgent) return 'declineLimitReached';
  if (!chat.allowedPresences.includes(candidate.state.presence)) return 'presenceNotAllowed';
  if (freeUnits(candidate) < chat.capacityUnits) return 'noFreeCapacity';
  if (candidate.heldBackFor !== undefined) return 'heldBackForHigherPriorityQueue';
  return null;
}

/** Units the agent can still take: capacity minus what its reservations hold (negative when over). */
export function freeUnits(candidate: AgentCandidate): number {
  return candidate.capacity - usedUnits(candidate.state);
}

/** Highest capacity: most free units first (a bot's are infinite); ties by the earliest last assignment. */
function byHighestCapacity(a: Candidate, b: Candidate): number {
  const free = (c: Candidate): number => (c.kind === 'bot' ? Infinity : freeUnits(c));
  const diff = free(b) - free(a);
  if (diff !== 0 && !Number.isNaN(diff)) return diff;
  return byTime(lastAssigned(a), lastAssigned(b));
}

/** Round robin, kept per queue: whoever was assigned from this queue longest ago (or never) goes next. */
function byRoundRobin(a: Candidate, b: Candidate, chat: ChatToAssign): number {
  return byBotFirst(a, b) || byTime(lastAssignedIn(a, chat.queue), lastAssignedIn(b, chat.queue));
}

/** Least active: whoever released capacity longest ago (or never) goes next; ties by the earliest last assignment. */
function byLeastActive(a: Candidate, b: Candidate): number {
  return byBotFirst(a, b) || byTime(lastReleased(a), lastReleased(b)) || byTime(lastAssigned(a), lastAssigned(b));
}

const ORDERS: Record<AssignmentMethod, Order> = {
  highestCapacity: byHighestCapacity,
  roundRobin: byRoundRobin,
  leastActive: byLeastActive,
};

/** The last tie-break: the order members were added to the queue, then id, so equal inputs give one order. */
function byMemberIndex(a: Candidate, b: Candidate): number {
  return a.memberIndex - b.memberIndex || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function byBotFirst(a: Candidate, b: Candidate): number {
  return (a.kind === 'bot' ? 0 : 1) - (b.kind === 'bot' ? 0 : 1);
}

/** Earlier first; a missing time means "never" and comes before every time. */
function byTime(a: string | null | undefined, b: string | null | undefined): number {
  if (a == null) return b == null ? 0 : -1;
  if (b == null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function lastAssigned(c: Candidate): string | null {
  return c.kind === 'bot' ? null : c.state.lastAssignedAt;
}

function lastAssignedIn(c: Candidate, queue: string): string | undefined {
  return c.kind === 'bot' ? undefined : queueTime(c.state, queue);
}

/** The agent's last assignment from that queue; own keys only, so a queue named "constructor" is safe. */
function queueTime(state: AgentState, queue: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(state.lastAssignedAtByQueue, queue) ? state.lastAssignedAtByQueue[queue] : undefined;
}

function lastReleased(c: Candidate): string | null {
  return c.kind === 'bot' ? null : c.state.lastReleasedAt;
}

/**
 * Reserves the chat's units on the agent. Idempotent: a reservation already held for the
 * conversation is ok with alreadyHeld and the state unchanged. Never lets usedUnits exceed capacity.
 */
export function reserve(
  state: AgentState,
  chat: { conversationId: string; queue: string; units: number },
  capacity: number,
  at: string,
): { ok: true; state: AgentState; alreadyHeld: boolean } | { ok: false; why: 'noFreeCapacity' } {
  if (!Number.isFinite(chat.units) || chat.units < 0) {
    throw new RangeError(`A finite number of units >= 0 was expected instead of ${String(chat.units)}`);
  }
  if (state.reservations.some((r) => r.conversationId === chat.conversationId)) {
    return { ok: true, state: copyState(state), alreadyHeld: true };
  }
  if (usedUnits(state) + chat.units > capacity) return { ok: false, why: 'noFreeCapacity' };
  const next: AgentState = {
    ...copyState(state),
    reservations: [...state.reservations.map((r) => ({ ...r })), { conversationId: chat.conversationId, queue: chat.queue, units: chat.units, at }],
    lastAssignedAt: latest(state.lastAssignedAt, at),
    lastAssignedAtByQueue: { ...state.lastAssignedAtByQueue, [chat.queue]: latest(queueTime(state, chat.queue) ?? null, at) },
    updatedAt: at,
  };
  return { ok: true, state: next, alreadyHeld: false };
}

/**
 * Gives back the conversation's units. Idempotent: releasing what is not held changes nothing.
 * `which` narrows it to one reservation (e.g. the one a dispatcher made at a given time), so a
 * late release cannot take away a newer reservation of the same chat made by someone else.
 */
export function release(
  state: AgentState,
  conversationId: string,
  at: string,
  which: (reservation: Reservation) => boolean = () => true,
): { state: AgentState; released: boolean } {
  const matches = (r: Reservation) => r.conversationId === conversationId && which(r);
  if (!state.reservations.some(matches)) return { state: copyState(state), released: false };
  const next: AgentState = {
    ...copyState(state),
    reservations: state.reservations.filter((r) => !matches(r)).map((r) => ({ ...r })),
    lastReleasedAt: latest(state.lastReleasedAt, at),
    updatedAt: at,
  };
  return { state: next, released: true };
}

function copyState(state: AgentState): AgentState {
  return {
    ...state,
    reservations: state.reservations.map((r) => ({ ...r })),
    lastAssignedAtByQueue: { ...state.lastAssignedAtByQueue },
  };
}

/** The later of two times: a late-arriving older time (clock skew between workers) never moves history back. */
function latest(previous: string | null, at: string): string {
  return previous !== null && previous > at ? previous : at;
}
