import { rankCandidates, type AgentCandidate, type ChatToAssign } from '../../shared/core/assignment';
import { TRACED_CANDIDATES, traceAssignment } from '../../shared/core/assignmentTrace';
import type { AgentState } from '../../shared/core/agent';

/** Declines, hold-back and the "why this agent" trace of shared/core/assignment.ts and assignmentTrace.ts. */

const T0 = '2024-05-01T09:00:00.000Z';

function agent(id: string, memberIndex: number, overrides: Partial<AgentState> = {}, extra: Partial<AgentCandidate> = {}): AgentCandidate {
  return {
    kind: 'agent', id, memberIndex, capacity: 2,
    state: { id, presence: 'Available', reservations: [], lastAssignedAt: null, lastAssignedAtByQueue: {}, lastReleasedAt: null, updatedAt: T0, ...overrides },
    ...extra,
  };
}

function chat(overrides: Partial<ChatToAssign> = {}): ChatToAssign {
  return { conversationId: 'conv-1', queue: 'CreditCardQueue', capacityUnits: 1, allowedPresences: ['Available', 'Busy'], excludedBots: [], ...overrides };
}

describe('declines', () => {
  test('an agent who declined ranks after every agent who did not, whatever the method says', () => {
    const candidates = [agent('ann', 0), agent('ben', 1, { reservations: [{ conversationId: 'x', queue: 'q', units: 1, at: T0 }] })];
    const declined = chat({ declines: { ann: 1 }, maxDeclinesPerAgent: 3 });
    expect(rankCandidates('highestCapacity', chat(), candidates).ranked.map((c) => c.id)).toEqual(['ann', 'ben']);
    expect(rankCandidates('highestCapacity', declined, candidates).ranked.map((c) => c.id)).toEqual(['ben', 'ann']);
    expect(rankCandidates('roundRobin', declined, candidates).ranked.map((c) => c.id)).toEqual(['ben', 'ann']);
  });

  test('fewer declines first among decliners; at the limit, excluded', () => {
    const candidates = [agent('ann', 0), agent('ben', 1), agent('cat', 2)];
    const result = rankCandidates('highestCapacity', chat({ declines: { ann: 2, ben: 1, cat: 3 }, maxDeclinesPerAgent: 3 }), candidates);
    expect(result.ranked.map((c) => c.id)).toEqual(['ben', 'ann']);
    expect(result.ineligible).toEqual([{ id: 'cat', why: 'declineLimitReached' }]);
  });

  test('declines are read as own keys only: a "constructor" agent is not confused with Object.prototype', () => {
    const result = rankCandidates('highestCapacity', chat({ declines: {}, maxDeclinesPerAgent: 1 }), [agent('constructor', 0)]);
    expect(result.ranked.map((c) => c.id)).toEqual(['constructor']);
  });
});

describe('the trace', () => {
  test('names the chosen, those ranked lower with their keys, those unavailable, and the excluded with why', () => {
    const candidates = [
      agent('ann', 0),
      agent('ben', 1, { lastAssignedAt: T0 }),
      agent('cat', 2, { presence: 'Away' }),
      agent('dan', 3, {}, { heldBackFor: 'VipQueue' }),
      agent('eve', 4, { reservations: [{ conversationId: 'x', queue: 'q', units: 2, at: T0 }] }),
    ];
    const trace = traceAssignment('highestCapacity', chat(), candidates, 'ben', ['ann']);
    expect(trace).toEqual({
      method: 'highestCapacity',
      chosen: 'ben',
      candidates: [
        { id: 'ann', kind: 'agent', outcome: 'unavailable', rank: 1, key: '2 free units; last assigned never' },
        { id: 'ben', kind: 'agent', outcome: 'chosen', rank: 2, key: `2 free units; last assigned ${T0}` },
        { id: 'cat', kind: 'agent', outcome: 'excluded', why: 'presenceNotAllowed', detail: 'presence Away; the workstream allows Available, Busy' },
        { id: 'dan', kind: 'agent', outcome: 'excluded', why: 'heldBackForHigherPriorityQueue', detail: 'held for VipQueue, which has chats waiting' },
        { id: 'eve', kind: 'agent', outcome: 'excluded', why: 'noFreeCapacity', detail: '0 of 2 units free; the chat takes 1' },
      ],
    });
  });

  test('nobody chosen: says why in one line', () => {
    const trace = traceAssignment('leastActive', chat(), [agent('ann', 0, { presence: 'Offline' }), agent('ben', 1, { presence: 'Away' })], null);
    expect(trace).toMatchObject({ chosen: null, why: 'no member can take it now: 2 in a presence that gets no chats' });
    expect(traceAssignment('leastActive', chat(), [], null).why).toBe('the queue has no members');
  });

  test(`is bounded: the first ${TRACED_CANDIDATES} candidates, then counts`, () => {
    const many = Array.from({ length: 50 }, (_, i) => agent(`a${String(i).padStart(2, '0')}`, i, i % 2 === 0 ? { presence: 'Offline' } : {}));
    const trace = traceAssignment('roundRobin', chat(), many, 'a01');
    expect(trace.candidates).toHaveLength(TRACED_CANDIDATES);
    expect(trace.candidates[0]).toMatchObject({ id: 'a01', outcome: 'chosen' });
    expect(trace.omitted).toEqual({ ranked: 25 - TRACED_CANDIDATES, excluded: { presenceNotAllowed: 25 } });
    expect(JSON.stringify(trace).length).toBeLessThan(2_000);
  });
});

test('the chosen candidate is listed even when it ranked past the listed ones (those above it were unavailable)', () => {
  const many = Array.from({ length: 15 }, (_, i) => agent(`a${String(i).padStart(2, '0')}`, i));
  const unavailable = many.slice(0, 12).map((c) => c.id);
  const trace = traceAssignment('highestCapacity', chat(), many, 'a12', unavailable);
  expect(trace.candidates).toHaveLength(TRACED_CANDIDATES + 1);
  expect(trace.candidates.at(-1)).toMatchObject({ id: 'a12', outcome: 'chosen', rank: 13 });
  expect(trace.omitted).toEqual({ ranked: 4, excluded: {} });
});
