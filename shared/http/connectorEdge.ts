import type { HttpRequest } from '@azure/functions';
import { MAX_ACTIVITY_BYTES } from '../core/botCommands';
import { BotAuthenticationError, type BotCaller } from '../ports/botAuthenticator';
import type { Services } from '../usecases/services';
import { ApiError } from './apiError';
import { parseJsonText, readText } from './edge';

/** The connector's caller, from its bearer token; a token that does not hold is a 401, never a 500. */
export async function authenticateBot(s: Services, request: HttpRequest): Promise<BotCaller> {
  try {
    return await s.botAuthenticator.authenticate(request.headers.get('authorization') ?? undefined);
  } catch (error) {
    if (error instanceof BotAuthenticationError) throw new ApiError('Unauthorized', error.message);
    throw error;
  }
}

/** Reads an activity, a little past the limit so an oversized one gets the 413 that names the limit. */
export async function readActivity(request: HttpRequest): Promise<{ activity: unknown; bytes: number }> {
  const { text, bytes } = await readText(request, MAX_ACTIVITY_BYTES * 4);
  return { activity: parseJsonText(text, false), bytes };
}
