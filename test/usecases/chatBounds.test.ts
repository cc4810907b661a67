import type { Config } from '../../shared/core/config';
import { GREETING } from '../../shared/demo-bot/demoBot';
import {
  customersPickTheTopic, eventually, hostPerTest, postBotActivity, sampleConfig, type Api, type TestHost,
} from '../support/localHostHarness';

/**
 * What bounds one client (issue 11, finding 5): a cap on messages and bytes per chat, paging on every
 * transcript read, summaries instead of transcripts in the agent's list. Over HTTP, on the local host.
 */

type Chat = { conversationId: string; token: string };

const { start: startHost, idle, stored, conversationWhere } = hostPerTest();
let api: Api;

async function start(change: (config: Config) => void = () => undefined): Promise<TestHost> {
  // The tests that need a human start in CreditCardQueue at once, as a pre-chat answer would send them.
  const started = await startHost({ config: sampleConfig((config) => { customersPickTheTopic(config); change(config); }) });
  api = started.api;
  return started;
}
const say = (chat: Chat, text: string, id?: string) => api.call('POST', `chats/${chat.conversationId}/messages`, { body: { text, ...(id ? { id } : {}) }, token: chat.token });
const page = (chat: Chat, query: string) => api.call('GET', `chats/${chat.conversationId}/messages${query}`, { token: chat.token });

/** A chat with alice (bob Offline), announced. */
async function withAlice(): Promise<Chat> {
  await api.agent('bob', 'PUT', '/presence', { presence: 'Offline' });
  const chat = await api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
  await conversationWhere(chat.conversationId, (c) => c.status === 'Active' && c.assignee?.id === 'alice' && c.assignmentAnnounced, 'alice to take the chat');
  await idle();
  return chat;
}

/** A chat waiting in CreditCardQueue with every agent Offline: its transcript starts empty. */
async function waiting(): Promise<Chat> {
  for (const agent of ['alice', 'bob']) await api.agent(agent, 'PUT', '/presence', { presence: 'Offline' });
  const chat = await api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
  await idle();
  return chat;
}

