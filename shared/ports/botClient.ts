import type { BotUser } from '../core/config';
import type { Activity } from '../core/activity';

export interface BotResponse {
  status: number;
  /** Set when the bot answered with a body (e.g. expectReplies). */
  body?: unknown;
}

/**
 * The identity provider refused the credentials Switchboard calls a bot with (a wrong or expired secret,
 * an app id it does not know): unlike a transport failure, no retry can fix it.
 */
export class BotCredentialsRejectedError extends Error {
  override readonly name = 'BotCredentialsRejectedError';
}

/**
 * Sends one activity to a bot's messaging endpoint. Transport failures throw, a refused credential as
 * BotCredentialsRejectedError; HTTP statuses are returned.
 */
export interface BotClient {
  postActivity(bot: BotUser, activity: Activity): Promise<BotResponse>;
}
