/**
 * The live feeds the agent workspace and the supervisor's view follow (DESIGN.md §4a): per scope, an
 * append-only, gap-free sequence of small events, stored where the conversations are, so a stream
 * served by one Function App instance sees what another appended.
 *
 * Scopes:
 * - `agent:<agentId>`: what one agent's page shows (offers, its chats, their messages, its presence).
 * - `queue:<queue>`: what happens in one routing queue (conversation rows and the events the queue's
 *   KPIs are computed from); the supervisor's view folds these (core/queueBoard.ts).
 * - `insights:<workstream>:<hour>`: the events the insights count, in their own store with its own
 *   retention (ports/insightsStore.ts, core/insights.ts).
 */
export type FeedScope = `agent:${string}` | `queue:${string}` | `insights:${string}`;

export const agentScope = (agentId: string): FeedScope => `agent:${agentId}`;
export const queueScope = (queue: string): FeedScope => `queue:${queue}`;

/** One event as written: `id` is unique in its scope and makes the append idempotent (a retried write appends nothing). */
export interface FeedEvent {
  scope: FeedScope;
  id: string;
  /** What happened, e.g. `offer`, `conversation`, `message`, `presence` (docs/workspace-api.md lists them). */
  type: string;
  /** When it happened (ISO). */
  at: string;
  /** The event's payload: plain JSON, a few hundred bytes (a message's text at most). */
  data: Record<string, unknown>;
}

/** An event as read: `seq` is its place in its scope (1 for the first), never reused and without gaps. */
export interface StoredFeedEvent extends FeedEvent {
  seq: number;
}

/** One read of a scope from a position. */
export interface FeedPage {
  /** Events after the asked position, in order, at most the asked limit. */
  events: StoredFeedEvent[];
  /** The scope's last seq when read (0 for a scope without events): a reader at `head` is up to date. */
  head: number;
  /**
   * True when events after the asked position were already pruned (older than the feed's retention):
   * the reader missed something and must read the state again (the page's snapshot route) instead.
   */
  truncated: boolean;
}
