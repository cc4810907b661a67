import type { HttpResponseInit } from '@azure/functions';
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline, Readable, type Duplex } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import type { EdgeContext, EdgeRequest } from '../../http/edgeRequest';
import { servedRoute, type HttpFunction } from '../registry';
import { Admission } from './admission';
import type { OperatorAccess } from './exposure';
import { operatorRefusal } from './operatorGate';

interface CompiledRoute {
  fn: HttpFunction;
  pattern: RegExp;
  names: string[];
}

/**
 * Turns a Functions route template (`chats/{id}/messages`, `{activityId?}`, `{*path}`) into a matcher of the
 * path the host serves it on (see servedRoute: /api for the API, the root for pages).
 */
export function compileRoute(fn: HttpFunction): CompiledRoute {
  const names: string[] = [];
  const source = servedRoute(fn).split('/').map((segment) => {
    const match = /^\{(\*)?(\w+)(\?)?\}$/.exec(segment);
    if (!match) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    names.push(match[2] as string);
    // A catch-all takes the rest of the path, slashes included, and may be empty (as in ASP.NET routing).
    if (match[1]) return '(?:/(.*))?';
    return match[3] ? '(?:/([^/]+))?' : '/([^/]+)';
  }).join('');
  return { fn, pattern: new RegExp(`^${source}/?$`), names };
}

const MAX_REQUEST_BYTES = 1024 * 1024;
const HEALTH_PATH = /^\/api\/health\/?$/;

/**
 * Serves the registered HTTP functions the way the Functions host does: the same routes (the API under /api, pages at the root),
 * the same request fields, the same response mapping, and a key on the operator routes when
 * `operatorAccess` asks for one. While the host shuts down, /api/health answers
 * 503 so a probe or a load balancer stops sending; the other routes keep serving (a bot's reply to a
 * delivery still in flight comes through them).
 */
export interface FunctionsHttpServer extends Server {
  /**
   * Resolves once every streamed response has ended and been written out, or after `timeoutInMs`. At
   * shutdown the streams end on their own (their waits answer `closing`); cutting the connections before
   * they are written out would end them with an error instead.
   */
  streamsEnded(timeoutInMs: number): Promise<void>;
}

export function createFunctionsHttpServer(functions: readonly HttpFunction[], baseUrl: () => string, admission = new Admission(), shuttingDown: () => boolean = () => false, operatorAccess: OperatorAccess = { kind: 'open' }): FunctionsHttpServer {
  const routes = functions.map(compileRoute);
  const streams = new Set<Promise<void>>();
  const held = routes.filter((route) => route.fn.heldOpen);
  const contexts = new Map(functions.map((fn) => [fn, consoleContext(fn.name)]));
  // Host is not needed to route (the base URL is the host's own), so its absence is no reason for a bare 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (HEALTH_PATH.test(path) && shuttingDown()) return writeJson(res, 503, { status: 'shutting down' });
    // Held responses (a Direct Line poll, an event stream) are never shed: one 503 stops Web Chat's polling
    // for good (reference faces.md A.6), and an EventSource's stream too. They wait idle, so counting them in
    // flight would shed real work at a few hundred open chats or pages. Their bounds are their own (heldOpen).
    if (heldOpen(req.method, path)) return serveAndReport(req, res);
    const shed = admission.admit(path);
    if (shed !== undefined) {
      // The connection stays open: a client sent away would otherwise come back through the accept queue,
      // which is what a busy host serves slowest.
      res.setHeader('retry-after', '1');
      return writeJson(res, 503, { error: { code: 'ServiceUnavailable', message: `Switchboard is at capacity (${shed}); retry after 1 second` } });
    }
    res.once('close', () => admission.done());
    serveAndReport(req, res);
  });
  server.on('clientError', answerClientError);
  return Object.assign(server, {
    async streamsEnded(timeoutInMs: number): Promise<void> {
      const deadline = new Promise((resolve) => setTimeout(resolve, timeoutInMs).unref());
      await Promise.race([Promise.all(streams), deadline]);
    },
  });

  function heldOpen(method: string | undefined, path: string): boolean {
    const verb = (method ?? 'GET').toUpperCase() as HttpFunction['methods'][number];
    return held.some(({ fn, pattern }) => fn.methods.includes(verb) && pattern.test(path));
  }

  function serveAndReport(req: IncomingMessage, res: ServerResponse): void {
    void serve(req, res).catch((error) => {
      // The client went away before its body arrived: there is no one to answer, and nothing failed here.
      if (!req.complete && (req.destroyed || req.socket.destroyed)) return void res.destroy();
      console.error('[local host] request failed', error);
      if (!res.headersSent) writeJson(res, 500, { error: { code: 'InternalError', message: 'the request failed' } });
    });
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl());
    const method = (req.method ?? 'GET').toUpperCase();
    let hit: { route: CompiledRoute; match: RegExpExecArray } | undefined;
    const allowed = new Set<string>();
    for (const route of routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      if (route.fn.methods.includes(method as never)) {
        hit = { route, match };
        break;
      }
      route.fn.methods.forEach((m) => allowed.add(m));
    }
    if (!hit && allowed.size === 0) return writeJson(res, 404, { error: { code: 'NotFound', message: `no route for ${url.pathname}` } });
    if (!hit) {
      res.setHeader('allow', [...allowed].join(', '));
      return writeJson(res, 405, { error: { code: 'MethodNotAllowed', message: `${method} is not allowed here; use ${[...allowed].join(' or ')}` } });
    }
    if (hit.route.fn.authLevel === 'function') {
      const refused = operatorRefusal(operatorAccess, { header: req.headers['x-functions-key']?.toString(), code: url.searchParams.get('code') });
      if (refused) return writeJson(res, refused.status, { error: { code: refused.code, message: refused.message } });
    }
    const maxBytes = hit.route.fn.maxBodyBytes ? await hit.route.fn.maxBodyBytes() : MAX_REQUEST_BYTES;
    const tooLarge = () => writeJson(res, 413, { error: { code: 'PayloadTooLarge', message: `the body is larger than ${maxBytes} bytes` } });
    // A declared length past the bound is refused before a byte is read.
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
    const body = await readBody(req, maxBytes);
    if (body === undefined) return tooLarge();
    const params = routeParams(hit.route, hit.match);
    if (params === undefined) return writeJson(res, 400, { error: { code: 'InvalidPath', message: 'the path has an invalid percent-encoding' } });
    const { fn } = hit.route;
    const request = new LocalRequest(method, url, req.headers, params, body, req.socket.remoteAddress);
    const streamed = writeResponse(res, await fn.handler(request, contexts.get(fn) as EdgeContext));
    if (streamed) {
      streams.add(streamed);
      void streamed.then(() => streams.delete(streamed));
    }
  }
}

