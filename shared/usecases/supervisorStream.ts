import { setTimeout as sleep } from 'node:timers/promises';
import { queueScope } from '../core/feed';
import { noChanges, type BoardChanges } from '../core/queueBoard';
import { CursorError, LET_GO, type LiveBatch, type LiveEvent, type LiveNextOptions, type LiveReader, type LiveSource } from './liveStream';
import type { Services } from './services';
import { supervisorBoardsOf, type SupervisorBoards } from './supervisorBoards';

/**
 * The queue rows go out at most this often: they move with every event, the people reading them do not.
 * Well under a second, because a change right after another waits up to this long, and the supervisor
 * is promised every change within a second (at 1 s, a transfer's offer showed after 0.95 s).
 */
export const QUEUES_EVERY_MS = 250;
/** Where another instance may append, the boards are read again at least this often. */
const REFRESH_EVERY_MS = 1_000;

/**
 * The supervisor's stream (GET /api/supervisor/events): the rows of the overview that changed, computed
 * from this process's boards (supervisorBoards.ts). A cursor is the boards' positions; a client that
 * comes back with one gets every row that changed since, as it is now (rows are state, so sending a
 * row's latest value once is the same as sending each of its changes).
 */
export function supervisorSource(s: Services): LiveSource {
  return {
    async open(cursor) {
      const boards = supervisorBoardsOf(s);
      await boards.refresh();
      const reader = new SupervisorReader(s, boards);
      if (cursor !== undefined) reader.pending = await boards.changesSinceCursor(parseCursor(cursor));
      return reader;
    },
  };
}

function parseCursor(cursor: string): Record<string, number> {
  try {
    const seqs: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (seqs && typeof seqs === 'object' && !Array.isArray(seqs) && Object.values(seqs).every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
      return seqs as Record<string, number>;
    }
  } catch {
    // Not ours: said below.
  }
  throw new CursorError('expected the id of an event of this stream (the boards\' positions, as the overview\'s cursor gives them)');
}

class SupervisorReader implements LiveReader {
  /** Changes to send before anything new: what happened between the client's cursor and now. */
  pending: BoardChanges | undefined;
  private version: number;
  private lastQueuesAt = 0;
  private queuesDue = false;

  constructor(private readonly s: Services, private readonly boards: SupervisorBoards) {
    this.version = boards.version;
  }

  get cursor(): string {
    return this.boards.cursor();
  }

  async next({ timeoutInMs, signal }: LiveNextOptions): Promise<LiveBatch> {
    const deadline = Date.now() + timeoutInMs;
    for (;;) {
      // The wait is armed before the refresh, as FeedReader's is before its read: an append while the last
      // batch went out, or during the refresh, still wakes it (read after, it slept until the next queues
      // event or REFRESH_EVERY_MS). It is let go once not needed.
      const done = new AbortController();
      const stop = () => done.abort();
      signal?.addEventListener('abort', stop, { once: true });
      const appended = this.woken(REFRESH_EVERY_MS, done.signal);
      try {
        await this.boards.refresh();
        const events = this.take();
        if (events.length > 0 || signal?.aborted) return { events, closing: false };
        // Queue rows still due go out when due, past the deadline too; otherwise the deadline ends the wait.
        if (Date.now() >= deadline && !this.queuesDue) return { events: [], closing: false };
        const wakeAt = this.queuesDue ? this.lastQueuesAt + QUEUES_EVERY_MS : deadline;
        const due = sleep(Math.max(0, wakeAt - Date.now()), undefined, { signal: done.signal }).then(() => 'woken' as const, () => 'woken' as const);
        if ((await Promise.race([appended, due])) === 'closing') return { events: [], closing: true };
      } finally {
        signal?.removeEventListener('abort', stop);
        done.abort();
      }
    }
  }

  /** The rows changed since this reader's last batch, and the queue rows once they are due. */
  private take(): LiveEvent[] {
    const changes = this.pending ?? noChanges();
    this.pending = undefined;
    const since = this.boards.changesAfter(this.version);
    this.version = this.boards.version;
    // Fallen out of the boards' recent changes (a reader left behind): every row again.
    const all = since ?? this.boards.everything();
    for (const id of all.conversations) changes.conversations.add(id);
    for (const id of all.agents) changes.agents.add(id);
    const queuesChanged = all.kpis || changes.kpis || all.conversations.size > 0 || all.agents.size > 0 || changes.conversations.size > 0 || changes.agents.size > 0;
    const cursor = this.boards.cursor();
    const events: LiveEvent[] = [];
    for (const id of changes.conversations) {
      const row = this.boards.conversationRow(id);
      events.push(row ? { id: cursor, type: 'conversation', data: row } : { id: cursor, type: 'conversationRemoved', data: { id } });
    }
    for (const id of changes.agents) {
      const row = this.boards.agentRow(id);
      if (row) events.push({ id: cursor, type: 'agent', data: row });
    }
    if (queuesChanged) this.queuesDue = true;
    if (this.queuesDue && Date.now() - this.lastQueuesAt >= QUEUES_EVERY_MS) {
      events.push({ id: cursor, type: 'queues', data: this.boards.queueSummary() });
      this.queuesDue = false;
      this.lastQueuesAt = Date.now();
    }
    return events;
  }

  /** Waits for an append to any queue's feed, at most `timeoutInMs`. */
  private async woken(timeoutInMs: number, signal: AbortSignal | undefined): Promise<'woken' | 'closing'> {
    const done = new AbortController();
    const stop = () => done.abort(LET_GO);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      const waits = this.s.config.queues.map((q) => this.s.changes.next(queueScope(q.name), timeoutInMs, { signal: done.signal }));
      return await Promise.race(waits);
    } finally {
      signal?.removeEventListener('abort', stop);
      done.abort(LET_GO);
    }
  }
}
