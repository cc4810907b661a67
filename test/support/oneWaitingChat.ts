import { customersPickTheTopic, RecordingBots, sampleConfig, startTestHost, testClock } from './localHostHarness';

/**
 * A host on a test clock where one chat waits in CreditCardQueue, undispatched: every agent is Offline when it
 * starts, then alice (capacity 2) becomes Available in the store only, so nothing dispatches until the test
 * says so. The caller closes the host.
 */
export async function hostWithOneWaitingChat() {
  const clock = testClock();
  const bots = new RecordingBots();
  const host = await startTestHost({ config: sampleConfig(customersPickTheTopic), clock, bots });
  bots.baseUrl = host.baseUrl;
  const { api, services: s } = host;
  for (const agent of ['alice', 'bob', 'carol', 'dave']) await api.agent(agent, 'PUT', '/presence', { presence: 'Offline' });
  const chat = await api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
  await host.bus.whenIdle();
  expect((await s.conversations.get(chat.conversationId))?.value).toMatchObject({ status: 'Open', queue: 'CreditCardQueue' });
  const alice = (await s.agents.get('alice'))!;
  await s.agents.replace({ ...alice.value, presence: 'Available' }, { ifMatch: alice.etag });
  return { host, clock, s, id: chat.conversationId };
}
