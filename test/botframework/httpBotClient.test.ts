import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { HttpBotClient } from '../../shared/adapters/botframework/httpBotClient';
import { startConversationActivity } from '../../shared/core/botActivities';
import type { BotUser } from '../../shared/core/config';
import { GREETING } from '../../shared/demo-bot/demoBot';
import { createDemoBotHandler } from '../../shared/demo-bot/demoBotHttp';

interface Received {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Answer = (received: Received, res: ServerResponse) => void | Promise<void>;

/** A loopback bot endpoint whose answer each test chooses. */
class LoopbackBot {
  readonly received: Received[] = [];
  answer: Answer = (_received, res) => void res.writeHead(200).end();
  private readonly server: Server;
  endpoint = '';

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received = { method: req.method, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
        this.received.push(received);
        void this.answer(received, res);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/messages`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections(); // the timeout test leaves a request unanswered
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const endpoint = new LoopbackBot();
beforeAll(() => endpoint.start());
afterAll(() => endpoint.stop());

const botAt = (url: string, id = 'demo-bot'): BotUser => ({ id, kind: 'bot', name: 'Demo Bot', endpoint: url, capacity: 100, contextEventName: 'startConversation', deliveryMode: 'normal', unreachableAfterSeconds: 60 });
const activity = { type: 'message', id: 'a1', text: 'hi', conversation: { id: 'conv-1' } };

describe('HttpBotClient', () => {
  test('POSTs the activity as JSON, anonymously, and passes the status through', async () => {
    endpoint.answer = (_received, res) => void res.writeHead(202).end();
    const response = await new HttpBotClient().postActivity(botAt(endpoint.endpoint), activity);
    expect(response).toEqual({ status: 202 });
    const last = endpoint.received.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(last.headers.authorization).toBeUndefined();
    expect(last.body).toEqual(activity);
  });

  test('returns a JSON body parsed, and error statuses without throwing', async () => {
    endpoint.answer = (_received, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"activities":[]}');
    expect(await new HttpBotClient().postActivity(botAt(endpoint.endpoint), activity)).toEqual({ status: 200, body: { activities: [] } });

    endpoint.answer = (_received, res) => void res.writeHead(500).end('boom');
    expect(await new HttpBotClient().postActivity(botAt(endpoint.endpoint), activity)).toEqual({ status: 500, body: 'boom' });
  });

  test('sends the token getToken gives for the bot', async () => {
    endpoint.answer = (_received, res) => void res.writeHead(200).end();
    const client = new HttpBotClient({ getToken: async (bot) => `token-for-${bot.id}` });
    await client.postActivity(botAt(endpoint.endpoint), activity);
    expect(endpoint.received.at(-1)!.headers.authorization).toBe('Bearer token-for-demo-bot');
  });

  test('a bot that does not answer in time: the error names the bot and the endpoint', async () => {
    endpoint.answer = () => undefined; // never answers
    const client = new HttpBotClient({ timeoutInMs: 100 });
    await expect(client.postActivity(botAt(endpoint.endpoint, 'slow-bot'), activity)).rejects.toThrow(
      `POST to bot "slow-bot" at ${endpoint.endpoint} failed: no answer within 100 ms`,
    );
  });

  test('a bot that is not listening: the error names the bot, the endpoint and the cause', async () => {
    const closed = new LoopbackBot();
    await closed.start();
    await closed.stop();
    const error = (await new HttpBotClient().postActivity(botAt(closed.endpoint, 'gone-bot'), activity).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(new RegExp(`^POST to bot "gone-bot" at ${closed.endpoint} failed: fetch failed: .*ECONNREFUSED`));
    expect(error.cause).toEqual(expect.objectContaining({ message: 'fetch failed' }));
  });

  test('talks to the real demo bot; expectReplies brings the greeting back in the body', async () => {
    const serviceUrl = 'http://127.0.0.1:1/'; // never called with expectReplies
    const demoBotMessages = createDemoBotHandler({ connectorBaseUrl: async () => serviceUrl });
    endpoint.answer = async (received, res) => {
      const request = new HttpRequest({
        method: 'POST',
        url: 'http://localhost:7071/api/demo-bot/messages',
        headers: { 'content-type': 'application/json' },
        body: { string: JSON.stringify(received.body) },
      });
      const result = await demoBotMessages(request, new InvocationContext({ functionName: 'demoBotMessages' }));
      res.writeHead(result.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(result.jsonBody ?? {}));
    };
    const channel = {
      channelId: 'switchboard',
      serviceUrl,
      conversationId: 'conv-e2e',
      customer: { id: 'cust-1', name: 'Ada' },
      bot: { id: 'demo-bot', name: 'Demo Bot' },
      locale: 'en-US',
    };
    const start = { ...startConversationActivity(channel, 'sc-1', '2025-01-01T00:00:00.000Z', {}), deliveryMode: 'expectReplies' };
    const response = await new HttpBotClient().postActivity(botAt(endpoint.endpoint), start);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ activities: [expect.objectContaining({ type: 'message', text: GREETING })] });
  });
});
