/**
 * The outcome of each delivery to a bot, kept for a short window so GET /api/health can say which bots
 * are failing. A hint of this process's recent past, never the truth: on Azure each instance counts the
 * deliveries it made, and the bot failure alert (infra/alerts/) counts them all.
 */
export interface BotOutcomes {
  record(botId: string, outcome: 'delivered' | 'failed', at: Date): void;
  /** Per bot with any delivery since `since`, how many went through and how many failed. */
  list(since: Date): BotOutcomeTally[];
}

export interface BotOutcomeTally {
  bot: string;
  delivered: number;
  failed: number;
}
