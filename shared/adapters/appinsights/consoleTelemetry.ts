import { redactUrls } from '../../core/redactUrl';
import type { Telemetry, TelemetryProperties } from '../../ports/telemetry';

/** Where ConsoleTelemetry writes: process.stdout, process.stderr, a file stream, or a test's collector. */
export interface LineSink {
  write(line: string): unknown;
}

/** One line of ConsoleTelemetry output. */
export type ConsoleTelemetryLine =
  | { time: string; kind: 'event'; name: string; properties?: Record<string, string>; measurements?: Record<string, number> }
  | { time: string; kind: 'metric'; name: string; value: number; properties?: Record<string, string> }
  | { time: string; kind: 'exception'; name: string; message: string; stack?: string; properties?: Record<string, string> };

/**
 * A development twin of the Application Insights adapter: one JSON line per item
 * (`SWITCHBOARD_TELEMETRY=console` on the local host), so `npm start | grep '"kind":"event"'`
 * shows what Application Insights would get. Like every telemetry, it never throws.
 */
export class ConsoleTelemetry implements Telemetry {
  private errors = 0;

  constructor(
    private readonly out: LineSink = process.stdout,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get errorCount(): number {
    return this.errors;
  }

  trackEvent(name: string, properties?: TelemetryProperties, measurements?: Record<string, number>): void {
    this.write(() => ({ time: this.time(), kind: 'event', name, properties: dimensions(properties), measurements: measurements && { ...measurements } }));
  }

  trackMetric(name: string, value: number, properties?: TelemetryProperties): void {
    this.write(() => ({ time: this.time(), kind: 'metric', name, value, properties: dimensions(properties) }));
  }

  trackException(error: unknown, properties?: TelemetryProperties): void {
    this.write(() => {
      const e = error instanceof Error ? error : undefined;
      return { time: this.time(), kind: 'exception', name: e?.name ?? typeof error, message: redactUrls(e?.message ?? String(error)), stack: e?.stack === undefined ? undefined : redactUrls(e.stack), properties: dimensions(properties) };
    });
  }

  private time(): string {
    return this.now().toISOString();
  }

  private write(build: () => ConsoleTelemetryLine): void {
    try {
      this.out.write(`${JSON.stringify(build())}\n`);
    } catch {
      this.errors++;
    }
  }
}

function dimensions(properties: TelemetryProperties | undefined): Record<string, string> | undefined {
  if (!properties) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties)) if (value !== undefined && value !== null) out[key] = redactUrls(String(value));
  return Object.keys(out).length > 0 ? out : undefined;
}