describe('a cap on messages and bytes per chat', () => {
  test('past limits.chat.maxMessages the customer gets 409 ChatLimitReached naming the limit, and nothing is appended', async () => {
    await start((c) => { c.limits.chat.maxMessages = 3; });
    const chat = await waiting();
    for (const text of ['one', 'two', 'three']) expect((await say(chat, text)).status).toBe(202);
    await idle();
    const refused = await say(chat, 'four');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('ChatLimitReached');
    expect(refused.body.error.message).toContain('limits.chat.maxMessages');
    await idle();
    expect((await page(chat, '')).body.messages.map((m: any) => m.text)).toEqual(['one', 'two', 'three']);
    expect(await stored(chat.conversationId)).toMatchObject({ customerMessageCount: 3, transcript: { messageCount: 3 } });
  });

  test('past limits.chat.maxBytes too, counted in UTF-8 bytes', async () => {
    await start((c) => { c.limits.chat.maxBytes = 100; });
    const chat = await waiting();
    expect((await say(chat, 'é'.repeat(30))).status).toBe(202);
    await idle();
    const refused = await say(chat, 'é'.repeat(30));
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'ChatLimitReached' } } });
    expect(refused.body.error.message).toContain('limits.chat.maxBytes');
    expect((await stored(chat.conversationId)).transcript).toMatchObject({ messageCount: 1, bytes: 60 });
  });

  test('messages sent at once past the cap: the conversation\'s command handler appends only up to it', async () => {
    await start((c) => { c.limits.chat.maxMessages = 3; });
    const chat = await waiting();
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => say(chat, `burst ${i}`, `burst-${i}`)));
    expect(responses.every((r) => r.status === 202 || (r.status === 409 && r.body.error.code === 'ChatLimitReached'))).toBe(true);
    await idle();
    expect((await page(chat, '')).body.messages).toHaveLength(3);
    expect(await stored(chat.conversationId)).toMatchObject({ customerMessageCount: 3, transcript: { messageCount: 3 } });
  });

  test('the agent is refused messages past the cap too, and can still end and close the chat', async () => {
    await start((c) => { c.limits.chat.maxMessages = 3; });
    const chat = await withAlice();
    expect((await say(chat, 'hello')).status).toBe(202);
    expect((await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/messages`, { text: 'hi' })).status).toBe(202);
    await idle();
    // "Alice joined the chat.", hello, hi: full.
    const refused = await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/messages`, { text: 'more' });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'ChatLimitReached' } } });
    expect((await say(chat, 'more')).status).toBe(409);
    expect((await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/end`)).body).toEqual({ status: 'WrapUp' });
    expect((await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/close`)).body).toEqual({ status: 'Closed' });
    await idle();
    expect((await page(chat, '')).body.messages.map((m: any) => m.text)).toEqual(['Alice joined the chat.', 'hello', 'hi', 'Alice ended the chat.']);
  });

  test('a bot flooding a chat is refused past the cap, and the bot can still escalate', async () => {
    await start((c) => { c.limits.chat.maxMessages = 3; });
    const chat = await api.startChat({});
    await eventually('the greeting', async () => ((await page(chat, '')).body.messages.some((m: any) => m.text === GREETING) ? true : undefined));
    await idle();
    const send = (id: string) => postBotActivity(api, chat.conversationId, { type: 'message', id, text: 'spam', from: { id: 'demo-bot' } });
    expect((await send('s1')).status).toBe(200);
    expect((await send('s2')).status).toBe(200);
    await idle();
    expect(await send('s3')).toMatchObject({ status: 409, body: { error: { code: 'ChatLimitReached' } } });
    const escalate = { type: 'message', id: 'esc', text: 'wants a card', from: { id: 'demo-bot' }, channelData: { tags: JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } }) } };
    expect((await postBotActivity(api, chat.conversationId, escalate)).status).toBe(200);
    // Escalated past the cap: alice gets the chat, and her join (a system line, never capped) is said.
    await conversationWhere(chat.conversationId, (c) => c.queue === 'CreditCardQueue' && c.assignmentAnnounced, 'the escalation to be assigned');
    await idle();
    expect((await page(chat, '')).body.messages.map((m: any) => m.text)).toEqual([GREETING, 'spam', 'spam', 'Alice joined the chat.']);
  });
});

describe('paging on every transcript read', () => {
  test('GET /api/chats/{id}/messages pages with after and limit, and next is null at the end', async () => {
    await start();
    const chat = await waiting();
    for (let i = 1; i <= 5; i++) expect((await say(chat, `m${i}`, `m${i}`)).status).toBe(202);
    await idle();
    const first = await page(chat, '?limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'Open', messages: [{ id: 'm1' }, { id: 'm2' }] });
    expect(typeof first.body.next).toBe('string');
    const second = await page(chat, `?limit=2&after=${first.body.next}`);
    expect(second.body.messages.map((m: any) => m.id)).toEqual(['m3', 'm4']);
    const last = await page(chat, `?after=${second.body.next}`);
    expect(last.body).toMatchObject({ messages: [{ id: 'm5', role: 'customer', text: 'm5' }], next: null });
    expect((await page(chat, '')).body.messages).toHaveLength(5);
  });

  test('bad paging parameters get a 400 naming the parameter', async () => {
    await start();
    const chat = await waiting();
    for (const [query, name] of [['?limit=0', 'limit'], ['?limit=501', 'limit'], ['?limit=ten', 'limit'], ['?limit=2.5', 'limit'], ['?after=abc', 'after'], ['?after=-1', 'after'], ['?after=', 'after']]) {
      const response = await page(chat, query!);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('InvalidQuery');
      expect(response.body.error.message.startsWith(`${name}:`)).toBe(true);
    }
    expect((await page(chat, '?limit=500')).status).toBe(200);
  });

  test('the customer\'s pages leave out agent-only messages without coming back short', async () => {
    await start();
    const chat = await api.startChat({});
    await eventually('the greeting', async () => ((await page(chat, '')).body.messages.length > 0 ? true : undefined));
    await idle();
    // The bot escalates: its summary is for agents only; then the customer writes.
    const escalate = { type: 'message', id: 'esc', text: 'summary for agents', from: { id: 'demo-bot' }, channelData: { tags: JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } }) } };
    for (const agent of ['alice', 'bob']) await api.agent(agent, 'PUT', '/presence', { presence: 'Offline' });
    await postBotActivity(api, chat.conversationId, escalate);
    await conversationWhere(chat.conversationId, (c) => c.queue === 'CreditCardQueue', 'the escalation');
    expect((await say(chat, 'after', 'after')).status).toBe(202);
    await idle();
    const first = await page(chat, '?limit=1');
    expect(first.body.messages.map((m: any) => m.text)).toEqual([GREETING]);
    const second = await page(chat, `?limit=1&after=${first.body.next}`);
    expect(second.body).toEqual({ status: 'Open', messages: [expect.objectContaining({ id: 'after' })], next: null });
  });
});

