import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { flushTelemetry, formatProblemLine, ProblemLinesTelemetry } from '../../shared/adapters/appinsights';
import type { Telemetry } from '../../shared/ports/telemetry';

// Local time: the lines are for the person at the terminal.
const at = new Date(2024, 4, 1, 12, 3, 4);
const refused = 'POST to bot "demo-bot" at http://127.0.0.1:3979/api/messages failed: fetch failed: connect ECONNREFUSED 127.0.0.1:3979';

test('a bot that cannot be reached: which bot, which conversation, why, and where the chat went', () => {
  expect(formatProblemLine({ kind: 'event', name: 'BotUnreachable', properties: { conversationId: 'c-1', bot: 'demo-bot', failure: 'unreachable', reason: refused, queue: 'DefaultQueue' } }, at))
    .toBe(`12:03:04 warn  bot demo-bot unreachable (conversation c-1): ${refused}; chat routed on to DefaultQueue`);
  expect(formatProblemLine({ kind: 'event', name: 'BotUnreachable', properties: { conversationId: 'c-1', bot: 'demo-bot', failure: 'refused', reason: 'HTTP 401' } }, at))
    .toBe('12:03:04 warn  bot demo-bot refused the delivery (conversation c-1): HTTP 401; chat routed on');
});

test('every URL in a problem line is redacted: a key in the query string or credentials never reach the terminal', () => {
  const reason = 'POST to bot "b" at https://u:PASSWORD@bot.example.com/api/messages?code=SECRET123 failed: HTTP 500';
  const line = formatProblemLine({ kind: 'event', name: 'BotDeliveryFailed', properties: { conversationId: 'c-1', bot: 'b', activityType: 'message', reason }, measurements: { deliveryCount: 1 } }, at);
  expect(line).toBe('12:03:04 warn  bot b did not take a message activity (conversation c-1): POST to bot "b" at https://***@bot.example.com/api/messages?*** failed: HTTP 500');
  expect(formatProblemLine({ kind: 'exception', error: new Error('GET http://x/y?sig=SECRET123 failed') }, at)).toBe('12:03:04 error unexpected failure: Error: GET http://x/y?*** failed');
});

test('a failed delivery to a bot is told once, on its first attempt (the bus retries it with backoff)', () => {
  const failed = (deliveryCount: number) => formatProblemLine({ kind: 'event', name: 'BotDeliveryFailed', properties: { conversationId: 'c-1', bot: 'demo-bot', activityType: 'message', reason: 'HTTP 500' }, measurements: { deliveryCount } }, at);
  expect(failed(1)).toBe('12:03:04 warn  bot demo-bot did not take a message activity (conversation c-1): HTTP 500');
  expect(failed(2)).toBeUndefined();
});

test('a dead-lettered message: its queue, its conversation (or session), the reason and the description', () => {
  expect(formatProblemLine({
    kind: 'event',
    name: 'MessageDeadLettered',
    properties: { queue: 'conversation-commands', messageId: 'm-1', conversationId: 'c-1', sessionId: 'c-1', reason: 'MaxDeliveryCountExceeded', description: 'conversation c-1: command k kept conflicting after 8 attempts' },
    measurements: { deliveryCount: 10 },
  }, at)).toBe('12:03:04 error message m-1 dead-lettered on queue conversation-commands (conversation c-1): MaxDeliveryCountExceeded after 10 deliveries: conversation c-1: command k kept conflicting after 8 attempts');
  expect(formatProblemLine({
    kind: 'event',
    name: 'MessageDeadLettered',
    properties: { queue: 'dispatch', messageId: 'm-2', sessionId: 'DefaultQueue', reason: 'PoisonMessage', description: 'dispatch message: queue is required' },
    measurements: { deliveryCount: 1 },
  }, at)).toBe('12:03:04 error message m-2 dead-lettered on queue dispatch (session DefaultQueue): PoisonMessage after 1 delivery: dispatch message: queue is required');
});

test('the other warnings: a failed handoff, a refused reply, a sweep that had to repair something', () => {
  expect(formatProblemLine({ kind: 'event', name: 'HandoffFailed', properties: { conversationId: 'c-1', bot: 'b', reason: 'no context' } }, at))
    .toBe('12:03:04 warn  bot b handoff failed (conversation c-1): no context; the bot keeps the chat and was told so');
  expect(formatProblemLine({ kind: 'event', name: 'BotReplyRefused', properties: { conversationId: 'c-1', bot: 'b', reason: 'text too long' } }, at))
    .toBe('12:03:04 warn  bot b reply refused (conversation c-1): text too long');
  expect(formatProblemLine({ kind: 'event', name: 'SweepRepaired', properties: {}, measurements: { reservationsReleased: 1, announcementsResent: 0, autoClosesResent: 2, dispatchesRequested: 3 } }, at))
    .toBe('12:03:04 warn  sweep repaired lost work: reservationsReleased 1, autoClosesResent 2');
});

test('an exception: its name and message, with the conversation and queue it concerns', () => {
  expect(formatProblemLine({ kind: 'exception', error: new TypeError('the document cannot be written'), properties: { conversationId: 'c-1', queue: 'DefaultQueue' } }, at))
    .toBe('12:03:04 error unexpected failure (conversation c-1, queue DefaultQueue): TypeError: the document cannot be written');
  expect(formatProblemLine({ kind: 'exception', error: 'a string' }, at)).toBe('12:03:04 error unexpected failure: a string');
});

