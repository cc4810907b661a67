import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfigFile, loadConfigOrThrow, parseConfig, SAMPLE_CONFIG_PATH } from '../../shared/config/loadConfig';
import { configJsonSchema, JSON_SCHEMA_PATH, renderJsonSchema } from '../../shared/config/writeJsonSchema';
import { routingWarnings } from '../../shared/config/routingWarnings';
import { compileRouter } from '../../shared/core/rules';
import { Directory } from '../../shared/usecases/services';

/** A valid file to break one line at a time; `edit` replaces text that must be there. */
const VALID = `
allowUnauthenticatedBots: true
workstreams:
  - name: Chat
    fallbackQueue: Default
    contextVariables:
      - { name: Topic, type: text }
      - { name: Amount, type: number }
    rules:
      - { name: Bot, queue: Bots, when: { variable: Topic, operator: noData } }
      - { name: Big, queue: Default, when: { variable: Amount, operator: greaterThan, value: 100 } }
queues:
  - { name: Bots, members: [bot] }
  - { name: Default, members: [alice] }
users:
  - { id: bot, kind: bot, endpoint: "http://localhost:3978/api/messages" }
  - { id: alice, kind: agent, capacity: 2, token: dev-alice }
`;

function edit(from: string, to: string, text = VALID): string {
  if (!text.includes(from)) throw new Error(`test setup: "${from}" is not in the file`);
  return text.replace(from, to);
}

function problemsOf(text: string): string[] {
  const result = parseConfig(text);
  if (result.ok) throw new Error('expected problems, the configuration loaded');
  return result.problems;
}

describe('bot authentication settings', () => {
  it('refuses a bot without appId unless unauthenticated bots are allowed', () => {
    expect(problemsOf(edit('allowUnauthenticatedBots: true\n', ''))).toEqual([
      'users[0].appId: bot "bot" has no appId; give it one (with credentials) or set allowUnauthenticatedBots: true for local development',
    ]);
  });

  it('needs credentials with an appId, and unique app ids', () => {
    const twoBots = edit('  - { id: bot, kind: bot, endpoint: "http://localhost:3978/api/messages" }', [
      '  - { id: bot, kind: bot, endpoint: "http://localhost:3978/api/messages", appId: app-1 }',
      '  - { id: bot2, kind: bot, endpoint: "http://localhost:3979/api/messages", appId: app-1, credentials: { secretFromEnv: BOT2_SECRET } }',
    ].join('\n'));
    expect(problemsOf(twoBots)).toEqual([
      'users[0].credentials: bot "bot" has an appId, so Switchboard needs credentials to call it: secretFromEnv, certificate or managedIdentity',
      'users[1].appId: the same appId as bot "bot"; app ids must be unique',
    ]);
  });

  it('reads each kind of credentials, the per-bot protocol options and the identity provider', () => {
    const text = edit('  - { id: bot, kind: bot, endpoint: "http://localhost:3978/api/messages" }', [
      '  - { id: bot, kind: bot, endpoint: "https://bot.example/api/messages", appId: a1, credentials: { certificate: { thumbprint: 0C8AA5FEFA13873E3F52258C6DE6B724F4CE0C20, privateKeyFromEnv: BOT_KEY } }, contextEventName: omnichannelSetContext, deliveryMode: expectReplies, unreachableAfterSeconds: 30 }',
      '  - { id: bot2, kind: bot, endpoint: "https://bot2.example/api/messages", appId: a2, tenantId: t1, credentials: { managedIdentity: { clientId: mi-1 } } }',
    ].join('\n')) + [
      'botAuthentication:',
      '  tokenIssuer: https://issuer.example/',
      '  openIdMetadataUrl: https://issuer.example/.well-known/openid-configuration',
      '  loginUrl: https://issuer.example/botframework.com',
      '  knownAuthorities: [issuer.example]',
    ].join('\n');
    const result = parseConfig(text);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const [bot, bot2] = result.config.users;
    expect(bot).toMatchObject({ appId: 'a1', credentials: { certificate: { thumbprint: '0C8AA5FEFA13873E3F52258C6DE6B724F4CE0C20', privateKeyFromEnv: 'BOT_KEY' } }, contextEventName: 'omnichannelSetContext', deliveryMode: 'expectReplies', unreachableAfterSeconds: 30 });
    expect(bot2).toMatchObject({ tenantId: 't1', credentials: { managedIdentity: { clientId: 'mi-1' } }, contextEventName: 'startConversation', deliveryMode: 'normal', unreachableAfterSeconds: 60 });
    expect(result.config.botAuthentication).toEqual({
      tokenIssuer: 'https://issuer.example/',
      openIdMetadataUrl: 'https://issuer.example/.well-known/openid-configuration',
      loginUrl: 'https://issuer.example/botframework.com',
      channelAudience: 'https://api.botframework.com',
      knownAuthorities: ['issuer.example'],
    });
  });

  it('refuses a thumbprint in the colon-separated form openssl prints', () => {
    const text = edit('endpoint: "http://localhost:3978/api/messages" }', 'endpoint: "http://localhost:3978/api/messages", appId: a1, credentials: { certificate: { thumbprint: "0C:8A:A5", privateKeyFromEnv: K } } }');
    expect(problemsOf(text)).toEqual(["users[0].credentials.certificate.thumbprint: must be the certificate's SHA-1 thumbprint: 40 hex digits, without colons"]);
  });

  it('names what is wrong with credentials', () => {
    const text = edit('endpoint: "http://localhost:3978/api/messages" }', 'endpoint: "http://localhost:3978/api/messages", appId: a1, credentials: { secret: hunter2 } }');
    expect(problemsOf(text)).toEqual(['users[0].credentials: expected one of {secretFromEnv: NAME}, {certificate: {thumbprint, privateKeyFromEnv}} or {managedIdentity: {clientId}}']);
  });
});

