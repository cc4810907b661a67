import type { HttpResponseInit } from '@azure/functions';
import { services } from '../host/runtime';
import type { Services } from '../usecases/services';
import { bearerToken } from './edge';
import type { EdgeHandler, EdgeRequest } from './edgeRequest';
import { directLineCaller, type DirectLineCaller } from '../usecases/directLine';

/** The headers Web Chat sends, which its preflight asks for (faces.md A.8): without x-requested-with it never starts. */
const ALLOWED_HEADERS = 'authorization, content-type, x-ms-bot-agent, x-requested-with';
/** Chrome caps a preflight's cache at 2 hours; without one every poll costs two requests. */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/**
 * CORS for the Direct Line routes, outside everything else (the registry puts it there, around the rate
 * limits, so a refusal is readable too): the preflight is answered here, and responses are granted to
 * an origin some site allows. Which site's origins a request may come from is the caller's check
 * (`callerOf`): a token of one site is refused from another site's origin.
 */
export function directLineCors(handler: EdgeHandler): EdgeHandler {
  return async (request, context) => {
    const s = await services();
    const origin = request.headers.get('origin');
    const granted = origin !== null && anySiteAllows(s, origin);
    if (request.method === 'OPTIONS') return preflight(granted ? origin : null);
    const response = await handler(request, context);
    return withHeaders(response, granted ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' });
  };
}

/** The caller, from the bearer, refused when the request comes from a page of an origin its site does not allow. */
export function callerOf(s: Services, request: EdgeRequest): DirectLineCaller {
  return directLineCaller(s, bearerToken(request), foreignOrigin(s, request));
}

/**
 * The Origin of a cross-origin request; undefined for a server's call (no Origin) or a page of this host
 * (the hosted chat page): the request's own origin, or the public URL's (SWITCHBOARD_PUBLIC_URL), which
 * is what a browser shows behind a custom domain or a front door.
 */
export function foreignOrigin(s: Services, request: EdgeRequest): string | undefined {
  const origin = request.headers.get('origin');
  if (origin === null) return undefined;
  return [request.url, s.settings.connectorBaseUrl].some((url) => originOf(url) === origin) ? undefined : origin;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function preflight(origin: string | null): HttpResponseInit {
  if (origin === null) return { status: 204, headers: { vary: 'Origin' } };
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
      vary: 'Origin',
    },
  };
}

function anySiteAllows(s: Services, origin: string): boolean {
  return s.config.directLine.sites.some((site) => site.allowedOrigins.includes(origin));
}

function withHeaders(response: HttpResponseInit, headers: Record<string, string>): HttpResponseInit {
  const merged = new Headers(response.headers as ConstructorParameters<typeof Headers>[0]);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  return { ...response, headers: Object.fromEntries(merged.entries()) };
}
