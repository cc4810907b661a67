import { Engine, type TopLevelCondition } from 'json-rules-engine';
import type { Condition, Context, Operator, Rule, Workstream } from '../../shared/core/config';
import { chooseKeys } from '../../shared/core/ruleIndex';
import { compileRouter, type CompiledRouter } from '../../shared/core/rules';
import { fmt, machine, median, nowInMs, ratioText, runIfMain, seededRandom, type BenchReport, type BenchRow } from './benchSupport';

/**
 * Routing decisions: Switchboard's compiled rules against json-rules-engine, the library a user
 * would otherwise pick, on the same generated rule sets and contexts.
 *
 * Rule sets: N rules, each `all` of 4 conditions. Conditions 1-3 are drawn (seeded) from a mix of
 * text and number operators that every generated chat satisfies; condition 4 tells the rules apart.
 * Two families share those first 3 conditions and differ in condition 4:
 *
 * - indexable: text equals, number equals, text beginsWith or number in, by rule. The compiled
 *   router's prefilter index keys each rule on it, so it tests only the rules a chat's Topic or
 *   Code can match: none for a chat that falls through. json-rules-engine still evaluates every rule.
 * - no indexable condition: text contains, number lessOrEqual, text endsWith or number
 *   greaterOrEqual, by rule; the number thresholds tell rules apart because the first match wins.
 *   The index keys none of these, only the `Region in` some rules draw, which every chat satisfies,
 *   so every chat is tested against every rule in order: the worst case of the compiled router,
 *   whose cost grows linearly with the rules. Its 200-vs-50 row is reported, not targeted.
 *
 * In each family:
 * - worst case: every chat falls through to the fallback queue (for json-rules-engine, and for the
 *   compiled router on the no-indexable family, every condition of every rule is evaluated);
 * - typical mix: 90% of chats match a rule chosen uniformly (on average half the rules run), 10% fall through.
 *
 * json-rules-engine gets its fairest equivalent: one Engine built once, rule i with priority N - i
 * (priorities run in sequence, highest first), `engine.stop()` in the success handler so the first
 * match ends the run, operators it lacks (string contains, beginsWith, endsWith, hasData, the
 * negations) added as custom operators rather than `not` wrappers, facts passed to `run`. Both
 * engines must agree on every generated chat before anything is timed.
 */

const COMMAND = 'npm run bench -- rules';
const SIZES = [50, 200] as const;
const ROUNDS = 5;
const CONTEXTS_PER_SET = 2000;
const FALLBACK = 'FallbackQueue';

type Case = 'worst case' | 'typical mix';
const CASES: readonly Case[] = ['worst case', 'typical mix'];

const TEXT = {
  Region: ['emea', 'amer', 'apac'],
  Language: ['en-US', 'en-GB', 'fr-FR', 'de-DE', 'es-ES'],
  Product: ['card-gold', 'card-silver', 'loan-home', 'loan-car'],
  Channel: ['webchat', 'mobilechat', 'teamschat'],
  Segment: ['retail', 'business', 'private'],
} as const;
const NUMBER = { Amount: [100, 10_000], Score: [0, 100], Age: [18, 90] } as const;

type Leaf = Extract<Condition, { variable: string }>;

/** Conditions every generated chat satisfies, over text and number variables, with mixed operators. */
const HOLDING: ((r: () => number) => Leaf)[] = [
  (r) => ({ variable: 'Region', operator: 'in', value: r() < 0.5 ? ['emea', 'amer', 'apac'] : ['apac', 'emea', 'amer', 'latam'] }),
  (r) => ({ variable: 'Language', operator: 'notEquals', value: `xx-${Math.floor(r() * 100)}` }),
  () => ({ variable: 'Language', operator: 'contains', value: '-' }),
  (r) => ({ variable: 'Product', operator: 'notBeginsWith', value: r() < 0.5 ? 'insurance' : 'zz' }),
  () => ({ variable: 'Channel', operator: 'endsWith', value: 'chat' }),
  () => ({ variable: 'Channel', operator: 'notContains', value: 'sms' }),
  (r) => ({ variable: 'Segment', operator: 'notIn', value: ['closed', `blocked-${Math.floor(r() * 10)}`] }),
  () => ({ variable: 'Segment', operator: 'hasData' }),
  () => ({ variable: 'Segment', operator: 'notEndsWith', value: 'xyz' }),
  (r) => ({ variable: 'Amount', operator: 'greaterOrEqual', value: Math.floor(r() * 100) }),
  (r) => ({ variable: 'Amount', operator: 'lessThan', value: 10_001 + Math.floor(r() * 1000) }),
  (r) => ({ variable: 'Score', operator: 'lessOrEqual', value: 100 + Math.floor(r() * 10) }),
  (r) => ({ variable: 'Age', operator: 'greaterThan', value: 17 - Math.floor(r() * 5) }),
  (r) => ({ variable: 'Score', operator: 'notEquals', value: -1 - Math.floor(r() * 10) }),
];

