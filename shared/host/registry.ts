import { app, type HttpMethod, type InvocationContext, type Timer } from '@azure/functions';
import type { EdgeHandler } from '../http/edgeRequest';
import { directLineCors } from '../http/directLineEdge';
import { rateLimited, type RateLimitClass } from '../http/rateLimit';
import type { MessageHandler, QueueName, ReceivedMessageInfo } from '../ports/messageBus';
import { runInInvocation } from '../ports/invocationScope';
import { parseTraceparent, receivedCorrelation } from '../adapters/conversationTrace';
import { withDeadLetterReport } from './deadLetterReport';

/**
 * Every function registers here. In the Azure Functions host the registration goes to `app.*`;
 * the local host (`npm start`) reads the same list and serves the same routes, queues and timers.
 */
export interface HttpFunction {
  name: string;
  methods: HttpMethod[];
  /**
   * Route template in Functions syntax: `chats/{id}/messages`, `{activityId?}` for optional, `{*path}` for
   * the rest of the path. Under /api unless the function is a page (see `surface`).
   */
  route: string;
  /**
   * `api` (the default): the documented API, under /api on both hosts. `page`: a page or its assets, at the
   * site root (`/chat`, `/assets/...`); pages are clients of the API and never answer API calls themselves.
   */
  surface?: 'api' | 'page';
  handler: EdgeHandler;
  /**
   * `function`: operator routes; in Azure the host demands a function key (`x-functions-key` or
   * `?code=`). The local host demands its operator key when it has one (see local/exposure.ts).
   */
  authLevel?: 'anonymous' | 'function';
  /** The route's per-client limits (see http/rateLimit.ts), checked before the handler runs; none when absent. */
  rateLimit?: RateLimitClass;
  /** `directLine`: browsers of the Direct Line sites' origins may call it (http/directLineEdge.ts), preflight included. */
  cors?: 'directLine';
  /**
   * The largest body the local host reads for this route, when it is not the default 1 MiB (uploads): asked
   * per request, as it follows the configuration. The Functions host has its own bound (100 MB).
   */
  maxBodyBytes?: () => Promise<number>;
  /**
   * The response is held open while it waits for events (a long-poll, an event stream): the local host
   * neither sheds it nor counts it in flight, as it waits idle. Its bounds are its own: a wait, a
   * lifetime, a rate limit.
   */
  heldOpen?: boolean;
}

export interface QueueFunction {
  name: string;
  queueName: QueueName;
  isSessionsEnabled: true;
  handler: MessageHandler;
}

