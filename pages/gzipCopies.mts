import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(html|js|mjs|css|json|map|svg|txt)$/;
/** Below this a gzip copy saves less than a packet. */
const MIN_BYTES = 1024;

/**
 * Writes `<file>.gz` beside every compressible output, at the highest level: the hosts send it to
 * clients that take gzip instead of compressing per request (the Functions host on Linux compresses nothing).
 */
export function gzipCopies(): Plugin {
  const compress = promisify(gzip);
  return {
    name: 'switchboard-gzip-copies',
    apply: 'build',
    async writeBundle(options, bundle) {
      const outDir = options.dir ?? '';
      await Promise.all(Object.values(bundle).map(async (output) => {
        const source = output.type === 'asset' ? output.source : output.code;
        if (!COMPRESSIBLE.test(output.fileName) || source.length < MIN_BYTES) return;
        await writeFile(join(outDir, `${output.fileName}.gz`), await compress(source, { level: 9 }));
      }));
    },
  };
}
