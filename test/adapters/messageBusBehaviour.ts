import { messageSpanIdOf, messageTraceparent } from '../../shared/adapters/conversationTrace';
import { QUEUES, type MessageBus, type MessageHandler, type OutgoingMessage, type QueueName } from '../../shared/ports/messageBus';

/**
 * The Service Bus behaviour the system relies on, as one suite that runs unchanged against the embedded
 * twin (SqliteMessageBus) and against Service Bus (ServiceBusMessageBus sending, real session receivers
 * receiving as the Functions host does, on the test broker). Time is real in both: what depends on it
 * (scheduled messages, the duplicate detection window) uses short durations and checks timestamps.
 *
 * Not here, because the two differ on purpose or by platform:
 * - PoisonMessageError: the twin dead-letters at once with reason PoisonMessage; a Functions handler in
 *   Azure cannot dead-letter (autoComplete only abandons), so there it is retried up to the max delivery count.
 * - the dead-letter description: the twin keeps the handler's error; Service Bus writes its own
 *   ("Message could not be consumed after N delivery attempts.").
 * - lock expiry after a crash, lock renewal, fairness between sessions: each side's own tests.
 */
export interface BusSettings {
  maxDeliveryCount: number;
  duplicateDetectionWindowInMs: number;
}

export interface DeadLetterSummary {
  messageId: string;
  sessionId: string;
  body: unknown;
  reason: string;
  deliveryCount: number;
}

export interface BusUnderTest {
  bus: MessageBus;
  /** Receives like a session-enabled queue trigger: one message of a session at a time; throwing means redeliver. */
  process(queue: QueueName, handler: MessageHandler, options: { maxConcurrentSessions: number }): { close(): Promise<void> };
  /** Resolves once nothing is available or locked on any queue and no handler runs; scheduled messages not yet due do not count. */
  whenIdle(): Promise<void>;
  listDeadLetters(queue: QueueName): Promise<DeadLetterSummary[]>;
  close(): Promise<void>;
}

export const BEHAVIOUR_SETTINGS: BusSettings = { maxDeliveryCount: 3, duplicateDetectionWindowInMs: 400 };

const QUEUE = QUEUES.conversationCommands;

