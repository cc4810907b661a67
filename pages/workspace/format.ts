import type { Presence } from './contract';

/** How the pages say things: presences in D365's words, times and durations short. */

export const PRESENCE_LABELS: Record<Presence, string> = {
  Available: 'Available',
  Busy: 'Busy',
  'Busy-DND': 'Do not disturb',
  Away: 'Away',
  Offline: 'Offline',
};

/** Fluent's PresenceBadge status for each presence. */
export const PRESENCE_BADGES: Record<Presence, 'available' | 'busy' | 'do-not-disturb' | 'away' | 'offline'> = {
  Available: 'available',
  Busy: 'busy',
  'Busy-DND': 'do-not-disturb',
  Away: 'away',
  Offline: 'offline',
};

export const STATUS_LABELS: Record<string, string> = {
  Open: 'Open',
  Active: 'Active',
  WrapUp: 'Wrap-up',
  Waiting: 'Waiting',
  Closed: 'Closed',
};

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateAndClock = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const timeOf = (iso: string) => clock.format(new Date(iso));
export const dateTimeOf = (iso: string) => dateAndClock.format(new Date(iso));

/** 0:07, 1:54, 12:00: a countdown's remaining time. */
export function minutesAndSeconds(totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** 45 s, 3 min, 2 h 5 min: a wait. */
export function duration(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
