import fc from 'fast-check';
import type { ContextVariable, RateLimits } from '../../shared/core/config';
import type { TranscriptMessage } from '../../shared/core/transcript';
import { QUEUES, type OutgoingMessage } from '../../shared/ports/messageBus';
import { customersPickTheTopic, sampleConfig, startTestHost, testClock, type TestClock } from '../support/localHostHarness';
import { FUZZ_TIMEOUT_IN_MS, fuzzRuns } from './fuzzSupport';
import { injection, userText, withLoneSurrogate } from './httpGenerators';
import { rawRequest, type RawRequest, type RawResponse } from './rawHttp';

/**
 * The security rules of issue 11 (part 6) under generated input, against the local host (in process,
 * :memory:): who sets a chat's identity and context (findings 3, 4, 7), the per-client rate limits,
 * the cap per chat and the paging of transcript reads (finding 5).
 *
 * Each property has an oracle written from the rules as documented (README, shared/core/contextInput.ts,
 * shared/core/rateLimiter.ts, shared/http/pageQuery.ts), not from the code's own checks: the answer the
 * host gives must be the one the oracle predicts, and every refusal changes nothing (no bus message,
 * stores unchanged). Never a 5xx.
 *
 * Small size in `npm test`; `FUZZ_RUNS=500 npm run -s jest -- test/fuzz/limitsAndRules.test.ts` runs a large one.
 */

jest.setTimeout(FUZZ_TIMEOUT_IN_MS);

type Host = Awaited<ReturnType<typeof startTestHost>>;
type Json = Record<string, unknown>;

/** Bots that take every activity and answer nothing: no bot reply arrives while a property compares the stores. */
const SILENT_BOTS = { postActivity: async () => ({ status: 200 }) };

/** Every message the host's bus is given from now on. */
function watchBus(host: Host): OutgoingMessage[] {
  const sent: OutgoingMessage[] = [];
  const bus = host.services.bus;
  const send = bus.send.bind(bus);
  bus.send = async (messages: OutgoingMessage[]) => {
    sent.push(...messages);
    return send(messages);
  };
  return sent;
}

/** What a refusal must leave as it was: every chat not closed (with its etag), its transcript, the agents. */
async function snapshot(host: Host): Promise<string> {
  const s = host.services;
  const unclosed = (await s.conversations.listUnclosedUpdatedBefore('9999-12-31T00:00:00.000Z', { limit: 100_000 })).sort((a, b) => a.value.id.localeCompare(b.value.id));
  const transcripts = await Promise.all(unclosed.map((c) => s.transcripts.list(c.value.id)));
  return JSON.stringify({ conversations: unclosed.map((c) => [c.value.id, c.etag]), transcripts, agents: await s.agents.list() });
}

const idle = (host: Host) => host.bus.whenIdle({ timeoutInMs: 10_000 });
const portOf = (host: Host) => Number(new URL(host.baseUrl).port);
const jsonBody = (value: unknown) => JSON.stringify(value) ?? 'null';
const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
const errorOf = (response: RawResponse) => (response.json as { error?: { code?: string; message?: string } } | undefined)?.error;
const show = (response: RawResponse) => `${response.status} ${response.text.slice(0, 300)}`;

/**
 * Sends one request and checks what every answer must be: no 5xx, an error with {code, message}. A
 * refusal (4xx) must change nothing: nothing on the bus, the stores as they were.
 */
