import fc from 'fast-check';
import { OPERATORS, type Condition, type Context, type ContextValue, type Rule, type Workstream } from '../../shared/core/config';
import { compileRouter } from '../../shared/core/rules';
import { FUZZ_TIMEOUT_IN_MS, fuzzRuns } from '../fuzz/fuzzSupport';

/**
 * `route` skips the rules its prefilter index proves cannot match; `explain` still tests every rule
 * in order. On random rule sets and chats they must decide alike, to the same frozen decision.
 *
 * `FUZZ_RUNS=5000 npm run -s jest -- test/core/rulesIndex.test.ts` runs the large size.
 */

jest.setTimeout(FUZZ_TIMEOUT_IN_MS);

// `Other` is not declared, so it compares as text.
const TEXT = ['Topic', 'Label'];
const NUMBER = ['Code', 'Amount'];
const VARIABLES = [...TEXT, ...NUMBER, 'Other'];

function workstream(rules: Rule[]): Workstream {
  return {
    name: 'Random',
    capacityUnits: 1,
    fallbackQueue: 'Fallback',
    allowedPresences: ['Available'],
    autoClose: { openMinutes: 20, wrapUpMinutes: 15 },
    wrapUpBlocksCapacity: false,
    contextVariables: [...TEXT.map((name) => ({ name, type: 'text' as const })), ...NUMBER.map((name) => ({ name, type: 'number' as const }))],
    rules,
  };
}

/**
 * A small pool, so rules and chats often meet: prefixes of one another, numbers written as text in
 * several ways, text that is not a number, the empty string, -0 and NaN; now and then anything.
 */
const value: fc.Arbitrary<ContextValue> = fc.oneof(
  { arbitrary: fc.constantFrom<ContextValue>('', 'a', 'ab', 'abc', 'b', 'A', '0', '-0', '1', '01', '1.0', ' 1 ', '1e3', '1000', '42', '0x10', 'NaN', 'Infinity'), weight: 6 },
  { arbitrary: fc.constantFrom<ContextValue>(0, -0, 1, 1.5, 42, 1000, -1, 1e21, NaN), weight: 4 },
  { arbitrary: fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -5, max: 5 }), fc.double()), weight: 1 },
);

const leaf: fc.Arbitrary<Condition> = fc
  .record({ variable: fc.constantFrom(...VARIABLES), operator: fc.constantFrom(...OPERATORS), scalar: value, list: fc.array(value, { maxLength: 4 }) })
  .map(({ variable, operator, scalar, list }): Condition => {
    if (operator === 'hasData' || operator === 'noData') return { variable, operator };
    return { variable, operator, value: operator === 'in' || operator === 'notIn' ? list : scalar };
  });

const { condition } = fc.letrec<{ condition: Condition }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('condition'), { maxLength: 4 }).map((all): Condition => ({ all })),
    fc.array(tie('condition'), { maxLength: 3 }).map((any): Condition => ({ any })),
    tie('condition').map((not): Condition => ({ not })),
  ),
}));

/** A leaf the index can key a rule on. */
const keyLeaf: fc.Arbitrary<Condition> = fc
  .record({ variable: fc.constantFrom(...VARIABLES), operator: fc.constantFrom('equals' as const, 'beginsWith' as const), scalar: value, list: fc.array(value, { maxLength: 4 }), isIn: fc.boolean() })
  .map(({ variable, operator, scalar, list, isIn }): Condition => (isIn ? { variable, operator: 'in', value: list } : { variable, operator, value: scalar }));

// Mostly keyed rules, so that many rules are pruned and the order of the survivors matters.
const when: fc.Arbitrary<Condition | undefined> = fc.oneof(
  { arbitrary: fc.tuple(keyLeaf, fc.array(condition, { maxLength: 2 })).map(([key, rest]): Condition => ({ all: [...rest, key] })), weight: 5 },
  { arbitrary: keyLeaf, weight: 2 },
  { arbitrary: condition, weight: 3 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

const rules: fc.Arbitrary<Rule[]> = fc
  .array(when, { maxLength: 20 })
  .map((conditions) => conditions.map((when, i) => (when ? { name: `R${i}`, queue: `Q${i % 4}`, when } : { name: `R${i}`, queue: `Q${i % 4}` })));

// Each variable may be missing.
const context: fc.Arbitrary<Context> = fc.dictionary(fc.constantFrom(...VARIABLES), value, { maxKeys: VARIABLES.length });

describe('compileRouter: the prefilter index', () => {
  it('route decides as a linear walk of every rule (explain) does', () => {
    fc.assert(
      fc.property(rules, fc.array(context, { minLength: 1, maxLength: 10 }), (ruleSet, contexts) => {
        // Every suffix of the rule set too, so that each rule gets to be the first that could match.
        for (let first = 0; first < Math.max(1, ruleSet.length); first++) {
          const router = compileRouter(workstream(ruleSet.slice(first)));
          for (const chat of contexts) expect(router.route(chat)).toBe(router.explain(chat).decision);
        }
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('keeps rule order when a later rule has the more selective key', () => {
    const router = compileRouter(
      workstream([
        { name: 'Broad', queue: 'A', when: { all: [{ variable: 'Topic', operator: 'beginsWith', value: 'card' }, { variable: 'Code', operator: 'in', value: [1, 2] }] } },
        { name: 'Unkeyed', queue: 'B', when: { variable: 'Topic', operator: 'contains', value: 'gold' } },
        { name: 'Exact', queue: 'C', when: { variable: 'Topic', operator: 'equals', value: 'card-gold' } },
      ]),
    );
    expect(router.route({ Topic: 'card-gold', Code: '2' })).toEqual({ rule: 'Broad', queue: 'A' });
    expect(router.route({ Topic: 'card-gold', Code: 3 })).toEqual({ rule: 'Unkeyed', queue: 'B' });
    expect(router.route({ Topic: 'card-silver', Code: ' 1 ' })).toEqual({ rule: 'Broad', queue: 'A' });
    expect(router.route({ Topic: 'card', Code: 'one' })).toEqual({ rule: null, queue: 'Fallback' });
  });
});
