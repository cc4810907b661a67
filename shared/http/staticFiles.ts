import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/**
 * The built pages (`dist/pages`, see pages/vite.config.ts), read from disk once and kept in memory with
 * their precompressed `.gz` twins. A file is found only by a plain relative path: segments of letters,
 * digits, `_`, `-` and `.` that do not start with a dot, so no `..`, no hidden file and no encoded
 * separator can reach outside the folder, however the host decoded the path.
 */
export interface StaticFile {
  body: Buffer;
  /** The gzip copy the build made, when there is one. */
  gzip?: Buffer;
  contentType: string;
  /** A strong validator of `body`; the gzip copy's is the same with `-gz`. */
  etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const PLAIN_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_SEGMENTS = 8;

/** The segments of a plain relative path, or undefined for anything else (see above). */
export function plainPathSegments(path: string): string[] | undefined {
  const segments = path.split('/');
  if (segments.length > MAX_SEGMENTS || !segments.every((s) => PLAIN_SEGMENT.test(s))) return undefined;
  return segments;
}

interface Cached {
  mtimeMs: number;
  size: number;
  file: StaticFile;
}

export class StaticFiles {
  private readonly root: string;
  private readonly cache = new Map<string, Cached>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file at `path` (relative to the root), or undefined when there is none or the path is not plain. */
  async get(path: string): Promise<StaticFile | undefined> {
    const segments = plainPathSegments(path);
    const contentType = CONTENT_TYPES[extname(path).toLowerCase()];
    if (!segments || !contentType) return undefined;
    const full = resolve(this.root, ...segments);
    if (!full.startsWith(this.root + sep)) return undefined;
    const stats = await lstat(full).catch(() => undefined);
    // A symbolic link is not followed: the build writes none, and one could lead anywhere.
    if (!stats?.isFile()) return undefined;
    const cached = this.cache.get(full);
    // Checked on every request (a stat is cheap), so a rebuild while `npm start` runs is served at once.
    if (cached && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size) return cached.file;
    const body = await readFile(full);
    const gzip = await readFile(`${full}.gz`).catch(() => undefined);
    const file: StaticFile = { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, ...(gzip && { gzip }) };
    this.cache.set(full, { mtimeMs: stats.mtimeMs, size: stats.size, file });
    return file;
  }
}
