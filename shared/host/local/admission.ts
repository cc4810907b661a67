import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Load shedding at the HTTP edge: past its limits the host answers at once with 503 and
 * Retry-After instead of queueing requests until they time out and memory grows. Customer routes
 * are shed first; bots and agents keep a larger share, because their calls carry chats already
 * accepted. (In Azure the Functions host does the same with host.json's http throttles: 429.)
 */
export interface AdmissionOptions {
  /** Requests in flight beyond which new customer requests are shed. */
  maxConcurrentRequests: number;
  /** Event-loop delay (p99 over the last second, ms) beyond which new customer requests are shed. */
  maxEventLoopDelayInMs: number;
}

export const DEFAULT_ADMISSION: AdmissionOptions = { maxConcurrentRequests: 256, maxEventLoopDelayInMs: 250 };

/** Routes whose calls carry chats already accepted: they may use twice the customer limit. */
const PRIORITY_PREFIXES = ['/api/connector/', '/api/agents/', '/api/demo-bot/'];

export class Admission {
  private inFlight = 0;
  private readonly delay = monitorEventLoopDelay({ resolution: 20 });
  private readonly timer: NodeJS.Timeout;
  private delayP99InMs = 0;

  constructor(private readonly options: AdmissionOptions = DEFAULT_ADMISSION) {
    this.delay.enable();
    // Sample once a second so a burst long gone does not keep shedding.
    this.timer = setInterval(() => {
      this.delayP99InMs = this.delay.percentile(99) / 1e6;
      this.delay.reset();
    }, 1000);
    this.timer.unref();
  }

  /** undefined when the request may proceed (call `done` when it ends), else why it is shed. */
  admit(path: string): string | undefined {
    if (path === '/api/health') return this.enter();
    const priority = PRIORITY_PREFIXES.some((prefix) => path.startsWith(prefix));
    const limit = priority ? this.options.maxConcurrentRequests * 2 : this.options.maxConcurrentRequests;
    if (this.inFlight >= limit) return `${this.inFlight} requests are in flight`;
    if (!priority && this.delayP99InMs > this.options.maxEventLoopDelayInMs) return `the host is behind by ${Math.round(this.delayP99InMs)} ms`;
    return this.enter();
  }

  done(): void {
    this.inFlight--;
  }

  close(): void {
    clearInterval(this.timer);
    this.delay.disable();
  }

  private enter(): undefined {
    this.inFlight++;
    return undefined;
  }
}