describe('the sample configuration', () => {
  it('loads with its defaults filled in', () => {
    const result = loadConfigFile(SAMPLE_CONFIG_PATH);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const { config } = result;
    expect(config.allowUnauthenticatedBots).toBe(true);
    expect(config.workstreams).toEqual([
      {
        name: 'ChatWorkStream',
        capacityUnits: 1,
        fallbackQueue: 'DefaultQueue',
        allowedPresences: ['Available', 'Busy'],
        autoClose: { openMinutes: 20, wrapUpMinutes: 15, activeIdleMinutes: 30 },
        wrapUpBlocksCapacity: false,
        contextVariables: [
          { name: 'BotHandoffTopic', type: 'text', setBy: ['bot'] },
          { name: 'BotFailure', type: 'text', setBy: ['system'] },
          { name: 'Email', type: 'text', setBy: ['customer'] },
        ],
        offers: { timeoutSeconds: 120, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3 },
        quickReplies: [
          { title: 'Greeting', text: 'Hello, thanks for waiting. How can I help you today?' },
          { title: 'One moment', text: 'Thank you. Let me look into that for you; it will take a minute.' },
          { title: 'Anything else', text: 'Is there anything else I can help you with?' },
          { title: 'Goodbye', text: 'Thank you for contacting Contoso. Have a great day!' },
        ],
        reconnect: { windowSeconds: 180 },
        rules: [
          { name: 'BotFailureRule', queue: 'DefaultQueue', when: { variable: 'BotFailure', operator: 'hasData' } },
          { name: 'BotRule', queue: 'BotQueue', when: { variable: 'BotHandoffTopic', operator: 'noData' } },
          { name: 'CreditCardRule', queue: 'CreditCardQueue', when: { variable: 'BotHandoffTopic', operator: 'equals', value: 'CreditCard' } },
          { name: 'HomeLoanRule', queue: 'HomeLoanQueue', when: { variable: 'BotHandoffTopic', operator: 'equals', value: 'HomeLoan' } },
        ],
      },
    ]);
    expect(config.queues).toEqual([
      { name: 'BotQueue', priority: 1, assignment: 'highestCapacity', members: ['demo-bot'] },
      { name: 'CreditCardQueue', priority: 2, assignment: 'highestCapacity', members: ['alice', 'bob'] },
      { name: 'HomeLoanQueue', priority: 2, assignment: 'highestCapacity', members: ['carol', 'dave'] },
      { name: 'DefaultQueue', priority: 3, assignment: 'highestCapacity', members: ['alice', 'bob', 'carol', 'dave'] },
    ]);
    expect(config.users).toEqual([
      { id: 'demo-bot', kind: 'bot', name: 'Demo bot', endpoint: '/api/demo-bot/messages', capacity: 1000, contextEventName: 'startConversation', deliveryMode: 'normal', unreachableAfterSeconds: 60 },
      { id: 'alice', kind: 'agent', name: 'Alice', capacity: 2, token: 'dev-alice', presence: 'Available', roles: [] },
      { id: 'bob', kind: 'agent', name: 'Bob', capacity: 2, token: 'dev-bob', presence: 'Available', roles: [] },
      { id: 'carol', kind: 'agent', name: 'Carol', capacity: 2, token: 'dev-carol', presence: 'Available', roles: [] },
      { id: 'dave', kind: 'agent', name: 'Dave', capacity: 2, token: 'dev-dave', presence: 'Available', roles: [] },
      { id: 'sam', kind: 'agent', name: 'Sam', capacity: 2, token: 'dev-sam', presence: 'Available', roles: ['supervisor'] },
    ]);
    // Sam supervises: a member of no queue, so no chat is ever assigned to him, and nothing warns about it.
    expect(config.queues.some((q) => q.members.includes('sam'))).toBe(false);
    expect(routingWarnings(config)).toEqual([]);
    const directory = new Directory(config);
    expect(config.users.filter((u) => directory.isSupervisor(u.id)).map((u) => u.id)).toEqual(['sam']);
    expect(config.directLine).toEqual({
      sites: [{
        name: 'support', workstream: 'ChatWorkStream', title: 'Contoso Support', secretFromEnv: 'SWITCHBOARD_SITE_SECRET', allowedOrigins: [], anonymous: true,
        prechat: [{ variable: 'Email', label: 'Your email (optional)', type: 'email', required: false }],
      }],
      longPollSeconds: 10,
      uploads: { maxBytes: 4 * 1024 * 1024, maxFiles: 5, contentTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'] },
    });
  });

  it('routes the reference scenario', () => {
    const [workstream] = loadConfigOrThrow(SAMPLE_CONFIG_PATH).workstreams;
    if (!workstream) throw new Error('no workstream');
    const router = compileRouter(workstream);
    expect(router.route({})).toEqual({ rule: 'BotRule', queue: 'BotQueue' });
    expect(router.route({ BotHandoffTopic: 'CreditCard' })).toEqual({ rule: 'CreditCardRule', queue: 'CreditCardQueue' });
    expect(router.route({ BotHandoffTopic: 'HomeLoan' })).toEqual({ rule: 'HomeLoanRule', queue: 'HomeLoanQueue' });
    expect(router.route({ BotHandoffTopic: 'Billing' })).toEqual({ rule: null, queue: 'DefaultQueue' });
  });

  it('starts with the schema line editors read', () => {
    expect(readFileSync(SAMPLE_CONFIG_PATH, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./switchboard.schema.json');
  });

  it('lives at the project root', () => {
    expect(SAMPLE_CONFIG_PATH).toBe(path.resolve(__dirname, '..', '..', 'switchboard.yaml'));
  });
});

describe('shape problems', () => {
  it('names the path, the unknown operator and the operators that exist', () => {
    const text = edit('{ variable: Amount, operator: greaterThan, value: 100 }', '{ variable: Amount, operator: equal, value: 100 }');
    expect(problemsOf(text)).toEqual([
      'workstreams[0].rules[1].when.operator: unknown operator "equal", expected one of equals, notEquals, contains, notContains, beginsWith, notBeginsWith, endsWith, notEndsWith, hasData, noData, greaterThan, greaterOrEqual, lessThan, lessOrEqual, in, notIn',
    ]);
  });

  it('reads waitExperience, with texts by locale, and names a wrong locale or placeholder', () => {
    const withWait = (messages: string) => edit('fallbackQueue: Default', `fallbackQueue: Default\n    waitExperience: { queuePosition: true, messages: ${messages} }`);
    const loaded = parseConfig(withWait('{ averageWait: "About {minutes} min", queuePosition: { fr-FR: "Devant vous : {ahead}", default: "Ahead: {ahead}" } }'));
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.workstreams[0]!.waitExperience).toEqual({
      queuePosition: true, averageWaitTime: false,
      messages: { averageWait: 'About {minutes} min', queuePosition: { 'fr-FR': 'Devant vous : {ahead}', default: 'Ahead: {ahead}' } },
    });
    const absent = parseConfig(VALID);
    expect(absent.ok && absent.config.workstreams[0]!.waitExperience).toBeUndefined();
    expect(problemsOf(withWait('{ nextInLine: { not_a_locale!: "x" }, averageWait: "{position} left" }'))).toEqual([
      expect.stringMatching(/^workstreams\[0\]\.waitExperience\.messages\.nextInLine/),
      expect.stringMatching(/^workstreams\[0\]\.waitExperience\.messages\.averageWait/),
    ]);
  });

  it('reads limits.rate and customerTokens: defaults, false turns a limit off, and a wrong value is named', () => {
    const loaded = parseConfig(`${VALID}\nlimits: { rate: { chatStartsPerAddress: { requests: 3, perSeconds: 60 }, requestsPerToken: false } }\ncustomerTokens: { lifetimeMinutes: 30 }\n`);
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.limits.rate).toEqual({ chatStartsPerAddress: { requests: 3, perSeconds: 60 }, requestsPerAddress: { requests: 600, perSeconds: 60 }, requestsPerToken: false });
    expect(loaded.config.customerTokens).toEqual({ lifetimeMinutes: 30, readAfterCloseMinutes: 15 });
    expect(problemsOf(`${VALID}\nlimits: { rate: { requestsPerAddress: { requests: 0, perSeconds: 60 }, requestsPerToken: true, perHour: 5 } }\ncustomerTokens: { lifetimeMinutes: 0 }\n`)).toEqual([
      expect.stringMatching(/^limits\.rate: unknown key "perHour"/),
      'limits.rate.requestsPerAddress.requests: must be greater than 0, got 0',
      'limits.rate.requestsPerToken: expected {requests, perSeconds} or false (off)',
      'customerTokens.lifetimeMinutes: must be greater than 0, got 0',
    ]);
  });

  it('health: thresholds are checked, with the range in the message', () => {
    expect(problemsOf(`${VALID}\nhealth: { oldestWaitWarning: 60 }\n`)).toEqual([
      expect.stringMatching(/^health: unknown key "oldestWaitWarning", expected one of cacheSeconds, oldestWaitWarningSeconds, /),
    ]);
    const problems = problemsOf(`${VALID}\nhealth: { botFailureRateWarning: 1.5, deadLetterWarning: 0, cacheSeconds: 61 }\n`);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^health\.botFailureRateWarning: /),
      expect.stringMatching(/^health\.deadLetterWarning: /),
      expect.stringMatching(/^health\.cacheSeconds: /),
    ]));
    expect(problems).toHaveLength(3);
  });

  it('reports an unknown key with the keys that exist', () => {
    expect(problemsOf(edit('fallbackQueue: Default', 'fallbackQueue: Default\n    capacityUnit: 2'))).toEqual([
      'workstreams[0]: unknown key "capacityUnit", expected one of name, capacityUnits, fallbackQueue, allowedPresences, autoClose, wrapUpBlocksCapacity, contextVariables, rules, offers, waitExperience, quickReplies, reconnect',
    ]);
    expect(problemsOf(`${VALID}\nworkstream: []\n`)).toEqual([
      '(top level): unknown key "workstream", expected one of $schema, allowUnauthenticatedBots, workstreams, queues, users, botAuthentication, limits, customerTokens, directLine, agentWorkspace, insights, health',
    ]);
  });

  it('says what type was expected and what came', () => {
    expect(problemsOf(edit('capacity: 2', 'capacity: "2"'))).toEqual(['users[1].capacity: expected a number, got a string']);
    expect(problemsOf(edit('capacity: 2', 'capacity: 1.5'))).toEqual(['users[1].capacity: expected an integer, got 1.5']);
    expect(problemsOf(edit('capacity: 2', 'capacity: 0'))).toEqual(['users[1].capacity: must be greater than 0, got 0']);
    expect(problemsOf(edit('fallbackQueue: Default', 'fallbackQueue: [Default]'))).toEqual(['workstreams[0].fallbackQueue: expected a string, got a list']);
  });

  it('reports a missing key as required', () => {
    expect(problemsOf(edit('    fallbackQueue: Default\n', ''))).toEqual(['workstreams[0].fallbackQueue: is required']);
    expect(problemsOf(edit('kind: agent, capacity: 2,', 'kind: agent,'))).toEqual(['users[1].capacity: is required']);
  });

  it('names the kind of enum value that is unknown', () => {
    expect(problemsOf(edit('type: number', 'type: integer'))).toEqual([
      'workstreams[0].contextVariables[1].type: unknown variable type "integer", expected one of text, number',
    ]);
    expect(problemsOf(edit('kind: agent', 'kind: human'))).toEqual(['users[1].kind: unknown user kind "human", expected one of bot, agent']);
    expect(problemsOf(edit('{ name: Bots,', '{ name: Bots, assignment: fastest,'))).toEqual([
      'queues[0].assignment: unknown assignment method "fastest", expected one of highestCapacity, roundRobin, leastActive',
    ]);
  });

  it('gives one message for a nested condition, from the branch its key names', () => {
    const when = '{ all: [ { variable: Topic, operator: hasData }, { not: { any: [ { variable: Amount, operator: gt, value: 1 } ] } } ] }';
    expect(problemsOf(edit('{ variable: Topic, operator: noData }', when))).toEqual([
      'workstreams[0].rules[0].when.all[1].not.any[0].operator: unknown operator "gt", expected one of equals, notEquals, contains, notContains, beginsWith, notBeginsWith, endsWith, notEndsWith, hasData, noData, greaterThan, greaterOrEqual, lessThan, lessOrEqual, in, notIn',
    ]);
  });

  it('explains a condition with no discriminating key', () => {
    expect(problemsOf(edit('{ variable: Topic, operator: noData }', '{ variabel: Topic }'))).toEqual([
      'workstreams[0].rules[0].when: expected a condition: {variable, operator, value}, {all: [...]}, {any: [...]} or {not: ...}, got an object',
    ]);
    expect(problemsOf(edit('{ variable: Topic, operator: noData }', '{ variable: Topic }'))).toEqual(['workstreams[0].rules[0].when.operator: is required']);
  });

  it('reports several problems at once, in file order', () => {
    const text = edit('type: number', 'type: numbr', edit('capacity: 2', 'capacity: -1', edit('endpoint: "http://localhost:3978/api/messages"', 'endpoint: "localhost"')));
    expect(problemsOf(text)).toEqual([
      'workstreams[0].contextVariables[1].type: unknown variable type "numbr", expected one of text, number',
      'users[0].endpoint: expected an http or https URL or a path starting with /, got "localhost"',
      'users[1].capacity: must be greater than 0, got -1',
    ]);
  });

  it('refuses an empty token and more than 100 context variables', () => {
    expect(problemsOf(edit('token: dev-alice', 'token: ""'))).toEqual(['users[1].token: must not be empty']);
    const many = Array.from({ length: 99 }, (_, i) => `      - { name: V${i}, type: text }`).join('\n');
    expect(problemsOf(edit('      - { name: Amount, type: number }', `      - { name: Amount, type: number }\n${many}`))).toEqual([
      'workstreams[0].contextVariables: must list at most 100 items, got 101',
    ]);
  });

  it('accepts a short development token', () => {
    expect(parseConfig(edit('token: dev-alice', 'token: x')).ok).toBe(true);
  });

  it('says who may set a context variable: bots unless setBy says otherwise; a non-empty list of known writers, each once', () => {
    const loaded = parseConfig(edit('{ name: Amount, type: number }', '{ name: Amount, type: number, setBy: [customer, bot] }'));
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.workstreams[0]!.contextVariables).toEqual([
      { name: 'Topic', type: 'text', setBy: ['bot'] },
      { name: 'Amount', type: 'number', setBy: ['customer', 'bot'] },
    ]);
    const setBy = (value: string) => problemsOf(edit('{ name: Amount, type: number }', `{ name: Amount, type: number, setBy: ${value} }`));
    expect(setBy('[]')).toEqual(['workstreams[0].contextVariables[1].setBy: must list at least 1 item, got 0']);
    expect(setBy('[bot, bot]')).toEqual(['workstreams[0].contextVariables[1].setBy: must not list a writer twice']);
    expect(setBy('[agent]')).toEqual(['workstreams[0].contextVariables[1].setBy[0]: unknown writer "agent", expected one of customer, bot, system']);
    expect(setBy('customer')).toEqual(['workstreams[0].contextVariables[1].setBy: expected a list, got a string']);
  });

  it('reads the roles of an agent, none by default, and names an unknown role', () => {
    const loaded = parseConfig(edit('token: dev-alice', 'token: dev-alice, roles: [supervisor]'));
    expect(loaded.ok && loaded.config.users[1]).toMatchObject({ id: 'alice', roles: ['supervisor'] });
    const plain = parseConfig(VALID);
    expect(plain.ok && plain.config.users[1]).toMatchObject({ id: 'alice', roles: [] });
    expect(problemsOf(edit('token: dev-alice', 'token: dev-alice, roles: [admin]'))).toEqual(['users[1].roles[0]: unknown role "admin", expected one of supervisor']);
    expect(problemsOf(edit('token: dev-alice', 'token: dev-alice, roles: supervisor'))).toEqual(['users[1].roles: expected a list, got a string']);
  });

  it("takes an agent's principal only as its Entra ID object id: names and emails can be changed by their owner", () => {
    expect(problemsOf(edit('token: dev-alice', 'principal: alice@contoso.com'))).toEqual([
      'users[1].principal: must be the agent\'s Entra ID object id (a GUID such as 6f1d2c3b-0a4e-4b5c-9d8e-7f6a5b4c3d2e), not a sign-in name or email, got "alice@contoso.com"',
    ]);
    const loaded = parseConfig(edit('token: dev-alice', 'principal: 6F1D2C3B-0A4E-4B5C-9D8E-7F6A5B4C3D2E'));
    expect(loaded.ok && loaded.config.users[1]).toMatchObject({ principal: '6F1D2C3B-0A4E-4B5C-9D8E-7F6A5B4C3D2E' });
  });
});

