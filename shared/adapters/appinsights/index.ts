import { nullTelemetry, type Telemetry } from '../../ports/telemetry';
import { createTelemetry, type AppInsightsTelemetryOptions } from './appInsightsTelemetry';
import { credentialFromAuthenticationString } from './authenticationString';
import { ConsoleTelemetry, type LineSink } from './consoleTelemetry';

export { AppInsightsTelemetry, createTelemetry, flushTelemetry, type AppInsightsTelemetryOptions, type FlushableTelemetry } from './appInsightsTelemetry';
export { ConsoleTelemetry, type ConsoleTelemetryLine, type LineSink } from './consoleTelemetry';
export { credentialFromAuthenticationString } from './authenticationString';
export { formatProblemLine, type TelemetryItem } from './formatProblemLine';
export { ProblemLinesTelemetry } from './problemLinesTelemetry';

/**
 * The telemetry a host should use, from its environment:
 * - `SWITCHBOARD_TELEMETRY=console`: ConsoleTelemetry (one JSON line per item; a development convenience);
 * - `SWITCHBOARD_TELEMETRY=off` (or `none`): nullTelemetry, even when a connection string is set;
 * - otherwise Application Insights when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set, nullTelemetry when not;
 *   with `APPLICATIONINSIGHTS_AUTHENTICATION_STRING=Authorization=AAD;ClientId=...` (the Functions host's
 *   setting) it sends with that managed identity, as a resource with local authentication disabled requires.
 * Never throws.
 */
export function telemetryFromEnvironment(
  env: Record<string, string | undefined> = process.env,
  options: { console?: LineSink; appInsights?: Omit<AppInsightsTelemetryOptions, 'connectionString'> } = {},
): Telemetry {
  const mode = env.SWITCHBOARD_TELEMETRY?.trim().toLowerCase();
  if (mode === 'console') return new ConsoleTelemetry(options.console);
  if (mode === 'off' || mode === 'none') return nullTelemetry;
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString?.trim()) return nullTelemetry;
  let credential = options.appInsights?.credential;
  try {
    credential ??= credentialFromAuthenticationString(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
  } catch (error) {
    options.appInsights?.onError?.(error, 'credential');
  }
  return createTelemetry(connectionString, { ...options.appInsights, credential });
}
