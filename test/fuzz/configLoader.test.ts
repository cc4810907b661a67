import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfigFile, parseConfig, SAMPLE_CONFIG_PATH, type ConfigResult } from '../../shared/config/loadConfig';
import { PRESENCES, type Condition, type Config } from '../../shared/core/config';
import { FUZZ_TIMEOUT_IN_MS, fuzzRuns, INJECTION_STRINGS, loneSurrogate, table, type Tally } from './fuzzSupport';

/**
 * Bad input to the configuration loader (issue 5, Reliability 5): arbitrary text, arbitrary JSON
 * values, mutations of the sample configuration, huge and deeply nested documents, alias bombs and
 * invalid Unicode. parseConfig never throws; it returns a config, or problems and no config, each
 * problem `path: message`; whatever loads is consistent.
 *
 * `FUZZ_RUNS=2000 npm run -s jest -- test/fuzz/configLoader.test.ts` runs the large size.
 */

jest.setTimeout(FUZZ_TIMEOUT_IN_MS);

const SAMPLE_TEXT = readFileSync(SAMPLE_CONFIG_PATH, 'utf8');
const SAMPLE: Record<string, unknown> = parseYaml(SAMPLE_TEXT) as Record<string, unknown>;
const tally: Tally = new Map();

/** `path: message`: a location (a config path, a line and column, or the top level), then a non-empty message. */
const PROBLEM = /^(?:\(top level\)|line \d+, column \d+|[A-Za-z$][\w$]*(?:\[\d+\]|\.[A-Za-z$][\w$]*)*): \S/;

const SAYS_NOTHING = /expected (an?|the) (\w+), got (an?|the) \2\b/;

/** The one check every input must pass; returns the result for more specific checks. */
function load(kind: string, text: string, budgetInMs = 3_000): ConfigResult {
  const started = performance.now();
  let result: ConfigResult;
  try {
    result = parseConfig(text);
  } catch (error) {
    throw new Error(`parseConfig threw on ${kind} input: ${(error as Error).stack}`);
  }
  const ms = performance.now() - started;
  const row = tally.get(kind) ?? { tried: 0, ok: 0, rejected: 0, slowestMs: 0 };
  row.tried++;
  if (result.ok) row.ok = (row.ok ?? 0) + 1;
  else row.rejected = (row.rejected ?? 0) + 1;
  row.slowestMs = Math.max(row.slowestMs ?? 0, ms);
  tally.set(kind, row);
  if (ms > budgetInMs) throw new Error(`parseConfig took ${Math.round(ms)} ms on ${kind} input of ${text.length} characters (budget ${budgetInMs} ms)`);
  if (result.ok) {
    expect(Object.keys(result).sort()).toEqual(['config', 'ok']);
    expect(consistencyProblems(result.config)).toEqual([]);
  } else {
    // Never half-applied: problems and nothing else.
    expect(Object.keys(result).sort()).toEqual(['ok', 'problems']);
    expect(result.problems.length).toBeGreaterThan(0);
    // Plain checks, not expect(): a wide document has tens of thousands of problems.
    for (const problem of result.problems) {
      if (typeof problem !== 'string' || !PROBLEM.test(problem)) throw new Error(`not "path: message": ${JSON.stringify(problem).slice(0, 300)}`);
      if (problem.includes('[object Object]')) throw new Error(`an unreadable problem: ${problem.slice(0, 300)}`);
      // "expected a number, got a number" says nothing (it was YAML's .inf).
      if (SAYS_NOTHING.test(problem)) throw new Error(`an unclear problem: ${problem.slice(0, 300)}`);
    }
  }
  return result;
}

