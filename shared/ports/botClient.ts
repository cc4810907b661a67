import type { BotUser } from '../core/config';
import type { Activity } from '../core/activity';

export interface BotResponse {
  status: number;
  /** Set when the bot answered with a body (e.g. expectReplies). */
  body?: unknown;
}

/** Sends one activity to a bot's messaging endpoint. Transport failures throw; HTTP statuses are returned. */
export interface BotClient {
  postActivity(bot: BotUser, activity: Activity): Promise<BotResponse>;
}
