import { declinesOf, freeUnits, rankCandidates, type Candidate, type ChatToAssign, type Ineligibility, type Ranking } from './assignment';
import type { AssignmentMethod } from './config';

/**
 * "Why this agent": what an assignment or offer considered, recorded with it. D365's diagnostics
 * give the criteria and the result; this adds each candidate's outcome, which D365 lacks
 * (reference/queue-experience.md §9.3). Bounded, since it is written into the conversation with
 * every assignment and offer: the first TRACED_CANDIDATES candidates in rank order, then counts
 * (at 20 the document of an assignment from a 1,000-agent queue was 3x its size without a trace).
 */
export const TRACED_CANDIDATES = 10;

export type CandidateOutcome =
  | { id: string; kind: 'bot' | 'agent'; outcome: 'chosen'; rank: number; key: string }
  /** Ranked above the chosen one, but its capacity or presence changed as it was being reserved. */
  | { id: string; kind: 'bot' | 'agent'; outcome: 'unavailable'; rank: number; key: string }
  | { id: string; kind: 'bot' | 'agent'; outcome: 'rankedLower'; rank: number; key: string }
  | { id: string; kind: 'bot' | 'agent'; outcome: 'excluded'; why: Ineligibility; detail: string };

export interface AssignmentTrace {
  method: AssignmentMethod;
  candidates: CandidateOutcome[];
  /** What is left out past the first TRACED_CANDIDATES. */
  omitted?: { ranked: number; excluded: Partial<Record<Ineligibility, number>> };
  /** The member who got the chat or the offer; null when nobody could. */
  chosen: string | null;
  /** When nobody was chosen, why, in one line. */
  why?: string;
}

/** Each method's ranking, in words: what decides between two candidates, first key first. */
export const RANKING_ORDER: Record<AssignmentMethod, string> = {
  highestCapacity: 'fewest declines of this chat, then most free capacity units (a bot counts as unlimited), then earliest last assignment',
  roundRobin: 'fewest declines of this chat, then bots, then longest since last assigned from this queue',
  leastActive: 'fewest declines of this chat, then bots, then longest since capacity was last released, then earliest last assignment',
};

/**
 * The trace of one dispatch decision over `candidates`: ranked as the dispatcher ranks them,
 * `chosen` the member who got the chat (or null), `unavailable` those tried before it who could
 * not be reserved.
 */
export function traceAssignment(
  method: AssignmentMethod,
  chat: ChatToAssign,
  candidates: readonly Candidate[],
  chosen: string | null,
  unavailable: readonly string[] = [],
  ranking: Ranking = rankCandidates(method, chat, candidates),
): AssignmentTrace {
  const { ranked, ineligible } = ranking;
  // Only the listed candidates are described: a queue of 1,000 agents would otherwise build 1,000 keys per chat.
  const listed = ranked.slice(0, TRACED_CANDIDATES);
  const chosenAt = chosen === null ? -1 : ranked.findIndex((c) => c.id === chosen);
  if (chosenAt >= TRACED_CANDIDATES) listed.push(ranked[chosenAt]!);
  const listedOutcomes: CandidateOutcome[] = listed.map((c): CandidateOutcome => {
    const rank = ranked.indexOf(c) + 1;
    const key = rankKey(method, chat, c);
    if (c.id === chosen) return { id: c.id, kind: c.kind, outcome: 'chosen', rank, key };
    if (unavailable.includes(c.id)) return { id: c.id, kind: c.kind, outcome: 'unavailable', rank, key };
    return { id: c.id, kind: c.kind, outcome: 'rankedLower', rank, key };
  });
  const room = Math.max(0, TRACED_CANDIDATES - listedOutcomes.length);
  if (room > 0) {
    const byId = new Map(candidates.map((c) => [c.id, c]));
    for (const { id, why } of ineligible.slice(0, room)) {
      const candidate = byId.get(id);
      listedOutcomes.push({ id, kind: candidate?.kind ?? 'agent', outcome: 'excluded', why, detail: candidate ? exclusionDetail(why, chat, candidate) : why });
    }
  }
  const trace: AssignmentTrace = { method, candidates: listedOutcomes, chosen };
  const rankedLeft = ranked.length - listed.length;
  const excludedLeft = ineligible.slice(room);
  if (rankedLeft + excludedLeft.length > 0) {
    const excluded: Partial<Record<Ineligibility, number>> = {};
    for (const { why } of excludedLeft) excluded[why] = (excluded[why] ?? 0) + 1;
    trace.omitted = { ranked: rankedLeft, excluded };
  }
  if (chosen === null) trace.why = nobodyWhy(ranked.length, ineligible);
  return trace;
}

/** The values that ranked the candidate, in the order the method compares them. */
function rankKey(method: AssignmentMethod, chat: ChatToAssign, c: Candidate): string {
  if (c.kind === 'bot') return 'bot: its capacity is never consumed';
  const declines = declinesOf(chat, c);
  const declined = declines > 0 ? `declined ${declines} ${declines === 1 ? 'time' : 'times'}; ` : '';
  const never = (t: string | null | undefined) => t ?? 'never';
  switch (method) {
    case 'highestCapacity':
      return `${declined}${freeUnits(c)} free units; last assigned ${never(c.state.lastAssignedAt)}`;
    case 'roundRobin':
      return `${declined}last assigned from ${chat.queue} ${never(Object.prototype.hasOwnProperty.call(c.state.lastAssignedAtByQueue, chat.queue) ? c.state.lastAssignedAtByQueue[chat.queue] : undefined)}`;
    case 'leastActive':
      return `${declined}capacity last released ${never(c.state.lastReleasedAt)}; last assigned ${never(c.state.lastAssignedAt)}`;
  }
}

function exclusionDetail(why: Ineligibility, chat: ChatToAssign, c: Candidate): string {
  if (c.kind === 'bot') return 'this bot escalated the chat: it never goes back to it';
  switch (why) {
    case 'presenceNotAllowed':
      return `presence ${c.state.presence}; the workstream allows ${chat.allowedPresences.join(', ')}`;
    case 'noFreeCapacity':
      return `${Math.max(0, freeUnits(c))} of ${c.capacity} units free; the chat takes ${chat.capacityUnits}`;
    case 'heldBackForHigherPriorityQueue':
      return `held for ${c.heldBackFor ?? 'a higher-priority queue'}, which has chats waiting`;
    case 'declineLimitReached':
      return `declined this chat ${declinesOf(chat, c)} times; the limit is ${chat.maxDeclinesPerAgent ?? 0}`;
    case 'alreadyHoldsChat':
      return 'already holds a reservation for this chat';
    case 'excludedBot':
      return 'this bot escalated the chat';
  }
}

function nobodyWhy(ranked: number, ineligible: readonly { why: Ineligibility }[]): string {
  if (ranked > 0) return 'every eligible member changed as it was being reserved; the next dispatch tries again';
  if (ineligible.length === 0) return 'the queue has no members';
  const counts = new Map<Ineligibility, number>();
  for (const { why } of ineligible) counts.set(why, (counts.get(why) ?? 0) + 1);
  return `no member can take it now: ${[...counts].map(([why, n]) => `${n} ${WHY_WORDS[why]}`).join(', ')}`;
}

const WHY_WORDS: Record<Ineligibility, string> = {
  excludedBot: 'escalated by the bot',
  presenceNotAllowed: 'in a presence that gets no chats',
  noFreeCapacity: 'without free capacity',
  alreadyHoldsChat: 'already holding it',
  heldBackForHigherPriorityQueue: 'held for a higher-priority queue',
  declineLimitReached: 'at the decline limit',
};