/** What a loaded configuration must satisfy, checked independently of the loader. */
function consistencyProblems(config: Config): string[] {
  const problems: string[] = [];
  const queues = new Set(config.queues.map((q) => q.name));
  const users = new Set(config.users.map((u) => u.id));
  const unique = (names: string[], what: string) => {
    if (new Set(names).size !== names.length) problems.push(`duplicate ${what}`);
  };
  unique(config.workstreams.map((w) => w.name), 'workstream');
  unique(config.queues.map((q) => q.name), 'queue');
  unique(config.users.map((u) => u.id), 'user');
  if (config.workstreams.length === 0 || config.queues.length === 0) problems.push('no workstream or no queue');
  for (const w of config.workstreams) {
    if (!queues.has(w.fallbackQueue)) problems.push(`fallback ${w.fallbackQueue}`);
    unique(w.contextVariables.map((v) => v.name), 'variable');
    unique(w.rules.map((r) => r.name), 'rule');
    const o = w.offers;
    if (o && !(Number.isInteger(o.timeoutSeconds) && o.timeoutSeconds >= 10 && o.timeoutSeconds <= 86_400)) problems.push(`offers.timeoutSeconds ${o.timeoutSeconds}`);
    if (o && !(Number.isInteger(o.maxDeclinesPerAgent) && o.maxDeclinesPerAgent >= 1 && o.maxDeclinesPerAgent <= 5)) problems.push(`offers.maxDeclinesPerAgent ${o.maxDeclinesPerAgent}`);
    if (o && (typeof o.allowReject !== 'boolean' || typeof o.autoAccept !== 'boolean')) problems.push('offers booleans');
    if (o?.onMissed && !(PRESENCES as readonly string[]).includes(o.onMissed.setPresence)) problems.push(`offers.onMissed.setPresence ${o.onMissed.setPresence}`);
    const declared = new Set(w.contextVariables.map((v) => v.name));
    for (const r of w.rules) {
      if (!queues.has(r.queue)) problems.push(`rule queue ${r.queue}`);
      if (r.when) for (const v of variablesOf(r.when)) if (!declared.has(v)) problems.push(`undeclared ${v}`);
    }
  }
  for (const q of config.queues) for (const m of q.members) if (!users.has(m)) problems.push(`member ${m}`);
  for (const u of config.users) {
    if (u.kind === 'bot' && u.appId === undefined && !config.allowUnauthenticatedBots) problems.push(`unauthenticated bot ${u.id}`);
    if (u.kind === 'agent' && !(Number.isInteger(u.capacity) && u.capacity > 0)) problems.push(`capacity ${u.id}`);
  }
  return problems;
}

function variablesOf(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(variablesOf);
  if ('any' in condition) return condition.any.flatMap(variablesOf);
  if ('not' in condition) return variablesOf(condition.not);
  return [condition.variable];
}

const clone = <T>(value: T): T => structuredClone(value);

// ---------------------------------------------------------------------------------------------
// Generators

const YAML_TOKENS = [
  ':', ': ', '- ', '[', ']', '{', '}', ',', '&a ', '*a', '&b ', '*b', '!!str ', '!!int ', '!!binary ', '!custom ', '? ', '|', '>-', '#', '\n', '\n  ', '\n    ',
  '"', "'", '%YAML 1.2\n', '%TAG ! tag:x:\n', '---\n', '...\n', '<<: ', 'null', '~', '.inf', '-.inf', '.nan', 'true', 'no', '0x1F', '0o17', '1e400', '-0',
  'workstreams', 'queues', 'users', 'rules', 'when', 'not', 'all', 'any', 'name', 'kind', 'bot', 'agent', 'capacity', '\t', '\r\n', '\u0000', '\ufeff', '\u2028',
];

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.array(fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ maxLength: 8 }), loneSurrogate, fc.constantFrom(...INJECTION_STRINGS)), { maxLength: 120 }).map((parts) => parts.join('')),
);

