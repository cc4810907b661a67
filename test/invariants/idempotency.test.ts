import type { Activity } from '../../shared/core/activity';
import { APPLIED_KEYS_KEPT } from '../../shared/core/lifecycle';
import { appliedDigest } from '../../shared/usecases/appliedKeys';
import type { BotClient, BotResponse } from '../../shared/ports/botClient';
import { eventually, startTestHost, testClock, type TestClock } from '../support/localHostHarness';

/**
 * Regression tests for what the duplicates proof (test/prove/duplicates.ts) found: a customer message
 * resent after the bus's 10-minute duplicate-detection window must still have one effect.
 */

type Host = Awaited<ReturnType<typeof startTestHost>>;
let host: Host | undefined;
let clock: TestClock;
const MINUTE = 60_000;

afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** Records the customer messages the system POSTs to the bot, and answers nothing. */
class SilentBot implements BotClient {
  readonly messages: string[] = [];
  async postActivity(_bot: unknown, activity: Activity): Promise<BotResponse> {
    if (activity.type === 'message') this.messages.push(activity.text ?? '');
    return { status: 200 };
  }
}

async function chatWithBot(bot: SilentBot) {
  clock = testClock();
  host = await startTestHost({ clock, bots: bot });
  const chat = await host.api.startChat();
  await eventually('the bot to hold the chat', async () => ((await host!.services.conversations.get(chat.conversationId))?.value.assignmentAnnounced ? true : undefined));
  const send = (text: string, id: string) => host!.api.call('POST', `chats/${chat.conversationId}/messages`, { body: { text, id }, token: chat.token });
  return { chat, send };
}

test('a customer message resent after the duplicate window, as the chat\'s last command, is not delivered to the bot again', async () => {
  const bot = new SilentBot();
  const { chat, send } = await chatWithBot(bot);
  expect((await send('hello', 'm1')).status).toBe(202);
  await host!.bus.whenIdle();
  clock.advance(11 * MINUTE);
  expect((await send('hello', 'm1')).status).toBe(202);
  await host!.bus.whenIdle();
  expect(bot.messages).toEqual(['hello']);
  expect((await host!.services.conversations.get(chat.conversationId))?.value.customerMessageCount).toBe(1);
});

test(`a customer message resent after ${APPLIED_KEYS_KEPT} later commands and the duplicate window is applied once`, async () => {
  const bot = new SilentBot();
  const { chat, send } = await chatWithBot(bot);
  const count = APPLIED_KEYS_KEPT + 5;
  for (let i = 0; i < count; i++) expect((await send(`message ${i}`, `m${i}`)).status).toBe(202);
  await host!.bus.whenIdle();
  expect((await host!.services.conversations.get(chat.conversationId))?.value.applied).not.toContain(appliedDigest(`customer:${chat.conversationId}:m0`));
  clock.advance(11 * MINUTE);
  // Regression (httpEdge bench): past the kept keys, every message read the whole transcript to check itself.
  const list = jest.spyOn(host!.services.transcripts, 'list');
  expect((await send('message 0', 'm0')).status).toBe(202);
  expect((await send('message 1', 'm1')).status).toBe(202);
  await host!.bus.whenIdle();
  expect(list).not.toHaveBeenCalled();
  const conversation = (await host!.services.conversations.get(chat.conversationId))!.value;
  expect(conversation.customerMessageCount).toBe(count);
  expect(bot.messages).toHaveLength(count);
  expect(new Set(bot.messages).size).toBe(count);
  // A message that is really new still goes through.
  expect((await send('one more', 'new')).status).toBe(202);
  await host!.bus.whenIdle();
  expect(bot.messages.at(-1)).toBe('one more');
}, 30_000);

test('past the kept keys, a message appended by an attempt that died before its write is applied when it comes again', async () => {
  const bot = new SilentBot();
  const { chat, send } = await chatWithBot(bot);
  for (let i = 0; i < APPLIED_KEYS_KEPT; i++) expect((await send(`message ${i}`, `m${i}`)).status).toBe(202);
  await host!.bus.whenIdle();
  const before = (await host!.services.conversations.get(chat.conversationId))!.value;
  // What the dead attempt left: the message in the transcript, the conversation not counting it.
  await host!.services.transcripts.append({
    id: 'late', conversationId: chat.conversationId, role: 'customer', authorId: before.customer.id, text: 'late', timestamp: clock.now().toISOString(), visibility: 'everyone', ordinal: before.customerMessageCount + 1,
  });
  expect((await send('late', 'late')).status).toBe(202);
  await host!.bus.whenIdle();
  expect((await host!.services.conversations.get(chat.conversationId))!.value.customerMessageCount).toBe(before.customerMessageCount + 1);
  expect(bot.messages.at(-1)).toBe('late');
}, 30_000);
