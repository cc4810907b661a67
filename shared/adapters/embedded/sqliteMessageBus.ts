import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../ports/clock';
import { QUEUES, type BusQueueStats, type MessageBus, type MessageHandler, type OutgoingMessage, type QueueName } from '../../ports/messageBus';
import { messageTraceparent } from '../conversationTrace';
import type { SqliteDatabase } from './sqliteDatabase';

/**
 * The embedded twin of Service Bus: durable queues in SQLite with sessions, peek-lock with automatic
 * renewal, redelivery, dead-lettering with a reason, duplicate detection and scheduled messages.
 *
 * Model: a session is locked as a whole (one `bus_sessions` row, locked until `ready_at`), and only the
 * session's head message (lowest `order_key`) is ever delivered, so a session's messages are handled one
 * at a time and in order.
 *
 * A send only appends: the message is durable, in send order, but not yet in its session (`order_key`
 * NULL). The queue's processor sequences what is due, in send order, before it receives: it drops
 * duplicates, gives each message its place in its session (`order_key`) and opens the session. So the
 * writes that land on random pages (the duplicate-detection and session indexes) are made in one batch
 * by the receiving side, as Service Bus does them on its own servers, and a sender (the HTTP edge)
 * pays for an append. A scheduled message is sequenced when its time comes, so it queues behind what
 * its session already holds then and blocks nothing before (as in Service Bus).
 * A message keeps its correlationId and traceparent (Service Bus `correlationId` and `Diagnostic-Id`) on every delivery.
 * "Now" comes from the Clock; timers (polling, lock renewal) run on real time.
 */

export interface QueueProcessorOptions {
  maxConcurrentSessions: number;
  maxDeliveryCount: number;
  lockDurationInMs: number;
  /** Wait before redelivering a message whose handler threw; the session waits with it. Default: none. */
  retryDelayInMs?: (deliveryCount: number) => number;
}

export interface SqliteMessageBusOptions {
  clock?: Clock;
  /** Messages whose id the queue accepted within this window are dropped. Default: 10 minutes. */
  duplicateDetectionWindowInMs?: number;
  /** Failures of the bus itself (not of handlers), e.g. the database going away. Default: console.error. */
  onError?: (error: unknown) => void;
  /**
   * A message dead-lettered because the lock of its last allowed delivery expired (its receiver died):
   * no handler failed, so no handler could report it. Must not throw (if it does, onError is told).
   */
  onLockExpiredDeadLetter?: (queue: QueueName, deadLetter: DeadLetter) => void;
}

export interface DeadLetter {
  messageId: string;
  sessionId: string;
  body: unknown;
  /** 'MaxDeliveryCountExceeded' or 'PoisonMessage'. */
  reason: string;
  description: string;
  deliveryCount: number;
}

export interface QueueProcessor {
  close(): Promise<void>;
}

/** Messages a processor sequences per transaction: enough to catch up on a burst, few enough to keep the event loop responsive. */
const SEQUENCE_BATCH = 500;
/** How often an idle processor looks for messages that became ready by time (retries, lock expiry, schedules). */
const POLL_INTERVAL_IN_MS = 15;
const WHEN_IDLE_CHECK_INTERVAL_IN_MS = 5;
const MESSAGE_ID_PURGE_INTERVAL_IN_MS = 60_000;

