import {
  conversationTrace, messageSpanIdOf, messageTraceparent, operationIdOf, operationNameOf, parseTraceparent, receivedCorrelation, rootSpanIdOf,
} from '../../shared/adapters/conversationTrace';
import { currentInvocation, runInInvocation } from '../../shared/ports/invocationScope';
import { registerQueue, registrations } from '../../shared/host/registry';
import { QUEUES } from '../../shared/ports/messageBus';

/** The operation of a conversation, derived from its id alone (no shared state), and the invocation scope that names an item's cause. */

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

test('a GUID conversation id is its own operation id without dashes; any other id is hashed to 32 hex', () => {
  expect(operationIdOf('1E16F1EE-B7CD-41BE-900B-BB9A506165FB')).toBe('1e16f1eeb7cd41be900bbb9a506165fb');
  for (const id of ['c-1', 'chat:with:colons', 'ünïcode', 'a'.repeat(500)]) {
    expect(operationIdOf(id)).toMatch(TRACE_ID);
    expect(operationIdOf(id)).toBe(operationIdOf(id));
  }
  expect(operationIdOf('c-1')).not.toBe(operationIdOf('c-2'));
  // sha256("c-1"), as KQL's hash_sha256 gives it: the conversation-trace query derives the same id.
  expect(operationIdOf('c-1')).toBe('a6f7ef47ee8dc84af9056a3051ddc302');
  // The all-zero trace id is invalid in W3C trace context: hashed instead.
  expect(operationIdOf('00000000-0000-0000-0000-000000000000')).toMatch(TRACE_ID);
  expect(operationIdOf('00000000-0000-0000-0000-000000000000')).not.toMatch(/^0+$/);
  expect(operationNameOf('c-1')).toBe('chat c-1');
});

test("a message's traceparent is in its conversation's operation and names the message: the same for every delivery and resend", () => {
  const traceparent = messageTraceparent('c-1', 'start:c-1');
  expect(traceparent).toBe(`00-${operationIdOf('c-1')}-${messageSpanIdOf('start:c-1')}-01`);
  expect(messageTraceparent('c-1', 'start:c-1')).toBe(traceparent);
  expect(messageSpanIdOf('start:c-1')).toMatch(SPAN_ID);
  expect(messageSpanIdOf('start:c-1')).not.toBe(messageSpanIdOf('start:c-2'));
  expect(parseTraceparent(traceparent)).toEqual({ traceId: operationIdOf('c-1'), spanId: messageSpanIdOf('start:c-1') });
  for (const bad of [undefined, null, '', 'nonsense', `01-${operationIdOf('c-1')}-${messageSpanIdOf('x')}-01`, `00-${'0'.repeat(32)}-${messageSpanIdOf('x')}-01`, `00-${operationIdOf('c-1')}-${'0'.repeat(16)}-01`]) {
    expect(parseTraceparent(bad)).toBeUndefined();
  }
});

test("an item hangs from the message that caused it when that message is of the same conversation, else from the conversation's root", () => {
  const cause = messageTraceparent('c-1', 'cmd-7');
  expect(conversationTrace('c-1', cause)).toEqual({ operationId: operationIdOf('c-1'), operationName: 'chat c-1', parentId: messageSpanIdOf('cmd-7') });
  expect(conversationTrace('c-2', cause)).toEqual({ operationId: operationIdOf('c-2'), operationName: 'chat c-2', parentId: rootSpanIdOf('c-2') });
  expect(conversationTrace('c-1')).toEqual({ operationId: operationIdOf('c-1'), operationName: 'chat c-1', parentId: rootSpanIdOf('c-1') });
  expect(rootSpanIdOf('c-1')).toMatch(SPAN_ID);
});

test('what a receiver reads of the wire is kept only when it is a non-empty string', () => {
  expect(receivedCorrelation('c-1', { 'Diagnostic-Id': '00-x' })).toEqual({ correlationId: 'c-1', traceparent: '00-x' });
  expect(receivedCorrelation(undefined, undefined)).toEqual({});
  expect(receivedCorrelation('', { 'Diagnostic-Id': 42 })).toEqual({});
  expect(receivedCorrelation(7, 'not an object')).toEqual({});
});

test('a registered queue function runs its handler in an invocation scope naming the function and the message it handles', async () => {
  const seen: unknown[] = [];
  const saved = process.env.SWITCHBOARD_HOST;
  process.env.SWITCHBOARD_HOST = 'local'; // registers with the local host's list only, not the Functions app
  registerQueue({ name: 'traceScopeProbe', queueName: QUEUES.botDeliveries, isSessionsEnabled: true, handler: async () => {
    await Promise.resolve();
    seen.push(currentInvocation());
  } });
  if (saved === undefined) delete process.env.SWITCHBOARD_HOST;
  else process.env.SWITCHBOARD_HOST = saved;
  const fn = registrations.queues().find((q) => q.name === 'traceScopeProbe');
  const traceparent = messageTraceparent('c-1', 'bot:a-1');
  await fn?.handler({}, { messageId: 'bot:a-1', sessionId: 'c-1', deliveryCount: 2, correlationId: 'c-1', traceparent });
  await fn?.handler({}, { messageId: 'plain', sessionId: 'q', deliveryCount: 1 });
  expect(seen).toEqual([{ functionName: 'traceScopeProbe', traceparent }, { functionName: 'traceScopeProbe' }]);
  expect(currentInvocation()).toBeUndefined();
  expect(runInInvocation({ functionName: 'x' }, () => currentInvocation())).toEqual({ functionName: 'x' });
});
