import type { EdgeRequest } from './edgeRequest';
import { MAX_ACTIVITY_BYTES } from '../core/botCommands';
import { BotAuthenticationError, type BotCaller } from '../ports/botAuthenticator';
import type { Services } from '../usecases/services';
import { ApiError } from './apiError';
import { parseJsonText, readText } from './edge';

/** The connector's caller, from its bearer token; a token that does not hold is a 401, never a 500. */
export async function authenticateBot(s: Services, request: EdgeRequest): Promise<BotCaller> {
  const authorization = request.headers.get('authorization') ?? undefined;
  // A token can only name a bot by its app id. With none configured no token can pass, so it is refused
  // here, without fetching the identity provider's keys (which an offline host cannot, and which would
  // turn a forged token into a 500).
  if (authorization?.trim() && !s.config.users.some((u) => u.kind === 'bot' && u.appId !== undefined)) {
    throw new ApiError('Unauthorized', 'the bearer token was refused: no bot in the configuration has an appId, so no token can name one; a bot without an appId calls without an Authorization header');
  }
  try {
    return await s.botAuthenticator.authenticate(authorization);
  } catch (error) {
    if (error instanceof BotAuthenticationError) throw new ApiError('Unauthorized', error.message);
    if (isNetworkFailure(error)) {
      throw new ApiError('ServiceUnavailable', 'the bearer token cannot be checked right now: the identity provider\'s signing keys could not be fetched; retry later');
    }
    throw error;
  }
}

/** Failures to reach a host, as node-fetch (botbuilder fetches OpenID metadata and keys with it) and sockets report them. */
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function isNetworkFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, cause } = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  return name === 'FetchError' || NETWORK_ERROR_CODES.has(String(code)) || NETWORK_ERROR_CODES.has(String(cause?.code));
}

/** Reads an activity, a little past the limit so an oversized one gets the 413 that names the limit. */
export async function readActivity(request: EdgeRequest): Promise<{ activity: unknown; bytes: number }> {
  const { text, bytes } = await readText(request, MAX_ACTIVITY_BYTES * 4);
  return { activity: parseJsonText(text, false), bytes };
}
