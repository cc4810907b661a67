import { isServiceBusError, ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusSessionReceiver } from '@azure/service-bus';
import { createServiceBusAdministrationClient, createServiceBusClient, toFullyQualifiedNamespace } from '../../shared/adapters/servicebus/createServiceBusClient';
import { ServiceBusMessageBus, ServiceBusSendError } from '../../shared/adapters/servicebus/serviceBusMessageBus';
import { QUEUES, type OutgoingMessage, type QueueName } from '../../shared/ports/messageBus';
import { ServiceBusTrigger } from '../../shared/host/local/serviceBusTriggerHost';
import { startServiceBusBroker, type BrokerQueueOptions, type ServiceBusBroker } from '../fixtures/serviceBusBroker';
import { BEHAVIOUR_SETTINGS, behavesLikeServiceBus, message, waitFor, type BusUnderTest, type DeadLetterSummary } from './messageBusBehaviour';

/**
 * ServiceBusMessageBus with the real ServiceBusClient against the AMQP test broker (test/fixtures/serviceBusBroker.ts):
 * what the adapter puts on the wire, and the Service Bus behaviour the system relies on, seen through real
 * session receivers that receive as the Functions host does. `BROKER_TRACE=1` logs the broker's side of it.
 */

const QUEUE_OPTIONS: BrokerQueueOptions = {
  requiresSession: true,
  maxDeliveryCount: BEHAVIOUR_SETTINGS.maxDeliveryCount,
  duplicateDetectionWindowInMs: BEHAVIOUR_SETTINGS.duplicateDetectionWindowInMs,
  lockDurationInMs: 5_000,
};
const MAX_MESSAGE_SIZE_IN_BYTES = 256 * 1024;
/** How long a session trigger waits for a session's next message before it lets the session go (host.json sessionIdleTimeout). */
const SESSION_IDLE_TIMEOUT_IN_MS = 50;

let broker: ServiceBusBroker;
/** The client the adapter sends with. */
let client: ServiceBusClient;
/**
 * The client the receivers use. Its operation timeout is short because an idle acceptNextSession waits that
 * long for a session (the SDK passes it as the link's `com.microsoft:timeout`) and an abort does not cut the wait.
 */
let receivingClient: ServiceBusClient;

beforeAll(async () => {
  broker = await startServiceBusBroker({
    queues: Object.fromEntries(Object.values(QUEUES).map((queue) => [queue, QUEUE_OPTIONS])),
    maxMessageSizeInBytes: MAX_MESSAGE_SIZE_IN_BYTES,
    trace: Boolean(process.env.BROKER_TRACE),
  });
  client = createServiceBusClient({ connectionString: broker.connectionString }, { retryOptions: { maxRetries: 0, timeoutInMs: 5_000 } });
  receivingClient = new ServiceBusClient(broker.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 300 } });
});

afterAll(async () => {
  await client?.close();
  await receivingClient?.close();
  await broker?.close();
});

