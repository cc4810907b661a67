import { POSITION_PATTERN } from '../ports/transcriptStore';
import { ApiError } from './apiError';
import type { EdgeRequest } from './edgeRequest';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 500;

/** `?after=<next of the last page>&limit=<1..500>` as sent; read with readPage once the caller is known. */
export interface RawPageQuery {
  after: string | null;
  limit: string | null;
}

/** Where a transcript read starts and how much it returns. */
export interface PageQuery {
  after?: string;
  limit: number;
}

export function pageQuery(request: EdgeRequest): RawPageQuery {
  return { after: request.query.get('after'), limit: request.query.get('limit') };
}

/** Checked after the credentials, so a caller without them hears 401 / 403 first. */
export function readPage({ after, limit }: RawPageQuery): PageQuery {
  if (after !== null && !POSITION_PATTERN.test(after)) {
    throw new ApiError('InvalidQuery', `after: expected the next value of an earlier page (a whole number), got ${JSON.stringify(after.slice(0, 40))}`);
  }
  if (limit !== null && (!/^[1-9]\d{0,3}$/.test(limit) || Number(limit) > MAX_PAGE_LIMIT)) {
    throw new ApiError('InvalidQuery', `limit: expected a whole number from 1 to ${MAX_PAGE_LIMIT}, got ${JSON.stringify(limit.slice(0, 40))}`);
  }
  return { ...(after !== null ? { after } : {}), limit: limit === null ? DEFAULT_PAGE_LIMIT : Number(limit) };
}
