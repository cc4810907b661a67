import type { HttpResponseInit } from '@azure/functions';
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
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
/** GET of a Direct Line conversation's activities: the poll (see the server below). */
const DIRECT_LINE_POLL_PATH = /^\/api\/directline\/conversations\/[^/]+\/activities\/?$/;

/**
 * Serves the registered HTTP functions the way the Functions host does: the same routes (the API under /api, pages at the root),
 * the same request fields, the same response mapping, and a key on the operator routes when
 * `operatorAccess` asks for one. While the host shuts down, /api/health answers
 * 503 so a probe or a load balancer stops sending; the other routes keep serving (a bot's reply to a
 * delivery still in flight comes through them).
 */
export function createFunctionsHttpServer(functions: readonly HttpFunction[], baseUrl: () => string, admission = new Admission(), shuttingDown: () => boolean = () => false, operatorAccess: OperatorAccess = { kind: 'open' }): Server {
  const routes = functions.map(compileRoute);
  const contexts = new Map(functions.map((fn) => [fn, consoleContext(fn.name)]));
  // Host is not needed to route (the base URL is the host's own), so its absence is no reason for a bare 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (HEALTH_PATH.test(path) && shuttingDown()) return writeJson(res, 503, { status: 'shutting down' });
    // Direct Line polls are never shed: one 503 stops Web Chat's polling for good (reference faces.md A.6),
    // and a held poll waits idle, so counting it in flight would shed real work at a few hundred open chats.
    // Their own bound is limits.rate, which answers an empty set instead.
    if (req.method === 'GET' && DIRECT_LINE_POLL_PATH.test(path)) return serveAndReport(req, res);
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
  return server;

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
    writeResponse(res, await fn.handler(request, contexts.get(fn) as EdgeContext));
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

function writeResponse(res: ServerResponse, response: HttpResponseInit | { status?: number; jsonBody?: unknown; body?: unknown; headers?: unknown }): void {
  if (response.headers !== undefined) {
    new Headers(response.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, name) => res.setHeader(name, value));
  }
  const status = response.status ?? 200;
  if (response.jsonBody !== undefined) return writeJson(res, status, response.jsonBody);
  const body = response.body;
  res.statusCode = status;
  if (body === undefined || body === null) return void res.end();
  res.end(typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body));
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // writeHead merges what setHeader set before (allow, retry-after) and skips a header map per request.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
