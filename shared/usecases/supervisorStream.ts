import { queueScope } from '../core/feed';
import { noChanges, type BoardChanges } from '../core/queueBoard';
import { CursorError, LET_GO, type LiveBatch, type LiveEvent, type LiveNextOptions, type LiveReader, type LiveSource } from './liveStream';
import type { Services } from './services';
import { supervisorBoardsOf, type SupervisorBoards } from './supervisorBoards';

/**
 * A stream sends at most one batch this often: the rows move with every event, the people reading them do
 * not. Well under a second, because a change right after a batch waits up to this long, and the supervisor
 * is promised every change within a second. Under load this is what keeps each open stream from waking,
 * refreshing and writing for every event (at 200 chats/s, about 350 events a second per stream).
 */
export const BATCH_EVERY_MS = 250;
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
  private lastBatchAt = 0;

  constructor(private readonly s: Services, private readonly boards: SupervisorBoards) {
    this.version = boards.version;
  }

  get cursor(): string {
    return this.boards.cursor();
  }

  async next({ timeoutInMs, signal }: LiveNextOptions): Promise<LiveBatch> {
    const deadline = Date.now() + timeoutInMs;
    for (;;) {
      // The wait is armed before the pause and the refresh, as FeedReader's is before its read: an append
      // meanwhile still wakes it (armed after, it slept until REFRESH_EVERY_MS). It is let go once not needed.
      const done = new AbortController();
      const stop = () => done.abort(LET_GO);
      signal?.addEventListener('abort', stop, { once: true });
      const appended = this.woken(Math.max(0, Math.min(REFRESH_EVERY_MS, deadline - Date.now())), done.signal);
      try {
        // What changed since the last batch waits for the rest of BATCH_EVERY_MS, and goes out with what follows.
        await pause(Math.min(this.lastBatchAt + BATCH_EVERY_MS, deadline) - Date.now(), done.signal);
        await this.boards.refresh();
        const events = this.take();
        if (events.length > 0) {
          this.lastBatchAt = Date.now();
          return { events, closing: false };
        }
        if (signal?.aborted || Date.now() >= deadline) return { events: [], closing: false };
        if ((await appended) === 'closing') return { events: [], closing: true };
      } finally {
        signal?.removeEventListener('abort', stop);
        done.abort(LET_GO);
      }
    }
  }

  /** The rows changed since this reader's last batch, and the queue rows when anything changed. */
  private take(): LiveEvent[] {
    const changes = this.pending ?? noChanges();
    this.pending = undefined;
    const since = this.boards.changesAfter(this.version);
    this.version = this.boards.version;
    // Fallen out of the boards' recent changes (a reader left behind): every row again.
    const all = since ?? this.boards.everything();
    for (const id of all.conversations) changes.conversations.add(id);
    for (const id of all.agents) changes.agents.add(id);
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
    if (all.kpis || changes.kpis || changes.conversations.size > 0 || changes.agents.size > 0) {
      events.push({ id: cursor, type: 'queues', data: this.boards.queueSummary() });
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

/** Resolves after `ms`, or at once when `signal` aborts; never rejects (timers/promises' would build an AbortError). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
