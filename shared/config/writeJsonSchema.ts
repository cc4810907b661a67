import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { SAMPLE_CONFIG_PATH } from './loadConfig';
import { configSchema } from './schema';

/**
 * `npm run schema`: writes switchboard.schema.json, the JSON Schema editors use to complete and
 * check switchboard.yaml. A test fails when the committed file is older than the zod schema.
 */

export const JSON_SCHEMA_PATH = path.join(path.dirname(SAMPLE_CONFIG_PATH), 'switchboard.schema.json');

/** Draft-07: the draft every YAML and JSON editor plugin understands. Input side: defaults are optional. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { target: 'draft-07', io: 'input' });
}

/** The exact file content, so the up-to-date test compares bytes, not parsed objects. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(JSON_SCHEMA_PATH, renderJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
}
