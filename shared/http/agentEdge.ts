import type { EdgeRequest } from './edgeRequest';
import type { AgentCredentials } from '../usecases/agentDesk';
import { bearerToken } from './edge';

/** Claim types App Service authentication carries for a user's names. */
const NAME_CLAIMS = new Set([
  'preferred_username', 'upn', 'email', 'name', 'oid',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  'http://schemas.microsoft.com/identity/claims/objectidentifier',
]);

/**
 * What the caller presents: a bearer token, and the principal App Service authentication injected
 * (`x-ms-client-principal`, base64 JSON). The platform strips these headers from incoming requests,
 * so they are trusted only where the host says it runs behind App Service authentication.
 */
export function agentCredentials(request: EdgeRequest): AgentCredentials {
  return { token: bearerToken(request), principal: principalNames(request) };
}

function principalNames(request: EdgeRequest): string[] | undefined {
  const names = new Set<string>();
  const encoded = request.headers.get('x-ms-client-principal');
  if (encoded) {
    try {
      const principal = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { claims?: { typ?: unknown; val?: unknown }[] };
      for (const claim of principal.claims ?? []) {
        if (typeof claim.typ === 'string' && NAME_CLAIMS.has(claim.typ) && typeof claim.val === 'string' && claim.val) names.add(claim.val);
      }
    } catch {
      // An undecodable principal names no one; the caller is then unauthenticated.
    }
  }
  for (const header of ['x-ms-client-principal-name', 'x-ms-client-principal-id']) {
    const value = request.headers.get(header);
    if (value) names.add(value);
  }
  return names.size > 0 ? [...names] : undefined;
}
