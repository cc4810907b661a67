import type { AgentUser, Presence } from '../core/config';
import { PRESENCES } from '../core/config';
import { queueScope } from '../core/feed';
import { DEFAULT_SERVICE_LEVEL_SECONDS, queueKpis } from '../core/kpis';
import { agentRow, type AgentRow, type BoardConversationRow } from '../core/liveEvents';
import { countersSince, dropHoursBefore, emptyBoard, foldQueueEvents, noChanges, type BoardChanges, type QueueBoard } from '../core/queueBoard';
import { readAgentState } from './agentStates';
import type { Services } from './services';

/** An agents row of the overview and the stream. */
export type SupervisorAgentRow = AgentRow & { name: string; capacity: number; freeUnits: number; queues: string[] };
/** A conversations row of the overview and the stream: the board's row, its assignee named. */
export type SupervisorConversationRow = BoardConversationRow & { assignee: (BoardConversationRow['assignee'] & { name: string }) | null };

/** The stream's `queues` event. */
export interface QueueSummary {
  asOf: string;
  queues: ReturnType<SupervisorBoards['queueRows']>;
}

/** The KPI window of the real-time view: D365's real-time dashboards show today and the last 24 hours. */
export const KPI_WINDOW_HOURS = 24;
const READ_PAGE = 500;
/** How many refreshes' changes a process keeps for its readers; a reader further behind gets every row again. */
const CHANGES_KEPT = 1_000;
/** How long unchanged boards give the same queue rows (the KPI window moves with the clock, so not for ever). */
const SUMMARY_REUSE_MS = 1_000;

/**
 * This process's copy of every queue's board (core/queueBoard.ts), brought up to the feeds' heads on
 * demand. Each instance folds the same feeds, so each has the same boards; nothing here is shared
 * state. A refresh reads one partition per queue (its feed), never a cross-partition query.
 */
export class SupervisorBoards {
  private readonly boards = new Map<string, QueueBoard>();
  private refreshing: Promise<void> | undefined;
  /** Counts the refreshes that changed something; each one's changes are kept in `recent`. */
  version = 0;
  private readonly recent: { version: number; changes: BoardChanges }[] = [];
  private lastSummary: { version: number; atMs: number; summary: QueueSummary } | undefined;

  constructor(private readonly s: Services) {}

  /** Folds what each queue's feed gained since the last refresh; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.refreshing ??= this.foldAll()
      .then((changes) => this.remember(changes))
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private remember(changes: BoardChanges): void {
    if (changes.conversations.size === 0 && changes.agents.size === 0 && !changes.kpis) return;
    this.version++;
    this.recent.push({ version: this.version, changes });
    if (this.recent.length > CHANGES_KEPT) this.recent.shift();
  }

  /** What changed after `version`, merged; undefined when those changes are no longer kept. */
  changesAfter(version: number): BoardChanges | undefined {
    const merged = noChanges();
    if (version >= this.version) return merged;
    if (!this.recent[0] || this.recent[0].version > version + 1) return undefined;
    for (const { version: v, changes } of this.recent) if (v > version) mergeChanges(merged, changes);
    return merged;
  }

  /** Every row there is, as changes: what a reader left too far behind is sent again. */
  everything(): BoardChanges {
    return { conversations: new Set(this.conversationRows().keys()), agents: new Set(this.agentRows().keys()), kpis: true };
  }

  /**
   * The rows changed between a client's cursor (the boards' positions it had) and now, from the feeds'
   * events in between. A queue whose events are gone, or unknown to the cursor, sends all its rows.
   */
  async changesSinceCursor(seqs: Record<string, number>): Promise<BoardChanges> {
    const changes = noChanges();
    changes.kpis = true;
    for (const [queue, board] of this.boards) {
      const from = seqs[queue];
      if (from === undefined || from >= board.seq) {
        if (from === undefined) for (const id of Object.keys(board.conversations)) changes.conversations.add(id);
        continue;
      }
      for (let after = from; after < board.seq; ) {
        const page = await this.s.feed.read(queueScope(queue), { after, limit: READ_PAGE });
        if (page.truncated) {
          for (const id of Object.keys(board.conversations)) changes.conversations.add(id);
          for (const id of Object.keys(board.agents)) changes.agents.add(id);
          break;
        }
        for (const event of page.events) {
          if (event.seq > board.seq) break;
          const id = (event.data as { id?: unknown }).id;
          if (typeof id !== 'string') continue;
          if (event.type === 'agent') changes.agents.add(id);
          else if (event.type === 'conversation' || event.type === 'conversationRemoved') changes.conversations.add(id);
        }
        const last = page.events.at(-1);
        if (!last) break;
        after = last.seq;
      }
    }
    return changes;
  }

