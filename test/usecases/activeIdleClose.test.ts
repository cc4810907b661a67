import { sweep } from '../../shared/usecases/sweep';
import {
  customersPickTheTopic, eventually, hostPerTest, RecordingBots, sampleConfig, testClock, type TestClock, type TestHost,
} from '../support/localHostHarness';

/**
 * The inactivity close of Active chats (workstreams[].autoClose.activeIdleMinutes, 30 by default):
 * over HTTP on the local host, with the real demo bot, on a clock the test moves by hand.
 */

const MINUTE = 60_000;
const IDLE_CLOSED = 'The chat was closed by the system after 30 minutes without a message.';

type Chat = { conversationId: string; token: string };

const { start: startHost, host, idle, stored, conversationWhere } = hostPerTest();
let clock: TestClock;
let bots: RecordingBots;

function start(): Promise<TestHost> {
  clock = testClock();
  bots = new RecordingBots();
  return startHost({ config: sampleConfig(customersPickTheTopic), clock, bots });
}

const texts = async (chat: Chat) => (await host().api.messages(chat)).body.messages.map((m) => m.text);

async function withBot(): Promise<Chat> {
  const chat = await host().api.startChat({});
  await conversationWhere(chat.conversationId, (c) => c.status === 'Active' && c.assignee?.id === 'demo-bot' && c.assignmentAnnounced, 'the bot to take the chat');
  await eventually('the greeting', async () => ((await texts(chat)).length > 0 ? true : undefined));
  await idle();
  return chat;
}

test('a chat with the bot idle for activeIdleMinutes closes: AutoClosedBySystem, endOfConversation to the bot, a message the customer reads', async () => {
  await start();
  const chat = await withBot();
  clock.advance(30 * MINUTE - 1);
  await idle();
  expect((await stored(chat.conversationId)).status).toBe('Active');

  clock.advance(1);
  const closed = await conversationWhere(chat.conversationId, (c) => c.status === 'Closed', 'the idle close');
  expect(closed).toMatchObject({ statusReason: 'AutoClosedBySystem', closedAt: clock.iso() });
  await idle();
  expect(bots.to(chat.conversationId).filter((a) => a.type === 'endOfConversation')).toHaveLength(1);
  expect((await texts(chat)).at(-1)).toBe(IDLE_CLOSED);
});

test('a chat with an agent idle for activeIdleMinutes closes, and the agent\'s capacity is free again', async () => {
  await start();
  await host().api.agent('bob', 'PUT', '/presence', { presence: 'Offline' });
  const chat = await host().api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
  await conversationWhere(chat.conversationId, (c) => c.status === 'Active' && c.assignee?.id === 'alice' && c.assignmentAnnounced, 'alice to take the chat');
  await idle();
  expect((await host().services.agents.get('alice'))?.value.reservations).toHaveLength(1);

  clock.advance(30 * MINUTE);
  const closed = await conversationWhere(chat.conversationId, (c) => c.status === 'Closed', 'the idle close');
  expect(closed).toMatchObject({ statusReason: 'AutoClosedBySystem', assignee: { id: 'alice', kind: 'agent' } });
  await idle();
  expect((await host().services.agents.get('alice'))?.value.reservations).toEqual([]);
  expect((await host().api.agent('alice', 'GET', '/conversations')).body.conversations).toEqual([]);
});

test('a message just before the deadline keeps the chat open; it closes activeIdleMinutes after the last message', async () => {
  await start();
  const chat = await withBot();
  clock.advance(30 * MINUTE - 1);
  expect((await host().api.say(chat, 'still here')).status).toBe(202);
  await eventually('the bot answer', async () => ((await texts(chat)).length >= 3 ? true : undefined));
  const lastMessageAt = clock.iso();
  clock.advance(1);
  await idle();
  expect((await stored(chat.conversationId)).status).toBe('Active');

  clock.advance(30 * MINUTE - 2);
  await idle();
  expect((await stored(chat.conversationId)).status).toBe('Active');
  clock.advance(1);
  const closed = await conversationWhere(chat.conversationId, (c) => c.status === 'Closed', 'the idle close');
  expect(Date.parse(closed.closedAt!) - Date.parse(lastMessageAt)).toBe(30 * MINUTE);
});

test('the sweep closes an idle Active chat whose timer was lost (or that was Active before the idle close existed)', async () => {
  await start();
  const chat = await withBot();
  // Rewritten as if armed by nobody: the timer's epoch no longer matches.
  const found = (await host().services.conversations.get(chat.conversationId))!;
  await host().services.conversations.replace({ ...found.value, epoch: found.value.epoch + 1 }, { ifMatch: found.etag });
  clock.advance(31 * MINUTE);
  await idle();
  expect((await stored(chat.conversationId)).status).toBe('Active');
  expect((await sweep(host().services)).autoClosesResent).toBe(1);
  await conversationWhere(chat.conversationId, (c) => c.status === 'Closed' && c.statusReason === 'AutoClosedBySystem', 'the swept idle close');
});