async function send(host: Host, sent: OutgoingMessage[], request: RawRequest): Promise<RawResponse> {
  await idle(host);
  const before = await snapshot(host);
  const sentBefore = sent.length;
  const response = await rawRequest(portOf(host), request);
  await idle(host);
  const what = `${request.method} ${String(request.target).slice(0, 120)} ${String(request.body ?? '').slice(0, 200)} -> ${show(response)}`;
  if (response.status >= 500) throw new Error(`a 5xx: ${what}`);
  if (response.status >= 400) {
    const error = errorOf(response);
    if (typeof error?.code !== 'string' || typeof error.message !== 'string' || error.message === '') throw new Error(`a 4xx without {error: {code, message}}: ${what}`);
    if (sent.length !== sentBefore) throw new Error(`a refusal put ${sent.length - sentBefore} message(s) on the bus: ${what}\n${JSON.stringify(sent.slice(sentBefore)).slice(0, 400)}`);
    const after = await snapshot(host);
    if (after !== before) throw new Error(`a refusal changed the stores: ${what}\n  before: ${before.slice(0, 300)}\n  after:  ${after.slice(0, 300)}`);
  }
  return response;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const hasLoneSurrogate = (value: unknown) => typeof value === 'string' && LONE_SURROGATE.test(value);
/** Sets a key as JSON.parse would, `constructor` and friends included. */
function objectOf(entries: readonly (readonly [string, unknown])[]): Json {
  const o: Json = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

// =============================================================================================
// Who sets what: the customer's identity, and context variables by setBy (findings 3, 4 and 7).

describe('who sets a chat\'s identity and context', () => {
  /** Every kind of declared variable: each writer alone, combinations, the default (bots), both types. */
  const VARIABLES: ContextVariable[] = [
    { name: 'Email', type: 'text', setBy: ['customer'] },
    { name: 'Age', type: 'number', setBy: ['customer'] },
    { name: 'Product', type: 'text', setBy: ['customer', 'bot'] },
    { name: 'Amount', type: 'number', setBy: ['bot', 'customer'] },
    { name: 'CaseId', type: 'text' },
    { name: 'Score', type: 'number', setBy: ['bot'] },
    { name: 'Audit', type: 'text', setBy: ['system'] },
    { name: 'Ledger', type: 'number', setBy: ['system', 'customer'] },
  ];
  let host: Host;
  let sent: OutgoingMessage[];
  /** The workstream's variables as configured (the sample's BotHandoffTopic and BotFailure too). */
  let declared: Map<string, ContextVariable>;
  const setBy = (v: ContextVariable) => v.setBy ?? ['bot'];

  beforeAll(async () => {
    const config = sampleConfig((c) => {
      c.workstreams[0]!.contextVariables.push(...VARIABLES);
    });
    declared = new Map(config.workstreams[0]!.contextVariables.map((v) => [v.name, v]));
    host = await startTestHost({ config, bots: SILENT_BOTS });
    sent = watchBus(host);
  });
  afterAll(async () => {
    await host?.close();
  });

  const DECIMAL = /^-?\d+(\.\d+)?$/;
  /** What a number variable takes: a number, or a decimal as a person types it (spaces around allowed) that a number can hold. */
  const numeric = (value: unknown) => (typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && DECIMAL.test(value.trim()) && Number.isFinite(Number(value)));

  /** Whether a customer may start a chat with this variable: declared with customer in setBy, a string (at most 4,000) or number of its type. */
  function customerMay(name: string, value: unknown): boolean {
    const variable = declared.get(name);
    if (!variable || !setBy(variable).includes('customer')) return false;
    if (hasLoneSurrogate(value)) return false;
    if (typeof value === 'string' ? value.length > 4_000 : typeof value !== 'number') return false;
    return variable.type === 'number' ? numeric(value) : true;
  }

  /** Whether a bot may escalate with it: a string (at most 4,000) or an integer; declared ones with bot in setBy and of their type; undeclared ones are free. */
  function botMay(name: string, value: unknown): boolean {
    if (name === '' || name.length > 100 || hasLoneSurrogate(value)) return false;
    if (typeof value === 'string' ? value.length > 4_000 : !Number.isSafeInteger(value)) return false;
    const variable = declared.get(name);
    if (!variable) return true;
    return setBy(variable).includes('bot') && (variable.type === 'number' ? numeric(value) : true);
  }

  const NAMES = () => [...declared.keys()];
  /** Names nobody declared, some a near miss of a declared one, some JavaScript's own properties. */
  const undeclaredName = () => fc.oneof(
    fc.constantFrom('email', 'EMAIL', 'Email ', ' Email', 'amount', 'botHandoffTopic', 'msdyn_ConversationId', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    injection.filter((s) => s.length > 0),
  ).filter((name) => !declared.has(name) && name !== '__proto__');
  /** Values of every JSON type: text, decimals as text (well formed or not), integers, fractions, huge numbers, long text, what is neither. */
  const anyValue = fc.oneof(
    { weight: 3, arbitrary: userText(0, 40) },
    { weight: 2, arbitrary: fc.constantFrom(' 250 ', '-1.5', '0', '007', '-0', '12.', '.5', '1e3', '0x1F', '- 1', '1,000', '\u0661\u0662', 'NaN', 'Infinity', '', ' ', '\t42\n', '+7') },
    { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true, noDefaultInfinity: true }).map(String)) },
    { weight: 2, arbitrary: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(2 ** 53, -(2 ** 53) - 2, 1e21, -0, 0.5)) },
    fc.integer({ min: 3_998, max: 4_003 }).chain((n) => fc.constantFrom('x'.repeat(n), '7'.repeat(n))),
    fc.oneof(fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]), fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 2 }), fc.constant({ value: 'x' })),
    withLoneSurrogate,
  );
  /** One variable at the edge of what it takes: 4,000 characters or 4,001, the largest safe integer or one more, a decimal or not quite. */
  const boundaryValue = fc.oneof(
    fc.tuple(fc.constantFrom(3_999, 4_000, 4_001), fc.constantFrom('x', '7')).map(([n, ch]) => ch.repeat(n)),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER - 1, 1.5, ' 1.5 ', '1.5.1', '-', '-7', '7-'),
  );
  const boundaryEntry = () => fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NAMES()) }, undeclaredName()), boundaryValue);
  /** A context of up to six variables, declared or not, with any values. */
  const mixedContext = () => fc.uniqueArray(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NAMES()) }, undeclaredName()), anyValue), { selector: ([name]) => name, maxLength: 6 });

  /** Values a variable of this type takes from anyone allowed to set it. */
  const fitting = (variable: ContextVariable) => (variable.type === 'number'
    ? fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.constantFrom(' 250 ', '-1.5', '0', '007', '12345678901234567890'))
    : fc.oneof(userText(0, 40), fc.integer({ min: -1_000, max: 1_000 })));
  /** A context a customer may send: some of the variables declared for customers, of their type. */
  const customerContext = () => fc.subarray(VARIABLES.filter((v) => setBy(v).includes('customer')))
    .chain((variables) => fc.tuple(...variables.map((v) => fitting(v).map((value) => [v.name, value] as const))));

  /** What the stored context must be: number variables as numbers, as JSON keeps them. */
  const typed = (entries: readonly (readonly [string, unknown])[]) =>
    JSON.parse(JSON.stringify(objectOf(entries.map(([name, value]) => [name, declared.get(name)?.type === 'number' ? Number(value) : value])))) as Json;

  async function storedConversation(id: string) {
    const found = await host.services.conversations.get(id);
    if (!found) throw new Error(`conversation ${id} is not stored`);
    return found.value;
  }

  test('POST /api/chats with a customer.id (any value, any type) is a 400 naming customer.id that starts nothing; without one the id is customer-<conversationId>', async () => {
    const body = fc.record({ workstream: fc.constant('ChatWorkStream'), customer: fc.record({ name: userText(1, 50) }, { requiredKeys: [] }), context: customerContext() }, { requiredKeys: [] });
    const chosenId = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      userText(0, 100),
      fc.constantFrom('alice', 'demo-bot', 'customer-', 'customer-00000000-0000-0000-0000-000000000000', '', ' ', 'victim-customer-42'),
      injection,
    );
    await fc.assert(fc.asyncProperty(body, fc.oneof(fc.constant({ choose: false as const }), chosenId.map((id) => ({ choose: true as const, id }))), async (b, customerId) => {
      const { customer, context, ...rest } = b;
      const request: Json = { ...rest };
      if (context) request.context = objectOf(context);
      if (customerId.choose) request.customer = { ...customer, id: customerId.id };
      else if (customer) request.customer = customer;
      const response = await send(host, sent, { method: 'POST', target: '/api/chats', body: jsonBody(request) });
      if (customerId.choose) {
        expect({ status: response.status, code: errorOf(response)?.code }).toEqual({ status: 400, code: 'InvalidBody' });
        expect(errorOf(response)?.message).toContain('customer.id');
        return;
      }
      expect(response.status).toBe(201);
      const { conversationId } = response.json as { conversationId: string };
      const stored = await storedConversation(conversationId);
      expect({ customer: stored.customer, context: stored.context }).toEqual({ customer: { id: `customer-${conversationId}`, name: customer?.name ?? 'Customer' }, context: typed(context ?? []) });
    }), { numRuns: fuzzRuns(40) });
  });

  test('a customer\'s context: the chat starts iff every variable lists customer in setBy and its value fits; otherwise a 400 naming one, nothing started', async () => {
    let started = 0;
    let refused = 0;
    const contexts = fc.oneof(customerContext(), mixedContext(), fc.tuple(customerContext(), boundaryEntry()).map(([valid, edge]) => [...valid.filter(([name]) => name !== edge[0]), edge]));
    await fc.assert(fc.asyncProperty(contexts, async (entries) => {
      const response = await send(host, sent, { method: 'POST', target: '/api/chats', body: jsonBody({ context: objectOf(entries) }) });
      const wrong = entries.filter(([name, value]) => !customerMay(name, value)).map(([name]) => name);
      if (wrong.length === 0) {
        started++;
        expect({ status: response.status, text: response.status === 201 ? '' : response.text }).toEqual({ status: 201, text: '' });
        const stored = await storedConversation((response.json as { conversationId: string }).conversationId);
        expect(stored.context).toEqual(typed(entries));
        return;
      }
      refused++;
      expect({ status: response.status, code: errorOf(response)?.code }).toEqual({ status: 400, code: 'InvalidBody' });
      const message = errorOf(response)!.message!;
      if (!wrong.some((name) => message.includes(`context.${name}`))) throw new Error(`the 400 names none of ${JSON.stringify(wrong)}: ${message}`);
    }), { numRuns: fuzzRuns(60) });
    // Both outcomes were tried.
    expect(started).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test('a bot\'s escalation context: applied iff setBy allows bots (or the variable is undeclared) and the values fit; otherwise a 400 naming one, nothing applied', async () => {
    let applied = 0;
    let refused = 0;
    /** A context a bot may send: declared variables that list bot, of their type, and undeclared ones. */
    const botContext = fc.uniqueArray(fc.oneof(
      fc.constantFrom(...[...declared.values()].filter((v) => setBy(v).includes('bot'))).chain((v) => fitting(v).map((value) => [v.name, value] as const)),
      fc.tuple(undeclaredName(), fc.oneof(userText(0, 40), fc.integer())),
    ), { selector: ([name]) => name, maxLength: 5 });
    const contexts = fc.oneof(botContext, mixedContext(), fc.tuple(botContext, boundaryEntry()).map(([valid, edge]) => [...valid.filter(([name]) => name !== edge[0]), edge]));
    await fc.assert(fc.asyncProperty(contexts, fc.uuid(), async (entries, activityId) => {
      const chat = await rawRequest(portOf(host), { method: 'POST', target: '/api/chats', body: '{}' });
      expect(chat.status).toBe(201);
      const { conversationId } = chat.json as { conversationId: string };
      await idle(host);
      expect(await storedConversation(conversationId)).toMatchObject({ status: 'Active', assignee: { id: 'demo-bot' }, context: {} });
      const context = objectOf(entries);
      const escalation = { type: 'message', id: activityId, from: { id: 'demo-bot' }, text: 'over to a human', channelData: { tags: JSON.stringify({ type: 'Escalate', context }) } };
      const response = await send(host, sent, { method: 'POST', target: `/api/connector/v3/conversations/${conversationId}/activities`, body: jsonBody(escalation) });
      const wrong = entries.filter(([name, value]) => !botMay(name, value)).map(([name]) => name);
      if (wrong.length === 0) {
        applied++;
        expect({ status: response.status, text: response.status === 200 ? '' : response.text }).toEqual({ status: 200, text: '' });
        // A bot's values are kept as it sent them (a number variable's decimal text included).
        expect((await storedConversation(conversationId)).context).toEqual(JSON.parse(JSON.stringify(context)));
        return;
      }
      refused++;
      expect({ status: response.status, code: errorOf(response)?.code }).toEqual({ status: 400, code: 'InvalidBody' });
      const message = errorOf(response)!.message!;
      if (!wrong.some((name) => message.includes(`context.${name}`))) throw new Error(`the 400 names none of ${JSON.stringify(wrong)}: ${message}`);
    }), { numRuns: fuzzRuns(40) });
    expect(applied).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  // Found by this suite: the Escalate tags are JSON inside a JSON string, so the edge's lone-surrogate check saw only
  // the escape's six ASCII characters, and the context read from them was stored. Now the context's values are checked.
  test('a lone surrogate in an Escalate context (inside the tags text) is refused with a 400, as in a handoff.initiate', async () => {
    const chat = await rawRequest(portOf(host), { method: 'POST', target: '/api/chats', body: '{}' });
    const { conversationId } = chat.json as { conversationId: string };
    await idle(host);
    const tags = JSON.stringify({ type: 'Escalate', context: { Note: 'a\ud800b' } });
    const escalation = await rawRequest(portOf(host), { method: 'POST', target: `/api/connector/v3/conversations/${conversationId}/activities`, body: jsonBody({ type: 'message', from: { id: 'demo-bot' }, text: 'over', channelData: { tags } }) });
    await idle(host);
    expect(escalation).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('channelData.tags.context.Note has a lone surrogate') } } });
    expect((await storedConversation(conversationId)).context).toEqual({});
    // The same value as a handoff.initiate's is refused at the edge.
    const chat2 = (await rawRequest(portOf(host), { method: 'POST', target: '/api/chats', body: '{}' })).json as { conversationId: string };
    await idle(host);
    const handoff = await rawRequest(portOf(host), { method: 'POST', target: `/api/connector/v3/conversations/${chat2.conversationId}/activities`, body: jsonBody({ type: 'event', name: 'handoff.initiate', from: { id: 'demo-bot' }, value: { Note: 'a\ud800b' } }) });
    expect(handoff).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('lone surrogate') } } });
  });
});