type FamilyName = 'indexable' | 'no indexable condition';

export interface Family {
  name: FamilyName;
  /** The condition that tells rule i apart; a chat generated for rule i matches rule i first. */
  discriminator(i: number): Leaf;
  /** Sets a chat's Topic and Code: to match rule `target`, or, when undefined, to fall through every rule. */
  aim(context: Context, target: number | undefined): void;
  compiledSampleInMs: number;
  engineSampleInMs: number;
}

/** Above every `lessOrEqual` threshold (a rule index) and below every `greaterOrEqual` one (TOP - index). */
const TOP = 1_000_000;
const BETWEEN = TOP / 2;

export const INDEXABLE: Family = {
  name: 'indexable',
  discriminator(i) {
    switch (i % 4) {
      case 0: return { variable: 'Topic', operator: 'equals', value: `topic-${i}` };
      case 1: return { variable: 'Code', operator: 'equals', value: i };
      case 2: return { variable: 'Topic', operator: 'beginsWith', value: `topic-${i}/` };
      default: return { variable: 'Code', operator: 'in', value: [i, i + 100_000] };
    }
  },
  aim(context, target) {
    context.Topic = 'none';
    context.Code = -1;
    if (target === undefined) return;
    if (target % 4 === 0) context.Topic = `topic-${target}`;
    else if (target % 4 === 2) context.Topic = `topic-${target}/detail`;
    else context.Code = target;
  },
  compiledSampleInMs: 300,
  engineSampleInMs: 700,
};

/** Samples are shorter than the indexable family's, so adding it keeps the run within about twice the time. */
export const NO_INDEXABLE_CONDITION: Family = {
  name: 'no indexable condition',
  discriminator(i) {
    switch (i % 4) {
      case 0: return { variable: 'Topic', operator: 'contains', value: `|t${i}|` };
      case 1: return { variable: 'Code', operator: 'lessOrEqual', value: i };
      case 2: return { variable: 'Topic', operator: 'endsWith', value: `/t${i}` };
      default: return { variable: 'Code', operator: 'greaterOrEqual', value: TOP - i };
    }
  },
  aim(context, target) {
    context.Topic = 'none';
    context.Code = BETWEEN;
    if (target === undefined) return;
    if (target % 4 === 0) context.Topic = `chat|t${target}|`;
    else if (target % 4 === 1) context.Code = target;
    else if (target % 4 === 2) context.Topic = `chat/t${target}`;
    else context.Code = TOP - target;
  },
  compiledSampleInMs: 200,
  engineSampleInMs: 400,
};

const FAMILIES: readonly Family[] = [INDEXABLE, NO_INDEXABLE_CONDITION];

/** Both families draw the same first 3 conditions for a size (same seed); only the discriminator differs. */
export function generateWorkstream(size: number, family: Family = INDEXABLE, seed = 42): Workstream {
  const random = seededRandom(seed + size);
  const rules: Rule[] = Array.from({ length: size }, (_, i) => {
    const pool = [...HOLDING];
    const picked = Array.from({ length: 3 }, () => pool.splice(Math.floor(random() * pool.length), 1)[0] as (r: () => number) => Leaf);
    return { name: `Rule${i}`, queue: `Queue${i % 10}`, when: { all: [...picked.map((make) => make(random)), family.discriminator(i)] } };
  });
  return {
    name: family === INDEXABLE ? `Generated${size}` : `Generated${size}NoIndexableCondition`,
    capacityUnits: 1,
    fallbackQueue: FALLBACK,
    allowedPresences: ['Available'],
    autoClose: { openMinutes: 20, wrapUpMinutes: 15 },
    wrapUpBlocksCapacity: false,
    contextVariables: [
      ...Object.keys(TEXT).map((name) => ({ name, type: 'text' as const })),
      ...Object.keys(NUMBER).map((name) => ({ name, type: 'number' as const })),
      { name: 'Topic', type: 'text' },
      { name: 'Code', type: 'number' },
    ],
    rules,
  };
}

