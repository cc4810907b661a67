import fc from 'fast-check';
import { PRESENCES } from '../../shared/core/config';
import { INJECTION_STRINGS, loneSurrogate } from './fuzzSupport';

/**
 * Generators of bad HTTP input: bodies that are not JSON, not UTF-8, too deep, too large, of the
 * wrong shape; ids and path segments with encoding tricks; headers and content types. A body
 * generator says whether what it made is valid, so a suite can tell a refusal that must happen
 * from a call that may succeed.
 */

export interface Body {
  bytes: string | Buffer;
  valid: boolean;
  /** What it is, for the failure report. */
  kind: string;
}

export const injection = fc.constantFrom(...INJECTION_STRINGS);

/** A JSON value of any type but string. */
export const nonString: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
/** A JSON value of any type but a plain object. */
export const nonObject: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.string({ maxLength: 20 }), injection,
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
);

/** Text a user could type: any Unicode, well formed. */
export const userText = (minLength: number, maxLength: number) =>
  fc.oneof(fc.string({ unit: 'grapheme', minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength }), injection.filter((s) => s.length >= minLength && s.length <= maxLength));

/** A string with a lone surrogate in it: sent as the JSON escape \udXXX, it is not Unicode. */
export const withLoneSurrogate = fc.tuple(fc.string({ maxLength: 10 }), loneSurrogate, fc.string({ maxLength: 10 })).map(([a, s, b]) => a + s + b);

export const tooLong = (min: number) => fc.integer({ min, max: min + 2_000 }).map((n) => 'x'.repeat(n));

/** A string that is invalid as a field: wrong type, empty, too long, or not Unicode. */
export const badString = (maxLength: number) => fc.oneof(nonString, fc.constant(''), tooLong(maxLength + 1), withLoneSurrogate);

/** Sets a key as JSON.parse would (a `__proto__` key becomes a real key, not the prototype). */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export const oddKey = fc.oneof(fc.string({ maxLength: 20 }), injection, fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', 'TEXT', 'Text'));

export interface Field {
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
  required?: boolean;
}

/** An object valid against `fields`. */
export function validObject(fields: Record<string, Field>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields);
  return fc.record(Object.fromEntries(names.map((n) => [n, fields[n]!.valid])), { requiredKeys: names.filter((n) => fields[n]!.required) }) as fc.Arbitrary<Record<string, unknown>>;
}

/** An object with at least one sure violation: a field of the wrong type or value, a missing required field, an extra field. */
export function invalidObject(fields: Record<string, Field>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields);
  const required = names.filter((n) => fields[n]!.required);
  type Violation = (o: Record<string, unknown>) => void;
  const violations: fc.Arbitrary<Violation>[] = [
    fc.constantFrom(...names).chain((n) => fields[n]!.invalid.map((value): Violation => (o) => setKey(o, n, value))),
    fc.tuple(oddKey.filter((k) => !names.includes(k)), fc.jsonValue({ maxDepth: 2 })).map(([k, v]): Violation => (o) => setKey(o, k, v)),
  ];
  if (required.length > 0) violations.push(fc.constantFrom(...required).map((n): Violation => (o) => void delete o[n]));
  return fc.tuple(validObject(fields), fc.array(fc.oneof(...violations), { minLength: 1, maxLength: 3 })).map(([base, applied]) => {
    const o = { ...base };
    // A later violation must not undo an earlier one: a deleted required field stays deleted.
    for (const violation of applied) violation(o);
    return o;
  });
}

const json = (value: unknown) => JSON.stringify(value) ?? 'null';

/** Bytes that are not UTF-8: a lone continuation byte, an overlong form, a truncated sequence, a CESU surrogate, 0xFE/0xFF. */
export const invalidUtf8 = fc.constantFrom([0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff], [0xff, 0xfe], [0xf4, 0x90, 0x80, 0x80]).map((bytes) => Buffer.from(bytes));