// A host of its own (one host at a time: the functions read the services of the last one started), which waits
// only briefly for a start to apply.
describe('a decimal beyond the range of a number', () => {
  // Found by this suite: a number variable took "a decimal string", and one of 309 digits or more passed the check but
  // was Infinity as a number; the start command then carried null, its handler refused it as a poison message, and the
  // customer held a 201 and a token for a chat that never existed.
  test('a customer\'s number variable given a decimal beyond the range of a number is a 400 naming it, and nothing starts', async () => {
    const own = await startTestHost({ config: sampleConfig((c) => { c.workstreams[0]!.contextVariables.push({ name: 'Age', type: 'number', setBy: ['customer'] }); }), bots: SILENT_BOTS, commandWaitInMs: 50 });
    try {
      const response = await rawRequest(portOf(own), { method: 'POST', target: '/api/chats', body: jsonBody({ context: { Age: '7'.repeat(309) } }) });
      await idle(own);
      expect(response).toMatchObject({ status: 400, json: { error: { code: 'InvalidBody', message: expect.stringContaining('context.Age: a number was expected') } } });
      const deadLetters = (await Promise.all(Object.values(QUEUES).map((queue) => own.bus.listDeadLetters(queue)))).flat();
      expect(deadLetters).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

// =============================================================================================
// Rate limits per client address and per chat token: a host per run, with small limits and a test clock.

describe('rate limits: 429 with Retry-After exactly when a limit is used up, and a 429 changes nothing', () => {
  type Limit = { requests: number; perSeconds: number } | false;
  /** `dlRead` and `dlPost`: Direct Line's GET and POST of activities, counted as a chat's routes are. */
  type Kind = 'start' | 'status' | 'read' | 'say' | 'refresh' | 'agent' | 'health' | 'dlRead' | 'dlPost';
  type TokenUse = 'own' | 'forged' | 'other' | 'none';
  interface Step {
    kind: Kind;
    /** Which of the client addresses sends it. */
    from: number;
    /** Which chat (modulo the chats started so far). */
    chat: number;
    token: TokenUse;
    /** The clock moves this many quarter seconds first. */
    wait: number;
  }
  const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  /** The setup's chats start from addresses of their own. */
  const SETUP_ADDRESSES = ['127.0.0.9', '127.0.0.10'];
  /** The Direct Line chat's visitor token and its start come from addresses of their own too. */
  const DL_SETUP_ADDRESSES = ['127.0.0.11', '127.0.0.12'];

  /**
   * Small limits. Per seconds a power of two and the clock in quarter seconds: a bucket's refill is then
   * exact in binary floating point, so the oracle (in whole numbers) and the host agree to the last token.
   */
  const limit: fc.Arbitrary<Limit> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ requests: fc.integer({ min: 1, max: 4 }), perSeconds: fc.constantFrom(1, 2, 4, 8) }) },
    fc.constant(false as const),
  );
  const limits = fc.record({ chatStartsPerAddress: limit, requestsPerAddress: limit, requestsPerToken: limit }) as fc.Arbitrary<RateLimits>;
  const step: fc.Arbitrary<Step> = fc.record({
    kind: fc.constantFrom<Kind>('start', 'start', 'status', 'read', 'say', 'say', 'refresh', 'agent', 'health', 'dlRead', 'dlRead', 'dlPost'),
    from: fc.integer({ min: 0, max: ADDRESSES.length - 1 }),
    chat: fc.nat(),
    token: fc.constantFrom<TokenUse>('own', 'own', 'own', 'forged', 'other', 'none'),
    wait: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 12 })),
  });

  /**
   * The oracle: a token bucket per key, as documented (up to `requests` at once, refilled at `requests`
   * per `perSeconds`), in whole numbers: a token is `perSeconds * 1000` units, and a millisecond refills `requests` units.
   */
  class Buckets {
    private readonly buckets = new Map<string, { units: number; at: number }>();
    take(key: string, l: Exclude<Limit, false>, now: number): { allowed: true } | { allowed: false; retryAfter: number } {
      const one = l.perSeconds * 1000;
      const full = l.requests * one;
      const b = this.buckets.get(key) ?? { units: full, at: now };
      const units = Math.min(full, b.units + Math.max(0, now - b.at) * l.requests);
      const at = Math.max(b.at, now);
      if (units >= one) {
        this.buckets.set(key, { units: units - one, at });
        return { allowed: true };
      }
      this.buckets.set(key, { units, at });
      return { allowed: false, retryAfter: Math.max(1, Math.ceil((one - units) / (l.requests * 1000))) };
    }
  }

  /** Which limit refuses the request, by the rules: customer routes count per address, then a start per address, a chat's route per its genuine token. */
  function predict(buckets: Buckets, rate: RateLimits, kind: Kind, address: string, tokenOf: string | undefined, now: number): { name: keyof RateLimits; retryAfter: number } | undefined {
    if (kind === 'agent' || kind === 'health') return undefined;
    const check = (name: keyof RateLimits, key: string | undefined) => {
      const l = rate[name];
      if (!l || key === undefined) return undefined;
      const decision = buckets.take(`${name}:${key}`, l, now);
      return decision.allowed ? undefined : { name, retryAfter: decision.retryAfter };
    };
    return check('requestsPerAddress', address) ?? (kind === 'start' ? check('chatStartsPerAddress', address) : check('requestsPerToken', tokenOf));
  }

  /** What each request answers when no limit stops it. */
  const NORMAL: Record<Kind, Record<TokenUse, number>> = {
    start: { own: 201, forged: 201, other: 201, none: 201 },
    status: { own: 200, forged: 401, other: 403, none: 401 },
    read: { own: 200, forged: 401, other: 403, none: 401 },
    say: { own: 202, forged: 401, other: 403, none: 401 },
    refresh: { own: 201, forged: 401, other: 403, none: 401 },
    // Another chat's credential on Direct Line is a customer token of /api/chats: nobody there.
    dlRead: { own: 200, forged: 401, other: 401, none: 401 },
    dlPost: { own: 200, forged: 401, other: 401, none: 401 },
    agent: { own: 200, forged: 200, other: 200, none: 200 },
    health: { own: 200, forged: 200, other: 200, none: 200 },
  };

  /** Every answer not refused (by key), with its time: no window may hold more than the bucket lets through. */
  function assertWithinLimits(passed: Map<string, number[]>, rate: RateLimits): void {
    for (const [key, times] of passed) {
      const l = rate[key.slice(0, key.indexOf(':')) as keyof RateLimits];
      if (!l) continue;
      for (let i = 0; i < times.length; i++) {
        for (let j = i; j < times.length; j++) {
          const allowance = l.requests + Math.floor(((times[j]! - times[i]!) * l.requests) / (l.perSeconds * 1000));
          if (j - i + 1 > allowance) throw new Error(`${key}: ${j - i + 1} answers in ${times[j]! - times[i]!} ms; the limit ${l.requests} per ${l.perSeconds} s allows ${allowance}`);
        }
      }
    }
  }

  test('generated requests from three addresses with chat tokens, Direct Line tokens, forged tokens and none, as the clock moves', async () => {
    let refusals = 0;
    await fc.assert(fc.asyncProperty(limits, fc.array(step, { minLength: 5, maxLength: 24 }), async (rate, steps) => {
      const clock: TestClock = testClock();
      const host = await startTestHost({ clock, bots: SILENT_BOTS, config: sampleConfig((c) => { c.limits.rate = rate; }) });
      try {
        const sent = watchBus(host);
        const buckets = new Buckets();
        const chats: { conversationId: string; token: string }[] = [];
        for (const from of SETUP_ADDRESSES) {
          predict(buckets, rate, 'start', from, undefined, clock.now().getTime());
          const response = await rawRequest(portOf(host), { method: 'POST', target: '/api/chats', body: '{}', from });
          expect(response.status).toBe(201);
          chats.push(response.json as { conversationId: string; token: string });
        }
        // A Direct Line chat, as the hosted page starts one: the visitor route (a chat start), then POST /conversations (a customer request, no chat in the path).
        predict(buckets, rate, 'start', DL_SETUP_ADDRESSES[0]!, undefined, clock.now().getTime());
        const visitor = await rawRequest(portOf(host), { method: 'POST', target: '/api/directline/sites/support/tokens', body: '{}', from: DL_SETUP_ADDRESSES[0] });
        expect(visitor.status).toBe(201);
        predict(buckets, rate, 'say', DL_SETUP_ADDRESSES[1]!, undefined, clock.now().getTime());
        const dlStart = await rawRequest(portOf(host), { method: 'POST', target: '/api/directline/conversations', body: '{}', headers: [bearer((visitor.json as { token: string }).token)], from: DL_SETUP_ADDRESSES[1] });
        expect(dlStart.status).toBe(201);
        const dlChat = dlStart.json as { conversationId: string; token: string };
        const passed = new Map<string, number[]>();
        const pass = (key: string, now: number) => passed.set(key, [...(passed.get(key) ?? []), now]);
        for (const s of steps) {
          await idle(host);
          clock.advance(s.wait * 250);
          const now = clock.now().getTime();
          const address = ADDRESSES[s.from]!;
          const chat = chats[s.chat % chats.length]!;
          const other = chats[(s.chat + 1) % chats.length]!;
          const [expiry, hmac] = chat.token.split('.').slice(1);
          const token = { own: chat.token, forged: `${chat.conversationId}.${expiry}.${hmac === 'A'.repeat(hmac?.length ?? 1) ? 'B' : 'A'.repeat(hmac?.length ?? 1)}`, other: other.token, none: undefined }[s.token];
          const headers: [string, string][] = token ? [bearer(token)] : [];
          const dlToken = { own: dlChat.token, forged: `${dlChat.token.slice(0, -4)}${dlChat.token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`, other: chat.token, none: undefined }[s.token];
          const dlHeaders: [string, string][] = dlToken ? [bearer(dlToken)] : [];
          const request: RawRequest = {
            start: { method: 'POST', target: '/api/chats', body: '{}' },
            status: { method: 'GET', target: `/api/chats/${chat.conversationId}`, headers },
            read: { method: 'GET', target: `/api/chats/${chat.conversationId}/messages?limit=5`, headers },
            say: { method: 'POST', target: `/api/chats/${chat.conversationId}/messages`, headers, body: '{"text":"hello"}' },
            refresh: { method: 'POST', target: `/api/chats/${chat.conversationId}/token`, headers, body: '' },
            agent: { method: 'GET', target: '/api/agents/alice/offers', headers: [bearer('dev-alice')] },
            health: { method: 'GET', target: '/api/health' },
            dlRead: { method: 'GET', target: `/api/directline/conversations/${dlChat.conversationId}/activities`, headers: dlHeaders },
            dlPost: { method: 'POST', target: `/api/directline/conversations/${dlChat.conversationId}/activities`, headers: dlHeaders, body: '{"type":"message","text":"hello"}' },
          }[s.kind];
          const direct = s.kind === 'dlRead' || s.kind === 'dlPost';
          const genuine = s.token === 'own' && s.kind !== 'start' ? (direct ? dlChat.conversationId : chat.conversationId) : undefined;
          const expected = predict(buckets, rate, s.kind, address, genuine, now);
          const response = await send(host, sent, { ...request, from: address });
          const what = `step ${JSON.stringify(s)} at +${now - Date.parse('2024-05-01T09:00:00.000Z')} ms from ${address}: ${show(response)}`;
          if (expected && s.kind === 'dlRead') {
            // Never a 429 on Direct Line's polling GET (one stops Web Chat's polling for good): an empty set, nothing read.
            refusals++;
            expect({ what, status: response.status, body: response.json }).toEqual({ what, status: 200, body: { activities: [], watermark: null } });
            continue;
          }
          if (expected) {
            refusals++;
            if (response.status !== 429) throw new Error(`expected 429 (${expected.name}, Retry-After ${expected.retryAfter}), got ${what}`);
            expect({ retryAfter: response.headers['retry-after'], code: errorOf(response)?.code }).toEqual({ retryAfter: String(expected.retryAfter), code: 'TooManyRequests' });
            expect(errorOf(response)?.message).toContain(`limits.rate.${expected.name}`);
            continue;
          }
          if (response.status !== NORMAL[s.kind][s.token]) throw new Error(`expected ${NORMAL[s.kind][s.token]}, got ${what}`);
          if (s.kind === 'start') chats.push(response.json as { conversationId: string; token: string });
          if (s.kind === 'agent' || s.kind === 'health') continue;
          pass(`requestsPerAddress:${address}`, now);
          if (s.kind === 'start') pass(`chatStartsPerAddress:${address}`, now);
          if (genuine) pass(`requestsPerToken:${genuine}`, now);
        }
        assertWithinLimits(passed, rate);
      } finally {
        await host.close();
      }
    }), { numRuns: fuzzRuns(16, 300) });
    expect(refusals).toBeGreaterThan(0);
  });
});

