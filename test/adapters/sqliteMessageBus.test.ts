import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase, type SqliteDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { SqliteMessageBus, type DeadLetter, type QueueProcessorOptions } from '../../shared/adapters/embedded/sqliteMessageBus';
import type { Clock } from '../../shared/ports/clock';
import { PoisonMessageError, QUEUES, type MessageHandler, type OutgoingMessage, type ReceivedMessageInfo } from '../../shared/ports/messageBus';

const QUEUE = QUEUES.conversationCommands;
const OPTIONS: QueueProcessorOptions = { maxConcurrentSessions: 4, maxDeliveryCount: 5, lockDurationInMs: 1_000 };

// Session order, redelivery, dead-lettering, duplicates, schedules and bad input are also held to Service Bus's
// behaviour in serviceBusTwinParity.test.ts; these are the twin's own cases, several on a clock the test moves.
describe('SqliteMessageBus', () => {
  let db: SqliteDatabase;
  let bus: SqliteMessageBus;
  let clock: MemoryClock | undefined;

  /** A bus on an in-memory database; with `useMemoryClock`, time moves only when the test says so. */
  function openBus(options: { useMemoryClock?: boolean; duplicateDetectionWindowInMs?: number } = {}): SqliteMessageBus {
    clock = options.useMemoryClock ? makeMemoryClock() : undefined;
    db = openDatabase(':memory:');
    bus = new SqliteMessageBus(db, { clock, duplicateDetectionWindowInMs: options.duplicateDetectionWindowInMs });
    return bus;
  }

  afterEach(async () => {
    await bus.close();
    db.close();
  });

  it('runs different sessions concurrently up to maxConcurrentSessions and no further', async () => {
    openBus();
    const gate = makeGate();
    let running = 0;
    let maxRunning = 0;
    bus.process(
      QUEUE,
      async () => {
        maxRunning = Math.max(maxRunning, ++running);
        await gate.opened;
        running -= 1;
      },
      { ...OPTIONS, maxConcurrentSessions: 3 },
    );

    await bus.send(['a', 'b', 'c', 'd', 'e'].map((s) => message(s, `m-${s}`)));
    await waitFor(() => running === 3);
    gate.open();
    await bus.whenIdle();

    expect(maxRunning).toBe(3);
  });

  it('lets ready sessions take turns, so a busy session does not starve the others', async () => {
    openBus({ useMemoryClock: true });
    const handled: string[] = [];
    bus.process(QUEUE, async (_body, info) => void handled.push(info.messageId), { ...OPTIONS, maxConcurrentSessions: 1 });

    await bus.send([message('a', 'a-1'), message('a', 'a-2'), message('a', 'a-3'), message('b', 'b-1'), message('b', 'b-2')]);
    await bus.whenIdle();

    expect(handled).toEqual(['a-1', 'b-1', 'a-2', 'b-2', 'a-3']);
  });

  it('keeps later messages of a session behind a head message that waits for its retry', async () => {
    openBus({ useMemoryClock: true });
    const handled: string[] = [];
    bus.process(
      QUEUE,
      async (_body, info) => {
        handled.push(`${info.messageId}#${info.deliveryCount}`);
        if (info.messageId === 'm-1' && info.deliveryCount === 1) throw new Error('transient');
      },
      { ...OPTIONS, retryDelayInMs: (deliveryCount) => deliveryCount * 60_000 },
    );

    await bus.send([message('s-1', 'm-1'), message('s-1', 'm-2')]);
    await waitFor(() => handled.includes('m-1#1'));
    // A witness in another session proves the processor keeps receiving while s-1 waits.
    await bus.send([message('s-2', 'witness')]);
    await waitFor(() => handled.includes('witness#1'));
    expect(handled).toEqual(['m-1#1', 'witness#1']);

    clock?.advance(60_000);
    await bus.whenIdle();
    expect(handled).toEqual(['m-1#1', 'witness#1', 'm-1#2', 'm-2#1']);
  });

  it('dead-letters a message after maxDeliveryCount failed deliveries, with the reason and the error, and goes on with its session', async () => {
    openBus();
    const handled: string[] = [];
    bus.process(
      QUEUE,
      async (_body, info) => {
        handled.push(`${info.messageId}#${info.deliveryCount}`);
        if (info.messageId === 'm-1') throw new Error('the bot endpoint answered 500');
      },
      { ...OPTIONS, maxDeliveryCount: 3 },
    );

    await bus.send([message('s-1', 'm-1', { hello: 'world' }), message('s-1', 'm-2')]);
    await bus.whenIdle();

    expect(handled).toEqual(['m-1#1', 'm-1#2', 'm-1#3', 'm-2#1']);
    expect(await bus.listDeadLetters(QUEUE)).toEqual([
      {
        messageId: 'm-1',
        sessionId: 's-1',
        body: { hello: 'world' },
        reason: 'MaxDeliveryCountExceeded',
        description: 'the bot endpoint answered 500',
        deliveryCount: 3,
      },
    ]);
  });

  it('dead-letters a poison message at once, without blocking its session or other sessions', async () => {
    openBus();
    const handled: string[] = [];
    bus.process(QUEUE, async (_body, info) => {
      handled.push(`${info.messageId}#${info.deliveryCount}`);
      if (info.messageId === 'poison') throw new PoisonMessageError("The body was expected to be a command instead of 'garbage'.");
    }, OPTIONS);

    await bus.send([message('s-1', 'poison', 'garbage'), message('s-1', 'm-2'), message('s-2', 'm-3')]);
    await bus.whenIdle();

    expect(handled.sort()).toEqual(['m-2#1', 'm-3#1', 'poison#1']);
    expect(await bus.listDeadLetters(QUEUE)).toEqual([
      {
        messageId: 'poison',
        sessionId: 's-1',
        body: 'garbage',
        reason: 'PoisonMessage',
        description: "The body was expected to be a command instead of 'garbage'.",
        deliveryCount: 1,
      },
    ]);
    expect(await bus.listDeadLetters(QUEUES.dispatch)).toEqual([]);
  });

  it('stats: counts due, scheduled and dead-lettered messages per queue, and ages the oldest due one from when it became due', async () => {
    openBus({ useMemoryClock: true });
    const at = (ms: number) => new Date((clock as MemoryClock).now().getTime() + ms);
    await bus.send([
      message('s-1', 'now-1'),
      message('s-2', 'now-2'),
      { ...message('s-3', 'later'), scheduledEnqueueTimeUtc: at(60_000) },
      { queue: QUEUES.dispatch, messageId: 'd-1', sessionId: 'q', body: {} },
    ]);
    clock?.advance(5_000);
    const byQueue = async () => Object.fromEntries((await bus.stats()).map((q) => [q.queue, q]));

    expect(await byQueue()).toEqual({
      [QUEUE]: { queue: QUEUE, activeMessages: 2, scheduledMessages: 1, deadLetterMessages: 0, oldestMessageAgeInMs: 5_000 },
      [QUEUES.dispatch]: { queue: QUEUES.dispatch, activeMessages: 1, scheduledMessages: 0, deadLetterMessages: 0, oldestMessageAgeInMs: 5_000 },
      [QUEUES.botDeliveries]: { queue: QUEUES.botDeliveries, activeMessages: 0, scheduledMessages: 0, deadLetterMessages: 0, oldestMessageAgeInMs: null },
    });

    // The poison one is dead-lettered; the others are held by their handlers until the test lets them go.
    const release = new Map<string, () => void>();
    bus.process(QUEUE, async (_body, info) => {
      if (info.messageId === 'now-1') throw new PoisonMessageError('poison');
      await new Promise<void>((resolve) => release.set(info.messageId, resolve));
    }, { ...OPTIONS, lockDurationInMs: 600_000 });
    await waitUntil(async () => (await byQueue())[QUEUE]?.deadLetterMessages === 1 && release.has('now-2'));
    clock?.advance(65_000);
    await waitUntil(async () => release.has('later'));
    expect((await byQueue())[QUEUE]).toEqual({ queue: QUEUE, activeMessages: 2, scheduledMessages: 0, deadLetterMessages: 1, oldestMessageAgeInMs: 70_000 });

    // Scheduled 60 s after it was sent, it has been due for 10 s, not 70.
    release.get('now-2')?.();
    await waitUntil(async () => (await byQueue())[QUEUE]?.activeMessages === 1);
    expect((await byQueue())[QUEUE]?.oldestMessageAgeInMs).toBe(10_000);
    release.get('later')?.();
    await waitUntil(async () => (await byQueue())[QUEUE]?.activeMessages === 0);
    expect((await byQueue())[QUEUE]?.oldestMessageAgeInMs).toBeNull();
  });

  it('drops a message whose id the queue accepted within the duplicate detection window', async () => {
    openBus({ useMemoryClock: true, duplicateDetectionWindowInMs: 60_000 });
    const handled: string[] = [];
    bus.process(QUEUE, async (body) => void handled.push(body as string), OPTIONS);
    bus.process(QUEUES.dispatch, async (body) => void handled.push(body as string), OPTIONS);

    await bus.send([message('s-1', 'm-1', 'first'), message('s-1', 'm-1', 'same batch')]);
    await bus.send([message('s-2', 'm-1', 'later send')]);
    await bus.send([{ ...message('s-1', 'm-1', 'other queue'), queue: QUEUES.dispatch }]);
    await bus.whenIdle();
    expect(handled.sort()).toEqual(['first', 'other queue']);

    clock?.advance(60_001);
    await bus.send([message('s-1', 'm-1', 'after the window')]);
    await bus.whenIdle();
    expect(handled).toContain('after the window');
  });

  it('counts the duplicate detection window from when each copy was sent, however late the queue sequences it', async () => {
    openBus({ useMemoryClock: true, duplicateDetectionWindowInMs: 60_000 });
    // No processor yet: the copies are only appended, as while a host is down or behind.
    await bus.send([message('s-1', 'm-1', 'first')]);
    clock?.advance(50_000);
    await bus.send([message('s-1', 'm-1', 'within the window')]);
    clock?.advance(20_000);
    await bus.send([message('s-1', 'm-1', 'after the window')]);
    await bus.send([message('s-2', 'm-2', 'other')]);
    clock?.advance(10 * 60_000);

    const handled: string[] = [];
    bus.process(QUEUE, async (body) => void handled.push(body as string), OPTIONS);
    await bus.whenIdle();
    expect(handled.sort()).toEqual(['after the window', 'first', 'other']);
  });

  it('delivers what was sent before any processor ran in send order per session, sessions interleaved', async () => {
    openBus();
    for (let i = 0; i < 30; i++) await bus.send([message(`s-${i % 3}`, `m-${i}`, i)]);
    const handled = new Map<string, number[]>();
    bus.process(QUEUE, async (body, info) => void handled.set(info.sessionId, [...(handled.get(info.sessionId) ?? []), body as number]), OPTIONS);
    await bus.whenIdle();
    expect([...handled.keys()].sort()).toEqual(['s-0', 's-1', 's-2']);
    for (const [session, bodies] of handled) expect(bodies).toEqual(Array.from({ length: 10 }, (_, k) => 3 * k + Number(session.slice(2))));
  });

  it('tells a handler when another ready message of its session is behind its own, never for a message not yet due', async () => {
    openBus({ useMemoryClock: true });
    const now = clock?.now().getTime() ?? 0;
    await bus.send([message('s-1', 'first'), message('s-1', 'second'), { ...message('s-1', 'later'), scheduledEnqueueTimeUtc: new Date(now + 60_000) }, message('s-2', 'alone')]);
    const followed = new Map<string, boolean>();
    bus.process(QUEUE, async (_body, info) => void followed.set(info.messageId, info.followedInSession ?? false), OPTIONS);
    await bus.whenIdle();
    expect(Object.fromEntries(followed)).toEqual({ first: true, second: false, alone: false });
  });

  it('delivers a scheduled message no earlier than its time, without holding up its session', async () => {
    openBus({ useMemoryClock: true });
    const handled: string[] = [];
    bus.process(QUEUE, async (_body, info) => void handled.push(info.messageId), OPTIONS);

    const now = clock?.now().getTime() ?? 0;
    await bus.send([
      { ...message('s-1', 'timer'), scheduledEnqueueTimeUtc: new Date(now + 20 * 60_000) },
      { ...message('s-1', 'due-now'), scheduledEnqueueTimeUtc: new Date(now) },
      message('s-1', 'plain'),
    ]);
    await bus.whenIdle();
    expect(handled).toEqual(['due-now', 'plain']);

    clock?.advance(20 * 60_000 - 1);
    await bus.send([message('s-2', 'witness')]);
    await waitFor(() => handled.includes('witness'));
    expect(handled).not.toContain('timer');

    clock?.advance(1);
    await waitFor(() => handled.includes('timer'));
    await bus.whenIdle();
    expect(handled).toEqual(['due-now', 'plain', 'witness', 'timer']);
  });

  it('renews the lock of a handler that runs longer than the lock duration, so its message is not delivered twice', async () => {
    openBus();
    const deliveries: ReceivedMessageInfo[] = [];
    bus.process(
      QUEUE,
      async (_body, info) => {
        deliveries.push(info);
        await delay(600);
      },
      { ...OPTIONS, lockDurationInMs: 150 },
    );

    await bus.send([message('s-1', 'slow')]);
    await bus.whenIdle();

    expect(deliveries).toEqual([{ messageId: 'slow', sessionId: 's-1', deliveryCount: 1 }]);
  });

  it('accepts a batch in one transaction: a message that cannot be stored sends none of the batch', async () => {
    openBus();
    const handled: string[] = [];
    bus.process(QUEUE, async (_body, info) => void handled.push(info.messageId), OPTIONS);

    await expect(bus.send([message('s-1', 'fine'), message('s-1', 'unserializable', { amount: 1n })])).rejects.toThrow(TypeError);
    await expect(bus.send([message('', 'no-session')])).rejects.toThrow('A non-empty sessionId was expected');
    await bus.send([message('s-1', 'fine')]);
    await bus.whenIdle();

    expect(handled).toEqual(['fine']);
  });

  it('commits sends made in the same turn together, yet a send that cannot be stored fails alone', async () => {
    openBus();
    const handled: string[] = [];
    bus.process(QUEUE, async (_body, info) => void handled.push(info.messageId), OPTIONS);
    const count = () => (db.prepare('SELECT count(*) AS n FROM bus_messages').get() as { n: number }).n;

    const sends = [
      bus.send([message('s-1', 'first')]),
      bus.send([message('s-2', 'bad-a'), message('s-2', 'bad-b', { amount: 1n })]),
      bus.send([message('s-3', 'third')]),
    ];
    // Nothing is committed before the turn ends, and no send resolves before its commit.
    const storedDuringTheTurn = count();
    const outcomes = await Promise.allSettled(sends);

    expect(storedDuringTheTurn).toBe(0);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await bus.whenIdle();
    expect(handled.sort()).toEqual(['first', 'third']);
  });

  it('whenIdle waits for handlers in flight, and names what is pending when it times out', async () => {
    openBus();
    let finished = false;
    bus.process(QUEUE, async () => {
      await delay(30);
      finished = true;
    }, OPTIONS);

    await bus.send([message('s-1', 'm-1')]);
    await bus.whenIdle();
    expect(finished).toBe(true);

    // Nobody receives from the dispatch queue, so its message is never sequenced, let alone delivered.
    await bus.send([{ ...message('CreditCardQueue', 'd-1'), queue: QUEUES.dispatch }]);
    await expect(bus.whenIdle({ timeoutInMs: 50 })).rejects.toThrow('1 message(s) sent or due wait to be sequenced');
  });

  it('lets close wait for the handlers in flight to finish and settle', async () => {
    openBus();
    const gate = makeGate();
    let started = false;
    bus.process(QUEUE, async () => {
      started = true;
      await gate.opened;
    }, OPTIONS);

    await bus.send([message('s-1', 'm-1')]);
    await waitFor(() => started);
    let closed = false;
    const closing = bus.close().then(() => (closed = true));
    await delay(20);
    expect(closed).toBe(false);
    gate.open();
    await closing;

    expect(await bus.listDeadLetters(QUEUE)).toEqual([]);
    await bus.whenIdle({ timeoutInMs: 100 });
  });
});

