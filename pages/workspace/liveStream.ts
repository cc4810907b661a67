import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { ApiError, type WorkspaceApi } from './api';
import type { EventBatch, StreamEvent } from './contract';

/**
 * Follows one of the API's live streams (docs/workspace-api.md "Live streams") from a snapshot's cursor
 * and loses nothing: Server-Sent Events through fetch-event-source (EventSource cannot send the bearer
 * header), resumed with Last-Event-ID whenever the server ends the stream (it does every few minutes)
 * or the network drops it; the long-poll JSON form when SSE does not get through (a proxy that answers
 * with something else, or SSE failing again and again); and on `reset` the snapshot read again.
 * useLiveStream is its React face.
 */

/** What the connection banner shows. `offline`: several tries in a row failed; the stream keeps trying. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveStreamOptions {
  api: WorkspaceApi;
  /** The stream's path under /api, e.g. `agents/alice/events`. */
  path: string;
  /** The stream's long-poll form (the client's listAgentEvents or listSupervisorEvents). */
  listEvents: (after: string, waitSeconds: number, signal: AbortSignal) => Promise<EventBatch>;
  /** Where to start: the snapshot's cursor. */
  cursor: string;
  onEvent: (event: StreamEvent) => void;
  /** The stream's `reset`: read the snapshot again and give its cursor. */
  onReset: () => Promise<string>;
  onState: (state: ConnectionState) => void;
  /** The credentials no longer hold (401), or the stream refuses this user (403): the stream stops. */
  onRefused: (error: ApiError) => void;
}

/** Failed tries in a row before the banner says offline. */
const TRIES_BEFORE_OFFLINE = 3;
/** SSE tries in a row that never opened before the long-poll form takes over. */
const SSE_TRIES_BEFORE_LONG_POLL = 3;
const LONG_POLL_WAIT_SECONDS = 20;
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 30_000;

/** Stops one SSE attempt for good, with the reason (fetch-event-source retries anything else). */
class StopStream extends Error {
  constructor(readonly reason: 'fallBack' | 'reset' | 'refused', readonly error?: ApiError) {
    super(reason);
  }
}

/** The server ended the stream as it does every few minutes: come back at once from the last id. */
class StreamEnded extends Error {}

export class LiveStream {
  private cursor: string;
  private failures = 0;
  private mode: 'sse' | 'longPoll' = 'sse';
  private readonly stopped = new AbortController();
  /** The current attempt's controller: aborting it ends the attempt (a reset, a retry now). */
  private attempt = new AbortController();
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: LiveStreamOptions) {
    this.cursor = options.cursor;
  }

  /** Runs until stop(); never rejects. */
  async run(): Promise<void> {
    this.options.onState('connecting');
    while (!this.stopped.signal.aborted) {
      this.attempt = new AbortController();
      try {
        if (this.mode === 'sse') await this.followSse();
        else await this.pollOnce();
      } catch (error) {
        if (this.stopped.signal.aborted) return;
        if (error instanceof StopStream) {
          if (error.reason === 'refused') return this.options.onRefused(error.error as ApiError);
          if (error.reason === 'fallBack') this.mode = 'longPoll';
          if (error.reason === 'reset') await this.resetFromSnapshot();
          continue;
        }
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return this.options.onRefused(error);
        await this.failed();
      }
    }
  }

  stop(): void {
    this.stopped.abort();
    this.attempt.abort();
    this.wakeUp?.();
  }

  /** The banner's "Try now", or the browser back online: the next try at once. */
  retryNow(): void {
    this.failures = 0;
    this.wakeUp?.();
  }

  private async followSse(): Promise<void> {
    const url = this.options.api.url(this.options.path);
    await fetchEventSource(url, {
      signal: this.attempt.signal,
      // Offers must reach a tab in the background too (the library closes hidden tabs' streams by default).
      openWhenHidden: true,
      headers: { ...this.options.api.authHeaders(), accept: 'text/event-stream', 'last-event-id': this.cursor },
      credentials: 'same-origin',
      onopen: async (response) => {
        if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) {
          this.live();
          return;
        }
        if (response.status === 401 || response.status === 403) throw new StopStream('refused', await errorFrom(response));
        // Something between here and the server answered with something other than a stream.
        if (response.ok) throw new StopStream('fallBack');
        throw await errorFrom(response);
      },
      onmessage: (message) => this.receive(message),
      onclose: () => {
        throw new StreamEnded();
      },
      onerror: (error) => {
        if (error instanceof StopStream) throw error;
        if (error instanceof StreamEnded) return 0;
        // One attempt failed: this class decides when and how to try again.
        throw error;
      },
    });
  }

  private receive(message: EventSourceMessage): void {
    if (message.id) this.cursor = message.id;
    if (!message.event) return;
    if (message.event === 'reset') throw new StopStream('reset');
    this.options.onEvent({ id: message.id, type: message.event, data: parseData(message.data) });
  }

  private async pollOnce(): Promise<void> {
    const batch = await this.options.listEvents(this.cursor, LONG_POLL_WAIT_SECONDS, this.attempt.signal);
    this.live();
    for (const event of batch.events) {
      if (event.type === 'reset') throw new StopStream('reset');
      this.cursor = event.id;
      this.options.onEvent(event);
    }
    this.cursor = batch.cursor;
  }

  private async resetFromSnapshot(): Promise<void> {
    try {
      this.cursor = await this.options.onReset();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) throw error;
      await this.failed();
      // The cursor is still too old: the next attempt is told reset again, and reads again.
    }
  }

  private live(): void {
    this.failures = 0;
    this.options.onState('live');
  }

  private async failed(): Promise<void> {
    this.failures++;
    if (this.mode === 'sse' && this.failures >= SSE_TRIES_BEFORE_LONG_POLL) this.mode = 'longPoll';
    this.options.onState(this.failures >= TRIES_BEFORE_OFFLINE ? 'offline' : 'reconnecting');
    await this.sleep(Math.min(FIRST_RETRY_MS * 2 ** (this.failures - 1), LONGEST_RETRY_MS));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

function parseData(data: string): unknown {
  try {
    return data ? JSON.parse(data) : {};
  } catch {
    return {};
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  return new ApiError(response.status, body?.error?.code ?? `Http${response.status}`, body?.error?.message ?? `the stream answered ${response.status}`);
}
