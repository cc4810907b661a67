import type { Config, WaitExperience } from '../../shared/core/config';
import { customersPickTheTopic, eventually, hostPerTest, RecordingBots, sampleConfig, testClock, type Api, type TestClock, type TestHost } from '../support/localHostHarness';

/**
 * The customer's wait (workstreams[].waitExperience): place-in-line and average-wait system messages
 * in the transcript, and GET /api/chats/{id}. Over HTTP on the embedded adapters, on a clock the test
 * moves by hand: the wait ticks are scheduled bus messages, due when the clock passes them.
 */

const SECOND = 1000;
const AGENTS = ['alice', 'bob', 'carol', 'dave'];
const NEXT = "You're next in line. An agent will be with you shortly.";
const ahead = (n: number) => `People ahead of you: ${n}. You are number ${n + 1} in the queue.`;

type Chat = { conversationId: string; token: string };

const { start: startHost, host, idle } = hostPerTest();
let api: Api;
let clock: TestClock;

async function start(wait: Partial<WaitExperience> | undefined, change: (config: Config) => void = () => undefined): Promise<TestHost> {
  clock = testClock();
  const config = sampleConfig((c) => {
    if (wait) c.workstreams[0]!.waitExperience = { queuePosition: true, averageWaitTime: true, messages: {}, ...wait };
    // The chats start in CreditCardQueue, their topic picked by the customer.
    customersPickTheTopic(c);
    change(c);
  });
  const started = await startHost({ config, clock, bots: new RecordingBots() });
  api = started.api;
  for (const agent of AGENTS) await api.agent(agent, 'PUT', '/presence', { presence: 'Offline' });
  return started;
}

/** Moves the clock and lets every message that became due run. */
async function after(ms: number): Promise<void> {
  clock.advance(ms);
  await idle();
}

/** A chat the rules send straight to CreditCardQueue (alice, bob). */
const creditCardChat = (extra: Record<string, unknown> = {}): Promise<Chat> => api.startChat({ context: { BotHandoffTopic: 'CreditCard' }, ...extra });

async function said(chat: Chat): Promise<string[]> {
  const { body } = await api.messages(chat);
  return body.messages.filter((m) => m.role === 'system').map((m) => m.text);
}

const chatStatus = (chat: Chat) => api.call('GET', `chats/${chat.conversationId}`, { token: chat.token });

