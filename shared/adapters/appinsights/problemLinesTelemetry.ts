import type { DependencyTelemetry, Telemetry, TelemetryProperties } from '../../ports/telemetry';
import { flushTelemetry } from './appInsightsTelemetry';
import type { LineSink } from './consoleTelemetry';
import { formatProblemLine, type TelemetryItem } from './formatProblemLine';

/**
 * A tee for the local host: every item goes on to the telemetry it wraps (Application Insights, the
 * console's JSON lines, or none), and each warning or error is also written as one line a person reads
 * (formatProblemLine), to stderr by default. Like every telemetry, it never throws.
 */
export class ProblemLinesTelemetry implements Telemetry {
  constructor(
    private readonly inner: Telemetry,
    private readonly out: LineSink = process.stderr,
    private readonly now: () => Date = () => new Date(),
  ) {}

  trackEvent(name: string, properties?: TelemetryProperties, measurements?: Record<string, number>): void {
    attempt(() => this.inner.trackEvent(name, properties, measurements));
    this.tell({ kind: 'event', name, properties, measurements });
  }

  trackMetric(name: string, value: number, properties?: TelemetryProperties): void {
    attempt(() => this.inner.trackMetric(name, value, properties));
  }

  trackException(error: unknown, properties?: TelemetryProperties): void {
    attempt(() => this.inner.trackException(error, properties));
    this.tell({ kind: 'exception', error, properties });
  }

  trackDependency(dependency: DependencyTelemetry): void {
    attempt(() => this.inner.trackDependency?.(dependency));
  }

  /** What the wrapped telemetry buffers is sent at shutdown as before (bounded; never rejects). */
  async flush(timeoutInMs?: number): Promise<void> {
    await flushTelemetry(this.inner, timeoutInMs).catch(() => undefined);
  }

  private tell(item: TelemetryItem): void {
    attempt(() => {
      const line = formatProblemLine(item, this.now());
      if (line !== undefined) this.out.write(`${line}\n`);
    });
  }
}

function attempt(call: () => void): void {
  try {
    call();
  } catch {
    // Telemetry must not fail the work it reports on.
  }
}