export interface TimerFunction {
  name: string;
  schedule: string;
  /** The same period in milliseconds, for the local host's interval. */
  periodInMs: number;
  handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export const SERVICE_BUS_CONNECTION = 'ServiceBusConnection';

/**
 * host.json's routePrefix is "" so that pages can live at the site root; the API keeps its /api prefix
 * (a contract with every client) because each API route is registered under it here.
 */
export const API_ROUTE_PREFIX = 'api';

/** The route template as the host serves it, without a leading slash: `api/chats/{id}` or `chat/{site?}`. */
export function servedRoute(fn: Pick<HttpFunction, 'route' | 'surface'>): string {
  return fn.surface === 'page' ? fn.route : `${API_ROUTE_PREFIX}/${fn.route}`;
}

const httpFunctions: HttpFunction[] = [];
const queueFunctions: QueueFunction[] = [];
const timerFunctions: TimerFunction[] = [];

/** The local host sets this before importing the function files, so `app.*` is not called outside Azure. */
export const inAzureHost = () => process.env.SWITCHBOARD_HOST !== 'local';

export function registerHttp(registration: HttpFunction): void {
  const limited = registration.rateLimit ? rateLimited(registration.rateLimit, registration.handler) : registration.handler;
  // CORS outermost, so that a refusal (a 429, a 401) reaches the page readable.
  const handler = registration.cors === 'directLine' ? directLineCors(limited) : limited;
  const fn: HttpFunction = { ...registration, handler: inHttpInvocation(registration.name, handler) };
  httpFunctions.push(fn);
  if (!inAzureHost()) return;
  enableHttpStreaming();
  app.http(fn.name, { methods: fn.methods, route: servedRoute(fn), authLevel: fn.authLevel ?? 'anonymous', handler: fn.handler });
}

let httpStreaming = false;

/**
 * Event streams (http/eventStream.ts) write their body over minutes; without streaming the Functions
 * worker reads a response whole before it sends any of it. Set once, before the app starts (it throws
 * after); the local host streams without it.
 */
function enableHttpStreaming(): void {
  if (httpStreaming) return;
  app.setup({ enableHttpStream: true });
  httpStreaming = true;
}

export function registerQueue(registration: QueueFunction): void {
  const fn = { ...registration, handler: inQueueInvocation(registration.name, withDeadLetterReport(registration.queueName, registration.handler)) };
  queueFunctions.push(fn);
  if (inAzureHost()) {
    app.serviceBusQueue(fn.name, {
      connection: SERVICE_BUS_CONNECTION,
      queueName: fn.queueName,
      isSessionsEnabled: fn.isSessionsEnabled,
      handler: (message: unknown, context: InvocationContext) => fn.handler(message, receivedInfo(context)),
    });
  }
}

/**
 * What the Service Bus trigger tells about the message it delivers. The traceparent is the invocation's when
 * the Functions host continued the message's trace (its request telemetry then parents our items), else the
 * message's own `Diagnostic-Id`.
 */
function receivedInfo(context: InvocationContext): ReceivedMessageInfo {
  const metadata = context.triggerMetadata ?? {};
  const correlation = receivedCorrelation(metadata.correlationId, metadata.applicationProperties);
  const invocation = context.traceContext?.traceParent ?? undefined;
  const messageTrace = parseTraceparent(correlation.traceparent)?.traceId;
  const sameTrace = messageTrace !== undefined && parseTraceparent(invocation)?.traceId === messageTrace;
  return {
    messageId: String(metadata.messageId ?? ''),
    sessionId: String(metadata.sessionId ?? ''),
    deliveryCount: Number(metadata.deliveryCount ?? 1),
    ...correlation,
    ...(sameTrace ? { traceparent: invocation } : {}),
  };
}

/**
 * Telemetry emitted while a function runs names the function and what caused it (ports/invocationScope.ts):
 * a queue function's message, an HTTP function's `traceparent` header (a client that knows the chat's trace).
 */
function inQueueInvocation(functionName: string, handler: MessageHandler): MessageHandler {
  return (body, info) => runInInvocation({ functionName, ...(info.traceparent ? { traceparent: info.traceparent } : {}) }, () => handler(body, info));
}

function inHttpInvocation(functionName: string, handler: EdgeHandler): EdgeHandler {
  return (request, context) => {
    // In Azure the host's request (which continued the caller's traceparent, if any) parents our items.
    const invocation = (context as Partial<Pick<InvocationContext, 'traceContext'>>).traceContext?.traceParent;
    const traceparent = invocation ?? request.headers.get('traceparent') ?? undefined;
    return runInInvocation({ functionName, ...(traceparent ? { traceparent } : {}) }, () => handler(request, context));
  };
}

export function registerTimer(registration: TimerFunction): void {
  const fn: TimerFunction = { ...registration, handler: (timer, context) => runInInvocation({ functionName: registration.name }, () => registration.handler(timer, context)) };
  timerFunctions.push(fn);
  if (inAzureHost()) app.timer(fn.name, { schedule: fn.schedule, handler: fn.handler });
}

export const registrations = {
  http: (): readonly HttpFunction[] => httpFunctions,
  queues: (): readonly QueueFunction[] => queueFunctions,
  timers: (): readonly TimerFunction[] => timerFunctions,
};