export class SqliteMessageBus implements MessageBus {
  private readonly tables: BusTables;
  private readonly clock: Clock;
  private readonly duplicateDetectionWindowInMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly onLockExpiredDeadLetter: (queue: QueueName, deadLetter: DeadLetter) => void;
  private readonly processors = new Map<QueueName, SessionProcessor>();
  private lastMessageIdPurgeAt = 0;
  private uncommitted: { messages: OutgoingMessage[]; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(db: SqliteDatabase, options: SqliteMessageBusOptions = {}) {
    this.tables = new BusTables(db);
    this.clock = options.clock ?? systemClock;
    this.duplicateDetectionWindowInMs = options.duplicateDetectionWindowInMs ?? 10 * 60_000;
    this.onError = options.onError ?? ((error) => console.error('[sqliteMessageBus]', error));
    this.onLockExpiredDeadLetter = options.onLockExpiredDeadLetter ?? (() => undefined);
  }

  /**
   * Accepts the whole batch, or none of it; resolves once it is committed. Sends made in the same
   * turn of the event loop (the requests one poll of the sockets brought) commit in one transaction:
   * a commit costs more than the rows it writes. A duplicate is accepted too, and dropped when
   * sequenced, as Service Bus drops it without telling the sender.
   */
  async send(messages: OutgoingMessage[]): Promise<void> {
    messages.forEach(assertSendable);
    await new Promise<void>((resolve, reject) => {
      if (this.uncommitted.length === 0) setImmediate(() => this.commitSends());
      this.uncommitted.push({ messages, resolve, reject });
    });
  }

  private commitSends(): void {
    const sends = this.uncommitted;
    this.uncommitted = [];
    if (sends.length === 0) return;
    const now = this.nowInMs();
    try {
      this.tables.send(sends.flatMap((s) => s.messages), now);
      sends.forEach((s) => s.resolve());
    } catch (error) {
      // The database is locked (another process held it past busy_timeout): every send would wait as long again.
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return void sends.forEach((s) => s.reject(error));
      // One transaction each, so a send that cannot be written fails alone.
      for (const s of sends) {
        try {
          this.tables.send(s.messages, now);
          s.resolve();
        } catch (error) {
          s.reject(error);
        }
      }
    }
    if (now - this.lastMessageIdPurgeAt >= MESSAGE_ID_PURGE_INTERVAL_IN_MS) {
      this.lastMessageIdPurgeAt = now;
      this.tables.purgeMessageIds(now - this.duplicateDetectionWindowInMs);
    }
    for (const queue of new Set(sends.flatMap((s) => s.messages.map((m) => m.queue)))) this.processors.get(queue)?.wake();
  }

  /** Starts receiving from `queue`, like a session-enabled Service Bus trigger. One processor per queue. */
  process(queue: QueueName, handler: MessageHandler, options: QueueProcessorOptions): QueueProcessor {
    assertProcessorOptions(options);
    if (this.processors.has(queue)) throw new Error(`A processor for queue '${queue}' is already running.`);
    const processor = new SessionProcessor(queue, handler, options, this.tables, () => this.nowInMs(), this.duplicateDetectionWindowInMs, this.onError, this.onLockExpiredDeadLetter);
    this.processors.set(queue, processor);
    processor.wake();
    return {
      close: async () => {
        await processor.close();
        if (this.processors.get(queue) === processor) this.processors.delete(queue);
      },
    };
  }

  /** Resolves once no message is ready, locked or waiting for a retry on any queue; scheduled ones not yet due are ignored. */
  async whenIdle(options: { timeoutInMs?: number } = {}): Promise<void> {
    const timeoutInMs = options.timeoutInMs ?? 10_000;
    const deadline = Date.now() + timeoutInMs;
    while (!this.isIdle()) {
      if (Date.now() >= deadline) {
        throw new Error(`The message bus was still busy after ${timeoutInMs} ms: ${this.tables.describePendingWork(this.nowInMs())}.`);
      }
      await delay(WHEN_IDLE_CHECK_INTERVAL_IN_MS);
    }
  }

  async listDeadLetters(queue: QueueName): Promise<DeadLetter[]> {
    return this.tables.listDeadLetters(queue);
  }

  /** Counts over the queue's rows (messages sent but not yet sequenced count as due once due, as Service Bus counts them active). */
  async stats(): Promise<BusQueueStats[]> {
    const now = this.nowInMs();
    return Object.values(QUEUES).map((queue) => this.tables.stats(queue, now));
  }

  /** Stops every processor and waits for the handlers in flight to finish and settle their messages. */
  async close(): Promise<void> {
    this.commitSends();
    const processors = [...this.processors.values()];
    this.processors.clear();
    await Promise.all(processors.map((p) => p.close()));
  }

  private isIdle(): boolean {
    return [...this.processors.values()].every((p) => p.inFlightCount === 0) && !this.tables.hasPendingWork(this.nowInMs());
  }

  private nowInMs(): number {
    return this.clock.now().getTime();
  }
}

/** Receives from one queue: up to maxConcurrentSessions sessions at a time, one message per session. */
class SessionProcessor {
  private readonly inFlight = new Set<Promise<void>>();
  private pollTimer: NodeJS.Timeout | undefined;
  private pumpPending = false;
  private closed = false;

