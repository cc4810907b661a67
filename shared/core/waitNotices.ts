import type { LocalizedText, WaitExperience } from './config';

/**
 * What a customer waiting in a queue is told (D365 "customer wait time", queue-experience.md §3):
 * their place in line, at most every 30 s and only when it changed (every 60 s past place 150),
 * "you're next" at the head, and the queue's average wait once per wait. Pure: the time comes in.
 */
export const POSITION_INTERVAL_MS = 30_000;
/** Past this place the number is said at most every LONG_QUEUE_INTERVAL_MS. */
export const LONG_QUEUE_POSITION = 150;
export const LONG_QUEUE_INTERVAL_MS = 60_000;

/** The wait notices of the current wait, kept on the conversation (what GET /api/chats/{id} reads). */
export interface WaitState {
  /** The wait this is: a chat that leaves its queue and enters one again starts a new wait. */
  queue: string;
  enqueuedAt: string | null;
  /** The place in line (1 = next) as last computed, and when. */
  position: number | null;
  positionAt: string;
  /** The queue's average wait as last known, null when there is not enough data. */
  averageWaitSeconds: number | null;
  /** The place the customer was last told, and when. */
  saidPosition: number | null;
  saidPositionAt: string | null;
  /** The average is said once per wait. */
  saidAverage: boolean;
}

/** What the background work saw of a waiting chat at `at`. */
export interface WaitObservation {
  queue: string;
  enqueuedAt: string | null;
  position: number;
  averageWaitSeconds: number | null;
  at: string;
}

export type WaitNotice = { kind: 'queuePosition' | 'nextInLine'; position: number } | { kind: 'averageWait'; seconds: number };

/** How long after a position message the next may come: 30 s, or 60 s above place 150. */
export function positionIntervalMs(position: number): number {
  return position > LONG_QUEUE_POSITION ? LONG_QUEUE_INTERVAL_MS : POSITION_INTERVAL_MS;
}

/** The average is said only when it is over a minute (and known: see queueStats.ts). */
export const AVERAGE_SHOWN_ABOVE_SECONDS = 60;

/** The next wait state, and what to tell the customer now. */
export function decideWaitNotices(previous: WaitState | null | undefined, seen: WaitObservation, settings: Pick<WaitExperience, 'queuePosition' | 'averageWaitTime'>): { state: WaitState; notices: WaitNotice[] } {
  const sameWait = previous && previous.queue === seen.queue && previous.enqueuedAt === seen.enqueuedAt;
  const base: WaitState = sameWait
    ? previous
    : { queue: seen.queue, enqueuedAt: seen.enqueuedAt, position: null, positionAt: seen.at, averageWaitSeconds: null, saidPosition: null, saidPositionAt: null, saidAverage: false };
  const state: WaitState = { ...base, position: seen.position, positionAt: seen.at, averageWaitSeconds: seen.averageWaitSeconds };
  const notices: WaitNotice[] = [];
  const due = base.saidPositionAt === null || Date.parse(seen.at) - Date.parse(base.saidPositionAt) >= positionIntervalMs(seen.position);
  if (settings.queuePosition && seen.position !== base.saidPosition && due) {
    notices.push({ kind: seen.position === 1 ? 'nextInLine' : 'queuePosition', position: seen.position });
    state.saidPosition = seen.position;
    state.saidPositionAt = seen.at;
  }
  if (settings.averageWaitTime && !base.saidAverage && seen.averageWaitSeconds !== null && seen.averageWaitSeconds > AVERAGE_SHOWN_ABOVE_SECONDS) {
    notices.push({ kind: 'averageWait', seconds: seen.averageWaitSeconds });
    state.saidAverage = true;
  }
  return { state, notices };
}

/** Whether the state differs in what a customer can see or be told (the time of the observation alone does not count). */
export function waitStateChanged(before: WaitState | null | undefined, after: WaitState): boolean {
  if (!before) return true;
  return before.queue !== after.queue || before.enqueuedAt !== after.enqueuedAt || before.position !== after.position
    || before.averageWaitSeconds !== after.averageWaitSeconds || before.saidPosition !== after.saidPosition || before.saidAverage !== after.saidAverage;
}

/** Built-in texts (D365's "People ahead of you" and "You're next in line"). */
export const DEFAULT_WAIT_MESSAGES = {
  queuePosition: 'People ahead of you: {ahead}. You are number {position} in the queue.',
  nextInLine: "You're next in line. An agent will be with you shortly.",
  averageWait: 'The average wait time in this queue is about {duration}.',
} as const;

/** Placeholders each text may use. */
export const WAIT_PLACEHOLDERS = {
  queuePosition: ['position', 'ahead', 'queue'],
  nextInLine: ['position', 'ahead', 'queue'],
  averageWait: ['minutes', 'duration', 'queue'],
} as const satisfies Record<keyof typeof DEFAULT_WAIT_MESSAGES, readonly string[]>;

/** The text the customer reads, in their locale when the configuration has one. */
export function waitNoticeText(notice: WaitNotice, messages: WaitExperience['messages'], locale: string | undefined, queue: string): string {
  const template = localize(messages[notice.kind], locale) ?? DEFAULT_WAIT_MESSAGES[notice.kind];
  const values: Record<string, string> = { queue };
  if (notice.kind === 'averageWait') {
    const minutes = Math.ceil(notice.seconds / 60);
    values.minutes = String(minutes);
    values.duration = duration(minutes);
  } else {
    values.position = String(notice.position);
    values.ahead = String(notice.position - 1);
  }
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** The locale's text: exact tag (case-insensitive), then its language (`fr` for `fr-CA`), then `default`. */
export function localize(text: LocalizedText | undefined, locale: string | undefined): string | undefined {
  if (text === undefined || typeof text === 'string') return text;
  const byLower = new Map(Object.entries(text).map(([tag, value]) => [tag.toLowerCase(), value]));
  const wanted = locale?.toLowerCase();
  return (wanted && (byLower.get(wanted) ?? byLower.get(wanted.split('-')[0]!))) || byLower.get('default');
}

/** "1 minute", "45 minutes", "2 hours", "1 hour 5 minutes" (D365's minutes / hours / hours-and-minutes variants). */
function duration(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? plural(hours, 'hour') : `${plural(hours, 'hour')} ${plural(rest, 'minute')}`;
}
