import { eventually } from './localHostHarness';

/** One dispatched event, as EventSource gives it. */
export interface SseMessage {
  lastEventId: string;
  type: string;
  data: string;
}

/**
 * The event-stream parser of the HTML standard (§9.2.6 "Interpreting an event stream"): lines end with
 * CRLF, LF or CR (also across chunks), a leading BOM is dropped, `:` starts a comment, one space after
 * the colon is dropped, data lines join with LF, an id with NUL is ignored, retry takes digits only, and
 * an event is dispatched at a blank line unless its data is empty (the id is kept either way).
 */
export class SseParser {
  lastEventId = '';
  retry: number | undefined;
  private buffer = '';
  private started = false;
  private pendingCr = false;
  private data = '';
  private type = '';
  private idBuffer = '';

  constructor(private readonly onMessage: (message: SseMessage) => void, private readonly onComment: (text: string) => void = () => undefined) {}

  feed(text: string): void {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    // A CR that ended the last chunk already ended its line: an LF starting this one belongs to it.
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    for (let match = /\r\n|\r|\n/.exec(this.buffer); match; match = /\r\n|\r|\n/.exec(this.buffer)) {
      // A CR at the very end may be the first half of a CRLF still on its way.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) this.pendingCr = true;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return this.onComment(line.slice(1).replace(/^ /, ''));
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data += `${value}\n`;
    else if (field === 'id' && !value.includes('\0')) this.idBuffer = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }

  private dispatch(): void {
    this.lastEventId = this.idBuffer;
    if (this.data === '') {
      this.type = '';
      return;
    }
    const message = { lastEventId: this.lastEventId, type: this.type || 'message', data: this.data.slice(0, -1) };
    this.data = '';
    this.type = '';
    this.onMessage(message);
  }
}

/** A client of one SSE response over fetch: what arrived, and whether the server ended it. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  /** The body as it came, decoded. */
  raw = '';
  /** Resolves when the response is over: the server ended it (endedByServer), it broke (failure), or the client closed it. */
  readonly ended: Promise<void>;
  private readonly parser = new SseParser((message) => this.messages.push(message), (text) => this.comments.push(text));
  private serverEnded = false;
  /** What broke the response other than the client's own abort (a reset connection). */
  failure: unknown;

  private constructor(readonly response: Response, private readonly abort: AbortController) {
    this.ended = this.pump();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    return new SseClient(response, abort);
  }

  get lastEventId(): string {
    return this.parser.lastEventId;
  }

  get retry(): number | undefined {
    return this.parser.retry;
  }

  get endedByServer(): boolean {
    return this.serverEnded;
  }

  /** The events of `type` so far, data parsed. */
  events(type?: string): { id: string; type: string; data: unknown }[] {
    return this.messages.filter((m) => type === undefined || m.type === type).map((m) => ({ id: m.lastEventId, type: m.type, data: JSON.parse(m.data) }));
  }

  /** Waits (with a deadline) until `count` events arrived. */
  received(count: number, what = `${count} events`): Promise<SseMessage[]> {
    return eventually(what, async () => (this.messages.length >= count ? this.messages.slice() : undefined));
  }

  /** The client goes away (a closed tab). */
  close(): void {
    this.abort.abort();
  }

  private async pump(): Promise<void> {
    if (!this.response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body) {
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        this.raw += text;
        this.parser.feed(text);
      }
      this.serverEnded = true;
    } catch (error) {
      if (!this.abort.signal.aborted) this.failure = error;
    }
  }
}
