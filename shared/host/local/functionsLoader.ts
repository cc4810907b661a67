import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { registrations } from '../registry';

/** Imports every function file, as the Functions host does, so their registrations are recorded. */
export function loadFunctions(): typeof registrations {
  process.env.SWITCHBOARD_HOST = 'local';
  const dir = join(__dirname, '..', '..', '..', 'functions');
  for (const file of readdirSync(dir).sort()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- files are found at run time, as the Functions host does
    if (/\.(ts|js)$/.test(file) && !file.endsWith('.d.ts')) require(join(dir, file));
  }
  return registrations;
}