/** Registers the suite's tests in the current describe block; `open` gives a fresh, empty bus per test. */
export function behavesLikeServiceBus(open: () => Promise<BusUnderTest>): void {
  let subject: BusUnderTest;
  beforeEach(async () => {
    subject = await open();
  });
  afterEach(async () => {
    await subject.close();
  });

  it('hands one session its messages one at a time, in send order, while sessions run in parallel up to the limit', async () => {
    const received = new Map<string, number[]>();
    const running = new Map<string, number>();
    let runningSessions = 0;
    let maxRunningSessions = 0;
    let overlapsWithinASession = 0;
    subject.process(
      QUEUE,
      async (body, info) => {
        const n = (body as { n: number }).n;
        if ((running.get(info.sessionId) ?? 0) > 0) overlapsWithinASession += 1;
        running.set(info.sessionId, (running.get(info.sessionId) ?? 0) + 1);
        maxRunningSessions = Math.max(maxRunningSessions, ++runningSessions);
        await delay(2 + (n % 3) * 3);
        received.set(info.sessionId, [...(received.get(info.sessionId) ?? []), n]);
        running.set(info.sessionId, (running.get(info.sessionId) ?? 0) - 1);
        runningSessions -= 1;
      },
      { maxConcurrentSessions: 3 },
    );

    const sessions = ['s-1', 's-2', 's-3', 's-4', 's-5'];
    for (let n = 0; n < 10; n += 1) await subject.bus.send(sessions.map((s) => message(s, `${s}-${n}`, { n })));
    await subject.whenIdle();

    for (const s of sessions) expect(received.get(s)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(overlapsWithinASession).toBe(0);
    expect(maxRunningSessions).toBeGreaterThan(1);
    expect(maxRunningSessions).toBeLessThanOrEqual(3);
  });

  it('redelivers a message whose handler threw, counting deliveries from 1, until it succeeds', async () => {
    const deliveries: number[] = [];
    subject.process(
      QUEUE,
      async (_body, info) => {
        deliveries.push(info.deliveryCount);
        if (info.deliveryCount < 3) throw new Error('transient');
      },
      { maxConcurrentSessions: 2 },
    );

    await subject.bus.send([message('s-1', 'm-1')]);
    await subject.whenIdle();

    expect(deliveries).toEqual([1, 2, 3]);
    expect(await subject.listDeadLetters(QUEUE)).toEqual([]);
  });

  it("keeps a message's conversation (correlationId) and traceparent (Diagnostic-Id) on every delivery", async () => {
    const seen: { deliveryCount: number; correlationId?: string; traceparent?: string }[] = [];
    const uncorrelated: { correlationId?: string; traceparent?: string }[] = [];
    subject.process(
      QUEUE,
      async (_body, info) => {
        if (info.sessionId === 's-plain') return void uncorrelated.push({ correlationId: info.correlationId, traceparent: info.traceparent });
        seen.push({ deliveryCount: info.deliveryCount, correlationId: info.correlationId, traceparent: info.traceparent });
        if (info.deliveryCount < 2) throw new Error('transient');
      },
      { maxConcurrentSessions: 2 },
    );

    const conversationId = '0b4c8a52-9d2e-4f6a-8c1b-5e7d3f9a2b64';
    await subject.bus.send([{ ...message(conversationId, 'cmd-1'), correlationId: conversationId }, message('s-plain', 'plain-1')]);
    await subject.whenIdle();

    const traceparent = messageTraceparent(conversationId, 'cmd-1');
    expect(traceparent).toBe(`00-0b4c8a529d2e4f6a8c1b5e7d3f9a2b64-${messageSpanIdOf('cmd-1')}-01`);
    expect(seen).toEqual([{ deliveryCount: 1, correlationId: conversationId, traceparent }, { deliveryCount: 2, correlationId: conversationId, traceparent }]);
    expect(uncorrelated).toEqual([{ correlationId: undefined, traceparent: undefined }]);
  });

  it('dead-letters a message after the max delivery count with reason MaxDeliveryCountExceeded, and goes on with its session', async () => {
    const handled: string[] = [];
    subject.process(
      QUEUE,
      async (_body, info) => {
        handled.push(`${info.messageId}#${info.deliveryCount}`);
        if (info.messageId === 'm-1') throw new Error('the bot endpoint answered 500');
      },
      { maxConcurrentSessions: 2 },
    );

    await subject.bus.send([message('s-1', 'm-1', { hello: 'world' }), message('s-1', 'm-2')]);
    await subject.whenIdle();

    expect(handled).toEqual(['m-1#1', 'm-1#2', 'm-1#3', 'm-2#1']);
    expect(await subject.listDeadLetters(QUEUE)).toEqual([
      { messageId: 'm-1', sessionId: 's-1', body: { hello: 'world' }, reason: 'MaxDeliveryCountExceeded', deliveryCount: BEHAVIOUR_SETTINGS.maxDeliveryCount },
    ]);
  });

  it('drops a message whose id its queue accepted within the duplicate detection window', async () => {
    const handled: string[] = [];
    subject.process(QUEUE, async (body) => void handled.push(body as string), { maxConcurrentSessions: 2 });
    subject.process(QUEUES.dispatch, async (body) => void handled.push(body as string), { maxConcurrentSessions: 2 });

    await subject.bus.send([message('s-1', 'm-1', 'first'), message('s-1', 'm-1', 'same batch')]);
    await subject.bus.send([message('s-2', 'm-1', 'later send')]);
    const lastAcceptedAt = Date.now();
    await subject.bus.send([{ ...message('s-1', 'm-1', 'other queue'), queue: QUEUES.dispatch }]);
    await subject.whenIdle();
    expect(handled.sort()).toEqual(['first', 'other queue']);

    await waitFor(() => Date.now() > lastAcceptedAt + BEHAVIOUR_SETTINGS.duplicateDetectionWindowInMs + 20);
    await subject.bus.send([message('s-1', 'm-1', 'after the window')]);
    await subject.whenIdle();
    expect(handled).toContain('after the window');
  });

  it('delivers a scheduled message no earlier than its time, without holding up its session', async () => {
    const handled: Array<{ id: string; at: number }> = [];
    subject.process(QUEUE, async (_body, info) => void handled.push({ id: info.messageId, at: Date.now() }), { maxConcurrentSessions: 2 });

    const timerAt = new Date(Date.now() + 600);
    await subject.bus.send([
      { ...message('s-1', 'timer'), scheduledEnqueueTimeUtc: timerAt },
      { ...message('s-1', 'due-now'), scheduledEnqueueTimeUtc: new Date(Date.now() - 1) },
      message('s-1', 'plain'),
    ]);
    await subject.whenIdle();
    await subject.bus.send([message('s-2', 'witness')]);
    await waitFor(() => handled.some((h) => h.id === 'timer'));

    expect(handled.map((h) => h.id)).toEqual(['due-now', 'plain', 'witness', 'timer']);
    expect(handled.find((h) => h.id === 'timer')?.at).toBeGreaterThanOrEqual(timerAt.getTime());
  });

  it('refuses bad input before sending anything of the batch', async () => {
    const handled: string[] = [];
    subject.process(QUEUE, async (_body, info) => void handled.push(info.messageId), { maxConcurrentSessions: 2 });

    await expect(subject.bus.send([message('s-1', 'fine'), message('s-1', 'unserializable', { amount: 1n })])).rejects.toThrow(TypeError);
    await expect(subject.bus.send([message('s-1', 'fine'), message('', 'no-session')])).rejects.toThrow('A non-empty sessionId was expected');
    await expect(subject.bus.send([message('s-1', 'fine'), { ...message('s-1', 'bad-time'), scheduledEnqueueTimeUtc: new Date(Number.NaN) }])).rejects.toThrow(
      'A valid scheduledEnqueueTimeUtc was expected',
    );
    await subject.bus.send([message('s-1', 'fine')]);
    await subject.whenIdle();

    expect(handled).toEqual(['fine']);
  });
}

export function message(sessionId: string, messageId: string, body: unknown = { messageId }): OutgoingMessage {
  return { queue: QUEUE, sessionId, messageId, body };
}

export async function waitFor(condition: () => boolean, timeoutInMs = 5_000, what = 'The condition'): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutInMs} ms.`);
    await delay(2);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