test('one line each: line breaks in a reason are folded, missing properties are left out, not printed as undefined', () => {
  const line = formatProblemLine({ kind: 'event', name: 'BotUnreachable', properties: { bot: 'b', reason: 'first\n  second\r\nthird' } }, at);
  expect(line).toBe('12:03:04 warn  bot b unreachable: first second third; chat routed on');
  expect(line).not.toContain('undefined');
});

test('what is not a problem prints nothing', () => {
  for (const name of ['ConversationStarted', 'Routed', 'Assigned', 'BotSessionEnded', 'ConversationClosed', 'PresenceChanged']) {
    expect(formatProblemLine({ kind: 'event', name, properties: { conversationId: 'c-1' } }, at)).toBeUndefined();
  }
});

function recording(): Telemetry & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    trackEvent: (...args) => void calls.push(['event', ...args]),
    trackMetric: (...args) => void calls.push(['metric', ...args]),
    trackException: (...args) => void calls.push(['exception', ...args]),
  };
}

test('ProblemLinesTelemetry forwards everything to the telemetry it wraps and writes a line for each problem', () => {
  const inner = recording();
  const lines: string[] = [];
  const telemetry = new ProblemLinesTelemetry(inner, { write: (line) => lines.push(line) }, () => at);
  telemetry.trackEvent('Routed', { conversationId: 'c-1', queue: 'BotQueue' });
  telemetry.trackEvent('BotUnreachable', { conversationId: 'c-1', bot: 'b', reason: 'down', queue: 'Q' }, { n: 1 });
  telemetry.trackMetric('QueueLength', 3, { queue: 'Q' });
  const error = new Error('boom');
  telemetry.trackException(error, { conversationId: 'c-1' });
  expect(inner.calls).toEqual([
    ['event', 'Routed', { conversationId: 'c-1', queue: 'BotQueue' }],
    ['event', 'BotUnreachable', { conversationId: 'c-1', bot: 'b', reason: 'down', queue: 'Q' }, { n: 1 }],
    ['metric', 'QueueLength', 3, { queue: 'Q' }],
    ['exception', error, { conversationId: 'c-1' }],
  ]);
  expect(lines).toEqual([
    '12:03:04 warn  bot b unreachable (conversation c-1): down; chat routed on to Q\n',
    '12:03:04 error unexpected failure (conversation c-1): Error: boom\n',
  ]);
});

test('ProblemLinesTelemetry never throws: not when its output fails, not when the wrapped telemetry does', () => {
  const throwing: Telemetry = {
    trackEvent: () => { throw new Error('inner'); },
    trackMetric: () => { throw new Error('inner'); },
    trackException: () => { throw new Error('inner'); },
  };
  const lines: string[] = [];
  const telemetry = new ProblemLinesTelemetry(throwing, { write: (line) => lines.push(line) }, () => at);
  expect(() => telemetry.trackEvent('BotUnreachable', { bot: 'b' })).not.toThrow();
  expect(() => telemetry.trackMetric('m', 1)).not.toThrow();
  expect(() => telemetry.trackException(new Error('x'))).not.toThrow();
  expect(lines).toHaveLength(2); // the line is written even though the wrapped telemetry failed
  const broken = new ProblemLinesTelemetry(recording(), { write: () => { throw new Error('EPIPE'); } });
  expect(() => broken.trackEvent('BotUnreachable', { bot: 'b' })).not.toThrow();
});

test('ProblemLinesTelemetry flushes the telemetry it wraps (Application Insights at shutdown)', async () => {
  let flushed = 0;
  const inner = { ...recording(), flush: async () => void flushed++ };
  await flushTelemetry(new ProblemLinesTelemetry(inner, { write: () => undefined }));
  expect(flushed).toBe(1);
  await expect(flushTelemetry(new ProblemLinesTelemetry(recording(), { write: () => undefined }))).resolves.toBeUndefined();
});

describe('a problem line is one line', () => {
  /** How line breaks were folded before: quadratic on a long run of spaces, so only run on short inputs here. */
  const reference = (line: string) => line.replace(/\s*[\r\n]+\s*/g, ' ');
  const lineOf = (why: string) => formatProblemLine({ kind: 'event', name: 'BotReplyRefused', properties: { bot: 'b', reason: why } }, at)!;

  test('each run of white space with a line break becomes one space, as before', () => {
    const alphabet = fc.constantFrom('a', ' ', '\t', '\n', '\r', '\u00a0', '\u2028');
    fc.assert(fc.property(fc.array(alphabet, { minLength: 1, maxLength: 12 }).map((cs) => cs.join('')), (why) => {
      expect(lineOf(why)).toBe(reference(lineOf('\u0000').replace('\u0000', why)));
    }), { numRuns: 20_000 });
  });

  // Reasons carry what callers sent (a bot's activity id in a dead-letter description). A synchronous call cannot be
  // abandoned by a test timeout: vm's watchdog stops it after a limit far above what one pass takes.
  test('a 100,000-character run of spaces is folded in one pass', () => {
    const why = `a${' '.repeat(100_000)}b`;
    expect(runInNewContext('lineOf(why)', { lineOf, why }, { timeout: 2_000 })).toContain(why);
  });
});
