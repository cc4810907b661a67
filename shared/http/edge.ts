import type { HttpResponseInit } from '@azure/functions';
import type { EdgeContext, EdgeRequest } from './edgeRequest';
import type { z } from 'zod';
import { AgentUpdateConflictError } from '../usecases/agentStates';
import { ApiError } from './apiError';

/** API bodies are small JSON documents; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body };
}

export function errorResponse(error: ApiError): HttpResponseInit {
  // A 503 or a 429 is a condition that passes: the client is told when to try again.
  const headers = error.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(error.retryAfterSeconds) };
  return { status: error.status, ...(headers && { headers }), jsonBody: { error: { code: error.code, message: error.message } } };
}

/**
 * Wraps a handler so bad input becomes a 4xx with `{error: {code, message}}` and anything else a
 * logged 500 that leaks no internals.
 */
export function edge(handler: (request: EdgeRequest, context: EdgeContext) => Promise<HttpResponseInit>) {
  return async (request: EdgeRequest, context: EdgeContext): Promise<HttpResponseInit> => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      // Contention no retry inside the request could outlast (many writers on one agent's record): not a fault.
      if (error instanceof AgentUpdateConflictError) return errorResponse(new ApiError('ServiceUnavailable', `${error.message}; retry after 1 second`));
      context.error(`${request.method} ${requestPath(request.url)} failed`, error);
      return { status: 500, jsonBody: { error: { code: 'InternalError', message: 'the request failed; it is safe to retry' } } };
    }
  };
}

/** The path alone: in Azure the query string may hold the function key (`?code=`), which must not reach the logs. */
function requestPath(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return '(a URL that does not parse)';
  }
}

/** Reads the raw body, refusing more than `maxBytes`. */
export async function readText(request: EdgeRequest, maxBytes = MAX_BODY_BYTES): Promise<{ text: string; bytes: number }> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new ApiError('PayloadTooLarge', `the body is ${declared} bytes; the limit is ${maxBytes} bytes`);
  const buffer = Buffer.from(await request.arrayBuffer());
  if (buffer.length > maxBytes) throw new ApiError('PayloadTooLarge', `the body is ${buffer.length} bytes; the limit is ${maxBytes} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer);
  } catch {
    // Caught here, for every route: the decoder's TypeError may come from another realm, so `instanceof` cannot tell it.
    throw new ApiError('InvalidJson', 'the body is not valid UTF-8');
  }
  return { text, bytes: buffer.length };
}

export function parseJsonText(text: string, allowEmpty: boolean): unknown {
  if (text.trim() === '') {
    if (allowEmpty) return {};
    throw new ApiError('InvalidJson', 'the body is empty; a JSON object was expected');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError('InvalidJson', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const problem = plainJsonProblem(value, text);
  if (problem) throw new ApiError('InvalidBody', problem);
  return value;
}

/** Deeper than any request of these APIs, and than .NET's JSON serializers (64); JSON.stringify overflows the stack near 4,000. */
export const MAX_JSON_DEPTH = 64;

/** With the u flag, a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Text that may decode to a surrogate: a \uD800-\uDFFF escape, or a surrogate itself. Text without one needs no surrogate checks. */
const ANY_SURROGATE = /\\u[dD][89a-fA-F]|[\uD800-\uDFFF]/;

/** A value in the walk of a body. Its path is built from its parents only when there is a problem to name. */
interface JsonNode {
  value: unknown;
  depth: number;
  key?: string;
  inArray?: boolean;
  parent?: JsonNode;
}

/**
 * What the schemas cannot see: nesting that would overflow the stack later (JSON.stringify on the
 * way to the bus), a `__proto__` key (zod drops it silently instead of reporting it) and strings
 * with lone surrogates (`"\ud800"`), which are not Unicode and cannot be stored as UTF-8.
 */
function plainJsonProblem(root: unknown, text: string): string | undefined {
  const checkSurrogates = ANY_SURROGATE.test(text);
  const pending: JsonNode[] = [{ value: root, depth: 0 }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const { value, depth } = node;
    if (typeof value === 'string') {
      if (checkSurrogates && LONE_SURROGATE.test(value)) return `${pathOf(node)}: the text has a lone surrogate (an escape such as \\ud800 that is not part of a pair); strings must be valid Unicode`;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) return `${pathOf(node)}: nested deeper than ${MAX_JSON_DEPTH} levels`;
    const inArray = Array.isArray(value);
    for (const key of Object.keys(value)) {
      const child: JsonNode = { value: (value as Record<string, unknown>)[key], depth: depth + 1, key, inArray, parent: node };
      if (!inArray && key === '__proto__') return `${pathOf(child)}: "__proto__" is not an allowed key`;
      if (checkSurrogates && LONE_SURROGATE.test(key)) return `${pathOf(node)}: a key has a lone surrogate; keys must be valid Unicode`;
      pending.push(child);
    }
  }
  return undefined;
}

/** `a.b[2].c`, clipped; `body` for the body itself. */
function pathOf(node: JsonNode): string {
  let path = '';
  for (let n: JsonNode | undefined = node; n?.key !== undefined; n = n.parent) {
    path = n.inArray ? `[${n.key}]${path}` : n.parent?.key !== undefined ? `.${n.key}${path}` : `${n.key}${path}`;
  }
  return clip(path || 'body');
}

/** Paths are made of the caller's keys: an error message echoes at most this much of one. */
function clip(path: string): string {
  return path.length > 120 ? `${path.slice(0, 120)}...` : path;
}

/** Reads and validates a JSON body; every problem is named with its path. */
export async function readBody<T>(request: EdgeRequest, schema: z.ZodType<T>, options: { allowEmpty?: boolean } = {}): Promise<T> {
  const { text } = await readText(request);
  return validate(schema, parseJsonText(text, options.allowEmpty ?? false));
}

export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 10).map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : 'body'}: ${issue.message}`);
  throw new ApiError('InvalidBody', problems.join('; '));
}

export function bearerToken(request: EdgeRequest): string | undefined {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

export function param(request: EdgeRequest, name: string): string {
  const value = request.params[name];
  if (!value) throw new ApiError('NotFound', `the route needs a ${name}`);
  return value;
}
