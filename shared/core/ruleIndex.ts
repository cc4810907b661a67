import type { Condition, Context, ContextValue, Rule, VariableType } from './config';
import type { Leaf, Test } from './rules';
import { toNumber, toText } from './ruleValues';

/**
 * The prefilter index. A rule's *key* is one leaf its condition cannot hold without (the condition
 * itself, or a child of an `all`, recursively) that pins a variable to exact values (equals, in) or
 * to a text prefix (beginsWith). Key values are normalized exactly as that leaf compares: text as
 * text (numbers as their decimal text), number variables numerically. At route time the context's
 * values are looked up, and only the rules found, plus the rules without a key, are tested, in
 * rule order. A key value that can never match (NaN) is left out, so its rule is never tested.
 */
type Key =
  | { kind: 'exact'; variable: string; numeric: boolean; values: (string | number)[] }
  | { kind: 'prefix'; variable: string; prefix: string };

/** For each rule, its most selective key (the one fewest other rules share), or undefined. */
export function chooseKeys(rules: readonly Rule[], types: ReadonlyMap<string, VariableType>): (Key | undefined)[] {
  const options = rules.map((rule) => (rule.when ? requiredLeaves(rule.when) : []).flatMap((leaf) => keyOf(leaf, types.get(leaf.variable) ?? 'text') ?? []));
  const shared = new Map<string, number>();
  for (const keys of options) for (const key of keys) for (const id of keyIds(key)) shared.set(id, (shared.get(id) ?? 0) + 1);
  const cost = (key: Key) => keyIds(key).reduce((sum, id) => sum + (shared.get(id) ?? 0), 0);
  return options.map((keys) => keys.reduce<Key | undefined>((best, key) => (best && cost(best) <= cost(key) ? best : key), undefined));
}

function requiredLeaves(condition: Condition): Leaf[] {
  if ('all' in condition) return condition.all.flatMap(requiredLeaves);
  return 'variable' in condition ? [condition] : [];
}

/** Compiling the condition has already checked each leaf's value, so this only reads it. */
function keyOf(leaf: Leaf, type: VariableType): Key | undefined {
  const numeric = type === 'number';
  // As numberEquals/numberIn and textEquals/textIn compare; -0 and 0 are one Map key, as they are ===.
  const exact = (values: ContextValue[]): Key => {
    const normalized: (string | number)[] = numeric ? values.map(toNumber).filter((n) => !Number.isNaN(n)) : values.map(String);
    return { kind: 'exact', variable: leaf.variable, numeric, values: [...new Set(normalized)] };
  };
  if (leaf.operator === 'equals') return exact([leaf.value as ContextValue]);
  if (leaf.operator === 'in') return exact(leaf.value as ContextValue[]);
  if (leaf.operator === 'beginsWith') return { kind: 'prefix', variable: leaf.variable, prefix: String(leaf.value) };
  return undefined;
}

function keyIds(key: Key): string[] {
  const values = key.kind === 'exact' ? key.values : [key.prefix];
  return values.map((v) => JSON.stringify([key.kind, key.variable, v]));
}

type RuleIndexes = readonly number[];

/** The rules whose key pins `variable` to exact values, by normalized value, each list ascending. */
interface ExactIndex { variable: string; numeric: boolean; byValue: Map<string | number, number[]> }

/** The rules whose key is a prefix of `variable`, by prefix; `lengths` are the distinct prefix lengths, ascending. */
interface PrefixIndex { variable: string; lengths: number[]; byPrefix: Map<string, number[]> }

/** The first rule, in order, whose test holds; undefined when none does. */
export function indexRules<R extends { test: Test }>(rules: readonly R[], keys: readonly (Key | undefined)[]): (context: Context) => R | undefined {
  const unkeyed: number[] = [];
  const exact = new Map<string, ExactIndex>();
  const prefix = new Map<string, PrefixIndex>();
  const add = <V>(map: Map<V, number[]>, value: V, rule: number) => {
    const list = map.get(value);
    if (list) list.push(rule);
    else map.set(value, [rule]);
  };
  keys.forEach((key, i) => {
    if (!key) {
      unkeyed.push(i);
    } else if (key.kind === 'exact') {
      const index: ExactIndex = exact.get(key.variable) ?? { variable: key.variable, numeric: key.numeric, byValue: new Map() };
      for (const value of key.values) add(index.byValue, value, i);
      exact.set(key.variable, index);
    } else {
      const index: PrefixIndex = prefix.get(key.variable) ?? { variable: key.variable, lengths: [], byPrefix: new Map() };
      if (!index.lengths.includes(key.prefix.length)) index.lengths.push(key.prefix.length);
      add(index.byPrefix, key.prefix, i);
      prefix.set(key.variable, index);
    }
  });
  const exactIndexes = [...exact.values()];
  const prefixIndexes = [...prefix.values()];
  for (const index of prefixIndexes) index.lengths.sort((a, b) => a - b);

  // Scratch for one route: the candidate lists found (each ascending) and how far each has been read.
  // Reused across calls, so route allocates nothing; tests are pure and cannot re-enter route.
  const size = 1 + exactIndexes.length + prefixIndexes.reduce((n, p) => n + p.lengths.length, 0);
  const lists: RuleIndexes[] = new Array<RuleIndexes>(size).fill(unkeyed);
  const read = new Int32Array(size);
  let found = 0;
  const collect = (list: RuleIndexes | undefined) => {
    if (list === undefined) return;
    lists[found] = list;
    read[found++] = 0;
  };
  // The next rule list j offers; rules.length once it is used up.
  const head = (j: number) => lists[j]?.[read[j] ?? 0] ?? rules.length;

  return (context) => {
    found = 0;
    if (unkeyed.length > 0) collect(unkeyed);
    for (const { variable, numeric, byValue } of exactIndexes) {
      const value = context[variable];
      if (numeric) {
        const number = toNumber(value);
        if (!Number.isNaN(number)) collect(byValue.get(number));
      } else {
        const text = toText(value);
        if (text !== undefined) collect(byValue.get(text));
      }
    }
    for (const { variable, lengths, byPrefix } of prefixIndexes) {
      const text = toText(context[variable]);
      if (text === undefined) continue;
      for (const length of lengths) {
        if (length > text.length) break;
        collect(byPrefix.get(length === text.length ? text : text.slice(0, length)));
      }
    }
    // Merge the lists: test the lowest unread rule index, in rule order, until one holds.
    for (;;) {
      let next = rules.length;
      for (let j = 0; j < found; j++) next = Math.min(next, head(j));
      const rule = rules[next];
      if (rule === undefined) return undefined;
      if (rule.test(context)) return rule;
      for (let j = 0; j < found; j++) if (head(j) === next) read[j] = (read[j] ?? 0) + 1;
    }
  };
}
