import fc from 'fast-check';
import type { BotUser, Config } from '../../shared/core/config';
import { compileRoute } from '../../shared/host/local/httpServer';
import { registrations, servedRoute } from '../../shared/host/registry';
import { QUEUES, type OutgoingMessage } from '../../shared/ports/messageBus';
import { startLocalIssuer, type LocalIssuer } from '../fixtures/identity/localIssuer';
import { eventually, sampleConfig, startTestHost } from '../support/localHostHarness';
import { FUZZ_TIMEOUT_IN_MS, fuzzRuns, table, type Tally } from './fuzzSupport';
import { DirectLineTokens } from '../../shared/usecases/directLineTokens';
import {
  emptyBodyValid, explainFields, garbageAuthorization, generateTokenFields, ignoredActivity, invalidActivity, invalidBodies, invalidIncomingActivity, invalidObject, messageFields, noiseHeaders, sessionFields,
  presenceFields, segmentFor, startChatFields, assignFields, supervisorTransferBodies, QUEUE_NAMES, startConversationBodies, transferFields, trickSegment, unknownId, validActivity, validBodies, validIncomingActivity, validObject, visitorTokenFields,
  type Body, type Field,
} from './httpGenerators';
import { rawRequest, type RawRequest, type RawResponse } from './rawHttp';

/**
 * Bad input on every HTTP route (issue 5, Reliability 5; DESIGN §3 invariant 7): malformed JSON,
 * wrong types, missing and extra fields, huge and deeply nested bodies, unknown ids, injection
 * strings, invalid Unicode and UTF-8, odd methods, content types, percent-encoding tricks and
 * credentials that prove nothing, against the local host (in process, :memory:).
 *
 * Properties, for every input: never a 5xx, never a crash or a hang (each request is bounded),
 * every 4xx carries `{error: {code, message}}`, and nothing changes: the conversations, agents and
 * transcripts of live chats set up beforehand are compared after every request, and the bus must
 * receive nothing (after each batch: bus idle, stores compared again, no dead letters). Valid but
 * unauthorised calls must change nothing either. Calls that would legitimately change state are
 * never generated; reads and idempotent no-ops may answer 2xx.
 *
 * Small size in `npm test`; `FUZZ_RUNS=2000 npm run -s jest -- test/fuzz/httpRoutes.test.ts` runs the large one.
 */

jest.setTimeout(FUZZ_TIMEOUT_IN_MS);

type Host = Awaited<ReturnType<typeof startTestHost>>;
type Expectation = '4xx' | 'any';

interface Case {
  /** The registered function the request is aimed at (or a label for requests that match none). */
  route: string;
  request: RawRequest;
  expect: Expectation;
  /** What the generator made, for the report. */
  kind: string;
}

const REQUEST_TIMEOUT_IN_MS = 10_000;
const tally: Tally = new Map();

function describeCase(c: Case): string {
  const body = c.request.body === undefined ? '' : Buffer.isBuffer(c.request.body) ? `<${c.request.body.length} bytes: ${c.request.body.subarray(0, 80).toString('latin1')}>` : c.request.body.slice(0, 160);
  const headers = (c.request.headers ?? []).map(([n, v]) => `${n}: ${String(v).slice(0, 60)}`).join(' | ');
  return `[${c.route} / ${c.kind}] ${c.request.method} ${String(c.request.target).slice(0, 160)} {${headers}} ${JSON.stringify(body)}`;
}

/**
 * One host under fuzzing: sends cases, checks each answer, and compares the state with the
 * baseline taken once everything set up had settled.
 */
class Fuzzer {
  readonly sent: OutgoingMessage[] = [];
  private baseline = '';
  private deadLetters = '';
  private firstChange: string | undefined;
  readonly port: number;

  constructor(readonly host: Host, readonly conversationIds: string[]) {
    this.port = Number(new URL(host.baseUrl).port);
  }

  /** After setup: the state every request is compared with, and a spy on the bus. */
  async start(): Promise<void> {
    await this.host.bus.whenIdle({ timeoutInMs: 20_000 });
    this.baseline = await this.snapshot();
    this.deadLetters = await this.deadLetterSnapshot();
    const bus = this.host.bus;
    const send = bus.send.bind(bus);
    bus.send = async (messages: OutgoingMessage[]) => {
      this.sent.push(...messages);
      return send(messages);
    };
  }

  private async snapshot(): Promise<string> {
    const s = this.host.services;
    const [conversations, transcripts, unclosed, agents] = await Promise.all([
      Promise.all(this.conversationIds.map((id) => s.conversations.get(id))),
      Promise.all(this.conversationIds.map((id) => s.transcripts.list(id))),
      s.conversations.listUnclosedUpdatedBefore('9999-12-31T00:00:00.000Z', { limit: 100_000 }),
      s.agents.list(),
    ]);
    return JSON.stringify({ conversations, transcripts, unclosed: unclosed.map((c) => [c.value.id, c.etag]), agents });
  }

  private async deadLetterSnapshot(): Promise<string> {
    return JSON.stringify(await Promise.all(Object.values(QUEUES).map((queue) => this.host.bus.listDeadLetters(queue))));
  }

  async check(c: Case): Promise<RawResponse> {
    if (this.firstChange) throw new Error(`the state changed earlier, first after: ${this.firstChange}`);
    let response: RawResponse;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await rawRequest(this.port, c.request, REQUEST_TIMEOUT_IN_MS);
      } catch (error) {
        count(c, 'no answer');
        throw new Error(`${describeCase(c)}: ${(error as Error).message}`);
      }
      // Load shedding (a busy machine stalls the event loop): 503 with Retry-After, before anything is read. Not an
      // answer to the input: wait and send it again.
      if (!(response.status === 503 && response.headers['retry-after'] && attempt < 5)) break;
      note(c, 'shed, retried');
      await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(response.headers['retry-after'])));
    }
    count(c, response.status >= 500 ? '5xx' : response.status >= 400 ? '4xx' : response.status >= 200 && response.status < 300 ? '2xx' : 'other');
    const fail = (what: string) => {
      throw new Error(`${what}\n  request: ${describeCase(c)}\n  answer: ${response.status} ${response.text.slice(0, 300)}`);
    };
    // State first: once it changed, every later check fails, so the culprit is named here.
    if (this.sent.length > 0) {
      this.firstChange = `${describeCase(c)} -> ${response.status} ${response.text.slice(0, 200)}`;
      fail(`the bus received ${this.sent.length} message(s): ${JSON.stringify(this.sent).slice(0, 400)}`);
    }
    const now = await this.snapshot();
    if (now !== this.baseline) {
      this.firstChange = `${describeCase(c)} -> ${response.status} ${response.text.slice(0, 200)}`;
      fail(`the stores changed:\n  before: ${this.baseline.slice(0, 300)}\n  after:  ${now.slice(0, 300)}`);
    }
    if (response.status >= 500) fail('a 5xx');
    if (response.status >= 400 && c.request.method !== 'HEAD') {
      const error = (response.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      if (typeof error?.code !== 'string' || error.code === '' || typeof error.message !== 'string' || error.message.trim() === '') fail('a 4xx without {error: {code, message}}');
    }
    if (c.expect === '4xx' && !(response.status >= 400 && response.status < 500)) fail('bad input was not refused with a 4xx');
    return response;
  }

  /** After a batch: everything settled, still nothing changed, nothing dead-lettered. */
  async endBatch(): Promise<void> {
    await this.host.bus.whenIdle({ timeoutInMs: 20_000 });
    expect(this.firstChange).toBeUndefined();
    expect(this.sent).toEqual([]);
    expect(await this.snapshot()).toBe(this.baseline);
    expect(await this.deadLetterSnapshot()).toBe(this.deadLetters);
  }
}

function count(c: Case, outcome: string): void {
  note(c, outcome);
  tally.get(c.route)!.tried++;
}

function note(c: Case, outcome: string): void {
  const row = tally.get(c.route) ?? { tried: 0 };
  row[outcome] = (row[outcome] ?? 0) + 1;
  tally.set(c.route, row);
}

/** Runs `cases` through the fuzzer: one property, one batch. */
async function fuzz(fuzzer: Fuzzer, cases: fc.Arbitrary<Case>, numRuns: number, noise: fc.Arbitrary<[string, string][]> = noiseHeaders): Promise<void> {
  await fc.assert(fc.asyncProperty(cases, noise, async (c, noise) => {
    await fuzzer.check({ ...c, request: { ...c.request, headers: [...noise.filter(([n]) => !(c.request.headers ?? []).some(([m]) => m.toLowerCase() === n.toLowerCase())), ...(c.request.headers ?? [])] } });
  }), { numRuns });
  await fuzzer.endBatch();
}

const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
/** Runs of a property in the small size (twice the figure written at each test: about 2,300 requests, under 10 s). */
const RUNS = (small: number) => fuzzRuns(small * 2);

// =============================================================================================
// The development host: the sample configuration, the demo bot, anonymous bots allowed.