describe('cross-reference problems', () => {
  it.each([
    ['a duplicate workstream', edit('queues:', `  - { name: Chat, fallbackQueue: Default }\nqueues:`), 'workstreams[1].name: duplicate workstream "Chat", already at workstreams[0]'],
    ['a duplicate queue', edit('users:', '  - { name: Bots }\nusers:'), 'queues[2].name: duplicate queue "Bots", already at queues[0]'],
    ['a duplicate user', `${VALID}  - { id: alice, kind: agent, capacity: 1 }\n`, 'users[2].id: duplicate user "alice", already at users[1]'],
    ['a duplicate rule', edit('{ name: Big,', '{ name: Bot,'), 'workstreams[0].rules[1].name: duplicate rule "Bot", already at workstreams[0].rules[0]'],
    ['a duplicate context variable', edit('type: number }', 'type: number }\n      - { name: Topic, type: number }'), 'workstreams[0].contextVariables[2].name: duplicate context variable "Topic", already at workstreams[0].contextVariables[0]'],
    ['a rule to a missing queue', edit('queue: Bots,', 'queue: Bot,'), 'workstreams[0].rules[0].queue: unknown queue "Bot", declared queues are Bots, Default'],
    ['a missing fallback queue', edit('fallbackQueue: Default', 'fallbackQueue: Nowhere'), 'workstreams[0].fallbackQueue: unknown queue "Nowhere", declared queues are Bots, Default'],
    ['a member that is not a user', edit('members: [alice]', 'members: [alice, bob]'), 'queues[1].members[1]: unknown user "bob"'],
    ['an undeclared variable', edit('{ variable: Topic, operator: noData }', '{ variable: topic, operator: noData }'), 'workstreams[0].rules[0].when.variable: variable "topic" is not declared in contextVariables of workstream "Chat"'],
    ['a non-numeric value for a number variable', edit('value: 100', 'value: lots'), 'workstreams[0].rules[1].when.value: "lots" is not a number, and "Amount" is a number variable'],
    ['a scalar for in', edit('operator: greaterThan, value: 100', 'operator: in, value: 100'), 'workstreams[0].rules[1].when.value: in needs a list of values'],
    ['a list for equals', edit('operator: greaterThan, value: 100', 'operator: equals, value: [100]'), 'workstreams[0].rules[1].when.value: equals takes a single value, not a list'],
    ['a value for noData', edit('operator: noData', 'operator: noData, value: x'), 'workstreams[0].rules[0].when.value: noData takes no value'],
    ['no value for equals', edit('operator: greaterThan, value: 100', 'operator: equals'), 'workstreams[0].rules[1].when.value: is required for equals'],
    ['contains on a number', edit('operator: greaterThan', 'operator: contains'), 'workstreams[0].rules[1].when.operator: contains works on text variables only; "Amount" is a number variable'],
    ['lessThan on text', edit('{ variable: Topic, operator: noData }', '{ variable: Topic, operator: lessThan, value: 3 }'), 'workstreams[0].rules[0].when.operator: lessThan works on number variables only; "Topic" is a text variable'],
    ['a duplicate agent token', `${VALID}  - { id: bob, kind: agent, capacity: 1, token: dev-alice }\n`, 'users[2].token: the same token as user "alice"; tokens must be unique'],
  ])('%s', (_what, text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });

  it('checks values inside lists and nested conditions', () => {
    const when = '{ any: [ { variable: Amount, operator: in, value: [1, "2", two] }, { not: { variable: Missing, operator: hasData } } ] }';
    expect(problemsOf(edit('{ variable: Topic, operator: noData }', when))).toEqual([
      'workstreams[0].rules[0].when.any[0].value[2]: "two" is not a number, and "Amount" is a number variable',
      'workstreams[0].rules[0].when.any[1].not.variable: variable "Missing" is not declared in contextVariables of workstream "Chat"',
    ]);
  });

  it('collects every problem, not just the first', () => {
    const text = edit('members: [alice]', 'members: [carol]', edit('queue: Bots,', 'queue: Robots,', edit('fallbackQueue: Default', 'fallbackQueue: Nowhere')));
    expect(problemsOf(text)).toEqual([
      'workstreams[0].fallbackQueue: unknown queue "Nowhere", declared queues are Bots, Default',
      'workstreams[0].rules[0].queue: unknown queue "Robots", declared queues are Bots, Default',
      'queues[1].members[0]: unknown user "carol"',
    ]);
  });

  it('treats names as case-sensitive', () => {
    expect(parseConfig(edit('type: number }', 'type: number }\n      - { name: topic, type: number }')).ok).toBe(true);
  });
});

