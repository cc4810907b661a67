import type { TelemetryClient } from 'applicationinsights';
import type { Context } from '@opentelemetry/api';
import { redactUrls } from '../../core/redactUrl';
import { currentInvocation } from '../../ports/invocationScope';
import { nullTelemetry, type DependencyTelemetry, type Telemetry, type TelemetryProperties } from '../../ports/telemetry';
import { conversationTrace } from '../conversationTrace';

/**
 * The telemetry port over the applicationinsights 3.x SDK.
 *
 * - One `TelemetryClient` with `useGlobalProviders: false`: the client gets its own OpenTelemetry
 *   tracer/meter/logger providers, so nothing module-global is touched (no `useAzureMonitor`, no
 *   http/azure-sdk auto-instrumentation patching, no live metrics pings, no global OTel providers that
 *   another client or a test would share). Only what Switchboard tracks is sent.
 * - The SDK is loaded on first construction (it takes ~0.7 s to require); a process without a
 *   connection string never loads it (see `createTelemetry`).
 * - Telemetry never blocks or fails a request: every call catches whatever the SDK throws and
 *   counts it (`errorCount`); sending happens in the SDK's batch processors, off the request path.
 *   `flush()` / `shutdown()` are bounded by a timeout and never reject.
 *
 * Envelopes (what the ingestion endpoint receives, a JSON array POSTed to `<IngestionEndpoint>/v2.1/track`):
 * - trackEvent → `Microsoft.ApplicationInsights.Event`, `data.baseType = EventData`,
 *   `baseData.name`, `baseData.properties` (customDimensions), `baseData.measurements` (customMeasurements).
 * - trackMetric → `Microsoft.ApplicationInsights.Metric`, `MetricData`; the SDK records an OpenTelemetry
 *   histogram, so one envelope per metric name and dimension set per export interval (60 s, or a flush),
 *   `baseData.metrics[0] = { name, value (sum), count, min, max }` (customMetrics: valueSum, valueCount, ...).
 * - trackException → `Microsoft.ApplicationInsights.Exception`, `ExceptionData`, `baseData.exceptions[0]`
 *   `{ typeName, message, hasFullStack, parsedStack }`, `baseData.properties`.
 * - trackDependency → `Microsoft.ApplicationInsights.RemoteDependency`, `RemoteDependencyData` (an OpenTelemetry
 *   client span): `{ name, type, target, duration, success, resultCode }`.
 *
 * One operation per conversation (adapters/conversationTrace.ts): an item whose dimensions name a
 * `conversationId` gets `ai.operation.id` (derived from the id), `ai.operation.name` (`chat <id>`) and
 * `ai.operation.parentId` (the bus message that caused it, from ports/invocationScope.ts), and every item made
 * inside a function invocation gets a `functionName` dimension. v3 has no per-call tag overrides: the exporter
 * takes the operation from the OpenTelemetry context active when the item is made (a log record's or span's
 * trace and parent ids) and the name from an `ai.operation.name` attribute. So each such call runs inside
 * `context.with(<the conversation's span context>)`, which needs a context manager registered with the
 * OpenTelemetry API: the one process-global this adapter sets, and only when none is registered yet.
 * Metrics are aggregated per export interval and carry no operation.
 */

export interface AppInsightsTelemetryOptions {
  /** `InstrumentationKey=...;IngestionEndpoint=https://...` (the Application Insights resource's connection string) */
  connectionString: string;
  /**
   * Entra ID authentication for ingestion, for a resource with local authentication disabled (`DisableLocalAuth`):
   * pass the Function App's managed identity credential; it needs the "Monitoring Metrics Publisher" role on the resource.
   */
  credential?: TelemetryClient['config']['aadTokenCredential'];
  /**
   * The exporter keeps failed batches on disk (os.tmpdir()) and replays them later. On by default as in the SDK;
   * tests turn it off so one test's failed batches never reach another test's sink.
   */
  disableOfflineStorage?: boolean;
  /** Retries of one failed send (the SDK's HTTP pipeline default: 3, exponential back-off). */
  maxRetries?: number;
  /** Upper bound of `flush()` and `shutdown()` (default 5 s): a dead or black-holed endpoint must not hold up a shutdown. */
  flushTimeoutInMs?: number;
  /** Dimensions added to every item (e.g. an environment name). */
  commonProperties?: Record<string, string>;
  /** Told about every swallowed SDK error (the error is counted either way). Must not throw; if it does, that is swallowed too. */
  onError?: (error: unknown, operation: string) => void;
}

const DEFAULT_FLUSH_TIMEOUT_IN_MS = 5_000;

export class AppInsightsTelemetry implements Telemetry {
  private client: TelemetryClient | undefined;
  private errors = 0;
  private lastErrorValue: unknown;
  private closed = false;
  private readonly flushTimeoutInMs: number;

