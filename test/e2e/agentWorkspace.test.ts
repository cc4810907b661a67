import { sweep } from '../../shared/usecases/sweep';
import { customersPickTheTopic, eventually, hostPerTest, sampleConfig, testClock, type TestHost } from '../support/localHostHarness';

/**
 * The agent workspace's own routes (docs/workspace-api.md): the snapshot, sign-in and sign-out with
 * their presence, the sweep's Offline for a workspace gone quiet, internal notes, and the customer sidebar.
 */

const { start, idle } = hostPerTest();

async function activeChatWithAlice(host: TestHost, context: Record<string, string> = { BotHandoffTopic: 'CreditCard' }) {
  const chat = await host.api.startChat({ context });
  await eventually('alice has the chat', async () => {
    const { body } = await host.api.agent('alice', 'GET', '/conversations');
    return body.conversations.some((c: { id: string }) => c.id === chat.conversationId) ? true : undefined;
  });
  return chat;
}

describe('agent workspace', () => {
  it('the snapshot gives the agent, presences, transfer queues, quick replies, offers, chats and a cursor', async () => {
    const host = await start({ config: sampleConfig(customersPickTheTopic) });
    await host.api.agent('bob', 'PUT', '/presence', { presence: 'Offline' });
    const chat = await activeChatWithAlice(host);
    const { status, body } = await host.api.agent('alice', 'GET', '/workspace');
    expect(status).toBe(200);
    expect(body.agent).toMatchObject({ id: 'alice', name: 'Alice', presence: 'Available', capacity: 2, usedUnits: 1 });
    expect(body.presences).toEqual(['Available', 'Busy', 'Busy-DND', 'Away', 'Offline']);
    expect(body.queues.map((q: { name: string }) => q.name)).toEqual(['BotQueue', 'CreditCardQueue', 'HomeLoanQueue', 'DefaultQueue']);
    expect(body.quickReplies.ChatWorkStream.map((r: { title: string }) => r.title)).toContain('Greeting');
    expect(body.conversations.map((c: { id: string }) => c.id)).toEqual([chat.conversationId]);
    expect(Number(body.cursor)).toBeGreaterThan(0);
    expect((await host.api.agent('bob', 'GET', '/workspace').then((r) => r.body.conversations))).toEqual([]);
    expect((await host.api.call('GET', 'agents/alice/workspace', { token: 'dev-bob' })).status).toBe(403);
  });

  it('signing in takes the configured presence; a second tab changes nothing; the last tab signing out is Offline', async () => {
    const host = await start({ config: sampleConfig() });
    await host.api.agent('alice', 'PUT', '/presence', { presence: 'Away' });
    expect(await host.api.agent('alice', 'POST', '/session', { sessionId: 'tab-one-123' })).toEqual({ status: 200, body: { presence: 'Available' } });
    await host.api.agent('alice', 'PUT', '/presence', { presence: 'Busy' });
    expect((await host.api.agent('alice', 'POST', '/session', { sessionId: 'tab-two-456' })).body).toEqual({ presence: 'Busy' });
    expect((await host.api.agent('alice', 'DELETE', '/session/tab-one-123')).body).toEqual({ presence: 'Busy' });
    expect((await host.api.agent('alice', 'DELETE', '/session/tab-two-456')).body).toEqual({ presence: 'Offline' });
    const bad = await host.api.agent('alice', 'POST', '/session', { sessionId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('sessionId');
  });

  it('the sweep sets an agent Offline once no tab was seen for offlineAfterSeconds, and leaves API-only agents alone', async () => {
    const clock = testClock();
    const host = await start({ config: sampleConfig((c) => (c.agentWorkspace.offlineAfterSeconds = 150)), clock });
    await host.api.agent('alice', 'POST', '/session', { sessionId: 'tab-one-123' });
    await host.api.agent('bob', 'PUT', '/presence', { presence: 'Available' });
    clock.advance(100_000);
    await sweep(host.services);
    expect((await host.api.agent('alice', 'GET', '/workspace')).body.agent.presence).toBe('Available');
    clock.advance(60_000);
    const report = await sweep(host.services);
    expect(report.agentsSetOffline).toBe(1);
    expect((await host.api.agent('alice', 'GET', '/workspace')).body.agent.presence).toBe('Offline');
    expect((await host.api.agent('bob', 'GET', '/workspace')).body.agent.presence).toBe('Available');
  });

  it('an internal note is in the agent\'s transcript, marked agents-only, and never in the customer\'s', async () => {
    const host = await start({ config: sampleConfig(customersPickTheTopic) });
    const chat = await activeChatWithAlice(host);
    const note = await host.api.agent('alice', 'POST', `/conversations/${chat.conversationId}/notes`, { text: 'VIP: offer the fee waiver' });
    expect(note.status).toBe(202);
    await idle();
    const agentView = await host.api.agent('alice', 'GET', `/conversations/${chat.conversationId}/messages`);
    expect(agentView.body.messages.find((m: { id: string }) => m.id === note.body.id)).toMatchObject({ role: 'agent', text: 'VIP: offer the fee waiver', visibility: 'agents' });
    const customerView = await host.api.messages(chat);
    expect(customerView.body.messages.map((m: { text: string }) => m.text)).not.toContain('VIP: offer the fee waiver');
    expect((await host.api.agent('bob', 'POST', `/conversations/${chat.conversationId}/notes`, { text: 'not mine' })).status).toBe(403);
    expect((await host.api.agent('alice', 'POST', `/conversations/${chat.conversationId}/notes`, { text: '' })).status).toBe(400);
  });

  it('the sidebar says who the customer is, what set each variable, how the chat got here and why this agent', async () => {
    const host = await start({ config: sampleConfig(customersPickTheTopic) });
    await host.api.agent('bob', 'PUT', '/presence', { presence: 'Offline' });
    const chat = await activeChatWithAlice(host, { BotHandoffTopic: 'CreditCard', Email: 'dana@example.com' });
    const { status, body } = await host.api.agent('alice', 'GET', `/conversations/${chat.conversationId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: chat.conversationId, status: 'Active', queue: 'CreditCardQueue', workstream: 'ChatWorkStream' });
    expect(body.context).toEqual(expect.arrayContaining([{ name: 'Email', value: 'dana@example.com', setBy: ['customer'] }, { name: 'BotHandoffTopic', value: 'CreditCard', setBy: ['customer', 'bot'] }]));
    expect(body.routing.map((r: { type: string }) => r.type)).toEqual(['routed', 'assigned']);
    expect(body.routing[0]).toMatchObject({ queue: 'CreditCardQueue', rule: 'CreditCardRule', reason: 'start' });
    expect(body.routing[1].assignee).toEqual({ id: 'alice', kind: 'agent', name: 'Alice' });
    expect(body.routing[1].why).toMatch(/^Ranked 1 of 1 eligible \(1 not eligible\) by highestCapacity/);
    expect(body.previous).toEqual([]);
    expect((await host.api.agent('bob', 'GET', `/conversations/${chat.conversationId}`)).status).toBe(403);
    expect((await host.api.agent('alice', 'GET', '/conversations/no-such-chat')).status).toBe(404);
  });
});