describe('every route of the local host refuses bad input and changes nothing', () => {
  let host: Host;
  let fuzzer: Fuzzer;
  /** Live chats, each in a different place; two offered to an agent (one of a workstream whose offers cannot be rejected). */
  const chats: Record<'bot' | 'agent' | 'wrapUp' | 'closed' | 'waiting' | 'offered' | 'offeredNoReject', { conversationId: string; token: string }> = {} as never;
  let activeHolder = '';
  let wrapUpHolder = '';
  /** The agents the two offered chats are offered to. */
  const offeredTo: Record<'offered' | 'offeredNoReject', string> = { offered: '', offeredNoReject: '' };
  const AGENTS = ['alice', 'bob', 'carol', 'dave'];
  /** The chats a customer message or end would change (they are not over). */
  const LIVE = ['bot', 'agent', 'waiting', 'offered', 'offeredNoReject'];
  /** Direct Line chats of the site `support`: one the bot holds, one that ended, and a token whose conversation has not started. */
  const dlChats: Record<'live' | 'ended' | 'unstarted', { conversationId: string; token: string }> = {} as never;
  const DL_CHATS = ['live', 'ended', 'unstarted'] as const;
  const SITE_SECRET = 'support-site-secret-for-the-fuzzing-0123456789';
  /** Tokens that name a Direct Line chat and open nothing: expired, a stream URL's, of another key, a customer token. */
  const dlNobody: { label: string; token: string }[] = [];

  beforeAll(async () => {
    // The sample, plus two workstreams that offer their chats (a day to answer: nothing expires while fuzzing).
    const offers = { timeoutSeconds: 86_400, allowReject: true, autoAccept: false, maxDeclinesPerAgent: 3 };
    host = await startTestHost({
      config: sampleConfig((c) => {
        const [chat] = c.workstreams;
        c.workstreams.push({ ...chat!, name: 'OfferWorkStream', offers }, { ...chat!, name: 'NoRejectWorkStream', offers: { ...offers, allowReject: false } });
        c.directLine.sites = c.directLine.sites.map((site) => ({ ...site, secret: SITE_SECRET, secretFromEnv: undefined }));
        // A GET of activities past the end waits this long for news: short, so the held path is fuzzed too.
        c.directLine.longPollSeconds = 0.2;
      }),
    });
    const api = host.api;
    const conversation = (id: string) => api.conversation(id).then((r) => r.body);
    const assignedAgent = (id: string) => eventually(`an agent for ${id}`, async () => {
      const c = await conversation(id);
      return c.status === 'Active' && c.assignee?.kind === 'agent' ? (c.assignee.id as string) : undefined;
    });

    chats.bot = await api.startChat();
    await eventually('the demo bot greets', async () => ((await api.messages(chats.bot)).body.messages.length > 0 ? true : undefined));

    chats.agent = await api.startChat();
    await api.say(chats.agent, 'I need a credit card');
    activeHolder = await assignedAgent(chats.agent.conversationId);

    chats.wrapUp = await api.startChat();
    await api.say(chats.wrapUp, 'a credit card, please');
    wrapUpHolder = await assignedAgent(chats.wrapUp.conversationId);
    expect((await api.agent(wrapUpHolder, 'POST', `/conversations/${chats.wrapUp.conversationId}/end`)).body).toEqual({ status: 'WrapUp' });

    // Offered to a credit-card agent (alice or bob), who neither accepts nor rejects.
    for (const [name, workstream] of [['offered', 'OfferWorkStream'], ['offeredNoReject', 'NoRejectWorkStream']] as const) {
      chats[name] = await api.startChat({ workstream });
      await api.say(chats[name], 'I need a credit card');
      offeredTo[name] = await eventually(`an offer of ${name}`, async () => (await host.services.conversations.get(chats[name].conversationId))?.value.offer?.agentId);
    }

    chats.closed = await api.startChat();
    expect((await api.call('POST', `chats/${chats.closed.conversationId}/end`, { token: chats.closed.token })).status).toBe(200);

    // No home-loan agent is available: this chat waits in its queue.
    for (const agent of ['carol', 'dave']) expect((await api.agent(agent, 'PUT', '/presence', { presence: 'Offline' })).status).toBe(200);
    chats.waiting = await api.startChat();
    await api.say(chats.waiting, 'a home loan');
    await eventually('the home-loan chat waits', async () => ((await conversation(chats.waiting.conversationId)).status === 'Open' ? true : undefined));

    expect((await conversation(chats.closed.conversationId)).status).toBe('Closed');

    // Direct Line, as a site's backend and Web Chat use it: tokens/generate with the secret, then the client starts the conversation.
    const generate = async () => (await api.call('POST', 'directline/tokens/generate', { body: {}, token: SITE_SECRET })).body as { conversationId: string; token: string };
    for (const name of ['live', 'ended'] as const) {
      dlChats[name] = await generate();
      expect((await api.call('POST', 'directline/conversations', { body: {}, token: dlChats[name].token })).status).toBe(201);
      await eventually('the demo bot greets', async () => ((await host.services.transcripts.list(dlChats[name].conversationId)).length > 0 ? true : undefined));
    }
    const endToken = host.services.customerTokens.issue(dlChats.ended.conversationId, new Date()).token;
    expect((await api.call('POST', `chats/${dlChats.ended.conversationId}/end`, { token: endToken })).status).toBe(200);
    dlChats.unstarted = await generate();
    const rogue = new DirectLineTokens('not-the-host-token-secret-0123456789');
    for (const name of DL_CHATS) {
      const checked = host.services.directLineTokens.check(dlChats[name].token, new Date(0));
      if (checked.kind === 'invalid') throw new Error('test setup: a Direct Line token of this host does not check');
      dlNobody.push(
        { label: `expired, of ${name}`, token: host.services.directLineTokens.issue(checked.claims, new Date(Date.now() - 2 * 3600_000)).token },
        { label: `stream, of ${name}`, token: host.services.directLineTokens.issueStream(checked.claims, new Date()) },
        { label: `another key, of ${name}`, token: rogue.issue(checked.claims, new Date()).token },
        { label: `customer token, of ${name}`, token: host.services.customerTokens.issue(dlChats[name].conversationId, new Date()).token },
      );
    }
    fuzzer = new Fuzzer(host, [...Object.values(chats), ...Object.values(dlChats)].map((c) => c.conversationId));
    await fuzzer.start();
  }, 60_000);

  afterAll(async () => {
    await host?.close();
  });

  const chatNames = () => Object.keys(chats) as (keyof typeof chats)[];
  const knownChat = () => fc.constantFrom(...chatNames());
  /** A known chat's id in a path segment (plainly or percent-encoded byte by byte), or an unknown id. */
  const chatTarget = () => fc.oneof(
    { weight: 4, arbitrary: knownChat().chain((name) => segmentFor(chats[name].conversationId).map((segment) => ({ name: name as string, segment }))) },
    unknownId.map((id) => ({ name: 'unknown', segment: encodeURIComponent(id) })),
    trickSegment.map((segment) => ({ name: 'trick', segment })),
  );

  // ---- customer ----------------------------------------------------------------------------

  /** A customer token: the chat's own, another chat's, one computed for an unknown id, garbage, or none. */
  const customerAuth = () => fc.oneof(
    knownChat().map((name) => ({ of: name as string, headers: [bearer(chats[name].token)] })),
    unknownId.map((id) => ({ of: 'unknown', headers: [bearer(host.services.customerTokens.issue(id, host.services.clock.now()).token)] })),
    garbageAuthorization.map((value) => ({ of: 'nobody', headers: [['Authorization', value] as [string, string]] })),
    fc.constant({ of: 'nobody', headers: [] as [string, string][] }),
  );
  /** A chat and a customer token, most often the chat's own (the valid-looking calls), otherwise any. */
  const customerCall = () => fc.oneof(
    { weight: 3, arbitrary: knownChat().chain((name) => segmentFor(chats[name].conversationId).map((segment) => ({ target: { name: name as string, segment }, auth: { of: name as string, headers: [bearer(chats[name].token)] } }))) },
    { weight: 2, arbitrary: fc.tuple(chatTarget(), customerAuth()).map(([target, auth]) => ({ target, auth })) },
  );

  test('POST /api/chats', async () => {
    const shape = { valid: validObject(startChatFields), invalid: invalidObject(startChatFields), field: 'context', allowEmpty: true };
    const cases = fc.tuple(invalidBodies(shape), fc.constantFrom<'length' | 'chunked'>('length', 'chunked'))
      .map(([body, framing]): Case => ({ route: 'chatsStart', kind: body.kind, expect: '4xx', request: { method: 'POST', target: '/api/chats', body: body.bytes, framing } }));
    await fuzz(fuzzer, cases, RUNS(60));
  });

  /** The customer routes on a chat: `mutates` says which (chat, token, valid body) would really change it, so it is never sent. */
  /** `?after=&limit=` as clients send them, good or bad (limit 1 to 500; after a whole number, as `next` gives it). */
  function pageQueries(): fc.Arbitrary<{ query: string; valid: boolean }> {
    const goodLimit = (v: string) => /^[1-9]\d{0,3}$/.test(v) && Number(v) <= 500;
    const goodAfter = (v: string) => /^(0|[1-9]\d{0,14})$/.test(v);
    return fc.oneof(
      fc.constant({ query: '', valid: true }),
      fc.integer({ min: 1, max: 500 }).map((n) => ({ query: `?limit=${n}`, valid: true })),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 500 })).map(([after, limit]) => ({ query: `?after=${after}&limit=${limit}`, valid: true })),
      fc.oneof(fc.string(), fc.constantFrom('0', '501', '-1', '1.5', '1e2', ' 7', '0x10', '')).filter((v) => !goodLimit(v)).map((v) => ({ query: `?limit=${encodeURIComponent(v)}`, valid: false })),
      fc.oneof(fc.string(), fc.constantFrom('-1', '1.5', 'abc', '', '01', '9'.repeat(20))).filter((v) => !goodAfter(v)).map((v) => ({ query: `?after=${encodeURIComponent(v)}`, valid: false })),
    );
  }

  function customerCases(route: string, method: string, suffix: string, bodies: fc.Arbitrary<Body>, mutates: (chat: string, validBody: boolean) => boolean, readOnly = false): fc.Arbitrary<Case> {
    return fc.tuple(customerCall(), bodies)
      .filter(([{ target, auth }, body]) => !(target.name === auth.of && mutates(target.name, body.valid)))
      .map(([{ target, auth }, body]): Case => {
        const authorised = target.name === auth.of && body.valid;
        return {
          route,
          kind: `${body.kind}, ${auth.of === target.name ? 'own token' : `token of ${auth.of}`}, chat ${target.name}`,
          expect: readOnly || authorised ? 'any' : '4xx',
          request: { method, target: `/api/chats/${target.segment}${suffix}`, headers: auth.headers, body: body.bytes },
        };
      });
  }

  test('POST /api/chats/{id}/messages', async () => {
    const shape = { valid: validObject(messageFields), invalid: invalidObject(messageFields) };
    const bodies = fc.oneof(invalidBodies(shape), validBodies(shape.valid));
    // A valid message with the chat's own token is accepted unless the chat has ended (409).
    const cases = customerCases('chatMessagesSend', 'POST', '/messages', bodies, (chat, valid) => valid && LIVE.includes(chat))
      .map((c) => (c.expect === 'any' ? { ...c, expect: '4xx' as const } : c));
    await fuzz(fuzzer, cases, RUNS(60));
  });

  test('GET /api/chats/{id}/messages', async () => {
    await fuzz(fuzzer, customerCases('chatMessagesList', 'GET', '/messages', fc.constant({ bytes: '', valid: true, kind: 'no body' }), () => false, true), RUNS(30));
  });

  test('GET /api/chats/{id}/messages?after=&limit=', async () => {
    const cases = fc.tuple(customerCall(), pageQueries()).map(([{ target, auth }, page]): Case => ({
      route: 'chatMessagesList',
      kind: `${page.valid ? 'good' : 'bad'} page ${page.query}, ${auth.of === target.name ? 'own token' : `token of ${auth.of}`}, chat ${target.name}`,
      expect: page.valid ? 'any' : '4xx',
      request: { method: 'GET', target: `/api/chats/${target.segment}/messages${page.query}`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(40));
  });

  test('POST /api/chats/{id}/end', async () => {
    const bodies = fc.oneof(
      invalidBodies({ valid: fc.constant({}), invalid: invalidObject({ x: { valid: fc.constant(undefined), invalid: fc.jsonValue() } }), allowEmpty: true }),
      emptyBodyValid.map((bytes) => ({ bytes, valid: true, kind: 'empty' })),
    );
    // Ending an open or active chat with its own token changes it; on an ended chat it is a no-op (200).
    await fuzz(fuzzer, customerCases('chatEnd', 'POST', '/end', bodies, (chat, valid) => valid && LIVE.includes(chat)), RUNS(40));
  });

  test('POST /api/chats/{id}/token', async () => {
    const bodies = fc.oneof(
      invalidBodies({ valid: fc.constant({}), invalid: invalidObject({ x: { valid: fc.constant(undefined), invalid: fc.jsonValue() } }), allowEmpty: true }),
      emptyBodyValid.map((bytes) => ({ bytes, valid: true, kind: 'empty' })),
    );
    // A refresh changes no chat: with the chat's own token it gives a token (201) or says the chat ended (409).
    await fuzz(fuzzer, customerCases('chatToken', 'POST', '/token', bodies, () => false), RUNS(30));
  });

  // ---- operator ------------------------------------------------------------------------------

  test('GET /api/conversations/{id}', async () => {
    const cases = chatTarget().map(({ name, segment }): Case => ({ route: 'conversationGet', kind: `chat ${name}`, expect: name === 'unknown' || name === 'trick' ? '4xx' : 'any', request: { method: 'GET', target: `/api/conversations/${segment}` } }));
    await fuzz(fuzzer, cases, RUNS(30));
  });

  test('POST /api/workstreams/{name}/explain (a dry run: may answer 200, never changes anything)', async () => {
    const shape = { valid: validObject(explainFields), invalid: invalidObject(explainFields), field: 'context', allowEmpty: true };
    const cases = fc.tuple(fc.oneof(fc.constant('ChatWorkStream'), unknownId.map(encodeURIComponent), trickSegment), fc.oneof(invalidBodies(shape), validBodies(shape.valid)))
      .map(([workstream, body]): Case => ({
        route: 'routingExplain',
        kind: body.kind,
        expect: workstream === 'ChatWorkStream' && body.valid ? 'any' : '4xx',
        request: { method: 'POST', target: `/api/workstreams/${workstream}/explain`, body: body.bytes },
      }));
    await fuzz(fuzzer, cases, RUNS(40));
  });

  // ---- agent ---------------------------------------------------------------------------------

  /** Credentials on the agent API: each agent's token (in several spellings), a customer token, garbage, none. */
  const agentAuth = () => fc.oneof(
    fc.tuple(fc.constantFrom(...AGENTS), fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ')).map(([agent, scheme]) => ({ as: agent, headers: [['Authorization', `${scheme}dev-${agent}`] as [string, string]] })),
    knownChat().map((name) => ({ as: 'nobody', headers: [bearer(chats[name].token)] })),
    garbageAuthorization.map((value) => ({ as: 'nobody', headers: [['Authorization', value] as [string, string]] })),
    // Not trusted on this host (no App Service in front): a forged principal proves nothing.
    fc.constantFrom(...AGENTS).map((agent) => ({ as: 'nobody', headers: [['X-MS-CLIENT-PRINCIPAL-NAME', agent] as [string, string]] })),
    fc.constant({ as: 'nobody', headers: [] as [string, string][] }),
  );
  const agentPath = () => fc.oneof(fc.constantFrom(...AGENTS).map((agent) => ({ agent, segment: agent })), unknownId.map((id) => ({ agent: 'unknown', segment: encodeURIComponent(id) })), trickSegment.map((segment) => ({ agent: 'trick', segment })));
  /** An agent path and credentials, most often the agent's own (the valid-looking calls), otherwise any. */
  const agentCall = () => fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...AGENTS), fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ')).map(([agent, scheme]) => ({ path: { agent, segment: agent }, auth: { as: agent, headers: [['Authorization', `${scheme}dev-${agent}`] as [string, string]] } })) },
    { weight: 2, arbitrary: fc.tuple(agentPath(), agentAuth()).map(([path, auth]) => ({ path, auth })) },
  );

  /**
   * An agent acting on a chat. `outcome` says, for an authenticated agent with a valid body, what
   * the call does: 'mutates' (never generated), 'noop' (2xx allowed) or 'refused'.
   */
  function agentChatCases(route: string, action: string, bodies: fc.Arbitrary<Body>, outcome: (agent: string, chat: string) => 'mutates' | 'noop' | 'refused', collection = 'conversations'): fc.Arbitrary<Case> {
    return fc.tuple(agentCall(), chatTarget(), bodies)
      .filter(([{ path, auth }, chat, body]) => !(path.agent === auth.as && body.valid && outcome(path.agent, chat.name) === 'mutates'))
      .map(([{ path, auth }, chat, body]): Case => ({
        route,
        kind: `${body.kind}, ${auth.as === path.agent ? 'own credentials' : `credentials of ${auth.as}`}, chat ${chat.name}`,
        expect: path.agent === auth.as && body.valid && outcome(path.agent, chat.name) === 'noop' ? 'any' : '4xx',
        request: { method: 'POST', target: `/api/agents/${path.segment}/${collection}/${chat.segment}/${action}`, headers: auth.headers, body: body.bytes },
      }));
  }
  const holds = (agent: string, chat: string) => (chat === 'agent' && agent === activeHolder ? 'active' : chat === 'wrapUp' && agent === wrapUpHolder ? 'wrapUp' : 'no');
  const emptyBodies = () => fc.oneof(
    invalidBodies({ valid: fc.constant({}), invalid: invalidObject({ x: { valid: fc.constant(undefined), invalid: fc.jsonValue() } }), allowEmpty: true }),
    emptyBodyValid.map((bytes) => ({ bytes, valid: true, kind: 'empty' })),
  );

  test('PUT /api/agents/{agentId}/presence', async () => {
    const shape = { valid: validObject(presenceFields), invalid: invalidObject(presenceFields), field: 'presence' };
    const cases = fc.tuple(agentCall(), fc.oneof(invalidBodies(shape), validBodies(shape.valid)))
      .filter(([{ path, auth }, body]) => !(path.agent === auth.as && body.valid))
      .map(([{ path, auth }, body]): Case => ({ route: 'agentPresence', kind: `${body.kind}, credentials of ${auth.as}`, expect: '4xx', request: { method: 'PUT', target: `/api/agents/${path.segment}/presence`, headers: auth.headers, body: body.bytes } }));
    await fuzz(fuzzer, cases, RUNS(50));
  });

  test('GET /api/agents/{agentId}/conversations', async () => {
    const cases = agentCall().map(({ path, auth }): Case => ({
      route: 'agentConversations', kind: `credentials of ${auth.as}`, expect: path.agent === auth.as ? 'any' : '4xx', request: { method: 'GET', target: `/api/agents/${path.segment}/conversations`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(30));
  });

  test('GET /api/agents/{agentId}/conversations/{id}/messages?after=&limit=', async () => {
    const cases = fc.tuple(agentCall(), chatTarget(), pageQueries()).map(([{ path, auth }, chat, page]): Case => ({
      route: 'agentConversationMessages',
      kind: `${page.valid ? 'good' : 'bad'} page ${page.query}, ${auth.as === path.agent ? 'own credentials' : `credentials of ${auth.as}`}, chat ${chat.name}`,
      expect: path.agent === auth.as && page.valid && holds(path.agent, chat.name) !== 'no' ? 'any' : '4xx',
      request: { method: 'GET', target: `/api/agents/${path.segment}/conversations/${chat.segment}/messages${page.query}`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(40));
  });

  test('POST /api/agents/{agentId}/conversations/{id}/messages', async () => {
    const shape = { valid: validObject(messageFields), invalid: invalidObject(messageFields) };
    await fuzz(fuzzer, agentChatCases('agentMessage', 'messages', fc.oneof(invalidBodies(shape), validBodies(shape.valid)), (agent, chat) => (holds(agent, chat) === 'active' ? 'mutates' : 'refused')), RUNS(50));
  });

  test('POST /api/agents/{agentId}/conversations/{id}/transfer', async () => {
    const shape = { valid: validObject(transferFields), invalid: invalidObject(transferFields), field: 'queue' };
    await fuzz(fuzzer, agentChatCases('agentTransfer', 'transfer', fc.oneof(invalidBodies(shape), validBodies(shape.valid)), (agent, chat) => (holds(agent, chat) === 'active' ? 'mutates' : 'refused')), RUNS(50));
  });

  test('POST /api/agents/{agentId}/conversations/{id}/end', async () => {
    await fuzz(fuzzer, agentChatCases('agentEnd', 'end', emptyBodies(), (agent, chat) => ({ active: 'mutates', wrapUp: 'noop', no: 'refused' } as const)[holds(agent, chat)]), RUNS(40));
  });

  test('POST /api/agents/{agentId}/conversations/{id}/typing', async () => {
    // A typing signal is transient: it changes nothing the fuzz compares, so the holder's call is a noop here.
    await fuzz(fuzzer, agentChatCases('agentTyping', 'typing', emptyBodies(), (agent, chat) => (holds(agent, chat) === 'active' ? 'noop' : 'refused')), RUNS(30));
  });

  test('POST /api/agents/{agentId}/conversations/{id}/notes', async () => {
    const shape = { valid: validObject(messageFields), invalid: invalidObject(messageFields) };
    await fuzz(fuzzer, agentChatCases('agentNote', 'notes', fc.oneof(invalidBodies(shape), validBodies(shape.valid)), (agent, chat) => (holds(agent, chat) === 'no' ? 'refused' : 'mutates')), RUNS(40));
  });

  /** `.` and `..` (plain or percent-encoded) are resolved away by URL parsing: the request reaches another route. */
  const isDotSegment = (segment: string) => /^(\.|%2e){1,2}$/i.test(segment);

  test('GET /api/agents/{agentId}/conversations/{id} (the customer sidebar)', async () => {
    const cases = fc.tuple(agentCall(), chatTarget()).map(([{ path, auth }, chat]): Case => ({
      route: 'agentConversationGet',
      kind: `${auth.as === path.agent ? 'own credentials' : `credentials of ${auth.as}`}, chat ${chat.name}`,
      // The holder reads it, and so does the agent it is offered to (to decide). A trick segment may resolve to
      // another read (`.` is the agent's list, `agents/..` the operator's conversation route, open on loopback):
      // any answer but a 5xx, and nothing changes.
      expect: chat.name === 'trick' || path.agent === 'trick' || isDotSegment(chat.segment) || isDotSegment(path.segment) || (path.agent === auth.as && (holds(path.agent, chat.name) !== 'no' || offeredTo[chat.name as keyof typeof offeredTo] === path.agent)) ? 'any' : '4xx',
      request: { method: 'GET', target: `/api/agents/${path.segment}/conversations/${chat.segment}`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(30));
  });

  test('GET /api/agents/{agentId}/workspace', async () => {
    const cases = agentCall().map(({ path, auth }): Case => ({
      route: 'agentWorkspace', kind: `credentials of ${auth.as}`, expect: path.agent === auth.as ? 'any' : '4xx', request: { method: 'GET', target: `/api/agents/${path.segment}/workspace`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(20));
  });

  /** A live stream's long-poll query: never a held one here (wait=0), and bad cursors or waits, which are 400s. */
  const streamQueries = (cursor: fc.Arbitrary<string>) => fc.oneof(
    { weight: 2, arbitrary: cursor.map((after) => ({ query: `?wait=0&after=${encodeURIComponent(after)}`, valid: true })) },
    fc.constant({ query: '?wait=0', valid: true }),
    fc.constantFrom('?wait=21', '?wait=-1', '?wait=abc', '?wait=1e3', '?wait=', '?wait=0&after=-1', '?wait=0&after=1.5', '?wait=0&after=%00').map((query) => ({ query, valid: false })),
  );

  test('GET /api/agents/{agentId}/events (the long-poll form)', async () => {
    const cases = fc.tuple(agentCall(), streamQueries(fc.nat({ max: 10_000 }).map(String))).map(([{ path, auth }, q]): Case => ({
      route: 'agentEvents',
      kind: `${q.valid ? 'good' : 'bad'} query ${q.query}, ${auth.as === path.agent ? 'own credentials' : `credentials of ${auth.as}`}`,
      expect: path.agent === auth.as && q.valid ? 'any' : '4xx',
      request: { method: 'GET', target: `/api/agents/${path.segment}/events${q.query}`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(30));
  });

  test('POST /api/agents/{agentId}/session and DELETE …/session/{sessionId}: bad ids and strangers change nothing', async () => {
    const shape = { valid: validObject(sessionFields), invalid: invalidObject(sessionFields), field: 'sessionId' };
    const signIns = fc.tuple(agentCall(), fc.oneof(invalidBodies(shape), validBodies(shape.valid)))
      // An agent's own valid sign-in changes its presence: never sent here.
      .filter(([{ path, auth }, body]) => !(path.agent === auth.as && body.valid))
      .map(([{ path, auth }, body]): Case => ({
        route: 'agentSignIn', kind: `${body.kind}, credentials of ${auth.as}`, expect: '4xx',
        request: { method: 'POST', target: `/api/agents/${path.segment}/session`, headers: auth.headers, body: body.bytes },
      }));
    const badIds = fc.oneof(fc.constantFrom('short', 'a'.repeat(65), 'has%20space', '..', '%2e%2e'), trickSegment);
    // A well-formed id signs the agent's tab out (Offline once none is left), whichever generator made it.
    const wellFormed = (segment: string) => /^[A-Za-z0-9_-]{8,64}$/.test(segment);
    const signOuts = fc.tuple(agentCall(), fc.oneof(badIds, fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/)).map((segment) => ({ segment, valid: wellFormed(segment) })))
      .filter(([{ path, auth }, id]) => !(path.agent === auth.as && id.valid))
      .map(([{ path, auth }, id]): Case => ({
        route: 'agentSignOut', kind: `${id.valid ? 'good' : 'bad'} id, credentials of ${auth.as}`, expect: '4xx',
        request: { method: 'DELETE', target: `/api/agents/${path.segment}/session/${id.segment}`, headers: auth.headers },
      }));
    await fuzz(fuzzer, fc.oneof(signIns, signOuts), RUNS(40));
  });

  test('POST /api/agents/{agentId}/conversations/{id}/close', async () => {
    await fuzz(fuzzer, agentChatCases('agentClose', 'close', emptyBodies(), (agent, chat) => (holds(agent, chat) === 'wrapUp' ? 'mutates' : 'refused')), RUNS(40));
  });

  // ---- offers: list, accept, reject ----------------------------------------------------------

  test('GET /api/agents/{agentId}/offers', async () => {
    const cases = agentCall().map(({ path, auth }): Case => ({
      route: 'agentOffers', kind: `credentials of ${auth.as}`, expect: path.agent === auth.as ? 'any' : '4xx', request: { method: 'GET', target: `/api/agents/${path.segment}/offers`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(30));
    // The holders see their offer; nobody else does.
    for (const agent of AGENTS) {
      const { body } = await host.api.agent(agent, 'GET', '/offers');
      const mine = (['offered', 'offeredNoReject'] as const).filter((name) => offeredTo[name] === agent).map((name) => chats[name].conversationId).sort();
      expect({ agent, offers: (body.offers as { conversationId: string }[]).map((o) => o.conversationId).sort() }).toEqual({ agent, offers: mine });
    }
  });

  /** The offered agent's valid answer changes the chat (never sent); anyone else's, or on another chat, is refused. */
  const offerAnswer = (action: 'accept' | 'reject') => (agent: string, chat: string): 'mutates' | 'refused' => {
    if (chat !== 'offered' && chat !== 'offeredNoReject') return 'refused';
    if (agent !== offeredTo[chat]) return 'refused';
    return action === 'reject' && chat === 'offeredNoReject' ? 'refused' : 'mutates';
  };

  test('POST /api/agents/{agentId}/offers/{id}/accept', async () => {
    await fuzz(fuzzer, agentChatCases('agentOfferAccept', 'accept', emptyBodies(), offerAnswer('accept'), 'offers'), RUNS(50));
  });

  test('POST /api/agents/{agentId}/offers/{id}/reject', async () => {
    await fuzz(fuzzer, agentChatCases('agentOfferReject', 'reject', emptyBodies(), offerAnswer('reject'), 'offers'), RUNS(50));
  });

  test('the answers that are refused say why: not offered to you (403), cannot be rejected (403), unknown chat (404)', async () => {
    const other = AGENTS.find((a) => a !== offeredTo.offered && a !== offeredTo.offeredNoReject)!;
    const post = (agent: string, chat: string, action: string) => fuzzer.check({ route: action === 'accept' ? 'agentOfferAccept' : 'agentOfferReject', kind: 'named refusal', expect: '4xx', request: { method: 'POST', target: `/api/agents/${agent}/offers/${chat}/${action}`, headers: [bearer(`dev-${agent}`)] } });
    for (const action of ['accept', 'reject']) {
      expect(await post(other, chats.offered.conversationId, action)).toMatchObject({ status: 403, json: { error: { code: 'Forbidden' } } });
      expect(await post(offeredTo.offered, chats.agent.conversationId, action)).toMatchObject({ status: 403 });
      expect(await post(offeredTo.offered, 'no-such-chat', action)).toMatchObject({ status: 404, json: { error: { code: 'NotFound' } } });
    }
    expect(await post(offeredTo.offeredNoReject, chats.offeredNoReject.conversationId, 'reject')).toMatchObject({ status: 403, json: { error: { code: 'Forbidden', message: expect.stringContaining('allowReject') } } });
    await fuzzer.endBatch();
  });

  // ---- supervisor (sam) ---------------------------------------------------------------------

  /** Credentials on the supervisor routes: sam's (in several spellings), most often; otherwise any agent's (403) or nobody's (401). */
  const supervisorAuth = () => fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ').map((scheme) => ({ as: 'sam', headers: [['Authorization', `${scheme}dev-sam`] as [string, string]] })) },
    { weight: 2, arbitrary: agentAuth() },
  );
  /** Chats an Assign takes (Open: waiting or offered). */
  const OPEN = ['waiting', 'offered', 'offeredNoReject'];
  /** Agents a supervisor's valid call could give a chat to (Available, maybe with room): such calls are never sent. */
  const MAY_TAKE = ['alice', 'bob', 'sam'];

  /** A supervisor's action on a chat: `mutates` says which (chat, valid body) sam's call would change; it is never generated. */
  function supervisorCases(route: string, action: string, bodies: fc.Arbitrary<Body & { value?: unknown }>, mutates: (chat: string, body: unknown) => boolean): fc.Arbitrary<Case> {
    return fc.tuple(supervisorAuth(), chatTarget(), bodies)
      .filter(([auth, chat, body]) => !(auth.as === 'sam' && body.valid && mutates(chat.name, body.value)))
      .map(([auth, chat, body]): Case => ({
        route,
        kind: `${body.kind}, credentials of ${auth.as}, chat ${chat.name}`,
        expect: '4xx',
        request: { method: 'POST', target: `/api/supervisor/conversations/${chat.segment}/${action}`, headers: auth.headers, body: body.bytes },
      }));
  }
  /** Valid bodies that remember their value, for the `mutates` predicates. */
  const validWithValue = (valid: fc.Arbitrary<Record<string, unknown>>) => valid.map((value) => ({ bytes: JSON.stringify(value), valid: true, kind: 'valid', value }));

  test('GET /api/me', async () => {
    const cases = fc.oneof(agentAuth(), supervisorAuth()).map((auth): Case => ({
      route: 'me', kind: `credentials of ${auth.as}`, expect: auth.as === 'nobody' ? '4xx' : 'any', request: { method: 'GET', target: '/api/me', headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(20));
  });

  test('GET /api/supervisor/overview and /events (the long-poll form)', async () => {
    const cursors = fc.oneof(fc.constant(Buffer.from('{}').toString('base64url')), fc.string({ maxLength: 40 }));
    const cases = fc.tuple(supervisorAuth(), fc.boolean(), streamQueries(cursors)).map(([auth, overview, q]): Case => {
      const own = auth.as === 'sam';
      // A random cursor is no position of the boards: a 400, which 'any' allows besides a 200.
      return overview
        ? { route: 'supervisorOverview', kind: `credentials of ${auth.as}`, expect: own ? 'any' : '4xx', request: { method: 'GET', target: '/api/supervisor/overview', headers: auth.headers } }
        : {
            route: 'supervisorEvents',
            kind: `query ${q.query}, credentials of ${auth.as}`,
            expect: own && q.valid ? 'any' : '4xx',
            request: { method: 'GET', target: `/api/supervisor/events${q.query}`, headers: auth.headers },
          };
    });
    await fuzz(fuzzer, cases, RUNS(30));
  });

  test('GET /api/insights?from=&to=&granularity=&workstream=&queue=&bot=&format=', async () => {
    /** One query parameter: absent, a value it takes, or one it refuses (a 400 naming it). */
    const param = (name: string, valid: string[], invalid: fc.Arbitrary<string>) =>
      fc.option(fc.oneof(fc.constantFrom(...valid).map((value) => ({ name, value, ok: true })), invalid.map((value) => ({ name, value, ok: false }))), { nil: undefined });
    const notIn = (taken: string[]) => (value: string) => !taken.includes(value);
    const badInstant = fc.oneof(fc.string({ maxLength: 30 }).filter((v) => !/^\d{4}-\d\d-\d\d/.test(v)), fc.constantFrom('2026-13-45', '2026-11-30T08:00', 'yesterday', '1732953600'));
    const badName = (valid: string[]) => fc.oneof(fc.constantFrom('nobody', 'BOTQUEUE', ' ChatWorkStream'), fc.string({ minLength: 1, maxLength: 20 })).filter(notIn(valid));
    // Every valid from lies before every valid to, within the hourly bound: a valid combination is always answered.
    const params = fc.tuple(
      param('from', ['2026-11-30', '2026-11-30T08:00:00Z', '2026-11-30T08:30:00.000+01:00'], badInstant),
      param('to', ['2026-12-01', '2026-12-02T00:00:00Z'], badInstant),
      param('granularity', ['hour', 'day'], fc.constantFrom('HOUR', 'minute', 'week', '')),
      param('format', ['json', 'csv'], fc.constantFrom('xml', 'CSV', '')),
      param('workstream', ['ChatWorkStream', ''], badName(['ChatWorkStream', ''])),
      param('queue', ['CreditCardQueue', 'BotQueue', ''], badName(QUEUE_NAMES.concat(''))),
      param('bot', ['demo-bot', ''], badName(['demo-bot', ''])),
    );
    const cases = fc.tuple(supervisorAuth(), params).map(([auth, all]): Case => {
      const given = all.filter((p): p is NonNullable<typeof p> => p !== undefined);
      const query = given.length ? `?${given.map((p) => `${p.name}=${encodeURIComponent(p.value)}`).join('&')}` : '';
      const valid = given.every((p) => p.ok);
      return {
        route: 'insights',
        kind: `${valid ? 'good' : 'bad'} query ${query}, credentials of ${auth.as}`,
        expect: auth.as === 'sam' && valid ? 'any' : '4xx',
        request: { method: 'GET', target: `/api/insights${query}`, headers: auth.headers },
      };
    });
    await fuzz(fuzzer, cases, RUNS(60));
  });

  test("GET /api/insights's refusals name the parameter", async () => {
    const get = (query: string) => fuzzer.check({ route: 'insights', kind: 'named refusal', expect: '4xx', request: { method: 'GET', target: `/api/insights${query}`, headers: [bearer('dev-sam')] } });
    expect(await get('?from=yesterday')).toMatchObject({ status: 400, json: { error: { code: 'InvalidQuery', message: expect.stringMatching(/^from: expected an ISO 8601 date/) } } });
    expect(await get('?from=2026-12-02&to=2026-12-01')).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/^from must be before to/) } } });
    expect(await get('?from=2026-01-01&to=2026-12-01&granularity=hour')).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('granularity=day') } } });
    expect(await get('?from=2020-01-01&to=2026-12-01')).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining('at most 400 days') } } });
    expect(await get('?queue=Nope')).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/^queue: "Nope" is not in the configuration \(known: /) } } });
    await fuzzer.endBatch();
  });

  test('POST /api/supervisor/conversations/{id}/assign', async () => {
    const shape = { valid: validObject(assignFields), invalid: invalidObject(assignFields), field: 'agentId' };
    const bodies = fc.oneof(invalidBodies(shape), validWithValue(shape.valid));
    const mutates = (chat: string, body: unknown) => OPEN.includes(chat) && MAY_TAKE.includes((body as { agentId: string }).agentId);
    await fuzz(fuzzer, supervisorCases('supervisorAssign', 'assign', bodies, mutates), RUNS(50));
  });

  test('POST /api/supervisor/conversations/{id}/transfer', async () => {
    const shape = { valid: supervisorTransferBodies.valid, invalid: supervisorTransferBodies.invalid, field: 'queue' };
    const bodies = fc.oneof(invalidBodies(shape), validWithValue(shape.valid));
    const mutates = (chat: string, body: unknown) => {
      const { queue, agentId } = body as { queue?: string; agentId?: string };
      if (chat !== 'agent') return false;
      return queue !== undefined ? QUEUE_NAMES.includes(queue) : MAY_TAKE.includes(agentId ?? '') && agentId !== activeHolder;
    };
    await fuzz(fuzzer, supervisorCases('supervisorTransfer', 'transfer', bodies, mutates), RUNS(50));
  });

  test('POST /api/supervisor/conversations/{id}/close', async () => {
    // Any chat not yet Closed would close: only the closed one (closed by its customer: 409) and unknown ones (404) are sent with sam's credentials.
    await fuzz(fuzzer, supervisorCases('supervisorClose', 'close', emptyBodies(), (chat) => chat !== 'closed'), RUNS(40));
  });

  test('GET /api/supervisor/conversations/{id}/messages?after=&limit=', async () => {
    const cases = fc.tuple(supervisorAuth(), chatTarget(), pageQueries()).map(([auth, chat, page]): Case => ({
      route: 'supervisorConversationMessages',
      kind: `${page.valid ? 'good' : 'bad'} page ${page.query}, credentials of ${auth.as}, chat ${chat.name}`,
      expect: auth.as === 'sam' && page.valid && chat.name !== 'unknown' && chat.name !== 'trick' ? 'any' : '4xx',
      request: { method: 'GET', target: `/api/supervisor/conversations/${chat.segment}/messages${page.query}`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(40));
  });

  test('the supervisor\'s refusals say why: not Open or not Active (409 naming the status), unknown agent (400), Offline agent (409), unknown chat (404)', async () => {
    const post = (chat: string, action: string, body: unknown) => fuzzer.check({
      route: `supervisor${action[0]!.toUpperCase()}${action.slice(1)}`, kind: 'named refusal', expect: '4xx',
      request: { method: 'POST', target: `/api/supervisor/conversations/${chat}/${action}`, headers: [bearer('dev-sam')], body: JSON.stringify(body) },
    });
    const id = (name: keyof typeof chats) => chats[name].conversationId;
    expect(await post(id('agent'), 'assign', { agentId: 'bob' })).toMatchObject({ status: 409, json: { error: { code: 'Conflict', message: expect.stringContaining('it is Active') } } });
    expect(await post(id('waiting'), 'assign', { agentId: 'nobody-here' })).toMatchObject({ status: 400, json: { error: { message: 'agentId: unknown agent "nobody-here"' } } });
    expect(await post(id('waiting'), 'assign', { agentId: 'carol' })).toMatchObject({ status: 409, json: { error: { message: expect.stringContaining('agent carol is Offline') } } });
    expect(await post(id('wrapUp'), 'transfer', { queue: 'HomeLoanQueue' })).toMatchObject({ status: 409, json: { error: { message: expect.stringContaining('it is WrapUp') } } });
    expect(await post(id('closed'), 'close', {})).toMatchObject({ status: 409, json: { error: { message: expect.stringContaining('it is Closed') } } });
    expect(await post('no-such-chat', 'close', {})).toMatchObject({ status: 404, json: { error: { code: 'NotFound' } } });
    await fuzzer.endBatch();
  });

  // ---- bot connector (anonymous bots allowed by the sample configuration) --------------------

  /** What an anonymous caller claims to be (activity.from.id), and the chat. */
  const connectorAuth = () => fc.oneof(
    fc.constant({ garbage: false, headers: [] as [string, string][] }),
    garbageAuthorization.map((value) => ({ garbage: true, headers: [['Authorization', value] as [string, string]] })),
  );
  /** Activities: invalid (refused), ignored (200, no change), or valid from some claimed sender. */
  const activities = () => fc.oneof(
    invalidActivity('demo-bot').map((a) => ({ activity: a, kind: 'invalid activity', effect: 'refused' as const })),
    ignoredActivity('demo-bot').map((a) => ({ activity: a as unknown, kind: 'ignored activity', effect: 'ignored' as const })),
    validActivity('demo-bot').map((a) => ({ activity: a as unknown, kind: 'valid activity', effect: 'applies' as const })),
    // (An anonymous activity without `from` is the holder's: anonymous bots are trusted on their word, so it is not generated.)
    fc.tuple(validActivity('demo-bot'), fc.oneof(fc.constantFrom('alice', 'DEMO-BOT', 'demo-bot ', '', 'nobody'), unknownId, fc.integer())).map(([a, from]) => ({
      activity: { ...a, from: { id: from } } as unknown, kind: 'valid activity from someone else', effect: 'refused' as const,
    })),
  );
  const activityBody = (activity: unknown): string | Buffer => JSON.stringify(activity) ?? 'null';

  function connectorCases(route: string, method: 'POST' | 'PUT', withActivityId: 'optional' | 'required'): fc.Arbitrary<Case> {
    return fc.tuple(chatTarget(), connectorAuth(), activities(), withActivityId === 'required' ? unknownId.map(encodeURIComponent) : fc.option(unknownId.map(encodeURIComponent), { nil: undefined }))
      .filter(([chat, auth, a]) => !(chat.name === 'bot' && !auth.garbage && a.effect === 'applies'))
      .map(([chat, auth, a, activityId]): Case => ({
        route,
        kind: `${a.kind}, ${auth.garbage ? 'garbage token' : 'anonymous'}, chat ${chat.name}`,
        expect: chat.name === 'bot' && !auth.garbage && a.effect === 'ignored' ? 'any' : '4xx',
        request: { method, target: `/api/connector/v3/conversations/${chat.segment}/activities${activityId === undefined ? '' : `/${activityId}`}`, headers: auth.headers, body: activityBody(a.activity) },
      }));
  }

  test('POST /api/connector/v3/conversations/{id}/activities[/{activityId}]', async () => {
    const raw = fc.tuple(invalidBodies({ valid: validActivity('demo-bot'), invalid: invalidActivity('demo-bot') }), fc.constantFrom('bot', 'agent'))
      .map(([body, chat]): Case => ({ route: 'connectorActivities', kind: body.kind, expect: '4xx', request: { method: 'POST', target: `/api/connector/v3/conversations/${chats[chat as 'bot'].conversationId}/activities`, body: body.bytes } }));
    await fuzz(fuzzer, fc.oneof(connectorCases('connectorActivities', 'POST', 'optional'), raw), RUNS(80));
  });

  test('PUT /api/connector/v3/conversations/{id}/activities/{activityId}', async () => {
    await fuzz(fuzzer, connectorCases('connectorActivityUpdate', 'PUT', 'required'), RUNS(50));
  });

  test('DELETE /api/connector/v3/conversations/{id}/activities/{activityId}', async () => {
    const cases = fc.tuple(chatTarget(), connectorAuth(), unknownId.map(encodeURIComponent))
      .filter(([chat, auth]) => !(chat.name === 'bot' && !auth.garbage))
      .map(([chat, auth, activityId]): Case => ({ route: 'connectorActivityDelete', kind: `${auth.garbage ? 'garbage token' : 'anonymous'}, chat ${chat.name}`, expect: '4xx', request: { method: 'DELETE', target: `/api/connector/v3/conversations/${chat.segment}/activities/${activityId}`, headers: auth.headers } }));
    await fuzz(fuzzer, cases, RUNS(40));
  });

  test('GET /api/connector/v3/conversations/{id}/members and .../activities/{activityId}/members', async () => {
    const cases = fc.tuple(chatTarget(), connectorAuth(), fc.option(fc.oneof(fc.constantFrom('demo-bot', 'alice', '__proto__', ''), unknownId), { nil: undefined }), fc.option(unknownId.map(encodeURIComponent), { nil: undefined }))
      .map(([chat, auth, botId, activityId]): Case => ({
        route: activityId === undefined ? 'connectorMembers' : 'connectorActivityMembers',
        kind: `${auth.garbage ? 'garbage token' : 'anonymous'}, chat ${chat.name}, botId ${botId === undefined ? 'none' : 'given'}`,
        expect: chat.name === 'bot' && !auth.garbage && (botId === undefined || botId === 'demo-bot') ? 'any' : '4xx',
        request: { method: 'GET', target: `/api/connector/v3/conversations/${chat.segment}${activityId === undefined ? '' : `/activities/${activityId}`}/members${botId === undefined ? '' : `?botId=${encodeURIComponent(botId)}`}`, headers: auth.headers },
      }));
    await fuzz(fuzzer, cases, RUNS(40));
  });

  test('POST /api/connector/v3/conversations (a bot cannot create conversations)', async () => {
    const cases = fc.tuple(connectorAuth(), fc.oneof(invalidBodies({ valid: fc.constant({ bot: { id: 'demo-bot' }, members: [{ id: 'x' }] }), invalid: fc.jsonValue() }), fc.jsonValue().map((v) => ({ bytes: JSON.stringify(v), valid: true, kind: 'any JSON' }))))
      .map(([auth, body]): Case => ({ route: 'connectorConversationsCreate', kind: body.kind, expect: '4xx', request: { method: 'POST', target: '/api/connector/v3/conversations', headers: auth.headers, body: body.bytes } }));
    await fuzz(fuzzer, cases, RUNS(20));
  });

  // ---- Direct Line (/api/directline) ---------------------------------------------------------

  type DlName = (typeof DL_CHATS)[number];
  const isDlChat = (name: string): name is DlName => (DL_CHATS as readonly string[]).includes(name);
  const started = (name: string) => name === 'live' || name === 'ended';
  /** A Direct Line route's conversation: a Direct Line chat (in a path segment, plainly or percent-encoded), a chat of the customer API, an unknown id, a trick. */
  const dlTarget = () => fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...DL_CHATS).chain((name) => segmentFor(dlChats[name].conversationId).map((segment) => ({ name: name as string, segment }))) },
    knownChat().map((name) => ({ name: `api chat ${name}`, segment: chats[name].conversationId })),
    unknownId.map((id) => ({ name: 'unknown', segment: encodeURIComponent(id) })),
    trickSegment.map((segment) => ({ name: 'trick', segment })),
  );
  interface DlAuth {
    as: string;
    headers: [string, string][];
  }
  /** Credentials: a Direct Line chat's token, the site's secret, tokens that name a chat and open nothing, customer tokens, garbage, none. */
  const dlAuth = (): fc.Arbitrary<DlAuth> => fc.oneof<fc.Arbitrary<DlAuth>[]>(
    fc.constantFrom(...DL_CHATS).map((name) => ({ as: name as string, headers: [bearer(dlChats[name].token)] })),
    fc.constant<DlAuth>({ as: 'secret', headers: [bearer(SITE_SECRET)] }),
    fc.constantFrom(...dlNobody).map(({ label, token }) => ({ as: `nobody (${label})`, headers: [bearer(token)] })),
    knownChat().map((name) => ({ as: `nobody (customer token of ${name})`, headers: [bearer(chats[name].token)] })),
    fc.constantFrom(...AGENTS).map((agent) => ({ as: `nobody (dev-${agent})`, headers: [bearer(`dev-${agent}`)] })),
    garbageAuthorization.map((value) => ({ as: 'nobody', headers: [['Authorization', value] as [string, string]] })),
    fc.constant({ as: 'nobody', headers: [] as [string, string][] }),
  );
  /** A conversation and credentials: most often the chat's own token or the site's secret (the valid-looking calls), otherwise any. */
  const dlCall = () => fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...DL_CHATS).chain((name) => segmentFor(dlChats[name].conversationId).map((segment) => ({ target: { name: name as string, segment }, auth: { as: name as string, headers: [bearer(dlChats[name].token)] } }))) },
    { weight: 1, arbitrary: fc.constantFrom(...DL_CHATS).map((name) => ({ target: { name: name as string, segment: dlChats[name].conversationId }, auth: { as: 'secret', headers: [bearer(SITE_SECRET)] } })) },
    { weight: 2, arbitrary: fc.tuple(dlTarget(), dlAuth()).map(([target, auth]) => ({ target, auth })) },
  );
  /** Whether the credentials open the conversation: its own token, or the site's secret on a chat of the site that started. */
  const opens = (auth: string, target: string) => isDlChat(target) && (auth === target || (auth === 'secret' && started(target)));

  /** `?watermark=` as clients send it, good or bad (a watermark is a position the service gave: a whole number, or empty for all). */
  function watermarks(): fc.Arbitrary<{ query: string; valid: boolean }> {
    const good = (v: string) => v === '' || /^(0|[1-9]\d{0,14})$/.test(v);
    return fc.oneof(
      fc.constantFrom({ query: '', valid: true }, { query: '?watermark=', valid: true }, { query: '?watermark=0', valid: true }, { query: '?watermark=999999999999999', valid: true }),
      fc.nat({ max: 50 }).map((n) => ({ query: `?watermark=${n}`, valid: true })),
      fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('-1', '01', '1.5', '1e3', '0x1', ' 1', '1 ', '+1', 'null', 'undefined', '[]', '9'.repeat(16), '0000a-42', '\u0000', 'ü'))
        .filter((v) => !good(v)).map((v) => ({ query: `?watermark=${encodeURIComponent(v)}`, valid: false })),
      // Only the first watermark counts; another spelling of the name is no watermark.
      fc.constantFrom({ query: '?watermark=1&watermark=x', valid: true }, { query: '?Watermark=x', valid: true }, { query: '?watermark', valid: true }),
    );
  }

  test('GET /api/directline/conversations/{id}/activities?watermark=', async () => {
    const cases = fc.tuple(dlCall(), watermarks()).map(([{ target, auth }, watermark]): Case => ({
      route: 'directLineActivitiesList',
      kind: `${watermark.valid ? 'good' : 'bad'} watermark ${watermark.query}, credentials of ${auth.as}, chat ${target.name}`,
      expect: opens(auth.as, target.name) && started(target.name) && watermark.valid ? 'any' : '4xx',
      request: { method: 'GET', target: `/api/directline/conversations/${target.segment}/activities${watermark.query}`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(60));
  });

  test('GET /api/directline/conversations/{id}', async () => {
    const cases = fc.tuple(dlCall(), fc.constantFrom('', '?watermark=', '?watermark=3', '?watermark=x')).map(([{ target, auth }, query]): Case => ({
      route: 'directLineConversationGet',
      kind: `credentials of ${auth.as}, chat ${target.name}`,
      expect: opens(auth.as, target.name) && started(target.name) ? 'any' : '4xx',
      request: { method: 'GET', target: `/api/directline/conversations/${target.segment}${query}`, headers: auth.headers },
    }));
    await fuzz(fuzzer, cases, RUNS(30));
  });

  test('POST /api/directline/conversations/{id}/activities', async () => {
    const bodies = fc.oneof(
      validIncomingActivity.map(({ activity, effect }) => ({ bytes: JSON.stringify(activity), valid: true, kind: `valid ${String(activity.type)}`, effect })),
      invalidIncomingActivity.map((activity) => ({ bytes: JSON.stringify(activity) ?? '', valid: false, kind: 'invalid activity', effect: 'nothing' as const })),
      invalidBodies({ valid: fc.constant({ type: 'message', text: 'hi' }), invalid: fc.constant(5), field: 'channelData' }).map((body) => ({ ...body, effect: 'nothing' as const })),
    );
    const cases = fc.tuple(dlCall(), bodies)
      // What would append to the live chat is never sent: a valid message or event with credentials that open it.
      .filter(([{ target, auth }, body]) => !(opens(auth.as, target.name) && target.name === 'live' && body.valid && body.effect === 'appends'))
      .map(([{ target, auth }, body]): Case => ({
        route: 'directLineActivityPost',
        kind: `${body.kind}, credentials of ${auth.as}, chat ${target.name}`,
        // A typing activity is taken and forgotten; on a chat that ended everything is a 409, on one not started a 404.
        expect: opens(auth.as, target.name) && target.name === 'live' && body.valid ? 'any' : '4xx',
        request: { method: 'POST', target: `/api/directline/conversations/${target.segment}/activities`, headers: auth.headers, body: body.bytes },
      }));
    await fuzz(fuzzer, cases, RUNS(80));
  });

  test('POST /api/directline/conversations', async () => {
    const cases = fc.tuple(dlAuth(), startConversationBodies)
      // A start that would create a conversation is never sent: the unstarted chat's token, or the secret, with a body they take.
      .filter(([auth, body]) => !((auth.as === 'unstarted' && body.valid) || (auth.as === 'secret' && body.forSecret)))
      .map(([auth, body]): Case => ({
        route: 'directLineConversationsStart',
        kind: `${body.kind}, credentials of ${auth.as}`,
        // The token of a conversation that started already answers for it again (200) and starts nothing.
        expect: started(auth.as) && body.valid ? 'any' : '4xx',
        request: { method: 'POST', target: '/api/directline/conversations', headers: auth.headers, body: body.bytes },
      }));
    await fuzz(fuzzer, cases, RUNS(60));
  });

  test('POST /api/directline/tokens/generate', async () => {
    const shape = { valid: validObject(generateTokenFields), invalid: invalidObject(generateTokenFields), field: 'context', allowEmpty: true };
    const cases = fc.tuple(dlAuth(), fc.oneof(invalidBodies(shape), validBodies(shape.valid)))
      .map(([auth, body]): Case => ({
        route: 'directLineTokensGenerate',
        kind: `${body.kind}, credentials of ${auth.as}`,
        // A token changes nothing until its conversation starts: the secret with a valid body may get one.
        expect: auth.as === 'secret' && body.valid ? 'any' : '4xx',
        request: { method: 'POST', target: '/api/directline/tokens/generate', headers: auth.headers, body: body.bytes },
      }));
    await fuzz(fuzzer, cases, RUNS(60));
  });

  test('POST /api/directline/tokens/refresh', async () => {
    const bodies = fc.oneof(
      invalidBodies({ valid: fc.constant({}), invalid: invalidObject({ x: { valid: fc.constant(undefined), invalid: fc.jsonValue() } }), allowEmpty: true }),
      emptyBodyValid.map((bytes) => ({ bytes, valid: true, kind: 'empty' })),
    );
    const cases = fc.tuple(dlAuth(), bodies).map(([auth, body]): Case => ({
      route: 'directLineTokensRefresh',
      kind: `${body.kind}, credentials of ${auth.as}`,
      // A chat's token refreshes itself (even one whose conversation has not started); a secret is not refreshed (400).
      expect: isDlChat(auth.as) && body.valid ? 'any' : '4xx',
      request: { method: 'POST', target: '/api/directline/tokens/refresh', headers: auth.headers, body: body.bytes },
    }));
    await fuzz(fuzzer, cases, RUNS(40));
  });

  /** A site's name in the path: the sample's, one that is no site, or a trick (which may land on the list of sites). */
  const siteSegment = () => fc.oneof(
    { weight: 3, arbitrary: fc.constant({ site: 'support', segment: 'support' }) },
    fc.stringMatching(/^[a-z0-9-]{1,30}$/).filter((name) => name !== 'support').map((name) => ({ site: 'unknown', segment: name })),
    fc.oneof(unknownId.map(encodeURIComponent), trickSegment).map((segment) => ({ site: 'trick', segment })),
  );

  test('POST /api/directline/sites/{site}/tokens (the hosted page\'s visitors)', async () => {
    const shape = { valid: validObject(visitorTokenFields), invalid: invalidObject(visitorTokenFields), field: 'context', allowEmpty: true };
    const cases = fc.tuple(siteSegment(), fc.oneof(invalidBodies(shape), validBodies(shape.valid)), fc.oneof(dlAuth(), fc.constant({ as: 'nobody', headers: [] as [string, string][] })))
      .map(([site, body, auth]): Case => ({
        route: 'directLineVisitorToken',
        kind: `${body.kind}, site ${site.site}`,
        // A visitor's token starts nothing until the conversation does; credentials play no part.
        expect: site.site === 'support' && body.valid ? 'any' : site.site === 'trick' ? 'any' : '4xx',
        request: { method: 'POST', target: `/api/directline/sites/${site.segment}/tokens`, headers: auth.headers, body: body.bytes },
      }));
    await fuzz(fuzzer, cases, RUNS(60));
  });

  test('GET /api/directline/sites[/{site}]', async () => {
    const cases = fc.tuple(fc.option(siteSegment(), { nil: undefined }), fc.option(fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent), { nil: undefined }))
      .map(([site, query]): Case => ({
        route: 'directLineSites',
        kind: `site ${site?.site ?? 'none'}`,
        expect: site?.site === 'unknown' ? '4xx' : 'any',
        request: { method: 'GET', target: `/api/directline/sites${site ? `/${site.segment}` : ''}${query === undefined ? '' : `?${query}`}` },
      }));
    await fuzz(fuzzer, cases, RUNS(20));
  });

  test('preflights (OPTIONS) on every Direct Line route, from any origin, change nothing', async () => {
    const paths = () => fc.oneof(
      fc.constantFrom('/api/directline/tokens/generate', '/api/directline/tokens/refresh', '/api/directline/conversations', '/api/directline/sites', '/api/directline/sites/support', '/api/directline/sites/support/tokens'),
      dlTarget().chain(({ segment }) => fc.constantFrom(`/api/directline/conversations/${segment}`, `/api/directline/conversations/${segment}/activities`)),
    );
    const origins = fc.oneof(fc.constantFrom('https://evil.example', 'null', '', 'http://localhost', '*', 'https://www.contoso.com.evil.example'), fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')));
    const cases = fc.tuple(paths(), origins, fc.oneof(dlAuth(), fc.constant({ as: 'nobody', headers: [] as [string, string][] })))
      .map(([path, origin, auth]): Case => ({
        route: path.includes('/activities') ? 'directLineActivitiesList' : path.includes('/conversations/') ? 'directLineConversationGet' : path.endsWith('/tokens') ? 'directLineVisitorToken' : path.includes('/sites') ? 'directLineSites' : path.endsWith('generate') ? 'directLineTokensGenerate' : path.endsWith('refresh') ? 'directLineTokensRefresh' : 'directLineConversationsStart',
        kind: 'preflight',
        expect: 'any',
        request: { method: 'OPTIONS', target: path, headers: [['Origin', origin], ['Access-Control-Request-Method', 'POST'], ['Access-Control-Request-Headers', 'authorization,content-type,x-ms-bot-agent,x-requested-with'], ...auth.headers] },
      }));
    // No site of this host lists an origin: no preflight is granted.
    await fc.assert(fc.asyncProperty(cases, async (c) => {
      const response = await fuzzer.check(c);
      expect({ path: c.request.target, allowOrigin: response.headers['access-control-allow-origin'] }).toEqual({ path: c.request.target, allowOrigin: undefined });
    }), { numRuns: RUNS(20) });
    await fuzzer.endBatch();
  });

  test('the Direct Line refusals say what was wrong', async () => {
    const call = (route: string, request: RawRequest) => fuzzer.check({ route, kind: 'named refusal', expect: '4xx', request });
    const own = [bearer(dlChats.live.token)];
    const activities = `/api/directline/conversations/${dlChats.live.conversationId}/activities`;
    expect(await call('directLineActivitiesList', { method: 'GET', target: `${activities}?watermark=-1`, headers: own })).toMatchObject({ status: 400, json: { error: { code: 'InvalidQuery', message: expect.stringMatching(/^watermark: /) } } });
    expect(await call('directLineActivityPost', { method: 'POST', target: activities, headers: own, body: JSON.stringify({ type: 'message', text: 'x'.repeat(4_001) }) })).toMatchObject({ status: 400, json: { error: { code: 'InvalidBody', message: expect.stringMatching(/^text: /) } } });
    expect(await call('directLineActivityPost', { method: 'POST', target: activities, headers: own, body: JSON.stringify({ type: 'invoke' }) })).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/^type: expected message, event or typing/) } } });
    expect(await call('directLineActivityPost', { method: 'POST', target: activities, headers: own, body: JSON.stringify({ type: 'message', text: 'hi', attachments: [{ contentType: 'image/png' }] }) })).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/^attachments: .*upload/) } } });
    expect(await call('directLineActivityPost', { method: 'POST', target: `/api/directline/conversations/${dlChats.ended.conversationId}/activities`, headers: [bearer(dlChats.ended.token)], body: JSON.stringify({ type: 'message', text: 'still there?' }) })).toMatchObject({ status: 409, json: { error: { code: 'Conflict', message: expect.stringContaining('ended') } } });
    expect(await call('directLineActivitiesList', { method: 'GET', target: `/api/directline/conversations/${dlChats.unstarted.conversationId}/activities`, headers: [bearer(dlChats.unstarted.token)] })).toMatchObject({ status: 404, json: { error: { code: 'NotFound', message: expect.stringContaining('POST /conversations') } } });
    expect(await call('directLineTokensGenerate', { method: 'POST', target: '/api/directline/tokens/generate', headers: [bearer(SITE_SECRET)], body: JSON.stringify({ user: { id: 'customer-1' } }) })).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/^user\.id: must start with dl_/) } } });
    expect(await call('directLineVisitorToken', { method: 'POST', target: '/api/directline/sites/nowhere/tokens', body: '{}' })).toMatchObject({ status: 404, json: { error: { message: expect.stringContaining('"nowhere"') } } });
    expect(await call('directLineVisitorToken', { method: 'POST', target: '/api/directline/sites/support/tokens', body: JSON.stringify({ context: { BotHandoffTopic: 'CreditCard' } }) })).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/^context\.BotHandoffTopic: not a pre-chat question/) } } });
    expect(await call('directLineTokensRefresh', { method: 'POST', target: '/api/directline/tokens/refresh', headers: [bearer(dlChats.live.token)], body: '{"x":' })).toMatchObject({ status: 400, json: { error: { code: 'InvalidJson' } } });
    await fuzzer.endBatch();
  });

  // ---- the demo bot and health ---------------------------------------------------------------

  test('POST /api/demo-bot/messages: what is not an activity is refused', async () => {
    const notAnActivity = fc.oneof(
      malformedBodies(),
      fc.oneof(fc.constant(undefined), fc.constant(''), fc.integer(), fc.constant(null), fc.constant({}), fc.constant([])).map((type) => ({ bytes: JSON.stringify({ type, text: 'hi' }), valid: false, kind: 'no activity type' })),
    );
    const cases = fc.tuple(notAnActivity, fc.oneof(fc.constant([] as [string, string][]), garbageAuthorization.map((v) => [['Authorization', v] as [string, string]])))
      .map(([body, headers]): Case => ({ route: 'demoBotMessages', kind: body.kind, expect: '4xx', request: { method: 'POST', target: '/api/demo-bot/messages', headers, body: body.bytes } }));
    await fuzz(fuzzer, cases, RUNS(30));
  });

  /** Not JSON, not UTF-8 in a way that breaks the JSON, not an object. */
  function malformedBodies(): fc.Arbitrary<Body> {
    return invalidBodies({ valid: fc.constant({ type: 'message' }), invalid: fc.constantFrom(1, 'x', [], null) })// Not these: a __proto__ key or invalid UTF-8 in a valid activity still reaches botbuilder (see the known bug below).
      .filter((b) => b.kind !== 'wrong shape' && b.kind !== '__proto__ key' && b.kind !== 'invalid UTF-8');
  }

  test('GET /api/health with junk queries and bodies', async () => {
    const cases = fc.tuple(fc.option(fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent), { nil: undefined }), fc.option(fc.string({ maxLength: 100 }), { nil: undefined }))
      .map(([query, body]): Case => ({ route: 'health', kind: 'junk', expect: 'any', request: { method: 'GET', target: `/api/health${query === undefined ? '' : `?${query}`}`, body } }));
    await fuzz(fuzzer, cases, RUNS(20));
  });

  // ---- across routes -------------------------------------------------------------------------

  /** Every registered route with its parameters filled from live and unknown ids. */
  const anyRoute = () => fc.tuple(fc.constantFrom(...registrations.http()), knownChat(), fc.constantFrom(...AGENTS), unknownId).map(([fn, chat, agent, other]) => ({
    fn,
    path: routePath(fn, chats[chat].conversationId, agent, other),
  }));
  const routePath = (fn: ReturnType<typeof registrations.http>[number], conversationId: string, agent: string, other: string) => `/${servedRoute(fn)
    .replace('{conversationId}', conversationId).replace('{id}', conversationId).replace('{agentId}', agent)
    .replace('{workstream}', 'ChatWorkStream').replace('{activityId?}', encodeURIComponent(other)).replace('{activityId}', encodeURIComponent(other))
    .replace('{site?}', 'support').replace('{site}', 'support').replace('{*path}', `${encodeURIComponent(other)}.js`)}`;

  test('odd methods on every route: 405 with the allowed ones, never a 5xx', async () => {
    const compiled = registrations.http().map(compileRoute);
    /** Methods some route serves at this path (several routes may share one). */
    const allowedAt = (path: string) => new Set(compiled.filter((r) => r.pattern.test(path)).flatMap((r) => r.fn.methods as string[]));
    const methods = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'MKCOL', 'LOCK', 'SEARCH', 'PURGE', 'M-SEARCH', 'FOO', 'get', 'Post');
    const cases = fc.tuple(anyRoute(), methods, fc.constantFrom(...Object.values({ none: '', json: '{}', junk: '\u0000\u00ff' })))
      .filter(([{ path }, method]) => !allowedAt(path).has(method.toUpperCase()))
      .map(([{ fn, path }, method, body]): Case => ({ route: fn.name, kind: `method ${method}`, expect: '4xx', request: { method, target: path, body } }));
    await fuzz(fuzzer, cases, RUNS(60));
    // And every route once, whatever the draws: fast-check favours the first of constantFrom's values, and a route
    // registered last (a new page) could go a whole run without one.
    for (const fn of registrations.http()) {
      const path = routePath(fn, chats.agent.conversationId, 'alice', 'no-such-thing');
      const method = ['PATCH', 'PUT', 'DELETE', 'POST', 'GET'].find((m) => !allowedAt(path).has(m));
      if (method) await fuzzer.check({ route: fn.name, kind: `method ${method}`, expect: '4xx', request: { method, target: path } });
    }
    await fuzzer.endBatch();
    // The 405 names the methods that would work.
    const response = await fuzzer.check({ route: 'health', kind: 'method POST', expect: '4xx', request: { method: 'POST', target: '/api/health' } });
    expect(response).toMatchObject({ status: 405, headers: { allow: 'GET' } });
  });

  test('percent-encoding tricks, traversal and odd shapes in every path', async () => {
    const cases = fc.tuple(anyRoute(), trickSegment, fc.nat(), fc.constantFrom('', '/', '//', '/.', '/..', '?', '?x=%FF', '#frag', ';jsessionid=1'))
      .map(([{ fn, path }, trick, at, tail]): Case => {
        const segments = path.split('/');
        // Replace one parameter-like segment (never /api) with the trick.
        const index = 2 + (at % Math.max(1, segments.length - 2));
        segments[index] = trick;
        // A malformed body and a token that proves nothing: whatever route the tricked path lands on, nothing may apply.
        return { route: fn.name, kind: `path trick ${trick}`, expect: fn.methods.includes('GET') ? 'any' : '4xx', request: { method: fn.methods[0]!, target: segments.join('/') + tail, body: '{"x":', headers: [['Authorization', 'Bearer fuzz-nobody']] } };
      });
    await fuzz(fuzzer, cases, RUNS(60));
  });

  test('huge bodies (to 2 MB) on every route: 413 or a 4xx, fast', async () => {
    const cases = fc.tuple(anyRoute(), fc.constantFrom(64 * 1024 + 1, 112 * 1024 + 1, 1024 * 1024 + 1, 2 * 1024 * 1024), fc.constantFrom('json-string', 'array', 'raw'), fc.constantFrom<'length' | 'chunked'>('length', 'chunked'))
      .map(([{ fn, path }, size, shape, framing]): Case => {
        const bytes = shape === 'json-string' ? `{"text":"${'x'.repeat(size)}"}` : shape === 'array' ? `[${'1,'.repeat(size / 2)}1]` : 'x'.repeat(size);
        const method = fn.methods[0]!;
        return { route: fn.name, kind: `${size} bytes ${shape}`, expect: method === 'GET' ? 'any' : '4xx', request: { method, target: path, body: bytes, framing, headers: [['Authorization', 'Bearer dev-alice']] } };
      });
    await fuzz(fuzzer, cases, fuzzRuns(16, 200));
  });
});

