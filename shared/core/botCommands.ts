import type { Context, ContextValue } from './config';

/**
 * What an activity a bot sent to the connector means to Switchboard (DESIGN §1, omnichannel.md §1.1, §1.5, §8.4).
 * Omnichannel defines no new activity types: commands ride in `channelData.tags` of ordinary messages.
 */
export type BotCommand =
  | BotMessage
  /** `summary` is the message text, for the agent only. */
  | { kind: 'escalate'; context: Context; summary: string }
  | { kind: 'end'; text: string | null }
  /** The generic Bot Framework handoff (`handoff.initiate` event). */
  | { kind: 'handoff'; context: Context; summary: string; transcript: unknown[] | null }
  /** The bot is composing a reply: shown to the customer for a few seconds, never stored. */
  | { kind: 'typing' }
  | { kind: 'ignore'; why: string };

/** Shown to the customer. */
export interface BotMessage {
  kind: 'message';
  text: string;
  attachments?: unknown[];
  suggestedActions?: unknown;
}

export type BotActivityErrorCode = 'ActivityTooLarge' | 'InvalidActivity' | 'InvalidTags' | 'InvalidContext';

export class BotActivityError extends Error {
  override readonly name = 'BotActivityError';

  constructor(
    readonly code: BotActivityErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Omnichannel's limit for a bot message, metadata included. */
export const MAX_ACTIVITY_BYTES = 28 * 1024;
export const MAX_CONTEXT_ENTRIES = 100;
export const MAX_CONTEXT_NAME_LENGTH = 100;
export const MAX_CONTEXT_VALUE_LENGTH = 4000;

const TRANSCRIPT_CONTENT_TYPE = 'application/vnd.microsoft.activity';

type Json = Record<string, unknown>;

/** Throws BotActivityError when the activity is malformed; anything merely uninteresting comes back as `ignore`. */
export function interpretBotActivity(activity: unknown, sizeInBytes: number): BotCommand {
  if (sizeInBytes > MAX_ACTIVITY_BYTES) {
    throw new BotActivityError('ActivityTooLarge', `activity is ${sizeInBytes} bytes; the limit is ${MAX_ACTIVITY_BYTES} bytes`);
  }
  if (!isObject(activity)) throw invalid(`activity must be a JSON object, got ${describe(activity)}`);
  const type = activity.type;
  if (type === undefined || type === null || type === '') throw invalid('activity.type is required');
  if (typeof type !== 'string') throw invalid(`activity.type must be a string, got ${describe(type)}`);

  switch (type) {
    case 'message':
      return interpretMessage(activity);
    case 'event':
      return interpretEvent(activity);
    case 'typing':
      return { kind: 'typing' };
    case 'trace':
      return { kind: 'ignore', why: `${type} activities are ignored` };
    default:
      return { kind: 'ignore', why: `activity type "${type}" is not handled` };
  }
}

function interpretMessage(activity: Json): BotCommand {
  const channelData = activity.channelData;
  if (channelData !== undefined && channelData !== null && !isObject(channelData)) {
    throw invalid(`activity.channelData must be an object, got ${describe(channelData)}`);
  }
  const text = optionalString(activity, 'text');
  const tags = parseTags(channelData?.tags);
  if (tags) {
    const type = tags.type;
    if (typeof type === 'string' && type.toLowerCase() === 'escalate') {
      return { kind: 'escalate', context: validateContext(tags.context ?? {}, 'channelData.tags.context'), summary: text ?? '' };
    }
    if (typeof type === 'string' && type.toLowerCase() === 'endconversation') {
      return { kind: 'end', text: text ? text : null };
    }
    throw new BotActivityError(
      'InvalidTags',
      `channelData.tags.type must be "Escalate" or "EndConversation", got ${type === undefined ? 'nothing' : describe(type)}`,
    );
  }

  // Omnichannel shows only bridged messages; a missing deliveryMode counts as bridged (the docs' samples forget it).
  const deliveryMode = channelData?.deliveryMode;
  if (deliveryMode !== undefined && deliveryMode !== null && deliveryMode !== 'bridged') {
    return { kind: 'ignore', why: `channelData.deliveryMode is ${describe(deliveryMode)}; only bridged messages reach the customer` };
  }
  const attachments = activity.attachments;
  if (attachments !== undefined && attachments !== null && !Array.isArray(attachments)) {
    throw invalid(`activity.attachments must be an array, got ${describe(attachments)}`);
  }
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
  if (!text && !hasAttachments) throw invalid('a message needs activity.text or activity.attachments');

  const command: BotMessage = { kind: 'message', text: text ?? '' };
  if (hasAttachments) command.attachments = attachments;
  if (activity.suggestedActions !== undefined && activity.suggestedActions !== null) command.suggestedActions = activity.suggestedActions;
  return command;
}

/**
 * `tags` is normally a JSON string (C#'s JsonConvert output). Accepted leniently: an object, and plain tag lists
 * such as "ChannelId-lcw,Hidden" or ["FromCustomer"], which are not commands (null).
 */
function parseTags(tags: unknown): Json | null {
  if (tags === undefined || tags === null || Array.isArray(tags)) return null;
  if (isObject(tags)) return tags;
  if (typeof tags !== 'string') {
    throw new BotActivityError('InvalidTags', `channelData.tags must be a string or an object, got ${describe(tags)}`);
  }
  if (!tags.trimStart().startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(tags);
  } catch (error) {
    throw new BotActivityError('InvalidTags', `channelData.tags is not valid JSON: ${(error as Error).message}`);
  }
  return parsed as Json; // A string starting with '{' that parses is an object.
}

function interpretEvent(activity: Json): BotCommand {
  const name = activity.name;
  if (name !== 'handoff.initiate') {
    return { kind: 'ignore', why: typeof name === 'string' ? `event "${name}" is not handled` : 'an event without a name is not handled' };
  }
  const value = activity.value ?? {};
  const context = validateContext(value, 'activity.value');
  // Copilot Studio passes the agent's summary as the va_AgentMessage variable.
  const text = optionalString(activity, 'text');
  const agentMessage = context.va_AgentMessage;
  const summary = text ? text : typeof agentMessage === 'string' ? agentMessage : '';
  return { kind: 'handoff', context, summary, transcript: transcriptOf(activity.attachments) };
}

/**
 * botbuilder's EventFactory attaches `{ name: 'Transcript', content: { activities } }`; other hubs attach one
 * activity per attachment. The activities are kept as sent.
 */
function transcriptOf(attachments: unknown): unknown[] | null {
  if (!Array.isArray(attachments)) return null;
  const found: unknown[] = [];
  let any = false;
  for (const attachment of attachments) {
    if (!isObject(attachment)) continue;
    const content = attachment.content;
    if (attachment.name === 'Transcript') {
      any = true;
      if (Array.isArray(content)) found.push(...content);
      else if (isObject(content) && Array.isArray(content.activities)) found.push(...content.activities);
      else if (content !== undefined && content !== null) found.push(content);
    } else if (attachment.contentType === TRANSCRIPT_CONTENT_TYPE) {
      any = true;
      found.push(content);
    }
  }
  return any ? found : null;
}

/** Context values from bots: strings or integers (omnichannel.md §1.2), within Omnichannel's limits (§2). */
function validateContext(raw: unknown, path: string): Context {
  if (!isObject(raw)) throw invalidContext(`${path} must be an object, got ${describe(raw)}`);
  const entries = Object.entries(raw);
  if (entries.length > MAX_CONTEXT_ENTRIES) {
    throw invalidContext(`${path} has ${entries.length} entries; the limit is ${MAX_CONTEXT_ENTRIES}`);
  }
  const context: Context = {};
  for (const [name, value] of entries) {
    if (name === '') throw invalidContext(`${path} has an empty variable name`);
    if (name.length > MAX_CONTEXT_NAME_LENGTH) {
      throw invalidContext(
        `${path} has a variable name of ${name.length} characters ("${name.slice(0, 20)}..."); the limit is ${MAX_CONTEXT_NAME_LENGTH}`,
      );
    }
    const problem = contextValueProblem(value);
    if (problem) throw invalidContext(`${path}.${name} ${problem}`);
    context[name] = value as ContextValue;
  }
  return context;
}

/** With the u flag, a surrogate matches only when it is not half of a pair. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a bot cannot set a context variable to this value (a string of at most 4,000 characters or an
 * integer), or undefined when it can. What a chat carries besides its declared variables is only
 * what bots set, so the routing dry run accepts the same.
 */
export function contextValueProblem(value: unknown): string | undefined {
  if (typeof value === 'string') {
    if (value.length > MAX_CONTEXT_VALUE_LENGTH) return `is ${value.length} characters; the limit is ${MAX_CONTEXT_VALUE_LENGTH}`;
    // The edge checks a body's strings, but Escalate's context is JSON inside the tags string: checked here.
    return LONE_SURROGATE.test(value) ? 'has a lone surrogate (an escape such as \\ud800 that is not part of a pair); text must be valid Unicode' : undefined;
  }
  return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : `must be a string or an integer, got ${describe(value)}`;
}

function optionalString(activity: Json, field: string): string | undefined {
  const value = activity[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`activity.${field} must be a string, got ${describe(value)}`);
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "an object", "an array", "null", "1.5", "a boolean", '"internal"': what came instead of what was expected. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    case 'number':
      return String(value);
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

const invalid = (message: string) => new BotActivityError('InvalidActivity', message);
const invalidContext = (message: string) => new BotActivityError('InvalidContext', message);
