import { customersPickTheTopic, eventually, hostPerTest, sampleConfig, type TestHost } from '../support/localHostHarness';
import { SseClient } from '../support/sseClient';

/**
 * The agent's and the supervisor's streams over real HTTP (SSE), fed by real chats: what each page
 * learns, in order, and that a client resuming from its last id loses nothing.
 */

const { start, idle } = hostPerTest();

const withOffers = () => sampleConfig(customersPickTheTopic, { offers: true });

async function openStream(host: TestHost, path: string, token: string, lastEventId?: string) {
  return SseClient.open(`${host.baseUrl}/api/${path}`, { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) });
}

const typesOf = (client: SseClient) => client.events().map((e) => e.type);

async function eventWhere(client: SseClient, what: string, match: (e: { type: string; data: any }) => boolean): Promise<{ id: string; type: string; data: any }> {
  return eventually(what, async () => client.events().find(match));
}

describe('the agent stream', () => {
  it('carries the offer, its acceptance, the chat and its lines (notes too), in order', async () => {
    const host = await start({ config: withOffers() });
    await host.api.agent('bob', 'PUT', '/presence', { presence: 'Offline' });
    const { body: snapshot } = await host.api.agent('alice', 'GET', '/workspace');
    const stream = await openStream(host, `agents/alice/events?after=${snapshot.cursor}`, 'dev-alice');
    try {
      const chat = await host.api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
      const offer = await eventWhere(stream, 'the offer', (e) => e.type === 'offer');
      expect(offer.data).toMatchObject({ conversationId: chat.conversationId, queue: 'CreditCardQueue', allowReject: true });
      expect((await host.api.agent('alice', 'POST', `/offers/${chat.conversationId}/accept`)).status).toBe(200);
      await host.api.say(chat, 'my card was declined');
      await host.api.agent('alice', 'POST', `/conversations/${chat.conversationId}/notes`, { text: 'check the fraud flag' });
      await eventWhere(stream, 'the note', (e) => e.type === 'message' && e.data.message.text === 'check the fraud flag');
      const types = typesOf(stream);
      expect(types.slice(0, 3)).toEqual(['offer', 'offerEnded', 'conversation']);
      const lines = stream.events('message').map((e) => (e.data as { message: { role: string; text: string; visibility: string } }).message);
      expect(lines).toEqual(expect.arrayContaining([
        expect.objectContaining({ role: 'customer', text: 'my card was declined', visibility: 'everyone' }),
        expect.objectContaining({ role: 'agent', text: 'check the fraud flag', visibility: 'agents' }),
      ]));
      expect(stream.events('offerEnded')[0]!.data).toEqual({ conversationId: chat.conversationId, outcome: 'accepted' });
    } finally {
      stream.close();
    }
  });

  it('a client that comes back with its last id gets what happened while it was away, once', async () => {
    const host = await start({ config: sampleConfig(customersPickTheTopic) });
    await host.api.agent('bob', 'PUT', '/presence', { presence: 'Offline' });
    const chat = await host.api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
    await eventually('alice holds it', async () => ((await host.api.agent('alice', 'GET', '/conversations')).body.conversations.length === 1 ? true : undefined));
    const first = await openStream(host, 'agents/alice/events', 'dev-alice');
    await host.api.say(chat, 'one');
    await eventWhere(first, 'line one', (e) => e.type === 'message' && e.data.message.text === 'one');
    const lastId = first.lastEventId;
    first.close();
    await host.api.say(chat, 'two');
    await host.api.say(chat, 'three');
    await idle();
    const again = await openStream(host, 'agents/alice/events', 'dev-alice', lastId);
    try {
      await eventWhere(again, 'line three', (e) => e.type === 'message' && e.data.message.text === 'three');
      const texts = again.events('message').map((e) => (e.data as { message: { text: string } }).message.text);
      expect(texts).toEqual(['two', 'three']);
    } finally {
      again.close();
    }
  });

  it('is the agent\'s own: another agent\'s token is refused', async () => {
    const host = await start({ config: sampleConfig() });
    const refused = await fetch(`${host.baseUrl}/api/agents/alice/events`, { headers: { accept: 'text/event-stream', authorization: 'Bearer dev-bob' } });
    expect(refused.status).toBe(403);
    const supervisorOnly = await fetch(`${host.baseUrl}/api/supervisor/events`, { headers: { accept: 'text/event-stream', authorization: 'Bearer dev-alice' } });
    expect(supervisorOnly.status).toBe(403);
  });
});

