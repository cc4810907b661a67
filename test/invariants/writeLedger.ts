import type { AgentState } from '../../shared/core/agent';
import type { Conversation } from '../../shared/core/conversation';
import { byWaitingOrder } from '../../shared/core/queueOrder';
import type { Directory } from '../../shared/usecases/services';
import { capacityHolder, conversationViolations, usedUnitsOf } from './checkInvariants';

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
 * - offers (a workstream with `offers`): the commit of an offer is the dispatcher's commit, so FIFO
 *   and priority are checked there (a chat with a live offer does not wait: dispatchers skip it, and
 *   one whose offer was declined becomes visible again only then), and:
 *   - the offer's reservation (the agent's, made at offeredAt) is in place when the offer lands, and
 *     still when it is accepted; the offered agent's capacity counts the offer as held;
 *   - no offer to an agent at its decline limit for the chat, and a decliner only ranked first by
 *     the dispatcher's own trace when every candidate with fewer declines was excluded or unavailable;
 *   - an offered chat goes Active only with the offer's agent (accept); an agent never gets a chat
 *     of such a workstream directly; the history never has two live offers (checkInvariants).
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
  offer: { agentId: string; offeredAt: string } | null;
  declines: Record<string, number>;
  /** The agent whose capacity the chat holds (its live offer's or its assignee's), if any. */
  holder: string | undefined;
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
  offersMade: number;
  /** Offers made to an agent who had declined the chat before (nobody with fewer declines could take it). */
  offersToDecliners: number;
  offersAccepted: number;
  offersRejected: number;
  offersExpired: number;
  offersWithdrawn: number;
  /** Older chats skipped at an offer because the offered agent had declined them to the limit. */
  declineLimitSkips: number;
  /** A supervisor's assign of an Open chat (checked for its reservation, not for FIFO). */
  supervisorAssignments: number;
  /** A supervisor's transfer of an Active chat straight to another agent. */
  supervisorTransfers: number;
}

export class WriteLedger {
  readonly violations: string[] = [];
  violationCount = 0;
  readonly counts: LedgerCounts = {
    conversationWrites: 0, agentWrites: 0, failedWrites: 0, agentAssignments: 0, contendedAssignments: 0, fifoComparisons: 0, priorityChecks: 0,
    transientDoubleReservations: 0, maxHeldOverCapacityRatio: 0, fences: 0,
    offersMade: 0, offersToDecliners: 0, offersAccepted: 0, offersRejected: 0, offersExpired: 0, offersWithdrawn: 0, declineLimitSkips: 0,
    supervisorAssignments: 0, supervisorTransfers: 0,
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
    const workstream = this.directory.workstream(c.workstream);
    for (const problem of conversationViolations(c, workstream)) this.violation(problem);
    const history = c.history.map((h) => JSON.stringify(h));
    if (prev && (history.length < prev.history.length || prev.history.some((h, i) => history[i] !== h))) {
      this.violation(`${c.id}: history rewritten (a write did not build on the previous one): ${prev.history.length} entries before, ${history.length} after`);
    }
    const added = c.history.slice(prev?.history.length ?? 0);
    const bySupervisor = added.find((h) => h.type === 'supervisor');
    const handedOver = bySupervisor?.type === 'supervisor' && bySupervisor.action === 'transfer' && bySupervisor.fromAgentId === prev?.assignee?.id && bySupervisor.agentId === c.assignee?.id;
    if (prev?.status === 'Active' && c.status === 'Active' && prev.assignee?.id !== c.assignee?.id && !added.some((h) => h.type === 'routed') && !handedOver) {
      this.violation(`${c.id}: went from ${prev.assignee?.id} to ${c.assignee?.id} without being routed`);
    }
    if (handedOver) this.counts.supervisorTransfers++;
    // Waiting (a chat with a live offer is not: dispatchers skip it), in the same place as before.
    const offerChanged = (prev?.offer?.offeredAt ?? null) !== (c.offer?.offeredAt ?? null);
    const sameWait = prev?.status === 'Open' && c.status === 'Open' && prev.queue === c.queue && prev.enqueuedAt === c.enqueuedAt && !prev.offer && !c.offer;
    const declined = prev?.offer && c.status === 'Open' && !c.offer;
    if (sameWait && prev && prev.epoch !== c.epoch && !offerChanged) this.counts.fences++;
    const next: Shadow = {
      id: c.id,
      workstream: c.workstream,
      status: c.status,
      queue: c.queue,
      enqueuedAt: c.enqueuedAt,
      epoch: c.epoch,
      assignee: c.assignee,
      history,
      // Visible as waiting since: its first wait here, or the end of its last offer (declined: waiting again).
      openSeq: c.status !== 'Open' || c.offer ? 0 : sameWait && prev ? prev.openSeq : this.current,
      fencedSeq: sameWait && prev ? (prev.epoch !== c.epoch ? this.current : prev.fencedSeq) : 0,
      offer: c.offer ? { agentId: c.offer.agentId, offeredAt: c.offer.offeredAt } : null,
      declines: { ...(c.declines ?? {}) },
      holder: workstream ? capacityHolder(c, workstream) : undefined,
    };
    if (prev?.status === 'Open' && !prev.offer && c.status === 'Open' && c.offer) this.checkOffer(prev, c);
    if (prev?.status === 'Open' && c.status === 'Active' && bySupervisor?.type === 'supervisor' && bySupervisor.action === 'assign') this.checkSupervisorAssign(prev, c);
    else if (prev?.offer && c.status === 'Active') this.checkAccept(prev, c);
    else if (prev?.status === 'Open' && c.status === 'Active' && c.assignee?.kind === 'agent') this.checkAssignment(prev, c, c.assignee.id);
    if (declined) {
      const last = c.history.findLast((h) => h.type === 'offerRejected' || h.type === 'offerExpired');
      if (last?.type === 'offerRejected') this.counts.offersRejected++;
      else this.counts.offersExpired++;
    }
    if (prev?.offer && (c.status === 'Closed' || (c.status === 'Active' && bySupervisor))) this.counts.offersWithdrawn++;
    this.conversations.set(c.id, next);
    this.updateHeld(prev, next);
  }