// =============================================================================================
// Bot bearer tokens and App Service sign-in: an authenticated host with a local identity provider.

describe('with bot and agent authentication on, forged and mismatched credentials change nothing', () => {
  const CHANNEL_AUDIENCE = 'api://switchboard-fuzz';
  const HOLDER = { id: 'fuzz-bot', appId: '33333333-3333-3333-3333-333333333333' };
  const OTHER = { id: 'other-bot', appId: '44444444-4444-4444-4444-444444444444' };
  /** Agents' Entra ID object ids, and the tenant they sign in from. */
  const PRINCIPALS: Record<string, string> = { alice: '11111111-1111-4111-8111-111111111111', bob: '22222222-2222-4222-8222-222222222222', carol: '33333333-3333-4333-8333-333333333333', dave: '44444444-4444-4444-8444-444444444444' };
  const TENANT = '7a1b2c3d-0000-4000-8000-00000000c0de';
  /** sam's object id: the sample's supervisor signs in too. */
  const SUPERVISOR_PRINCIPAL = '55555555-5555-4555-8555-555555555555';
  let issuer: LocalIssuer;
  let host: Host;
  let fuzzer: Fuzzer;
  let botChat: { conversationId: string; token: string };
  let agentChat: { conversationId: string; token: string };
  let holderOfAgentChat = '';
  /** Tokens minted beforehand (minting is async): valid ones of both bots, and forged ones. */
  const tokens: { label: string; value: string; as: 'holder' | 'other' | 'nobody' }[] = [];

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    process.env.FUZZ_BOT_SECRET = 'fuzz-secret';
    const config: Config = sampleConfig((c) => {
      c.allowUnauthenticatedBots = false;
      c.botAuthentication = { tokenIssuer: issuer.issuer, openIdMetadataUrl: issuer.metadataUrl, loginUrl: issuer.loginUrl(), channelAudience: CHANNEL_AUDIENCE, knownAuthorities: [new URL(issuer.baseUrl).host] };
      const bot = (b: { id: string; appId: string }): BotUser => ({ id: b.id, kind: 'bot', name: b.id, endpoint: 'http://127.0.0.1:9/unused', capacity: 1000, appId: b.appId, credentials: { secretFromEnv: 'FUZZ_BOT_SECRET' }, contextEventName: 'startConversation', deliveryMode: 'normal', unreachableAfterSeconds: 60 });
      c.users = [bot(HOLDER), bot(OTHER), ...c.users.filter((u) => u.kind === 'agent').map((u) => ({ ...u, principal: u.id === 'sam' ? SUPERVISOR_PRINCIPAL : PRINCIPALS[u.id] }))];
      c.queues = [...c.queues.map((q) => (q.name === 'BotQueue' ? { ...q, members: [HOLDER.id] } : q)), { name: 'OtherBotQueue', priority: 1, assignment: 'highestCapacity', members: [OTHER.id] }];
    });
    // The bots are not called: every activity to them is accepted, as a bot that answers 200 would.
    host = await startTestHost({ config, bots: { postActivity: async () => ({ status: 200 }) }, agentAuthentication: { tokens: true, appServicePrincipal: true, tenantId: TENANT } });
    const mint = (claims: Record<string, unknown>, options: Parameters<LocalIssuer['mint']>[1] = {}) => issuer.mint({ aud: CHANNEL_AUDIENCE, ...claims }, options);
    const asBot = (b: { appId: string }) => ({ appid: b.appId, azp: b.appId });
    tokens.push(
      { label: 'valid, holder', value: await mint(asBot(HOLDER)), as: 'holder' },
      { label: 'valid, other bot', value: await mint(asBot(OTHER)), as: 'other' },
      { label: 'wrong signature', value: await mint(asBot(HOLDER), { signWith: 'rogueKeySameKid' }), as: 'nobody' },
      { label: 'unknown key', value: await mint(asBot(HOLDER), { signWith: 'rogueKeyUnknownKid' }), as: 'nobody' },
      { label: 'HMAC with the public key', value: await mint(asBot(HOLDER), { signWith: 'hs256' }), as: 'nobody' },
      { label: 'expired', value: await mint(asBot(HOLDER), { expiredSecondsAgo: 3_600 }), as: 'nobody' },
      { label: 'other issuer', value: await mint(asBot(HOLDER), { issuer: 'https://login.evil.example/' }), as: 'nobody' },
      { label: 'wrong audience', value: await mint({ ...asBot(HOLDER), aud: 'api://someone-else' }), as: 'nobody' },
      { label: 'unknown app', value: await mint(asBot({ appId: 'stranger' })), as: 'nobody' },
      { label: 'no app id', value: await mint({}), as: 'nobody' },
    );
    // alg=none: the holder's claims, unsigned.
    const [header, payload] = tokens[0]!.value.split('.');
    tokens.push({ label: 'alg none', value: `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`, as: 'nobody' });
    tokens.push({ label: 'payload swapped', value: `${header}.${Buffer.from(JSON.stringify({ appid: HOLDER.appId, aud: CHANNEL_AUDIENCE })).toString('base64url')}.${tokens[0]!.value.split('.')[2]}`, as: 'nobody' });

    const api = host.api;
    botChat = await api.startChat();
    await eventually('the bot holds the chat', async () => ((await api.conversation(botChat.conversationId)).body.assignee?.id === HOLDER.id ? true : undefined));
    agentChat = await api.startChat();
    await eventually('the bot holds the chat', async () => ((await api.conversation(agentChat.conversationId)).body.assignee?.id === HOLDER.id ? true : undefined));
    const escalate = { type: 'message', from: { id: HOLDER.id }, text: 'over to you', channelData: { tags: JSON.stringify({ type: 'Escalate', context: { BotHandoffTopic: 'CreditCard' } }) } };
    expect((await api.call('POST', `connector/v3/conversations/${agentChat.conversationId}/activities`, { body: escalate, token: tokens[0]!.value })).status).toBe(200);
    holderOfAgentChat = await eventually('an agent gets the chat', async () => {
      const c = (await api.conversation(agentChat.conversationId)).body;
      return c.assignee?.kind === 'agent' && c.status === 'Active' ? (c.assignee.id as string) : undefined;
    });
    // botbuilder logs every refused token on console.error; the properties say what matters.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    fuzzer = new Fuzzer(host, [botChat.conversationId, agentChat.conversationId]);
    await fuzzer.start();
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await host?.close();
    await issuer?.close();
  });

  const botToken = () => fc.oneof(
    fc.constantFrom(...tokens.map((t) => ({ label: t.label, as: t.as, headers: [bearer(t.value)] }))),
    garbageAuthorization.map((value) => ({ label: 'garbage', as: 'nobody' as const, headers: [['Authorization', value] as [string, string]] })),
    fc.constant({ label: 'none', as: 'nobody' as const, headers: [] as [string, string][] }),
  );
  const chatOf = () => fc.oneof(
    fc.constantFrom('bot', 'agent').map((name) => ({ name, segment: name === 'bot' ? botChat.conversationId : agentChat.conversationId })),
    unknownId.map((id) => ({ name: 'unknown', segment: encodeURIComponent(id) })),
  );
  const authedActivities = () => fc.oneof(
    invalidActivity(HOLDER.id).map((a) => ({ activity: a, effect: 'refused' as const, kind: 'invalid activity' })),
    ignoredActivity(HOLDER.id).map((a) => ({ activity: a as unknown, effect: 'ignored' as const, kind: 'ignored activity' })),
    validActivity(HOLDER.id).map((a) => ({ activity: a as unknown, effect: 'applies' as const, kind: 'valid activity' })),
  );

  test('the connector with bot bearer tokens: forged, expired, of another bot, garbage, none', async () => {
    const cases = fc.tuple(fc.constantFrom<'POST' | 'PUT' | 'DELETE' | 'GET'>('POST', 'PUT', 'DELETE', 'GET'), chatOf(), botToken(), authedActivities(), unknownId.map(encodeURIComponent))
      // The holder's valid token with a valid activity (or any delete) on its own chat would apply: never sent.
      .filter(([method, chat, token, a]) => !(token.as === 'holder' && chat.name === 'bot' && (method === 'DELETE' || ((method === 'POST' || method === 'PUT') && a.effect === 'applies'))))
      .map(([method, chat, token, a, activityId]): Case => {
        const holderOnOwnChat = token.as === 'holder' && chat.name === 'bot';
        const base = `/api/connector/v3/conversations/${chat.segment}`;
        const route = { POST: 'connectorActivities', PUT: 'connectorActivityUpdate', DELETE: 'connectorActivityDelete', GET: 'connectorMembers' }[method];
        return {
          route: `${route} (bot tokens)`,
          kind: `${token.label}, chat ${chat.name}, ${a.kind}`,
          expect: holderOnOwnChat && (method === 'GET' || a.effect === 'ignored') ? 'any' : '4xx',
          request: { method, target: method === 'POST' ? `${base}/activities` : method === 'GET' ? `${base}/members` : `${base}/activities/${activityId}`, headers: token.headers, body: method === 'DELETE' || method === 'GET' ? undefined : JSON.stringify(a.activity) },
        };
      });
    await fuzz(fuzzer, cases, RUNS(80));
  });

  test('the agent API behind App Service authentication: forged, mismatched and unknown principals', async () => {
    const encode = (claims: unknown) => Buffer.from(JSON.stringify(claims)).toString('base64');
    const AGENTS = Object.keys(PRINCIPALS);
    const signIn = (claims: Record<string, string>) => [['X-MS-CLIENT-PRINCIPAL', encode({ claims: Object.entries(claims).map(([typ, val]) => ({ typ, val })) })] as [string, string]];
    const principal = fc.oneof(
      fc.tuple(fc.constantFrom(...AGENTS), fc.boolean()).map(([agent, upper]) => ({ as: agent, headers: signIn({ oid: upper ? PRINCIPALS[agent]!.toUpperCase() : PRINCIPALS[agent]!, tid: TENANT }) })),
      // Mutable claims (names, emails, UPNs) and the platform's name and id headers alone never sign an agent in.
      fc.tuple(fc.constantFrom(...AGENTS), fc.constantFrom('preferred_username', 'upn', 'email', 'name')).map(([agent, typ]) => ({ as: 'nobody', headers: signIn({ [typ]: PRINCIPALS[agent]!, oid: '99999999-9999-4999-8999-999999999999', tid: TENANT }) })),
      fc.constantFrom(...AGENTS).map((agent) => ({ as: 'nobody', headers: [['X-MS-CLIENT-PRINCIPAL-NAME', PRINCIPALS[agent]!], ['X-MS-CLIENT-PRINCIPAL-ID', PRINCIPALS[agent]!]] as [string, string][] })),
      // The right object id from another tenant, or with no tenant.
      fc.tuple(fc.constantFrom(...AGENTS), fc.constantFrom('7a1b2c3d-0000-4000-8000-0000000bad00', '')).map(([agent, tid]) => ({ as: 'nobody', headers: signIn(tid ? { oid: PRINCIPALS[agent]!, tid } : { oid: PRINCIPALS[agent]! }) })),
      fc.oneof(unknownId, fc.constantFrom('mallory@contoso.example', 'alice', 'alice@contoso.example.evil')).map((name) => ({ as: 'nobody', headers: [['X-MS-CLIENT-PRINCIPAL-NAME', [...name].map((ch) => (ch >= ' ' && ch <= '~' ? ch : '?')).join('')] as [string, string]] })),
      fc.oneof(fc.string({ maxLength: 60 }).map((s) => Buffer.from(s).toString('base64')), fc.constantFrom('!!!', '', 'e30=', encode(null), encode({ claims: 5 }), encode({ claims: [null, 5, { typ: 5, val: {} }] }), encode([]), 'x'.repeat(5_000)))
        .map((value) => ({ as: 'nobody', headers: [['X-MS-CLIENT-PRINCIPAL', value] as [string, string]] })),
      fc.constant({ as: 'nobody', headers: [] as [string, string][] }),
    );
    const bodiesOf = (fields: Record<string, Field>) => fc.oneof(invalidBodies({ valid: validObject(fields), invalid: invalidObject(fields) }), validBodies(validObject(fields)));
    const emptyOrNot = fc.oneof(
      invalidBodies({ valid: fc.constant({}), invalid: invalidObject({ x: { valid: fc.constant(undefined), invalid: fc.jsonValue() } }), allowEmpty: true }),
      fc.constantFrom('', '{}').map((bytes) => ({ bytes, valid: true, kind: 'empty' })),
    );
    const action = fc.oneof(
      bodiesOf(messageFields).map((body) => ({ action: 'messages', body })),
      bodiesOf(transferFields).map((body) => ({ action: 'transfer', body })),
      emptyOrNot.map((body) => ({ action: 'end', body })),
      emptyOrNot.map((body) => ({ action: 'close', body })),
      bodiesOf(presenceFields).map((body) => ({ action: 'presence', body })),
      fc.constant({ action: 'conversations', body: { bytes: '', valid: true, kind: 'no body' } as Body }),
    );
    const cases = fc.tuple(fc.constantFrom(...AGENTS), principal, chatOf(), action)
      .map(([agent, who, chat, { action: verb, body }]): Case & { mutates: boolean } => {
        const own = who.as === agent;
        const holdsChat = chat.name === 'agent' && agent === holderOfAgentChat;
        // What an authenticated agent with a valid body would change (there is no chat in wrap-up here, so close changes nothing).
        const mutates = own && body.valid && (verb === 'presence' || (holdsChat && ['messages', 'transfer', 'end'].includes(verb)));
        const path = verb === 'presence' ? `/api/agents/${agent}/presence` : verb === 'conversations' ? `/api/agents/${agent}/conversations` : `/api/agents/${agent}/conversations/${chat.segment}/${verb}`;
        return {
          mutates,
          route: `agent ${verb} (App Service principal)`,
          kind: `${body.kind}, principal of ${who.as}, chat ${chat.name}`,
          expect: verb === 'conversations' && own ? 'any' : '4xx',
          request: { method: verb === 'presence' ? 'PUT' : verb === 'conversations' ? 'GET' : 'POST', target: path, headers: who.headers, body: verb === 'conversations' ? undefined : body.bytes },
        };
      })
      .filter((c) => !c.mutates)
      .map(({ mutates: _mutates, ...c }): Case => c);
    await fuzz(fuzzer, cases, RUNS(60));
  });

  test('the supervisor routes behind App Service authentication: agents\' principals 403, forged and unknown ones refused, the supervisor\'s reads', async () => {
    const encode = (claims: unknown) => Buffer.from(JSON.stringify(claims)).toString('base64');
    const signIn = (oid: string, tid = TENANT) => [['X-MS-CLIENT-PRINCIPAL', encode({ claims: [{ typ: 'oid', val: oid }, { typ: 'tid', val: tid }] })] as [string, string]];
    const principal = fc.oneof(
      { weight: 4, arbitrary: fc.boolean().map((upper) => ({ as: 'sam', headers: signIn(upper ? SUPERVISOR_PRINCIPAL.toUpperCase() : SUPERVISOR_PRINCIPAL) })) },
      fc.constantFrom(...Object.keys(PRINCIPALS)).map((agent) => ({ as: agent, headers: signIn(PRINCIPALS[agent]!) })),
      // sam's object id from another tenant, his name alone, a principal nobody has, none.
      fc.constant({ as: 'nobody', headers: signIn(SUPERVISOR_PRINCIPAL, '7a1b2c3d-0000-4000-8000-0000000bad00') }),
      fc.constant({ as: 'nobody', headers: [['X-MS-CLIENT-PRINCIPAL-NAME', 'sam'], ['X-MS-CLIENT-PRINCIPAL-ID', SUPERVISOR_PRINCIPAL]] as [string, string][] }),
      fc.constant({ as: 'nobody', headers: signIn('99999999-9999-4999-8999-999999999999') }),
      fc.constant({ as: 'nobody', headers: [] as [string, string][] }),
    );
    const action = fc.constantFrom(
      { verb: 'assign', body: { agentId: 'bob' } }, { verb: 'transfer', body: { queue: 'HomeLoanQueue' } }, { verb: 'transfer', body: { agentId: 'bob' } },
      { verb: 'close', body: {} }, { verb: 'messages', body: undefined }, { verb: 'me', body: undefined },
    );
    const cases = fc.tuple(principal, chatOf(), action)
      .map(([who, chat, { verb, body }]): Case & { mutates: boolean } => {
        const sam = who.as === 'sam';
        // Both chats are Active (an assign is a 409); sam's transfer of the agent's chat and close of either would apply.
        const mutates = sam && chat.name !== 'unknown' && (verb === 'close' || (verb === 'transfer' && chat.name === 'agent'));
        const reads = verb === 'me' ? who.as !== 'nobody' : verb === 'messages' && sam && chat.name !== 'unknown';
        return {
          mutates,
          route: `${verb === 'me' ? 'me' : `supervisor ${verb}`} (App Service principal)`,
          kind: `principal of ${who.as}, chat ${chat.name}`,
          expect: reads ? 'any' : '4xx',
          request: verb === 'me' || verb === 'messages'
            ? { method: 'GET', target: verb === 'me' ? '/api/me' : `/api/supervisor/conversations/${chat.segment}/messages`, headers: who.headers }
            : { method: 'POST', target: `/api/supervisor/conversations/${chat.segment}/${verb}`, headers: who.headers, body: JSON.stringify(body) },
        };
      })
      .filter((c) => !c.mutates)
      .map(({ mutates: _mutates, ...c }): Case => c);
    await fuzz(fuzzer, cases, RUNS(40));
    // The supervisor's own sign-in reads; an agent's is refused as no supervisor's.
    const monitor = (headers: [string, string][]) => fuzzer.check({ route: 'supervisor messages (App Service principal)', kind: 'named', expect: 'any', request: { method: 'GET', target: `/api/supervisor/conversations/${agentChat.conversationId}/messages`, headers } });
    expect(await monitor(signIn(SUPERVISOR_PRINCIPAL))).toMatchObject({ status: 200 });
    expect(await monitor(signIn(PRINCIPALS.alice!))).toMatchObject({ status: 403, json: { error: { code: 'Forbidden', message: expect.stringContaining('is no supervisor') } } });
    await fuzzer.endBatch();
  });
});