/** Chats for a rule set: `target` undefined makes one that falls through every rule. */
function generateContext(random: () => number, family: Family, target: number | undefined): Context {
  const context: Context = {};
  for (const [name, values] of Object.entries(TEXT)) context[name] = values[Math.floor(random() * values.length)] as string;
  for (const [name, [low, high]] of Object.entries(NUMBER)) context[name] = low + Math.floor(random() * (high - low + 1));
  family.aim(context, target);
  return context;
}

/** Both families get the same chats for a size and case (same seed), but for their Topic and Code. */
export function generateContexts(size: number, kind: Case, family: Family = INDEXABLE, count = CONTEXTS_PER_SET, seed = 7): Context[] {
  const random = seededRandom(seed + size + (kind === 'worst case' ? 0 : 1000));
  return Array.from({ length: count }, () => {
    const fallsThrough = kind === 'worst case' || random() < 0.1;
    return generateContext(random, family, fallsThrough ? undefined : Math.floor(random() * size));
  });
}

/**
 * How the prefilter index keys a rule set; throws when it keys a rule on its discriminator (Topic,
 * Code) in a family whose point is that it cannot, as its rows would then no longer show that case.
 */
function describeKeys(workstream: Workstream, family: Family): string {
  const keys = chooseKeys(workstream.rules, new Map(workstream.contextVariables.map((v) => [v.name, v.type])));
  const byVariable = new Map<string, number>();
  for (const key of keys) byVariable.set(key?.variable ?? 'none', (byVariable.get(key?.variable ?? 'none') ?? 0) + 1);
  const onDiscriminator = (byVariable.get('Topic') ?? 0) + (byVariable.get('Code') ?? 0);
  if (family === NO_INDEXABLE_CONDITION && onDiscriminator > 0) {
    throw new Error(`${workstream.name}: the index keys ${onDiscriminator} rule(s) on Topic or Code; expected none, so this family no longer measures the unindexed case`);
  }
  return [...byVariable].map(([variable, n]) => (variable === 'none' ? `${n} unkeyed` : `${n} keyed on ${variable}`)).join(', ');
}

/** The json-rules-engine spelling of each of Switchboard's operators. */
const JRE_OPERATOR: Record<Operator, string> = {
  equals: 'equal',
  notEquals: 'notEqual',
  in: 'in',
  notIn: 'notIn',
  greaterThan: 'greaterThan',
  greaterOrEqual: 'greaterThanInclusive',
  lessThan: 'lessThan',
  lessOrEqual: 'lessThanInclusive',
  contains: 'textContains',
  notContains: 'textNotContains',
  beginsWith: 'beginsWith',
  notBeginsWith: 'notBeginsWith',
  endsWith: 'endsWith',
  notEndsWith: 'notEndsWith',
  hasData: 'hasData',
  noData: 'noData',
};

type JreCondition = { all: JreCondition[] } | { any: JreCondition[] } | { not: JreCondition } | { fact: string; operator: string; value: unknown };

function toJre(condition: Condition): JreCondition {
  if ('all' in condition) return { all: condition.all.map(toJre) };
  if ('any' in condition) return { any: condition.any.map(toJre) };
  if ('not' in condition) return { not: toJre(condition.not) };
  return { fact: condition.variable, operator: JRE_OPERATOR[condition.operator], value: condition.value ?? true };
}

export interface JreRouter {
  route(context: Context): Promise<string>;
}

