import { freeUnits, rankCandidates, release, reserve, type AgentCandidate, type Candidate, type ChatToAssign } from '../../shared/core/assignment';
import { byQueuePriority, byWaitingOrder } from '../../shared/core/queueOrder';
import { usedUnits, type AgentState, type Reservation } from '../../shared/core/agent';
import { mulberry32 } from '../prove/random';

const T0 = '2024-05-01T09:00:00.000Z';
const T1 = '2024-05-01T09:01:00.000Z';
const T2 = '2024-05-01T09:02:00.000Z';
const T3 = '2024-05-01T09:03:00.000Z';

function state(id: string, overrides: Partial<AgentState> = {}): AgentState {
  return {
    id,
    presence: 'Available',
    reservations: [],
    lastAssignedAt: null,
    lastAssignedAtByQueue: {},
    lastReleasedAt: null,
    updatedAt: T0,
    ...overrides,
  };
}

function held(conversationId: string, units: number, queue = 'CreditCardQueue'): Reservation {
  return { conversationId, queue, units, at: T0 };
}

function agent(id: string, memberIndex: number, capacity: number, overrides: Partial<AgentState> = {}): AgentCandidate {
  return { kind: 'agent', id, memberIndex, capacity, state: state(id, overrides) };
}

function bot(id: string, memberIndex: number): Candidate {
  return { kind: 'bot', id, memberIndex };
}

function chat(overrides: Partial<ChatToAssign> = {}): ChatToAssign {
  return {
    conversationId: 'conv-1',
    queue: 'CreditCardQueue',
    capacityUnits: 20,
    allowedPresences: ['Available', 'Busy'],
    excludedBots: [],
    ...overrides,
  };
}

const ids = (cs: readonly Candidate[]): string[] => cs.map((c) => c.id);

describe('rankCandidates: eligibility', () => {
  it('turns away a bot the chat was escalated from, and keeps the others', () => {
    const result = rankCandidates('highestCapacity', chat({ excludedBots: ['bot-a'] }), [bot('bot-a', 0), bot('bot-b', 1)]);
    expect(ids(result.ranked)).toEqual(['bot-b']);
    expect(result.ineligible).toEqual([{ id: 'bot-a', why: 'excludedBot' }]);
  });

  it('passes the chat on to an agent once the only bot is excluded', () => {
    const result = rankCandidates('highestCapacity', chat({ excludedBots: ['bot-a'] }), [bot('bot-a', 0), agent('ann', 1, 100)]);
    expect(ids(result.ranked)).toEqual(['ann']);
  });

  it('turns away agents whose presence the workstream does not allow', () => {
    const result = rankCandidates('highestCapacity', chat({ allowedPresences: ['Available'] }), [
      agent('ann', 0, 100, { presence: 'Busy' }),
      agent('bob', 1, 100, { presence: 'Offline' }),
      agent('cat', 2, 100, { presence: 'Available' }),
    ]);
    expect(ids(result.ranked)).toEqual(['cat']);
    expect(result.ineligible).toEqual([
      { id: 'ann', why: 'presenceNotAllowed' },
      { id: 'bob', why: 'presenceNotAllowed' },
    ]);
  });

  it('turns away agents without enough free units, and accepts an exact fit', () => {
    const result = rankCandidates('highestCapacity', chat({ capacityUnits: 20 }), [
      agent('ann', 0, 100, { reservations: [held('c-9', 81)] }), // 19 free
      agent('bob', 1, 100, { reservations: [held('c-8', 80)] }), // 20 free
      agent('cat', 2, 10), // 10 free
    ]);
    expect(ids(result.ranked)).toEqual(['bob']);
    expect(result.ineligible).toEqual([
      { id: 'ann', why: 'noFreeCapacity' },
      { id: 'cat', why: 'noFreeCapacity' },
    ]);
  });

  it('turns away an agent who already holds the chat, before presence and capacity', () => {
    const result = rankCandidates('roundRobin', chat(), [
      agent('ann', 0, 20, { presence: 'Offline', reservations: [held('conv-1', 20)] }),
      agent('bob', 1, 100),
    ]);
    expect(ids(result.ranked)).toEqual(['bob']);
    expect(result.ineligible).toEqual([{ id: 'ann', why: 'alreadyHoldsChat' }]);
  });

  it('checks neither presence nor capacity for a bot: its capacity is never consumed', () => {
    const big = chat({ capacityUnits: 1_000_000, allowedPresences: [] });
    const result = rankCandidates('highestCapacity', big, [agent('ann', 1, 100), bot('bot-a', 0)]);
    expect(ids(result.ranked)).toEqual(['bot-a']);
    expect(result.ineligible).toEqual([{ id: 'ann', why: 'presenceNotAllowed' }]);
    for (let i = 0; i < 100; i++) {
      expect(ids(rankCandidates('highestCapacity', chat({ conversationId: `c-${i}` }), [bot('bot-a', 0)]).ranked)).toEqual(['bot-a']);
    }
  });

  it('returns empty lists for no candidates', () => {
    expect(rankCandidates('leastActive', chat(), [])).toEqual({ ranked: [], ineligible: [] });
  });
});