/** The route's parameters, percent-decoded; undefined when one is not valid percent-encoding. */
function routeParams(route: CompiledRoute, match: RegExpExecArray): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.names.length; i++) {
    const raw = match[i + 1];
    if (raw === undefined) continue;
    try {
      params[route.names[i] as string] = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return params;
}

/** A request as the handlers read it (see EdgeRequest), straight over Node's request and the body already read. */
class LocalRequest implements EdgeRequest {
  readonly headers: EdgeRequest['headers'];

  constructor(readonly method: string, private readonly target: URL, incoming: IncomingHttpHeaders, readonly params: Record<string, string>, private readonly body: Buffer, readonly clientAddress: string | undefined) {
    // Node gives names in lower case, and repeated values as an array only for set-cookie.
    const joined = (value: string | string[]) => (Array.isArray(value) ? value.join(', ') : value);
    this.headers = {
      get: (name) => {
        const value = incoming[name.toLowerCase()];
        return value === undefined ? null : joined(value);
      },
      entries: () => Object.entries(incoming).flatMap(([name, value]): [string, string][] => (value === undefined ? [] : [[name, joined(value)]])),
    };
  }

  get url(): string {
    return this.target.href;
  }

  get query(): URLSearchParams {
    return this.target.searchParams;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return new Uint8Array(this.body).buffer;
  }

  async text(): Promise<string> {
    return this.body.toString('utf8');
  }
}

/** What InvocationContext does outside the Functions host: log to the console, named by the function. */
function consoleContext(functionName: string): EdgeContext {
  const prefix = `[${functionName}]`;
  return {
    log: (...args) => console.log(prefix, ...args),
    warn: (...args) => console.warn(prefix, ...args),
    error: (...args) => console.error(prefix, ...args),
  };
}

/**
 * What Node's parser refuses (a malformed request line, a header byte HTTP does not allow, bad
 * framing) gets the same JSON error as everything else, instead of Node's bare `400 Bad Request`.
 */
function answerClientError(error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable || (socket as Duplex & { bytesWritten?: number }).bytesWritten) return void socket.destroy();
  const [status, code] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'HeadersTooLarge']
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'RequestTimeout']
      : [400, 'InvalidRequest'];
  const body = JSON.stringify({ error: { code, message: `the request is not valid HTTP/1.1: ${error.reason ?? error.message}` } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** The whole body, or undefined past maxBytes; rejects when the client goes away first. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the connection before the body arrived'));
    });
  });
}

/** Writes the response; for a streamed body, returns when it has ended. */
function writeResponse(res: ServerResponse, response: HttpResponseInit | { status?: number; jsonBody?: unknown; body?: unknown; headers?: unknown }): Promise<void> | undefined {
  if (response.headers !== undefined) {
    new Headers(response.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, name) => res.setHeader(name, value));
  }
  const status = response.status ?? 200;
  if (response.jsonBody !== undefined) return void writeJson(res, status, response.jsonBody);
  const body = response.body;
  res.statusCode = status;
  if (body === undefined || body === null) return void res.end();
  if (typeof body === 'string' || body instanceof Uint8Array) return void res.end(body);
  const streamed = streamedBody(body);
  if (streamed) return writeStreamed(res, streamed);
  res.end(JSON.stringify(body));
  return undefined;
}

/** A body the handler writes over time (an event stream), in the forms the Functions host takes: a web stream, a Node stream, an async iterable. */
function streamedBody(body: unknown): Readable | undefined {
  if (body instanceof ReadableStream) return Readable.fromWeb(body);
  if (body instanceof Readable) return body;
  if (typeof (body as Partial<AsyncIterable<Uint8Array>>)[Symbol.asyncIterator] === 'function') return Readable.from(body as AsyncIterable<Uint8Array>);
  return undefined;
}

/**
 * Each chunk goes out as it comes (chunked, no length, nothing held back here). A client that goes away
 * destroys the body, which cancels a web stream at once: the handler's reads stop.
 */
function writeStreamed(res: ServerResponse, body: Readable): Promise<void> {
  res.flushHeaders();
  return new Promise((resolve) => pipeline(body, res, (error) => {
    if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error('[local host] a streamed response failed', error);
    resolve();
  }));
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // writeHead merges what setHeader set before (allow, retry-after) and skips a header map per request.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
