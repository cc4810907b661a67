import { StoreError, type StoreErrorCode } from '../../ports/storeErrors';

/** The fields Cosmos DB adds to every item; reads drop them so a read deep-equals what was written. */
const SYSTEM_FIELDS = ['_rid', '_self', '_etag', '_attachments', '_ts', '_lsn'] as const;

/** Cosmos DB's own fields of an item as it comes back from the service. */
export interface SystemFields {
  _etag: string;
  _ts: number;
}

/** The item without Cosmos DB's fields and without the adapter's `extras`. */
export function stripDocument(doc: object, extras: readonly string[] = []): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...doc };
  for (const field of [...SYSTEM_FIELDS, ...extras]) delete copy[field];
  return copy;
}

/**
 * Item ids may not contain '/', '\', '?' or '#'. Ids that come from outside (bot activity ids,
 * agent ids from the configuration) are stored percent-encoded; ids without those characters (and
 * without '%') are stored as they are.
 */
export function toCosmosId(id: string): string {
  return id.replace(/[%/\\?#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function fromCosmosId(id: string): string {
  return id.replace(/%(25|2F|5C|3F|23)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The HTTP status of a failed @azure/cosmos call, or undefined for an error that did not come from the service. */
export function cosmosStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/**
 * Runs a conditional write and turns the statuses the port names into StoreErrors (409 Conflict,
 * 412 PreconditionFailed, 404 NotFound); anything else (throttling, timeouts) is rethrown as it is,
 * so the message carrying the work is redelivered.
 */
export async function mapStoreErrors<T>(write: () => Promise<T>, describe: (code: StoreErrorCode) => string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const code = STORE_ERROR_BY_STATUS[cosmosStatus(error) ?? 0];
    if (code) throw new StoreError(code, describe(code));
    throw error;
  }
}

const STORE_ERROR_BY_STATUS: Record<number, StoreErrorCode> = { 404: 'NotFound', 409: 'Conflict', 412: 'PreconditionFailed' };

/** Runs a write whose failure with one of `statuses` is an expected outcome; returns false then. */
export async function succeeds(write: () => Promise<unknown>, statuses: readonly number[]): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (statuses.includes(cosmosStatus(error) ?? 0)) return false;
    throw error;
  }
}


/** A list limit for `TOP @limit`: a whole number (0 and below list nothing). */
export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit)) throw new RangeError(`A list limit must be a whole number; got ${limit}.`);
  return limit;
}

/** String order as Cosmos DB and SQLite sort them (by code unit), not by locale. */
export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A successful write always returns the item; its absence would be an SDK fault, not a store outcome. */
export function written<T>(resource: T | undefined, id: string): T {
  if (resource === undefined) throw new Error(`Cosmos DB accepted the write of '${id}' but returned no document.`);
  return resource;
}