describe('rankCandidates: highestCapacity', () => {
  it('puts the most free units first', () => {
    const result = rankCandidates('highestCapacity', chat(), [
      agent('ann', 0, 100, { reservations: [held('c-9', 60)] }), // 40
      agent('bob', 1, 50), // 50
      agent('cat', 2, 100, { reservations: [held('c-8', 30)] }), // 70
    ]);
    expect(ids(result.ranked)).toEqual(['cat', 'bob', 'ann']);
  });

  it('breaks ties by the earliest last assignment, never assigned first', () => {
    const result = rankCandidates('highestCapacity', chat(), [
      agent('ann', 0, 100, { lastAssignedAt: T2 }),
      agent('bob', 1, 100, { lastAssignedAt: T1 }),
      agent('cat', 2, 100, { lastAssignedAt: null }),
    ]);
    expect(ids(result.ranked)).toEqual(['cat', 'bob', 'ann']);
  });

  it('breaks ties of free units and last assignment by member index', () => {
    const result = rankCandidates('highestCapacity', chat(), [agent('ann', 2, 100), agent('bob', 0, 100), agent('cat', 1, 100)]);
    expect(ids(result.ranked)).toEqual(['bob', 'cat', 'ann']);
  });

  it('ranks a bot above every agent (infinite free units), bots by member index', () => {
    const result = rankCandidates('highestCapacity', chat(), [agent('ann', 0, 1_000_000), bot('bot-b', 3), bot('bot-a', 2)]);
    expect(ids(result.ranked)).toEqual(['bot-a', 'bot-b', 'ann']);
  });

  it('ignores per-queue history', () => {
    const result = rankCandidates('highestCapacity', chat(), [
      agent('ann', 0, 100, { lastAssignedAt: T1, lastAssignedAtByQueue: {} }),
      agent('bob', 1, 100, { lastAssignedAt: T2, lastAssignedAtByQueue: { CreditCardQueue: T0 } }),
    ]);
    expect(ids(result.ranked)).toEqual(['ann', 'bob']);
  });
});

describe('rankCandidates: roundRobin', () => {
  it("orders by the last assignment in this queue, ignoring other queues and free units", () => {
    const result = rankCandidates('roundRobin', chat({ queue: 'CreditCardQueue' }), [
      agent('ann', 0, 100, { lastAssignedAt: T3, lastAssignedAtByQueue: { CreditCardQueue: T2, HomeLoanQueue: T3 } }),
      agent('bob', 1, 40, { lastAssignedAt: T3, lastAssignedAtByQueue: { CreditCardQueue: T1, HomeLoanQueue: T0 } }),
      agent('cat', 2, 100, { lastAssignedAt: T3, lastAssignedAtByQueue: { CreditCardQueue: T3 } }),
    ]);
    expect(ids(result.ranked)).toEqual(['bob', 'ann', 'cat']);
  });

  it('puts members never assigned in this queue first, in the order they were added', () => {
    const result = rankCandidates('roundRobin', chat({ queue: 'CreditCardQueue' }), [
      agent('ann', 0, 100, { lastAssignedAtByQueue: { CreditCardQueue: T0 } }),
      agent('bob', 2, 100, { lastAssignedAtByQueue: { HomeLoanQueue: T0 } }),
      agent('cat', 1, 100, { lastAssignedAt: T3 }),
    ]);
    expect(ids(result.ranked)).toEqual(['cat', 'bob', 'ann']);
  });

  it('breaks equal times by member index', () => {
    const result = rankCandidates('roundRobin', chat(), [
      agent('ann', 1, 100, { lastAssignedAtByQueue: { CreditCardQueue: T1 } }),
      agent('bob', 0, 100, { lastAssignedAtByQueue: { CreditCardQueue: T1 } }),
    ]);
    expect(ids(result.ranked)).toEqual(['bob', 'ann']);
  });

  it('ranks bots before agents, by member index', () => {
    const result = rankCandidates('roundRobin', chat(), [agent('ann', 0, 100), bot('bot-b', 2), bot('bot-a', 1)]);
    expect(ids(result.ranked)).toEqual(['bot-a', 'bot-b', 'ann']);
  });

  it('rotates through the members as chats are reserved', () => {
    let members: AgentCandidate[] = [agent('ann', 0, 100), agent('bob', 1, 100), agent('cat', 2, 100)];
    const winners: string[] = [];
    for (let i = 0; i < 6; i++) {
      const at = `2024-05-01T10:0${i}:00.000Z`;
      const c = chat({ conversationId: `c-${i}`, capacityUnits: 10 });
      const [first] = rankCandidates('roundRobin', c, members).ranked;
      if (first === undefined || first.kind !== 'agent') throw new Error('an agent was expected');
      winners.push(first.id);
      const taken = reserve(first.state, { conversationId: c.conversationId, queue: c.queue, units: 10 }, first.capacity, at);
      if (!taken.ok) throw new Error('reservation was expected to succeed');
      members = members.map((m) => (m.id === first.id ? { ...m, state: taken.state } : m));
    }
    expect(winners).toEqual(['ann', 'bob', 'cat', 'ann', 'bob', 'cat']);
  });
});