/** One engine, built once; the first successful rule stops the run. Resolves to the queue. */
export function buildJsonRulesEngine(workstream: Workstream): JreRouter {
  const engine = new Engine([], { allowUndefinedFacts: true });
  const isText = (v: unknown): v is string => typeof v === 'string';
  engine.addOperator('textContains', (a: unknown, b: string) => isText(a) && a.includes(b));
  engine.addOperator('textNotContains', (a: unknown, b: string) => !(isText(a) && a.includes(b)));
  engine.addOperator('beginsWith', (a: unknown, b: string) => isText(a) && a.startsWith(b));
  engine.addOperator('notBeginsWith', (a: unknown, b: string) => !(isText(a) && a.startsWith(b)));
  engine.addOperator('endsWith', (a: unknown, b: string) => isText(a) && a.endsWith(b));
  engine.addOperator('notEndsWith', (a: unknown, b: string) => !(isText(a) && a.endsWith(b)));
  engine.addOperator('hasData', (a: unknown) => typeof a === 'number' || (isText(a) && a !== ''));
  engine.addOperator('noData', (a: unknown) => !(typeof a === 'number' || (isText(a) && a !== '')));
  const count = workstream.rules.length;
  workstream.rules.forEach((rule, i) => {
    const conditions = rule.when ? toJre(rule.when) : { all: [] };
    engine.addRule({
      name: rule.name,
      priority: count - i,
      // The types call the leaf shape ConditionProperties but do not export it; the shapes are json-rules-engine's own.
      conditions: ('fact' in conditions ? { all: [conditions] } : conditions) as TopLevelCondition,
      event: { type: 'routed', params: { rule: rule.name, queue: rule.queue } },
    });
  });
  engine.on('success', () => {
    engine.stop();
  });
  return {
    async route(context) {
      const { events } = await engine.run(context);
      return (events[0]?.params?.queue as string | undefined) ?? workstream.fallbackQueue;
    },
  };
}

/** Both engines must route every generated chat alike; returns the number of chats checked. */
async function verifyAgreement(label: string, router: CompiledRouter, jre: JreRouter, contexts: Record<Case, Context[]>): Promise<number> {
  let checked = 0;
  for (const kind of CASES) {
    for (const [i, context] of contexts[kind].entries()) {
      const compiled = router.route(context);
      const other = await jre.route(context);
      if (compiled.queue !== other) {
        throw new Error(`${label}, ${kind}, chat ${i}: compiled routes to ${compiled.queue} (rule ${compiled.rule}), json-rules-engine to ${other}: ${JSON.stringify(context)}`);
      }
      if (kind === 'worst case' && compiled.rule !== null) throw new Error(`${label}, worst case, chat ${i} matched ${compiled.rule}; it must fall through`);
      checked++;
    }
  }
  return checked;
}

let sink = 0;

/** Decisions per second of the compiled router over `contexts`, for about `budgetInMs`. */
function timeCompiled(router: CompiledRouter, contexts: readonly Context[], budgetInMs: number): number {
  let decisions = 0;
  const started = nowInMs();
  let elapsed = 0;
  do {
    for (const context of contexts) sink += router.route(context).queue.length;
    decisions += contexts.length;
    elapsed = nowInMs() - started;
  } while (elapsed < budgetInMs);
  return (decisions / elapsed) * 1000;
}

async function timeJre(jre: JreRouter, contexts: readonly Context[], budgetInMs: number): Promise<number> {
  let decisions = 0;
  const started = nowInMs();
  let elapsed = 0;
  do {
    for (const context of contexts) {
      sink += (await jre.route(context)).length;
      decisions++;
      if ((decisions & 63) === 0 && nowInMs() - started >= budgetInMs) break;
    }
    elapsed = nowInMs() - started;
  } while (elapsed < budgetInMs);
  return (decisions / elapsed) * 1000;
}

