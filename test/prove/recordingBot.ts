import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addEndConversationContext, addEscalationContext, bridgeBotMessage } from '../../shared/botkit/omnichannel';
import { sleep } from './random';

/**
 * A bot for the crash proof, without botbuilder: it lives in the harness process, so what it
 * received survives every kill of the host. It plays the demo bot of the reference setup (greets on
 * the context event, escalates credit-card and home-loan questions, ends on "bye", answers anything
 * else) and, like a botbuilder bot, sends its replies through the connector while the host waits
 * for its HTTP answer. Reply ids are derived from the activity they answer, so a reply sent again
 * (after the host died under it) or to a redelivered activity has the same id: the connector's
 * idempotency is what makes that harmless, and the proof checks it.
 */

export interface Receipt {
  /** Milliseconds since the epoch, when the POST arrived. */
  at: number;
  id: string;
  type: string;
  name?: string;
  text?: string;
  conversationId: string;
}

export const GREETING = 'Hi! I am the recording bot.';
export const HELP = 'I can get you a specialist for a credit card or a home loan.';
export const GOODBYE = 'Goodbye!';

export function repliesTo(activity: { type?: string; name?: string; text?: string }): Record<string, unknown>[] {
  if (activity.type === 'event' && activity.name === 'startConversation') return [bridgeBotMessage({ type: 'message', text: GREETING })];
  if (activity.type !== 'message') return [];
  const said = (activity.text ?? '').toLowerCase();
  if (said.includes('credit card')) return [addEscalationContext({ type: 'message', text: `Summary: ${activity.text}` }, { BotHandoffTopic: 'CreditCard' })];
  if (said.includes('home loan')) return [addEscalationContext({ type: 'message', text: `Summary: ${activity.text}` }, { BotHandoffTopic: 'HomeLoan' })];
  if (/\bbye\b/.test(said)) return [bridgeBotMessage({ type: 'message', text: GOODBYE }), addEndConversationContext({ type: 'message', text: 'The bot ended the chat.' })];
  return [bridgeBotMessage({ type: 'message', text: HELP })];
}

export class RecordingBot {
  readonly receipts = new Map<string, Receipt[]>();
  readonly stats = { received: 0, replies: 0, replyAttempts: 0, repliesAccepted: 0, repliesRefused: 0, repliesGivenUp: 0 };
  /** Reply ids the connector refused, with the status (403/404 when the chat had moved on). */
  readonly refusals: { id: string; status: number; conversationId: string }[] = [];
  private server: Server | undefined;
  private inFlight = 0;
  url = '';

  constructor(private readonly options: { replyDeadlineInMs: number } = { replyDeadlineInMs: 120_000 }) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.inFlight++;
      void this.handle(req).then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(500).end(),
      ).finally(() => this.inFlight--);
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/messages`;
  }

  /** Resolves when no activity is being handled (replies included). */
  async whenIdle(timeoutInMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutInMs;
    while (this.inFlight > 0) {
      if (Date.now() > deadline) throw new Error(`the bot still handles ${this.inFlight} activit(ies) after ${timeoutInMs} ms`);
      await sleep(20);
    }
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      id?: string; type?: string; name?: string; text?: string; serviceUrl?: string; conversation?: { id?: string }; recipient?: { id?: string };
    };
    const conversationId = activity.conversation?.id ?? '';
    this.stats.received++;
    const list = this.receipts.get(conversationId) ?? [];
    list.push({ at: Date.now(), id: activity.id ?? '', type: activity.type ?? '', name: activity.name, text: activity.text, conversationId });
    this.receipts.set(conversationId, list);
    for (const [k, reply] of repliesTo(activity).entries()) {
      await this.reply(activity, { ...reply, id: `${activity.id}:reply${k}`, from: { id: activity.recipient?.id ?? '', role: 'bot' }, conversation: { id: conversationId } });
    }
    return 200;
  }

  /** ReplyToActivity, sent again on every failure but a refusal, until the deadline. */
  private async reply(to: { id?: string; serviceUrl?: string }, reply: Record<string, unknown>): Promise<void> {
    this.stats.replies++;
    const conversationId = (reply.conversation as { id: string }).id;
    const url = `${to.serviceUrl}v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(to.id ?? '')}`;
    const deadline = Date.now() + this.options.replyDeadlineInMs;
    for (let attempt = 1; ; attempt++) {
      this.stats.replyAttempts++;
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reply), signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        if (response.ok) {
          this.stats.repliesAccepted++;
          return;
        }
        if (response.status >= 400 && response.status < 500) {
          this.stats.repliesRefused++;
          this.refusals.push({ id: String(reply.id), status: response.status, conversationId });
          return;
        }
      } catch {
        // The host is down or died under the request: try again once it is back.
      }
      if (Date.now() > deadline) {
        this.stats.repliesGivenUp++;
        return;
      }
      await sleep(Math.min(50 * attempt, 500));
    }
  }
}
