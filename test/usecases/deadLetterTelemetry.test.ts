import { QUEUES } from '../../shared/ports/messageBus';
import type { Telemetry } from '../../shared/ports/telemetry';
import { eventually, startTestHost } from '../support/localHostHarness';

/** A dead-lettered message is reported with its queue, conversation and reason, so an operator can find it. */
test('a poison command is reported as MessageDeadLettered with its reason', async () => {
  const events: { name: string; properties?: Record<string, string | undefined> }[] = [];
  const telemetry: Telemetry = { trackEvent: (name, properties) => void events.push({ name, properties }), trackMetric: () => undefined, trackException: () => undefined };
  const host = await startTestHost({ telemetry });
  try {
    await host.bus.send([{ queue: QUEUES.conversationCommands, sessionId: 'conv-x', messageId: 'poison-x', body: { type: 'selfDestruct' } }]);
    const reported = await eventually('the report', async () => events.find((e) => e.name === 'MessageDeadLettered'));
    expect(reported.properties).toMatchObject({ queue: QUEUES.conversationCommands, messageId: 'poison-x', conversationId: 'conv-x', reason: 'PoisonMessage' });
    expect(reported.properties?.description).toContain('undecodable conversation command');
    expect(await host.bus.listDeadLetters(QUEUES.conversationCommands)).toEqual([expect.objectContaining({ messageId: 'poison-x', reason: 'PoisonMessage' })]);
  } finally {
    await host.close();
  }
});
