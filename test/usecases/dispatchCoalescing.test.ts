import type { AgentStore } from '../../shared/ports/agentStore';
import { handleDispatchMessage } from '../../shared/usecases/queueWait';
import type { Services } from '../../shared/usecases/services';
import type { startTestHost } from '../support/localHostHarness';
import { hostWithOneWaitingChat } from '../support/oneWaitingChat';

/**
 * A dispatch request with another message behind it in its queue's session runs no assignment cycle (the
 * one behind runs it), and a cycle with nothing waiting reads no member's state. Under a burst this is what
 * keeps hundreds of requests a second from each reading every member (npm run bench -- workspace).
 */

type Host = Awaited<ReturnType<typeof startTestHost>>;
let host: Host | undefined;

afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function oneWaitingChat(): Promise<{ s: Services; id: string }> {
  const started = await hostWithOneWaitingChat();
  host = started.host;
  return started;
}

/** The services, counting the agent states read. */
function countingAgentReads(s: Services): { services: Services; reads: () => number } {
  let reads = 0;
  const agents: AgentStore = Object.create(s.agents);
  agents.get = (id: string) => {
    reads++;
    return s.agents.get(id);
  };
  return { services: { ...s, agents }, reads: () => reads };
}

it('leaves the cycle to the message behind a request in the session, which assigns the chat', async () => {
  const { s, id } = await oneWaitingChat();
  const counted = countingAgentReads(s);

  await handleDispatchMessage(counted.services, { queue: 'CreditCardQueue' }, { followedInSession: true });
  expect((await s.conversations.get(id))?.value).toMatchObject({ status: 'Open', assignee: null });
  expect(counted.reads()).toBe(0);

  await handleDispatchMessage(counted.services, { queue: 'CreditCardQueue' }, {});
  expect((await s.conversations.get(id))?.value).toMatchObject({ assignee: { id: 'alice' } });
});

it('runs a cycle for a wait tick too, and still tells the places when another message follows it', async () => {
  const { s, id } = await oneWaitingChat();
  const sent: unknown[] = [];
  const bus = { ...s.bus, send: async (messages: Parameters<Services['bus']['send']>[0]) => void sent.push(...messages.map((m) => m.messageId)) };

  await handleDispatchMessage({ ...s, bus }, { queue: 'CreditCardQueue', waitTick: 1 }, { followedInSession: true });
  expect((await s.conversations.get(id))?.value).toMatchObject({ status: 'Open', assignee: null });
  expect(sent).toEqual(expect.arrayContaining([`wait:${id}:1`]));

  await handleDispatchMessage(s, { queue: 'CreditCardQueue', waitTick: 2 }, {});
  expect((await s.conversations.get(id))?.value).toMatchObject({ assignee: { id: 'alice' } });
});

it('reads no member\'s state when nothing waits in the queue', async () => {
  const { s } = await oneWaitingChat();
  await handleDispatchMessage(s, { queue: 'CreditCardQueue' }, {});
  const counted = countingAgentReads(s);
  await handleDispatchMessage(counted.services, { queue: 'CreditCardQueue' }, {});
  expect(counted.reads()).toBe(0);
});

it('dead-letters a request for an unknown queue even when another message follows it', async () => {
  const { s } = await oneWaitingChat();
  await expect(handleDispatchMessage(s, { queue: 'NoSuchQueue' }, { followedInSession: true })).rejects.toThrow('unknown queue "NoSuchQueue"');
});
