import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * Load shedding at the HTTP edge: past its limits the host answers at once with 503 and
 * Retry-After instead of queueing requests until they time out and memory grows. Customer routes
 * are shed first; bots and agents keep a larger share, because their calls carry chats already
 * accepted. (In Azure the Functions host does the same with host.json's http throttles: 429.)
 *
 * Why event-loop utilization: once the loop is always busy (the queue processors working off a
 * backlog), Node accepts about one new connection per loop iteration. Waiting requests then sit in
 * the kernel's listen queue, where neither the in-flight count nor the loop's delay sees them, until
 * clients time out. A loop busy above the limit means new customer work only grows the backlog.
 */
export interface AdmissionOptions {
  /** Requests in flight beyond which new customer requests are shed. */
  maxConcurrentRequests: number;
  /** Event-loop delay (p99 over the last second, ms) beyond which new customer requests are shed. */
  maxEventLoopDelayInMs: number;
  /** Share of the last 250 ms the event loop was busy (0-1) beyond which new customer requests are shed; 1 turns it off. */
  maxEventLoopUtilization: number;
}

export const DEFAULT_ADMISSION: AdmissionOptions = { maxConcurrentRequests: 256, maxEventLoopDelayInMs: 250, maxEventLoopUtilization: 0.98 };

/** Routes whose calls carry chats already accepted: they may use twice the customer limit. */
const PRIORITY_PREFIXES = ['/api/connector/', '/api/agents/', '/api/demo-bot/'];

const UTILIZATION_WINDOW_IN_MS = 250;

export class Admission {
  private inFlight = 0;
  private readonly delay = monitorEventLoopDelay({ resolution: 20 });
  private readonly timers: NodeJS.Timeout[];
  private delayP99InMs = 0;
  private utilization = 0;
  private lastUtilization: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(private readonly options: AdmissionOptions = DEFAULT_ADMISSION) {
    this.delay.enable();
    this.timers = [
      // Sample once a second so a burst long gone does not keep shedding.
      setInterval(() => {
        this.delayP99InMs = this.delay.percentile(99) / 1e6;
        this.delay.reset();
      }, 1000),
      // A busy loop runs this late; the share covers whatever time passed since the last sample.
      setInterval(() => {
        const now = performance.eventLoopUtilization();
        this.utilization = performance.eventLoopUtilization(now, this.lastUtilization).utilization;
        this.lastUtilization = now;
      }, UTILIZATION_WINDOW_IN_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /** undefined when the request may proceed (call `done` when it ends), else why it is shed. */
  admit(path: string): string | undefined {
    if (path === '/api/health') return this.enter();
    const priority = PRIORITY_PREFIXES.some((prefix) => path.startsWith(prefix));
    const limit = priority ? this.options.maxConcurrentRequests * 2 : this.options.maxConcurrentRequests;
    if (this.inFlight >= limit) return `${this.inFlight} requests are in flight`;
    if (priority) return this.enter();
    if (this.delayP99InMs > this.options.maxEventLoopDelayInMs) return `the host is behind by ${Math.round(this.delayP99InMs)} ms`;
    if (this.utilization > this.options.maxEventLoopUtilization) return `the host was busy ${Math.round(this.utilization * 100)}% of the last ${UTILIZATION_WINDOW_IN_MS} ms`;
    return this.enter();
  }

  done(): void {
    this.inFlight--;
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.delay.disable();
  }

  private enter(): undefined {
    this.inFlight++;
    return undefined;
  }
}