describe('summaries in the agent\'s list, and the agent\'s paged transcript', () => {
  test('GET /api/agents/{id}/conversations gives a summary, not the transcript', async () => {
    await start();
    const chat = await withAlice();
    const long = 'x'.repeat(450);
    expect((await say(chat, long, 'long')).status).toBe(202);
    await idle();
    const listed = await api.agent('alice', 'GET', '/conversations');
    expect(listed.status).toBe(200);
    const [conversation] = listed.body.conversations;
    expect(conversation).not.toHaveProperty('messages');
    expect(conversation).toMatchObject({ id: chat.conversationId, messageCount: 2, lastMessage: { id: 'long', role: 'customer', text: 'x'.repeat(200) } });
    expect(typeof conversation.lastMessage.timestamp).toBe('string');
  });

  test('GET /api/agents/{id}/conversations/{id}/messages pages the transcript for the agent holding the chat, agent-only entries included', async () => {
    await start();
    const chat = await api.startChat({});
    await eventually('the greeting', async () => ((await page(chat, '')).body.messages.length > 0 ? true : undefined));
    await idle();
    await api.agent('bob', 'PUT', '/presence', { presence: 'Offline' });
    const escalate = { type: 'message', id: 'esc', text: 'summary for agents', from: { id: 'demo-bot' }, channelData: { tags: JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } }) } };
    await postBotActivity(api, chat.conversationId, escalate);
    await conversationWhere(chat.conversationId, (c) => c.assignee?.id === 'alice' && c.assignmentAnnounced, 'alice to take the chat');
    await idle();
    const path = `/conversations/${chat.conversationId}/messages`;
    const first = await api.agent('alice', 'GET', `${path}?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'Active', messages: [{ text: GREETING, visibility: 'everyone' }, { id: 'esc', text: 'summary for agents', visibility: 'agents' }] });
    const rest = await api.agent('alice', 'GET', `${path}?after=${first.body.next}`);
    expect(rest.body).toMatchObject({ messages: [{ text: 'Alice joined the chat.' }], next: null });

    expect((await api.agent('bob', 'GET', path)).status).toBe(403);
    expect((await api.call('GET', `agents/alice${path}`)).status).toBe(401);
    expect((await api.agent('alice', 'GET', `${path}?limit=0`)).status).toBe(400);
    expect((await api.agent('alice', 'GET', '/conversations/nope/messages')).status).toBe(404);
    // Once closed, the chat is no longer the agent's to read.
    await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/end`);
    expect((await api.agent('alice', 'GET', path)).status).toBe(200);
    await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/close`);
    expect((await api.agent('alice', 'GET', path)).status).toBe(403);
  });
});