describe('ServiceBusMessageBus on the wire', () => {
  let bus: ServiceBusMessageBus;
  const receivers: ServiceBusSessionReceiver[] = [];
  beforeEach(() => {
    broker.reset();
    bus = new ServiceBusMessageBus(client);
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await bus.close();
  });
  const accept = async (queue: QueueName, sessionId?: string, options: { maxAutoLockRenewalDurationInMs?: number } = {}) => {
    const receiver = sessionId === undefined ? await receivingClient.acceptNextSession(queue, options) : await receivingClient.acceptSession(queue, sessionId, options);
    receivers.push(receiver);
    return receiver;
  };

  it('sends messageId, sessionId, the body as UTF-8 JSON in one data section, and contentType application/json', async () => {
    const body = { type: 'customerMessage', text: 'Grüß dich 👋', n: 42, nested: { ok: true, none: null } };
    await bus.send([{ queue: QUEUES.conversationCommands, messageId: 'cmd-1', sessionId: 'conv-1', body }]);

    const [accepted] = broker.accepted(QUEUES.conversationCommands);
    expect(accepted).toMatchObject({ messageId: 'cmd-1', sessionId: 'conv-1', contentType: 'application/json', bodyTypeCode: 0x75, enqueued: true });
    expect(JSON.parse(accepted?.bodyBytes?.toString('utf8') ?? '')).toEqual(body);
    expect(accepted?.messageAnnotations).not.toHaveProperty('x-opt-scheduled-enqueue-time');

    const receiver = await accept(QUEUES.conversationCommands, 'conv-1');
    const [received] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(received).toMatchObject({ messageId: 'cmd-1', sessionId: 'conv-1', contentType: 'application/json', body, deliveryCount: 0 });
    await receiver.completeMessage(received as ServiceBusReceivedMessage);
  });

  it('sends scheduledEnqueueTimeUtc as the x-opt-scheduled-enqueue-time annotation, and the message is not delivered before it', async () => {
    const at = new Date(Date.now() + 400);
    await bus.send([{ queue: QUEUES.conversationCommands, messageId: 'auto-close-1', sessionId: 'conv-1', body: { type: 'autoClose' }, scheduledEnqueueTimeUtc: at }]);

    expect(broker.accepted(QUEUES.conversationCommands)[0]?.messageAnnotations['x-opt-scheduled-enqueue-time']).toEqual(at);
    expect(broker.countMessages(QUEUES.conversationCommands)).toEqual({ available: 0, locked: 0, scheduled: 1 });
    const receiver = await accept(QUEUES.conversationCommands, 'conv-1');
    const [received] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3_000 });

    expect(received).toMatchObject({ messageId: 'auto-close-1', scheduledEnqueueTimeUtc: at });
    expect(broker.deliveries(QUEUES.conversationCommands)[0]?.deliveredAt).toBeGreaterThanOrEqual(at.getTime());
    await receiver.completeMessage(received as ServiceBusReceivedMessage);
  });

  it('sends 2,000 messages to three queues in as few batches as fit the link, each queue in order', async () => {
    const counts: Record<QueueName, number> = { [QUEUES.conversationCommands]: 1_200, [QUEUES.dispatch]: 500, [QUEUES.botDeliveries]: 300 };
    const messages: OutgoingMessage[] = [];
    for (const [queue, count] of Object.entries(counts) as Array<[QueueName, number]>) {
      for (let n = 0; n < count; n += 1) {
        messages.push({ queue, messageId: `${queue}-${n}`, sessionId: `s-${n % 40}`, body: { n, text: 'x'.repeat(300) } });
      }
    }
    // Interleave the queues, as a use case's outbox would.
    messages.sort((a, b) => Number(a.messageId.split('-').at(-1)) - Number(b.messageId.split('-').at(-1)));

    await bus.send(messages);

    for (const [queue, count] of Object.entries(counts) as Array<[QueueName, number]>) {
      const transfers = broker.transfers(queue);
      expect(transfers.every((t) => t.messageFormat === 0x80013700 && t.sizeInBytes <= MAX_MESSAGE_SIZE_IN_BYTES)).toBe(true);
      expect(transfers.reduce((sum, t) => sum + t.messageCount, 0)).toBe(count);
      // Every batch but the last was full: the next message did not fit.
      expect(transfers.slice(0, -1).every((t) => t.sizeInBytes > MAX_MESSAGE_SIZE_IN_BYTES - 1_000)).toBe(true);
      const accepted = broker.accepted(queue);
      expect(accepted.map((m) => m.messageId)).toEqual(messages.filter((m) => m.queue === queue).map((m) => m.messageId));
    }
    expect(broker.transfers(QUEUES.conversationCommands).length).toBeGreaterThan(1);
  });

  it('refuses a message too large for an empty batch, naming it, before sending anything', async () => {
    const send = bus.send([
      { queue: QUEUES.dispatch, messageId: 'small', sessionId: 'q', body: {} },
      { queue: QUEUES.botDeliveries, messageId: 'huge', sessionId: 'conv-1', body: { text: 'x'.repeat(MAX_MESSAGE_SIZE_IN_BYTES) } },
    ]);

    await expect(send).rejects.toThrow(RangeError);
    await expect(send).rejects.toThrow("Message 'huge' to queue 'bot-deliveries' is too large");
    expect(broker.accepted()).toEqual([]);
  });

  it('throws when Service Bus refuses a send, naming the queue, so the caller’s message is redelivered', async () => {
    broker.failTransfers(QUEUES.dispatch, { condition: 'amqp:resource-limit-exceeded', description: 'The maximum entity size has been reached or exceeded.' });

    const send = bus.send([{ queue: QUEUES.dispatch, messageId: 'd-1', sessionId: 'CreditCardQueue', body: {} }]);

    await expect(send).rejects.toThrow(ServiceBusSendError);
    await expect(send).rejects.toMatchObject({ queue: QUEUES.dispatch, message: expect.stringContaining("Sending to queue 'dispatch' failed") });
    const error = await send.catch((e: unknown) => e);
    expect(isServiceBusError((error as Error).cause)).toBe(true);
  });

  it('locks a session to one receiver, hands acceptNextSession the oldest unlocked session, and redelivers what a closed receiver held', async () => {
    await bus.send([message('s-A', 'a-1'), message('s-B', 'b-1'), message('s-A', 'a-2'), message('s-C', 'c-1')]);

    const first = await accept(QUEUES.conversationCommands, 's-A');
    await expect(accept(QUEUES.conversationCommands, 's-A')).rejects.toMatchObject({ code: 'SessionCannotBeLocked' });
    const next = await accept(QUEUES.conversationCommands);
    expect(next.sessionId).toBe('s-B');
    expect(broker.sessionLocks(QUEUES.conversationCommands).map((l) => l.sessionId).sort()).toEqual(['s-A', 's-B']);

    const held = await first.receiveMessages(2, { maxWaitTimeInMs: 2_000 });
    expect(held.map((m) => m.messageId)).toEqual(['a-1', 'a-2']);
    await first.close(); // without settling: the session and its messages go back, each delivery counted

    const again = await accept(QUEUES.conversationCommands, 's-A');
    const redelivered = await again.receiveMessages(2, { maxWaitTimeInMs: 2_000 });
    expect(redelivered.map((m) => [m.messageId, m.deliveryCount])).toEqual([
      ['a-1', 1],
      ['a-2', 1],
    ]);
    for (const m of redelivered) await again.completeMessage(m);
  });

  it('keeps a session locked while the SDK renews it through $management, keeps its state, and redelivers after a lock that was not renewed expired', async () => {
    broker.configureQueue(QUEUES.dispatch, { ...QUEUE_OPTIONS, lockDurationInMs: 1_500 });
    try {
      await bus.send([{ ...message('kept', 'k-1'), queue: QUEUES.dispatch }, { ...message('lost', 'l-1'), queue: QUEUES.dispatch }]);
      const renewing = await accept(QUEUES.dispatch, 'kept');
      const notRenewing = await accept(QUEUES.dispatch, 'lost', { maxAutoLockRenewalDurationInMs: 0 });
      const [lost] = await notRenewing.receiveMessages(1, { maxWaitTimeInMs: 2_000 });

      const renewals = () => broker.managementRequests().filter((r) => r.operation === 'com.microsoft:renew-session-lock' && r.answeredWith === 200);
      await waitFor(() => renewals().length >= 2 && !broker.sessionLocks(QUEUES.dispatch).some((l) => l.sessionId === 'lost'), 5_000, 'Two renewals of "kept" and the expiry of "lost"');

      const [kept] = await renewing.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
      await renewing.completeMessage(kept as ServiceBusReceivedMessage);
      await renewing.setSessionState({ step: 2 });
      expect(await renewing.getSessionState()).toEqual({ step: 2 });
      await expect(notRenewing.completeMessage(lost as ServiceBusReceivedMessage)).rejects.toMatchObject({ code: 'SessionLockLost' });
      const retaken = await accept(QUEUES.dispatch, 'lost');
      const [redelivered] = await retaken.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
      expect(redelivered).toMatchObject({ messageId: 'l-1', deliveryCount: 1 });
      await retaken.completeMessage(redelivered as ServiceBusReceivedMessage);
    } finally {
      broker.configureQueue(QUEUES.dispatch, QUEUE_OPTIONS);
    }
  });

  it('answers $management operations the broker lacks with amqp:not-implemented, naming the operation', async () => {
    const sender = client.createSender(QUEUES.dispatch);
    try {
      await expect(sender.scheduleMessages([{ body: {}, sessionId: 'q' }], new Date(Date.now() + 60_000))).rejects.toThrow(
        "does not implement the $management operation 'com.microsoft:schedule-message'",
      );
    } finally {
      await sender.close();
    }
  });
});