describe('the customer\'s wait', () => {
  test('each waiting customer is told their place once the queue\'s tick comes, again only when it changed, and "you\'re next" at the head', async () => {
    await start({ averageWaitTime: false });
    // A second apart: chats that entered at the same time are in line by id.
    const a = await creditCardChat();
    clock.advance(SECOND);
    const b = await creditCardChat();
    clock.advance(SECOND);
    const c = await creditCardChat();
    await idle();
    expect(await said(a)).toEqual([]);
    expect((await chatStatus(a)).body.position).toBeNull();

    await after(30 * SECOND);
    expect(await said(a)).toEqual([NEXT]);
    expect(await said(b)).toEqual([ahead(1)]);
    expect(await said(c)).toEqual([ahead(2)]);

    // Nothing moved: nothing is said, and nothing is written (the tick cost b one read).
    const before = await host().services.conversations.get(b.conversationId);
    await after(30 * SECOND);
    expect(await said(b)).toEqual([ahead(1)]);
    expect((await host().services.conversations.get(b.conversationId))?.etag).toBe(before?.etag);

    // The head leaves 10 s later; the others hear of it at the next tick, not before.
    await after(10 * SECOND);
    expect((await api.call('POST', `chats/${a.conversationId}/end`, { token: a.token })).status).toBe(200);
    await after(10 * SECOND);
    expect(await said(b)).toEqual([ahead(1)]);
    expect((await chatStatus(b)).body.position).toBe(2);
    await after(10 * SECOND);
    expect(await said(b)).toEqual([ahead(1), NEXT]);
    expect(await said(c)).toEqual([ahead(2), ahead(1)]);
    expect((await chatStatus(c)).body.position).toBe(2);

    // The ticks stop once nobody waits.
    for (const chat of [b, c]) await api.call('POST', `chats/${chat.conversationId}/end`, { token: chat.token });
    await after(30 * SECOND);
    expect(await host().services.conversations.listWaitingIds('CreditCardQueue', { limit: 10 })).toEqual([]);
  });

  test('GET /api/chats/{id} while waiting, offered and active; only with the chat\'s token; an accepted offer counts in the average', async () => {
    await start({}, (c) => {
      c.workstreams[0]!.offers = { timeoutSeconds: 120, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3 };
    });
    const first = await creditCardChat();
    clock.advance(SECOND);
    const chat = await creditCardChat();
    await after(30 * SECOND);
    expect(await chatStatus(chat)).toEqual({ status: 200, body: { status: 'Open', statusReason: 'AwaitingAgentAssignment', queue: 'CreditCardQueue', position: 2, averageWaitSeconds: null } });
    expect((await api.call('GET', `chats/${chat.conversationId}`)).status).toBe(401);
    expect((await api.call('GET', `chats/${chat.conversationId}`, { token: first.token })).status).toBe(403);

    // Alice takes the first chat's offer, then is offered this one.
    await api.agent('alice', 'PUT', '/presence', { presence: 'Available' });
    await eventually('the first chat offered', async () => ((await chatStatus(first)).body.statusReason === 'Offered' ? true : undefined));
    expect((await api.agent('alice', 'POST', `/offers/${first.conversationId}/accept`)).status).toBe(200);
    await eventually('this chat offered', async () => ((await chatStatus(chat)).body.statusReason === 'Offered' ? true : undefined));
    expect((await chatStatus(chat)).body).toEqual({ status: 'Open', statusReason: 'Offered', queue: 'CreditCardQueue', position: null, averageWaitSeconds: null });

    expect((await api.agent('alice', 'POST', `/offers/${chat.conversationId}/accept`)).status).toBe(200);
    expect((await chatStatus(chat)).body).toEqual({ status: 'Active', statusReason: 'InConversation', queue: 'CreditCardQueue', position: null, averageWaitSeconds: null });
    // Each accept is a sample of the queue's average, counted from entering the queue: 31 s, then 30 s.
    await idle();
    expect((await host().services.queueStats.get('CreditCardQueue'))?.value).toEqual({ queue: 'CreditCardQueue', averageWaitMs: 30_800, samples: 2, updatedAt: clock.iso() });
  });

  test('the average wait is told once per wait, after 20 answered chats, when over a minute', async () => {
    await start({ queuePosition: false });
    // 19 chats were answered from the queue already, after 150 s on average.
    await host().services.queueStats.create({ queue: 'CreditCardQueue', averageWaitMs: 150_000, samples: 19, updatedAt: clock.iso() });
    const x = await creditCardChat();
    await after(30 * SECOND);
    expect(await said(x)).toEqual([]);
    expect((await chatStatus(x)).body).toMatchObject({ position: 1, averageWaitSeconds: null });

    // The 20th: alice answers x after 30 s of waiting, which moves the average a fifth of the way: 126 s.
    await api.agent('alice', 'PUT', '/presence', { presence: 'Available' });
    await eventually('x assigned', async () => ((await chatStatus(x)).body.status === 'Active' ? true : undefined));
    await idle();
    expect((await host().services.queueStats.get('CreditCardQueue'))?.value).toMatchObject({ samples: 20, averageWaitMs: 126_000 });

    await api.agent('alice', 'PUT', '/presence', { presence: 'Offline' });
    const y = await creditCardChat();
    await after(30 * SECOND);
    expect(await said(y)).toEqual(['The average wait time in this queue is about 3 minutes.']);
    expect((await chatStatus(y)).body).toMatchObject({ status: 'Open', position: 1, averageWaitSeconds: 126 });
    await after(60 * SECOND);
    expect(await said(y)).toEqual(['The average wait time in this queue is about 3 minutes.']);
  });

  test('an average of a minute or less is not told', async () => {
    await start({ queuePosition: false });
    await host().services.queueStats.create({ queue: 'CreditCardQueue', averageWaitMs: 60_000, samples: 40, updatedAt: clock.iso() });
    const x = await creditCardChat();
    await after(30 * SECOND);
    expect((await chatStatus(x)).body.averageWaitSeconds).toBe(60);
    expect(await said(x)).toEqual([]);
  });

  test('texts by the locale the customer started with; a locale that is not BCP-47 is a 400', async () => {
    await start({ averageWaitTime: false, messages: { nextInLine: { fr: 'Vous êtes le prochain.', default: 'Next!' }, queuePosition: { 'fr-FR': 'Devant vous : {ahead}' } } });
    const fr = await creditCardChat({ locale: 'fr-fr' });
    clock.advance(SECOND);
    const en = await creditCardChat();
    expect((await host().services.conversations.get(fr.conversationId))?.value.locale).toBe('fr-FR');
    await after(30 * SECOND);
    expect(await said(fr)).toEqual(['Vous êtes le prochain.']);
    expect(await said(en)).toEqual([ahead(1)]);
    const bad = await api.call('POST', 'chats', { body: { locale: 'not a locale' } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'InvalidBody', message: expect.stringMatching(/^locale: expected a BCP-47 language tag/) } } });
  });

  test('a workstream without waitExperience tells nothing', async () => {
    await start(undefined);
    const a = await creditCardChat();
    const b = await creditCardChat();
    await after(30 * SECOND);
    await after(30 * SECOND);
    expect(await said(a)).toEqual([]);
    expect(await said(b)).toEqual([]);
    expect((await chatStatus(b)).body).toEqual({ status: 'Open', statusReason: 'AwaitingAgentAssignment', queue: 'CreditCardQueue', position: null, averageWaitSeconds: null });
  });
});
