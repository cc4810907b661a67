import { parseConfig } from '../../shared/config/loadConfig';
import { startTestHost } from '../support/localHostHarness';

/**
 * POST /api/workstreams/{name}/explain over HTTP, on the README's Configuration example: a dry run
 * takes any context a chat can carry, the variables Switchboard and bots set included, and checks
 * the declared ones against their type.
 */

/** The README's example, with what it leaves out to stay short: the queues it names and the variables its Example rule reads. */
const README_EXAMPLE = `
allowUnauthenticatedBots: true
workstreams:
  - name: ChatWorkStream
    capacityUnits: 1
    fallbackQueue: DefaultQueue
    allowedPresences: [Available, Busy]
    autoClose: { openMinutes: 20, wrapUpMinutes: 15 }
    wrapUpBlocksCapacity: false
    contextVariables:
      - { name: BotHandoffTopic, type: text }
      - { name: Amount, type: number }
      - { name: Topic, type: text }
    rules:
      - name: BotRule
        queue: BotQueue
        when: { variable: BotHandoffTopic, operator: noData }
      - name: Example
        queue: HomeLoanQueue
        when: { all: [ { variable: Amount, operator: greaterThan, value: 3 },
                       { any: [ { variable: Topic, operator: in, value: [A, B] } ] },
                       { not: { variable: Topic, operator: beginsWith, value: X } } ] }
queues:
  - { name: BotQueue, priority: 1, assignment: highestCapacity, members: [demo-bot] }
  - { name: HomeLoanQueue, members: [alice] }
  - { name: DefaultQueue, members: [alice] }
users:
  - { id: demo-bot, kind: bot, endpoint: /api/demo-bot/messages }
  - { id: alice, kind: agent, name: Alice, capacity: 2, token: dev-alice }
`;

let host: Awaited<ReturnType<typeof startTestHost>>;

beforeAll(async () => {
  const parsed = parseConfig(README_EXAMPLE);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  host = await startTestHost({ config: parsed.config });
});
afterAll(() => host.close());

const explain = (context: Record<string, unknown>) => host.api.call('POST', 'workstreams/ChatWorkStream/explain', { body: { context } });

test('a context with BotFailure, which Switchboard sets itself, is dry-run although the workstream does not declare it', async () => {
  for (const failure of ['unreachable', 'refused']) {
    const res = await explain({ BotFailure: failure });
    expect({ failure, status: res.status, decision: res.body.decision }).toEqual({ failure, status: 200, decision: { rule: 'BotRule', queue: 'BotQueue' } });
  }
});

test('variables a bot sets when it escalates are dry-run as the escalation carries them: any name, text or an integer', async () => {
  const res = await explain({ BotHandoffTopic: 'Loans', Amount: '5', Topic: 'A', BotFailure: 'refused', va_Language: 'fr', Attempts: 2 });
  expect(res.status).toBe(200);
  expect(res.body.decision).toEqual({ rule: 'Example', queue: 'HomeLoanQueue' });
});

test('a declared number variable still gets a number: anything else is a 400 naming it', async () => {
  const res = await explain({ BotFailure: 'unreachable', Amount: 'lots' });
  expect(res.status).toBe(400);
  expect(res.body.error).toEqual({ code: 'InvalidBody', message: 'context.Amount: a number was expected, got "lots"' });
});

test('what no chat can carry is still refused: a value no bot can set, a value too long, too many variables', async () => {
  const refused = async (context: Record<string, unknown>) => {
    const res = await explain(context);
    expect(res.status).toBe(400);
    return res.body.error.message as string;
  };
  expect(await refused({ BotFailure: 1.5 })).toBe('context.BotFailure: must be a string or an integer, got 1.5');
  expect(await refused({ BotFailure: 'x'.repeat(4001) })).toBe('context.BotFailure: is 4001 characters; the limit is 4000');
  expect(await refused({ BotFailure: true })).toMatch(/^context\.BotFailure: /);
  expect(await refused(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, 'x'])))).toBe('context: 101 variables; at most 100 are allowed');
});

test('customers still start chats with the variables declared for them only: not what the dry run takes', async () => {
  const refused = async (context: Record<string, unknown>) => {
    const res = await host.api.call('POST', 'chats', { body: { context } });
    expect(res.status).toBe(400);
    return res.body.error.message as string;
  };
  expect(await refused({ BotFailure: 'unreachable' })).toBe('context.BotFailure: not a context variable customers may set in workstream ChatWorkStream (they may set none)');
  expect(await refused({ BotHandoffTopic: 'CreditCard' })).toBe('context.BotHandoffTopic: customers may not set this variable (setBy: bot)');
});