/** Every path to a value in a JSON document. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function parentOf(root: unknown, path: (string | number)[]): { parent: any; key: string | number } | undefined {
  let node: any = root;
  for (const step of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[step];
  }
  if (node === null || typeof node !== 'object') return undefined;
  return { parent: node, key: path[path.length - 1]! };
}

const KEY_NAMES = ['name', 'queue', 'queues', 'members', 'users', 'id', 'kind', 'capacity', 'token', 'when', 'variable', 'operator', 'value', 'rules', 'workstreams',
  'fallbackQueue', 'contextVariables', 'type', 'priority', 'assignment', 'endpoint', 'appId', 'credentials', 'allowUnauthenticatedBots', '__proto__', 'constructor', 'toString', 'prototype', ''];

/** One change that is likely, but not sure, to break the file. */
type Mutation = { op: 'drop' | 'rename' | 'retype' | 'duplicate' | 'dangle' | 'huge' | 'nest' | 'inject'; pick: number; with: unknown; name: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('drop', 'rename', 'retype', 'duplicate', 'dangle', 'huge', 'nest', 'inject'),
  pick: fc.nat(),
  with: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, '', [], {}, 'x'.repeat(5000))),
  name: fc.oneof(fc.constantFrom(...KEY_NAMES), fc.string({ maxLength: 12 }), fc.constantFrom(...INJECTION_STRINGS)),
});

function applyMutation(doc: Record<string, unknown>, m: Mutation): void {
  const paths = pathsOf(doc);
  const path = paths[m.pick % paths.length];
  if (!path) return;
  const at = parentOf(doc, path);
  if (!at) return;
  const { parent, key } = at;
  switch (m.op) {
    case 'drop':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return;
    case 'rename':
      if (!Array.isArray(parent)) {
        const value = parent[key];
        delete parent[key];
        // defineProperty: a key named __proto__ becomes a real key, as JSON.parse and YAML make it.
        Object.defineProperty(parent, m.name, { value, enumerable: true, writable: true, configurable: true });
      }
      return;
    case 'retype':
      parent[key] = m.with;
      return;
    case 'duplicate':
      // Duplicate names: the same workstream, queue, user, rule or variable twice.
      if (Array.isArray(parent)) parent.splice(Number(key), 0, clone(parent[Number(key)]));
      else if (Array.isArray(parent[key]) && parent[key].length > 0) parent[key].push(clone(parent[key][0]));
      return;
    case 'dangle':
      // A reference to nothing: a queue, member, variable or fallback that does not exist.
      if (typeof parent[key] === 'string') parent[key] = `${parent[key]}-${m.name}`;
      return;
    case 'huge':
      // About 100 KB either way: one long string, or a long list of small values.
      parent[key] = typeof m.with === 'string' && m.with.length > 0
        ? m.with.repeat(Math.ceil(100_000 / m.with.length))
        : Array.from({ length: Math.min(5_000, Math.ceil(100_000 / (JSON.stringify(m.with) ?? 'null').length)) }, () => clone(m.with));
      return;
    case 'nest': {
      // Deep, but small: nesting a large value would make its YAML gigabytes of indentation.
      let nested: unknown = JSON.stringify(parent[key] ?? null).length > 200 ? m.with : parent[key];
      for (let i = 0; i < 200; i++) nested = i % 2 ? [nested] : { not: nested };
      parent[key] = nested;
      return;
    }
    case 'inject':
      if (typeof parent[key] === 'string') parent[key] = m.name;
      return;
  }
}

/** Serialises a document as JSON or as YAML (block or flow). */
const serialisation = fc.constantFrom('json', 'yaml', 'flow');
function serialise(doc: unknown, how: string): string {
  if (how === 'json') return JSON.stringify(doc, null, 1);
  return stringifyYaml(doc, how === 'flow' ? { collectionStyle: 'flow', aliasDuplicateObjects: false } : { aliasDuplicateObjects: false });
}

