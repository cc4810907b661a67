import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpFunction } from '../registry';
import { Admission } from './admission';

interface CompiledRoute {
  fn: HttpFunction;
  pattern: RegExp;
  names: string[];
}

/** Turns a Functions route template (`chats/{id}/messages`, `{activityId?}`) into a matcher under /api. */
export function compileRoute(fn: HttpFunction): CompiledRoute {
  const names: string[] = [];
  const source = fn.route.split('/').map((segment) => {
    const match = /^\{(\w+)(\?)?\}$/.exec(segment);
    if (!match) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    names.push(match[1] as string);
    return match[2] ? '(?:/([^/]+))?' : '/([^/]+)';
  }).join('');
  return { fn, pattern: new RegExp(`^/api${source}/?$`), names };
}

const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Serves the registered HTTP functions the way the Functions host does: same routes under /api,
 * the same HttpRequest and InvocationContext objects, the same response mapping.
 */
export function createFunctionsHttpServer(functions: readonly HttpFunction[], baseUrl: () => string, admission = new Admission()): Server {
  const routes = functions.map(compileRoute);
  let invocation = 0;
  // Host is not needed to route (the base URL is the host's own), so its absence is no reason for a bare 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const shed = admission.admit((req.url ?? '/').split('?')[0] ?? '/');
    if (shed !== undefined) {
      res.setHeader('retry-after', '1');
      res.setHeader('connection', 'close');
      return writeJson(res, 503, { error: { code: 'ServiceUnavailable', message: `Switchboard is at capacity (${shed}); retry after 1 second` } });
    }
    res.once('close', () => admission.done());
    void serve(req, res).catch((error) => {
      // The client went away before its body arrived: there is no one to answer, and nothing failed here.
      if (!req.complete && (req.destroyed || req.socket.destroyed)) return void res.destroy();
      console.error('[local host] request failed', error);
      if (!res.headersSent) writeJson(res, 500, { error: { code: 'InternalError', message: 'the request failed' } });
    });
  });
  server.on('clientError', answerClientError);
  return server;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl());
    const method = (req.method ?? 'GET').toUpperCase();
    const candidates = routes.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).filter((x) => x.m);
    if (candidates.length === 0) return writeJson(res, 404, { error: { code: 'NotFound', message: `no route for ${url.pathname}` } });
    const hit = candidates.find((x) => x.r.fn.methods.includes(method as never));
    if (!hit || !hit.m) {
      const allowed = [...new Set(candidates.flatMap((x) => x.r.fn.methods))];
      res.setHeader('allow', allowed.join(', '));
      return writeJson(res, 405, { error: { code: 'MethodNotAllowed', message: `${method} is not allowed here; use ${allowed.join(' or ')}` } });
    }
    const body = await readBody(req);
    if (body === undefined) return writeJson(res, 413, { error: { code: 'PayloadTooLarge', message: `the body is larger than ${MAX_REQUEST_BYTES} bytes` } });
    const params: Record<string, string> = {};
    let badEncoding = false;
    hit.r.names.forEach((name, i) => {
      const raw = hit.m?.[i + 1];
      if (raw === undefined) return;
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        badEncoding = true;
      }
    });
    if (badEncoding) return writeJson(res, 400, { error: { code: 'InvalidPath', message: 'the path has an invalid percent-encoding' } });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const request = new HttpRequest({ method, url: url.toString(), headers, params, body: body.length > 0 ? { bytes: body } : undefined });
    const context = new InvocationContext({ invocationId: `local-${++invocation}`, functionName: hit.r.fn.name });
    writeResponse(res, await hit.r.fn.handler(request, context));
  }
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

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function writeResponse(res: ServerResponse, response: HttpResponseInit | { status?: number; jsonBody?: unknown; body?: unknown; headers?: unknown }): void {
  const headers = new Headers(response.headers as ConstructorParameters<typeof Headers>[0]);
  headers.forEach((value, name) => res.setHeader(name, value));
  const status = response.status ?? 200;
  if (response.jsonBody !== undefined) return writeJson(res, status, response.jsonBody);
  const body = response.body;
  res.statusCode = status;
  if (body === undefined || body === null) return void res.end();
  res.end(typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body));
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
