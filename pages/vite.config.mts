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
 * Why React 19 + Fluent UI v9 (@fluentui/react-components) for the agent and supervisor pages: it is
 * the look Omnichannel's agents already know (D365's workspace is Fluent), it is accessible by default
 * (keyboard navigation, focus management, ARIA on every component, dialogs that trap focus), and it
 * ships design tokens and makeStyles, so the pages style with the theme's values instead of ad-hoc CSS.
 * Its styles are injected at run time by Griffel into empty <style> elements through CSSOM: the pages'
 * content security policy allows exactly that and no inline style text (shared/http/fileResponse.ts).
 * JSX is compiled by Vite's own transform (the automatic runtime); Fast Refresh is not needed for builds.
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
      // Fluent marks its modules 'use client' for React Server Components; a browser bundle has no server part.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      output: {
        // What the agent, supervisor and insights pages share (React, Fluent UI, pages/workspace) in one chunk named for it.
        codeSplitting: { groups: [{ name: 'workspace', test: /node_modules|[\\/]pages[\\/]workspace[\\/]/, minShareCount: 2 }] },
      },
      input: {
        chat: resolve(pagesRoot, 'chat', 'index.html'),
        agent: resolve(pagesRoot, 'agent', 'index.html'),
        supervisor: resolve(pagesRoot, 'supervisor', 'index.html'),
        insights: resolve(pagesRoot, 'insights', 'index.html'),
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [webChatBundle(webChatPackage), gzipCopies()],
});