describe('ServiceBusMessageBus stats, read through the management endpoint (ServiceBusAdministrationClient)', () => {
  let bus: ServiceBusMessageBus;
  beforeEach(() => broker.reset());
  afterEach(async () => bus.close());

  it('reports each queue of QUEUES: active (ready or locked), scheduled and dead-lettered counts; no age (Service Bus does not report it)', async () => {
    bus = new ServiceBusMessageBus(client, createServiceBusAdministrationClient({ connectionString: broker.connectionString }));
    await bus.send([
      { queue: QUEUES.conversationCommands, messageId: 'c-1', sessionId: 'conv-1', body: {} },
      { queue: QUEUES.conversationCommands, messageId: 'c-2', sessionId: 'conv-2', body: {} },
      { queue: QUEUES.conversationCommands, messageId: 'c-3', sessionId: 'conv-3', body: {}, scheduledEnqueueTimeUtc: new Date(Date.now() + 60_000) },
      { queue: QUEUES.botDeliveries, messageId: 'b-1', sessionId: 'conv-1', body: {} },
    ]);
    const receiver = await receivingClient.acceptSession(QUEUES.botDeliveries, 'conv-1');
    const [received] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    await receiver.deadLetterMessage(received as ServiceBusReceivedMessage, { deadLetterReason: 'PoisonMessage', deadLetterErrorDescription: 'test' });
    await receiver.close();

    expect(await bus.stats()).toEqual([
      { queue: QUEUES.conversationCommands, activeMessages: 2, scheduledMessages: 1, deadLetterMessages: 0, oldestMessageAgeInMs: null },
      { queue: QUEUES.dispatch, activeMessages: 0, scheduledMessages: 0, deadLetterMessages: 0, oldestMessageAgeInMs: null },
      { queue: QUEUES.botDeliveries, activeMessages: 0, scheduledMessages: 0, deadLetterMessages: 1, oldestMessageAgeInMs: null },
    ]);
  });

  it('fails without an administration client, and when the management endpoint refuses, naming the queue', async () => {
    bus = new ServiceBusMessageBus(client);
    await expect(bus.stats()).rejects.toThrow('without an administration client');
    const refusing = createServiceBusAdministrationClient({ connectionString: broker.connectionString.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1') }, { retryOptions: { maxRetries: 0 } });
    bus = new ServiceBusMessageBus(client, refusing);
    await expect(bus.stats()).rejects.toThrow("Reading the runtime properties of queue 'conversation-commands' failed");
  });
});

describe('ServiceBusMessageBus with session receivers as the Functions host runs them', () => {
  behavesLikeServiceBus(async () => {
    broker.reset();
    const bus = new ServiceBusMessageBus(client);
    const triggers: ServiceBusTrigger[] = [];
    const failures: unknown[] = [];
    const subject: BusUnderTest = {
      bus,
      process: (queue, handler, options) => {
        const trigger = new ServiceBusTrigger(receivingClient, queue, handler, options.maxConcurrentSessions, (error) => failures.push(error), SESSION_IDLE_TIMEOUT_IN_MS);
        triggers.push(trigger);
        return trigger;
      },
      whenIdle: () => waitFor(() => broker.isIdle() && triggers.every((t) => t.handlersRunning === 0), 10_000, 'The queues becoming idle'),
      listDeadLetters: (queue) => peekDeadLetters(queue),
      close: async () => {
        await Promise.all(triggers.map((t) => t.close()));
        await bus.close();
        expect(failures).toEqual([]);
      },
    };
    return subject;
  });
});

describe('createServiceBusClient', () => {
  it('takes a namespace as a host name or as the endpoint Azure gives, and refuses anything else', () => {
    expect(toFullyQualifiedNamespace('switchboard.servicebus.windows.net')).toBe('switchboard.servicebus.windows.net');
    expect(toFullyQualifiedNamespace(' sb://switchboard.servicebus.windows.net:443/ ')).toBe('switchboard.servicebus.windows.net');
    expect(() => toFullyQualifiedNamespace('')).toThrow("A Service Bus namespace host name like '<namespace>.servicebus.windows.net' was expected instead of ''.");
    expect(() => toFullyQualifiedNamespace('Endpoint=sb://x;SharedAccessKey=y')).toThrow(TypeError);
  });

  it('builds an identity-based client for a namespace without contacting it', async () => {
    const identityClient = createServiceBusClient({ fullyQualifiedNamespace: 'sb://switchboard.servicebus.windows.net/', managedIdentityClientId: '00000000-0000-0000-0000-000000000001' });
    expect(identityClient.fullyQualifiedNamespace).toBe('switchboard.servicebus.windows.net');
    await identityClient.close();
  });
});

/** Reads a queue's dead-letter queue with a real receiver, without taking the messages (peek through $management). */
async function peekDeadLetters(queue: QueueName): Promise<DeadLetterSummary[]> {
  const receiver = receivingClient.createReceiver(queue, { subQueueType: 'deadLetter' });
  try {
    const peeked = await receiver.peekMessages(100);
    return peeked.map((m) => ({
      messageId: String(m.messageId),
      sessionId: String(m.sessionId),
      body: m.body as unknown,
      reason: String(m.deadLetterReason),
      deliveryCount: m.deliveryCount ?? 0,
    }));
  } finally {
    await receiver.close();
  }
}
