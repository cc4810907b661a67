import { queueScope } from '../../shared/core/feed';
import { supervisorBoardsOf } from '../../shared/usecases/supervisorBoards';
import { customersPickTheTopic, hostPerTest, sampleConfig, testClock, type Api } from '../support/localHostHarness';

/**
 * The supervisor's stream builds only the rows that changed (conversationRow, agentRow) and shares one set
 * of queue rows between its open streams (queueSummary): each must say what the overview says for the same
 * boards. alice and bob serve CreditCardQueue, carol and dave HomeLoanQueue; sam is in no queue.
 */

const { start, idle } = hostPerTest();

const chat = (api: Api, topic: string) => api.startChat({ customer: { name: `Customer of ${topic}` }, context: { BotHandoffTopic: topic } });

async function held(api: Api, agentId: string): Promise<string[]> {
  return ((await api.agent(agentId, 'GET', '/conversations')).body.conversations as { id: string }[]).map((c) => c.id);
}

describe('the supervisor boards, row by row', () => {
  it('give each chat and each agent the overview\'s row, whichever board holds the newest', async () => {
    const clock = testClock();
    const host = await start({ config: sampleConfig(customersPickTheTopic), clock });
    const { api } = host;
    // Each step a second later: an agent's row is named by its state's time, and carol comes back to a count she had.
    const step = async <T>(action: () => Promise<T>): Promise<T> => {
      clock.advance(1000);
      const result = await action();
      await idle();
      return result;
    };
    for (const agentId of ['alice', 'bob', 'dave']) await step(() => api.agent(agentId, 'PUT', '/presence', { presence: 'Offline' }));
    const closed = await step(() => chat(api, 'HomeLoan'));
    const moved = await step(() => chat(api, 'HomeLoan'));
    expect((await held(api, 'carol')).sort()).toEqual([closed.conversationId, moved.conversationId].sort());
    // From HomeLoanQueue's board to CreditCardQueue's, where nobody is Available: both boards have had a row of it.
    expect((await step(() => api.agent('carol', 'POST', `/conversations/${moved.conversationId}/transfer`, { queue: 'CreditCardQueue' }))).status).toBe(200);
    const waiting = await step(() => chat(api, 'CreditCard'));
    await step(() => api.agent('carol', 'POST', `/conversations/${closed.conversationId}/end`));
    await step(() => api.agent('carol', 'POST', `/conversations/${closed.conversationId}/close`));
    const active = await step(() => chat(api, 'HomeLoan'));

    const boards = supervisorBoardsOf(host.services);
    await boards.refresh();
    // A late writer's older row of the moved chat, on a board read before CreditCardQueue's: the newer epoch still wins.
    const current = boards.conversationRow(moved.conversationId)!;
    const stale = { ...current, epoch: current.epoch - 1, queue: 'BotQueue', assignee: null };
    await host.services.feed.append([{ scope: queueScope('BotQueue'), id: 'late-writer', type: 'conversation', at: clock.iso(), data: stale }]);
    await boards.refresh();
    const rows = boards.conversationRows();
    expect([...rows.keys()].sort()).toEqual(expect.arrayContaining([moved.conversationId, waiting.conversationId, active.conversationId].sort()));
    expect(rows.get(moved.conversationId)).toMatchObject({ queue: 'CreditCardQueue', status: 'Open' });
    expect(rows.get(active.conversationId)).toMatchObject({ status: 'Active', assignee: { id: 'carol', name: 'Carol' } });
    for (const [id, row] of rows) expect(boards.conversationRow(id)).toEqual(row);
    expect(rows.has(closed.conversationId)).toBe(false);
    expect(boards.conversationRow(closed.conversationId)).toBeUndefined();

    const agents = boards.agentRows();
    expect(agents.get('carol')).toMatchObject({ activeChats: 1, usedUnits: 1, queues: ['HomeLoanQueue', 'DefaultQueue'] });
    for (const user of host.services.config.users) expect(boards.agentRow(user.id)).toEqual(agents.get(user.id));
    expect(boards.agentRow('sam')).toBeUndefined();
  });

  it('give the open streams one set of queue rows while the boards and the second are the same', async () => {
    const clock = testClock();
    const host = await start({ config: sampleConfig(customersPickTheTopic), clock });
    for (const agentId of ['alice', 'bob']) await host.api.agent(agentId, 'PUT', '/presence', { presence: 'Offline' });
    const boards = supervisorBoardsOf(host.services);
    await boards.refresh();
    const first = boards.queueSummary();
    expect(boards.queueSummary()).toBe(first);

    clock.advance(1000);
    const later = boards.queueSummary();
    expect(later).not.toBe(first);
    expect(later.asOf).toBe(clock.iso());

    await chat(host.api, 'CreditCard');
    await idle();
    await boards.refresh();
    const changed = boards.queueSummary();
    expect(changed).not.toBe(later);
    expect(changed.queues.find((q) => q.name === 'CreditCardQueue')).toMatchObject({ waiting: 1, incoming: 1 });
    expect(later.queues.find((q) => q.name === 'CreditCardQueue')).toMatchObject({ waiting: 0, incoming: 0 });
  });
});
