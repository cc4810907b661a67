import type { AgentState } from '../../shared/core/agent';
import type { Conversation } from '../../shared/core/conversation';
import { holdsAgentCapacity } from '../../shared/core/lifecycle';
import { byWaitingOrder } from '../../shared/core/queueOrder';
import type { Directory } from '../../shared/usecases/services';
import { conversationViolations, usedUnitsOf } from './checkInvariants';

/**
 * DESIGN.md §3 invariants 1-3 checked continuously: every write to the conversation and agent
 * stores is recorded, in the order the store applied it, into a shadow of both stores, and each
 * write is checked against the shadow as it was at that instant. Nothing samples: a state that
 * existed in the store, however briefly, was checked.
 *
 * How the order is exact: a store decorator calls `observe*` synchronously right after invoking the
 * store's write (the embedded store runs its SQL synchronously inside that call), so the ledger's
 * sequence number is the store's commit order; outcomes are applied strictly in that order.
 *
 * Checks, at every write:
 * - capacity: an agent's reservations never exceed its capacity; the chats that hold an agent's
 *   capacity (Active, or Wrap-up when it blocks) never exceed it either, and each of them has its
 *   reservation (reserve comes before commit, release after the chat left: a chat held without a
 *   reservation means the agent can be pushed over capacity);
 * - one assignee: a conversation's history is append-only (a blind overwrite loses entries) and
 *   every assignment follows a routing; an Active chat never changes hands without one;
 * - one place: the document's status, queue and assignee agree;
 * - FIFO and priority, at each assignment commit of chat c from queue Q to agent A:
 *   (a) no chat w of the same workstream waits in Q that is older than c (enqueuedAt, id) and was
 *       already visible as waiting in Q before c was, unless w is being assigned right now (some
 *       agent holds a reservation for it) or w was fenced (epoch moved while waiting) after c became
 *       visible. Any dispatcher that commits c listed c, so it listed after c was visible, so it
 *       saw w first: skipping w is a FIFO violation, not a visibility race.
 *   (b) no chat w waits in a higher-priority queue A serves that was visible before c, on the same
 *       grounds (the dispatcher looks at higher-priority queues after listing).
 */

interface Shadow {
  id: string;
  workstream: string;
  status: Conversation['status'];
  queue: string | null;
  enqueuedAt: string | null;
  epoch: number;
  assignee: Conversation['assignee'];
  history: string[];
  /** Ledger sequence of the write that made the chat wait in its current queue (its visibility). */
  openSeq: number;
  /** Ledger sequence of the last epoch change while waiting in the same place (a fence), if any. */
  fencedSeq: number;
}

interface Entry {
  seq: number;
  apply: () => void;
  settled: boolean;
  ok: boolean;
}

export interface LedgerCounts {
  conversationWrites: number;
  agentWrites: number;
  failedWrites: number;
  agentAssignments: number;
  /** Assignments made while other chats waited in the same queue: each one a FIFO check that could have failed. */
  contendedAssignments: number;
  /** Older chats that were waiting, visible first, in the same queue when a chat was assigned (FIFO is broken unless each is being assigned). */
  fifoComparisons: number;
  /** Assignments to an agent who also serves a higher-priority queue (each one a priority check). */
  priorityChecks: number;
  /** A waiting chat's epoch moved on without it moving (the sweep fencing off a stalled assignment). */
  fences: number;
  /** Two agents holding a reservation for one chat at once: allowed in flight (one commit fails and releases). */
  transientDoubleReservations: number;
  maxHeldOverCapacityRatio: number;
}

export class WriteLedger {
  readonly violations: string[] = [];
  violationCount = 0;
  readonly counts: LedgerCounts = {
    conversationWrites: 0, agentWrites: 0, failedWrites: 0, agentAssignments: 0, contendedAssignments: 0, fifoComparisons: 0, priorityChecks: 0,
    transientDoubleReservations: 0, maxHeldOverCapacityRatio: 0, fences: 0,
  };

  private seq = 0;
  private readonly pending: Entry[] = [];
  private readonly conversations = new Map<string, Shadow>();
  private readonly agents = new Map<string, AgentState>();
  /** agent id → ids of the chats that hold its capacity, per the shadow. */
  private readonly held = new Map<string, Set<string>>();