// =============================================================================================
// Paging: ?after=&limit= on the customer's and the agent's transcript reads.

describe('paging: at most `limit` messages a page, and `next` walks the transcript without repeats or gaps', () => {
  let host: Host;
  let sent: OutgoingMessage[];
  type Reader = 'customer' | 'agent';
  interface Chat { conversationId: string; token: string; readers: Reader[] }
  const chats: Chat[] = [];
  /** Per chat and reader: what the reader sees, in order, each with its position (the `next` a page ending on it gives). */
  const seen = new Map<string, { id: string; position: number }[]>();
  const key = (chat: Chat, reader: Reader) => `${chat.conversationId}/${reader}`;

  const path = (chat: Chat, reader: Reader, query: string) => (reader === 'customer' ? `/api/chats/${chat.conversationId}/messages${query}` : `/api/agents/alice/conversations/${chat.conversationId}/messages${query}`);
  const credentials = (chat: Chat, reader: Reader) => [bearer(reader === 'customer' ? chat.token : 'dev-alice')];
  /** Reads change nothing: the stores and the bus are compared once after each property (see afterEach), not after every read. */
  async function read(chat: Chat, reader: Reader, query: string): Promise<RawResponse> {
    const response = await rawRequest(portOf(host), { method: 'GET', target: path(chat, reader, query), headers: credentials(chat, reader) });
    if (response.status >= 500) throw new Error(`a 5xx: GET ${path(chat, reader, query)} -> ${show(response)}`);
    if (response.status >= 400 && (typeof errorOf(response)?.code !== 'string' || !errorOf(response)?.message)) throw new Error(`a 4xx without {error: {code, message}}: ${show(response)}`);
    return response;
  }
  let baseline = '';
  type Page = { messages: { id: string }[]; next: string | null };

  beforeAll(async () => {
    host = await startTestHost({ bots: SILENT_BOTS, config: sampleConfig(customersPickTheTopic) });
    const api = host.api;
    expect((await api.agent('bob', 'PUT', '/presence', { presence: 'Offline' })).status).toBe(200);
    // Two chats with alice (one long, one not), a third waiting (alice is full): customer and agent messages.
    // The long one is over a default page (100) for both readers.
    for (const [count, readers] of [[110, ['customer', 'agent']], [0, ['customer', 'agent']], [4, ['customer']]] as const) {
      const chat = await api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
      await host.bus.whenIdle();
      for (let i = 0; i < count; i++) {
        expect((await api.say(chat, `customer ${i}`)).status).toBe(202);
        if (readers.length === 2 && i % 3 === 0) expect((await api.agent('alice', 'POST', `/conversations/${chat.conversationId}/messages`, { text: `agent ${i}` })).status).toBe(202);
      }
      await host.bus.whenIdle();
      chats.push({ ...chat, readers: [...readers] });
    }
    sent = watchBus(host);
    // The oracle: what each reader may see (customers: not agent-only, not deleted; agents: not deleted), from the store.
    for (const chat of chats) {
      const all: TranscriptMessage[] = await host.services.transcripts.list(chat.conversationId);
      for (const reader of chat.readers) {
        const visible = all.filter((m) => !m.deletedAt && (reader === 'agent' || m.visibility === 'everyone')).map((m) => m.id);
        // Positions, one page of one message at a time; that walk must give the same messages.
        const positions: { id: string; position: number }[] = [];
        for (let after = ''; ;) {
          const response = await read(chat, reader, `?limit=1${after ? `&after=${after}` : ''}`);
          expect(response.status).toBe(200);
          const page = response.json as Page;
          expect(page.messages.length).toBeLessThanOrEqual(1);
          if (page.messages.length === 1) positions.push({ id: page.messages[0]!.id, position: Number(page.next ?? Number.NaN) });
          if (page.next === null) break;
          after = page.next;
        }
        // The last message's position no page gives: the least `after` that leaves it out.
        const last = positions.at(-1);
        if (last) {
          let [lo, hi] = [positions.at(-2)?.position ?? 0, 2 ** 40];
          while (hi - lo > 1) {
            const mid = Math.floor((lo + hi) / 2);
            if (((await read(chat, reader, `?limit=1&after=${mid}`)).json as Page).messages.length > 0) lo = mid;
            else hi = mid;
          }
          last.position = hi;
        }
        expect(positions.map((p) => p.id)).toEqual(visible);
        seen.set(key(chat, reader), positions);
      }
    }
    expect(seen.get(key(chats[0]!, 'customer'))!.length).toBeGreaterThan(100);
    await idle(host);
    baseline = await snapshot(host);
  });
  afterEach(async () => {
    await idle(host);
    expect(sent).toEqual([]);
    expect(await snapshot(host)).toBe(baseline);
  });
  afterAll(async () => {
    await host?.close();
  });

  const chatAndReader = () => fc.nat().chain((i) => {
    const chat = chats[i % chats.length]!;
    return fc.constantFrom(...chat.readers).map((reader) => ({ chat, reader }));
  });
  /** What the reader sees after `after`, in order. */
  const expectedAfter = (chat: Chat, reader: Reader, after: number) => seen.get(key(chat, reader))!.filter((m) => m.position > after).map((m) => m.id);

  test('following `next` from any start reads every later message once, in order, pages of at most `limit`', async () => {
    const start = fc.oneof(
      fc.constant<number | undefined>(undefined),
      fc.constantFrom(0, 1, 999_999_999_999_999),
      // Near a message's position: on it, just before, just after.
      fc.tuple(fc.nat(), fc.integer({ min: -1, max: 1 })).map(([i, delta]) => ({ i, delta })),
    );
    await fc.assert(fc.asyncProperty(chatAndReader(), fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 500 })), start, async ({ chat, reader }, limit, from) => {
      const positions = seen.get(key(chat, reader))!;
      const first = typeof from === 'object' ? Math.max(0, (positions[from.i % Math.max(1, positions.length)]?.position ?? 0) + from.delta) : from;
      const read1 = [] as string[];
      let after = first === undefined ? undefined : String(first);
      for (let pages = 0; ; pages++) {
        if (pages > positions.length + 1) throw new Error(`the walk does not end: ${pages} pages of ${limit} for ${positions.length} messages`);
        const response = await read(chat, reader, `?limit=${limit}${after === undefined ? '' : `&after=${after}`}`);
        expect(response.status).toBe(200);
        const page = response.json as Page;
        expect(page.messages.length).toBeLessThanOrEqual(limit);
        // A page is short only when nothing follows.
        if (page.next !== null) expect({ full: page.messages.length, next: /^(0|[1-9]\d*)$/.test(page.next) }).toEqual({ full: limit, next: true });
        read1.push(...page.messages.map((m) => m.id));
        if (page.next === null) break;
        after = page.next;
      }
      expect(read1).toEqual(expectedAfter(chat, reader, first ?? 0));
    }), { numRuns: fuzzRuns(40) });
  });

  test('any `after` and `limit` in the query (numbers, negatives, huge, not numbers, repeated, empty, encoded): the page the rules give, or 400 InvalidQuery', async () => {
    const NAMES = ['after', 'limit', 'after', 'limit', 'AFTER', 'Limit', 'offset', ''];
    const value = fc.oneof(
      fc.integer({ min: 0, max: 600 }).map(String),
      fc.constantFrom('1', '99', '100', '101', '499', '500', '501', '1000', '9999', '10000'),
      fc.constantFrom('0', '1', '500', '501', '-1', '-0', '1.5', '1e2', '007', '01', ' 7', '7 ', '+7', '0x10', '9'.repeat(15), '9'.repeat(16), '9'.repeat(40), 'abc', 'null', 'undefined', '', '%', '%ZZ', '%35', '%2B5', '+', '5;', '[]'),
      fc.nat().map((i) => {
        const all = [...seen.values()].flat();
        return String(all.length ? all[i % all.length]!.position : 0);
      }),
      fc.string({ maxLength: 8 }),
    );
    /** A parameter: `name=value` with the value percent-encoded or as is (when it is safe in a URL), or a bare name. */
    const param = fc.tuple(fc.constantFrom(...NAMES), value, fc.constantFrom('encoded', 'raw', 'raw', 'bare')).map(([name, v, form]) => {
      if (form === 'bare') return name;
      return `${name}=${form === 'raw' && /^[\w.%+\-;[\] ]*$/.test(v) && !v.includes(' ') ? v : encodeURIComponent(v)}`;
    });
    const query = fc.oneof(
      fc.constant(''),
      fc.constant('?'),
      fc.array(param, { minLength: 1, maxLength: 4 }).map((parts) => `?${parts.join('&')}`),
      // Just a limit, at and around the bounds.
      fc.constantFrom('0', '1', '100', '101', '499', '500', '501').map((limit) => `?limit=${limit}`),
    );
    let valid = 0;
    let invalid = 0;
    await fc.assert(fc.asyncProperty(chatAndReader(), query, async ({ chat, reader }, q) => {
      const response = await read(chat, reader, q);
      // Read as any URL reader reads a query: the first value of each name, percent-decoded.
      const params = new URLSearchParams(q);
      const after = params.get('after');
      const limit = params.get('limit');
      const ok = (after === null || /^(0|[1-9]\d{0,14})$/.test(after)) && (limit === null || (/^[1-9]\d{0,3}$/.test(limit) && Number(limit) <= 500));
      if (!ok) {
        invalid++;
        expect({ query: q, status: response.status, code: errorOf(response)?.code }).toEqual({ query: q, status: 400, code: 'InvalidQuery' });
        return;
      }
      valid++;
      expect({ query: q, status: response.status }).toEqual({ query: q, status: 200 });
      const page = response.json as Page;
      const rest = expectedAfter(chat, reader, Number(after ?? 0));
      const size = limit === null ? 100 : Number(limit);
      expect({ query: q, ids: page.messages.map((m) => m.id), more: page.next !== null }).toEqual({ query: q, ids: rest.slice(0, size), more: rest.length > size });
    }), { numRuns: fuzzRuns(80) });
    expect(valid).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
  });
});

