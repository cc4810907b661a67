/** Custom dimensions carry workstream, queue, rule, bot, agent and conversationId where they apply. */
export type TelemetryProperties = Record<string, string | undefined>;

/** A call Switchboard made to something outside it (a bot's endpoint), as Application Insights `dependencies` show it. */
export interface DependencyTelemetry {
  /** What was called, e.g. `POST demo-bot` (no URL: a bot endpoint may carry a key). */
  name: string;
  /** `HTTP` for a bot's endpoint. */
  type: string;
  /** An HTTP call's method: Application Insights then shows it as an HTTP dependency with its status. */
  httpMethod?: string;
  /** Whom it was called on, e.g. the bot's id. */
  target: string;
  durationInMs: number;
  success: boolean;
  /** The HTTP status, or the error's name when there was none. */
  resultCode?: string;
  properties?: TelemetryProperties;
}

/** Telemetry never blocks or fails a request: implementations swallow their own errors. */
export interface Telemetry {
  trackEvent(name: string, properties?: TelemetryProperties, measurements?: Record<string, number>): void;
  trackMetric(name: string, value: number, properties?: TelemetryProperties): void;
  trackException(error: unknown, properties?: TelemetryProperties): void;
  /** Optional: a telemetry without it (the console's, a test's) just does not record calls. */
  trackDependency?(dependency: DependencyTelemetry): void;
}

export const nullTelemetry: Telemetry = {
  trackEvent() {},
  trackMetric() {},
  trackException() {},
};