  constructor(
    private readonly queue: QueueName,
    private readonly handler: MessageHandler,
    private readonly options: QueueProcessorOptions,
    private readonly tables: BusTables,
    private readonly now: () => number,
    private readonly duplicateDetectionWindowInMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly onLockExpiredDeadLetter: (queue: QueueName, deadLetter: DeadLetter) => void,
  ) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Looks for work on the next turn of the event loop (coalesced). */
  wake(): void {
    if (this.closed || this.pumpPending) return;
    this.pumpPending = true;
    setImmediate(() => {
      this.pumpPending = false;
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.pollTimer);
    await Promise.all([...this.inFlight]);
  }

  private pump(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    if (this.closed) return;
    try {
      // Plain reads first: a write transaction that finds nothing to do still takes the database's write lock,
      // and an idle processor (or a busy one whose sessions are all held) asks many times a second.
      if (this.tables.hasDue(this.queue, this.now())) this.tables.sequence(this.queue, this.now(), this.duplicateDetectionWindowInMs);
      while (this.inFlight.size < this.options.maxConcurrentSessions && this.tables.hasReadySession(this.queue, this.now())) {
        const expired: DeadLetter[] = [];
        const delivery = this.tables.receive(this.queue, this.now(), this.options, expired);
        for (const deadLetter of expired) this.settle(() => this.onLockExpiredDeadLetter(this.queue, deadLetter));
        if (!delivery) break;
        const run = this.deliver(delivery).finally(() => {
          this.inFlight.delete(run);
          this.wake();
        });
        this.inFlight.add(run);
      }
    } catch (error) {
      this.onError(error);
    }
    // A full processor is woken by its next settlement; otherwise poll for work that becomes ready by time.
    if (this.inFlight.size < this.options.maxConcurrentSessions) {
      this.pollTimer = setTimeout(() => this.pump(), POLL_INTERVAL_IN_MS);
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const { lockDurationInMs, maxDeliveryCount, retryDelayInMs } = this.options;
    // Auto lock renewal, like the Functions host's: a long handler keeps its session.
    const renewal = setInterval(() => this.settle(() => this.tables.renewLock(delivery, this.now() + lockDurationInMs)), Math.max(1, lockDurationInMs / 3));
    try {
      await this.handler(JSON.parse(delivery.body) as unknown, {
        messageId: delivery.messageId,
        sessionId: delivery.sessionId,
        deliveryCount: delivery.deliveryCount,
        ...(delivery.correlationId !== null ? { correlationId: delivery.correlationId } : {}),
        ...(delivery.traceparent !== null ? { traceparent: delivery.traceparent } : {}),
        ...(delivery.followedInSession ? { followedInSession: true } : {}),
      });
      clearInterval(renewal);
      this.settle(() => this.tables.complete(delivery, this.now()));
    } catch (error) {
      clearInterval(renewal);
      if (isPoisonMessageError(error)) {
        this.settle(() => this.tables.deadLetter(delivery, 'PoisonMessage', error.message, this.now()));
      } else if (delivery.deliveryCount >= maxDeliveryCount) {
        this.settle(() => this.tables.deadLetter(delivery, 'MaxDeliveryCountExceeded', describeError(error), this.now()));
      } else {
        this.settle(() => this.tables.abandon(delivery, this.now() + (retryDelayInMs?.(delivery.deliveryCount) ?? 0)));
      }
    }
  }

  /** A settlement that fails (lock lost, database error) leaves the lock to expire, so the message is redelivered. */
  private settle(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.onError(error);
    }
  }
}

interface Delivery {
  rowId: number;
  queue: QueueName;
  sessionId: string;
  messageId: string;
  body: string;
  deliveryCount: number;
  lockToken: string;
  correlationId: string | null;
  traceparent: string | null;
  /** A sequenced message of the session was behind this one when it was received. */
  followedInSession: boolean;
}

interface HeadRow {
  id: number;
  message_id: string;
  body: string;
  delivery_count: number;
  correlation_id: string | null;
  traceparent: string | null;
}

interface DeadLetterRow {
  message_id: string;
  session_id: string;
  body: string;
  reason: string;
  description: string;
  delivery_count: number;
}

/** The bus's SQL: prepared once, each state change one IMMEDIATE transaction. */
class BusTables {
  private readonly sql;
  // Each of these runs as one IMMEDIATE transaction (built in the constructor, over the prepared statements).
  readonly send: (messages: OutgoingMessage[], now: number) => void;
  readonly sequence: (queue: QueueName, now: number, duplicateDetectionWindowInMs: number) => void;
  /** The next delivery; messages dead-lettered on the way (their last delivery's lock expired) are added to `expired`. */
  readonly receive: (queue: QueueName, now: number, options: QueueProcessorOptions, expired: DeadLetter[]) => Delivery | undefined;
  readonly complete: (delivery: Delivery, now: number) => void;
  readonly deadLetter: (delivery: Delivery, reason: string, description: string, now: number) => void;