// =============================================================================================
// The cap per chat: limits.chat {maxMessages, maxBytes}.

describe('the cap per chat: 409 ChatLimitReached past limits.chat, and the transcript never exceeds it', () => {
  const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  /** Texts of one to four bytes a character, whitespace-only ones aside. */
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    fc.tuple(fc.constantFrom('a', 'é', '€', '😀', 'e\u0301'), fc.integer({ min: 1, max: 20 })).map(([ch, n]) => ch.repeat(n)),
  ).filter((t) => t.trim() !== '');

  test('generated messages into a chat with a small cap, one at a time then a burst at once', async () => {
    const caps = fc.record({ maxMessages: fc.integer({ min: 1, max: 6 }), maxBytes: fc.integer({ min: 4, max: 160 }) });
    let refusals = 0;
    await fc.assert(fc.asyncProperty(caps, fc.array(text, { minLength: 1, maxLength: 10 }), fc.array(text, { maxLength: 6 }), async (cap, texts, burst) => {
      const host = await startTestHost({ bots: SILENT_BOTS, config: sampleConfig((c) => { customersPickTheTopic(c); c.limits.chat = cap; }) });
      try {
        const api = host.api;
        // Nobody to take it: the chat waits in its queue, and its transcript holds what the customer writes.
        for (const agent of ['alice', 'bob']) expect((await api.agent(agent, 'PUT', '/presence', { presence: 'Offline' })).status).toBe(200);
        const chat = await api.startChat({ context: { BotHandoffTopic: 'CreditCard' } });
        await idle(host);
        const sent = watchBus(host);
        const accepted: string[] = [];
        let bytes = 0;
        for (const t of texts) {
          const response = await send(host, sent, { method: 'POST', target: `/api/chats/${chat.conversationId}/messages`, headers: [bearer(chat.token)], body: jsonBody({ text: t }) });
          const fits = accepted.length + 1 <= cap.maxMessages && bytes + utf8Bytes(t) <= cap.maxBytes;
          if (fits) {
            expect({ text: t, status: response.status }).toEqual({ text: t, status: 202 });
            accepted.push(t);
            bytes += utf8Bytes(t);
          } else {
            refusals++;
            expect({ text: t, status: response.status, code: errorOf(response)?.code }).toEqual({ text: t, status: 409, code: 'ChatLimitReached' });
            expect(errorOf(response)?.message).toContain(accepted.length + 1 > cap.maxMessages ? 'limits.chat.maxMessages' : 'limits.chat.maxBytes');
          }
        }
        const transcript = async () => (await host.services.transcripts.list(chat.conversationId)).filter((m) => m.role === 'customer').map((m) => m.text);
        expect(await transcript()).toEqual(accepted);
        // At once: each is accepted or refused, and the cap holds whatever the order.
        const answers = await Promise.all(burst.map((t) => rawRequest(portOf(host), { method: 'POST', target: `/api/chats/${chat.conversationId}/messages`, headers: [bearer(chat.token)], body: jsonBody({ text: t }) })));
        for (const a of answers) expect([202, 409]).toContain(a.status);
        await idle(host);
        const all = await host.services.transcripts.list(chat.conversationId);
        expect(all.length).toBeLessThanOrEqual(cap.maxMessages);
        expect(all.reduce((sum, m) => sum + utf8Bytes(m.text), 0)).toBeLessThanOrEqual(cap.maxBytes);
        expect((await transcript()).slice(0, accepted.length)).toEqual(accepted);
      } finally {
        await host.close();
      }
    }), { numRuns: fuzzRuns(15, 300) });
    expect(refusals).toBeGreaterThan(0);
  });
});