/** Text that is not JSON. */
export const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{', '}', '[', '{"a":', '{"a":1,}', '[1,]', "{'a':1}", '{a:1}', 'NaN', 'Infinity', 'undefined', '{"a":01}', '{"a":"\\x"}', '{"a":"\n"}', '{"a":"\t"}',
    '{}{}', '{} x', '"unterminated', '{"a":1', 'nul', 'tru', '-', '1e', '0x10', '{"__proto__":', '/* */ {}', '// x\n{}', '<xml/>', 'a=1&b=2', '\u0000'),
  // Blank text is an empty body (some routes take none), and a UTF-8 byte-order mark is skipped: neither is malformed.
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((s) => !isJson(s) && s.trim() !== '' && !isJson(s.replace(/^\ufeff/, ''))),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A valid body cut short, so it is no longer JSON. */
export function truncated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.tuple(valid, fc.nat()).map(([value, cut]) => {
    const text = json(value);
    return text.slice(0, cut % Math.max(1, text.length));
  }).filter((text) => !isJson(text) && text.trim() !== '');
}

/** A body of `valid` JSON with invalid UTF-8 bytes spliced in somewhere. */
export function withInvalidUtf8(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  return fc.tuple(valid, invalidUtf8, fc.nat()).map(([value, bad, at]) => {
    const bytes = Buffer.from(json(value), 'utf8');
    const cut = at % (bytes.length + 1);
    return Buffer.concat([bytes.subarray(0, cut), bad, bytes.subarray(cut)]);
  });
}

