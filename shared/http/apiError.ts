/** A request the caller must fix (4xx), with a code a client can branch on and a message naming the field. */
export type ApiErrorCode =
  | 'InvalidJson' | 'InvalidBody' | 'InvalidQuery' | 'PayloadTooLarge' | 'UnsupportedMediaType'
  | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'Conflict' | 'ServiceUnavailable'
  /** A per-client rate limit (limits.rate): the response says which, and Retry-After when to come back. */
  | 'TooManyRequests'
  /** A customer token past its expiry, or past the read window after its chat ended. */
  | 'TokenExpired'
  /** An offer's answer came too late: it expired, the agent rejected it, or the chat moved on (the customer left). */
  | 'OfferExpired' | 'OfferRejected' | 'OfferWithdrawn'
  /** The chat holds as many messages or bytes as limits.chat allows: nothing more is appended (waiting will not help). */
  | 'ChatLimitReached';

const STATUS: Record<ApiErrorCode, number> = {
  InvalidJson: 400, InvalidBody: 400, InvalidQuery: 400, PayloadTooLarge: 413, UnsupportedMediaType: 415,
  Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, ServiceUnavailable: 503, TooManyRequests: 429, TokenExpired: 401,
  OfferExpired: 409, OfferRejected: 409, OfferWithdrawn: 409, ChatLimitReached: 409,
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  /** When the client may try again (Retry-After, whole seconds); 503s say 1 second by default. */
  readonly retryAfterSeconds: number | undefined;
  /** `status` overrides the code's own where a protocol says otherwise (Direct Line answers an expired token with 403). */
  constructor(readonly code: ApiErrorCode, message: string, options: { retryAfterSeconds?: number; status?: number } = {}) {
    super(message);
    this.status = options.status ?? STATUS[code];
    this.retryAfterSeconds = options.retryAfterSeconds ?? (this.status === 503 ? 1 : undefined);
  }
}
