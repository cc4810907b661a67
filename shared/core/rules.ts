import type { Condition, Context, ContextValue, Operator, VariableType, Workstream } from './config';
import { chooseKeys, indexRules } from './ruleIndex';
import { toNumber, toText } from './ruleValues';

/**
 * The rule compiler. A workstream's ordered rules become closures once, at start-up; `route` then
 * runs them top to bottom, first match wins, and no match sends the chat to the fallback queue.
 *
 * Semantics (Omnichannel's, made precise):
 * - Text compares case-sensitively. A number sent for a text variable compares as its decimal text.
 * - Variables declared `number` compare numerically; a numeric string from a bot ("42") is coerced.
 *   A value that is not a number makes equals, in and the comparison operators false.
 * - hasData: present and not the empty string; noData is its negation.
 * - Every negative operator is the exact negation of its positive twin, so a missing variable
 *   matches notEquals, notContains, ... (Omnichannel treats missing as "does not equal").
 * - A variable that the workstream does not declare is compared as text (the loader rejects it).
 *
 * `route` does not test every rule: a prefilter index (ruleIndex.ts) proves most rules cannot match and
 * skips them, and tests the rest in their order, so it decides exactly as `explain` does.
 */

export interface RoutingDecision {
  /** The rule that matched; null when none did and the chat fell through to the fallback queue. */
  rule: string | null;
  queue: string;
}

export interface RuleExplanation {
  rule: string;
  matched: boolean;
  /** e.g. `BotHandoffTopic equals "CreditCard": value is "HomeLoan"` */
  why: string;
}

export interface CompiledRouter {
  route(context: Context): RoutingDecision;
  explain(context: Context): { decision: RoutingDecision; rules: RuleExplanation[] };
}

export type Test = (context: Context) => boolean;

interface CompiledCondition {
  test: Test;
  /** Why the condition holds or not for this context; only `explain` pays for it. */
  describe(context: Context): string;
}

interface CompiledRule {
  name: string;
  test: Test;
  describe(context: Context): string;
  decision: RoutingDecision;
}

export function compileRouter(workstream: Workstream): CompiledRouter {
  const types = new Map(workstream.contextVariables.map((v) => [v.name, v.type]));
  const rules: CompiledRule[] = workstream.rules.map((rule) => {
    const condition = rule.when ? compileCondition(rule.when, types, rule.name) : ALWAYS;
    // Frozen and shared: route() allocates nothing.
    const decision = Object.freeze({ rule: rule.name, queue: rule.queue });
    return { name: rule.name, test: condition.test, describe: condition.describe, decision };
  });
  const fallback: RoutingDecision = Object.freeze({ rule: null, queue: workstream.fallbackQueue });
  const firstMatch = indexRules(rules, chooseKeys(workstream.rules, types));

  return {
    route(context) {
      return firstMatch(context)?.decision ?? fallback;
    },
    // Linear on purpose: it explains every rule up to the match, and it is the reference route must agree with.
    explain(context) {
      const explained: RuleExplanation[] = [];
      for (const rule of rules) {
        const matched = rule.test(context);
        explained.push({ rule: rule.name, matched, why: rule.describe(context) });
        if (matched) return { decision: rule.decision, rules: explained };
      }
      return { decision: fallback, rules: explained };
    },
  };
}

const ALWAYS: CompiledCondition = { test: () => true, describe: () => 'no condition: always matches' };

function compileCondition(condition: Condition, types: ReadonlyMap<string, VariableType>, rule: string): CompiledCondition {
  if ('all' in condition) return compileAll(condition.all.map((c) => compileCondition(c, types, rule)));
  if ('any' in condition) return compileAny(condition.any.map((c) => compileCondition(c, types, rule)));
  if ('not' in condition) return compileNot(compileCondition(condition.not, types, rule));
  return compileLeaf(condition, types.get(condition.variable) ?? 'text', rule);
}

function compileAll(children: CompiledCondition[]): CompiledCondition {
  const tests = children.map((c) => c.test);
  const [only] = tests;
  const test: Test = tests.length === 1 && only ? only : (context) => {
    for (const t of tests) if (!t(context)) return false;
    return true;
  };
  return {
    test,
    describe(context) {
      const failed = children.find((c) => !c.test(context));
      if (failed) return `all: fails at [${failed.describe(context)}]`;
      return `all: every one holds [${children.map((c) => c.describe(context)).join('; ')}]`;
    },
  };
}

function compileAny(children: CompiledCondition[]): CompiledCondition {
  const tests = children.map((c) => c.test);
  const [only] = tests;
  const test: Test = tests.length === 1 && only ? only : (context) => {
    for (const t of tests) if (t(context)) return true;
    return false;
  };
  return {
    test,
    describe(context) {
      const held = children.find((c) => c.test(context));
      if (held) return `any: holds at [${held.describe(context)}]`;
      return `any: none holds [${children.map((c) => c.describe(context)).join('; ')}]`;
    },
  };
}

