import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PAGES_DIR } from '../../http/pages';

/**
 * `npm start` (and the test suite) build the pages only when they are stale: when a file under pages/
 * or Web Chat's installed version is newer than the last build's manifest. Nothing changed costs a
 * walk of a small folder; a change costs one Vite build (a second or two).
 */
const root = join(__dirname, '..', '..', '..');
const SOURCES = join(root, 'pages');
const BUILD_STAMP = join(PAGES_DIR, '.vite', 'manifest.json');
const INPUTS_BESIDE_SOURCES = [join(root, 'node_modules', 'botframework-webchat', 'package.json'), join(root, 'package-lock.json')];

export function pagesAreStale(): boolean {
  if (!existsSync(BUILD_STAMP)) return true;
  const built = statSync(BUILD_STAMP).mtimeMs;
  return newestChange(SOURCES) > built || INPUTS_BESIDE_SOURCES.some((file) => existsSync(file) && statSync(file).mtimeMs > built);
}

function newestChange(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Runs `vite build` (as `npm run build:pages` does) in a child process; rejects with its output when it fails.
 * Always a production build: Vite follows NODE_ENV, and jest sets it to `test`, which would build React and
 * Fluent UI in development mode (slower, and with warnings the browser tests would count as errors).
 */
export function buildPages(options: { quiet?: boolean } = {}): Promise<void> {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) return Promise.reject(new Error('vite is not installed: run npm ci'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join('pages', 'vite.config.mts')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) {
        if (!options.quiet && output.trim()) console.log(output.trim());
        return resolve();
      }
      reject(new Error(`the page build failed (exit ${code}):\n${output.trim()}`));
    });
  });
}

/** Builds the pages when they are stale; true when it built them. */
export async function buildPagesIfStale(options: { quiet?: boolean } = {}): Promise<boolean> {
  if (!pagesAreStale()) return false;
  await buildPages(options);
  return true;
}
