import type { Activity } from '../../core/activity';
import type { BotUser } from '../../core/config';
import { redactUrl, redactUrls } from '../../core/redactUrl';
import { BotCredentialsRejectedError, type BotClient, type BotResponse } from '../../ports/botClient';

export interface HttpBotClientOptions {
  /** Per call, response body included. */
  timeoutInMs?: number;
  /**
   * The seam for bot authentication: a bearer token for this bot, or undefined to call it anonymously.
   * Nothing supplies one yet (local development runs bots without app ids).
   */
  getToken?: (bot: BotUser) => Promise<string | undefined>;
}

export const DEFAULT_BOT_TIMEOUT_IN_MS = 15_000;

/** Calls a bot the way a Bot Framework channel does: one JSON activity POSTed to its messaging endpoint. */
export class HttpBotClient implements BotClient {
  private readonly timeoutInMs: number;
  private readonly getToken: (bot: BotUser) => Promise<string | undefined>;

  constructor(options: HttpBotClientOptions = {}) {
    this.timeoutInMs = options.timeoutInMs ?? DEFAULT_BOT_TIMEOUT_IN_MS;
    this.getToken = options.getToken ?? (async () => undefined);
  }

  async postActivity(bot: BotUser, activity: Activity): Promise<BotResponse> {
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      const token = await this.getToken(bot);
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await fetch(bot.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(activity),
        signal: AbortSignal.timeout(this.timeoutInMs),
      });
      const text = await response.text();
      return text === '' ? { status: response.status } : { status: response.status, body: parseIfJson(text) };
    } catch (error) {
      if (error instanceof BotCredentialsRejectedError) throw error;
      // The endpoint may carry a key (?code=) or credentials: the message is logged and tracked, so they are redacted.
      throw new Error(`POST to bot "${bot.id}" at ${redactUrl(bot.endpoint)} failed: ${redactUrls(this.reason(error))}`, { cause: error });
    }
  }

  private reason(error: unknown): string {
    if (!isErrorLike(error)) return String(error);
    if (error.name === 'TimeoutError') return `no answer within ${this.timeoutInMs} ms`;
    // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`.
    return isErrorLike(error.cause) ? `${error.message}: ${error.cause.message}` : error.message;
  }
}

/** Duck-typed: fetch's errors may come from another realm (a test runner's sandbox), where instanceof fails. */
function isErrorLike(value: unknown): value is { name: string; message: string; cause?: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string';
}

/** Bots answer with JSON (invoke, expectReplies) or nothing; anything else is passed on as text. */
function parseIfJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
