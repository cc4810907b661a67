import type { KpiEvent } from './kpis';
import { ratio, seconds } from './kpis';

/**
 * The bot insights, one definition each (Omnichannel's bot dashboard, reference omnichannel.md §6.1–6.2,
 * and the definitions), computed from the `BotSessionEnded` telemetry event Switchboard sends to
 * Application Insights when a bot's part of a chat ends. infra/insights/ computes the same in KQL.
 *
 * - Bot conversations: bot sessions that ended (one per chat and bot; a chat still with its bot counts
 *   when its session ends).
 * - Resolved: ended without escalation, by the bot (outcome resolved: the bot ended the chat) or by the
 *   customer (outcome abandoned, endedBy customer: the customer closed the chat). Resolution rate =
 *   resolved / bot conversations; average resolution time = their time with the bot.
 * - Escalated: the bot handed the chat to a human (outcome escalated; `unreachable` counts those Switchboard
 *   escalated because the bot could not be reached). Escalation rate = escalated / bot conversations;
 *   average time to escalate = their time with the bot.
 * - Abandoned: the customer went away mid-way without ending the chat (outcome abandoned, endedBy
 *   disconnected or system: their page was gone for the reconnect window, or the chat was idle-closed).
 *   Abandon rate = abandoned / bot conversations.
 * - Deflected = resolved + abandoned (Omnichannel: "deflected if the user abandons it midway or if the bot
 *   resolves it"). Deflection rate = deflected / bot conversations.
 * - Average bot session time = total time with the bot / bot conversations.
 * - A supervisor's force-close while with the bot counts as a bot conversation and nothing else.
 * - Escalation reasons: on `Escalated`, the context values the bot set (`botContext`), counted per
 *   "variable = value".
 */
export interface BotCounters {
  sessions: number;
  resolvedByBot: number;
  resolvedByCustomer: number;
  escalated: number;
  unreachable: number;
  abandoned: number;
  botMs: number;
  resolvedMs: number;
  escalatedMs: number;
}

export function emptyBotCounters(): BotCounters {
  return { sessions: 0, resolvedByBot: 0, resolvedByCustomer: 0, escalated: 0, unreachable: 0, abandoned: 0, botMs: 0, resolvedMs: 0, escalatedMs: 0 };
}

export type BotOutcome = 'resolvedByBot' | 'resolvedByCustomer' | 'escalated' | 'abandoned' | 'other';

/** What a `BotSessionEnded` event's outcome counts as. */
export function botOutcomeOf(event: KpiEvent): BotOutcome {
  const { outcome, endedBy } = event.properties;
  if (outcome === 'resolved') return 'resolvedByBot';
  if (outcome === 'escalated') return 'escalated';
  if (outcome === 'abandoned') return endedBy === 'customer' ? 'resolvedByCustomer' : 'abandoned';
  return 'other';
}

/** Counts one `BotSessionEnded` event. */
export function countBotSession(counters: BotCounters, event: KpiEvent): BotCounters {
  const botMs = Math.max(0, event.measurements?.botTimeMs ?? 0);
  const next = { ...counters, sessions: counters.sessions + 1, botMs: counters.botMs + botMs };
  const outcome = botOutcomeOf(event);
  switch (outcome) {
    case 'resolvedByBot':
    case 'resolvedByCustomer':
      next[outcome]++;
      next.resolvedMs += botMs;
      break;
    case 'escalated':
      next.escalated++;
      next.escalatedMs += botMs;
      if (event.properties.failure) next.unreachable++;
      break;
    case 'abandoned':
      next.abandoned++;
      break;
    case 'other':
      break;
  }
  return next;
}

export function addBotCounters(a: BotCounters, b: BotCounters): BotCounters {
  return addBotCountersInto(addBotCountersInto(emptyBotCounters(), a), b);
}

/** Adds `b` into `sum` and returns `sum` (see kpis.ts addCountersInto). */
export function addBotCountersInto(sum: BotCounters, b: BotCounters): BotCounters {
  for (const key of Object.keys(sum) as (keyof BotCounters)[]) sum[key] += b[key] ?? 0;
  return sum;
}

/** The bot KPIs of counted sessions; a rate is a fraction, null when there were no sessions. */
export function botKpis(c: BotCounters) {
  const resolved = c.resolvedByBot + c.resolvedByCustomer;
  const deflected = resolved + c.abandoned;
  return {
    botConversations: c.sessions,
    resolved,
    resolvedByBot: c.resolvedByBot,
    resolvedByCustomer: c.resolvedByCustomer,
    resolutionRate: ratio(resolved, c.sessions),
    averageResolutionSeconds: seconds(c.resolvedMs, resolved),
    escalated: c.escalated,
    unreachable: c.unreachable,
    escalationRate: ratio(c.escalated, c.sessions),
    averageTimeToEscalateSeconds: seconds(c.escalatedMs, c.escalated),
    abandoned: c.abandoned,
    abandonRate: ratio(c.abandoned, c.sessions),
    deflected,
    deflectionRate: ratio(deflected, c.sessions),
    averageBotSessionSeconds: seconds(c.botMs, c.sessions),
  };
}
export type BotKpis = ReturnType<typeof botKpis>;
