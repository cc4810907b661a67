import { openDatabase } from '../../shared/adapters/embedded/sqliteDatabase';
import { SqliteMessageBus } from '../../shared/adapters/embedded/sqliteMessageBus';
import { BEHAVIOUR_SETTINGS, behavesLikeServiceBus, type BusUnderTest } from './messageBusBehaviour';

/**
 * The embedded twin passes the same Service Bus behaviour suite that ServiceBusMessageBus passes against the
 * test broker (test/adapters/serviceBusMessageBus.test.ts), so `npm start` behaves as Azure does where the
 * system relies on it.
 */
describe('SqliteMessageBus behaves like Service Bus', () => {
  behavesLikeServiceBus(async () => {
    const db = openDatabase(':memory:');
    const failures: unknown[] = [];
    const bus = new SqliteMessageBus(db, { duplicateDetectionWindowInMs: BEHAVIOUR_SETTINGS.duplicateDetectionWindowInMs, onError: (error) => failures.push(error) });
    const subject: BusUnderTest = {
      bus,
      process: (queue, handler, options) =>
        bus.process(queue, handler, { maxConcurrentSessions: options.maxConcurrentSessions, maxDeliveryCount: BEHAVIOUR_SETTINGS.maxDeliveryCount, lockDurationInMs: 5_000 }),
      whenIdle: () => bus.whenIdle(),
      listDeadLetters: async (queue) =>
        (await bus.listDeadLetters(queue)).map(({ messageId, sessionId, body, reason, deliveryCount }) => ({ messageId, sessionId, body, reason, deliveryCount })),
      close: async () => {
        await bus.close();
        db.close();
        expect(failures).toEqual([]);
      },
    };
    return subject;
  });
});