// =============================================================================================
// Below HTTP routing: what Node's parser refuses must still get the JSON error.

describe('malformed HTTP itself', () => {
  let host: Host;
  let fuzzer: Fuzzer;

  beforeAll(async () => {
    host = await startTestHost();
    const chat = await host.api.startChat();
    fuzzer = new Fuzzer(host, [chat.conversationId]);
    await fuzzer.start();
  }, 60_000);
  afterAll(async () => {
    await host?.close();
  });

  test('raw bytes in the request line and headers, bad framing, oversized headers', async () => {
    const rawBytes = fc.uint8Array({ minLength: 1, maxLength: 12 });
    /** Raw bytes, without the ones that end a line (or, in the request line, the target). */
    const without = (bytes: Uint8Array, ...ends: number[]) => Buffer.from(bytes.filter((b) => !ends.includes(b)));
    const cases = fc.oneof(
      rawBytes.map((bytes): Case => ({ route: 'raw request target', kind: 'raw bytes in the path', expect: 'any', request: { method: 'GET', target: Buffer.concat([Buffer.from('/api/conversations/'), without(bytes, 0x20, 0x0d, 0x0a)]) } })),
      rawBytes.map((bytes): Case => ({ route: 'raw header', kind: 'raw bytes in a header value', expect: 'any', request: { method: 'GET', target: '/api/health', headers: [['X-Fuzz', without(bytes, 0x0d, 0x0a)]] } })),
      rawBytes.map((bytes): Case => ({ route: 'raw header', kind: 'raw bytes in Authorization', expect: 'any', request: { method: 'POST', target: '/api/chats/x/messages', body: '{"text":"hi"}', headers: [['Authorization', Buffer.concat([Buffer.from('Bearer '), without(bytes, 0x0d, 0x0a)])]] } })),
      fc.constantFrom<Case>(
        { route: 'raw framing', kind: 'Content-Length and chunked', expect: '4xx', request: { method: 'POST', target: '/api/chats', headers: [['Transfer-Encoding', 'chunked'], ['Content-Length', '5']], body: '0\r\n\r\n', framing: 'none' } },
        { route: 'raw framing', kind: 'bad chunk size', expect: '4xx', request: { method: 'POST', target: '/api/chats', headers: [['Transfer-Encoding', 'chunked']], body: 'ZZ\r\n{}\r\n0\r\n\r\n', framing: 'none' } },
        { route: 'raw framing', kind: 'two Content-Lengths', expect: '4xx', request: { method: 'POST', target: '/api/chats', headers: [['Content-Length', '2'], ['Content-Length', '3']], body: '{}', framing: 'none' } },
        { route: 'raw framing', kind: 'Transfer-Encoding gzip', expect: '4xx', request: { method: 'POST', target: '/api/chats', headers: [['Transfer-Encoding', 'gzip']], body: '{}', framing: 'none' } },
        { route: 'raw header', kind: 'header without a colon', expect: '4xx', request: { method: 'GET', target: '/api/health', headers: [['X-Broken\r\nno colon here', 'x']] } },
        { route: 'raw header', kind: '80 KB of headers', expect: '4xx', request: { method: 'GET', target: '/api/health', headers: [['X-Big', 'x'.repeat(80 * 1024)]] } },
        { route: 'raw request line', kind: 'no slash', expect: '4xx', request: { method: 'GET', target: 'api/health' } },
        { route: 'raw request line', kind: 'control character in the method', expect: '4xx', request: { method: 'G\u0001T', target: '/api/health' } },
        { route: 'raw request line', kind: 'space in the path', expect: '4xx', request: { method: 'GET', target: '/api/health x' } },
        { route: 'raw request line', kind: 'absolute form', expect: 'any', request: { method: 'GET', target: 'http://evil.example/api/health' } },
        { route: 'raw request line', kind: 'asterisk form', expect: 'any', request: { method: 'GET', target: '*' } },
        { route: 'raw request line', kind: 'no Host header', expect: 'any', request: { method: 'GET', target: '/api/health', noHost: true } },
      ),
    );
    // No noise headers here: after `Expect: 100-continue` Node has answered 100 and, on a framing error, closes
    // without a final answer (its own behaviour; the client sees the connection end, nothing hangs).
    await fuzz(fuzzer, cases, RUNS(60), fc.constant([]));
  });
});