describe('rankCandidates: leastActive', () => {
  it('puts whoever released capacity longest ago first, never released first', () => {
    const result = rankCandidates('leastActive', chat(), [
      agent('ann', 0, 100, { lastReleasedAt: T2 }),
      agent('bob', 1, 100, { lastReleasedAt: T1 }),
      agent('cat', 2, 100, { lastReleasedAt: null }),
    ]);
    expect(ids(result.ranked)).toEqual(['cat', 'bob', 'ann']);
  });

  it('ignores free units', () => {
    const result = rankCandidates('leastActive', chat(), [
      agent('ann', 0, 1000, { lastReleasedAt: T2 }),
      agent('bob', 1, 20, { lastReleasedAt: T1 }),
    ]);
    expect(ids(result.ranked)).toEqual(['bob', 'ann']);
  });

  it('breaks equal release times by the earliest last assignment, never assigned first', () => {
    const result = rankCandidates('leastActive', chat(), [
      agent('ann', 0, 100, { lastReleasedAt: T1, lastAssignedAt: T3 }),
      agent('bob', 1, 100, { lastReleasedAt: T1, lastAssignedAt: T2 }),
      agent('cat', 2, 100, { lastReleasedAt: T1, lastAssignedAt: null }),
    ]);
    expect(ids(result.ranked)).toEqual(['cat', 'bob', 'ann']);
  });

  it('breaks equal release and assignment times by member index', () => {
    const result = rankCandidates('leastActive', chat(), [
      agent('ann', 2, 100, { lastReleasedAt: T1, lastAssignedAt: T2 }),
      agent('bob', 1, 100, { lastReleasedAt: T1, lastAssignedAt: T2 }),
    ]);
    expect(ids(result.ranked)).toEqual(['bob', 'ann']);
  });

  it('ranks bots before agents, by member index', () => {
    const result = rankCandidates('leastActive', chat(), [agent('ann', 0, 100), bot('bot-b', 5), bot('bot-a', 4)]);
    expect(ids(result.ranked)).toEqual(['bot-a', 'bot-b', 'ann']);
  });
});

describe('rankCandidates: determinism', () => {
  const pool: Candidate[] = [
    agent('ann', 0, 100, { lastAssignedAt: T1, lastReleasedAt: T1, lastAssignedAtByQueue: { CreditCardQueue: T1 } }),
    agent('bob', 1, 100, { lastAssignedAt: T1, lastReleasedAt: T1, lastAssignedAtByQueue: { CreditCardQueue: T1 } }),
    agent('cat', 1, 100, { lastAssignedAt: T1, lastReleasedAt: T1, lastAssignedAtByQueue: { CreditCardQueue: T1 } }),
    agent('dan', 3, 60),
    bot('bot-a', 4),
  ];
  const expected: Record<string, string[]> = {
    highestCapacity: ['bot-a', 'ann', 'bob', 'cat', 'dan'],
    roundRobin: ['bot-a', 'dan', 'ann', 'bob', 'cat'],
    leastActive: ['bot-a', 'dan', 'ann', 'bob', 'cat'],
  };

  it.each(['highestCapacity', 'roundRobin', 'leastActive'] as const)('%s gives one order for every input order', (method) => {
    for (let shift = 0; shift < pool.length; shift++) {
      for (const reversed of [false, true]) {
        const input = [...pool.slice(shift), ...pool.slice(0, shift)];
        if (reversed) input.reverse();
        const before = ids(input);
        expect(ids(rankCandidates(method, chat(), input).ranked)).toEqual(expected[method]);
        expect(ids(input)).toEqual(before); // the input array is not reordered
      }
    }
  });
});