describe('the supervisor\'s overview and stream', () => {
  it('the queue and agent rows change as a chat waits, is answered and ends, and the KPIs count it', async () => {
    const host = await start({ config: sampleConfig(customersPickTheTopic) });
    for (const agent of ['alice', 'bob']) await host.api.agent(agent, 'PUT', '/presence', { presence: 'Offline' });
    const { body: overview } = await host.api.call('GET', 'supervisor/overview', { token: 'dev-sam' });
    const queueRow = (queues: { name: string }[]) => queues.find((q) => q.name === 'CreditCardQueue') as any;
    expect(queueRow(overview.queues)).toMatchObject({ waiting: 0, incoming: 0, agentsByPresence: { Offline: 2 }, freeCapacity: 0, serviceLevel: { 20: null, 60: null } });
    const stream = await openStream(host, `supervisor/events?after=${overview.cursor}`, 'dev-sam');
    try {
      const chat = await host.api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
      await eventWhere(stream, 'the chat waiting', (e) => e.type === 'queues' && queueRow(e.data.queues).waiting === 1);
      const waitingRow = await eventWhere(stream, 'its row', (e) => e.type === 'conversation' && e.data.id === chat.conversationId);
      expect(waitingRow.data).toMatchObject({ status: 'Open', queue: 'CreditCardQueue', assignee: null });
      await host.api.agent('alice', 'PUT', '/presence', { presence: 'Available' });
      await eventWhere(stream, 'alice active', (e) => e.type === 'conversation' && e.data.id === chat.conversationId && e.data.status === 'Active' && e.data.assignee?.name === 'Alice');
      await eventWhere(stream, 'alice busy with it', (e) => e.type === 'agent' && e.data.id === 'alice' && e.data.activeChats === 1 && e.data.freeUnits === 1);
      await host.api.agent('alice', 'POST', `/conversations/${chat.conversationId}/end`);
      await host.api.agent('alice', 'POST', `/conversations/${chat.conversationId}/close`);
      await eventWhere(stream, 'the row removed', (e) => e.type === 'conversationRemoved' && e.data.id === chat.conversationId);
      const kpis = await eventWhere(stream, 'the KPIs', (e) => e.type === 'queues' && queueRow(e.data.queues).handled === 1);
      expect(queueRow(kpis.data.queues)).toMatchObject({ incoming: 1, answered: 1, abandoned: 0, handled: 1, waiting: 0, abandonRate: 0, serviceLevel: { 20: 1, 60: 1 } });
    } finally {
      stream.close();
    }
    const { body: after } = await host.api.call('GET', 'supervisor/overview', { token: 'dev-sam' });
    expect(after.conversations.filter((c: { queue: string }) => c.queue === 'CreditCardQueue')).toEqual([]);
    expect(after.agents.find((a: { id: string }) => a.id === 'alice')).toMatchObject({ presence: 'Available', usedUnits: 0, activeChats: 0, queues: ['CreditCardQueue', 'DefaultQueue'] });
  });

  it('a chat that waits and is left counts as abandoned', async () => {
    const host = await start({ config: sampleConfig(customersPickTheTopic) });
    for (const agent of ['alice', 'bob']) await host.api.agent(agent, 'PUT', '/presence', { presence: 'Offline' });
    const chat = await host.api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
    await idle();
    await host.api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token });
    await idle();
    const { body } = await host.api.call('GET', 'supervisor/overview', { token: 'dev-sam' });
    expect(body.queues.find((q: { name: string }) => q.name === 'CreditCardQueue')).toMatchObject({ incoming: 1, answered: 0, abandoned: 1, abandonRate: 1, averageSpeedToAnswerSeconds: null });
  });
});
