import { useEffect, useState } from 'react';

/** The time, refreshed every `periodInMs` while `active` (countdowns, "typing…" that fades). */
export function useNow(periodInMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), periodInMs);
    return () => clearInterval(timer);
  }, [periodInMs, active]);
  return now;
}
