import { connect } from 'node:net';

/**
 * A raw HTTP/1.1 client for fuzzing: it writes exactly the bytes it is given (any method, any
 * request target, any header bytes, any body, any framing), so nothing is normalised or refused on
 * the client side, and reads the answer until the server closes the connection.
 */
export interface RawRequest {
  method: string;
  /** The request target as sent, byte for byte (latin1 for a string). */
  target: string | Buffer;
  headers?: [string, string | Buffer][];
  body?: string | Buffer;
  /** How the body is framed: Content-Length (default), chunked, or not at all (a body then reads as a new request). */
  framing?: 'length' | 'chunked' | 'none';
  /** Omit the Host header. */
  noHost?: boolean;
  /** The local address to send from (any of 127.0.0.0/8 is loopback on Linux): the host counts rate limits per client address. */
  from?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  ms: number;
}

export class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
}

/** One request on a fresh connection (`Connection: close`), bounded by `timeoutInMs`. */
export function rawRequest(port: number, request: RawRequest, timeoutInMs = 10_000): Promise<RawResponse> {
  const started = Date.now();
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const lines: Buffer[] = [Buffer.from(`${request.method} `, 'latin1'), Buffer.isBuffer(request.target) ? request.target : Buffer.from(request.target, 'latin1'), Buffer.from(' HTTP/1.1\r\n', 'latin1')];
  if (!request.noHost) lines.push(Buffer.from('Host: 127.0.0.1\r\n', 'latin1'));
  for (const [name, value] of request.headers ?? []) lines.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), Buffer.from('\r\n', 'latin1'));
  const framing = request.framing ?? 'length';
  if (framing === 'length' && (body.length > 0 || request.method !== 'GET')) lines.push(Buffer.from(`Content-Length: ${body.length}\r\n`, 'latin1'));
  if (framing === 'chunked') lines.push(Buffer.from('Transfer-Encoding: chunked\r\n', 'latin1'));
  lines.push(Buffer.from('Connection: close\r\n\r\n', 'latin1'));
  const head = Buffer.concat(lines);
  const payload = framing === 'chunked' ? chunked(body) : body;

  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...(request.from ? { localAddress: request.from } : {}) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const received = Buffer.concat(chunks);
      const parsed = parseResponse(received, Date.now() - started);
      if (parsed) resolve(parsed);
      else reject(error ?? new Error(`no complete HTTP response (${received.length} bytes received): ${received.toString('latin1').slice(0, 200)}`));
    };
    const timer = setTimeout(() => finish(new RequestTimeout(`no answer within ${timeoutInMs} ms to ${request.method} ${String(request.target).slice(0, 100)}`)), timeoutInMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // A complete response (by its content-length) is enough: the server may keep reading a large body.
      if (parseResponse(Buffer.concat(chunks), 0)?.complete) finish();
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    // A server that answers early (413) and closes makes the rest of a large body fail to send: the answer counts.
    socket.on('error', (error) => finish(error));
    socket.write(head);
    if (payload.length > 0) socket.write(payload);
  }).then((response) => {
    const { complete: _complete, ...rest } = response as RawResponse & { complete: boolean };
    return rest;
  });
}

function parseResponse(received: Buffer, ms: number): (RawResponse & { complete: boolean }) | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  let headText = received.subarray(0, end).toString('latin1');
  let rest = received.subarray(end + 4);
  // Skip interim answers (100 Continue).
  while (/^HTTP\/1\.[01] 1\d\d/.test(headText)) {
    const next = rest.indexOf('\r\n\r\n');
    if (next < 0) return undefined;
    headText = rest.subarray(0, next).toString('latin1');
    rest = rest.subarray(next + 4);
  }
  const [statusLine, ...headerLines] = headText.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let bodyBytes = rest;
  let complete = false;
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    complete = rest.length >= length;
    bodyBytes = rest.subarray(0, length);
  } else if (headers['transfer-encoding'] === 'chunked') {
    bodyBytes = dechunk(rest);
  }
  const text = bodyBytes.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, text, json, ms, complete };
}

/** The body in chunks of up to 16 KB, then the last chunk. */
function chunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 16_384) {
    const piece = body.subarray(at, at + 16_384);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}
