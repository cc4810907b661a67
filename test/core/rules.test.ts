import type { Condition, Context, ContextValue, ContextVariable, Operator, Rule, Workstream } from '../../shared/core/config';
import { compileRouter } from '../../shared/core/rules';

const VARIABLES: ContextVariable[] = [
  { name: 'Topic', type: 'text' },
  { name: 'Amount', type: 'number' },
];

function workstream(rules: Rule[], contextVariables = VARIABLES): Workstream {
  return {
    name: 'ChatWorkStream',
    capacityUnits: 1,
    fallbackQueue: 'DefaultQueue',
    allowedPresences: ['Available', 'Busy'],
    autoClose: { openMinutes: 20, wrapUpMinutes: 15 },
    wrapUpBlocksCapacity: false,
    contextVariables,
    rules,
  };
}

/** Whether a single condition matches the context. */
function matches(when: Condition, context: Context): boolean {
  return compileRouter(workstream([{ name: 'R', queue: 'Q', when }])).route(context).rule === 'R';
}

const leaf = (variable: string, operator: Operator, value?: ContextValue | ContextValue[]): Condition =>
  value === undefined ? { variable, operator } : { variable, operator, value };

describe('compileRouter: text operators', () => {
  const cases: [Operator, string | string[] | undefined, Context, boolean][] = [
    ['equals', 'CreditCard', { Topic: 'CreditCard' }, true],
    ['equals', 'CreditCard', { Topic: 'creditcard' }, false], // case-sensitive
    ['equals', 'CreditCard', {}, false],
    ['equals', '42', { Topic: 42 }, true], // a number sent for a text variable compares as text
    ['notEquals', 'CreditCard', { Topic: 'HomeLoan' }, true],
    ['notEquals', 'CreditCard', { Topic: 'CreditCard' }, false],
    ['notEquals', 'CreditCard', {}, true], // missing "does not equal"
    ['contains', 'Card', { Topic: 'CreditCard' }, true],
    ['contains', 'card', { Topic: 'CreditCard' }, false],
    ['contains', 'Card', {}, false],
    ['notContains', 'Card', { Topic: 'HomeLoan' }, true],
    ['notContains', 'Card', { Topic: 'CreditCard' }, false],
    ['notContains', 'Card', {}, true],
    ['beginsWith', 'Credit', { Topic: 'CreditCard' }, true],
    ['beginsWith', 'Card', { Topic: 'CreditCard' }, false],
    ['beginsWith', 'Credit', {}, false],
    ['notBeginsWith', 'Credit', { Topic: 'HomeLoan' }, true],
    ['notBeginsWith', 'Credit', { Topic: 'CreditCard' }, false],
    ['notBeginsWith', 'Credit', {}, true],
    ['endsWith', 'Card', { Topic: 'CreditCard' }, true],
    ['endsWith', 'Credit', { Topic: 'CreditCard' }, false],
    ['endsWith', 'Card', {}, false],
    ['notEndsWith', 'Card', { Topic: 'HomeLoan' }, true],
    ['notEndsWith', 'Card', { Topic: 'CreditCard' }, false],
    ['notEndsWith', 'Card', {}, true],
    ['hasData', undefined, { Topic: 'x' }, true],
    ['hasData', undefined, { Topic: '' }, false],
    ['hasData', undefined, {}, false],
    ['noData', undefined, {}, true],
    ['noData', undefined, { Topic: '' }, true],
    ['noData', undefined, { Topic: ' ' }, false],
    ['in', ['CreditCard', 'HomeLoan'], { Topic: 'HomeLoan' }, true],
    ['in', ['CreditCard', 'HomeLoan'], { Topic: 'homeloan' }, false],
    ['in', ['CreditCard', 'HomeLoan'], {}, false],
    ['notIn', ['CreditCard', 'HomeLoan'], { Topic: 'Billing' }, true],
    ['notIn', ['CreditCard', 'HomeLoan'], { Topic: 'CreditCard' }, false],
    ['notIn', ['CreditCard', 'HomeLoan'], {}, true],
  ];
  it.each(cases)('Topic %s %j with %j → %s', (operator, value, context, expected) => {
    expect(matches(leaf('Topic', operator, value), context)).toBe(expected);
  });
});