// =============================================================================================
// Regressions: each was a bug this fuzzing found (a 5xx, a silent acceptance, a bare error).

describe('regressions found by the fuzzing', () => {
  let host: Host;
  let port: number;
  let chat: { conversationId: string; token: string };

  beforeAll(async () => {
    host = await startTestHost();
    port = Number(new URL(host.baseUrl).port);
    chat = await host.api.startChat();
    await host.bus.whenIdle();
  });
  afterAll(async () => {
    await host?.close();
  });

  const send = (request: RawRequest) => rawRequest(port, request);
  const jwtLooking = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from('{"iss":"https://api.botframework.com","aud":"x","appid":"a"}').toString('base64url')}.c2ln`;

  test('invalid UTF-8 is a 400 on every body-reading route, the connector included (it was a 500)', async () => {
    const bad = Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    for (const target of ['/api/chats', `/api/chats/${chat.conversationId}/messages`, `/api/connector/v3/conversations/${chat.conversationId}/activities`]) {
      const response = await send({ method: 'POST', target, body: bad, headers: target.includes('connector') ? [] : [bearer(chat.token)] });
      expect({ target, status: response.status, json: response.json }).toEqual({ target, status: 400, json: { error: { code: 'InvalidJson', message: 'the body is not valid UTF-8' } } });
    }
  });

  test('a bearer token on the connector when no bot has an app id is a 401, without asking login.botframework.com (it was a 500 offline)', async () => {
    const activity = JSON.stringify({ type: 'message', text: 'hi', from: { id: 'demo-bot' } });
    const response = await send({ method: 'POST', target: `/api/connector/v3/conversations/${chat.conversationId}/activities`, body: activity, headers: [bearer(jwtLooking)] });
    expect(response.status).toBe(401);
    expect(response.json).toEqual({ error: { code: 'Unauthorized', message: expect.stringContaining('no bot in the configuration has an appId') } });
  });

  test('an identity provider that cannot be reached is a 503 that says so, not a 500', async () => {
    const { BotFrameworkAuthenticator } = await import('../../shared/adapters/botframework/botFrameworkAuthenticator');
    const { authenticateBot } = await import('../../shared/http/connectorEdge');
    const { HttpRequest } = await import('@azure/functions');
    const config = sampleConfig((c) => {
      c.botAuthentication = { tokenIssuer: 'https://127.0.0.1:9/', openIdMetadataUrl: 'https://127.0.0.1:9/.well-known/openid-configuration', loginUrl: 'https://127.0.0.1:9/tenant', channelAudience: 'api://x', knownAuthorities: [] };
      c.users = [{ id: 'b', kind: 'bot', name: 'b', endpoint: 'https://127.0.0.1:9/bot', capacity: 1, appId: 'a', credentials: { secretFromEnv: 'X' }, contextEventName: 'startConversation', deliveryMode: 'normal', unreachableAfterSeconds: 60 }, ...c.users.filter((u) => u.kind === 'agent')];
    });
    const services = { config, botAuthenticator: new BotFrameworkAuthenticator(config) } as never;
    // Issued by the configured issuer, so botbuilder goes for its keys.
    const token = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from('{"iss":"https://127.0.0.1:9/","aud":"api://x","appid":"a"}').toString('base64url')}.c2ln`;
    const request = new HttpRequest({ method: 'POST', url: 'http://localhost/api/connector/v3/conversations/x/activities', headers: { authorization: `Bearer ${token}` } });
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(authenticateBot(services, request)).rejects.toMatchObject({ status: 503, code: 'ServiceUnavailable', message: expect.stringContaining('cannot be checked right now') });
    } finally {
      spy.mockRestore();
    }
  });

  test('an agent record too contended to update is a 503 with Retry-After, not a 500', async () => {
    const { edge } = await import('../../shared/http/edge');
    const { AgentUpdateConflictError } = await import('../../shared/usecases/agentStates');
    const { HttpRequest, InvocationContext } = await import('@azure/functions');
    const handler = edge(async () => {
      throw new AgentUpdateConflictError('agent alice: update kept conflicting after 8 attempts');
    });
    const response = await handler(new HttpRequest({ method: 'PUT', url: 'http://localhost/api/agents/alice/presence' }), new InvocationContext());
    expect(response).toEqual({
      status: 503,
      headers: { 'retry-after': '1' },
      jsonBody: { error: { code: 'ServiceUnavailable', message: 'agent alice: update kept conflicting after 8 attempts; retry after 1 second' } },
    });
  });

  test('activities nested deeper than 64 levels are a 400 (at ~4,000 levels JSON.stringify overflowed on the way to the bus: a 500)', async () => {
    const deep = `{"type":"message","text":"hi","from":{"id":"demo-bot"},"channelData":{"x":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`;
    const response = await send({ method: 'POST', target: `/api/connector/v3/conversations/${chat.conversationId}/activities`, body: deep });
    expect(response).toMatchObject({ status: 400, json: { error: { code: 'InvalidBody', message: expect.stringMatching(/^channelData\.x[[\]0]+\.\.\.: nested deeper than 64 levels$/) } } });
    // 64 levels are still fine.
    const fine = `{"type":"message","text":"deep but fine","from":{"id":"demo-bot"},"channelData":{"x":${'['.repeat(60)}${']'.repeat(60)}}}`;
    expect((await send({ method: 'POST', target: `/api/connector/v3/conversations/${chat.conversationId}/activities`, body: fine })).status).toBe(200);
  });

  test('an activity that is JSON null is a 400 (reading its type for the handoff check was a TypeError: a 500)', async () => {
    for (const body of ['null', '5', '"text"', '[]']) {
      const response = await send({ method: 'POST', target: `/api/connector/v3/conversations/${chat.conversationId}/activities`, body });
      expect({ body, status: response.status, json: response.json }).toMatchObject({ body, status: 400, json: { error: { code: 'InvalidBody', message: expect.stringMatching(/^activity must be a JSON object, got /) } } });
    }
  });

  test('a __proto__ key is refused, not dropped silently (a chat started with context {"__proto__": "x"} was a 201)', async () => {
    const response = await send({ method: 'POST', target: '/api/chats', body: '{"context":{"__proto__":"x"}}' });
    expect(response).toMatchObject({ status: 400, json: { error: { code: 'InvalidBody', message: 'context.__proto__: "__proto__" is not an allowed key' } } });
    const explain = await send({ method: 'POST', target: '/api/workstreams/ChatWorkStream/explain', body: '{"context":{"\\u005f_proto__":"x"}}' });
    expect(explain).toMatchObject({ status: 400, json: { error: { message: 'context.__proto__: "__proto__" is not an allowed key' } } });
  });

  test('a lone surrogate is refused with a 400, not stored (it would not survive UTF-8)', async () => {
    const response = await send({ method: 'POST', target: `/api/chats/${chat.conversationId}/messages`, body: '{"text":"half \\ud83d of an emoji"}', headers: [bearer(chat.token)] });
    expect(response).toMatchObject({ status: 400, json: { error: { code: 'InvalidBody', message: expect.stringMatching(/^text: the text has a lone surrogate/) } } });
    // A whole pair, escaped, is an emoji: accepted.
    expect((await send({ method: 'POST', target: `/api/chats/${chat.conversationId}/messages`, body: '{"text":"\\ud83d\\ude00"}', headers: [bearer(chat.token)] })).status).toBe(202);
  });

  test('what Node\'s HTTP parser refuses gets a JSON error too (it was a bare "400 Bad Request")', async () => {
    const response = await send({ method: 'GET', target: Buffer.from([0x2f, 0x61, 0x70, 0x69, 0x2f, 0xff]) });
    expect(response).toMatchObject({ status: 400, headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' }, json: { error: { code: 'InvalidRequest', message: expect.stringMatching(/^the request is not valid HTTP\/1\.1: /) } } });
    const big = await send({ method: 'GET', target: '/api/health', headers: [['X-Big', 'x'.repeat(80 * 1024)]] });
    expect(big).toMatchObject({ status: 431, json: { error: { code: 'HeadersTooLarge' } } });
    // Without a Host header the request is served (the host routes by path alone).
    expect((await send({ method: 'GET', target: '/api/health', noHost: true })).status).toBe(200);
  });

  test('a Direct Line token refresh with a body that is not `{}` is a 400 (the body was ignored: a 200)', async () => {
    const visitor = await send({ method: 'POST', target: '/api/directline/sites/support/tokens', body: '{}' });
    expect(visitor.status).toBe(201);
    const token = (visitor.json as { token: string }).token;
    for (const body of ['{"x":', '[]', '{"token":"x"}', Buffer.from([0x7b, 0xff, 0x7d])]) {
      const response = await send({ method: 'POST', target: '/api/directline/tokens/refresh', body, headers: [bearer(token)] });
      expect({ body: String(body), status: response.status }).toEqual({ body: String(body), status: 400 });
    }
    // What DLJS sends (no body) and an empty object still refresh.
    for (const body of ['', '{}']) expect((await send({ method: 'POST', target: '/api/directline/tokens/refresh', body, headers: [bearer(token)] })).status).toBe(200);
  });

  test('a client that goes away mid-body is not logged as a failed request', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { connect } = await import('node:net');
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST /api/chats HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"cut":');
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(spy.mock.calls.filter((call) => String(call[0]).includes('request failed'))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

// =============================================================================================
// A known bug outside the files this change may touch: the demo bot's endpoint.

describe('KNOWN BUG, not fixed here (shared/demo-bot/demoBotHttp.ts): the demo bot answers 5xx to activities botbuilder cannot process', () => {
  let host: Host;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.close();
  });

  // Passes while the bug is there. Once demoBotHttp.ts refuses such activities with a 400, this fails: make it a plain test.
  test('an activity without conversation or serviceUrl, or an invoke, gets a 4xx', async () => {
    const port = Number(new URL(host.baseUrl).port);
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await fc.assert(fc.asyncProperty(fc.constantFrom({ type: 'message', text: 'hi' }, { type: 'message', conversation: 5, serviceUrl: 5 }, { type: 'invoke', name: 'x' }, { type: 'message', conversation: { id: 'x' } }), async (activity) => {
        const response = await rawRequest(port, { method: 'POST', target: '/api/demo-bot/messages', body: JSON.stringify(activity) });
        count({ route: 'demoBotMessages (regression)', kind: '', expect: '4xx', request: { method: 'POST', target: '' } }, response.status >= 500 ? '5xx' : response.status >= 400 ? '4xx' : '2xx');
        expect(response.status).toBeLessThan(500);
      }), { numRuns: 4, endOnFailure: true });
    } finally {
      spy.mockRestore();
      warn.mockRestore();
    }
  });
});

afterAll(() => {
  const outcomes = ['2xx', '4xx', '5xx', 'other', 'no answer', 'shed, retried'];
  const rows = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([route, row]) => ({ route, tried: row.tried, ...Object.fromEntries(outcomes.map((o) => [o, row[o] ?? 0])) }));
  const total = rows.reduce((sum, row) => sum + row.tried, 0);
  console.log(`HTTP fuzzing: ${total} requests (FUZZ_RUNS=${process.env.FUZZ_RUNS ?? 'unset, small size'})\n${table(rows)}`);
});

test('every registered route was fuzzed', () => {
  const fuzzed = new Set([...tally.keys()].map((route) => route.replace(/ \(.*\)$/, '')));
  expect(registrations.http().map((fn) => fn.name).filter((name) => !fuzzed.has(name))).toEqual([]);
});