  /** Never throws: a connection string the SDK cannot use yields a telemetry that counts every call as an error. */
  constructor(private readonly options: AppInsightsTelemetryOptions) {
    this.flushTimeoutInMs = options.flushTimeoutInMs ?? DEFAULT_FLUSH_TIMEOUT_IN_MS;
    try {
      this.client = createClient(options);
      // Initialise now rather than on the first request's trackEvent; initialize() logs its own failures via diag.
      this.client.initialize();
    } catch (error) {
      this.client = undefined;
      this.failed(error, 'initialize');
    }
  }

  /** SDK errors swallowed so far (failed initialisation, failed track calls, failed or timed-out flushes). */
  get errorCount(): number {
    return this.errors;
  }

  get lastError(): unknown {
    return this.lastErrorValue;
  }

  trackEvent(name: string, properties?: TelemetryProperties, measurements?: Record<string, number>): void {
    this.guard('trackEvent', (client) => this.inOperation(properties, (tags) => client.trackEvent({ name, properties: { ...dimensions(properties), ...tags }, measurements: finite(measurements) })));
  }

  trackMetric(name: string, value: number, properties?: TelemetryProperties): void {
    this.guard('trackMetric', (client) => {
      if (!Number.isFinite(value)) throw new RangeError(`metric ${name}: ${value} is not a finite number`);
      client.trackMetric({ name, value, properties: dimensions(properties) });
    });
  }

  trackException(error: unknown, properties?: TelemetryProperties): void {
    this.guard('trackException', (client) => this.inOperation(properties, (tags) => client.trackException({ exception: asError(error), properties: { ...dimensions(properties), ...tags } })));
  }

  trackDependency(dependency: DependencyTelemetry): void {
    this.guard('trackDependency', (client) => {
      const { name, type, httpMethod, target, durationInMs, success, resultCode, properties } = dependency;
      if (!Number.isFinite(durationInMs)) throw new RangeError(`dependency ${name}: duration ${durationInMs} is not a finite number`);
      // The exporter maps a client span to an HTTP dependency (type, target, result code) by its request method
      // attribute, which it leaves out of customDimensions; no URL is given (a bot endpoint may carry a key).
      const http = httpMethod ? { [HTTP_REQUEST_METHOD_ATTRIBUTE]: httpMethod } : {};
      this.inOperation(properties, (tags) => client.trackDependency({
        name, dependencyTypeName: type, target, duration: Math.max(0, durationInMs), success, resultCode: resultCode ?? '', data: '',
        properties: { ...dimensions(properties), ...http, ...tags },
      }));
    });
  }

  /**
   * Runs one track call in the operation of the conversation its dimensions name (none: as it is), with the
   * tags the exporter reads from attributes (`ai.operation.name`) and the invocation's `functionName`.
   */
  private inOperation(properties: TelemetryProperties | undefined, track: (tags: Record<string, string>) => void): void {
    const invocation = currentInvocation();
    const tags: Record<string, string> = {};
    if (invocation && properties?.functionName === undefined) tags.functionName = invocation.functionName;
    const conversationId = properties?.conversationId;
    if (!conversationId) return track(tags);
    const trace = conversationTrace(conversationId, invocation?.traceparent);
    tags[OPERATION_NAME_ATTRIBUTE] = trace.operationName;
    const otel = openTelemetryApi();
    const spanContext = { traceId: trace.operationId, spanId: trace.parentId, traceFlags: otel.TraceFlags.SAMPLED, isRemote: true };
    const context: Context = otel.trace.setSpanContext(otel.ROOT_CONTEXT, spanContext);
    otel.context.with(context, () => track(tags));
  }

  /** Sends what is buffered. Resolves within `flushTimeoutInMs` (or the given bound) whatever the endpoint does; never rejects. */
  async flush(timeoutInMs: number = this.flushTimeoutInMs): Promise<void> {
    const client = this.client;
    if (!client || this.closed) return;
    await this.bounded('flush', () => client.flush(), timeoutInMs);
  }

  /** Flushes and stops the SDK's exporters; later calls are no-ops. Bounded and never rejects. */
  async shutdown(timeoutInMs: number = this.flushTimeoutInMs): Promise<void> {
    const client = this.client;
    if (!client || this.closed) return;
    this.closed = true;
    await this.bounded('shutdown', () => client.shutdown(), timeoutInMs);
  }

  private guard(operation: string, call: (client: TelemetryClient) => void): void {
    if (this.closed) return;
    const client = this.client;
    if (!client) {
      this.failed(new Error('Application Insights telemetry is not initialised'), operation);
      return;
    }
    try {
      call(client);
    } catch (error) {
      this.failed(error, operation);
    }
  }

  private async bounded(operation: string, run: () => Promise<unknown>, timeoutInMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutInMs);
      timer.unref();
    });
    try {
      const work = Promise.resolve().then(run);
      // A late rejection after the timeout must not surface as an unhandled rejection.
      work.catch((error: unknown) => this.failed(error, operation));
      const outcome = await Promise.race([work.then(() => 'done' as const), timeout]);
      if (outcome === 'timeout') this.failed(new Error(`Application Insights ${operation} did not finish within ${timeoutInMs} ms`), operation);
    } catch {
      // already counted by the catch above
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(error: unknown, operation: string): void {
    this.errors++;
    this.lastErrorValue = error;
    try {
      this.options.onError?.(error, operation);
    } catch {
      // telemetry about telemetry must not fail either
    }
  }
}

