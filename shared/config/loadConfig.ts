import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { Condition, Config, ContextVariable, Operator, VariableType, Workstream } from '../core/config';
import { toNumber } from '../core/ruleValues';
import { checkShape } from './schema';

/**
 * Reads the configuration file: YAML (so JSON too), then its shape, then cross-references.
 * Every problem is collected with its path; an invalid file yields problems and no config, so
 * start-up never runs on half of it.
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
  const shaped = checkShape(data);
  if (!shaped.ok) return shaped;
  const problems = crossReferenceProblems(shaped.config);
  return problems.length > 0 ? { ok: false, problems } : shaped;
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

function crossReferenceProblems(config: Config): string[] {
  const problems: string[] = [];
  const queues = new Set(config.queues.map((q) => q.name));
  const users = new Set(config.users.map((u) => u.id));
  // One message per bad reference: listing thousands of queues in each would take gigabytes.
  const names = [...queues];
  const knownQueues = `declared queues are ${names.slice(0, 20).join(', ')}${names.length > 20 ? `, and ${names.length - 20} more` : ''}`;

  problems.push(...duplicates(config.workstreams.map((w) => w.name), 'workstreams', 'name', 'workstream'));
  problems.push(...duplicates(config.queues.map((q) => q.name), 'queues', 'name', 'queue'));
  problems.push(...duplicates(config.users.map((u) => u.id), 'users', 'id', 'user'));

  config.workstreams.forEach((workstream, w) => {
    const at = `workstreams[${w}]`;
    if (!queues.has(workstream.fallbackQueue)) problems.push(`${at}.fallbackQueue: unknown queue "${workstream.fallbackQueue}", ${knownQueues}`);
    problems.push(...duplicates(workstream.contextVariables.map((v) => v.name), `${at}.contextVariables`, 'name', 'context variable'));
    problems.push(...duplicates(workstream.rules.map((r) => r.name), `${at}.rules`, 'name', 'rule'));
    workstream.rules.forEach((rule, r) => {
      if (!queues.has(rule.queue)) problems.push(`${at}.rules[${r}].queue: unknown queue "${rule.queue}", ${knownQueues}`);
      if (rule.when) problems.push(...conditionProblems(rule.when, `${at}.rules[${r}].when`, workstream));
    });
  });

  config.queues.forEach((queue, q) => {
    queue.members.forEach((member, m) => {
      if (!users.has(member)) problems.push(`queues[${q}].members[${m}]: unknown user "${member}"`);
    });
  });

  problems.push(...botProblems(config));
  const principalOwners = new Map<string, string>();
  config.users.forEach((user, u) => {
    if (user.kind !== 'agent' || user.principal === undefined) return;
    const owner = principalOwners.get(user.principal.toLowerCase());
    if (owner !== undefined) problems.push(`users[${u}].principal: "${user.principal}" is already the principal of user "${owner}"`);
    else principalOwners.set(user.principal.toLowerCase(), user.id);
  });
  const tokenOwners = new Map<string, string>();
  config.users.forEach((user, u) => {
    if (user.kind !== 'agent' || user.token === undefined) return;
    const owner = tokenOwners.get(user.token);
    // The token itself is a secret: name who else has it, not the token.
    if (owner !== undefined) problems.push(`users[${u}].token: the same token as user "${owner}"; tokens must be unique`);
    else tokenOwners.set(user.token, user.id);
  });
  return problems;
}

/** Authentication must be deliberate: an app id comes with credentials, and no app id needs the opt-in. */
function botProblems(config: Config): string[] {
  const problems: string[] = [];
  const appIdOwners = new Map<string, string>();
  config.users.forEach((user, u) => {
    if (user.kind !== 'bot') return;
    if (user.appId === undefined) {
      if (!config.allowUnauthenticatedBots) problems.push(`users[${u}].appId: bot "${user.id}" has no appId; give it one (with credentials) or set allowUnauthenticatedBots: true for local development`);
      if (user.credentials) problems.push(`users[${u}].credentials: credentials need an appId`);
      return;
    }
    if (!user.credentials) problems.push(`users[${u}].credentials: bot "${user.id}" has an appId, so Switchboard needs credentials to call it: secretFromEnv, certificate or managedIdentity`);
    const owner = appIdOwners.get(user.appId);
    if (owner !== undefined) problems.push(`users[${u}].appId: the same appId as bot "${owner}"; app ids must be unique`);
    else appIdOwners.set(user.appId, user.id);
  });
  return problems;
}

/** Reports each repeat at its own index, naming where the name first appeared. */
function duplicates(names: string[], listPath: string, key: string, thing: string): string[] {
  const firstIndex = new Map<string, number>();
  const problems: string[] = [];
  names.forEach((name, index) => {
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else problems.push(`${listPath}[${index}].${key}: duplicate ${thing} "${name}", already at ${listPath}[${first}]`);
  });
  return problems;
}

const TEXT_OPERATORS: ReadonlySet<Operator> = new Set(['contains', 'notContains', 'beginsWith', 'notBeginsWith', 'endsWith', 'notEndsWith']);
const NUMBER_OPERATORS: ReadonlySet<Operator> = new Set(['greaterThan', 'greaterOrEqual', 'lessThan', 'lessOrEqual']);
const LIST_OPERATORS: ReadonlySet<Operator> = new Set(['in', 'notIn']);
const NO_VALUE_OPERATORS: ReadonlySet<Operator> = new Set(['hasData', 'noData']);

function conditionProblems(condition: Condition, at: string, workstream: Workstream): string[] {
  if ('all' in condition) return condition.all.flatMap((c, i) => conditionProblems(c, `${at}.all[${i}]`, workstream));
  if ('any' in condition) return condition.any.flatMap((c, i) => conditionProblems(c, `${at}.any[${i}]`, workstream));
  if ('not' in condition) return conditionProblems(condition.not, `${at}.not`, workstream);

  const { variable, operator, value } = condition;
  const problems = valueShapeProblems(operator, value, at);
  const declared: ContextVariable | undefined = workstream.contextVariables.find((v) => v.name === variable);
  if (!declared) {
    return [`${at}.variable: variable "${variable}" is not declared in contextVariables of workstream "${workstream.name}"`, ...problems];
  }
  const type: VariableType = declared.type;
  if (TEXT_OPERATORS.has(operator) && type !== 'text') {
    problems.push(`${at}.operator: ${operator} works on text variables only; "${variable}" is a ${type} variable`);
  }
  if (NUMBER_OPERATORS.has(operator) && type !== 'number') {
    problems.push(`${at}.operator: ${operator} works on number variables only; "${variable}" is a ${type} variable`);
  }
  if (type === 'number' && value !== undefined) {
    const values = Array.isArray(value) ? value.map((v, i) => ({ v, where: `${at}.value[${i}]` })) : [{ v: value, where: `${at}.value` }];
    for (const { v, where } of values) {
      // The router's own coercion decides, so the loader and the router never disagree.
      if (Number.isNaN(toNumber(v))) problems.push(`${where}: "${v}" is not a number, and "${variable}" is a number variable`);
    }
  }
  return problems;
}

function valueShapeProblems(operator: Operator, value: unknown, at: string): string[] {
  if (NO_VALUE_OPERATORS.has(operator)) return value === undefined ? [] : [`${at}.value: ${operator} takes no value`];
  if (value === undefined) return [`${at}.value: is required for ${operator}`];
  if (LIST_OPERATORS.has(operator)) return Array.isArray(value) ? [] : [`${at}.value: ${operator} needs a list of values`];
  return Array.isArray(value) ? [`${at}.value: ${operator} takes a single value, not a list`] : [];
}
