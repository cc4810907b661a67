import type { AgentState } from '../core/agent';
import type { Versioned } from '../ports/storeErrors';
import type { Conversation } from '../core/conversation';
import { agentScope, queueScope, type FeedEvent } from '../core/feed';
import { insightLogEvents } from '../core/insights';
import { kpiQueueOf, type KpiEvent } from '../core/kpis';
import { agentRow, liveEventsOf } from '../core/liveEvents';
import type { TranscriptMessage } from '../core/transcript';
import { recordInsights } from './insights';
import type { Services } from './services';

/** A telemetry event of a change: tracked to Application Insights, and to the queue feeds when a KPI counts it. */
export type ChangeEvent = KpiEvent;

export interface CommittedChange {
  before: Conversation | undefined;
  after: Conversation;
  appended: readonly TranscriptMessage[];
  events: readonly ChangeEvent[];
  /** Names the change, the same on every retry of it (a command's key): the KPI events' feed ids come from it. */
  key: string;
}

/**
 * The feed events of a committed conversation change: the live ones (core/liveEvents.ts), the telemetry
 * events the queue KPIs count (core/kpis.ts) and those the insights count (core/insights.ts), each with the
 * conversation id their dimensions carry.
 */
export function feedEventsOfChange(s: Services, change: CommittedChange): FeedEvent[] {
  const { after } = change;
  const allowReject = s.directory.workstream(after.workstream)?.offers?.allowReject ?? true;
  const tracked = change.events.map((event) => ({ ...event, properties: { conversationId: after.id, ...event.properties } }));
  const kpiEvents: FeedEvent[] = tracked.flatMap((event, index) => {
    const queue = kpiQueueOf(event);
    return queue ? [{ scope: queueScope(queue), id: `kpi:${change.key}:${index}`, type: 'kpi', at: after.updatedAt, data: { name: event.name, properties: event.properties, measurements: event.measurements ?? {} } }] : [];
  });
  const insightEvents = insightLogEvents(after.workstream, after.updatedAt, change.key, tracked);
  return [...liveEventsOf({ before: change.before, after, appended: change.appended, allowReject }), ...kpiEvents, ...insightEvents];
}

/** Tracks the change's telemetry and appends its feed events (idempotent: a retry appends nothing twice). */
export async function publishChange(s: Services, change: CommittedChange, feedEvents = feedEventsOfChange(s, change)): Promise<void> {
  for (const event of change.events) s.telemetry.trackEvent(event.name, { conversationId: change.after.id, ...event.properties }, event.measurements);
  await appendFeedEvents(s, feedEvents);
}

/**
 * Appends feed events where their scope lives: the live feeds, or the insights' log (usecases/insights.ts). The
 * two stores are independent, so both writes go at once; a failure fails the change's publication, whose retry
 * appends nothing twice.
 */
export async function appendFeedEvents(s: Services, events: readonly FeedEvent[]): Promise<void> {
  const live = events.filter((event) => !event.scope.startsWith('insights:'));
  await Promise.all([live.length > 0 ? s.feed.append(live) : undefined, recordInsights(s, events.filter((event) => event.scope.startsWith('insights:')))]);
}


/**
 * The feed events of an agent's committed state change: its presence to its own page, and its row to
 * the board of every queue it serves when the row changed. Ids name the write (its ETag, new with every
 * write), so two changes within one millisecond are two events. The appends follow the write once and
 * are not retried: a lost one leaves a page or board a change behind until its next snapshot.
 */
export function agentFeedEvents(s: Services, before: AgentState, written: Versioned<AgentState>): FeedEvent[] {
  const after = written.value;
  const version = written.etag.replace(/"/g, '');
  const events: FeedEvent[] = [];
  const at = after.updatedAt;
  if (before.presence !== after.presence) {
    events.push({ scope: agentScope(after.id), id: `presence:${version}`, type: 'presence', at, data: { presence: after.presence, since: after.presenceSince ?? at } });
  }
  const row = agentRow(after);
  const old = agentRow(before);
  if (row.presence !== old.presence || row.usedUnits !== old.usedUnits || row.activeChats !== old.activeChats) {
    for (const queue of s.directory.queuesOf(after.id)) events.push({ scope: queueScope(queue.name), id: `agent:${after.id}:${version}`, type: 'agent', at, data: row });
  }
  return events;
}