export async function main(): Promise<BenchReport> {
  const sets = FAMILIES.flatMap((family) => SIZES.map((size) => {
    const workstream = generateWorkstream(size, family);
    const contexts = { 'worst case': generateContexts(size, 'worst case', family), 'typical mix': generateContexts(size, 'typical mix', family) };
    const label = family === INDEXABLE ? `${size} rules` : `${size} rules, ${family.name}`;
    return { family, size, label, keys: describeKeys(workstream, family), router: compileRouter(workstream), jre: buildJsonRulesEngine(workstream), contexts };
  }));
  const notes: string[] = [];
  for (const set of sets) {
    const checked = await verifyAgreement(set.label, set.router, set.jre, set.contexts);
    const matched = set.contexts['typical mix'].filter((c) => set.router.route(c).rule !== null).length;
    notes.push(`${set.label}: both engines gave the same decision on all ${fmt(checked)} generated chats (typical mix: ${fmt(matched)} of ${fmt(CONTEXTS_PER_SET)} matched a rule); index: ${set.keys}`);
  }
  console.log(notes.join('\n'));

  // Warm both engines up before the first timed sample.
  for (const set of sets) for (const kind of CASES) {
    timeCompiled(set.router, set.contexts[kind], 100);
    await timeJre(set.jre, set.contexts[kind], 100);
  }

  type Key = `${FamilyName}/${number}/${Case}`;
  const compiled = new Map<Key, number[]>();
  const jre = new Map<Key, number[]>();
  const push = (map: Map<Key, number[]>, key: Key, v: number) => map.set(key, [...(map.get(key) ?? []), v]);
  for (let round = 1; round <= ROUNDS; round++) {
    const line: string[] = [];
    for (const set of sets) {
      for (const kind of CASES) {
        const key: Key = `${set.family.name}/${set.size}/${kind}`;
        // Alternate which engine goes first, so a slow spell of the machine hits both alike.
        const order = round % 2 ? ['compiled', 'jre'] : ['jre', 'compiled'];
        for (const which of order) {
          if (which === 'compiled') push(compiled, key, timeCompiled(set.router, set.contexts[kind], set.family.compiledSampleInMs));
          else push(jre, key, await timeJre(set.jre, set.contexts[kind], set.family.engineSampleInMs));
        }
        line.push(`${set.label}/${kind} ${fmt(compiled.get(key)?.at(-1) ?? 0)}/s vs ${fmt(jre.get(key)?.at(-1) ?? 0)}/s`);
      }
    }
    console.log(`round ${round}/${ROUNDS}: ${line.join('; ')}`);
  }

  const rows: BenchRow[] = [];
  for (const family of FAMILIES) {
    const named = family === INDEXABLE ? '' : `, ${family.name}`;
    for (const set of sets.filter((s) => s.family === family)) {
      for (const kind of CASES) {
        const key: Key = `${family.name}/${set.size}/${kind}`;
        const c = compiled.get(key) ?? [];
        const j = jre.get(key) ?? [];
        const ratio = median(c.map((v, i) => v / (j[i] ?? NaN)));
        rows.push({
          metric: `${set.size} rules x 4 conditions${named}, ${kind}: compiled vs json-rules-engine`,
          value: `${fmt(median(c))} decisions/s`,
          baseline: `${fmt(median(j))} decisions/s`,
          ratio: ratioText(ratio),
          target: '>= 20x',
          met: ratio >= 20,
        });
      }
    }
    for (const kind of CASES) {
      const at50 = compiled.get(`${family.name}/50/${kind}`) ?? [];
      const at200 = compiled.get(`${family.name}/200/${kind}`) ?? [];
      const scaling = median(at200.map((v, i) => v / (at50[i] ?? NaN)));
      const unindexed = family === NO_INDEXABLE_CONDITION;
      rows.push({
        metric: unindexed
          ? `compiled${named} (the index cannot help: every rule tested, linear is 0.25x), ${kind}: throughput at 200 rules / at 50 rules`
          : `compiled, ${kind}: throughput at 200 rules / at 50 rules`,
        value: `${fmt(median(at200))} decisions/s`,
        baseline: `${fmt(median(at50))} decisions/s`,
        ratio: ratioText(scaling),
        target: unindexed ? 'report' : '>= 0.2x',
        met: unindexed || scaling >= 0.2,
      });
    }
  }
  const samples = FAMILIES.map((f) => `${f.compiledSampleInMs} ms (compiled) / ${f.engineSampleInMs} ms (json-rules-engine) for ${f.name}`).join(', ');
  notes.push(`median of ${ROUNDS} interleaved rounds; each sample ${samples}, ${fmt(CONTEXTS_PER_SET)} distinct chats per case; ratios are medians of the per-round ratios (checksum ${sink % 10})`);
  return { name: 'Routing decisions (rules)', command: COMMAND, machine: machine(), rows, notes };
}

runIfMain(module, main);
