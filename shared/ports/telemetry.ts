/** Custom dimensions carry workstream, queue, rule, bot, agent and conversationId where they apply. */
export type TelemetryProperties = Record<string, string | undefined>;

/** Telemetry never blocks or fails a request: implementations swallow their own errors. */
export interface Telemetry {
  trackEvent(name: string, properties?: TelemetryProperties, measurements?: Record<string, number>): void;
  trackMetric(name: string, value: number, properties?: TelemetryProperties): void;
  trackException(error: unknown, properties?: TelemetryProperties): void;
}

export const nullTelemetry: Telemetry = {
  trackEvent() {},
  trackMetric() {},
  trackException() {},
};