/** The attribute the exporter turns into the `ai.operation.name` tag (and leaves out of customDimensions). */
const OPERATION_NAME_ATTRIBUTE = 'ai.operation.name';
/** OpenTelemetry's `http.request.method` (semantic conventions). */
const HTTP_REQUEST_METHOD_ATTRIBUTE = 'http.request.method';

type OpenTelemetryApi = typeof import('@opentelemetry/api');
let otelApi: OpenTelemetryApi | undefined;

/**
 * The OpenTelemetry API, with a context manager registered so that `context.with` makes a context active (the
 * API's default manager ignores it). Registration fails harmlessly when the process already has a manager (an
 * app that called useAzureMonitor, an instrumentation): that one does the same.
 */
function openTelemetryApi(): OpenTelemetryApi {
  if (otelApi) return otelApi;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the SDK, only when telemetry is on
  const api = require('@opentelemetry/api') as OpenTelemetryApi;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const probe = api.createContextKey('switchboard.probe');
  const active = api.context.with(api.ROOT_CONTEXT.setValue(probe, true), () => api.context.active().getValue(probe) === true);
  if (!active) api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  otelApi = api;
  return api;
}

function createClient(options: AppInsightsTelemetryOptions): TelemetryClient {
  // Loaded here, not at module load: a process without a connection string never pays for (or runs) the SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load of an optional, heavy SDK
  const sdk = require('applicationinsights') as typeof import('applicationinsights');
  openTelemetryApi();
  const client = new sdk.TelemetryClient(options.connectionString, { useGlobalProviders: false });
  const config = client.config;
  config.enableSendLiveMetrics = false;
  if (options.credential) config.aadTokenCredential = options.credential;
  if (options.disableOfflineStorage !== undefined || options.maxRetries !== undefined) {
    // parseConfig() shallow-merges these options over its own, so the connection string must be repeated here.
    config.azureMonitorOpenTelemetryOptions = {
      ...config.azureMonitorOpenTelemetryOptions,
      azureMonitorExporterOptions: {
        connectionString: options.connectionString,
        disableOfflineStorage: options.disableOfflineStorage ?? false,
        ...(options.maxRetries !== undefined ? { retryOptions: { maxRetries: options.maxRetries } } : {}),
      },
    };
  }
  if (options.commonProperties) Object.assign(client.commonProperties, options.commonProperties);
  return client;
}

/** Custom dimensions: strings only, absent values left out (the SDK would send the text "undefined"), URLs redacted. */
function dimensions(properties: TelemetryProperties | undefined): Record<string, string> | undefined {
  if (!properties) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties) as [string, unknown][]) {
    if (value === undefined || value === null) continue;
    out[key] = redactUrls(typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return out;
}

/** Measurements must be finite numbers (NaN/Infinity serialise as null, which ingestion refuses). */
function finite(measurements: Record<string, number> | undefined): Record<string, number> | undefined {
  if (!measurements) return undefined;
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(measurements)) if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  return out;
}

/** The exception as sent: a copy whose message and stack have their URLs redacted (a bot endpoint may carry a key). */
function asError(error: unknown): Error {
  const original = toError(error);
  const sent = new Error(redactUrls(original.message));
  sent.name = original.name;
  sent.stack = original.stack === undefined ? undefined : redactUrls(original.stack);
  return sent;
}

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === 'string') return new Error(error);
  try {
    return new Error(JSON.stringify(error) ?? String(error));
  } catch {
    return new Error(String(error));
  }
}

/** A telemetry that can be flushed at shutdown (the App Insights adapter; ConsoleTelemetry has nothing to flush). */
export interface FlushableTelemetry extends Telemetry {
  flush(timeoutInMs?: number): Promise<void>;
}

/**
 * The telemetry for a connection string: Application Insights when one is set, `nullTelemetry` otherwise
 * (the SDK throws on trackEvent without one, local-testing.md §5). Never throws.
 */
export function createTelemetry(connectionString: string | undefined, options: Omit<AppInsightsTelemetryOptions, 'connectionString'> = {}): Telemetry {
  const value = connectionString?.trim();
  if (!value) return nullTelemetry;
  return new AppInsightsTelemetry({ ...options, connectionString: value });
}

/** Flushes a telemetry at shutdown if it buffers anything; resolves in bounded time for the App Insights adapter, at once otherwise. */
export async function flushTelemetry(telemetry: Telemetry, timeoutInMs?: number): Promise<void> {
  if (isFlushable(telemetry)) await telemetry.flush(timeoutInMs);
}

function isFlushable(telemetry: Telemetry): telemetry is FlushableTelemetry {
  return typeof (telemetry as Partial<FlushableTelemetry>).flush === 'function';
}
