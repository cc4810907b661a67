/** A request the caller must fix (4xx), with a code a client can branch on and a message naming the field. */
export type ApiErrorCode =
  | 'InvalidJson' | 'InvalidBody' | 'InvalidQuery' | 'PayloadTooLarge' | 'UnsupportedMediaType'
  | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'Conflict' | 'ServiceUnavailable'
  /** An offer's answer came too late: it expired, the agent rejected it, or the chat moved on (the customer left). */
  | 'OfferExpired' | 'OfferRejected' | 'OfferWithdrawn'
  /** The chat holds as many messages or bytes as limits.chat allows: nothing more is appended (waiting will not help). */
  | 'ChatLimitReached';

const STATUS: Record<ApiErrorCode, number> = {
  InvalidJson: 400, InvalidBody: 400, InvalidQuery: 400, PayloadTooLarge: 413, UnsupportedMediaType: 415,
  Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, ServiceUnavailable: 503,
  OfferExpired: 409, OfferRejected: 409, OfferWithdrawn: 409, ChatLimitReached: 409,
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(readonly code: ApiErrorCode, message: string) {
    super(message);
    this.status = STATUS[code];
  }
}
