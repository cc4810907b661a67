import type { RateLimits } from '../core/config';
import { addressKey, forwardedClientAddress } from '../core/clientAddress';
import type { RateLimiter } from '../core/rateLimiter';
import { services } from '../host/runtime';
import type { Services } from '../usecases/services';
import { ApiError } from './apiError';
import { bearerToken, errorResponse, json } from './edge';
import type { EdgeHandler, EdgeRequest } from './edgeRequest';

/**
 * The rate-limit class of an HTTP route (its `rateLimit` in the registry):
 * - `chatStart`: POST /api/chats, counted per client address twice: as a chat start and as a customer request;
 * - `customer`: the routes of one chat, counted per client address and per the chat's token (a customer
 *   token or a Direct Line token);
 * - `directLinePoll`: Direct Line's GET of activities, counted as `customer`, but past a limit it answers
 *   an empty set instead of a 429: one 429 there stops Web Chat's polling for good (faces.md A.6), and
 *   an empty set only makes the client ask again a second later.
 * Agent routes have none: a call center puts many agents behind one address, and agents are known,
 * signed-in users. Bot, operator and health routes have none either: bots and operators authenticate.
 */
export type RateLimitClass = 'chatStart' | 'customer' | 'directLinePoll';

/** Checks the route's limits before its handler runs; past one, a 429 with Retry-After and nothing done. */
export function rateLimited(kind: RateLimitClass, handler: EdgeHandler): EdgeHandler {
  return async (request, context) => {
    const s = await services();
    const refusal = rateLimitRefusal(s, kind, request);
    if (!refusal) return handler(request, context);
    return kind === 'directLinePoll' ? json(200, { activities: [], watermark: request.query.get('watermark') || null }) : errorResponse(refusal);
  };
}

function rateLimitRefusal(s: Services, kind: RateLimitClass, request: EdgeRequest): ApiError | undefined {
  const limiters = s.rateLimiters;
  // Keys are worked out only for the limits that are on: the token's is an HMAC, the address's a parse.
  let address: string | undefined;
  const addressOf = () => (address ??= clientKey(request, s.settings.trustForwardedFor) ?? 'unknown');
  const check = (name: keyof RateLimits, keyOf: () => string | undefined) => {
    const limiter = limiters[name];
    const key = limiter && keyOf();
    if (!limiter || key === undefined) return undefined;
    const decision = limiter.take(key, s.clock.now().getTime());
    return decision.allowed ? undefined : tooMany(name, limiter, decision.retryAfterSeconds);
  };
  return check('requestsPerAddress', addressOf)
    ?? (kind === 'chatStart' ? check('chatStartsPerAddress', addressOf) : check('requestsPerToken', () => tokenKey(s, request)));
}

/**
 * The address the client's requests count under. Behind a proxy (App Service's front end) the
 * socket's peer is the proxy: the client is the entry the proxy appended to X-Forwarded-For.
 */
function clientKey(request: EdgeRequest, trustForwardedFor: boolean): string | undefined {
  const forwarded = trustForwardedFor ? forwardedClientAddress(request.headers.get('x-forwarded-for')) : undefined;
  return forwarded ?? (request.clientAddress === undefined ? undefined : addressKey(request.clientAddress));
}

/** The chat whose genuine token the request carries; a request without one is counted by its address alone, so nobody else can use up a chat's allowance. */
function tokenKey(s: Services, request: EdgeRequest): string | undefined {
  const conversationId = request.params.id;
  const token = bearerToken(request);
  if (!conversationId || !token) return undefined;
  if (s.customerTokens.authentic(conversationId, token)) return conversationId;
  const checked = s.directLineTokens.check(token, s.clock.now());
  return checked.kind !== 'invalid' && checked.claims.conv === conversationId ? conversationId : undefined;
}

const WHAT: Record<keyof RateLimits, { counted: string; scope: string }> = {
  chatStartsPerAddress: { counted: 'chat starts', scope: 'from one address' },
  requestsPerAddress: { counted: 'requests', scope: 'from one address' },
  requestsPerToken: { counted: 'requests', scope: 'with one chat token' },
};

function tooMany(name: keyof RateLimits, limiter: RateLimiter, retryAfterSeconds: number): ApiError {
  const { requests, perSeconds } = limiter.limit;
  const { counted, scope } = WHAT[name];
  return new ApiError('TooManyRequests', `too many requests: the limit is ${requests} ${counted} per ${perSeconds} seconds ${scope} (setting limits.rate.${name}); retry after ${retryAfterSeconds} seconds`, { retryAfterSeconds });
}