/** Changes that keep the file valid: it must still load, with the change in it. */
type ValidChange = { kind: 'renameQueue' | 'addAgent' | 'reorder' | 'capacity' | 'priority' | 'addVariable' | 'addQueue' | 'dropRule'; n: number; name: string };
const validChange: fc.Arbitrary<ValidChange> = fc.record({
  kind: fc.constantFrom('renameQueue', 'addAgent', 'reorder', 'capacity', 'priority', 'addVariable', 'addQueue', 'dropRule'),
  n: fc.integer({ min: 1, max: 1_000_000 }),
  // Names a user may choose: 1 to 100 characters, any Unicode (injection strings included).
  name: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.constantFrom(...INJECTION_STRINGS.filter((s) => s.length > 0 && s.length <= 60))),
});

function applyValidChange(doc: any, change: ValidChange, index: number): void {
  const unique = `${change.name}#${index}`;
  switch (change.kind) {
    case 'renameQueue': {
      const queue = doc.queues[change.n % doc.queues.length];
      const old = queue.name;
      queue.name = unique;
      for (const w of doc.workstreams) {
        if (w.fallbackQueue === old) w.fallbackQueue = unique;
        for (const r of w.rules) if (r.queue === old) r.queue = unique;
      }
      return;
    }
    case 'addAgent':
      doc.users.push({ id: unique, kind: 'agent', capacity: change.n, token: `token-${unique}` });
      doc.queues[change.n % doc.queues.length].members.push(unique);
      return;
    case 'reorder':
      doc.users.reverse();
      doc.queues.reverse();
      return;
    case 'capacity':
      doc.users.filter((u: any) => u.kind === 'agent')[change.n % 4].capacity = change.n;
      return;
    case 'priority':
      doc.queues[change.n % doc.queues.length].priority = -change.n;
      return;
    case 'addVariable':
      doc.workstreams[0].contextVariables.push({ name: unique, type: change.n % 2 ? 'text' : 'number' });
      return;
    case 'addQueue':
      doc.queues.push({ name: unique, members: [] });
      return;
    case 'dropRule':
      if (doc.workstreams[0].rules.length > 0) doc.workstreams[0].rules.splice(change.n % doc.workstreams[0].rules.length, 1);
      return;
  }
}

