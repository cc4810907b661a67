import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { defineConfig } from 'vite';
import { gzipCopies } from './gzipCopies.mts';
import { webChatBundle } from './webChatBundle.mts';

/**
 * Every page is built here, one HTML entry each, into dist/pages: `npm run build` puts it in the Function
 * App's package and `npm start` rebuilds it when a source is newer (shared/host/local/pagesBuild.ts).
 *
 * Why Vite: the agent and supervisor pages (React + Fluent UI) need a bundler with TypeScript, JSX and
 * code splitting, and Vite gives that with no configuration of its own; the customer page is plain
 * TypeScript and costs it nothing. Assets get content hashes (served as immutable) and a gzip twin.
 *
 * Web Chat is not bundled: its UMD bundle (which carries its own React 16) is copied in as
 * assets/webchat-<version>.js and loaded by a <script> tag, so no CDN is needed at run time and
 * botframework-webchat stays a devDependency (webChatBundle.mts).
 */
const pagesRoot = import.meta.dirname;
const webChatPackage = dirname(dirname(createRequire(import.meta.url).resolve('botframework-webchat')));

export default defineConfig({
  root: pagesRoot,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: resolve(pagesRoot, '..', 'dist', 'pages'),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: true,
    // The build's record of its inputs' outputs; `npm start` compares its time with the sources'.
    manifest: true,
    // Web Chat's 3.9 MB is expected; the page's own code stays small.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: { chat: resolve(pagesRoot, 'chat', 'index.html') },
    },
  },
  plugins: [webChatBundle(webChatPackage), gzipCopies()],
});