describe('freeUnits', () => {
  it('is capacity minus reserved units, negative when capacity was lowered', () => {
    expect(freeUnits(agent('ann', 0, 100))).toBe(100);
    expect(freeUnits(agent('ann', 0, 100, { reservations: [held('a', 30), held('b', 25)] }))).toBe(45);
    expect(freeUnits(agent('ann', 0, 20, { reservations: [held('a', 30)] }))).toBe(-10);
  });
});

describe('reserve', () => {
  it('adds the reservation and records the assignment time overall and per queue', () => {
    const before = state('ann', { lastAssignedAtByQueue: { HomeLoanQueue: T0 } });
    const snapshot = structuredClone(before);
    const result = reserve(before, { conversationId: 'conv-1', queue: 'CreditCardQueue', units: 30 }, 100, T1);
    expect(result).toEqual({
      ok: true,
      alreadyHeld: false,
      state: {
        ...snapshot,
        reservations: [{ conversationId: 'conv-1', queue: 'CreditCardQueue', units: 30, at: T1 }],
        lastAssignedAt: T1,
        lastAssignedAtByQueue: { HomeLoanQueue: T0, CreditCardQueue: T1 },
        updatedAt: T1,
      },
    });
    expect(before).toEqual(snapshot);
  });

  it('is idempotent: a second reserve of the same conversation is ok, alreadyHeld, state unchanged', () => {
    const first = reserve(state('ann'), { conversationId: 'conv-1', queue: 'CreditCardQueue', units: 30 }, 100, T1);
    if (!first.ok) throw new Error('first reservation was expected to succeed');
    const again = reserve(first.state, { conversationId: 'conv-1', queue: 'CreditCardQueue', units: 30 }, 100, T2);
    expect(again).toEqual({ ok: true, alreadyHeld: true, state: first.state });
    if (again.ok) expect(again.state).not.toBe(first.state);
    expect(usedUnits(first.state)).toBe(30);
  });

  it('reports alreadyHeld even when the agent is now full', () => {
    const full = state('ann', { reservations: [held('conv-1', 100)] });
    expect(reserve(full, { conversationId: 'conv-1', queue: 'CreditCardQueue', units: 100 }, 100, T1)).toMatchObject({ ok: true, alreadyHeld: true });
  });

  it('fills capacity exactly, then refuses one unit more', () => {
    const s = state('ann', { reservations: [held('a', 70)] });
    const fit = reserve(s, { conversationId: 'b', queue: 'q', units: 30 }, 100, T1);
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(usedUnits(fit.state)).toBe(100);
    expect(reserve(fit.state, { conversationId: 'c', queue: 'q', units: 1 }, 100, T2)).toEqual({ ok: false, why: 'noFreeCapacity' });
    expect(reserve(s, { conversationId: 'c', queue: 'q', units: 31 }, 100, T2)).toEqual({ ok: false, why: 'noFreeCapacity' });
  });

  it('refuses everything, even zero units, when capacity was lowered below what is held', () => {
    const s = state('ann', { reservations: [held('a', 50)] });
    expect(reserve(s, { conversationId: 'b', queue: 'q', units: 0 }, 40, T1)).toEqual({ ok: false, why: 'noFreeCapacity' });
  });

  it('never moves the assignment history back for a late, older time', () => {
    const s = state('ann', { lastAssignedAt: T3, lastAssignedAtByQueue: { q: T3 } });
    const result = reserve(s, { conversationId: 'b', queue: 'q', units: 1 }, 10, T1);
    expect(result).toMatchObject({ ok: true, state: { lastAssignedAt: T3, lastAssignedAtByQueue: { q: T3 } } });
  });

  it('throws on negative or non-finite units (a caller bug, not a capacity answer)', () => {
    expect(() => reserve(state('ann'), { conversationId: 'b', queue: 'q', units: -1 }, 10, T1)).toThrow(RangeError);
    expect(() => reserve(state('ann'), { conversationId: 'b', queue: 'q', units: Number.NaN }, 10, T1)).toThrow(/instead of NaN/);
  });
});

