import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HttpResponseInit } from '@azure/functions';
import { ApiError } from './apiError';
import type { EdgeRequest } from './edgeRequest';
import { fileResponse, PAGE_CONTENT_SECURITY_POLICY } from './fileResponse';
import { StaticFiles } from './staticFiles';

/**
 * The pages (customer chat, agent workspace, supervisor's view; insights next) are built by `npm run build` into
 * dist/pages (pages/vite.config.ts): one HTML file per page and its hashed assets under dist/pages/assets.
 * Both hosts serve them from there: the local host from the repository, the Function App from its package.
 */
export const PAGES_DIR = join(appRoot(), 'dist', 'pages');

/** The folder with package.json above this file: the repository (run from source or from dist/), or the Function App's wwwroot. */
function appRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

const files = new StaticFiles(PAGES_DIR);

/**
 * A page's HTML (`chat/index.html`): revalidated on each visit, since it names the current asset hashes,
 * and sent with the page's content security policy (fileResponse.ts has one per kind of page).
 */
export async function servePage(request: EdgeRequest, htmlPath: string, contentSecurityPolicy = PAGE_CONTENT_SECURITY_POLICY): Promise<HttpResponseInit> {
  const file = await files.get(htmlPath);
  if (!file) throw new ApiError('NotFound', 'the pages are not built: run npm run build (npm start builds them when they are stale)');
  return fileResponse(request, file, 'revalidate', contentSecurityPolicy);
}

/** A file under /assets: its name carries its content hash, so it is cached for good. */
export async function serveAsset(request: EdgeRequest, path: string): Promise<HttpResponseInit> {
  const file = await files.get(`assets/${path}`);
  if (!file) throw new ApiError('NotFound', 'there is no such asset');
  return fileResponse(request, file, 'immutable');
}