describe('Direct Line sites', () => {
  const withSite = (site: string, variables = '      - { name: Email, type: text, setBy: [customer] }\n') => `${edit('      - { name: Amount, type: number }\n', `      - { name: Amount, type: number }\n${variables}`)}directLine:\n  sites:\n${site}`;

  it('loads a site with its defaults: anonymous visitors, no origins, the name as title', () => {
    const result = parseConfig(withSite('    - { name: shop, workstream: Chat, prechat: [{ variable: Email, label: Email }] }\n'));
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.directLine).toEqual({
      sites: [{ name: 'shop', workstream: 'Chat', title: 'shop', allowedOrigins: [], anonymous: true, prechat: [{ variable: 'Email', label: 'Email', type: 'text', required: false }] }],
      longPollSeconds: 10,
      uploads: { maxBytes: 4 * 1024 * 1024, maxFiles: 5, contentTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'] },
    });
  });

  it('names what is wrong with the uploads: a type that is not a media type, files that could not fit one request', () => {
    const problems = (uploads: string) => {
      const result = parseConfig(`${edit('', '')}directLine:\n  uploads: ${uploads}\n`);
      return result.ok ? [] : result.problems;
    };
    expect(problems('{ contentTypes: [Image/PNG, "image/png; charset=x"] }')).toEqual([
      'directLine.uploads.contentTypes[0]: must be a media type in lower case without parameters, e.g. image/png',
      'directLine.uploads.contentTypes[1]: must be a media type in lower case without parameters, e.g. image/png',
    ]);
    expect(problems('{ maxBytes: 52428800, maxFiles: 10 }')).toEqual([
      expect.stringMatching(/^directLine\.uploads: maxBytes × maxFiles must be at most 100663296 bytes/),
    ]);
    expect(problems('{ maxBytes: 1048576, maxFiles: 3, contentTypes: [image/png] }')).toEqual([]);
  });

  it('names every problem of a site with its path', () => {
    const sites = [
      '    - { name: Shop, workstream: Chat, secret: short, allowedOrigins: ["https://a.example/path"] }',
      '    - name: shop',
      '      workstream: Nope',
      '      secret: 0123456789abcdef0123456789abcdef',
      '      secretFromEnv: SHOP_SECRET',
      '    - name: shop',
      '      workstream: Chat',
      '      prechat:',
      '        - { variable: Topic, label: Topic }',
      '        - { variable: Amount, label: Amount, type: text }',
      '        - { variable: Unknown, label: Unknown }',
      '        - { variable: Email, label: Email, type: choice }',
      '        - { variable: Email, label: Again, options: [a] }',
    ].join('\n');
    expect(problemsOf(withSite(`${sites}\n`))).toEqual([
      'directLine.sites[0].name: must be 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit (it is part of the page\'s URL)',
      'directLine.sites[0].secret: must be at least 32 characters',
      'directLine.sites[0].allowedOrigins[0]: must be an origin: scheme and host (and port), no path, e.g. https://www.contoso.com',
      'directLine.sites[1].workstream: unknown workstream "Nope", declared workstreams are Chat',
      'directLine.sites[1].secret: give secret or secretFromEnv, not both',
      'directLine.sites[2].name: duplicate site "shop", already at directLine.sites[1]',
      'directLine.sites[2].prechat[0].variable: customers may not set "Topic" in workstream "Chat": add customer to its setBy',
      'directLine.sites[2].prechat[1].variable: customers may not set "Amount" in workstream "Chat": add customer to its setBy',
      'directLine.sites[2].prechat[1].type: "Amount" is a number variable; use type number for it',
      'directLine.sites[2].prechat[2].variable: variable "Unknown" is not declared in contextVariables of workstream "Chat"',
      'directLine.sites[2].prechat[3].options: a choice needs options',
      'directLine.sites[2].prechat[4].variable: duplicate pre-chat variable "Email", already at directLine.sites[2].prechat[3]',
      'directLine.sites[2].prechat[4].options: only a choice has options (type is text)',
    ]);
  });
});

