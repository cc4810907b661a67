import type { Config } from '../../shared/core/config';
import { QUEUES } from '../../shared/ports/messageBus';
import { dispatchQueue } from '../../shared/usecases/dispatchQueue';
import { eventually, sampleConfig, startTestHost } from '../support/localHostHarness';
import { invariantViolations } from './checkInvariants';

/**
 * Invariants 1-3 of DESIGN.md §3 under concurrency: hundreds of chats escalated by the real demo
 * bot at once against four agents of capacity 2 that share queues, while agents end chats and
 * extra dispatchers run outside the queue sessions (as if a session lock had been lost).
 */
const CHATS = 240;

function sharedQueues(config: Config): void {
  // Every agent serves both topic queues, so dispatchers of different queues race for the same agents.
  for (const queue of config.queues) if (queue.name !== 'BotQueue') queue.members = ['alice', 'bob', 'carol', 'dave'];
}

test(`${CHATS} concurrent escalations against 4 agents of capacity 2: no double assignment, no over-capacity, nothing lost`, async () => {
  const host = await startTestHost({ config: sampleConfig(sharedQueues), maxConcurrentSessions: 32 });
  const { api, services } = host;
  try {
    const chats = await Promise.all(Array.from({ length: CHATS }, async (_, i) => {
      const chat = await api.startChat({ customer: { name: `c${i}` } });
      // A deadline against a hang, not a speed claim: 240 chats start at once, and CI shares 2 cores with another test file.
      await eventually(`bot session of ${chat.conversationId}`, async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined), 60_000);
      const res = await api.say(chat, i % 2 === 0 ? 'credit card' : 'home loan');
      expect(res.status).toBe(202);
      return chat;
    }));
    const ids = chats.map((c) => c.conversationId);

    // Rogue dispatchers: the same queues dispatched concurrently outside their sessions.
    const rogue = Array.from({ length: 20 }, (_, i) => dispatchQueue(services, { queue: i % 2 ? 'CreditCardQueue' : 'HomeLoanQueue' }));

    // Agents work through their chats: end and close whatever they hold, until every chat is closed.
    let rounds = 0;
    const checks: string[] = [];
    await eventually('every chat handled and closed', async () => {
      rounds++;
      checks.push(...(await invariantViolations(services, ids, { quiescent: false })));
      await Promise.all(['alice', 'bob', 'carol', 'dave'].map(async (agent) => {
        const desk = await api.agent(agent, 'GET', '/conversations');
        await Promise.all(desk.body.conversations.map(async (c: { id: string; status: string }) => {
          if (c.status === 'Active') await api.agent(agent, 'POST', `/conversations/${c.id}/end`);
          await api.agent(agent, 'POST', `/conversations/${c.id}/close`);
        }));
      }));
      const statuses = await Promise.all(ids.map(async (id) => (await services.conversations.get(id))?.value.status));
      return statuses.every((s) => s === 'Closed') ? true : undefined;
    }, 90_000);
    await Promise.all(rogue);
    await host.bus.whenIdle({ timeoutInMs: 10_000 });

    expect(checks).toEqual([]);
    expect(await invariantViolations(services, ids, { quiescent: true })).toEqual([]);
    for (const id of ids) {
      const c = (await services.conversations.get(id))!.value;
      expect({ id, reason: c.statusReason, agents: c.history.filter((h) => h.type === 'assigned' && h.assignee.kind === 'agent').length })
        .toEqual({ id, reason: 'ConversationEndedByAgent', agents: 1 });
    }
    for (const { value: agent } of await services.agents.list()) expect(agent.reservations).toEqual([]);
    expect(await host.bus.listDeadLetters(QUEUES.conversationCommands)).toEqual([]);
    expect(await host.bus.listDeadLetters(QUEUES.dispatch)).toEqual([]);
    expect(rounds).toBeGreaterThan(1);
  } finally {
    await host.close();
  }
}, 120_000);
