import type {
  ConversationDetails, ConversationRow, ConversationStatus, EventBatch, Insights, InsightsQuery, Me, MessagePage, Offer, Overview, Presence, Workspace,
} from './contract';

/**
 * The agent and supervisor pages' one client of Switchboard's API (docs/workspace-api.md): one function
 * per route, typed answers, and every refusal an ApiError carrying the server's `error.code` and message,
 * so a screen branches on the code and shows the message. Nothing else in the pages talks HTTP, except
 * the live stream's hook, which asks this client for its URL and headers.
 */

/** How the page proves who it is: a development token (local host), or App Service's sign-in cookie (Azure). */
export type Credentials = { kind: 'token'; token: string } | { kind: 'cookie' };

/** A refusal or failure: `code` is the server's (`Unauthorized`, `OfferExpired`…) or `NetworkError` / `BadResponse`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export const isApiError = (error: unknown, code?: string): error is ApiError =>
  error instanceof ApiError && (code === undefined || error.code === code);

/** A 503 that says when to come back is tried again, this many times, waiting at most this long. */
const RETRIES_WHEN_BUSY = 2;
const LONGEST_RETRY_WAIT_MS = 5_000;

const enc = encodeURIComponent;

export class WorkspaceApi {
  /** Server time minus this browser's, from the last answer's Date header: offers count down in server time. */
  clockOffsetMs = 0;

  constructor(readonly credentials: Credentials, private readonly baseUrl = '') {}

  /** The headers every call carries (the live stream's hook sends them too). */
  authHeaders(): Record<string, string> {
    return this.credentials.kind === 'token' ? { authorization: `Bearer ${this.credentials.token}` } : {};
  }

  url(path: string): string {
    return `${this.baseUrl}/api/${path}`;
  }

  // Who is signed in

  getMe(): Promise<Me> {
    return this.call('GET', 'me');
  }

  // The agent workspace

  getWorkspace(agentId: string): Promise<Workspace> {
    return this.call('GET', `agents/${enc(agentId)}/workspace`);
  }

  createSession(agentId: string, sessionId: string): Promise<{ presence: Presence }> {
    return this.call('POST', `agents/${enc(agentId)}/session`, { sessionId });
  }

  deleteSession(agentId: string, sessionId: string): Promise<{ presence: Presence }> {
    return this.call('DELETE', `agents/${enc(agentId)}/session/${enc(sessionId)}`);
  }

  /**
   * The agent stream's path for one tab; `listAgentEvents` is its long-poll form. `?session=` is the tab's
   * session id: every stream or poll carrying it keeps the tab, and so the agent, present.
   */
  agentEventsPath(agentId: string, sessionId: string): string {
    return `agents/${enc(agentId)}/events${query({ session: sessionId })}`;
  }

  listAgentEvents(agentId: string, sessionId: string, after: string, waitSeconds: number, signal?: AbortSignal): Promise<EventBatch> {
    return this.call('GET', `agents/${enc(agentId)}/events${query({ session: sessionId, after, wait: waitSeconds })}`, undefined, signal);
  }

  replacePresence(agentId: string, presence: Presence): Promise<{ presence: Presence }> {
    return this.call('PUT', `agents/${enc(agentId)}/presence`, { presence });
  }

  async listOffers(agentId: string): Promise<Offer[]> {
    return (await this.call<{ offers: Offer[] }>('GET', `agents/${enc(agentId)}/offers`)).offers;
  }

  acceptOffer(agentId: string, conversationId: string): Promise<{ status: 'Active' }> {
    return this.call('POST', `agents/${enc(agentId)}/offers/${enc(conversationId)}/accept`);
  }

  rejectOffer(agentId: string, conversationId: string): Promise<{ status: ConversationStatus }> {
    return this.call('POST', `agents/${enc(agentId)}/offers/${enc(conversationId)}/reject`);
  }

  async listConversations(agentId: string): Promise<ConversationRow[]> {
    return (await this.call<{ conversations: ConversationRow[] }>('GET', `agents/${enc(agentId)}/conversations`)).conversations;
  }

  getConversation(agentId: string, conversationId: string): Promise<ConversationDetails> {
    return this.call('GET', `agents/${enc(agentId)}/conversations/${enc(conversationId)}`);
  }

  listMessages(agentId: string, conversationId: string, options: { after?: string; limit?: number } = {}): Promise<MessagePage> {
    return this.call('GET', `agents/${enc(agentId)}/conversations/${enc(conversationId)}/messages${query(options)}`);
  }

  /** `id` makes a retried send idempotent, and lets the page match its echo on the stream. */
  createMessage(agentId: string, conversationId: string, message: { text: string; id?: string }): Promise<{ id: string }> {
    return this.call('POST', `agents/${enc(agentId)}/conversations/${enc(conversationId)}/messages`, message);
  }

