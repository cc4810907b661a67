import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { Config } from '../core/config';
import { inFileOrder, problemPath } from './fileOrder';
import { referenceProblems } from './referenceProblems';
import { checkShape } from './schema';

/**
 * Reads the configuration file: YAML (so JSON too), then its shape and its cross-references.
 * Every problem is collected with its path, in file order; an invalid file yields problems and no
 * config, so start-up never runs on half of it.
 */

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Where package.json is; relative configuration paths resolve against it. */
export const PROJECT_ROOT = projectRoot();

/** The sample configuration, used when none is given. */
export const SAMPLE_CONFIG_PATH = path.join(PROJECT_ROOT, 'switchboard.yaml');

/** Where package.json is, whether this runs from shared/config (source) or dist/shared/config (build). */
function projectRoot(): string {
  const twoUp = path.resolve(__dirname, '..', '..');
  return path.basename(twoUp) === 'dist' ? path.dirname(twoUp) : twoUp;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly source: string, readonly problems: string[]) {
    super(`Invalid configuration ${source}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}

/** yaml's own default, stated: more alias expansions than this is a "billion laughs" file, refused. */
const MAX_ALIAS_COUNT = 100;

export function parseConfig(text: string): ConfigResult {
  try {
    return parseConfigText(text);
  } catch (error) {
    // A file nested thousands of levels deep can overflow the stack in the parser or in the checks.
    if ((error as Error | undefined)?.name === 'RangeError') return { ok: false, problems: [`(top level): ${tooDeep((error as Error).message)}`] };
    throw error;
  }
}

function parseConfigText(text: string): ConfigResult {
  const lineCounter = new LineCounter();
  // yaml checks unique keys by comparing each key with every earlier one (quadratic: 50,000 keys took
  // seconds); duplicateKeyErrors does the same check with a set.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const errors = [...document.errors.map((error) => ({ pos: error.pos[0], message: error.message })), ...duplicateKeyErrors(document)];
  if (errors.length > 0) {
    return {
      ok: false,
      problems: errors.sort((a, b) => a.pos - b.pos).map((error) => {
        const { line, col } = lineCounter.linePos(error.pos);
        return `line ${line}, column ${col}: invalid YAML: ${tooDeep(error.message)}`;
      }),
    };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // Alias abuse (a "billion laughs" file) and an alias to no anchor throw here, without a position.
    return { ok: false, problems: [`(top level): invalid YAML: ${(error as Error).message}`] };
  }
  if (data === null || data === undefined) return { ok: false, problems: ['(top level): the file is empty'] };
  // Both checks run, so one start reports every problem: the references are read wherever the shape allows.
  const shaped = checkShape(data);
  const references = referenceProblems(data);
  if (shaped.ok) return references.length > 0 ? { ok: false, problems: inFileOrder(references, data) } : shaped;
  // A reference problem at the place of a shape problem (an empty queue name, "unknown queue ''") is the same problem.
  const shapePaths = new Set(shaped.problems.map(problemPath));
  return { ok: false, problems: inFileOrder([...shaped.problems, ...references.filter((problem) => !shapePaths.has(problemPath(problem)))], data) };
}

/** yaml's "Map keys must be unique", at the repeated key, in linear time. */
function duplicateKeyErrors(document: Document): { pos: number; message: string }[] {
  const errors: { pos: number; message: string }[] = [];
  visit(document, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) errors.push({ pos: pair.key.range?.[0] ?? 0, message: 'Map keys must be unique' });
        else seen.add(pair.key.value);
      }
    },
  });
  return errors;
}

function tooDeep(message: string): string {
  return message.includes('Maximum call stack size exceeded') ? 'the file is nested too deeply to read (Maximum call stack size exceeded)' : message;
}

export function loadConfigFile(file: string): ConfigResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, problems: [code === 'ENOENT' ? `${file}: file not found` : `${file}: cannot be read (${code ?? String(error)})`] };
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) return { ok: false, problems: [`${file}: line ${invalidUtf8Line(bytes)}: the file is not valid UTF-8; save it as UTF-8`] };
  return parseConfig(text);
}

/** Reading with 'utf8' would turn a bad byte in a name or token into U+FFFD silently. */
function decodeUtf8(bytes: Uint8Array, stream = false): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream });
  } catch {
    return undefined;
  }
}

/** The line of the first invalid byte: the shortest prefix that fails to decode ends with it. */
function invalidUtf8Line(bytes: Buffer): number {
  let low = 1;
  let high = bytes.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (decodeUtf8(bytes.subarray(0, middle), true) === undefined) high = middle;
    else low = middle + 1;
  }
  let line = 1;
  for (let i = 0; i < low - 1; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** For hosts at cold start: fail fast, naming the file and every problem. */
export function loadConfigOrThrow(file: string): Config {
  const result = loadConfigFile(file);
  if (!result.ok) throw new ConfigError(file, result.problems);
  return result.config;
}