describe('compileRouter: number operators', () => {
  const cases: [Operator, number | string | (number | string)[] | undefined, Context, boolean][] = [
    ['equals', 42, { Amount: 42 }, true],
    ['equals', 42, { Amount: '42' }, true], // numeric string from a bot
    ['equals', 42, { Amount: '42.0' }, true], // compared numerically, not as text
    ['equals', 42, { Amount: ' 42 ' }, true],
    ['equals', '42', { Amount: 42 }, true], // value written as text in YAML
    ['equals', 42, { Amount: 'forty-two' }, false],
    ['equals', 0, { Amount: '' }, false], // Number('') would be 0
    ['equals', 16, { Amount: '0x10' }, false], // decimal only
    ['equals', 42, {}, false],
    ['notEquals', 42, { Amount: '41' }, true],
    ['notEquals', 42, { Amount: '42' }, false],
    ['notEquals', 42, { Amount: 'abc' }, true],
    ['notEquals', 42, {}, true],
    ['greaterThan', 3, { Amount: 4 }, true],
    ['greaterThan', 3, { Amount: 3 }, false],
    ['greaterThan', 3, { Amount: '10' }, true], // "10" > "3" is false as text
    ['greaterThan', 3, { Amount: 'abc' }, false],
    ['greaterThan', 3, {}, false],
    ['greaterOrEqual', 3, { Amount: 3 }, true],
    ['greaterOrEqual', 3, { Amount: '2.5' }, false],
    ['greaterOrEqual', 3, { Amount: 'abc' }, false],
    ['lessThan', 3, { Amount: -1 }, true],
    ['lessThan', 3, { Amount: '3' }, false],
    ['lessThan', 3, { Amount: 'abc' }, false],
    ['lessThan', 3, {}, false],
    ['lessOrEqual', 3, { Amount: '3' }, true],
    ['lessOrEqual', 3, { Amount: 3.5 }, false],
    ['lessOrEqual', 3, { Amount: '' }, false],
    ['in', [1, 2, 3], { Amount: '2' }, true],
    ['in', [1, 2, 3], { Amount: 4 }, false],
    ['in', [1, 'x'], { Amount: 'x' }, false], // neither side is a number
    ['in', [1, 2], {}, false],
    ['notIn', [1, 2, 3], { Amount: 4 }, true],
    ['notIn', [1, 2, 3], { Amount: '3' }, false],
    ['notIn', [1, 2, 3], {}, true],
    ['hasData', undefined, { Amount: 0 }, true],
    ['hasData', undefined, { Amount: '' }, false],
    ['noData', undefined, { Amount: 0 }, false],
    ['noData', undefined, {}, true],
    ['contains', 2, { Amount: 123 }, true], // text operators see the decimal text
  ];
  it.each(cases)('Amount %s %j with %j → %s', (operator, value, context, expected) => {
    expect(matches(leaf('Amount', operator, value), context)).toBe(expected);
  });
});

describe('compileRouter: all / any / not', () => {
  const nested: Condition = {
    all: [
      { variable: 'Amount', operator: 'greaterThan', value: 3 },
      { any: [leaf('Topic', 'equals', 'CreditCard'), leaf('Topic', 'beginsWith', 'Home')] },
      { not: leaf('Topic', 'endsWith', 'X') },
    ],
  };

  it.each([
    [{ Amount: 5, Topic: 'CreditCard' }, true],
    [{ Amount: '5', Topic: 'HomeLoan' }, true],
    [{ Amount: 2, Topic: 'CreditCard' }, false], // all: first fails
    [{ Amount: 5, Topic: 'Billing' }, false], // any: none holds
    [{ Amount: 5, Topic: 'HomeX' }, false], // not: inner holds
    [{ Topic: 'CreditCard' }, false],
  ])('nested condition with %j → %s', (context, expected) => {
    expect(matches(nested, context)).toBe(expected);
  });

  it('not of a missing-variable test matches when the variable is present', () => {
    expect(matches({ not: leaf('Topic', 'noData') }, { Topic: 'x' })).toBe(true);
    expect(matches({ not: leaf('Topic', 'noData') }, {})).toBe(false);
  });

  it('a single-child all and any behave like the child', () => {
    expect(matches({ all: [leaf('Topic', 'equals', 'a')] }, { Topic: 'a' })).toBe(true);
    expect(matches({ any: [leaf('Topic', 'equals', 'a')] }, { Topic: 'b' })).toBe(false);
  });
});

