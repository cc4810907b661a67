import { visitorToken } from '../support/directLineClient';
import { hostPerTest, sampleConfig, testClock, type TestClock, type TestHost } from '../support/localHostHarness';

/**
 * D365's chat reconnect (workstreams[].reconnect.windowSeconds, 180 by default): a Direct Line customer
 * whose page goes away (closed, reloading) is back in the same chat, with its agent, within the window;
 * past it the chat ends as left by the customer, so the agent is not held by nobody. On a clock moved by hand.
 */
const { start, idle, stored, conversationWhere } = hostPerTest();
let clock: TestClock;
const MINUTE = 60_000;

async function withAgent(): Promise<{ h: TestHost; token: string; conversationId: string; agentId: string }> {
  clock = testClock();
  const h = await start({ clock, config: sampleConfig() });
  const { token, conversationId } = await visitorToken(h.baseUrl, { name: 'Ada' });
  expect((await h.api.call('POST', 'directline/conversations', { token })).status).toBe(201);
  await conversationWhere(conversationId, (c) => c.assignee?.id === 'demo-bot' && c.assignmentAnnounced, 'the bot to take the chat');
  await post(h, token, conversationId, 'I need a credit card');
  const active = await conversationWhere(conversationId, (c) => c.status === 'Active' && c.assignee?.kind === 'agent' && c.assignmentAnnounced, 'an agent to take the chat');
  await idle();
  return { h, token, conversationId, agentId: active.assignee!.id };
}

async function post(h: TestHost, token: string, conversationId: string, text: string): Promise<void> {
  expect((await h.api.call('POST', `directline/conversations/${conversationId}/activities`, { token, body: { type: 'message', text } })).status).toBe(200);
}

async function advance(ms: number): Promise<void> {
  await idle();
  clock.advance(ms);
  await idle();
}

test('a reload within the window finds the same chat with its agent; a page gone for the whole window ends it, and the agent is told', async () => {
  const { h, token, conversationId, agentId } = await withAgent();

  // The page closes at once; two minutes later the customer is back (DLJS resumes with GET /conversations/{id}).
  await advance(2 * MINUTE);
  const resumed = await h.api.call('GET', `directline/conversations/${conversationId}`, { token });
  expect(resumed.status).toBe(200);
  // Past the window counted from the start, but not from the sighting: the chat goes on.
  await advance(2 * MINUTE);
  expect(await stored(conversationId)).toMatchObject({ status: 'Active', assignee: { kind: 'agent', id: agentId } });

  // Now gone for good: three minutes after the last sighting the customer has left.
  await advance(MINUTE + 1000);
  const left = await conversationWhere(conversationId, (c) => c.status === 'WrapUp', 'the chat to end as left by the customer');
  expect(left.statusReason).toBe('CustomerDisconnectedOrLeftActiveConversation');
  const texts = (await h.services.transcripts.list(conversationId)).map((m) => m.text);
  expect(texts).toContain('The customer left the chat (their page was gone for more than 3 minutes).');
  // The agent keeps the chat for wrap-up, as after any customer's leaving.
  expect(left.assignee).toMatchObject({ kind: 'agent', id: agentId });
});

test('a client that keeps polling keeps its chat however long it lasts', async () => {
  const { h, token, conversationId } = await withAgent();
  for (let i = 0; i < 6; i++) {
    await advance(MINUTE);
    expect((await h.api.call('GET', `directline/conversations/${conversationId}/activities?watermark=`, { token })).status).toBe(200);
  }
  await advance(MINUTE);
  expect((await stored(conversationId)).status).toBe('Active');
});

test('chats started with POST /api/chats have no reconnect window (their clients are not Direct Line pages)', async () => {
  clock = testClock();
  const h = await start({ clock, config: sampleConfig() });
  const chat = await h.api.startChat({});
  await conversationWhere(chat.conversationId, (c) => c.assignee?.id === 'demo-bot' && c.assignmentAnnounced, 'the bot to take the chat');
  await advance(10 * MINUTE);
  expect((await stored(chat.conversationId)).status).toBe('Active');
});
