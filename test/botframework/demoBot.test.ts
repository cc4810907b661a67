import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { EventFactory, TestAdapter, TurnContext, type Activity as BotbuilderActivity } from 'botbuilder';
import type { Activity } from '../../shared/core/activity';
import {
  conversationUpdateActivity,
  customerMessageActivity,
  startConversationActivity,
  type BotChannelContext,
} from '../../shared/core/botActivities';
import { interpretBotActivity, type BotCommand } from '../../shared/core/botCommands';
import { GOODBYE, GREETING, HELP, MENU_INTRO } from '../../shared/demo-bot/demoBot';
import { GREETING_CHOICES, MENU_CHOICE_ID, MENU_TOPICS } from '../../shared/demo-bot/topicMenu';
import { createDemoBotHandler } from '../../shared/demo-bot/demoBotHttp';

/** What the bot POSTed to the connector, as the channel received it. */
interface Posted {
  conversationId: string;
  replyToId: string | undefined;
  activity: Record<string, unknown>;
  sizeInBytes: number;
}

/** Plays the channel's connector on loopback: records the bot's activities and answers `{id}` like Azure Bot Service. */
class LoopbackConnector {
  readonly posted: Posted[] = [];
  private server: Server | undefined;
  serviceUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
        if (req.method !== 'POST' || !match) {
          res.writeHead(404).end();
          return;
        }
        const raw = Buffer.concat(chunks);
        this.posted.push({
          conversationId: decodeURIComponent(match[1]!),
          replyToId: match[2] === undefined ? undefined : decodeURIComponent(match[2]),
          activity: JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
          sizeInBytes: raw.length,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `reply-${this.posted.length}` }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.serviceUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server?.close((error) => (error ? reject(error) : resolve())));
  }

  postedTo(conversationId: string): Posted[] {
    return this.posted.filter((p) => p.conversationId === conversationId);
  }
}

const connector = new LoopbackConnector();
beforeAll(() => connector.start());
/** The demo bot with the loopback connector as its channel's (the host passes its own connector's base URL). */
const demoBotMessages = createDemoBotHandler({ connectorBaseUrl: async () => connector.serviceUrl });
afterAll(() => connector.stop());

const logs: unknown[][] = [];
let ids = 0;

function channelFor(conversationId: string, channelId = 'switchboard'): BotChannelContext {
  return {
    channelId,
    serviceUrl: connector.serviceUrl,
    conversationId,
    customer: { id: 'cust-1', name: 'Ada' },
    bot: { id: 'demo-bot', name: 'Demo Bot' },
    locale: 'en-US',
  };
}

async function send(activity: Activity | string): Promise<HttpResponseInit> {
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/demo-bot/messages',
    headers: { 'content-type': 'application/json' },
    body: { string: typeof activity === 'string' ? activity : JSON.stringify(activity) },
  });
  const context = new InvocationContext({
    invocationId: `inv-${++ids}`,
    functionName: 'demoBotMessages',
    logHandler: (level, ...args) => logs.push([level, ...args]),
  });
  return demoBotMessages(request, context);
}

/** What the bot posted back for one customer message: text, or a card's submit (`value` and no text). */
async function sayToBot(conversationId: string, text: string, value?: unknown): Promise<Posted[]> {
  const before = connector.postedTo(conversationId).length;
  const activityId = `msg-${++ids}`;
  const extras = value === undefined ? {} : { value };
  const response = await send(customerMessageActivity(channelFor(conversationId), activityId, '2025-01-01T00:00:00.000Z', text, extras));
  expect(response.status).toBe(200);
  const replies = connector.postedTo(conversationId).slice(before);
  for (const reply of replies) expect(reply.replyToId).toBe(activityId);
  return replies;
}

const understood = (posted: Posted): BotCommand => interpretBotActivity(posted.activity, posted.sizeInBytes);

const GREETING_BUTTONS = { actions: GREETING_CHOICES.map((title) => ({ type: 'imBack', title, value: title })) };