describe('shape and cross-reference problems in one run', () => {
  const SAMPLE_TEXT = readFileSync(SAMPLE_CONFIG_PATH, 'utf8');
  const OPERATOR_LIST = 'equals, notEquals, contains, notContains, beginsWith, notBeginsWith, endsWith, notEndsWith, hasData, noData, greaterThan, greaterOrEqual, lessThan, lessOrEqual, in, notIn';

  it('reports the README example: an unknown operator and an unknown queue, both at the first start', () => {
    const text = edit('queue: HomeLoanQueue', 'queue: LoanQueue', edit('operator: equals, value: CreditCard', 'operator: equal, value: CreditCard', SAMPLE_TEXT));
    const problems = problemsOf(text);
    expect(problems).toEqual([
      `workstreams[0].rules[2].when.operator: unknown operator "equal", expected one of ${OPERATOR_LIST}`,
      'workstreams[0].rules[3].queue: unknown queue "LoanQueue", declared queues are BotQueue, CreditCardQueue, HomeLoanQueue, DefaultQueue',
    ]);
    // The README shows these lines (cut short with "...").
    const readme = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    const shown = readme.split('Invalid configuration bad.yaml:\n')[1]?.split('```')[0]?.trim().split('\n').map((line) => line.trim().replace(/\.\.\.$/, ''));
    expect(shown).toHaveLength(2);
    shown?.forEach((line, i) => expect(problems[i]?.startsWith(line)).toBe(true));
  });

  it('checks the references of a file whose shape is wrong elsewhere, in file order', () => {
    const text = edit('capacity: 2', 'capacity: two', edit('queue: Bots,', 'queue: Robots,', edit('type: number', 'type: numbr')));
    expect(problemsOf(text)).toEqual([
      'workstreams[0].contextVariables[1].type: unknown variable type "numbr", expected one of text, number',
      'workstreams[0].rules[0].queue: unknown queue "Robots", declared queues are Bots, Default',
      'users[1].capacity: expected a number, got a string',
    ]);
  });

  it('checks what the shape check cannot read around: an unknown operator on an undeclared variable, a typo in a key', () => {
    const text = edit('{ name: Bot, queue: Bots, when: { variable: Topic, operator: noData } }', '{ name: Bot, queue: Robots, priority: 1, when: { variable: Topik, operator: nodata } }', edit('fallbackQueue: Default', 'fallbackQueue: Nowhere'));
    expect(problemsOf(text)).toEqual([
      'workstreams[0].fallbackQueue: unknown queue "Nowhere", declared queues are Bots, Default',
      'workstreams[0].rules[0]: unknown key "priority", expected one of name, queue, when',
      'workstreams[0].rules[0].queue: unknown queue "Robots", declared queues are Bots, Default',
      'workstreams[0].rules[0].when.variable: variable "Topik" is not declared in contextVariables of workstream "Chat"',
      `workstreams[0].rules[0].when.operator: unknown operator "nodata", expected one of ${OPERATOR_LIST}`,
    ]);
  });

  it('reports a problem once when the shape and a reference check find it at the same path', () => {
    expect(problemsOf(edit('queue: Bots,', 'queue: "",'))).toEqual(['workstreams[0].rules[0].queue: must not be empty']);
    expect(problemsOf(edit('members: [alice]', 'members: [alice, ""]'))).toEqual(['queues[1].members[1]: must not be empty']);
    expect(problemsOf(edit('operator: greaterThan, value: 100', 'operator: in, value: { a: 1 }'))).toEqual([
      'workstreams[0].rules[1].when.value: expected a string, a number or a list of them, got an object',
    ]);
  });

  it('does not guess references in a part it cannot read', () => {
    // Without a readable list of queues, every rule's queue would be "unknown": one problem says why.
    expect(problemsOf(edit('queues:\n  - { name: Bots, members: [bot] }\n  - { name: Default, members: [alice] }', 'queues: Bots'))).toEqual([
      'queues: expected a list, got a string',
    ]);
    expect(problemsOf(edit('contextVariables:\n      - { name: Topic, type: text }\n      - { name: Amount, type: number }', 'contextVariables: Topic'))).toEqual([
      'workstreams[0].contextVariables: expected a list, got a string',
    ]);
    expect(problemsOf(edit('allowUnauthenticatedBots: true', 'allowUnauthenticatedBots: yes please'))).toEqual([
      'allowUnauthenticatedBots: expected true or false, got a string',
    ]);
  });
});

