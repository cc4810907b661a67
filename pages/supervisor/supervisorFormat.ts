/** How the supervisor's view says its figures: rates in whole percent, times that tick as a clock. */

const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });

/** 0.8 → "80%". */
export const percent = (fraction: number) => percentFormat.format(fraction);

/** 7 → "0:07", 754 → "12:34", 3_725 → "1:02:05": a time that ticks. */
export function elapsed(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** An average in seconds: "14.2 s" under a minute, else "5 min 10 s". */
export function averageSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const whole = Math.round(seconds);
  const rest = whole % 60;
  return rest === 0 ? `${Math.floor(whole / 60)} min` : `${Math.floor(whole / 60)} min ${rest} s`;
}
