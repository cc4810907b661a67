import { healthCrossings, type HealthCrossing, type HealthReport } from '../../core/health';
import type { Services } from '../../usecases/services';
import { readHealth } from '../../usecases/health';

/**
 * `npm start`'s console tells the operator when a health check crosses its threshold, once per crossing,
 * and once more when it comes back, instead of a line on every look. Reads the same (cached) report as
 * GET /api/health, every `periodInMs`.
 */
export function watchHealth(s: Services, options: { periodInMs: number; write: (line: string) => void }): { stop(): void } {
  let last: HealthReport | undefined;
  let looking = false;
  const look = async () => {
    if (looking) return;
    looking = true;
    try {
      const report = await readHealth(s);
      for (const crossing of healthCrossings(last, report)) options.write(healthLine(crossing, s.clock.now()));
      last = report;
    } catch (error) {
      options.write(`health: the checks could not be made: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      looking = false;
    }
  };
  const timer = setInterval(() => void look(), options.periodInMs);
  timer.unref();
  void look();
  return { stop: () => clearInterval(timer) };
}

/** `12:03:04 warn  health degraded: 2 chat(s) wait in queue DefaultQueue; the first in line has waited 75 s (threshold 60)`. */
export function healthLine({ kind, check }: HealthCrossing, at: Date): string {
  const time = [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const threshold = check.threshold === null ? '' : ` (threshold ${check.threshold})`;
  if (kind === 'recovered') return `${time} info  health recovered: ${check.message}${threshold}`;
  return `${time} ${check.status === 'failing' ? 'error' : 'warn '} health ${check.status}: ${check.message}${threshold}`;
}
