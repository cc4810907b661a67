import { setTimeout as sleep } from 'node:timers/promises';
import type { ConversationChanges } from '../../shared/ports/conversationChanges';
import { supervisorSource } from '../../shared/usecases/supervisorStream';
import { customersPickTheTopic, hostPerTest, sampleConfig } from '../support/localHostHarness';

/**
 * The supervisor's stream as a live source (usecases/supervisorStream.ts), over a real local host's
 * services with the wake-ups taken away: what a read can find must be found by reading. A change that
 * lands while no read waits (the last batch going out) once slept until the next queues event or a
 * second's refresh, which the supervisor's "within a second" could not afford.
 */
const { start, idle } = hostPerTest();

/** Wake-ups that never come: a wait ends only when its reader lets it go. */
const noWakeUps: ConversationChanges = {
  next: (_key, _timeoutInMs, options) => new Promise((resolve) => options?.signal?.addEventListener('abort', () => resolve('woken'), { once: true })),
};

test('a change made while no read waits is in the next batch, without a wake-up', async () => {
  const host = await start({ config: sampleConfig(customersPickTheTopic) });
  const reader = await supervisorSource({ ...host.services, changes: noWakeUps }).open(undefined);
  const chat = await host.api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
  await idle();
  const giveUp = new AbortController();
  const batch = await Promise.race([
    reader.next({ timeoutInMs: 60_000 }),
    sleep(10_000, 'no batch: the reader waited for a wake-up', { signal: giveUp.signal }),
  ]).finally(() => giveUp.abort());
  expect(batch).toMatchObject({ events: expect.arrayContaining([expect.objectContaining({ type: 'conversation', data: expect.objectContaining({ id: chat.conversationId, queue: 'CreditCardQueue' }) })]) });
}, 20_000);