  /** The dispatcher's commit of an offer: its reservation, the decline limit, the ranking, FIFO and priority. */
  private checkOffer(prev: Shadow, c: Conversation): void {
    const live = c.offer!;
    const agentId = live.agentId;
    this.counts.offersMade++;
    const offers = this.directory.workstream(c.workstream)?.offers;
    if (!offers || offers.autoAccept) this.violation(`${c.id}: offered to ${agentId}, but workstream ${c.workstream} does not offer its chats`);
    if (!(this.agents.get(agentId)?.reservations ?? []).some((r) => r.conversationId === c.id && r.at === live.offeredAt)) {
      this.violation(`${c.id}: offered to ${agentId} at ${live.offeredAt} without ${agentId}'s reservation made then (${JSON.stringify(this.agents.get(agentId)?.reservations.filter((r) => r.conversationId === c.id))})`);
    }
    const declines = (id: string) => (Object.prototype.hasOwnProperty.call(prev.declines, id) ? prev.declines[id] ?? 0 : 0);
    const mine = declines(agentId);
    if (offers && mine >= offers.maxDeclinesPerAgent) this.violation(`${c.id}: offered to ${agentId}, who declined it ${mine} time(s), at the limit of ${offers.maxDeclinesPerAgent}`);
    if (mine > 0) {
      this.counts.offersToDecliners++;
      // As the dispatcher saw it (its trace): everyone ranked below the chosen one has at least as many declines.
      const entry = c.history.findLast((h) => h.type === 'offered');
      const trace = entry?.type === 'offered' ? entry.trace : undefined;
      for (const candidate of trace?.candidates ?? []) {
        if (candidate.kind === 'agent' && candidate.outcome === 'rankedLower' && declines(candidate.id) < mine) {
          this.violation(`${c.id}: offered to ${agentId}, who declined it ${mine} time(s), while ${candidate.id} (${declines(candidate.id)} decline(s)) was ranked lower`);
        }
      }
    }
    const atLimit = (w: Shadow) => offers !== undefined && Object.prototype.hasOwnProperty.call(w.declines, agentId) && (w.declines[agentId] ?? 0) >= offers.maxDeclinesPerAgent;
    this.checkAssignment(prev, c, agentId, atLimit);
  }

