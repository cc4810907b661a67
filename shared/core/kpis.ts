/**
 * The queue KPIs, one definition each (Omnichannel's real-time definitions, reference/faces.md §D.3 and
 * omnichannel.md §6.3), computed from the telemetry events Switchboard sends to Application Insights:
 * the same events, with the same names, dimensions and measurements, are appended to each queue's live
 * feed (only those a KPI counts), and the supervisor's board counts them here. infra/insights/ computes
 * the same KPIs in KQL from customEvents; part 9's historical insights reuse these counters.
 *
 * - Incoming: chats that entered the queue from their start, a bot's escalation or handoff (`Routed`
 *   with reason start | escalation | handoff); transfers and repairs re-enter, they do not come in.
 * - Answered: chats a human accepted for the first time from the queue (`Assigned` with an agent and
 *   firstAgent = true). Speed to answer: its waitMs, from entering the queue (for an escalated chat,
 *   the escalation) to the accept.
 * - Average speed to answer = total speed to answer / answered.
 * - Service level (N s) = answered within N seconds / answered.
 * - Abandoned: chats closed while waiting in the queue before any human accepted them
 *   (`ConversationClosed` with accepted = false and a waitMs). Abandon rate = abandoned / incoming.
 * - Handled sessions: an agent's session of a chat ends: it goes to wrap-up (`WrapUpStarted`), is
 *   transferred by the agent (`Transferred` with an agent), or is closed straight from Active
 *   (`ConversationClosed` with activeMs). Handle time = active time (activeMs) + wrap-up time (wrapUpMs,
 *   on `ConversationClosed` after wrap-up). Average handle time = total handle time / handled sessions.
 * - Transferred: sessions an agent transferred out of the queue (`Transferred`, counted in fromQueue).
 *   Transfer rate = transferred / handled sessions.
 * - First wait: of every chat that left the queue's wait for the first time, answered or abandoned, the
 *   time it waited (waitMs of the first human accept, or of the abandoning close). Average first wait =
 *   total first wait / (answered + abandoned): unlike the speed to answer, it counts who gave up.
 * - Offers (part 5): offered (`Offered`), rejected (`OfferRejected`) and timed out (`OfferExpired`).
 *   Offer rejection rate = rejected / offered; offer timeout rate = timed out / offered.
 */

/** A telemetry event as Application Insights receives it (name, customDimensions, customMeasurements). */
export interface KpiEvent {
  name: string;
  properties: Record<string, string | undefined>;
  measurements?: Record<string, number>;
}

/** Default service-level thresholds in seconds (D365's real-time dashboard shows 20 s and 60 s among others). */
export const DEFAULT_SERVICE_LEVEL_SECONDS = [20, 60] as const;
/**
 * The thresholds a service level may use (Omnichannel's N = 10, 20, 30, 40, 60, 120 s). Stored counters
 * count all of them, so a configuration may switch between them without recounting history.
 */
export const SERVICE_LEVEL_CHOICES = [10, 20, 30, 40, 60, 120] as const;

/** What one queue counted in one period. */
export interface QueueCounters {
  incoming: number;
  answered: number;
  speedToAnswerMs: number;
  /** Answered within each threshold, by the threshold in seconds. */
  answeredWithin: Record<string, number>;
  abandoned: number;
  handled: number;
  handleMs: number;
  transferred: number;
  /** Total first wait of the answered and the abandoned (their count is answered + abandoned). */
  firstWaitMs: number;
  offered: number;
  rejected: number;
  timedOut: number;
}

export function emptyCounters(): QueueCounters {
  return { incoming: 0, answered: 0, speedToAnswerMs: 0, answeredWithin: {}, abandoned: 0, handled: 0, handleMs: 0, transferred: 0, firstWaitMs: 0, offered: 0, rejected: 0, timedOut: 0 };
}

const INCOMING_REASONS = new Set(['start', 'escalation', 'handoff']);

/**
 * The queue an event counts for, if any KPI counts it: the one place that says which events the KPIs
 * use, so the feeds carry only those.
 */
export function kpiQueueOf(event: KpiEvent): string | undefined {
  const p = event.properties;
  const m = event.measurements ?? {};
  switch (event.name) {
    case 'Routed':
      return INCOMING_REASONS.has(p.reason ?? '') ? p.queue : undefined;
    case 'Assigned':
      return p.agent && p.firstAgent === 'true' ? p.queue : undefined;
    case 'WrapUpStarted':
      return p.queue;
    case 'Transferred':
      return p.agent ? p.fromQueue : undefined;
    case 'ConversationClosed':
      return m.waitMs !== undefined || m.activeMs !== undefined || m.wrapUpMs !== undefined ? p.queue : undefined;
    default:
      return undefined;
  }
}

