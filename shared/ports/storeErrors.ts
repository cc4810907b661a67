/** Errors every store adapter raises with the same codes, so use cases never look at SDK errors. */
export type StoreErrorCode = 'Conflict' | 'PreconditionFailed' | 'NotFound';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
  }
}

export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}

/** A document as read from a store, with the ETag that a conditional write must present. */
export interface Versioned<T> {
  value: T;
  etag: string;
}