  constructor(private readonly db: SqliteDatabase) {
    this.sql = {
      acceptMessageId: db.prepare<[string, string, number, number]>(
        `INSERT INTO bus_message_ids (queue, message_id, accepted_at) VALUES (?, ?, ?)
         ON CONFLICT (queue, message_id) DO UPDATE SET accepted_at = excluded.accepted_at WHERE accepted_at <= ?`,
      ),
      purgeMessageIds: db.prepare<[number]>('DELETE FROM bus_message_ids WHERE accepted_at <= ?'),
      nextOrderKey: db.prepare<[string, string], { next: number }>(
        'SELECT coalesce(max(order_key), 0) + 1 AS next FROM bus_messages WHERE queue = ? AND session_id = ? AND order_key IS NOT NULL',
      ),
      append: db.prepare<[string, string, string, string, number, number, string | null, string | null]>(
        'INSERT INTO bus_messages (queue, session_id, message_id, body, scheduled_for, sent_at, correlation_id, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      openSession: db.prepare<[string, string, number, string]>(
        `INSERT INTO bus_sessions (queue, session_id, ready_at, turn)
         VALUES (?, ?, ?, (SELECT coalesce(max(turn), 0) + 1 FROM bus_sessions WHERE queue = ?))
         ON CONFLICT (queue, session_id) DO NOTHING`,
      ),
      due: db.prepare<[string, number, number], { id: number; session_id: string; message_id: string; sent_at: number | null }>(
        `SELECT id, session_id, message_id, sent_at FROM bus_messages WHERE queue = ? AND order_key IS NULL AND scheduled_for <= ?
         ORDER BY scheduled_for, id LIMIT ?`,
      ),
      // scheduled_for stays: with sent_at it tells since when the message has been due (stats).
      activate: db.prepare<[number, number]>('UPDATE bus_messages SET order_key = ? WHERE id = ?'),
      nextReadySession: db.prepare<[string, number], { session_id: string }>(
        'SELECT session_id FROM bus_sessions WHERE queue = ? AND ready_at <= ? ORDER BY ready_at, turn LIMIT 1',
      ),
      // The head and the message behind it, if any (ReceivedMessageInfo.followedInSession).
      head: db.prepare<[string, string], HeadRow>(
        `SELECT id, message_id, body, delivery_count, correlation_id, traceparent FROM bus_messages
         WHERE queue = ? AND session_id = ? AND order_key IS NOT NULL ORDER BY order_key LIMIT 2`,
      ),
      lockSession: db.prepare<[number, string, string, string, string]>(
        `UPDATE bus_sessions SET ready_at = ?, lock_token = ?, turn = (SELECT max(turn) + 1 FROM bus_sessions WHERE queue = ?)
         WHERE queue = ? AND session_id = ?`,
      ),
      countDelivery: db.prepare<[number]>('UPDATE bus_messages SET delivery_count = delivery_count + 1 WHERE id = ?'),
      lockToken: db.prepare<[string, string], { lock_token: string | null }>(
        'SELECT lock_token FROM bus_sessions WHERE queue = ? AND session_id = ?',
      ),
      deleteMessage: db.prepare<[number]>('DELETE FROM bus_messages WHERE id = ?'),
      releaseSession: db.prepare<[number, string, string]>('UPDATE bus_sessions SET ready_at = ?, lock_token = NULL WHERE queue = ? AND session_id = ?'),
      closeSession: db.prepare<[string, string]>('DELETE FROM bus_sessions WHERE queue = ? AND session_id = ?'),
      abandon: db.prepare<[number, string, string, string]>(
        'UPDATE bus_sessions SET ready_at = ?, lock_token = NULL WHERE queue = ? AND session_id = ? AND lock_token = ?',
      ),
      renewLock: db.prepare<[number, string, string, string]>(
        'UPDATE bus_sessions SET ready_at = ? WHERE queue = ? AND session_id = ? AND lock_token = ?',
      ),
      insertDeadLetter: db.prepare<[string, string, number, number]>(
        `INSERT INTO bus_dead_letters (queue, message_id, session_id, body, reason, description, delivery_count, dead_lettered_at)
         SELECT queue, message_id, session_id, body, ?, ?, delivery_count, ? FROM bus_messages WHERE id = ?`,
      ),
      listDeadLetters: db.prepare<[string], DeadLetterRow>(
        'SELECT message_id, session_id, body, reason, description, delivery_count FROM bus_dead_letters WHERE queue = ? ORDER BY id',
      ),
      countSessions: db.prepare<[], { count: number }>('SELECT count(*) AS count FROM bus_sessions'),
      // Due since the later of when it was sent and when it was scheduled for (0: at once; NULL: sequenced by an earlier version).
      dueStats: db.prepare<[string, number], { count: number; since: number | null }>(
        `SELECT count(*) AS count, min(max(coalesce(scheduled_for, 0), coalesce(sent_at, 0))) AS since FROM bus_messages
         WHERE queue = ? AND (order_key IS NOT NULL OR scheduled_for <= ?)`,
      ),
      countScheduled: db.prepare<[string, number], { count: number }>('SELECT count(*) AS count FROM bus_messages WHERE queue = ? AND order_key IS NULL AND scheduled_for > ?'),
      countDeadLetters: db.prepare<[string], { count: number }>('SELECT count(*) AS count FROM bus_dead_letters WHERE queue = ?'),
      anySession: db.prepare<[], { found: number }>('SELECT 1 AS found FROM bus_sessions LIMIT 1'),
      anyDueIn: db.prepare<[string, number], { found: number }>('SELECT 1 AS found FROM bus_messages WHERE queue = ? AND order_key IS NULL AND scheduled_for <= ? LIMIT 1'),
      anyReadySession: db.prepare<[string, number], { found: number }>('SELECT 1 AS found FROM bus_sessions WHERE queue = ? AND ready_at <= ? LIMIT 1'),
      anyDue: db.prepare<[number], { found: number }>('SELECT 1 AS found FROM bus_messages WHERE order_key IS NULL AND scheduled_for <= ? LIMIT 1'),
      countUnsequenced: db.prepare<[number], { count: number }>(
        'SELECT count(*) AS count FROM bus_messages WHERE order_key IS NULL AND scheduled_for <= ?',
      ),
    };

    this.send = this.immediate((messages: OutgoingMessage[], now: number) => {
      for (const message of messages) {
        const scheduledFor = message.scheduledEnqueueTimeUtc?.getTime() ?? 0;
        // Due at once is due since time 0: sequenced before any scheduled message, whatever the clock says.
        const { correlationId } = message;
        const traceparent = correlationId ? messageTraceparent(correlationId, message.messageId) : null;
        this.sql.append.run(message.queue, message.sessionId, message.messageId, JSON.stringify(message.body) ?? 'null', scheduledFor > now ? scheduledFor : 0, now, correlationId ?? null, traceparent);
      }
    });

    this.sequence = this.immediate((queue: QueueName, now: number, duplicateDetectionWindowInMs: number) => {
      for (const due of this.sql.due.all(queue, now, SEQUENCE_BATCH)) {
        // The window is counted from when each copy was sent, as Service Bus counts it, however late it is
        // sequenced. (No sent_at: an earlier version checked it when it was sent.)
        const sentAt = due.sent_at;
        if (sentAt !== null && this.sql.acceptMessageId.run(queue, due.message_id, sentAt, sentAt - duplicateDetectionWindowInMs).changes === 0) {
          this.sql.deleteMessage.run(due.id);
          continue;
        }
        this.sql.activate.run(this.nextOrderKey(queue, due.session_id), due.id);
        this.sql.openSession.run(queue, due.session_id, now, queue);
      }
    });

    this.receive = this.immediate((queue: QueueName, now: number, options: QueueProcessorOptions, expired: DeadLetter[]): Delivery | undefined => {
      for (;;) {
        const session = this.sql.nextReadySession.get(queue, now);
        if (!session) return undefined;
        const [head, behind] = this.sql.head.all(queue, session.session_id);
        if (!head) {
          this.sql.closeSession.run(queue, session.session_id);
          continue;
        }
        const delivery: Delivery = {
          rowId: head.id,
          queue,
          sessionId: session.session_id,
          messageId: head.message_id,
          body: head.body,
          deliveryCount: head.delivery_count + 1,
          lockToken: randomUUID(),
          correlationId: head.correlation_id,
          traceparent: head.traceparent,
          followedInSession: behind !== undefined,
        };
        if (head.delivery_count >= options.maxDeliveryCount) {
          // Its last allowed delivery ended with the lock expiring (the receiver died): Service Bus dead-letters it.
          const description = `The lock expired on delivery ${head.delivery_count}, the last of ${options.maxDeliveryCount} allowed.`;
          this.moveToDeadLetters({ ...delivery, deliveryCount: head.delivery_count }, 'MaxDeliveryCountExceeded', description, now);
          expired.push({ messageId: head.message_id, sessionId: session.session_id, body: JSON.parse(head.body) as unknown, reason: 'MaxDeliveryCountExceeded', description, deliveryCount: head.delivery_count });
          continue;
        }
        this.sql.lockSession.run(now + options.lockDurationInMs, delivery.lockToken, queue, queue, session.session_id);
        this.sql.countDelivery.run(head.id);
        return delivery;
      }
    });

    this.complete = this.immediate((delivery: Delivery, now: number) => {
      this.assertLockHeld(delivery);
      this.sql.deleteMessage.run(delivery.rowId);
      this.releaseOrCloseSession(delivery, now);
    });

    this.deadLetter = this.immediate((delivery: Delivery, reason: string, description: string, now: number) => {
      this.assertLockHeld(delivery);
      this.moveToDeadLetters(delivery, reason, description, now);
    });
  }

