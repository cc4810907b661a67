import type { BotOutcomes, BotOutcomeTally } from '../ports/botOutcomes';

/** A bot's outcomes beyond this many are forgotten oldest first: a rate over the latest ones is all health needs. */
const MAX_OUTCOMES_PER_BOT = 10_000;

/**
 * Bot delivery outcomes in this process's memory, each bot's in time order, forgotten once older than
 * `retainInMs` (the health window). Bots come from the configuration, so the map stays as small as it.
 */
export class InProcessBotOutcomes implements BotOutcomes {
  private readonly byBot = new Map<string, { atInMs: number; failed: boolean }[]>();

  constructor(private readonly retainInMs: number) {}

  record(botId: string, outcome: 'delivered' | 'failed', at: Date): void {
    const outcomes = this.byBot.get(botId) ?? [];
    outcomes.push({ atInMs: at.getTime(), failed: outcome === 'failed' });
    const cutoff = at.getTime() - this.retainInMs;
    const stale = outcomes.findIndex((o) => o.atInMs >= cutoff);
    outcomes.splice(0, stale < 0 ? outcomes.length : Math.max(stale, outcomes.length - MAX_OUTCOMES_PER_BOT));
    this.byBot.set(botId, outcomes);
  }

  list(since: Date): BotOutcomeTally[] {
    const from = since.getTime();
    const tallies: BotOutcomeTally[] = [];
    for (const [bot, outcomes] of this.byBot) {
      const recent = outcomes.filter((o) => o.atInMs >= from);
      if (recent.length === 0) continue;
      const failed = recent.filter((o) => o.failed).length;
      tallies.push({ bot, delivered: recent.length - failed, failed });
    }
    return tallies.sort((a, b) => (a.bot < b.bot ? -1 : a.bot > b.bot ? 1 : 0));
  }
}
