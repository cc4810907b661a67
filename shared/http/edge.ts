import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { ApiError } from './apiError';

/** API bodies are small JSON documents; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body };
}

export function errorResponse(error: ApiError): HttpResponseInit {
  return { status: error.status, jsonBody: { error: { code: error.code, message: error.message } } };
}

/**
 * Wraps a handler so bad input becomes a 4xx with `{error: {code, message}}` and anything else a
 * logged 500 that leaks no internals.
 */
export function edge(handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      return await handler(request, context);
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error);
      context.error(`${request.method} ${request.url} failed`, error);
      return { status: 500, jsonBody: { error: { code: 'InternalError', message: 'the request failed; it is safe to retry' } } };
    }
  };
}

/** Reads the raw body, refusing more than `maxBytes`. */
export async function readText(request: HttpRequest, maxBytes = MAX_BODY_BYTES): Promise<{ text: string; bytes: number }> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new ApiError('PayloadTooLarge', `the body is ${declared} bytes; the limit is ${maxBytes} bytes`);
  const buffer = Buffer.from(await request.arrayBuffer());
  if (buffer.length > maxBytes) throw new ApiError('PayloadTooLarge', `the body is ${buffer.length} bytes; the limit is ${maxBytes} bytes`);
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer);
  return { text, bytes: buffer.length };
}

export function parseJsonText(text: string, allowEmpty: boolean): unknown {
  if (text.trim() === '') {
    if (allowEmpty) return {};
    throw new ApiError('InvalidJson', 'the body is empty; a JSON object was expected');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError('InvalidJson', `the body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads and validates a JSON body; every problem is named with its path. */
export async function readBody<T>(request: HttpRequest, schema: z.ZodType<T>, options: { allowEmpty?: boolean } = {}): Promise<T> {
  let text: string;
  try {
    ({ text } = await readText(request));
  } catch (error) {
    if (error instanceof TypeError) throw new ApiError('InvalidJson', 'the body is not valid UTF-8');
    throw error;
  }
  return validate(schema, parseJsonText(text, options.allowEmpty ?? false));
}

export function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 10).map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : 'body'}: ${issue.message}`);
  throw new ApiError('InvalidBody', problems.join('; '));
}

export function bearerToken(request: HttpRequest): string | undefined {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

export function param(request: HttpRequest, name: string): string {
  const value = request.params[name];
  if (!value) throw new ApiError('NotFound', `the route needs a ${name}`);
  return value;
}
