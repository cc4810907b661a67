/**
 * The chat page's one client of Switchboard's API (the Direct Line sites routes, DESIGN §4a): typed
 * answers, every failure a case of its own, nothing else talks HTTP.
 */
export const DIRECT_LINE_BASE = '/api/directline';

export type PrechatType = 'text' | 'email' | 'phone' | 'number' | 'choice';

export interface PrechatField {
  variable: string;
  label: string;
  type: PrechatType;
  required: boolean;
  options?: string[];
}

export interface Site {
  name: string;
  title: string;
  prechat: PrechatField[];
  /** Whether this host streams over WebSocket (the local host does; the Function App polls). */
  webSocket: boolean;
}

export interface ChatToken {
  conversationId: string;
  token: string;
  expires_in: number;
}

export interface TokenRequest {
  name?: string;
  locale?: string;
  context?: Record<string, string | number>;
}

export type SiteResult = { kind: 'ok'; site: Site } | { kind: 'notFound' } | { kind: 'unreachable' };

export type TokenResult =
  | { kind: 'ok'; chat: ChatToken }
  /** The server's 400 message, e.g. `context.Email: ...`. */
  | { kind: 'invalid'; message: string }
  | { kind: 'rateLimited'; retryAfterSeconds: number }
  | { kind: 'notFound' }
  | { kind: 'unreachable' };

/** The site a path names: `/chat` → undefined (the first site), `/chat/contoso` → `contoso`. */
export function siteFromPath(pathname: string): string | undefined {
  const segment = pathname.replace(/\/+$/, '').split('/')[2];
  if (!segment) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The named site, or the first one for `/chat`. */
export async function getSite(name: string | undefined): Promise<SiteResult> {
  if (name === undefined) {
    const list = await getJson<{ name: string }[] | { sites: { name: string }[] }>(`${DIRECT_LINE_BASE}/sites`);
    if (list.kind !== 'ok') return list;
    const sites = Array.isArray(list.body) ? list.body : list.body.sites;
    const first = sites?.[0];
    return first ? getSite(first.name) : { kind: 'notFound' };
  }
  const answer = await getJson<Site>(`${DIRECT_LINE_BASE}/sites/${encodeURIComponent(name)}`);
  return answer.kind === 'ok' ? { kind: 'ok', site: answer.body } : answer;
}

export async function createToken(site: string, request: TokenRequest): Promise<TokenResult> {
  let response: Response;
  try {
    response = await fetchThroughShedding(`${DIRECT_LINE_BASE}/sites/${encodeURIComponent(site)}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request),
    });
  } catch {
    return { kind: 'unreachable' };
  }
  if (response.status === 201) return { kind: 'ok', chat: (await response.json()) as ChatToken };
  if (response.status === 429) return { kind: 'rateLimited', retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')) };
  if (response.status === 404) return { kind: 'notFound' };
  if (response.status >= 400 && response.status < 500) return { kind: 'invalid', message: await errorMessage(response) };
  return { kind: 'unreachable' };
}

async function getJson<T>(url: string): Promise<{ kind: 'ok'; body: T } | { kind: 'notFound' } | { kind: 'unreachable' }> {
  try {
    const response = await fetchThroughShedding(url, { headers: { accept: 'application/json' } });
    if (response.ok) return { kind: 'ok', body: (await response.json()) as T };
    return response.status === 404 ? { kind: 'notFound' } : { kind: 'unreachable' };
  } catch {
    return { kind: 'unreachable' };
  }
}

/** `{ error: { message } }`, the API's error shape; a generic line when the body is something else. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON: fall through
  }
  return `the request was refused (${response.status})`;
}

/** How often, and for how long at most each time, a shed request is tried again before the page gives up. */
const SHED_RETRIES = 3;
const SHED_WAIT_CAP_SECONDS = 5;

/**
 * fetch, tried again when a busy host sheds the request: its 503 with Retry-After (1 s on the local host)
 * asks for exactly that, and a customer should see the chat a second later, not "cannot reach".
 */
async function fetchThroughShedding(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, init);
    const retryAfter = response.headers.get('retry-after');
    if (response.status !== 503 || retryAfter === null || attempt === SHED_RETRIES) return response;
    const seconds = Math.min(retryAfterSeconds(retryAfter), SHED_WAIT_CAP_SECONDS);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** Retry-After in seconds (or an HTTP date); a minute when absent or unreadable. */
function retryAfterSeconds(header: string | null): number {
  if (header === null) return 60;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 60 : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}