  /** Gives the session back, to be redelivered (delivery count already counted) at `readyAt`. */
  abandon(delivery: Delivery, readyAt: number): void {
    if (this.sql.abandon.run(readyAt, delivery.queue, delivery.sessionId, delivery.lockToken).changes === 0) throw lockLost(delivery);
  }

  renewLock(delivery: Delivery, lockedUntil: number): void {
    if (this.sql.renewLock.run(lockedUntil, delivery.queue, delivery.sessionId, delivery.lockToken).changes === 0) throw lockLost(delivery);
  }

  purgeMessageIds(acceptedBefore: number): void {
    this.sql.purgeMessageIds.run(acceptedBefore);
  }

  /** Whether a message of the queue waits to be sequenced (sent, or its schedule come). */
  hasDue(queue: QueueName, now: number): boolean {
    return this.sql.anyDueIn.get(queue, now) !== undefined;
  }

  /** Whether a session of the queue is ready to be received from (unlocked, or its lock expired). */
  hasReadySession(queue: QueueName, now: number): boolean {
    return this.sql.anyReadySession.get(queue, now) !== undefined;
  }

  /** Whether any session holds messages or any message waits to be sequenced: two EXISTS, however long the backlog. */
  hasPendingWork(now: number): boolean {
    return this.sql.anySession.get() !== undefined || this.sql.anyDue.get(now) !== undefined;
  }