describe('SqliteMessageBus on a database file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-bus-'));
    file = join(dir, 'data', 'switchboard.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('upgrades a data directory whose messages were sequenced when sent, and delivers them once, scheduled ones at their time', async () => {
    // The bus of an earlier version: no sent_at, a session index over every message, duplicates checked at send.
    const legacy = openDatabase(file);
    legacy.exec(`DROP INDEX bus_messages_active_in_session; ALTER TABLE bus_messages DROP COLUMN sent_at;
      CREATE INDEX bus_messages_in_session ON bus_messages (queue, session_id, order_key);`);
    const now = Date.now();
    legacy.prepare('INSERT INTO bus_messages (queue, session_id, message_id, body, order_key) VALUES (?, ?, ?, ?, ?)').run(QUEUE, 's-1', 'active', '"active"', 1);
    legacy.prepare('INSERT INTO bus_sessions (queue, session_id, ready_at, turn) VALUES (?, ?, ?, 1)').run(QUEUE, 's-1', now);
    legacy.prepare('INSERT INTO bus_messages (queue, session_id, message_id, body, scheduled_for) VALUES (?, ?, ?, ?, ?)').run(QUEUE, 's-1', 'timer', '"timer"', now + 300);
    for (const id of ['active', 'timer']) legacy.prepare('INSERT INTO bus_message_ids (queue, message_id, accepted_at) VALUES (?, ?, ?)').run(QUEUE, id, now);
    legacy.close();

    const upgraded = openDatabase(file);
    const receiver = new SqliteMessageBus(upgraded);
    const handled: string[] = [];
    try {
      receiver.process(QUEUE, async (body) => void handled.push(body as string), OPTIONS);
      await receiver.send([message('s-1', 'new', 'new'), message('s-1', 'active', 'a duplicate of active')]);
      await waitFor(() => handled.length === 3, 2_000);
      await receiver.whenIdle();
    } finally {
      await receiver.close();
      upgraded.close();
    }
    expect(handled).toEqual(['active', 'new', 'timer']);
  });

  it('keeps sent messages across a close and reopen', async () => {
    const first = openDatabase(file);
    const sender = new SqliteMessageBus(first);
    await sender.send([message('s-1', 'm-1', 1), message('s-2', 'm-2', 2), message('s-1', 'm-3', 3)]);
    await sender.close();
    first.close();

    const second = openDatabase(file);
    const receiver = new SqliteMessageBus(second);
    const handled: Array<[string, unknown]> = [];
    receiver.process(QUEUE, async (body, info) => void handled.push([info.sessionId, body]), OPTIONS);
    await receiver.whenIdle();
    await receiver.close();
    second.close();

    expect(handled.filter(([s]) => s === 's-1')).toEqual([['s-1', 1], ['s-1', 3]]);
    expect(handled).toContainEqual(['s-2', 2]);
  });

  it('fails the sends of a turn at once, without retrying each, while another process holds the database locked', async () => {
    const db = openDatabase(file);
    db.pragma('busy_timeout = 20');
    const other = openDatabase(file);
    other.prepare('BEGIN IMMEDIATE').run();
    let attempts = 0;
    const original = db.transaction.bind(db);
    // Count the write transactions the bus opens from here on.
    db.transaction = ((fn: (...args: unknown[]) => unknown) => {
      const tx = original(fn);
      return Object.assign((...args: unknown[]) => tx(...args), { immediate: (...args: unknown[]) => (attempts++, tx.immediate(...args)) });
    }) as typeof db.transaction;
    const locked = new SqliteMessageBus(db);
    const outcomes = await Promise.allSettled([locked.send([message('s-1', 'a')]), locked.send([message('s-2', 'b')]), locked.send([message('s-3', 'c')])]);
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as { code?: string }).code)).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_BUSY']);
    expect(attempts).toBe(1);

    other.prepare('COMMIT').run();
    await locked.send([message('s-1', 'after')]);
    await locked.close();
    other.close();
    db.close();
  });

  it('redelivers, once its lock expires, the message a killed process was handling (kill -9), in session order', async () => {
    const lockDurationInMs = 600;
    const db = openDatabase(file);
    const bus = new SqliteMessageBus(db);
    await bus.send([message('s-1', 'm-1'), message('s-1', 'm-2')]);

    const receiver = startHangingReceiver(file, lockDurationInMs);
    expect(await receiver.firstDelivery).toEqual({ messageId: 'm-1', sessionId: 's-1', deliveryCount: 1, followedInSession: true });
    await receiver.kill();
    const killedAt = Date.now();

    const handled: Array<ReceivedMessageInfo & { afterKillInMs: number }> = [];
    const handler: MessageHandler = async (_body, info) => void handled.push({ ...info, afterKillInMs: Date.now() - killedAt });
    bus.process(QUEUE, handler, { ...OPTIONS, lockDurationInMs });
    await bus.whenIdle();
    await bus.close();
    db.close();

    expect(handled.map(({ messageId, deliveryCount }) => ({ messageId, deliveryCount }))).toEqual([
      { messageId: 'm-1', deliveryCount: 2 },
      { messageId: 'm-2', deliveryCount: 1 },
    ]);
    // The dead process renewed its lock every lockDuration/3, so at least 2/3 of a lock duration was left.
    expect(handled[0]?.afterKillInMs).toBeGreaterThanOrEqual(lockDurationInMs / 2);
  });

  it('dead-letters a message whose lock expired on its last allowed delivery, tells the host, and goes on with its session', async () => {
    const db = openDatabase(file);
    // No handler failed, so no handler can report it: the bus tells the host itself.
    const told: [string, DeadLetter][] = [];
    const bus = new SqliteMessageBus(db, { onLockExpiredDeadLetter: (queue, deadLetter) => void told.push([queue, deadLetter]) });
    await bus.send([message('s-1', 'm-1'), message('s-1', 'm-2')]);
    const receiver = startHangingReceiver(file, 300);
    await receiver.firstDelivery;
    await receiver.kill();

    const handled: string[] = [];
    bus.process(QUEUE, async (_body, info) => void handled.push(info.messageId), { ...OPTIONS, maxDeliveryCount: 1 });
    await bus.whenIdle();
    const deadLetters = await bus.listDeadLetters(QUEUE);
    await bus.close();
    db.close();

    expect(handled).toEqual(['m-2']);
    expect(deadLetters).toEqual([
      expect.objectContaining({ messageId: 'm-1', reason: 'MaxDeliveryCountExceeded', deliveryCount: 1, description: expect.stringContaining('lock expired') }),
    ]);
    expect(told).toEqual([[QUEUE, deadLetters[0]]]);
  });
});

/** Starts test/adapters/fixtures/hangingReceiver.ts in a child process, which takes one message and hangs in its handler. */
function startHangingReceiver(file: string, lockDurationInMs: number): { firstDelivery: Promise<ReceivedMessageInfo>; kill(): Promise<void> } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'fixtures', 'hangingReceiver.ts'), file, String(lockDurationInMs)], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const firstDelivery = new Promise<ReceivedMessageInfo>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as ReceivedMessageInfo));
    void exited.then(() => reject(new Error('The receiver process exited before it received a message.')));
  });
  return {
    firstDelivery,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function message(sessionId: string, messageId: string, body: unknown = { messageId }): OutgoingMessage {
  return { queue: QUEUE, sessionId, messageId, body };
}

/** Polls `condition` until it holds, failing after 5 s. */
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface MemoryClock extends Clock {
  advance(ms: number): void;
}

function makeMemoryClock(start = Date.parse('2025-01-01T08:00:00.000Z')): MemoryClock {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
  };
}

function makeGate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function waitFor(condition: () => boolean, timeoutInMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`The condition did not hold within ${timeoutInMs} ms.`);
    await delay(2);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