  /** The boards' positions, as a cursor a client can come back with. */
  cursor(): string {
    const seqs: Record<string, number> = {};
    for (const [queue, board] of this.boards) seqs[queue] = board.seq;
    return Buffer.from(JSON.stringify(seqs)).toString('base64url');
  }

  /** The snapshot of GET /api/supervisor/overview, from the boards as they are. */
  overview() {
    const { now, from } = this.kpiWindow();
    const agents = this.agentRows();
    const conversations = [...this.conversationRows().values()];
    return {
      asOf: now.toISOString(),
      window: { from, to: now.toISOString() },
      serviceLevelSeconds: [...DEFAULT_SERVICE_LEVEL_SECONDS],
      queues: this.queueRows(from),
      agents: [...agents.values()],
      conversations,
      cursor: this.cursor(),
    };
  }

  /**
   * The overview's queue rows alone (the stream's `queues` event), without the lists it does not send. Every
   * open stream asks once a second, mostly right after the same refresh: boards unchanged since the last answer
   * (the same version) within SUMMARY_REUSE_MS give that answer again, asOf and all, instead of one per stream.
   */
  queueSummary(): QueueSummary {
    const { now, from } = this.kpiWindow();
    const last = this.lastSummary;
    if (last && last.version === this.version && now.getTime() - last.atMs < SUMMARY_REUSE_MS) return last.summary;
    const summary = { asOf: now.toISOString(), queues: this.queueRows(from) };
    this.lastSummary = { version: this.version, atMs: now.getTime(), summary };
    return summary;
  }

  private kpiWindow() {
    const now = this.s.clock.now();
    return { now, from: new Date(now.getTime() - KPI_WINDOW_HOURS * 3_600_000).toISOString() };
  }

  private async foldAll(): Promise<BoardChanges> {
    const changes = noChanges();
    for (const queue of this.s.config.queues) {
      const board = this.boards.get(queue.name) ?? (await this.newBoard(queue.name, changes));
      this.boards.set(queue.name, board);
      for (;;) {
        const page = await this.s.feed.read(queueScope(queue.name), { after: board.seq, limit: READ_PAGE });
        foldQueueEvents(board, page.events, DEFAULT_SERVICE_LEVEL_SECONDS, changes);
        if (page.events.length < READ_PAGE) break;
      }
      dropHoursBefore(board, new Date(this.s.clock.now().getTime() - KPI_WINDOW_HOURS * 3_600_000).toISOString());
    }
    return changes;
  }

  /** A board's first fold starts from the agents' stored states: an agent unchanged for days has no event left. */
  private async newBoard(queue: string, changes: BoardChanges): Promise<QueueBoard> {
    const board = emptyBoard(queue);
    for (const agent of this.membersOf(queue)) {
      board.agents[agent.id] = agentRow(await readAgentState(this.s, agent));
      changes.agents.add(agent.id);
    }
    changes.kpis = true;
    return board;
  }

  private membersOf(queue: string): AgentUser[] {
    return (this.s.directory.queue(queue)?.members ?? []).map((id) => this.s.directory.agent(id)).filter((a): a is AgentUser => a !== undefined);
  }

  /** Every human agent of some queue, with its latest row from any board. */
  agentRows(): Map<string, SupervisorAgentRow> {
    const rows = new Map<string, SupervisorAgentRow>();
    for (const agent of this.s.directory.agents()) {
      const row = this.agentRowOf(agent);
      if (row) rows.set(agent.id, row);
    }
    return rows;
  }

  /**
   * One agent's row, as agentRows has it; undefined for an agent of no queue. The stream builds only the rows
   * that changed: building every row for each batch of each open stream was most of a busy host's time.
   */
  agentRow(agentId: string): SupervisorAgentRow | undefined {
    const agent = this.s.directory.agent(agentId);
    return agent && this.agentRowOf(agent);
  }

  private agentRowOf(agent: AgentUser): SupervisorAgentRow | undefined {
    const queues = this.s.directory.queuesOf(agent.id).map((q) => q.name);
    if (queues.length === 0) return undefined;
    const row = this.latestAgentRow(agent);
    return { ...row, name: agent.name, capacity: agent.capacity, freeUnits: freeUnits(agent, row), queues };
  }