describe('file formats and sources', () => {
  it('reports a YAML syntax error with line and column', () => {
    expect(problemsOf('workstreams: [\nqueues: []\n')).toEqual([
      'line 2, column 1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(problemsOf('queues: []\nqueues: []\n')).toEqual(['line 2, column 1: invalid YAML: Map keys must be unique']);
  });

  it('reports an empty file', () => {
    expect(problemsOf('')).toEqual(['(top level): the file is empty']);
    expect(problemsOf('[]')).toEqual(['(top level): expected an object, got a list']);
  });

  it('reads JSON, with a $schema key for editors', () => {
    const json = JSON.stringify({
      $schema: './switchboard.schema.json',
      workstreams: [{ name: 'Chat', fallbackQueue: 'Q' }],
      queues: [{ name: 'Q', priority: 1 }],
    });
    expect(parseConfig(json)).toEqual({
      ok: true,
      config: {
        allowUnauthenticatedBots: false,
        limits: { chat: { maxMessages: 1000, maxBytes: 1_048_576 }, rate: { chatStartsPerAddress: { requests: 10, perSeconds: 60 }, requestsPerAddress: { requests: 600, perSeconds: 60 }, requestsPerToken: { requests: 60, perSeconds: 10 } } },
        customerTokens: { lifetimeMinutes: 1440, readAfterCloseMinutes: 15 },
        directLine: { sites: [], longPollSeconds: 10, uploads: { maxBytes: 4 * 1024 * 1024, maxFiles: 5, contentTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'] } },
        workstreams: [
          {
            name: 'Chat',
            capacityUnits: 1,
            fallbackQueue: 'Q',
            allowedPresences: ['Available', 'Busy'],
            autoClose: { openMinutes: 20, wrapUpMinutes: 15, activeIdleMinutes: 30 },
            wrapUpBlocksCapacity: false,
            contextVariables: [],
            quickReplies: [],
            reconnect: { windowSeconds: 180 },
            rules: [],
          },
        ],
        queues: [{ name: 'Q', priority: 1, assignment: 'highestCapacity', members: [] }],
        users: [],
        agentWorkspace: { offlineAfterSeconds: 150 },
        insights: { serviceLevelSeconds: [20, 60], topicVariable: 'BotHandoffTopic', rawEventRetentionDays: 35 },
        health: { cacheSeconds: 5, oldestWaitWarningSeconds: 60, busBacklogWarning: 1000, busOldestMessageWarningSeconds: 300, deadLetterWarning: 1, botFailureRateWarning: 0.5, botFailureMinimum: 3, botFailureWindowSeconds: 300 },
      },
    });
  });

  it('reports a missing file as a problem', () => {
    const missing = path.join(tmpdir(), 'switchboard-no-such-file.yaml');
    expect(loadConfigFile(missing)).toEqual({ ok: false, problems: [`${missing}: file not found`] });
  });

  it('loadConfigOrThrow throws a ConfigError listing every problem, one per line', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'switchboard-')), 'bad.yaml');
    writeFileSync(file, edit('members: [alice]', 'members: [carol]', edit('fallbackQueue: Default', 'fallbackQueue: Nowhere')));
    let thrown: unknown;
    try {
      loadConfigOrThrow(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.source).toBe(file);
    expect(error.problems).toHaveLength(2);
    expect(error.message).toBe(
      `Invalid configuration ${file}:\n` +
        '  workstreams[0].fallbackQueue: unknown queue "Nowhere", declared queues are Bots, Default\n' +
        '  queues[1].members[0]: unknown user "carol"',
    );
  });
});

describe('the JSON Schema for editors', () => {
  it('is up to date with the zod schema (run `npm run schema`)', () => {
    const committed = readFileSync(JSON_SCHEMA_PATH, 'utf8');
    expect(JSON.parse(committed)).toEqual(configJsonSchema());
    expect(committed).toBe(renderJsonSchema());
  });

  it('is draft-07 and carries help for editors', () => {
    const schema = configJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.title).toBe('Switchboard configuration');
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).toContain('"description":"Where a chat goes when no rule matches."');
  });
});