describe('release', () => {
  it('removes the reservation and records the release time', () => {
    const before = state('ann', { reservations: [held('a', 30), held('b', 20)] });
    const snapshot = structuredClone(before);
    const result = release(before, 'a', T2);
    expect(result).toEqual({
      released: true,
      state: { ...snapshot, reservations: [held('b', 20)], lastReleasedAt: T2, updatedAt: T2 },
    });
    expect(before).toEqual(snapshot);
  });

  it('is idempotent: releasing what is not held changes nothing, not even lastReleasedAt', () => {
    const first = release(state('ann', { reservations: [held('a', 30)] }), 'a', T1);
    const again = release(first.state, 'a', T2);
    expect(again).toEqual({ released: false, state: first.state });
    expect(again.state.lastReleasedAt).toBe(T1);
    expect(again.state).not.toBe(first.state);
  });
});

describe('reserve/release under random sequences', () => {
  it.each([1, 42, 20240501])('never exceeds capacity and agrees with a model (seed %i)', (seed) => {
    const random = mulberry32(seed).next;
    const capacity = 10;
    let s = state('ann');
    const model = new Map<string, number>();
    let refusals = 0;
    let reserves = 0;
    for (let step = 0; step < 1000; step++) {
      const at = new Date(Date.UTC(2024, 4, 1) + step * 1000).toISOString();
      const conversationId = `c-${Math.floor(random() * 8)}`;
      if (random() < 0.6) {
        const units = 1 + Math.floor(random() * 4);
        const used = [...model.values()].reduce((x, y) => x + y, 0);
        const result = reserve(s, { conversationId, queue: 'q', units }, capacity, at);
        if (model.has(conversationId)) {
          expect(result).toMatchObject({ ok: true, alreadyHeld: true });
        } else if (used + units <= capacity) {
          expect(result).toMatchObject({ ok: true, alreadyHeld: false });
          model.set(conversationId, units);
          reserves++;
        } else {
          expect(result).toEqual({ ok: false, why: 'noFreeCapacity' });
          refusals++;
        }
        if (result.ok) s = result.state;
      } else {
        const result = release(s, conversationId, at);
        expect(result.released).toBe(model.delete(conversationId));
        s = result.state;
      }
      expect(usedUnits(s)).toBeLessThanOrEqual(capacity);
      expect(s.reservations.map((r) => r.conversationId).sort()).toEqual([...model.keys()].sort());
      expect(new Set(s.reservations.map((r) => r.conversationId)).size).toBe(s.reservations.length);
    }
    // The sequence must have exercised both the accepting and the refusing path.
    expect(reserves).toBeGreaterThan(50);
    expect(refusals).toBeGreaterThan(10);
  });
});

describe('queueOrder', () => {
  it('orders queues by lower priority number first, then name', () => {
    const queues = [
      { priority: 2, name: 'HomeLoanQueue' },
      { priority: 1, name: 'CreditCardQueue' },
      { priority: 2, name: 'BotQueue' },
      { priority: 0, name: 'VipQueue' },
    ];
    expect([...queues].sort(byQueuePriority).map((q) => q.name)).toEqual(['VipQueue', 'CreditCardQueue', 'BotQueue', 'HomeLoanQueue']);
  });

  it('compares names by code unit, not locale', () => {
    expect([{ priority: 1, name: 'b' }, { priority: 1, name: 'B' }, { priority: 1, name: 'a' }].sort(byQueuePriority).map((q) => q.name)).toEqual(['B', 'a', 'b']);
  });

  it('orders waiting chats first in, first out; ties by id; not-yet-enqueued last', () => {
    const chats = [
      { id: 'c-3', enqueuedAt: T2 },
      { id: 'c-9', enqueuedAt: null },
      { id: 'c-2', enqueuedAt: T1 },
      { id: 'c-1', enqueuedAt: T2 },
      { id: 'c-0', enqueuedAt: null },
      { id: 'c-5', enqueuedAt: T0 },
    ];
    expect([...chats].sort(byWaitingOrder).map((c) => c.id)).toEqual(['c-5', 'c-2', 'c-1', 'c-3', 'c-0', 'c-9']);
  });

  it('returns 0 only for equal keys', () => {
    expect(byWaitingOrder({ id: 'a', enqueuedAt: T1 }, { id: 'a', enqueuedAt: T1 })).toBe(0);
    expect(byQueuePriority({ priority: 1, name: 'a' }, { priority: 1, name: 'a' })).toBe(0);
    expect(Math.sign(byWaitingOrder({ id: 'b', enqueuedAt: T0 }, { id: 'a', enqueuedAt: T1 }))).toBe(-1);
  });
});
