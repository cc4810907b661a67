import { createHash, timingSafeEqual } from 'node:crypto';
import type { OperatorAccess } from './exposure';

/**
 * The local host's stand-in for the Functions host's key check on `authLevel: 'function'` routes:
 * the key comes as `x-functions-key` or `?code=`, compared in constant time. Undefined: let it through.
 */
export function operatorRefusal(access: OperatorAccess, presented: { header: string | undefined; code: string | null }): { status: number; code: string; message: string } | undefined {
  if (access.kind === 'open') return undefined;
  if (access.kind === 'locked') {
    return { status: 403, code: 'Forbidden', message: 'operator routes are locked: this host listens beyond loopback and SWITCHBOARD_OPERATOR_KEY is not set' };
  }
  const key = presented.header || presented.code;
  if (!key) return { status: 401, code: 'Unauthorized', message: 'this operator route needs the operator key (SWITCHBOARD_OPERATOR_KEY) in the x-functions-key header or the code query parameter' };
  if (!sameSecret(key, access.key)) return { status: 401, code: 'Unauthorized', message: 'the operator key is not valid' };
  return undefined;
}

/** Digests first: timingSafeEqual needs equal lengths, and the length of the key must not leak either. */
function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