  constructor(private readonly directory: Directory, private readonly keep = 40) {}

  /** Call synchronously right after invoking the store's create/replace, with the promise it returned. */
  observeConversation(doc: Conversation, write: Promise<unknown>): void {
    const copy = structuredClone(doc);
    this.enqueue(write, () => this.applyConversation(copy));
  }

  observeAgent(doc: AgentState, write: Promise<unknown>): void {
    const copy = structuredClone(doc);
    this.enqueue(write, () => this.applyAgent(copy));
  }

  /** Chats per status, as the shadow has them. */
  statusCounts(ids?: Iterable<string>): Record<string, number> {
    const counts: Record<string, number> = {};
    const shadows = ids ? [...ids].map((id) => this.conversations.get(id)) : [...this.conversations.values()];
    for (const s of shadows) {
      const status = s?.status ?? 'missing';
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  private enqueue(write: Promise<unknown>, apply: () => void): void {
    const entry: Entry = { seq: ++this.seq, apply, settled: false, ok: false };
    this.pending.push(entry);
    write.then(
      () => {
        entry.settled = true;
        entry.ok = true;
        this.drain();
      },
      () => {
        entry.settled = true;
        this.drain();
      },
    );
  }

  private drain(): void {
    while (this.pending[0]?.settled) {
      const entry = this.pending.shift() as Entry;
      if (!entry.ok) {
        this.counts.failedWrites++;
        continue;
      }
      this.current = entry.seq;
      entry.apply();
    }
  }

  private current = 0;

  private violation(text: string): void {
    this.violationCount++;
    if (this.violations.length < this.keep) this.violations.push(`[write ${this.current}] ${text}`);
  }

  private applyConversation(c: Conversation): void {
    this.counts.conversationWrites++;
    const prev = this.conversations.get(c.id);
    for (const problem of conversationViolations(c)) this.violation(problem);
    const history = c.history.map((h) => JSON.stringify(h));
    if (prev && (history.length < prev.history.length || prev.history.some((h, i) => history[i] !== h))) {
      this.violation(`${c.id}: history rewritten (a write did not build on the previous one): ${prev.history.length} entries before, ${history.length} after`);
    }
    if (prev?.status === 'Active' && c.status === 'Active' && prev.assignee?.id !== c.assignee?.id && !c.history.slice(prev.history.length).some((h) => h.type === 'routed')) {
      this.violation(`${c.id}: went from ${prev.assignee?.id} to ${c.assignee?.id} without being routed`);
    }
    const sameWait = prev?.status === 'Open' && c.status === 'Open' && prev.queue === c.queue && prev.enqueuedAt === c.enqueuedAt;
    if (sameWait && prev && prev.epoch !== c.epoch) this.counts.fences++;
    const next: Shadow = {
      id: c.id,
      workstream: c.workstream,
      status: c.status,
      queue: c.queue,
      enqueuedAt: c.enqueuedAt,
      epoch: c.epoch,
      assignee: c.assignee,
      history,
      openSeq: c.status !== 'Open' ? 0 : sameWait && prev ? prev.openSeq : this.current,
      fencedSeq: sameWait && prev ? (prev.epoch !== c.epoch ? this.current : prev.fencedSeq) : 0,
    };
    if (prev?.status === 'Open' && c.status === 'Active' && c.assignee?.kind === 'agent') this.checkAssignment(prev, c);
    this.conversations.set(c.id, next);
    this.updateHeld(prev, c);
  }

  private checkAssignment(prev: Shadow, c: Conversation): void {
    this.counts.agentAssignments++;
    const agentId = c.assignee?.id ?? '';
    const queue = prev.queue;
    if (!(this.agents.get(agentId)?.reservations ?? []).some((r) => r.conversationId === c.id)) {
      this.violation(`${c.id}: committed to ${agentId} without a reservation on ${agentId}`);
    }
    const higher = new Set(this.directory.queuesOf(agentId).filter((q) => q.priority < (this.directory.queue(queue ?? '')?.priority ?? Infinity)).map((q) => q.name));
    if (higher.size > 0) this.counts.priorityChecks++;
    let contended = false;
    for (const w of this.conversations.values()) {
      if (w.id !== c.id && w.status === 'Open' && w.queue === queue) contended = true;
      if (w.id === c.id || w.status !== 'Open' || w.workstream !== prev.workstream || w.openSeq > prev.openSeq) continue;
      const sameQueue = w.queue === queue;
      const higherQueue = w.queue !== null && higher.has(w.queue);
      if (!sameQueue && !higherQueue) continue;
      if (sameQueue && byWaitingOrder(w, prev) >= 0) continue;
      if (sameQueue) this.counts.fifoComparisons++;
      if (w.fencedSeq > prev.openSeq) continue;
      const reservedBy = this.reservedBy(w.id);
      if (reservedBy.length > 0) continue;
      if (sameQueue) {
        this.violation(`FIFO: ${c.id} (enqueued ${prev.enqueuedAt}) was assigned to ${agentId} from ${queue} while older ${w.id} (enqueued ${w.enqueuedAt}) waited there, visible first and not being assigned`);
      } else {
        this.violation(`priority: ${c.id} was assigned to ${agentId} from ${queue} while ${w.id} waited in higher-priority ${w.queue}, which ${agentId} serves`);
      }
    }
    if (contended) this.counts.contendedAssignments++;
  }

  private updateHeld(prev: Shadow | undefined, c: Conversation): void {
    const workstream = this.directory.workstream(c.workstream);
    const holds = workstream !== undefined && holdsAgentCapacity(c, workstream);
    const before = prev?.assignee?.kind === 'agent' ? prev.assignee.id : undefined;
    if (before && (!holds || c.assignee?.id !== before)) this.held.get(before)?.delete(c.id);
    if (!holds || !c.assignee) return;
    const agentId = c.assignee.id;
    const set = this.held.get(agentId) ?? new Set<string>();
    this.held.set(agentId, set);
    const isNew = !set.has(c.id);
    set.add(c.id);
    if (isNew && !(this.agents.get(agentId)?.reservations ?? []).some((r) => r.conversationId === c.id)) {
      if (!(prev?.status === 'Open')) this.violation(`${c.id}: holds ${agentId}'s capacity (${c.status}) without a reservation`);
    }
    this.checkHeldCount(agentId);
  }

  private checkHeldCount(agentId: string): void {
    const agent = this.directory.agent(agentId);
    if (!agent) return;
    let units = 0;
    for (const id of this.held.get(agentId) ?? []) units += this.directory.workstream(this.conversations.get(id)?.workstream ?? '')?.capacityUnits ?? 0;
    this.counts.maxHeldOverCapacityRatio = Math.max(this.counts.maxHeldOverCapacityRatio, units / agent.capacity);
    if (units > agent.capacity) this.violation(`agent ${agentId} holds ${units} units of chats (${[...(this.held.get(agentId) ?? [])].join(', ')}) over its capacity ${agent.capacity}`);
  }

  private applyAgent(state: AgentState): void {
    this.counts.agentWrites++;
    const agent = this.directory.agent(state.id);
    const used = usedUnitsOf(state);
    if (agent && used > agent.capacity) this.violation(`agent ${state.id} reserved ${used} units over its capacity ${agent.capacity}`);
    const reserved = new Set(state.reservations.map((r) => r.conversationId));
    for (const id of this.held.get(state.id) ?? []) {
      if (!reserved.has(id)) this.violation(`agent ${state.id}: the reservation of ${id} was released while the chat still holds the agent (${this.conversations.get(id)?.status})`);
    }
    for (const r of state.reservations) {
      for (const [otherId, other] of this.agents) {
        if (otherId !== state.id && other.reservations.some((o) => o.conversationId === r.conversationId)) this.counts.transientDoubleReservations++;
      }
    }
    this.agents.set(state.id, state);
  }

  private reservedBy(conversationId: string): string[] {
    const by: string[] = [];
    for (const [id, state] of this.agents) if (state.reservations.some((r) => r.conversationId === conversationId)) by.push(id);
    return by;
  }
}
