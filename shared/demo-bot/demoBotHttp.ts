import type { HttpResponseInit } from '@azure/functions';
import type { EdgeContext, EdgeRequest } from '../http/edgeRequest';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Request, type Response } from 'botbuilder';
import { services } from '../host/runtime';
import { DemoBot } from './demoBot';

/**
 * The demo bot's messaging endpoint as a Functions v4 HTTP handler: the HttpRequest is adapted to the
 * express-like request and response that CloudAdapter.process expects (local-testing.md §6).
 */

interface DemoBotRuntime {
  adapter: CloudAdapter;
  bot: DemoBot;
}

let runtime: DemoBotRuntime | undefined;

/** Built on first use and kept, so every invocation shares one adapter and one bot. */
function getRuntime(): DemoBotRuntime {
  // No MicrosoftAppId: botbuilder's anonymous local-development mode. It accepts any caller, so only the local
  // host serves it, unless an operator opts in (functions/demoBot.ts).
  runtime ??= { adapter: new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), bot: new DemoBot() };
  return runtime;
}

/** The demo bot as the host serves it: it replies only to this host's connector (the serviceUrl Switchboard sends it). */
export const demoBotMessages = createDemoBotHandler({ connectorBaseUrl: async () => (await services()).settings.connectorBaseUrl });

export interface DemoBotHandlerOptions {
  /** The one serviceUrl the bot replies to. Anyone can POST the bot an activity: a serviceUrl taken from it would let them aim its replies anywhere (SSRF). */
  connectorBaseUrl(): Promise<string>;
}

export function createDemoBotHandler(options: DemoBotHandlerOptions) {
  return (request: EdgeRequest, context: EdgeContext) => handle(request, context, options);
}

async function handle(request: EdgeRequest, context: EdgeContext, options: DemoBotHandlerOptions): Promise<HttpResponseInit> {
  const body = parseActivity(await request.text(), await options.connectorBaseUrl());
  if ('error' in body) return { status: 400, jsonBody: { error: { code: 'InvalidActivity', message: body.error } } };

  const { adapter, bot } = getRuntime();
  const response: HttpResponseInit = { status: 200 };
  const headers: Record<string, string> = {};
  const botRequest: Request = { method: request.method, headers: Object.fromEntries(request.headers.entries()), body: body.activity };
  const botResponse: Response = {
    socket: undefined,
    status(code: number) {
      response.status = code;
      return this;
    },
    header(name: string, value: unknown) {
      headers[name] = String(value);
      return this;
    },
    send(sent?: unknown) {
      // CloudAdapter sends objects for invoke and expectReplies answers, strings for its own errors.
      if (typeof sent === 'string') response.body = sent;
      else if (sent !== undefined) response.jsonBody = sent;
      return this;
    },
    end() {
      return this;
    },
  };

  await adapter.process(botRequest, botResponse, (turn) => bot.run(turn));
  if (Object.keys(headers).length > 0) response.headers = headers;
  if ((response.status ?? 200) >= 400) context.warn(`demo bot answered ${response.status}`, response.body ?? '');
  return response;
}

/** What a channel sends the demo bot; it answers no invoke. */
const HANDLED_TYPES = new Set(['message', 'conversationUpdate', 'event', 'endOfConversation', 'typing', 'trace', 'installationUpdate', 'messageReaction']);

function parseActivity(text: string, connectorBaseUrl: string): { activity: Record<string, unknown> } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `the request body is not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { error: 'the request body must be a JSON object (an activity)' };
  }
  // Checked here because CloudAdapter throws (a 500) on what it cannot read instead of answering 400.
  const activity = parsed as Record<string, unknown>;
  const type = activity.type;
  if (typeof type !== 'string' || type === '') return { error: 'activity.type is required' };
  if (!HANDLED_TYPES.has(type)) return { error: `activity.type "${type.slice(0, 50)}" is not one the demo bot handles (${[...HANDLED_TYPES].join(', ')})` };
  const conversation = activity.conversation as { id?: unknown } | undefined;
  if (typeof conversation?.id !== 'string' || conversation.id === '') return { error: 'activity.conversation.id is required' };
  if (typeof activity.serviceUrl !== 'string' || !/^https?:\/\//.test(activity.serviceUrl)) return { error: 'activity.serviceUrl must be the http(s) URL of the channel' };
  if (withoutTrailingSlashes(activity.serviceUrl) !== withoutTrailingSlashes(connectorBaseUrl)) {
    return { error: `activity.serviceUrl must be this host's connector (${connectorBaseUrl}); the demo bot replies to no other address` };
  }
  return { activity };
}

const withoutTrailingSlashes = (url: string) => url.replace(/\/+$/, '');
