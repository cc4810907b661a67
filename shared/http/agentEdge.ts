import type { EdgeRequest } from './edgeRequest';
import type { AgentCredentials, SignedInPrincipal } from '../usecases/agentDesk';
import { bearerToken } from './edge';

/**
 * The immutable claims of an Entra ID sign-in, in both spellings App Service authentication uses.
 * Names, emails and UPNs are left out on purpose: their owner (or a tenant admin, or a guest's home
 * tenant) can change them, so they never say who an agent is.
 */
const OBJECT_ID_CLAIMS = new Set(['oid', 'http://schemas.microsoft.com/identity/claims/objectidentifier']);
const TENANT_ID_CLAIMS = new Set(['tid', 'http://schemas.microsoft.com/identity/claims/tenantid']);

/**
 * What the caller presents: a bearer token, and the principal App Service authentication injected
 * (`x-ms-client-principal`, base64 JSON). The platform strips these headers from incoming requests,
 * so they are trusted only where the host says it runs behind App Service authentication. The
 * `x-ms-client-principal-name` and `-id` headers are not read: the claims say everything they do.
 */
export function agentCredentials(request: EdgeRequest): AgentCredentials {
  return { token: bearerToken(request), principal: signedInPrincipal(request) };
}

/** The object id and tenant of the principal header; undefined without the header. */
function signedInPrincipal(request: EdgeRequest): SignedInPrincipal | undefined {
  const names = ['x-ms-client-principal', 'x-ms-client-principal-name', 'x-ms-client-principal-id'];
  if (names.every((name) => !request.headers.get(name))) return undefined;
  const found: SignedInPrincipal = {};
  try {
    const encoded = request.headers.get('x-ms-client-principal') ?? '';
    const principal = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { claims?: { typ?: unknown; val?: unknown }[] };
    for (const claim of principal.claims ?? []) {
      if (typeof claim?.typ !== 'string' || typeof claim.val !== 'string' || !claim.val) continue;
      if (OBJECT_ID_CLAIMS.has(claim.typ)) found.objectId ??= claim.val;
      if (TENANT_ID_CLAIMS.has(claim.typ)) found.tenantId ??= claim.val;
    }
  } catch {
    // An undecodable principal names no one: the sign-in is refused for its missing claims.
  }
  return found;
}