function compileNot(child: CompiledCondition): CompiledCondition {
  const inner = child.test;
  return { test: (context) => !inner(context), describe: (context) => `not [${child.describe(context)}]` };
}

export type Leaf = Extract<Condition, { variable: string }>;

/** Each negative operator is compiled as `!positive`; see the semantics at the top. */
const NEGATION_OF: Partial<Record<Operator, Operator>> = {
  notEquals: 'equals',
  notContains: 'contains',
  notBeginsWith: 'beginsWith',
  notEndsWith: 'endsWith',
  notIn: 'in',
  noData: 'hasData',
};

function compileLeaf(leaf: Leaf, type: VariableType, rule: string): CompiledCondition {
  const positive = NEGATION_OF[leaf.operator];
  const test = positive ? negate(compilePositive(positive, leaf, type, rule)) : compilePositive(leaf.operator, leaf, type, rule);
  const head = `${leaf.variable} ${leaf.operator}${expectedText(leaf, type)}`;
  return { test, describe: (context) => `${head}: value is ${actualText(context[leaf.variable], type)}` };
}

function negate(test: Test): Test {
  return (context) => !test(context);
}

function compilePositive(operator: Operator, leaf: Leaf, type: VariableType, rule: string): Test {
  const name = leaf.variable;
  switch (operator) {
    case 'hasData':
      return (context) => {
        const value = context[name];
        return typeof value === 'number' || (typeof value === 'string' && value !== '');
      };
    case 'equals':
      return type === 'number' ? numberEquals(name, toNumber(scalarOf(leaf, rule))) : textEquals(name, String(scalarOf(leaf, rule)));
    case 'in':
      return type === 'number' ? numberIn(name, listOf(leaf, rule).map(toNumber)) : textIn(name, listOf(leaf, rule).map(String));
    case 'contains': {
      const expected = String(scalarOf(leaf, rule));
      return (context) => toText(context[name])?.includes(expected) ?? false;
    }
    case 'beginsWith': {
      const expected = String(scalarOf(leaf, rule));
      return (context) => toText(context[name])?.startsWith(expected) ?? false;
    }
    case 'endsWith': {
      const expected = String(scalarOf(leaf, rule));
      return (context) => toText(context[name])?.endsWith(expected) ?? false;
    }
    // Comparisons are numeric whatever the declared type; NaN (missing, not a number) compares false.
    case 'greaterThan': {
      const expected = toNumber(scalarOf(leaf, rule));
      return (context) => toNumber(context[name]) > expected;
    }
    case 'greaterOrEqual': {
      const expected = toNumber(scalarOf(leaf, rule));
      return (context) => toNumber(context[name]) >= expected;
    }
    case 'lessThan': {
      const expected = toNumber(scalarOf(leaf, rule));
      return (context) => toNumber(context[name]) < expected;
    }
    case 'lessOrEqual': {
      const expected = toNumber(scalarOf(leaf, rule));
      return (context) => toNumber(context[name]) <= expected;
    }
    default:
      throw new Error(`rule "${rule}": operator ${operator} is a negation and has no positive test`);
  }
}

function textEquals(name: string, expected: string): Test {
  return (context) => {
    const value = context[name];
    return value === expected || (typeof value === 'number' && String(value) === expected);
  };
}

function numberEquals(name: string, expected: number): Test {
  return (context) => toNumber(context[name]) === expected;
}

function textIn(name: string, expected: string[]): Test {
  const set = new Set(expected);
  return (context) => {
    const value = toText(context[name]);
    return value !== undefined && set.has(value);
  };
}

function numberIn(name: string, expected: number[]): Test {
  // Set.has treats NaN as equal to NaN; a non-numeric value must never be "in" the list.
  const set = new Set(expected.filter((n) => !Number.isNaN(n)));
  return (context) => set.has(toNumber(context[name]));
}

function scalarOf(leaf: Leaf, rule: string): ContextValue {
  if (leaf.value === undefined || Array.isArray(leaf.value)) {
    throw new Error(`rule "${rule}": ${leaf.variable} ${leaf.operator} needs a single value`);
  }
  return leaf.value;
}

function listOf(leaf: Leaf, rule: string): ContextValue[] {
  if (!Array.isArray(leaf.value)) throw new Error(`rule "${rule}": ${leaf.variable} ${leaf.operator} needs a list of values`);
  return leaf.value;
}

function expectedText(leaf: Leaf, type: VariableType): string {
  if (leaf.operator === 'hasData' || leaf.operator === 'noData' || leaf.value === undefined) return '';
  const show = (v: ContextValue) => (type === 'number' && !Number.isNaN(toNumber(v)) ? String(toNumber(v)) : JSON.stringify(String(v)));
  return Array.isArray(leaf.value) ? ` [${leaf.value.map(show).join(', ')}]` : ` ${show(leaf.value)}`;
}

function actualText(value: unknown, type: VariableType): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return 'missing';
  const notANumber = type === 'number' && Number.isNaN(toNumber(value));
  return notANumber ? `${JSON.stringify(value)} (not a number)` : JSON.stringify(value);
}
