import { request as httpRequest } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip } from '../../shared/http/fileResponse';
import { PAGES_DIR } from '../../shared/http/pages';
import { plainPathSegments } from '../../shared/http/staticFiles';
import { startTestHost, type TestHost } from '../support/localHostHarness';

/**
 * The pages and their assets, as the local host serves them (the Function App runs the same handlers):
 * at the site root beside /api, with the right types and caching, gzip when asked, and nothing outside
 * dist/pages/assets reachable. The build is jest's global setup (test/support/buildPages.ts).
 */
let host: TestHost;
let port: number;

beforeAll(async () => {
  host = await startTestHost();
  port = Number(new URL(host.baseUrl).port);
});
afterAll(() => host.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request sent as written (fetch would normalise `..` away and decompress), its body as bytes. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The built asset whose name starts with this prefix (`chat-<hash>.js`, `webchat-<version>.js`). */
function assetNamed(prefix: string): string {
  const name = readdirSync(join(PAGES_DIR, 'assets')).find((file) => file.startsWith(`${prefix}-`) && file.endsWith('.js'));
  if (!name) throw new Error(`no ${prefix} asset in the build`);
  return name;
}

describe('the chat page', () => {
  test('is served at /chat and /chat/{site} as HTML that is revalidated, with a content security policy', async () => {
    for (const path of ['/chat', '/chat/', '/chat/contoso']) {
      const page = await get(path);
      expect([path, page.status]).toEqual([path, 200]);
      expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body.toString()).toContain(`/assets/${assetNamed('chat')}`);
    }
  });

  test('answers 304 to a client whose copy is current, and HEAD without a body', async () => {
    const first = await get('/chat');
    const again = await get('/chat', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await get('/chat/contoso', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(head.body.length).toBe(0);
  });

  test('lives beside the API, which stays under /api', async () => {
    expect((await get('/api/health')).status).toBe(200);
    expect((await get('/health')).status).toBe(404);
    expect((await get('/api/chat')).status).toBe(404);
    expect((await get('/chat', {}, 'POST')).status).toBe(405);
  });
});

describe('the agent workspace and the supervisor\'s view', () => {
  test.each(['/agent', '/supervisor'])('%s is HTML that is revalidated, under a policy without inline style text, and cannot be framed', async (path) => {
    const page = await get(path);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    const policy = String(page.headers['content-security-policy']).split('; ');
    expect(policy).toEqual(expect.arrayContaining(["script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]));
    // Fluent's styles go into empty <style> elements filled through CSSOM: the empty element's hash, nothing inline.
    expect(policy).toContain("style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    expect(policy.join('; ')).not.toContain('unsafe-inline');
    expect(page.body.toString()).toMatch(/<script type="module" crossorigin src="\/assets\/[\w-]+\.js">/);
  });

  test('the chat page keeps its own policy (Web Chat writes style text)', async () => {
    expect(String((await get('/chat')).headers['content-security-policy'])).toContain("style-src 'self' 'unsafe-inline'");
  });
});

describe('the assets', () => {
  test("the page's script: JavaScript cached for good, gzipped for a client that takes it", async () => {
    const path = `/assets/${assetNamed('chat')}`;
    const plain = await get(path);
    expect(plain.status).toBe(200);
    expect(plain.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await get(path, { 'accept-encoding': 'gzip, deflate, br' });
    if (plain.body.length >= 1024) {
      expect(zipped.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding' });
      expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
      expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    }
  });

  test("Web Chat's bundle is served from the build (no CDN) at a name with its version: 3.9 MB, or under 1 MB gzipped", async () => {
    const path = `/assets/${assetNamed('webchat')}`;
    expect(path).toBe(`/assets/webchat-${JSON.parse(readFileSync(join(require.resolve('botframework-webchat'), '..', '..', 'package.json'), 'utf8')).version}.js`);
    const zipped = await get(path, { 'accept-encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers).toMatchObject({ 'content-type': 'text/javascript; charset=utf-8', 'content-encoding': 'gzip' });
    expect(zipped.body.length).toBeLessThan(1_000_000);
    expect(gunzipSync(zipped.body).toString('utf8', 0, 2000)).toMatch(/webchat|WebChat|botframework/i);
    expect((await get(path, { 'accept-encoding': 'gzip;q=0, *' })).headers['content-encoding']).toBeUndefined();
    expect((await get(path, { 'accept-encoding': 'gzip', 'if-none-match': String(zipped.headers.etag) })).status).toBe(304);
    // The gzip copy's tag is its own: a client without gzip gets the plain file, not a 304 for a copy it cannot read.
    expect((await get(path, { 'if-none-match': String(zipped.headers.etag) })).status).toBe(200);
  });

  test('nothing outside dist/pages/assets can be reached: traversal, encoded separators, hidden files, odd bytes', async () => {
    const secret = readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8').slice(0, 40);
    const tricks = [
      '/assets/../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/..%2F..%2F..%2Fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/%252e%252e%252fpackage.json',
      '/assets/..%5c..%5cpackage.json',
      '/assets/....//....//package.json',
      '/assets/.vite/manifest.json',
      '/assets/%2evite/manifest.json',
      '/assets/chat%00.js',
      '/assets//etc/passwd',
      '/assets/%2fetc%2fpasswd',
      '/assets/C:%5cWindows%5cwin.ini',
      '/assets/',
      '/assets',
      '/assets/chat',
      '/chat/..%2f..%2fpackage.json',
    ];
    for (const path of tricks) {
      const answer = await get(path);
      const leaked = answer.body.toString().includes(secret) || answer.body.toString().includes('"version"');
      expect([path, answer.status >= 400 && answer.status < 500 || path.startsWith('/chat/'), leaked]).toEqual([path, true, false]);
    }
  });
});

describe('helpers', () => {
  test.each([
    ['gzip', true], ['gzip, deflate, br', true], ['GZIP;q=0.5', true], ['br', false], ['gzip;q=0', false],
    ['*', true], ['gzip;q=0, *', false], ['identity', false], ['', false],
  ])('accept-encoding %j takes gzip: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  test.each([
    ['webchat-abc.js', ['webchat-abc.js']], ['a/b.css', ['a', 'b.css']],
    ['../x.js', undefined], ['.vite/manifest.json', undefined], ['a//b.js', undefined], ['a\\b.js', undefined],
    ['x%2e.js', undefined], ['x\u0000.js', undefined], ['', undefined], [`${'a/'.repeat(8)}b.js`, undefined],
  ])('plain path %j → %j', (path, expected) => {
    expect(plainPathSegments(path)).toEqual(expected);
  });
});
