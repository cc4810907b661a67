import { redactUrls } from '../../core/redactUrl';
import type { TelemetryProperties } from '../../ports/telemetry';

/** One telemetry item, as ProblemLinesTelemetry hands it to the formatter. */
export type TelemetryItem =
  | { kind: 'event'; name: string; properties?: TelemetryProperties; measurements?: Record<string, number> }
  | { kind: 'exception'; error: unknown; properties?: TelemetryProperties };

interface Problem {
  level: 'warn' | 'error';
  /** What happened, to what: "bot demo-bot unreachable". */
  what: string;
  /** Which conversation, queue, agent: the properties worth printing in brackets. */
  about?: (string | undefined)[];
  why?: string;
  /** What Switchboard did about it. */
  then?: string;
}

type Describe = (p: TelemetryProperties, m: Record<string, number>) => Problem | undefined;

/**
 * The warnings and errors among the telemetry events, each told the way a person reads it. Every other
 * event (the chat's normal course: started, routed, assigned, closed) is left to telemetry.
 */
const PROBLEMS: Record<string, Describe> = {
  BotUnreachable: (p) => ({ level: 'warn', what: `bot ${p.bot} ${p.failure === 'refused' ? 'refused the delivery' : 'unreachable'}`, why: p.reason, then: `chat routed on${p.queue ? ` to ${p.queue}` : ''}` }),
  // The bus redelivers with backoff until the bot's budget runs out (then BotUnreachable): the first failure says it started.
  BotDeliveryFailed: (p, m) => (m.deliveryCount !== undefined && m.deliveryCount > 1 ? undefined : { level: 'warn', what: `bot ${p.bot} did not take ${article(p.activityType)} activity`, why: p.reason }),
  HandoffFailed: (p) => ({ level: 'warn', what: `bot ${p.bot} handoff failed`, why: p.reason, then: 'the bot keeps the chat and was told so' }),
  BotReplyRefused: (p) => ({ level: 'warn', what: `bot ${p.bot} reply refused`, why: p.reason }),
  MessageDeadLettered: (p, m) => ({
    level: 'error',
    what: `message ${p.messageId} dead-lettered on queue ${p.queue}`,
    about: p.conversationId ? [] : [labelled('session', p.sessionId)],
    why: [p.reason, m.deliveryCount === undefined ? '' : ` after ${m.deliveryCount} ${m.deliveryCount === 1 ? 'delivery' : 'deliveries'}`, p.description ? `: ${p.description}` : ''].join(''),
  }),
  SweepRepaired: (_p, m) => ({ level: 'warn', what: 'sweep repaired lost work', why: Object.entries(m).filter(([name, n]) => n > 0 && name !== 'dispatchesRequested').map(([name, n]) => `${name} ${n}`).join(', ') }),
};

/** `12:03:04 warn  bot demo-bot unreachable (conversation 7f3c…): connect ECONNREFUSED …; chat routed on to DefaultQueue`, or undefined when the item is no problem. */
export function formatProblemLine(item: TelemetryItem, at: Date): string | undefined {
  const properties = item.properties ?? {};
  const problem = item.kind === 'exception'
    ? { level: 'error' as const, what: 'unexpected failure', about: [labelled('queue', properties.queue)], why: describeError(item.error) }
    : PROBLEMS[item.name]?.(properties, item.measurements ?? {});
  if (!problem) return undefined;
  const about = [labelled('conversation', properties.conversationId), ...(problem.about ?? [])].filter(Boolean).join(', ');
  const line = `${time(at)} ${problem.level.padEnd(5)} ${problem.what}${about ? ` (${about})` : ''}${problem.why ? `: ${problem.why}` : ''}${problem.then ? `; ${problem.then}` : ''}`;
  // A reason may hold a bot endpoint with a key in it (?code=): every URL is redacted.
  return redactUrls(oneLine(line));
}

/**
 * Each run of white space holding a line break becomes one space. Split at the breaks, then trimmed:
 * the expression it replaces (`\s*[\r\n]+\s*`) rescanned a long run of spaces from each of them.
 */
function oneLine(line: string): string {
  const pieces = line.split(/[\r\n]+/);
  if (pieces.length === 1) return line;
  const last = pieces.length - 1;
  return pieces
    .map((piece, i) => (i === 0 ? piece.trimEnd() : i === last ? piece.trimStart() : piece.trim()))
    .filter((piece, i) => piece !== '' || i === 0 || i === last)
    .join(' ');
}

function article(activityType: string | undefined): string {
  if (!activityType) return 'an';
  return `${/^[aeiou]/i.test(activityType) ? 'an' : 'a'} ${activityType}`;
}

function labelled(label: string, value: string | undefined): string | undefined {
  return value ? `${label} ${value}` : undefined;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function time(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