  /**
   * A supervisor's assign: the agent's reservation is in place (the offer's own, made at offeredAt, when the chat
   * was offered to that agent). A supervisor may pass over older chats and queue priority: no FIFO check.
   */
  private checkSupervisorAssign(prev: Shadow, c: Conversation): void {
    this.counts.supervisorAssignments++;
    const agentId = c.assignee?.id ?? '';
    const mine = (this.agents.get(agentId)?.reservations ?? []).filter((r) => r.conversationId === c.id);
    if (mine.length === 0) this.violation(`${c.id}: assigned by a supervisor to ${agentId} without a reservation on ${agentId}`);
    const live = prev.offer;
    if (live?.agentId === agentId && !mine.some((r) => r.at === live.offeredAt)) {
      this.violation(`${c.id}: offered to ${agentId} and assigned to them by a supervisor, but not on the offer's reservation (made at ${live.offeredAt})`);
    }
  }

  /** An offered chat goes Active: only with the offer's agent, who still holds the offer's reservation. */
  private checkAccept(prev: Shadow, c: Conversation): void {
    const live = prev.offer!;
    this.counts.offersAccepted++;
    if (c.assignee?.id !== live.agentId) this.violation(`${c.id}: offered to ${live.agentId}, and went Active with ${c.assignee?.kind} ${c.assignee?.id}`);
    const accepted = c.history.slice(prev.history.length).some((h) => h.type === 'offerAccepted' && h.agentId === live.agentId && h.offeredAt === live.offeredAt);
    if (!accepted) this.violation(`${c.id}: offered to ${live.agentId}, and went Active without ${live.agentId}'s accept of it`);
    if (!(this.agents.get(live.agentId)?.reservations ?? []).some((r) => r.conversationId === c.id && r.at === live.offeredAt)) {
      this.violation(`${c.id}: accepted by ${live.agentId} after the offer's reservation (made at ${live.offeredAt}) was released`);
    }
  }

  /**
   * FIFO and priority at the dispatcher's commit of chat c to agentId (an assignment or an offer);
   * `skippable` says an older chat the agent may not take (declined to the limit) may be passed over.
   */
  private checkAssignment(prev: Shadow, c: Conversation, agentId: string, skippable?: (w: Shadow) => boolean): void {
    this.counts.agentAssignments++;
    const queue = prev.queue;
    if (!(this.agents.get(agentId)?.reservations ?? []).some((r) => r.conversationId === c.id)) {
      this.violation(`${c.id}: committed to ${agentId} without a reservation on ${agentId}`);
    }
    const higher = new Set(this.directory.queuesOf(agentId).filter((q) => q.priority < (this.directory.queue(queue ?? '')?.priority ?? Infinity)).map((q) => q.name));
    if (higher.size > 0) this.counts.priorityChecks++;
    let contended = false;
    for (const w of this.conversations.values()) {
      if (w.id !== c.id && w.status === 'Open' && w.queue === queue) contended = true;
      if (w.id === c.id || w.status !== 'Open' || w.offer || w.workstream !== prev.workstream || w.openSeq > prev.openSeq) continue;
      const sameQueue = w.queue === queue;
      const higherQueue = w.queue !== null && higher.has(w.queue);
      if (!sameQueue && !higherQueue) continue;
      if (sameQueue && byWaitingOrder(w, prev) >= 0) continue;
      if (sameQueue) this.counts.fifoComparisons++;
      if (w.fencedSeq > prev.openSeq) continue;
      const reservedBy = this.reservedBy(w.id);
      if (reservedBy.length > 0) continue;
      if (sameQueue && skippable?.(w)) {
        this.counts.declineLimitSkips++;
        continue;
      }
      if (sameQueue) {
        this.violation(`FIFO: ${c.id} (enqueued ${prev.enqueuedAt}) was assigned to ${agentId} from ${queue} while older ${w.id} (enqueued ${w.enqueuedAt}) waited there, visible first and not being assigned`);
      } else {
        this.violation(`priority: ${c.id} was assigned to ${agentId} from ${queue} while ${w.id} waited in higher-priority ${w.queue}, which ${agentId} serves`);
      }
    }
    if (contended) this.counts.contendedAssignments++;
  }

  /** Who holds whose capacity: an offer holds its agent's, as an assignment does (both count against capacity). */
  private updateHeld(prev: Shadow | undefined, c: Shadow): void {
    const before = prev?.holder;
    if (before && c.holder !== before) this.held.get(before)?.delete(c.id);
    if (!c.holder) return;
    const agentId = c.holder;
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
