import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

/**
 * Web Chat's UMD bundle (botframework-webchat's dist/webchat.js, 3.9 MB) copied into the build as
 * `assets/webchat-<version>.js`: not bundled (it carries its own React 16), named by its pinned version
 * so pages on other sites can embed a stable URL, and cached for good like the hashed assets. The pages
 * read the URL from `__WEBCHAT_BUNDLE_URL__`.
 */
export function webChatBundle(packageDir: string): Plugin {
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const fileName = `assets/webchat-${version}.js`;
  return {
    name: 'switchboard-webchat-bundle',
    config: () => ({ define: { __WEBCHAT_BUNDLE_URL__: JSON.stringify(`/${fileName}`) } }),
    generateBundle() {
      this.emitFile({ type: 'asset', fileName, source: readFileSync(join(packageDir, 'dist', 'webchat.js')) });
    },
  };
}
