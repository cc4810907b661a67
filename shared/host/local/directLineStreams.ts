import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiError } from '../../http/apiError';
import { authorizeStream, StreamCursor } from '../../usecases/directLineStream';
import type { Services } from '../../usecases/services';

/** Where streamUrl points (see withStream in usecases/directLine.ts). */
const STREAM_PATH = /^\/api\/directline\/conversations\/([^/]+)\/stream\/?$/;
/** An idle stream sends an empty frame this often, so proxies and browsers keep the connection. */
const KEEP_ALIVE_IN_MS = 15_000;
/** Clients send only empty pings (DLJS: "" every 20 s): anything big is no Direct Line client. */
const MAX_CLIENT_FRAME_BYTES = 1024;
/** At shutdown, how long a client has to answer the close before its socket is cut. */
const CLOSE_GRACE_IN_MS = 500;

export interface DirectLineStreams {
  /** How many streams are open. */
  readonly open: number;
  /** Serves an HTTP upgrade: a stream URL's socket, or a refusal in plain HTTP (403, 404, 503) before any upgrade. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Closes every open stream (1001, going away), as a server may at any time: DLJS reconnects within
   * 3-15 s through GET /conversations/{id}?watermark= and a new stream URL.
   */
  disconnectAll(): Promise<void>;
  /** Disconnects every stream and takes no new one (503): the host is shutting down, and clients come back once it is up. */
  close(): Promise<void>;
}

interface Stream {
  ws: WebSocket;
  cursor: StreamCursor;
  done: Promise<void>;
}

/**
 * The local host's Direct Line streams (faces.md A.5) over `ws`: one socket per client, fed by a loop
 * that reads what is new and then waits for the conversation's next change (or the keep-alive). An idle
 * stream is a pending timer. `wake` tells a conversation's waiters to look again (a socket closed).
 */
export function directLineStreams(s: Services, wake: (conversationId: string) => void): DirectLineStreams {
  const server = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES, clientTracking: false });
  const streams = new Set<Stream>();
  let closing = false;

  return {
    get open() {
      return streams.size;
    },

    handleUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = STREAM_PATH.exec(url.pathname);
      if (!match) return refuse(socket, new ApiError('NotFound', `no WebSocket is served at ${url.pathname.slice(0, 200)}`));
      if (closing) return refuse(socket, new ApiError('ServiceUnavailable', 'Switchboard is shutting down; reconnect in a few seconds'));
      let conversationId: string;
      try {
        conversationId = decodeURIComponent(match[1] as string);
      } catch {
        return refuse(socket, new ApiError('NotFound', 'the conversation id has an invalid percent-encoding'));
      }
      authorizeStream(s, conversationId, url.searchParams.get('t'), url.searchParams.get('watermark')).then(
        (grant) => {
          if (closing || socket.destroyed) return void socket.destroy();
          server.handleUpgrade(req, socket, head, (ws) => serve(ws, new StreamCursor(s, grant)));
        },
        (error: unknown) => {
          if (error instanceof ApiError) return refuse(socket, error);
          console.error('[local host] a Direct Line stream could not open', error);
          refuse(socket, new ApiError('ServiceUnavailable', 'the stream could not open; reconnect in a few seconds'));
        },
      );
    },

    disconnectAll,

    async close() {
      closing = true;
      await disconnectAll();
    },
  };

  async function disconnectAll(): Promise<void> {
    const open = [...streams];
    for (const stream of open) stream.ws.close(1001, closing ? 'Switchboard is shutting down' : 'reconnect');
    const grace = new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_IN_MS).unref());
    await Promise.race([Promise.all(open.map((stream) => closed(stream.ws))), grace]);
    for (const stream of open) stream.ws.terminate();
    await Promise.all(open.map((stream) => stream.done));
  }

  function serve(ws: WebSocket, cursor: StreamCursor): void {
    const stream: Stream = { ws, cursor, done: Promise.resolve() };
    streams.add(stream);
    // What a client sends is DLJS's empty ping or nothing we read: the socket only carries activities out.
    ws.on('message', () => undefined);
    ws.on('error', () => ws.terminate());
    ws.once('close', () => {
      streams.delete(stream);
      wake(cursor.conversationId);
    });
    stream.done = pump(stream).catch((error: unknown) => {
      console.error(`[local host] the Direct Line stream of conversation ${cursor.conversationId} failed`, error);
      ws.close(1011, 'the stream failed; reconnect');
    });
  }

  /** Sends what is new, then waits for the next change; the wait is asked for before the read, so no change falls between. */
  async function pump({ ws, cursor }: Stream): Promise<void> {
    let lastSentAt = Date.now();
    while (ws.readyState === WebSocket.OPEN) {
      const changed = s.changes.next(cursor.conversationId, KEEP_ALIVE_IN_MS);
      const set = await cursor.read();
      if (ws.readyState !== WebSocket.OPEN) break;
      if (set || Date.now() - lastSentAt >= KEEP_ALIVE_IN_MS - 100) {
        ws.send(set ? JSON.stringify(set) : '');
        lastSentAt = Date.now();
      }
      if ((await changed) === 'closing') break;
    }
  }
}

function closed(ws: WebSocket): Promise<void> {
  return ws.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise((resolve) => ws.once('close', () => resolve()));
}

/** A plain HTTP answer on the socket before any upgrade, with the API's error body. */
function refuse(socket: Duplex, error: ApiError): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