  createNote(agentId: string, conversationId: string, note: { text: string; id?: string }): Promise<{ id: string }> {
    return this.call('POST', `agents/${enc(agentId)}/conversations/${enc(conversationId)}/notes`, note);
  }

  sendTyping(agentId: string, conversationId: string): Promise<{ typingAt: string }> {
    return this.call('POST', `agents/${enc(agentId)}/conversations/${enc(conversationId)}/typing`);
  }

  transferConversation(agentId: string, conversationId: string, queue: string): Promise<{ status: ConversationStatus }> {
    return this.call('POST', `agents/${enc(agentId)}/conversations/${enc(conversationId)}/transfer`, { queue });
  }

  endConversation(agentId: string, conversationId: string): Promise<{ status: ConversationStatus }> {
    return this.call('POST', `agents/${enc(agentId)}/conversations/${enc(conversationId)}/end`);
  }

  closeConversation(agentId: string, conversationId: string): Promise<{ status: ConversationStatus }> {
    return this.call('POST', `agents/${enc(agentId)}/conversations/${enc(conversationId)}/close`);
  }

  // The supervisor's view

  getOverview(): Promise<Overview> {
    return this.call('GET', 'supervisor/overview');
  }

  readonly supervisorEventsPath = 'supervisor/events';

  listSupervisorEvents(after: string, waitSeconds: number, signal?: AbortSignal): Promise<EventBatch> {
    return this.listEvents(this.supervisorEventsPath, after, waitSeconds, signal);
  }

  listMonitoredMessages(conversationId: string, options: { after?: string; limit?: number } = {}): Promise<Omit<MessagePage, 'customerTypingAt'>> {
    return this.call('GET', `supervisor/conversations/${enc(conversationId)}/messages${query(options)}`);
  }

  assignConversation(conversationId: string, agentId: string): Promise<{ status: 'Active'; agentId: string }> {
    return this.call('POST', `supervisor/conversations/${enc(conversationId)}/assign`, { agentId });
  }

  /** To a queue or straight to an agent. */
  moveConversation(conversationId: string, to: { queue: string } | { agentId: string }): Promise<{ status: ConversationStatus }> {
    return this.call('POST', `supervisor/conversations/${enc(conversationId)}/transfer`, to);
  }

  forceCloseConversation(conversationId: string): Promise<{ status: 'Closed' }> {
    return this.call('POST', `supervisor/conversations/${enc(conversationId)}/close`);
  }

  // Insights (supervisors)

  getInsights(insightsQuery: InsightsQuery, signal?: AbortSignal): Promise<Insights> {
    return this.call('GET', `insights${query({ ...insightsQuery })}`, undefined, signal);
  }

  /** The same query as CSV: its text and the file name the server gives it (Content-Disposition). */
  async getInsightsCsv(insightsQuery: InsightsQuery): Promise<{ csv: Blob; fileName: string }> {
    const response = await this.send('GET', `insights${query({ ...insightsQuery, format: 'csv' })}`, undefined, undefined, 'text/csv');
    if (!response.ok) throw await errorOf(response);
    const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'switchboard-insights.csv';
    return { csv: await response.blob(), fileName };
  }

  // The plumbing

  private listEvents(path: string, after: string, waitSeconds: number, signal?: AbortSignal): Promise<EventBatch> {
    return this.call('GET', `${path}${query({ after, wait: waitSeconds })}`, undefined, signal);
  }

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.send(method, path, body, signal);
      this.readServerClock(response);
      if (response.ok) return (await readJson(response)) as T;
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.status === 503 && retryAfter > 0 && attempt < RETRIES_WHEN_BUSY) {
        await pause(Math.min(retryAfter * 1000, LONGEST_RETRY_WAIT_MS), signal);
        continue;
      }
      throw await errorOf(response);
    }
  }

  private async send(method: string, path: string, body: unknown, signal: AbortSignal | undefined, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { accept, ...this.authHeaders() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(this.url(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, 'NetworkError', 'Switchboard cannot be reached: check the connection');
    }
  }

  private readServerClock(response: Response): void {
    const date = Date.parse(response.headers.get('date') ?? '');
    // The header has whole seconds: an offset under a second is noise.
    if (Number.isFinite(date)) this.clockOffsetMs = Math.abs(date - Date.now()) > 1_000 ? date - Date.now() : 0;
  }
}

function query(params: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(params).filter((pair): pair is [string, string | number] => pair[1] !== undefined);
  return pairs.length ? `?${new URLSearchParams(Object.fromEntries(pairs.map(([key, value]) => [key, String(value)]))).toString()}` : '';
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'BadResponse', `Switchboard answered ${response.status} with something that is not JSON`);
  }
}

/** The server's `{ error: { code, message } }`, or a code made from the status when the body is not that. */
export async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof body?.error?.code === 'string' ? body.error.code : `Http${response.status}`;
  const message = typeof body?.error?.message === 'string' ? body.error.message : `Switchboard answered ${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, code, message);
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
