import type { HttpResponseInit } from '@azure/functions';
import { ReadableStream } from 'node:stream/web';
import { CursorError, resetEvent, type LiveEvent, type LiveReader, type LiveSource } from '../usecases/liveStream';
import { ApiError } from './apiError';
import type { EdgeContext, EdgeRequest } from './edgeRequest';

/**
 * A live stream over HTTP (docs/workspace-api.md "Live streams"), the same on both hosts: Server-Sent
 * Events for a client that accepts them, else a JSON long-poll. An SSE response is one long request: in
 * Azure it holds an invocation (and one of host.json's maxConcurrentRequests) for its life, so it ends
 * itself after `lifetimeInMs`, inside functionTimeout, and the client resumes from the last id it had.
 */
export interface EventStreamOptions {
  /**
   * How long an SSE response lasts before the server ends it: 210 s by default, under Azure's 230 s rule for
   * an HTTP response and host.json's 5-minute functionTimeout; the client resumes from its last id.
   */
  lifetimeInMs?: number;
  /** How often an SSE response sends a `: ping` comment, so proxies and load balancers keep an idle connection (15 s by default). */
  pingEveryInMs?: number;
  /**
   * Called as a stream or long-poll opens, then with every ping: the client is there (the agent's page
   * keeps the agent present). A failure is logged; the stream goes on.
   */
  heartbeat?: () => Promise<void>;
}

export const DEFAULT_LIFETIME_IN_MS = 210_000;
export const DEFAULT_PING_EVERY_IN_MS = 15_000;
/** The reconnect delay an SSE client is told to use (EventSource's `retry:`). */
export const RETRY_IN_MS = 2000;
/** The longest a long-poll may be held, in seconds, and its default. */
export const MAX_WAIT_SECONDS = 20;

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };

/** The response for a GET of a live stream; a bad `after` or `wait` is a 400 naming it. */
export async function eventStreamResponse(request: EdgeRequest, context: EdgeContext, source: LiveSource, options: EventStreamOptions = {}): Promise<HttpResponseInit> {
  if (!acceptsEventStream(request.headers.get('accept'))) return longPoll(request, context, source, options);
  const opened = await openSse(request, source);
  await beat(context, options);
  return { status: 200, headers: SSE_HEADERS, body: sseBody(opened, context, options) };
}

/** Whether `Accept` names text/event-stream (and not with q=0). */
export function acceptsEventStream(accept: string | null): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    return type === 'text/event-stream' && !params.some((param) => /^q=0(\.0*)?$/.test(param));
  });
}

/** One event as SSE lines: data is JSON on one line (JSON escapes line breaks inside strings). */
export function sseEvent(event: LiveEvent): string {
  // A line break in an id or a type would end the field early and corrupt every later event.
  if (/[\r\n]/.test(event.id) || /[\r\n]/.test(event.type)) throw new Error(`an event's id or type has a line break: ${JSON.stringify([event.id, event.type])}`);
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data ?? {})}\n\n`;
}

interface OpenedStream {
  reader: LiveReader;
  /** What goes out before the first read: the stream's place when the client gave none, a reset when its id was no cursor of the source. */
  preamble: string;
}

/**
 * Last-Event-ID (what a reconnecting EventSource sends) wins over `?after=` (which the reconnect repeats from
 * the first URL). A Last-Event-ID the source never gave starts a reset instead of a 400: an EventSource stops
 * for good at a 400, and the page could not get out of it.
 */
async function openSse(request: EdgeRequest, source: LiveSource): Promise<OpenedStream> {
  const lastEventId = request.headers.get('last-event-id') || undefined;
  if (lastEventId !== undefined) {
    try {
      return { reader: await source.open(lastEventId), preamble: '' };
    } catch (error) {
      if (!(error instanceof CursorError)) throw error;
      const reader = await source.open(undefined);
      return { reader, preamble: sseEvent(resetEvent(reader.cursor)) };
    }
  }
  const after = request.query.get('after') || undefined;
  const reader = await openAfter(source, after);
  // An id alone dispatches no event, but a browser keeps it as Last-Event-ID: a reconnect before the first event loses nothing.
  return { reader, preamble: after === undefined ? `id: ${reader.cursor}\n\n` : '' };
}

async function openAfter(source: LiveSource, after: string | undefined): Promise<LiveReader> {
  try {
    return await source.open(after);
  } catch (error) {
    if (error instanceof CursorError) throw new ApiError('InvalidQuery', `after: ${error.message}`);
    throw error;
  }
}

/**
 * The SSE body: `retry:` first, then each batch as it comes, a ping on schedule, and the end after the
 * lifetime or when the host shuts down. A client that goes away cancels the body, which stops the read it waits on.
 */
function sseBody({ reader, preamble }: OpenedStream, context: EdgeContext, options: EventStreamOptions): ReadableStream<Uint8Array> {
  const lifetime = options.lifetimeInMs ?? DEFAULT_LIFETIME_IN_MS;
  const pingEvery = options.pingEveryInMs ?? DEFAULT_PING_EVERY_IN_MS;
  const encoder = new TextEncoder();
  const cancelled = new AbortController();
  const endsAt = Date.now() + lifetime;
  let pingAt = Date.now() + pingEvery;

  /** The next text to write, or undefined when the stream ends. */
  async function nextChunk(): Promise<string | undefined> {
    for (;;) {
      const now = Date.now();
      if (cancelled.signal.aborted || now >= endsAt) return undefined;
      if (now >= pingAt) {
        pingAt = now + pingEvery;
        await beat(context, options);
        return ': ping\n\n';
      }
      const batch = await reader.next({ timeoutInMs: Math.min(endsAt, pingAt) - now, signal: cancelled.signal });
      if (batch.events.length > 0) return batch.events.map(sseEvent).join('');
      if (batch.closing) return undefined;
    }
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: ${RETRY_IN_MS}\n\n${preamble}`));
    },
    async pull(controller) {
      let chunk: string | undefined;
      try {
        chunk = await nextChunk();
      } catch (error) {
        // The store failed under the stream: end it cleanly; the client comes back with its last id and loses nothing.
        context.error('a live stream failed; it ends and the client resumes', error);
      }
      if (cancelled.signal.aborted) return;
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
    cancel() {
      cancelled.abort();
    },
  });
}

/** `?after=&wait=`: the events after `after` as soon as there is one, or none after `wait` seconds. */
async function longPoll(request: EdgeRequest, context: EdgeContext, source: LiveSource, options: EventStreamOptions): Promise<HttpResponseInit> {
  const wait = waitSeconds(request.query.get('wait'));
  const reader = await openAfter(source, request.query.get('after') || undefined);
  await beat(context, options);
  const batch = await reader.next({ timeoutInMs: wait * 1000 });
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { events: batch.events, cursor: reader.cursor } };
}

function waitSeconds(raw: string | null): number {
  if (raw === null) return MAX_WAIT_SECONDS;
  if (!/^\d{1,2}$/.test(raw) || Number(raw) > MAX_WAIT_SECONDS) {
    throw new ApiError('InvalidQuery', `wait: expected whole seconds from 0 to ${MAX_WAIT_SECONDS}, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return Number(raw);
}

async function beat(context: EdgeContext, options: EventStreamOptions): Promise<void> {
  try {
    await options.heartbeat?.();
  } catch (error) {
    context.warn('a live stream\'s heartbeat failed; the stream goes on', error);
  }
}