  /** The agent's newest row on any of its queues' boards; its configured presence before any. */
  private latestAgentRow(agent: AgentUser): AgentRow {
    let latest: AgentRow | undefined;
    for (const queue of this.s.directory.queuesOf(agent.id)) {
      const row = this.boards.get(queue.name)?.agents[agent.id];
      if (row && (!latest || row.at > latest.at)) latest = row;
    }
    return latest ?? { id: agent.id, presence: agent.presence, presenceSince: '', usedUnits: 0, activeChats: 0, at: '' };
  }

  /** Every ongoing chat once: of two boards' rows (a chat moving between queues), the higher epoch. */
  conversationRows(): Map<string, SupervisorConversationRow> {
    const newest = new Map<string, BoardConversationRow>();
    for (const board of this.boards.values()) {
      for (const row of Object.values(board.conversations)) {
        const known = newest.get(row.id);
        if (!known || row.epoch > known.epoch) newest.set(row.id, row);
      }
    }
    return new Map([...newest].map(([id, row]) => [id, this.withAssigneeName(row)]));
  }

  /** One chat's row, as conversationRows has it; undefined once no board holds it (closed). */
  conversationRow(id: string): SupervisorConversationRow | undefined {
    const newest = this.newestRow(id);
    return newest && this.withAssigneeName(newest);
  }

  private newestRow(id: string): BoardConversationRow | undefined {
    let newest: BoardConversationRow | undefined;
    for (const board of this.boards.values()) {
      const row = Object.hasOwn(board.conversations, id) ? board.conversations[id] : undefined;
      if (row && (!newest || row.epoch > newest.epoch)) newest = row;
    }
    return newest;
  }

  private withAssigneeName(row: BoardConversationRow): SupervisorConversationRow {
    const assignee = row.assignee ? { ...row.assignee, name: this.s.directory.user(row.assignee.id)?.name ?? row.assignee.id } : null;
    return { ...row, assignee };
  }

  /**
   * The queue rows, read off the boards without building the agent and conversation rows: every open stream
   * asks for them at each batch, and building every row for it was a tenth of a busy host's time.
   */
  private queueRows(from: string) {
    const working = new Set<Presence>(this.s.config.workstreams.flatMap((w) => w.allowedPresences));
    const waitingBy = new Map<string, BoardConversationRow[]>();
    for (const board of this.boards.values()) {
      for (const row of Object.values(board.conversations)) {
        // A chat moving between queues has a row on both boards: the higher epoch is where it is.
        if (row.status !== 'Open' || row.queue === null || this.newestRow(row.id) !== row) continue;
        const waiting = waitingBy.get(row.queue);
        if (waiting) waiting.push(row);
        else waitingBy.set(row.queue, [row]);
      }
    }
    return this.s.config.queues.map((queue) => {
      const board = this.boards.get(queue.name);
      const waiting = waitingBy.get(queue.name) ?? [];
      const members = queue.members.map((id) => this.s.directory.agent(id)).filter((a) => a !== undefined).map((agent) => ({ agent, row: this.latestAgentRow(agent) }));
      const agentsByPresence = Object.fromEntries(PRESENCES.map((p) => [p, members.filter((m) => m.row.presence === p).length]));
      return {
        name: queue.name,
        waiting: waiting.filter((c) => !c.offeredTo).length,
        offered: waiting.filter((c) => c.offeredTo).length,
        longestWaitSince: waiting.reduce<string | null>((oldest, c) => (c.enqueuedAt && (!oldest || c.enqueuedAt < oldest) ? c.enqueuedAt : oldest), null),
        agentsByPresence,
        freeCapacity: members.filter((m) => working.has(m.row.presence)).reduce((sum, m) => sum + freeUnits(m.agent, m.row), 0),
        ...queueKpis(board ? countersSince(board, from) : countersSince(emptyBoard(queue.name), from), DEFAULT_SERVICE_LEVEL_SECONDS),
      };
    });
  }
}

function freeUnits(agent: AgentUser, row: AgentRow): number {
  return Math.max(0, agent.capacity - row.usedUnits);
}

function mergeChanges(into: BoardChanges, from: BoardChanges): void {
  for (const id of from.conversations) into.conversations.add(id);
  for (const id of from.agents) into.agents.add(id);
  into.kpis ||= from.kpis;
}

const perServices = new WeakMap<Services, SupervisorBoards>();

/** The boards of this process (one per composition root). */
export function supervisorBoardsOf(s: Services): SupervisorBoards {
  let boards = perServices.get(s);
  if (!boards) perServices.set(s, (boards = new SupervisorBoards(s)));
  return boards;
}

/** GET /api/supervisor/overview. */
export async function supervisorOverview(s: Services) {
  const boards = supervisorBoardsOf(s);
  await boards.refresh();
  return boards.overview();
}