/** JSON nested `depth` levels deep: arrays, objects, or the nesting under a real field. */
export const deepJson = (field = 'text') => fc.tuple(fc.integer({ min: 65, max: 10_000 }), fc.constantFrom('array', 'object', 'field', 'mixed')).map(([depth, shape]) => {
  switch (shape) {
    case 'array':
      return '['.repeat(depth) + ']'.repeat(depth);
    case 'object':
      return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    case 'field':
      return `{"${field}":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    default:
      return '[{"a":'.repeat(depth >> 1) + 'null' + '}]'.repeat(depth >> 1);
  }
});

/** Bodies that must be refused, whatever the route: not JSON, not UTF-8, not Unicode, too deep, or structurally wrong. */
export function invalidBodies(shape: { valid: fc.Arbitrary<unknown>; invalid: fc.Arbitrary<unknown>; field?: string; allowEmpty?: boolean }): fc.Arbitrary<Body> {
  const bodies: fc.Arbitrary<Body>[] = [
    shape.invalid.map((value) => ({ bytes: json(value), valid: false, kind: 'wrong shape' })),
    nonObject.map((value) => ({ bytes: json(value), valid: false, kind: 'not an object' })),
    malformedJson.map((text) => ({ bytes: text, valid: false, kind: 'malformed JSON' })),
    truncated(shape.valid).map((text) => ({ bytes: text, valid: false, kind: 'truncated JSON' })),
    withInvalidUtf8(shape.valid).map((bytes) => ({ bytes, valid: false, kind: 'invalid UTF-8' })),
    deepJson(shape.field).map((text) => ({ bytes: text, valid: false, kind: 'deeply nested' })),
    shape.valid.map((value) => {
      // The same object with a __proto__ key in front (lone surrogates come with the fields' invalid values).
      const text = json(value);
      return { bytes: text.length > 2 ? `{"__proto__":{"x":1},${text.slice(1)}` : '{"__proto__":{}}', valid: false, kind: '__proto__ key' };
    }),
  ];
  if (!shape.allowEmpty) bodies.push(fc.constantFrom('', ' ', '\r\n\t').map((text) => ({ bytes: text, valid: false, kind: 'empty' })));
  return fc.oneof(...bodies);
}

export function validBodies(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Body> {
  return valid.map((value) => ({ bytes: json(value), valid: true, kind: 'valid' }));
}

// ---------------------------------------------------------------------------------------------
// The request bodies of the customer, agent and operator APIs (shared/http/schemas.ts)

const DECLARED_VARIABLES = ['BotHandoffTopic', 'BotFailure'];
/** The sample's declared variables with values of their type: what a bot or Switchboard sets (setBy: bot, system). */
const declaredContext = fc.record({ BotHandoffTopic: fc.oneof(userText(0, 300), fc.integer()), BotFailure: fc.oneof(userText(0, 300), fc.integer()) }, { requiredKeys: [] });

/** A customer may set none of the sample's variables (none is declared with setBy: customer). */
const contextField: Field = {
  valid: fc.constant({}),
  invalid: fc.oneof(
    nonObject,
    declaredContext.filter((context) => Object.keys(context).length > 0),
    fc.tuple(oddKey.filter((k) => !DECLARED_VARIABLES.includes(k)), fc.oneof(fc.string(), fc.integer())).map(([k, v]) => {
      const o: Record<string, unknown> = {};
      setKey(o, k, v);
      return o;
    }),
    fc.tuple(fc.constantFrom(...DECLARED_VARIABLES), fc.oneof(fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]), fc.array(fc.string(), { minLength: 1, maxLength: 2 }), tooLong(4_001), withLoneSurrogate))
      .map(([k, v]) => ({ [k]: v })),
    fc.constant(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, 'x']))),
  ),
};

export const startChatFields: Record<string, Field> = {
  workstream: { valid: fc.constant('ChatWorkStream'), invalid: fc.oneof(badString(100), userText(1, 100).filter((s) => s !== 'ChatWorkStream')) },
  customer: {
    // Switchboard assigns the customer's id: any id is refused.
    valid: fc.record({ name: userText(1, 200) }, { requiredKeys: [] }),
    invalid: fc.oneof(nonObject, fc.constant('customer'), invalidObject({ name: { valid: userText(1, 200), invalid: badString(200) } }), fc.record({ id: fc.jsonValue({ maxDepth: 1 }), name: userText(1, 200) }, { requiredKeys: ['id'] })),
  },
  context: contextField,
};

export const messageFields: Record<string, Field> = {
  text: { valid: userText(1, 4_000), invalid: badString(4_000), required: true },
  // A ':' is Switchboard's own ids' (shared/http/schemas.ts).
  id: { valid: userText(1, 200).filter((id) => !id.includes(':')), invalid: fc.oneof(badString(200), userText(0, 199).map((id) => `${id}:`)) },
};

/** A workspace tab's sign-in (POST /api/agents/{agentId}/session): 8 to 64 of [A-Za-z0-9_-]. */
export const sessionFields: Record<string, Field> = {
  sessionId: {
    valid: fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
    invalid: fc.oneof(nonString, fc.constantFrom('', 'short', 'has space in it', 'a'.repeat(65), 'tab/../../x', 'tab%2F..%2F'), injection, withLoneSurrogate),
    required: true,
  },
};

export const presenceFields: Record<string, Field> = {
  presence: {
    valid: fc.constantFrom(...PRESENCES),
    invalid: fc.oneof(nonString, fc.constantFrom('available', 'AVAILABLE', ' Available', 'Available ', 'Busy_DND', 'BusyDND', 'Online', ''), injection, withLoneSurrogate),
    required: true,
  },
};

export const QUEUE_NAMES = ['BotQueue', 'CreditCardQueue', 'HomeLoanQueue', 'DefaultQueue'];
export const transferFields: Record<string, Field> = {
  queue: { valid: fc.constantFrom(...QUEUE_NAMES), invalid: fc.oneof(badString(100), userText(1, 100).filter((s) => !QUEUE_NAMES.includes(s)), fc.constantFrom('botqueue', 'CreditCardQueue ')), required: true },
};

/** The users of the sample configuration a supervisor may name: its agents (sam is the supervisor) and its bot. */
export const SAMPLE_USERS = ['alice', 'bob', 'carol', 'dave', 'sam', 'demo-bot'];
/** A supervisor's Assign: `agentId` a user of the configuration or not (the schema takes any id; the use case checks it). */
export const assignFields: Record<string, Field> = {
  agentId: { valid: fc.oneof(fc.constantFrom(...SAMPLE_USERS), userText(1, 200)), invalid: badString(200), required: true },
};
/** A supervisor's Transfer: exactly one of `queue` and `agentId`. */
export const supervisorTransferBodies = {
  valid: fc.oneof(transferFields.queue!.valid.map((queue) => ({ queue })), assignFields.agentId!.valid.map((agentId) => ({ agentId }))),
  invalid: fc.oneof(
    invalidObject(transferFields),
    invalidObject(assignFields),
    fc.tuple(transferFields.queue!.valid, assignFields.agentId!.valid).map(([queue, agentId]) => ({ queue, agentId })),
    fc.constant({}),
  ),
};

/** A name a bot may give a variable it sets: 1 to 100 characters (`__proto__` is refused at the edge, whatever the route). */
const botVariableName = userText(1, 100).filter((name) => name.length <= 100 && name !== '__proto__');
/** What a bot could never set: a fraction, a number beyond the safe integers, or no string or number at all. */
const settableByNobody = fc.oneof(fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]), tooLong(4_001), withLoneSurrogate);
const notBotSettable = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isSafeInteger(n)), settableByNobody);

/**
 * A dry run takes what a chat can carry: the declared variables as a customer sends them, and any
 * variable a bot or Switchboard sets (BotFailure), as a bot could set it.
 */
const chatContextField: Field = {
  valid: fc.tuple(declaredContext, fc.dictionary(botVariableName, fc.oneof(userText(0, 300), fc.integer()), { maxKeys: 3 }))
    .map(([declared, botSet]) => ({ ...botSet, ...(declared as Record<string, unknown>) })),
  invalid: fc.oneof(
    nonObject,
    fc.tuple(fc.oneof(fc.constant(''), tooLong(101)), fc.string()).map(([k, v]) => ({ [k]: v })),
    fc.tuple(botVariableName, notBotSettable).map(([k, v]) => {
      const o: Record<string, unknown> = {};
      setKey(o, k, v);
      return o;
    }),
    // A declared variable takes what a customer may send it (a fraction too, for text): only what nobody may set is wrong.
    fc.tuple(fc.constantFrom(...DECLARED_VARIABLES), settableByNobody).map(([k, v]) => ({ [k]: v })),
    fc.constant(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, 'x']))),
  ),
};

/** The sample configuration's agents, for the dry run's what-if snapshot. */
const SAMPLE_AGENTS = ['alice', 'bob', 'carol', 'dave'];
const agentSnapshot = fc.record({ id: fc.constantFrom(...SAMPLE_AGENTS), presence: fc.constantFrom(...PRESENCES), usedUnits: fc.integer({ min: 0, max: 10 }) });
const agentsField: Field = {
  valid: fc.uniqueArray(agentSnapshot, { selector: (a) => a.id, maxLength: 4 }),
  invalid: fc.oneof(
    nonObject.filter((v) => !Array.isArray(v)),
    agentSnapshot.map((a) => [a, a]),
    fc.tuple(agentSnapshot, fc.oneof(userText(1, 100).filter((id) => !SAMPLE_AGENTS.includes(id)), fc.constant('demo-bot'))).map(([a, id]) => [{ ...a, id }]),
    fc.tuple(agentSnapshot, fc.oneof(nonString, fc.constantFrom('available', 'Online', ''))).map(([a, presence]) => [{ ...a, presence }]),
    fc.tuple(agentSnapshot, fc.oneof(fc.integer({ max: -1 }), fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n)), fc.string())).map(([a, usedUnits]) => [{ ...a, usedUnits }]),
    agentSnapshot.map((a) => [{ ...a, extra: 1 }]),
  ),
};

export const explainFields: Record<string, Field> = { context: chatContextField, agents: agentsField };

export const emptyFields: Record<string, Field> = {};

/** Bodies of `{}` routes (end, close): empty or `{}` are valid; anything else is not. */
export const emptyBodyValid = fc.constantFrom('', '{}', ' {} ', '\n');

// ---------------------------------------------------------------------------------------------
// Bot Framework activities on the connector

/** A message the connector accepts from the bot holding the chat. */
export const validActivity = (botId: string) => fc.record({
  type: fc.constant('message'),
  text: userText(1, 300),
  from: fc.constant({ id: botId }),
  id: fc.option(fc.uuid(), { nil: undefined }),
  channelData: fc.option(fc.constant({ deliveryMode: 'bridged' }), { nil: undefined }),
}, { requiredKeys: ['type', 'text', 'from'] }).map((a) => JSON.parse(JSON.stringify(a)) as Record<string, unknown>);

/** Activities accepted with 200 but ignored: nothing changes (typing, trace, unknown types and events, messages not bridged). */
export const ignoredActivity = (botId: string) => fc.oneof(
  fc.constantFrom({ type: 'typing' }, { type: 'trace', name: 'debug', value: { step: 1 } }, { type: 'event', name: 'something.else' }, { type: 'event' },
    { type: 'conversationUpdate' }, { type: 'endOfConversation' }, { type: 'message', text: 'note', channelData: { deliveryMode: 'internal' } }),
  fc.string({ minLength: 1, maxLength: 20 }).filter((t) => !['message', 'event'].includes(t)).map((type) => ({ type })),
).map((a) => ({ ...a, from: { id: botId } }));

/** Activities the connector must refuse: each breaks one rule of the protocol. */
export const invalidActivity = (botId: string): fc.Arbitrary<unknown> => {
  const base = (extra: Record<string, unknown>) => ({ type: 'message', text: 'hello', from: { id: botId }, ...extra });
  const escalate = (context: unknown) => base({ channelData: { tags: JSON.stringify({ type: 'Escalate', context }) } });
  return fc.oneof(
    nonObject,
    fc.oneof(fc.constant(undefined), fc.constant(''), nonString).map((type) => base({ type })),
    nonString.filter((t) => t !== null).map((text) => base({ text })),
    fc.constantFrom(undefined, '').map((text) => ({ type: 'message', text, from: { id: botId } })),
    fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 })).map((channelData) => base({ channelData })),
    fc.oneof(fc.integer(), fc.boolean(), fc.constant('{not json'), fc.constant('{"type":"Nope"}'), fc.constant('{"type":5}'), fc.constant('{}')).map((tags) => base({ channelData: { tags } })),
    fc.oneof(nonObject.filter((c) => c !== null), fc.constant({ '': 'x' }), fc.constant({ ['k'.repeat(101)]: 'x' }), fc.record({ Topic: fc.oneof(fc.boolean(), fc.double({ min: 0.1, max: 1e6, noNaN: true }), fc.constant({}), fc.constant([]), tooLong(4_001)) }),
      fc.constant(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, 'x'])))).map(escalate),
    fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant({})).map((attachments) => base({ text: undefined, attachments })),
    tooLong(28 * 1024 + 1).map((text) => base({ text })),
    withLoneSurrogate.map((text) => base({ text })),
  );
};

// ---------------------------------------------------------------------------------------------
// Ids, path segments, headers

export const unknownId = fc.oneof(
  fc.uuid(), injection.filter((s) => s.length > 0), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.constantFrom('__proto__', 'constructor', 'x'.repeat(5_000), ' ', '.', '..', '~', '*'),
);

/** A path segment naming `id`, encoded plainly or with a trick that must still decode to it. */
export function segmentFor(id: string): fc.Arbitrary<string> {
  const plain = encodeURIComponent(id);
  const everyByte = [...Buffer.from(id, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  return fc.constantFrom(plain, everyByte, everyByte.toLowerCase());
}

/** Path segments that are broken or misleading: bad percent-encodings, traversal, NUL, double encoding. */
export const trickSegment = fc.oneof(
  fc.constantFrom('%', '%Z', '%ZZ', '%G1', '%FF', '%C0%AE', '%C0%AF', '%E0%80%AE', '%ED%A0%80', '%F8%88%80%80%80', '%00', '%2e', '%2e%2e', '%2E%2E%2F', '..%2F..%2F', '%252e%252e', '%u002e', '%2F', '%5C', '..;', '.;', ';x=1', '%20', '+', '%0d%0aX:%201'),
  unknownId.map((id) => encodeURIComponent(id)),
);

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/xml', '*/*', 'garbage', ''];

/** Content-Type (or none) and a few noisy headers, none of which may change the outcome. */
export const noiseHeaders: fc.Arbitrary<[string, string][]> = fc.tuple(
  fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
  fc.subarray<[string, string]>([
    ['Accept', 'text/html'], ['Accept-Encoding', 'gzip, br'], ['X-Forwarded-For', '127.0.0.1, 10.0.0.1'], ['X-Forwarded-Host', 'evil.example'], ['Origin', 'https://evil.example'],
    ['X-HTTP-Method-Override', 'DELETE'], ['Cookie', 'session=1'], ['User-Agent', "'; DROP TABLE agents; --"], ['X-Request-Id', '../../etc/passwd'], ['Expect', '100-continue'],
    ['X-Functions-Key', 'nope'], ['If-Match', '"*"'], ['Range', 'bytes=0-1'],
  ]),
).map(([contentType, extra]) => (contentType === undefined ? extra : [['Content-Type', contentType], ...extra]));

/** Authorization headers that prove nothing. */
export const garbageAuthorization = fc.oneof(
  fc.constantFrom('Bearer', 'Bearer ', 'Bearer  ', 'bearer', 'Basic YWxpY2U6c2VjcmV0', 'Digest x', 'Bearer a b', 'Bearer null', 'Bearer undefined', 'Bearer ' + 'a'.repeat(10_000), 'Token dev-alice', 'dev-alice', 'Bearer dev-', 'Bearer DEV-ALICE'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 80 }).map((s) => `Bearer ${s.replace(/[\r\n]/g, '')}`),
  fc.tuple(fc.base64String({ minLength: 4, maxLength: 40 }), fc.base64String({ minLength: 4, maxLength: 80 }), fc.base64String({ maxLength: 40 }))
    .map(([h, p, s]) => `Bearer ${h.replace(/=/g, '')}.${p.replace(/=/g, '')}.${s.replace(/=/g, '')}`),
  injection.map((s) => `Bearer ${[...s].filter((ch) => ch >= ' ').join('')}`),
);

// ---------------------------------------------------------------------------------------------
// Direct Line bodies (shared/http/schemas.ts, shared/usecases/directLine.ts; faces.md A.3)

/** A user id a site's backend may name: `dl_` and URL-safe characters (DLJS puts it in URLs unencoded). */
export const dlUserId = fc.stringMatching(/^dl_[A-Za-z0-9_.-]{1,40}$/);
/** Ids that are strings of a fitting length, but not `dl_…` and URL-safe: refused by tokens/generate and a secret's conversation start. */
export const unsafeDlUserId = fc.oneof(
  fc.constantFrom('customer-1', 'DL_x', 'dl_', 'dl_a/b', 'dl_a?b', 'dl_a#b', 'dl_a%20b', 'dl_a b', 'dl_a+b', 'dl_a&b', 'dl_ü', 'r_abcdefghij', ' dl_x'),
  fc.string({ minLength: 1, maxLength: 40 }).filter((id) => !/^dl_[A-Za-z0-9_.-]{1,124}$/.test(id)),
);
/** Not a Direct Line user id at all: the schema refuses it (wrong type, empty, over 127 characters, not Unicode). */
const badDlUserId = fc.oneof(nonString.filter((v) => v !== undefined), fc.constant(''), tooLong(128).map((s) => `dl_${s}`), withLoneSurrogate);

export const validLocale = fc.constantFrom('en-US', 'en-us', 'fr', 'de-CH', 'zh-Hant-TW', 'pt-BR');
/** Strings of a fitting length that are not one BCP-47 tag: refused where the locale is used (generate, the visitor route, a secret's start). */
export const notALocale = fc.constantFrom('en US', '!!', 'en_US', '12', 'e', 'i-klingon', 'root', 'en-US,fr', '../en', '<script>');
/** Not a locale string at all: the schema refuses it. */
const badLocale = fc.oneof(nonString.filter((v) => v !== undefined), fc.constant(''), tooLong(36), withLoneSurrogate);

/** A context value nobody may send: not a string or a number. */
const notAContextValue = fc.oneof(fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]), fc.array(fc.string(), { minLength: 1, maxLength: 2 }));

export const generateTokenFields: Record<string, Field> = {
  user: {
    valid: fc.record({ id: dlUserId, name: fc.string({ minLength: 1, maxLength: 100 }) }, { requiredKeys: ['id'] }),
    invalid: fc.oneof(
      nonObject,
      fc.constant({}),
      fc.constant({ name: 'no id' }),
      fc.oneof(badDlUserId, unsafeDlUserId).map((id) => ({ id })),
      fc.oneof(nonString.filter((v) => v !== undefined), fc.constant(''), tooLong(201), withLoneSurrogate).map((name) => ({ id: 'dl_fuzz', name })),
    ),
  },
  // The site's backend may set context (a trusted writer): it is type-checked all the same.
  context: {
    valid: fc.constant({}),
    invalid: fc.oneof(
      nonObject,
      fc.constantFrom({ '': 'x' }, { ['k'.repeat(101)]: 'x' }),
      fc.tuple(fc.constantFrom('BotHandoffTopic', 'Email', 'Anything'), notAContextValue).map(([k, v]) => ({ [k]: v })),
    ),
  },
  locale: { valid: validLocale, invalid: fc.oneof(badLocale, notALocale) },
  trustedOrigins: {
    valid: fc.array(fc.constantFrom('https://www.contoso.example', 'http://localhost:3000'), { maxLength: 3 }),
    invalid: fc.oneof(fc.integer(), fc.boolean(), fc.string(), fc.constant(null), fc.constant({}), fc.array(fc.integer(), { minLength: 1, maxLength: 3 }), fc.constant(Array.from({ length: 51 }, () => 'https://a.example'))),
  },
};

/** The sample site `support` asks one optional question, Email (a customer-settable text variable). */
export const visitorTokenFields: Record<string, Field> = {
  name: { valid: fc.string({ minLength: 1, maxLength: 100 }).filter((n) => n.trim() !== ''), invalid: fc.oneof(nonString.filter((v) => v !== undefined), fc.constantFrom('', ' ', '\t\n'), tooLong(201), withLoneSurrogate) },
  locale: { valid: validLocale, invalid: fc.oneof(badLocale, notALocale) },
  context: {
    valid: fc.oneof(fc.constant({}), fc.record({ Email: fc.string({ minLength: 1, maxLength: 200 }) })),
    invalid: fc.oneof(
      nonObject,
      // Variables the site does not ask, declared or not.
      fc.tuple(fc.oneof(fc.constantFrom('BotHandoffTopic', 'BotFailure', 'email', 'EMAIL'), oddKey.filter((k) => k !== 'Email')), fc.string({ maxLength: 20 })).map(([k, v]) => {
        const o: Record<string, unknown> = {};
        setKey(o, k, v);
        return o;
      }),
      notAContextValue.map((Email) => ({ Email })),
      tooLong(4_001).map((Email) => ({ Email })),
      withLoneSurrogate.map((Email) => ({ Email })),
    ),
  },
};

/**
 * POST /conversations bodies (a loose object: Web Chat sends more). `forSecret` says whether a site's
 * secret may start a conversation with it: a token's start ignores the body's user and locale (the
 * token's own count), a secret's start uses them, so they must be a `dl_` id and a real locale.
 */
export interface StartBody extends Body {
  forSecret: boolean;
}
export const startConversationBodies: fc.Arbitrary<StartBody> = fc.oneof(
  fc.record({ user: fc.record({ id: dlUserId, name: fc.string({ maxLength: 100 }) }, { requiredKeys: [] }), locale: validLocale, entities: fc.constant([{ type: 'ClientCapabilities' }]) }, { requiredKeys: [] })
    .map((value) => ({ bytes: JSON.stringify(value), valid: true, forSecret: true, kind: 'valid start' })),
  fc.constantFrom('', '{}', '{"user":{}}').map((bytes) => ({ bytes, valid: true, forSecret: true, kind: 'empty start' })),
  // Schema-valid, but what a secret's start refuses.
  fc.oneof(unsafeDlUserId.map((id) => ({ user: { id } })), notALocale.map((locale) => ({ locale })))
    .map((value) => ({ bytes: JSON.stringify(value), valid: true, forSecret: false, kind: 'unsafe user id or not a locale' })),
  fc.oneof(
    nonObject.map((user) => ({ user })),
    badDlUserId.map((id) => ({ user: { id } })),
    fc.oneof(nonString.filter((v) => v !== undefined && v !== null), tooLong(201)).map((name) => ({ user: { id: 'dl_fuzz', name } })),
    badLocale.map((locale) => ({ locale })),
  ).map((value) => ({ bytes: JSON.stringify(value), valid: false, forSecret: false, kind: 'wrong field' })),
  invalidBodies({ valid: fc.constant({ user: {} }), invalid: fc.constant(5), allowEmpty: true, field: 'user' })
    .filter((b) => b.kind !== 'wrong shape')
    .map((b) => ({ ...b, forSecret: false })),
);

/** What Web Chat posts (faces.md A.7), with the fields it sends and Switchboard drops. */
const webChatExtras = fc.record({
  from: fc.record({ id: fc.oneof(dlUserId, fc.string({ maxLength: 20 })), name: fc.string({ maxLength: 20 }), role: fc.constantFrom('user', 'bot', 'channel') }, { requiredKeys: [] }),
  channelId: fc.constantFrom('webchat', 'directline'),
  locale: validLocale,
  localTimestamp: fc.constant('2024-05-01T11:00:00.000+02:00'),
  entities: fc.constant([{ type: 'ClientCapabilities', requiresBotState: true }]),
  textFormat: fc.constant('plain'),
  id: fc.string({ maxLength: 30 }),
}, { requiredKeys: [] });

/** Activities a customer may post: `effect` says what one does on a live chat with its own token (a typing does nothing). */
export const validIncomingActivity: fc.Arbitrary<{ activity: Record<string, unknown>; effect: 'appends' | 'nothing' }> = fc.tuple(
  fc.oneof(
    fc.record({ type: fc.constant('message'), text: fc.string({ minLength: 1, maxLength: 300 }).filter((t) => t.trim() !== ''), channelData: fc.record({ clientActivityID: fc.string({ maxLength: 20 }), attachmentSizes: fc.constant([]) }) }, { requiredKeys: ['type', 'text'] }),
    fc.record({ type: fc.constant('message'), value: fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null), channelData: fc.constant({ postBack: true }) }),
    fc.record({ type: fc.constant('event'), name: fc.string({ minLength: 1, maxLength: 100 }), value: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['type', 'name'] }),
    fc.record({ type: fc.constant('typing'), text: fc.string({ maxLength: 20 }) }, { requiredKeys: ['type'] }),
  ),
  webChatExtras,
).map(([activity, extras]) => {
  const merged = JSON.parse(JSON.stringify({ ...extras, ...activity })) as Record<string, unknown>;
  return { activity: merged, effect: merged.type === 'typing' ? 'nothing' : 'appends' };
});

/** Activities that must be refused: each breaks one rule (schemas.ts incomingActivityBody, postActivity). */
export const invalidIncomingActivity: fc.Arbitrary<unknown> = (() => {
  const message = (extra: Record<string, unknown>) => ({ type: 'message', text: 'hello', ...extra });
  const bigJson = fc.integer({ min: 16 * 1024 + 1, max: 40_000 }).map((n) => ({ blob: 'x'.repeat(n) }));
  return fc.oneof(
    nonObject,
    fc.oneof(fc.constant(undefined), fc.constantFrom('', 'Message', 'conversationUpdate', 'endOfConversation', 'invoke', 'trace', 'handoff', 'message '), nonString).map((type) => message({ type })),
    fc.oneof(nonString.filter((t) => t !== undefined), tooLong(4_001), withLoneSurrogate).map((text) => message({ text })),
    fc.constantFrom(undefined, '', ' ', '\n\t').map((text) => ({ type: 'message', ...(text === undefined ? {} : { text }) })),
    fc.constant({ type: 'event' }),
    fc.oneof(fc.constant(''), tooLong(201), nonString.filter((n) => n !== undefined)).map((name) => ({ type: 'event', name })),
    bigJson.map((value) => message({ value })),
    fc.oneof(fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: 1, maxLength: 2 }), fc.string(), fc.integer(), fc.constant({}), fc.constant(null)).map((attachments) => message({ attachments })),
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), bigJson).map((channelData) => message({ channelData })),
  );
})();