describe('compileRouter: rule order and fallback', () => {
  const router = compileRouter(
    workstream([
      { name: 'BotRule', queue: 'BotQueue', when: leaf('Topic', 'noData') },
      { name: 'CreditCardRule', queue: 'CreditCardQueue', when: leaf('Topic', 'equals', 'CreditCard') },
      { name: 'CardRule', queue: 'CardQueue', when: leaf('Topic', 'contains', 'Card') },
      { name: 'HomeLoanRule', queue: 'HomeLoanQueue', when: leaf('Topic', 'equals', 'HomeLoan') },
    ]),
  );

  it('routes the reference setup', () => {
    expect(router.route({})).toEqual({ rule: 'BotRule', queue: 'BotQueue' });
    expect(router.route({ Topic: 'HomeLoan' })).toEqual({ rule: 'HomeLoanRule', queue: 'HomeLoanQueue' });
  });

  it('the first matching rule wins', () => {
    expect(router.route({ Topic: 'CreditCard' })).toEqual({ rule: 'CreditCardRule', queue: 'CreditCardQueue' });
    expect(router.route({ Topic: 'GiftCard' })).toEqual({ rule: 'CardRule', queue: 'CardQueue' });
  });

  it('no match falls through to the fallback queue with rule null', () => {
    expect(router.route({ Topic: 'Billing' })).toEqual({ rule: null, queue: 'DefaultQueue' });
  });

  it('a rule without when always matches', () => {
    const catchAll = compileRouter(workstream([
      { name: 'Specific', queue: 'A', when: leaf('Topic', 'equals', 'x') },
      { name: 'Everything', queue: 'B' },
      { name: 'Never', queue: 'C' },
    ]));
    expect(catchAll.route({})).toEqual({ rule: 'Everything', queue: 'B' });
  });

  it('a workstream without rules always falls back', () => {
    expect(compileRouter(workstream([])).route({ Topic: 'x' })).toEqual({ rule: null, queue: 'DefaultQueue' });
  });

  it('an undeclared variable compares as text', () => {
    const router = compileRouter(workstream([{ name: 'R', queue: 'Q', when: leaf('Other', 'equals', '7') }], []));
    expect(router.route({ Other: 7 })).toEqual({ rule: 'R', queue: 'Q' });
    expect(router.route({ Other: '7.0' })).toEqual({ rule: null, queue: 'DefaultQueue' });
  });

  it('refuses at compile time a value that does not fit the operator', () => {
    expect(() => compileRouter(workstream([{ name: 'R', queue: 'Q', when: leaf('Topic', 'equals') }]))).toThrow(
      'rule "R": Topic equals needs a single value',
    );
    expect(() => compileRouter(workstream([{ name: 'R', queue: 'Q', when: leaf('Topic', 'in', 'a') }]))).toThrow(
      'rule "R": Topic in needs a list of values',
    );
  });
});

describe('compileRouter: explain', () => {
  const router = compileRouter(
    workstream([
      { name: 'BotRule', queue: 'BotQueue', when: leaf('Topic', 'noData') },
      { name: 'CreditCardRule', queue: 'CreditCardQueue', when: leaf('Topic', 'equals', 'CreditCard') },
      {
        name: 'BigHomeLoan',
        queue: 'HomeLoanQueue',
        when: {
          all: [
            { any: [leaf('Topic', 'equals', 'HomeLoan'), leaf('Topic', 'in', ['Mortgage', 'Loan'])] },
            { not: leaf('Amount', 'lessOrEqual', 1000) },
          ],
        },
      },
      { name: 'Rest', queue: 'RestQueue' },
    ]),
  );

  it('lists every rule up to and including the match, with why', () => {
    expect(router.explain({ Topic: 'HomeLoan', Amount: '5000' })).toEqual({
      decision: { rule: 'BigHomeLoan', queue: 'HomeLoanQueue' },
      rules: [
        { rule: 'BotRule', matched: false, why: 'Topic noData: value is "HomeLoan"' },
        { rule: 'CreditCardRule', matched: false, why: 'Topic equals "CreditCard": value is "HomeLoan"' },
        {
          rule: 'BigHomeLoan',
          matched: true,
          why: 'all: every one holds [any: holds at [Topic equals "HomeLoan": value is "HomeLoan"]; not [Amount lessOrEqual 1000: value is "5000"]]',
        },
      ],
    });
  });

  it('says which part of a composite failed, and that a rule without when always matches', () => {
    expect(router.explain({ Topic: 'Billing', Amount: 'lots' }).rules.slice(2)).toEqual([
      {
        rule: 'BigHomeLoan',
        matched: false,
        why: 'all: fails at [any: none holds [Topic equals "HomeLoan": value is "Billing"; Topic in ["Mortgage", "Loan"]: value is "Billing"]]',
      },
      { rule: 'Rest', matched: true, why: 'no condition: always matches' },
    ]);
  });

  it('reports a missing variable and a non-numeric number', () => {
    expect(router.explain({}).rules).toEqual([{ rule: 'BotRule', matched: true, why: 'Topic noData: value is missing' }]);
    expect(router.explain({ Topic: 'Mortgage', Amount: 'lots' }).rules[2]).toEqual({
      rule: 'BigHomeLoan',
      matched: true,
      why: 'all: every one holds [any: holds at [Topic in ["Mortgage", "Loan"]: value is "Mortgage"]; not [Amount lessOrEqual 1000: value is "lots" (not a number)]]',
    });
  });

  it('ends with the fallback when nothing matches', () => {
    const noCatchAll = compileRouter(workstream([{ name: 'OnlyRule', queue: 'A', when: leaf('Amount', 'greaterThan', 10) }]));
    expect(noCatchAll.explain({ Amount: 7 })).toEqual({
      decision: { rule: null, queue: 'DefaultQueue' },
      rules: [{ rule: 'OnlyRule', matched: false, why: 'Amount greaterThan 10: value is 7' }],
    });
  });

  it('agrees with route', () => {
    const contexts: Context[] = [{}, { Topic: 'CreditCard' }, { Topic: 'HomeLoan', Amount: 1 }, { Topic: 'Loan', Amount: 2000 }];
    for (const context of contexts) {
      expect(router.explain(context).decision).toEqual(router.route(context));
    }
  });
});
