import type { HealthSettings } from './config';

/**
 * What GET /api/health tells an operator, graded against the configured thresholds (config `health`).
 * A check past its threshold is `degraded`: the service runs, something needs a look (HTTP 200). A check
 * whose source could not be read (the store or the bus did not answer) is `failing`: this instance cannot
 * do its work (HTTP 503, so a probe takes it out). The report is as bad as its worst check.
 *
 * Anyone may call it: it holds counts, ages and the configuration's own names (queues, bots), never a
 * conversation, a message or an error's text.
 */
export type HealthStatus = 'ok' | 'degraded' | 'failing';

export interface HealthCheck {
  /** `<kind>:<subject>`, e.g. `queueWait:DefaultQueue`, `deadLetters:bot-deliveries`, `botFailures:demo-bot`. */
  name: string;
  status: HealthStatus;
  /** The measured value in the threshold's unit (seconds, messages, a share 0 to 1); null when unknown. */
  value: number | null;
  threshold: number | null;
  message: string;
}

export interface HealthReport {
  status: HealthStatus;
  checks: HealthCheck[];
}

/** A measurement, or the fact that its source did not answer. */
export type Measured<T> = { ok: true; value: T } | { ok: false; source: string };

export interface BusQueueMeasure {
  queue: string;
  activeMessages: number;
  deadLetterMessages: number;
  oldestMessageAgeInMs: number | null;
}

export interface WaitingQueueMeasure {
  queue: string;
  waiting: number;
  /** How long the chat first in line has waited (the sweep's OldestWaitMs); null when none waits. */
  oldestWaitInMs: number | null;
}

export interface BotMeasure {
  bot: string;
  delivered: number;
  failed: number;
}

export interface HealthMeasures {
  bus: Measured<BusQueueMeasure[]>;
  queues: Measured<WaitingQueueMeasure[]>;
  /** Each bot's deliveries within the window. */
  bots: BotMeasure[];
}

export function gradeHealth(measures: HealthMeasures, thresholds: HealthSettings): HealthReport {
  const checks = [
    ...orFailing(measures.bus, 'bus', (queues) => queues.flatMap((q) => busChecks(q, thresholds))),
    ...orFailing(measures.queues, 'queueWait', (queues) => queues.map((q) => waitCheck(q, thresholds))),
    ...measures.bots.map((b) => botCheck(b, thresholds)),
  ];
  return { status: worst(checks.map((c) => c.status)), checks };
}

function busChecks(q: BusQueueMeasure, t: HealthSettings): HealthCheck[] {
  const age = q.oldestMessageAgeInMs === null ? null : Math.floor(q.oldestMessageAgeInMs / 1000);
  return [
    atLeast(`busBacklog:${q.queue}`, q.activeMessages, t.busBacklogWarning, `${q.activeMessages} message(s) due on bus queue ${q.queue}`),
    age === null
      ? { name: `busOldestMessage:${q.queue}`, status: 'ok', value: null, threshold: t.busOldestMessageWarningSeconds, message: q.activeMessages === 0 ? `no message due on bus queue ${q.queue}` : `the age of bus queue ${q.queue}'s oldest message is not reported by this bus` }
      : atLeast(`busOldestMessage:${q.queue}`, age, t.busOldestMessageWarningSeconds, `the oldest message due on bus queue ${q.queue} has waited ${age} s`),
    atLeast(`deadLetters:${q.queue}`, q.deadLetterMessages, t.deadLetterWarning, `${q.deadLetterMessages} dead-lettered message(s) on bus queue ${q.queue}`),
  ];
}

function waitCheck(q: WaitingQueueMeasure, t: HealthSettings): HealthCheck {
  const name = `queueWait:${q.queue}`;
  if (q.oldestWaitInMs === null) return { name, status: 'ok', value: 0, threshold: t.oldestWaitWarningSeconds, message: `no chat waits in queue ${q.queue}` };
  const seconds = Math.floor(q.oldestWaitInMs / 1000);
  return atLeast(name, seconds, t.oldestWaitWarningSeconds, `${q.waiting} chat(s) wait in queue ${q.queue}; the first in line has waited ${seconds} s`);
}

function botCheck(b: BotMeasure, t: HealthSettings): HealthCheck {
  const total = b.delivered + b.failed;
  const rate = total === 0 ? 0 : b.failed / total;
  const degraded = b.failed >= t.botFailureMinimum && rate >= t.botFailureRateWarning;
  return {
    name: `botFailures:${b.bot}`,
    status: degraded ? 'degraded' : 'ok',
    value: Math.round(rate * 1000) / 1000,
    threshold: t.botFailureRateWarning,
    message: total === 0 ? `no delivery to bot ${b.bot} in the last ${t.botFailureWindowSeconds} s` : `${b.failed} of ${total} deliveries to bot ${b.bot} failed in the last ${t.botFailureWindowSeconds} s`,
  };
}

function atLeast(name: string, value: number, threshold: number, message: string): HealthCheck {
  return { name, status: value >= threshold ? 'degraded' : 'ok', value, threshold, message };
}

function orFailing<T>(measured: Measured<T>, kind: string, checks: (value: T) => HealthCheck[]): HealthCheck[] {
  if (measured.ok) return checks(measured.value);
  return [{ name: `${kind}:read`, status: 'failing', value: null, threshold: null, message: `${measured.source} did not answer` }];
}

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, failing: 2 };

function worst(statuses: HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

/** A check that crossed its threshold since the last report, or came back below it. */
export interface HealthCrossing {
  kind: 'crossed' | 'recovered';
  check: HealthCheck;
}

/**
 * What changed between two reports, for the local console: a check that left `ok` (or went from degraded to
 * failing) crossed; one back at `ok`, or gone while it was not ok (a bot without deliveries in the window), recovered.
 */
export function healthCrossings(previous: HealthReport | undefined, current: HealthReport): HealthCrossing[] {
  const before = new Map((previous?.checks ?? []).map((c) => [c.name, c]));
  const now = new Map(current.checks.map((c) => [c.name, c]));
  const crossings: HealthCrossing[] = [];
  for (const check of current.checks) {
    const was = before.get(check.name)?.status ?? 'ok';
    if (RANK[check.status] > RANK[was]) crossings.push({ kind: 'crossed', check });
    else if (check.status === 'ok' && was !== 'ok') crossings.push({ kind: 'recovered', check });
  }
  for (const check of previous?.checks ?? []) {
    if (check.status !== 'ok' && !now.has(check.name)) crossings.push({ kind: 'recovered', check: { ...check, status: 'ok', value: null, message: `${check.name} is no longer measured` } });
  }
  return crossings;
}