/** The Adaptive Card a reply carries, or undefined. */
function cardOf(posted: Posted): Record<string, any> | undefined {
  const attachments = (posted.activity.attachments ?? []) as { contentType: string; content: Record<string, any> }[];
  return attachments.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

describe('the demo bot, behind its Functions handler, talking to a loopback connector', () => {
  test('greets once, on the startConversation event, bridged, with its topics as buttons', async () => {
    const channel = channelFor('conv-greet');
    expect((await send(conversationUpdateActivity(channel, 'cu-1', '2025-01-01T00:00:00.000Z'))).status).toBe(200);
    expect(connector.postedTo('conv-greet')).toHaveLength(0); // Switchboard sends a context event next.

    const start = startConversationActivity(channel, 'sc-1', '2025-01-01T00:00:01.000Z', {});
    expect((await send(start)).status).toBe(200);
    expect((await send(start)).status).toBe(200); // a redelivery

    const posted = connector.postedTo('conv-greet');
    expect(posted).toHaveLength(1);
    expect(posted[0]!.replyToId).toBe('sc-1');
    expect(posted[0]!.activity).toMatchObject({
      type: 'message',
      text: GREETING,
      suggestedActions: GREETING_BUTTONS,
      channelData: { deliveryMode: 'bridged' },
      conversation: { id: 'conv-greet' },
      from: { id: 'demo-bot' },
      recipient: { id: 'cust-1' },
    });
    expect(understood(posted[0]!)).toEqual({ kind: 'message', text: GREETING, suggestedActions: GREETING_BUTTONS });
  });

  test('on a channel without a context event, greets when the bot joins', async () => {
    const channel = channelFor('conv-emulator', 'emulator');
    const customerOnly = { ...conversationUpdateActivity(channel, 'cu-2', '2025-01-01T00:00:00.000Z'), membersAdded: [{ id: 'cust-1' }] };
    await send(customerOnly);
    expect(connector.postedTo('conv-emulator')).toHaveLength(0);

    await send(conversationUpdateActivity(channel, 'cu-3', '2025-01-01T00:00:00.000Z'));
    await send(startConversationActivity(channel, 'sc-2', '2025-01-01T00:00:01.000Z', {}));
    expect(connector.postedTo('conv-emulator').map((p) => p.activity.text)).toEqual([GREETING]);
  });

  test('"I need a credit card" escalates with BotHandoffTopic=CreditCard and an agent-only summary', async () => {
    const [reply, ...more] = await sayToBot('conv-card', 'I need a credit card');
    expect(more).toHaveLength(0);
    const channelData = reply!.activity.channelData as Record<string, unknown>;
    expect(channelData.tags).toBe(JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } }));
    expect(channelData.deliveryMode).toBeUndefined();
    expect(understood(reply!)).toEqual({
      kind: 'escalate',
      context: { BotHandoffTopic: 'CreditCard' },
      summary: 'Customer asked about a credit card: I need a credit card',
    });
  });

  test('a home loan question escalates with BotHandoffTopic=HomeLoan', async () => {
    const [reply] = await sayToBot('conv-loan', 'Can I get a HOME LOAN?');
    expect(understood(reply!)).toEqual({
      kind: 'escalate',
      context: { BotHandoffTopic: 'HomeLoan' },
      summary: 'Customer asked about a home loan: Can I get a HOME LOAN?',
    });
  });

  test('"bye" says Goodbye to the customer, then ends the chat', async () => {
    const replies = await sayToBot('conv-bye', 'ok, bye');
    expect(replies.map((r) => r.activity.channelData)).toEqual([
      { deliveryMode: 'bridged' },
      { tags: JSON.stringify({ type: 'EndConversation', context: {} }) },
    ]);
    expect(replies.map(understood)).toEqual([
      { kind: 'message', text: GOODBYE },
      { kind: 'end', text: 'The customer said bye; the bot ended the chat.' },
    ]);
  });

  test('anything else gets a helpful bridged reply', async () => {
    const [reply, ...more] = await sayToBot('conv-help', 'What are your opening hours?');
    expect(more).toHaveLength(0);
    expect(reply!.activity.channelData).toEqual({ deliveryMode: 'bridged' });
    expect(understood(reply!)).toEqual({ kind: 'message', text: HELP });
    // "bye" must be a word: "byte" is not a farewell.
    expect((await sayToBot('conv-help', 'how many bytes?')).map(understood)).toEqual([{ kind: 'message', text: HELP }]);
  });

  test("each greeting button's words lead where they say: the two topics escalate, \"Something else\" offers the card", async () => {
    const [card, home, other] = GREETING_CHOICES;
    expect(understood((await sayToBot('conv-buttons-1', card))[0]!)).toMatchObject({ kind: 'escalate', context: { BotHandoffTopic: 'CreditCard' } });
    expect(understood((await sayToBot('conv-buttons-2', home))[0]!)).toMatchObject({ kind: 'escalate', context: { BotHandoffTopic: 'HomeLoan' } });
    const replies = await sayToBot('conv-buttons-3', other);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.activity).toMatchObject({ text: MENU_INTRO, channelData: { deliveryMode: 'bridged' } });
    expect(understood(replies[0]!)).toMatchObject({ kind: 'message', text: MENU_INTRO, attachments: [expect.anything()] });
    for (const words of ['menu', 'Help!', 'what are my options?']) expect(cardOf((await sayToBot('conv-buttons-4', words))[0]!)).toBeDefined();
  });

  test('the card: schema 1.5 (what Web Chat 4.18.1 renders), a required choice of every topic, one submit', async () => {
    const card = cardOf((await sayToBot('conv-menu', 'something else'))[0]!)!;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    const choice = (card.body as Record<string, any>[]).find((element) => element.type === 'Input.ChoiceSet')!;
    expect(choice).toMatchObject({ id: MENU_CHOICE_ID, isRequired: true });
    expect(choice.choices.map((c: { value: string }) => c.value)).toEqual(MENU_TOPICS.map((t) => t.topic));
    expect(card.actions).toEqual([{ type: 'Action.Submit', title: 'Talk to a specialist' }]);
  });

  test("the card's submit (a value, no text): the bot says back the pick, then escalates with its topic", async () => {
    const replies = await sayToBot('conv-submit', '', { [MENU_CHOICE_ID]: 'HomeLoan' });
    expect(replies.map(understood)).toEqual([
      { kind: 'message', text: "I'm finding you a specialist for a home loan." },
      { kind: 'escalate', context: { BotHandoffTopic: 'HomeLoan' }, summary: 'Customer picked "A home loan" on the bot\'s menu' },
    ]);
    // "Anything else" has no rule of its own: the workstream's fallback queue takes it.
    expect(understood((await sayToBot('conv-submit-other', '', { [MENU_CHOICE_ID]: 'Other' }))[1]!)).toMatchObject({ context: { BotHandoffTopic: 'Other' } });
  });

  test('a submit the bot does not know (no topic, an unknown one) gets the help text', async () => {
    for (const value of [{}, { [MENU_CHOICE_ID]: 'Pizza' }, 'CreditCard']) {
      expect((await sayToBot('conv-submit-odd', '', value)).map(understood)).toEqual([{ kind: 'message', text: HELP }]);
    }
  });

  test('expectReplies returns the replies in the response body and calls no connector', async () => {
    const activity = { ...customerMessageActivity(channelFor('conv-inline'), 'm-1', '2025-01-01T00:00:00.000Z', 'bye'), deliveryMode: 'expectReplies' };
    const response = await send(activity);
    expect(response.status).toBe(200);
    const { activities } = response.jsonBody as { activities: Record<string, unknown>[] };
    expect(activities.map((a) => interpretBotActivity(a, Buffer.byteLength(JSON.stringify(a))))).toEqual([
      { kind: 'message', text: GOODBYE },
      { kind: 'end', text: 'The customer said bye; the bot ended the chat.' },
    ]);
    expect(connector.postedTo('conv-inline')).toHaveLength(0);
  });

  test('a body that is not JSON is a 400 with the reason', async () => {
    const response = await send('{not json');
    expect(response.status).toBe(400);
    expect(response.jsonBody).toEqual({ error: { code: 'InvalidActivity', message: expect.stringMatching(/^the request body is not JSON: /) } });
    expect(await send('[1]')).toEqual({
      status: 400,
      jsonBody: { error: { code: 'InvalidActivity', message: 'the request body must be a JSON object (an activity)' } },
    });
  });

  test('an activity without a type is a 400 (botbuilder would throw)', async () => {
    const response = await send(JSON.stringify({ text: 'hi', conversation: { id: 'conv-x' }, serviceUrl: connector.serviceUrl }));
    expect(response).toEqual({ status: 400, jsonBody: { error: { code: 'InvalidActivity', message: 'activity.type is required' } } });
  });

  test('an activity the turn could not answer (no conversation, no serviceUrl, an invoke) is a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'message', text: 'hi', serviceUrl: connector.serviceUrl }, 'activity.conversation.id is required'],
      [{ type: 'message', text: 'hi', conversation: { id: 'c' } }, 'activity.serviceUrl must be the http(s) URL of the channel'],
      [{ type: 'invoke', name: 'x', conversation: { id: 'c' }, serviceUrl: connector.serviceUrl }, 'activity.type "invoke" is not one the demo bot handles'],
    ];
    for (const [activity, message] of cases) {
      const response = await send(JSON.stringify(activity));
      expect(response.status).toBe(400);
      expect((response.jsonBody as { error: { message: string } }).error.message).toContain(message);
    }
  });
});

describe('botbuilder’s own handoff event', () => {
  test('EventFactory.createHandoffInitiation is understood, transcript included', () => {
    const incoming: Partial<BotbuilderActivity> = {
      type: 'message',
      id: 'm-1',
      text: 'agent please',
      channelId: 'switchboard',
      serviceUrl: 'http://127.0.0.1/',
      conversation: { id: 'conv-h', isGroup: false, conversationType: '', name: '' },
      from: { id: 'cust-1', name: 'Ada' },
      recipient: { id: 'demo-bot', name: 'Demo Bot' },
    };
    const turn = new TurnContext(new TestAdapter(), incoming);
    const transcript = [{ type: 'message', text: 'agent please' }] as BotbuilderActivity[];
    const handoff = EventFactory.createHandoffInitiation(turn, { BotHandoffTopic: 'CreditCard' }, { activities: transcript });
    const json = JSON.parse(JSON.stringify(handoff)) as unknown;
    expect(interpretBotActivity(json, Buffer.byteLength(JSON.stringify(json)))).toEqual({
      kind: 'handoff',
      context: { BotHandoffTopic: 'CreditCard' },
      summary: '',
      transcript: [{ type: 'message', text: 'agent please' }],
    });
  });
});