/** A "billion laughs": `levels` anchors, each a list of `fanout` aliases of the one before. */
function aliasBomb(levels: number, fanout: number, style: 'flow' | 'block', at: 'top' | 'users'): string {
  const lines = [`l0: &l0 [${Array.from({ length: fanout }, () => '"lol"').join(', ')}]`];
  for (let i = 1; i <= levels; i++) {
    const aliases = Array.from({ length: fanout }, () => `*l${i - 1}`);
    lines.push(style === 'flow' ? `l${i}: &l${i} [${aliases.join(', ')}]` : `l${i}: &l${i}\n${aliases.map((a) => `  - ${a}`).join('\n')}`);
  }
  if (at === 'users') lines.push(`users: *l${levels}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

describe('parseConfig under bad input', () => {
  test('arbitrary text: never throws, always a config or `path: message` problems', () => {
    fc.assert(fc.property(anyText, (text) => void load('arbitrary text', text)), { numRuns: fuzzRuns(300) });
  });

  test('arbitrary JSON values, as JSON and as YAML', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), serialisation, (value, how) => {
        const result = load('arbitrary JSON value', serialise(value, how));
        // Nothing but an object with workstreams and queues can load.
        if (result.ok) expect(value).toMatchObject({ workstreams: expect.any(Array), queues: expect.any(Array) });
      }),
      { numRuns: fuzzRuns(200) },
    );
  });

  test('mutations of the sample (drop, rename, retype, duplicate, dangling references, injection): whatever loads is consistent', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), serialisation, (mutations, how) => {
        const doc = clone(SAMPLE);
        for (const m of mutations) applyMutation(doc, m);
        const text = serialise(doc, how);
        // Each change adds ~100 KB, but YAML and indented JSON repeat the indentation of a deep place on every line:
        // past 3 MB the input is this generator's artefact, not a configuration (huge documents have their own test).
        fc.pre(text.length < 3_000_000);
        load('sample mutation', text);
      }),
      { numRuns: fuzzRuns(60) },
    );
  });

  test('valid mutations of the sample still load, with the change in them', () => {
    fc.assert(
      fc.property(fc.array(validChange, { minLength: 1, maxLength: 3 }), serialisation, (changes, how) => {
        const doc = clone(SAMPLE);
        changes.forEach((change, i) => applyValidChange(doc, change, i));
        const result = load('valid mutation', serialise(doc, how));
        if (!result.ok) throw new Error(`a valid change was refused: ${result.problems.join('; ')}`);
        // What the file says, the configuration has (plus defaults).
        expect(result.config).toMatchObject(doc);
      }),
      { numRuns: fuzzRuns(80) },
    );
  });

  test('workstreams[].offers: out-of-range, mistyped and unknown values are refused at their field; valid ones load with the defaults', () => {
    const number = fc.oneof(
      fc.integer({ min: -10, max: 100_000 }),
      fc.constantFrom(0, 9, 10, 11, 86_399, 86_400, 86_401, 1, 5, 6, -1, 2 ** 53, Number.POSITIVE_INFINITY, -0, 10.5, 3.5, Number.NaN),
      fc.double(),
    );
    const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('10', '3', 'true', '', null, [], {}));
    /** Mostly valid or absent, so that about half the documents load and the other half fail on one or two fields. */
    const field = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<unknown> = junk) => fc.option(fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: odd }), { nil: undefined });
    const offers = fc.record({
      timeoutSeconds: field(fc.integer({ min: 10, max: 86_400 }), fc.oneof(number, junk)),
      allowReject: field(fc.boolean()),
      autoAccept: field(fc.boolean()),
      maxDeclinesPerAgent: field(fc.integer({ min: 1, max: 5 }), fc.oneof(number, junk)),
      onMissed: field(fc.record({ setPresence: fc.constantFrom(...PRESENCES) }), fc.record({ setPresence: fc.oneof(fc.constantFrom('available', 'AWAY', 'Busy DND', 'DoNotDisturb', ''), junk) }, { requiredKeys: [] })),
      unknown: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom('timeout', 'TimeoutSeconds', 'maxDeclines', 'onmissed', '__proto__', 'constructor'), fc.string({ maxLength: 12 })), junk) },
      ),
    }, { requiredKeys: [] });
    const inRange = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
    fc.assert(
      fc.property(offers, fc.nat(), serialisation, (generated, where, how) => {
        const { unknown, ...known } = generated;
        const offer: Record<string, unknown> = Object.fromEntries(Object.entries(known).filter(([, v]) => v !== undefined));
        if (unknown) Object.defineProperty(offer, unknown[0], { value: unknown[1], enumerable: true, writable: true, configurable: true });
        const doc = clone(SAMPLE) as any;
        // On the sample's workstream, or on a second one beside it.
        const index = where % 2;
        if (index === 1) doc.workstreams.push({ ...clone(doc.workstreams[0]), name: 'Offered' });
        doc.workstreams[index].offers = offer;
        const text = serialise(doc, how);
        // What survives serialisation is what the loader sees (JSON drops NaN to null, YAML keeps .nan).
        const seen = (how === 'json' ? JSON.parse(text) : parseYaml(text)).workstreams[index].offers as Record<string, unknown>;
        const presence = (seen.onMissed as { setPresence?: unknown } | undefined)?.setPresence;
        const valid = Object.keys(seen).every((k) => ['timeoutSeconds', 'allowReject', 'autoAccept', 'maxDeclinesPerAgent', 'onMissed'].includes(k))
          && (seen.timeoutSeconds === undefined || inRange(seen.timeoutSeconds, 10, 86_400))
          && (seen.maxDeclinesPerAgent === undefined || inRange(seen.maxDeclinesPerAgent, 1, 5))
          && ['allowReject', 'autoAccept'].every((k) => seen[k] === undefined || typeof seen[k] === 'boolean')
          && (seen.onMissed === undefined || (typeof seen.onMissed === 'object' && seen.onMissed !== null && !Array.isArray(seen.onMissed)
            && Object.keys(seen.onMissed).every((k) => k === 'setPresence') && (PRESENCES as readonly unknown[]).includes(presence)));
        const result = load('offers settings', text);
        if (valid) {
          if (!result.ok) throw new Error(`valid offers ${JSON.stringify(seen)} were refused: ${result.problems.join('; ')}`);
          expect(result.config.workstreams[index]?.offers).toEqual({ timeoutSeconds: 120, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3, ...seen });
        } else {
          if (result.ok) throw new Error(`invalid offers ${JSON.stringify(seen)} loaded as ${JSON.stringify(result.config.workstreams[index]?.offers)}`);
          // Each problem names the field (the rest of the file is the sample, which is valid).
          for (const problem of result.problems) expect(problem).toMatch(new RegExp(`^workstreams\\[${index}\\]\\.offers(\\.[A-Za-z]+)*: `));
        }
      }),
      { numRuns: fuzzRuns(150) },
    );
  });

  test('invalid Unicode: lone surrogates anywhere in the text, and as the values of the sample', () => {
    fc.assert(
      fc.property(fc.nat(), loneSurrogate, fc.boolean(), (at, surrogate, escaped) => {
        const position = at % (SAMPLE_TEXT.length + 1);
        load('lone surrogate', SAMPLE_TEXT.slice(0, position) + surrogate + SAMPLE_TEXT.slice(position));
        const doc = clone(SAMPLE) as any;
        doc.queues[at % doc.queues.length].name += surrogate;
        // JSON.stringify writes a lone surrogate as the escape \udXXX; YAML keeps the raw code unit.
        load('lone surrogate', escaped ? JSON.stringify(doc) : stringifyYaml(doc));
      }),
      { numRuns: fuzzRuns(100) },
    );
  });

  test('huge documents: long strings, long lists, wide maps (up to ~2 MB), in bounded time', () => {
    fc.assert(
      fc.property(fc.constantFrom('string', 'list', 'map', 'users', 'rules'), fc.integer({ min: 1_000, max: 60_000 }), (shape, n) => {
        let text: string;
        if (shape === 'string') text = `workstreams: "${'x'.repeat(n * 30)}"\nqueues: []`;
        else if (shape === 'list') text = `workstreams:\n${'  - 1\n'.repeat(n)}`;
        else if (shape === 'map') text = Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join('\n');
        else if (shape === 'users') text = `${SAMPLE_TEXT}\n${Array.from({ length: n / 10 }, (_, i) => `  - { id: u${i}, kind: agent, capacity: 1 }`).join('\n')}`;
        else text = SAMPLE_TEXT.replace('    rules:\n', `    rules:\n${Array.from({ length: n / 10 }, (_, i) => `      - { name: R${i}, queue: Missing${i} }`).join('\n')}\n`);
        const result = load(`huge ${shape}`, text, 5_000);
        if (!result.ok && shape === 'rules') for (const problem of result.problems) expect(problem.length).toBeLessThan(1_000);
      }),
      { numRuns: fuzzRuns(6, 100) },
    );
  });

  test('deeply nested documents (to 10,000 levels, flow and block, and `not` chains) never throw', () => {
    const leaf = '{ variable: BotHandoffTopic, operator: noData }';
    const bot = 'when: { variable: BotHandoffTopic, operator: noData }';
    fc.assert(
      fc.property(fc.constantFrom('flowSeq', 'flowMap', 'block', 'blockSeq', 'notFlow', 'notBlock', 'allFlow', 'json'), fc.integer({ min: 1, max: 10_000 }), (shape, depth) => {
        const text = {
          flowSeq: () => '['.repeat(depth) + ']'.repeat(depth),
          flowMap: () => '{a: '.repeat(depth) + '1' + '}'.repeat(depth),
          block: () => Array.from({ length: Math.min(depth, 3_000) }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1',
          blockSeq: () => Array.from({ length: Math.min(depth, 3_000) }, (_, i) => `${' '.repeat(i * 2)}- `).join('\n') + 'x',
          notFlow: () => SAMPLE_TEXT.replace(bot, `when: ${'{not: '.repeat(depth)}${leaf}${'}'.repeat(depth)}`),
          notBlock: () => SAMPLE_TEXT.replace(bot, `when:\n${Array.from({ length: Math.min(depth, 3_000) }, (_, i) => `${' '.repeat(10 + i)}not:`).join('\n')}\n${' '.repeat(10 + Math.min(depth, 3_000))}${leaf}`),
          allFlow: () => SAMPLE_TEXT.replace(bot, `when: ${'{all: ['.repeat(depth)}${leaf}${']}'.repeat(depth)}`),
          json: () => `{"workstreams": ${'['.repeat(depth)}${']'.repeat(depth)}, "queues": []}`,
        }[shape]();
        load(`nested ${shape}`, text, 5_000);
      }),
      { numRuns: fuzzRuns(20, 300) },
    );
  });

  test('alias bombs ("billion laughs") are refused fast, without blowing memory; small alias use still works', () => {
    const heapBefore = process.memoryUsage().heapUsed;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 2, max: 12 }), fc.constantFrom('flow', 'block'), fc.constantFrom('top', 'users'), (levels, fanout, style, at) => {
        const result = load('alias bomb', aliasBomb(levels, fanout, style, at), 1_000);
        // Expanding more than the alias limit allows is refused, whatever the size.
        if (fanout ** levels > 10_000) {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.problems.some((p) => p.includes('alias'))).toBe(true);
        }
      }),
      { numRuns: fuzzRuns(60) },
    );
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(300 * 1024 * 1024);
    // Anchors and aliases used as a user would still load.
    const withAliases = SAMPLE_TEXT.replace('  - { name: CreditCardQueue, priority: 2, members: [alice, bob] }', '  - { name: CreditCardQueue, priority: 2, members: &cards [alice, bob] }')
      .replace('  - { name: HomeLoanQueue, priority: 2, members: [carol, dave] }', '  - { name: HomeLoanQueue, priority: 2, members: *cards }');
    expect(parseConfig(withAliases)).toMatchObject({ ok: true, config: { queues: expect.arrayContaining([expect.objectContaining({ name: 'HomeLoanQueue', members: ['alice', 'bob'] })]) } });
  });
});

describe('regressions found by the fuzzing (each was a bug)', () => {
  test('YAML .inf and .nan are named as such, not "expected a number, got a number"', () => {
    expect(parseConfig(SAMPLE_TEXT.replace('capacity: 2, token: dev-alice', 'capacity: .inf, token: dev-alice'))).toEqual({ ok: false, problems: ['users[1].capacity: expected a finite number, got Infinity'] });
    expect(parseConfig(SAMPLE_TEXT.replace('priority: 1,', 'priority: .nan,'))).toEqual({ ok: false, problems: ['queues[0].priority: expected a finite number, got NaN'] });
  });

  test('a map of 50,000 keys is checked in linear time (yaml\'s unique-key check was quadratic: 10 to 45 s)', () => {
    const text = Array.from({ length: 50_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const started = performance.now();
    const result = parseConfig(text);
    expect(performance.now() - started).toBeLessThan(6_000);
    expect(result.ok).toBe(false);
    // Duplicates are still found, at the repeated key, in block and flow maps alike.
    expect(parseConfig(`${text}\nk7: again`)).toEqual({ ok: false, problems: ['line 50001, column 1: invalid YAML: Map keys must be unique'] });
    expect(parseConfig('queues: []\nworkstreams: [{ name: a, name: b }]')).toEqual({ ok: false, problems: ['line 2, column 26: invalid YAML: Map keys must be unique'] });
  });

  test('an unknown queue does not list thousands of declared queues in every problem (gigabytes of messages)', () => {
    const queues = Array.from({ length: 3_000 }, (_, i) => `  - { name: Q${i} }`).join('\n');
    const rules = Array.from({ length: 3_000 }, (_, i) => `      - { name: R${i}, queue: Nope${i} }`).join('\n');
    const result = parseConfig(SAMPLE_TEXT.replace('    rules:\n', `    rules:\n${rules}\n`).replace('queues:\n', `queues:\n${queues}\n`));
    if (result.ok) throw new Error('expected problems');
    expect(result.problems).toHaveLength(3_000);
    expect(result.problems[0]).toBe('workstreams[0].rules[0].queue: unknown queue "Nope0", declared queues are Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, Q9, Q10, Q11, Q12, Q13, Q14, Q15, Q16, Q17, Q18, Q19, and 2984 more');
    // The sample's own message is unchanged.
    expect(parseConfig(SAMPLE_TEXT.replace('queue: HomeLoanQueue', 'queue: LoanQueue'))).toEqual({ ok: false, problems: ['workstreams[0].rules[3].queue: unknown queue "LoanQueue", declared queues are BotQueue, CreditCardQueue, HomeLoanQueue, DefaultQueue'] });
  });

  test('an alias bomb and an alias to nothing are problems with a location, like every other problem', () => {
    expect(parseConfig(aliasBomb(9, 9, 'flow', 'users'))).toEqual({ ok: false, problems: ['(top level): invalid YAML: Excessive alias count indicates a resource exhaustion attack'] });
    expect(parseConfig('workstreams: *nowhere')).toEqual({ ok: false, problems: ['(top level): invalid YAML: Unresolved alias (the anchor must be set before the alias): nowhere'] });
  });

  test('nesting too deep to read is a problem, never a thrown RangeError', () => {
    for (const depth of [10_000, 100_000]) {
      const result = parseConfig('['.repeat(depth) + ']'.repeat(depth));
      if (result.ok) throw new Error('expected problems');
      expect(result.problems.length).toBeGreaterThan(0);
      for (const problem of result.problems) expect(problem).toMatch(/^(line \d+, column \d+|\(top level\)): (invalid YAML: )?the file is nested too deeply to read/);
    }
  });

  test('a file that is not valid UTF-8 is refused with its line, instead of loading U+FFFD in a name or token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
    try {
      const file = join(dir, 'bad.yaml');
      const bytes = Buffer.from(SAMPLE_TEXT.replace('token: dev-alice', 'token: dev-ali\u0000ce'), 'utf8');
      bytes[bytes.indexOf(0)] = 0xff;
      writeFileSync(file, bytes);
      const line = SAMPLE_TEXT.split('\n').findIndex((l) => l.includes('dev-alice')) + 1;
      expect(loadConfigFile(file)).toEqual({ ok: false, problems: [`${file}: line ${line}: the file is not valid UTF-8; save it as UTF-8`] });
      writeFileSync(file, Buffer.concat([Buffer.from('\ufeff', 'utf8'), Buffer.from(SAMPLE_TEXT, 'utf8')]));
      expect(loadConfigFile(file).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

afterAll(() => {
  const rows = [...tally.entries()].map(([kind, row]) => ({ input: kind, tried: row.tried, loaded: row.ok ?? 0, refused: row.rejected ?? 0, 'slowest ms': Math.round(row.slowestMs ?? 0) }));
  const total = rows.reduce((sum, row) => sum + row.tried, 0);
  console.log(`configuration loader fuzzing: ${total} inputs (FUZZ_RUNS=${process.env.FUZZ_RUNS ?? 'unset, small size'})\n${table(rows)}`);
});