  describePendingWork(now: number): string {
    const { sessions, unsequenced } = this.pendingCounts(now);
    return `${sessions} session(s) hold messages (ready, locked or waiting for a retry), ${unsequenced} message(s) sent or due wait to be sequenced`;
  }

  listDeadLetters(queue: QueueName): DeadLetter[] {
    return this.sql.listDeadLetters.all(queue).map((row) => ({
      messageId: row.message_id,
      sessionId: row.session_id,
      body: JSON.parse(row.body) as unknown,
      reason: row.reason,
      description: row.description,
      deliveryCount: row.delivery_count,
    }));
  }

  stats(queue: QueueName, now: number): BusQueueStats {
    const due = this.sql.dueStats.get(queue, now);
    const activeMessages = due?.count ?? 0;
    return {
      queue,
      activeMessages,
      scheduledMessages: this.sql.countScheduled.get(queue, now)?.count ?? 0,
      deadLetterMessages: this.sql.countDeadLetters.get(queue)?.count ?? 0,
      oldestMessageAgeInMs: activeMessages > 0 && due?.since != null ? Math.max(0, now - due.since) : null,
    };
  }

  private pendingCounts(now: number): { sessions: number; unsequenced: number } {
    return {
      sessions: this.sql.countSessions.get()?.count ?? 0,
      unsequenced: this.sql.countUnsequenced.get(now)?.count ?? 0,
    };
  }

