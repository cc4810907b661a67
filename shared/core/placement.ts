import type { RoutingDecision } from './rules';

/**
 * Where a routed chat can actually wait. The rules name a queue; a queue where no member could ever
 * take this chat (no members at all, or only bots that already escalated it) would strand it until
 * auto-close while agents elsewhere sit idle. Such a chat goes to its workstream's fallback queue
 * instead, and when the fallback cannot take it either, it cannot be placed at all.
 *
 * "Could ever" means by configuration, not by the moment: an agent who is Offline or full now may
 * come back, so any agent member makes a queue servable.
 */

/** What the placement needs of a queue: its members, and which of them are bots. */
export interface QueueMembership {
  members: readonly string[];
}

export interface PlacementLookups {
  queue(name: string): QueueMembership | undefined;
  isBot(userId: string): boolean;
}

export type Placement =
  | { kind: 'queue'; rule: string | null; queue: string; redirect?: { from: string; why: string } }
  | { kind: 'unroutable'; rule: string | null; queue: string; why: string };

/** Why `queue` can never take a chat that these bots escalated, or null when some member could. */
export function whyQueueCannotTake(queueName: string, excludedBots: readonly string[], lookups: PlacementLookups): string | null {
  const queue = lookups.queue(queueName);
  if (!queue) return `${queueName} is not a queue of the configuration`;
  if (queue.members.length === 0) return `${queueName} has no members`;
  const able = queue.members.filter((m) => !(lookups.isBot(m) && excludedBots.includes(m)));
  if (able.length > 0) return null;
  return `every member of ${queueName} is a bot that already escalated this chat (${queue.members.join(', ')})`;
}

/** The rules' decision, redirected to the fallback queue when the chosen queue can never take the chat. */
export function placeChat(decision: RoutingDecision, excludedBots: readonly string[], fallbackQueue: string, lookups: PlacementLookups): Placement {
  const why = whyQueueCannotTake(decision.queue, excludedBots, lookups);
  if (why === null) return { kind: 'queue', rule: decision.rule, queue: decision.queue };
  if (decision.queue === fallbackQueue) return { kind: 'unroutable', rule: decision.rule, queue: decision.queue, why };
  const fallbackWhy = whyQueueCannotTake(fallbackQueue, excludedBots, lookups);
  if (fallbackWhy !== null) return { kind: 'unroutable', rule: decision.rule, queue: decision.queue, why: `${why}; the fallback queue cannot take it either: ${fallbackWhy}` };
  return { kind: 'queue', rule: decision.rule, queue: fallbackQueue, redirect: { from: decision.queue, why } };
}
