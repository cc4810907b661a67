import type { HttpResponseInit } from '@azure/functions';
import type { EdgeRequest } from './edgeRequest';
import type { StaticFile } from './staticFiles';

/**
 * `immutable`: a file whose name carries its content hash (everything under /assets), cached for a year.
 * `revalidate`: a page's HTML, which names the current hashes, so it is asked for again each time (a 304 when unchanged).
 */
export type Caching = 'immutable' | 'revalidate';

const CACHE_CONTROL: Readonly<Record<Caching, string>> = {
  immutable: 'public, max-age=31536000, immutable',
  revalidate: 'no-cache',
};

const SHARED_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  // Attachments are this origin's links; bots' cards may show images and media from anywhere on https.
  "img-src 'self' data: blob: https:",
  "media-src 'self' blob: https:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
];

/**
 * The customer's chat page: scripts and styles from this origin only, this origin's API only. Web Chat
 * sets styles inline (emotion writes style text), hence 'unsafe-inline' for styles on this page alone.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  ...SHARED_DIRECTIVES,
  "style-src 'self' 'unsafe-inline'",
  // blob: Web Chat's client reads a file the customer picked (a blob: URL) before it uploads it.
  "connect-src 'self' blob:",
  // Web Chat makes a picked image's thumbnail in a worker it starts from a blob: URL.
  "worker-src 'self' blob:",
].join('; ');

/**
 * The hash of the empty string: Fluent UI's styles (Griffel) go into empty <style> elements it creates
 * and fills through CSSOM (insertRule), which a policy does not govern; an empty element matches this
 * hash, so no style text written into the page (an injected <style> or style="…" attribute) applies.
 */
export const EMPTY_STYLE_ELEMENT = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

/** The agent workspace and the supervisor's view (React + Fluent UI): no inline style text at all, and no framing. */
export const WORKSPACE_CONTENT_SECURITY_POLICY = [
  ...SHARED_DIRECTIVES,
  `style-src 'self' ${EMPTY_STYLE_ELEMENT}`,
  "connect-src 'self'",
  "worker-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * A file as GET or HEAD asked for it: the gzip copy when the client takes gzip, 304 when the client's copy
 * is current, and no body for HEAD; an HTML page carries its content security policy. The Functions host
 * on Linux compresses nothing itself, and a 3.9 MB Web Chat bundle is 0.95 MB gzipped; the copy is made at
 * build time, not per request.
 */
export function fileResponse(request: EdgeRequest, file: StaticFile, caching: Caching, contentSecurityPolicy = PAGE_CONTENT_SECURITY_POLICY): HttpResponseInit {
  const gzip = file.gzip !== undefined && acceptsGzip(request.headers.get('accept-encoding'));
  const etag = gzip ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
  const headers: Record<string, string> = {
    'content-type': file.contentType,
    'cache-control': CACHE_CONTROL[caching],
    etag,
    'x-content-type-options': 'nosniff',
    ...(file.gzip !== undefined && { vary: 'accept-encoding' }),
    ...(file.contentType.startsWith('text/html') && { 'content-security-policy': contentSecurityPolicy, 'referrer-policy': 'same-origin' }),
  };
  if (matchesEtag(request.headers.get('if-none-match'), etag)) return { status: 304, headers };
  if (gzip) headers['content-encoding'] = 'gzip';
  const body = gzip ? (file.gzip as Buffer) : file.body;
  return { status: 200, headers, ...(request.method !== 'HEAD' && { body }) };
}

/** Whether `accept-encoding` takes gzip: named without `q=0`, or not named and `*` without `q=0`. */
export function acceptsGzip(header: string | null): boolean {
  if (!header) return false;
  const weights = new Map(header.split(',').map((part) => {
    const [coding = '', ...params] = part.toLowerCase().split(';').map((p) => p.trim());
    const q = params.map((p) => /^q=([\d.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    return [coding, q === undefined ? 1 : Number(q)];
  }));
  const weight = weights.get('gzip') ?? weights.get('*') ?? 0;
  return weight > 0;
}

/** If-None-Match holds `*` or the tag (weak comparison, as RFC 9110 asks for GET). */
function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === etag);
}