/** Counts one event (already known to count for this queue, see kpiQueueOf) into the counters. */
export function countKpiEvent(counters: QueueCounters, event: KpiEvent, serviceLevelSeconds: readonly number[]): QueueCounters {
  const p = event.properties;
  const m = event.measurements ?? {};
  const next = { ...counters, answeredWithin: { ...counters.answeredWithin } };
  switch (event.name) {
    case 'Routed':
      next.incoming++;
      break;
    case 'Assigned': {
      const waitMs = Math.max(0, m.waitMs ?? 0);
      next.answered++;
      next.speedToAnswerMs += waitMs;
      next.firstWaitMs += waitMs;
      for (const seconds of serviceLevelSeconds) if (waitMs <= seconds * 1000) next.answeredWithin[seconds] = (next.answeredWithin[seconds] ?? 0) + 1;
      break;
    }
    case 'WrapUpStarted':
      next.handled++;
      next.handleMs += Math.max(0, m.activeMs ?? 0);
      break;
    case 'Transferred':
      next.handled++;
      next.transferred++;
      next.handleMs += Math.max(0, m.activeMs ?? 0);
      break;
    case 'ConversationClosed':
      if (m.waitMs !== undefined && p.accepted === 'false') {
        next.abandoned++;
        next.firstWaitMs += Math.max(0, m.waitMs);
      }
      if (m.activeMs !== undefined) {
        next.handled++;
        next.handleMs += Math.max(0, m.activeMs);
      }
      if (m.wrapUpMs !== undefined) next.handleMs += Math.max(0, m.wrapUpMs);
      break;
    case 'Offered':
      next.offered++;
      break;
    case 'OfferRejected':
      next.rejected++;
      break;
    case 'OfferExpired':
      next.timedOut++;
      break;
  }
  return next;
}

export function addCounters(a: QueueCounters, b: QueueCounters): QueueCounters {
  return addCountersInto(addCountersInto(emptyCounters(), a), b);
}

/**
 * Adds `b` into `sum` and returns `sum`: for summing many rows into an accumulator of one's own (a month's
 * read sums thousands; a new object per addition was most of its time). Counters stored before a field
 * existed count it as 0.
 */
export function addCountersInto(sum: QueueCounters, b: QueueCounters): QueueCounters {
  for (const [seconds, n] of Object.entries(b.answeredWithin)) sum.answeredWithin[seconds] = (sum.answeredWithin[seconds] ?? 0) + n;
  for (const key of COUNTED_FIELDS) sum[key] += b[key] ?? 0;
  return sum;
}

const COUNTED_FIELDS = ['incoming', 'answered', 'speedToAnswerMs', 'abandoned', 'handled', 'handleMs', 'transferred', 'firstWaitMs', 'offered', 'rejected', 'timedOut'] as const satisfies readonly Exclude<keyof QueueCounters, 'answeredWithin'>[];

/** The KPIs of counted events; a rate is a fraction (0.8 = 80 %), null when nothing was counted for it. */
export function queueKpis(c: QueueCounters, serviceLevelSeconds: readonly number[]) {
  const serviceLevel: Record<string, number | null> = {};
  for (const seconds of serviceLevelSeconds) serviceLevel[seconds] = ratio(c.answeredWithin[seconds] ?? 0, c.answered);
  return {
    incoming: c.incoming,
    answered: c.answered,
    abandoned: c.abandoned,
    handled: c.handled,
    transferred: c.transferred,
    serviceLevel,
    averageSpeedToAnswerSeconds: seconds(c.speedToAnswerMs, c.answered),
    abandonRate: ratio(c.abandoned, c.incoming),
    averageHandleTimeSeconds: seconds(c.handleMs, c.handled),
    transferRate: ratio(c.transferred, c.handled),
    averageFirstWaitSeconds: seconds(c.firstWaitMs, c.answered + c.abandoned),
  };
}

/** The offer KPIs (the queue feeds do not carry offer events: the supervisor's boards have none of these). */
export function offerKpis(c: QueueCounters) {
  return { offered: c.offered, offerRejectionRate: ratio(c.rejected, c.offered), offerTimeoutRate: ratio(c.timedOut, c.offered) };
}
export type QueueKpis = ReturnType<typeof queueKpis>;

/** part / whole as a fraction, null when nothing was counted for it (a rate of nothing is unknown, not 0). */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** The average of `n` durations totalling `ms`, in seconds to a tenth; null for none. */
export function seconds(ms: number, n: number): number | null {
  return n > 0 ? Math.round(ms / n / 100) / 10 : null;
}