  private nextOrderKey(queue: string, sessionId: string): number {
    return this.sql.nextOrderKey.get(queue, sessionId)?.next ?? 1;
  }

  private moveToDeadLetters(delivery: Delivery, reason: string, description: string, now: number): void {
    this.sql.insertDeadLetter.run(reason, description, now, delivery.rowId);
    this.sql.deleteMessage.run(delivery.rowId);
    this.releaseOrCloseSession(delivery, now);
  }

  /** The session row exists exactly while the session holds active messages. */
  private releaseOrCloseSession(delivery: Delivery, now: number): void {
    if (this.sql.head.get(delivery.queue, delivery.sessionId)) this.sql.releaseSession.run(now, delivery.queue, delivery.sessionId);
    else this.sql.closeSession.run(delivery.queue, delivery.sessionId);
  }

  private assertLockHeld(delivery: Delivery): void {
    if (this.sql.lockToken.get(delivery.queue, delivery.sessionId)?.lock_token !== delivery.lockToken) throw lockLost(delivery);
  }

  private immediate<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const transaction = this.db.transaction(fn);
    return (...args: A) => transaction.immediate(...args);
  }
}

function lockLost(delivery: Delivery): Error {
  return new Error(
    `The lock on session '${delivery.sessionId}' of queue '${delivery.queue}' was lost (it expired and another receiver took it); message '${delivery.messageId}' will be redelivered.`,
  );
}

function isPoisonMessageError(error: unknown): error is Error {
  // By name rather than instanceof, so an error class loaded twice (two copies of the module) still counts.
  return error instanceof Error && error.name === 'PoisonMessageError';
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function assertSendable(message: OutgoingMessage): void {
  if (!message.messageId) throw new TypeError(`A non-empty messageId was expected for a message to queue '${message.queue}'.`);
  if (!message.sessionId) throw new TypeError(`A non-empty sessionId was expected for message '${message.messageId}' to queue '${message.queue}'.`);
  if (message.scheduledEnqueueTimeUtc && Number.isNaN(message.scheduledEnqueueTimeUtc.getTime())) {
    throw new TypeError(`A valid scheduledEnqueueTimeUtc was expected for message '${message.messageId}' instead of an invalid Date.`);
  }
}

function assertProcessorOptions(options: QueueProcessorOptions): void {
  for (const key of ['maxConcurrentSessions', 'maxDeliveryCount', 'lockDurationInMs'] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${key} must be a positive integer instead of ${value}.`);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
