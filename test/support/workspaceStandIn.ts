import type { BrowserContext, Route } from 'playwright-core';
import { usedUnits } from '../../shared/core/agent';
import { PRESENCES, type AgentUser } from '../../shared/core/config';
import type { Conversation, HistoryEntry } from '../../shared/core/conversation';
import { setPresence } from '../../shared/usecases/agentCapacity';
import { listAgentConversations, listAgentMessages } from '../../shared/usecases/agentDesk';
import { listOffers } from '../../shared/usecases/agentOffers';
import { getAgentState } from '../../shared/usecases/agentStates';
import type { TestHost } from './localHostHarness';

/**
 * A STAND-IN, to be deleted: the part-8 routes the agent page needs that are not in this branch yet
 * (GET /api/me, GET …/workspace, POST/DELETE …/session, GET …/events, GET …/conversations/{id}), answered
 * in the browser (Playwright's request routing) per docs/workspace-api.md from the test host's real state,
 * read through the same use cases the existing routes call. It routes only what the host does not serve:
 * each route is probed first, and one the host serves (the lead's, once merged) goes to the host untouched,
 * so the browser tests run against the real routes as they land, and this file goes when the last does.
 *
 * The stream is a poller that compares the state every 100 ms and writes the contract's events; it is
 * served as Server-Sent Events that end after each batch (so every batch exercises the page's
 * Last-Event-ID resume), or as the long-poll JSON form. POST …/notes is not stood in for (it needs
 * the transcript to hold agent-only lines from agents): the page's note is tested when the route exists.
 */
export interface StandIn {
  /** The contract routes the host lacks, stood in for here. */
  missing: string[];
  close(): void;
}

interface ContractRoute {
  name: string;
  /** A GET that the host answers 404 "no route" when it lacks the route (405 when it has it for another method). */
  probe: string;
  pattern: RegExp;
}

const ROUTES: ContractRoute[] = [
  { name: 'GET /api/me', probe: 'me', pattern: /^\/api\/me$/ },
  { name: 'GET /api/agents/{agentId}/workspace', probe: 'agents/alice/workspace', pattern: /^\/api\/agents\/([^/]+)\/workspace$/ },
  { name: 'POST /api/agents/{agentId}/session', probe: 'agents/alice/session', pattern: /^\/api\/agents\/([^/]+)\/session$/ },
  { name: 'DELETE /api/agents/{agentId}/session/{sessionId}', probe: 'agents/alice/session/probe', pattern: /^\/api\/agents\/([^/]+)\/session\/([^/]+)$/ },
  { name: 'GET /api/agents/{agentId}/events', probe: 'agents/alice/events?wait=0', pattern: /^\/api\/agents\/([^/]+)\/events$/ },
  { name: 'GET /api/agents/{agentId}/conversations/{id}', probe: 'agents/alice/conversations/probe', pattern: /^\/api\/agents\/([^/]+)\/conversations\/([^/]+)$/ },
];

const POLL_EVERY_MS = 100;
/** How long a stream request is held for news before it ends empty (the page comes back at once). */
const HOLD_MS = 2_000;

export async function installWorkspaceStandIn(context: BrowserContext, host: TestHost, options: { quickReplies?: Record<string, { title: string; text: string }[]> } = {}): Promise<StandIn> {
  const missing: ContractRoute[] = [];
  for (const route of ROUTES) {
    const answer = await host.api.call('GET', route.probe, { token: 'dev-alice' });
    if (answer.status === 404 && String(answer.body?.error?.message ?? '').startsWith('no route for')) missing.push(route);
  }
  const feeds = new Map<string, AgentFeed>();
  const feedOf = (agent: AgentUser) => {
    let feed = feeds.get(agent.id);
    if (!feed) feeds.set(agent.id, (feed = new AgentFeed(host, agent)));
    return feed;
  };
  const s = host.services;
  const sessions = new Map<string, Set<string>>();
  const sessionsOf = (agentId: string) => {
    let live = sessions.get(agentId);
    if (!live) sessions.set(agentId, (live = new Set()));
    return live;
  };

  const handle = async (route: Route, contract: ContractRoute, match: RegExpExecArray) => {
    const request = route.request();
    const token = /^Bearer (.+)$/.exec(request.headers().authorization ?? '')?.[1];
    const caller = token ? s.directory.agentByToken(token) : undefined;
    if (!caller) return json(route, 401, { error: { code: 'Unauthorized', message: 'authentication is required: send the agent token from the configuration as a bearer token' } });
    const agentId = match[1] ? decodeURIComponent(match[1]) : caller.id;
    if (agentId !== caller.id) return json(route, 403, { error: { code: 'Forbidden', message: `the token belongs to agent ${caller.id}, not ${agentId}` } });
    switch (contract.name) {
      case 'GET /api/me':
        return json(route, 200, { id: caller.id, name: caller.name, roles: caller.roles ?? [], capacity: caller.capacity, queues: s.directory.queuesOf(caller.id).map((q) => q.name) });
      case 'GET /api/agents/{agentId}/workspace': {
        const feed = feedOf(caller);
        const cursor = await feed.baseline();
        const { value: state } = await getAgentState(s, caller);
        return json(route, 200, {
          agent: { id: caller.id, name: caller.name, presence: state.presence, presenceSince: state.updatedAt, capacity: caller.capacity, usedUnits: usedUnits(state) },
          presences: PRESENCES,
          queues: s.config.queues.map((q) => ({ name: q.name, workstream: s.directory.defaultWorkstream.name })),
          quickReplies: options.quickReplies ?? {},
          offers: await listOffers(s, caller),
          conversations: await listAgentConversations(s, caller),
          cursor,
        });
      }
      case 'POST /api/agents/{agentId}/session': {
        const sessionId = String((request.postDataJSON() as { sessionId?: unknown } | null)?.sessionId ?? '');
        const live = sessionsOf(caller.id);
        // The configured starting presence, unless another tab of the agent is signed in.
        const answer = live.size === 0 ? await setPresence(s, caller.id, caller.presence) : { presence: (await getAgentState(s, caller)).value.presence };
        live.add(sessionId);
        return json(route, 200, answer);
      }
      case 'DELETE /api/agents/{agentId}/session/{sessionId}': {
        const live = sessionsOf(caller.id);
        live.delete(decodeURIComponent(match[2] ?? ''));
        return json(route, 200, live.size === 0 ? await setPresence(s, caller.id, 'Offline') : { presence: (await getAgentState(s, caller)).value.presence });
      }
      case 'GET /api/agents/{agentId}/events': {
        const url = new URL(request.url());
        const after = request.headers()['last-event-id'] ?? url.searchParams.get('after') ?? '0';
        const events = await feedOf(caller).after(Number(after), HOLD_MS);
        if ((request.headers().accept ?? '').includes('text/event-stream')) {
          const body = ['retry: 2000\n\n', ...events.map((e) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`), ': ping\n\n'].join('');
          return route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body });
        }
        return json(route, 200, { events, cursor: events.at(-1)?.id ?? after });
      }
      case 'GET /api/agents/{agentId}/conversations/{id}': {
        const found = await s.conversations.get(decodeURIComponent(match[2] ?? ''));
        if (!found) return json(route, 404, { error: { code: 'NotFound', message: 'the conversation does not exist' } });
        return json(route, 200, sidebarOf(host, found.value));
      }
    }
  };

  const routed = (url: URL) => missing.find((r) => r.pattern.test(url.pathname));
  await context.route((url) => url.origin === new URL(host.baseUrl).origin && routed(url) !== undefined, async (route) => {
    const url = new URL(route.request().url());
    const contract = routed(url) as ContractRoute;
    try {
      await handle(route, contract, contract.pattern.exec(url.pathname) as RegExpExecArray);
    } catch (error) {
      await json(route, 500, { error: { code: 'InternalError', message: `stand-in: ${String(error)}` } }).catch(() => undefined);
    }
  });
  return {
    missing: missing.map((r) => r.name),
    close: () => {
      for (const feed of feeds.values()) feed.stop();
    },
  };
}

function json(route: Route, status: number, body: unknown) {
  return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
}

interface Event {
  id: string;
  type: string;
  data: unknown;
}

/** One agent's stream, written by comparing what the existing use cases say every 100 ms. */
class AgentFeed {
  private readonly events: Event[] = [];
  private seen: Seen | undefined;
  private readonly timer: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly host: TestHost, private readonly agent: AgentUser) {
    this.timer = setInterval(() => void this.poll(), POLL_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The cursor a snapshot read now starts from: everything up to now is in the snapshot. */
  async baseline(): Promise<string> {
    await this.poll();
    return String(this.events.length);
  }

  async after(cursor: number, holdMs: number): Promise<Event[]> {
    const deadline = Date.now() + holdMs;
    while (this.events.length <= cursor && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return this.events.slice(cursor);
  }

  private poll(): Promise<void> {
    this.polling = this.polling.then(() => this.compare()).catch(() => undefined);
    return this.polling;
  }

  private async compare(): Promise<void> {
    const now = await readSeen(this.host, this.agent);
    const before = this.seen;
    this.seen = now;
    if (!before) return;
    const s = this.host.services;
    if (now.presence !== before.presence) this.push('presence', { presence: now.presence, since: now.presenceSince });
    // Offers are told apart by when they were made: a chat rejected and offered again is two offers.
    for (const [key, offer] of before.offers) {
      if (now.offers.has(key)) continue;
      const id = offer.conversationId;
      const conversation = (await s.conversations.get(id))?.value;
      this.push('offerEnded', { conversationId: id, outcome: offerOutcome(conversation, this.agent.id) });
    }
    for (const [key, offer] of now.offers) if (!before.offers.has(key)) this.push('offer', offer);
    for (const [id, row] of now.conversations) if (JSON.stringify(row) !== JSON.stringify(before.conversations.get(id))) this.push('conversation', row);
    for (const id of before.conversations.keys()) {
      if (now.conversations.has(id)) continue;
      const conversation = (await s.conversations.get(id))?.value;
      const reason = conversation?.status === 'Closed' ? 'closed' : conversation?.assignee?.kind === 'agent' && conversation.assignee.id !== this.agent.id ? 'reassigned' : 'transferred';
      this.push('conversationRemoved', { conversationId: id, reason });
    }
    for (const [id, messages] of now.messages) {
      const known = new Set((before.messages.get(id) ?? []).map((m) => m.id));
      for (const message of messages) if (!known.has(message.id) && before.conversations.has(id)) this.push('message', { conversationId: id, message });
      // A chat new to the agent: its transcript is read by the page, so only what follows is streamed.
    }
    for (const [id, at] of now.typing) if (at !== before.typing.get(id)) this.push('typing', { conversationId: id, at });
  }

  private push(type: string, data: unknown): void {
    this.events.push({ id: String(this.events.length + 1), type, data });
  }
}

interface Seen {
  presence: string;
  presenceSince: string;
  offers: Map<string, { conversationId: string }>;
  conversations: Map<string, unknown>;
  messages: Map<string, { id: string }[]>;
  typing: Map<string, string>;
}

async function readSeen(host: TestHost, agent: AgentUser): Promise<Seen> {
  const s = host.services;
  const { value: state } = await getAgentState(s, agent);
  const offers = await listOffers(s, agent);
  const conversations = await listAgentConversations(s, agent);
  const messages = new Map<string, { id: string }[]>();
  const typing = new Map<string, string>();
  for (const c of conversations) {
    const page = await listAgentMessages(s, agent, c.id, { after: null, limit: '500' }).catch(() => undefined);
    if (!page) continue;
    messages.set(c.id, page.messages);
    if (page.customerTypingAt) typing.set(c.id, page.customerTypingAt);
  }
  return {
    presence: state.presence,
    presenceSince: state.updatedAt,
    offers: new Map(offers.map((o) => [`${o.conversationId}@${o.offeredAt}`, o])),
    conversations: new Map(conversations.map((c) => [c.id, c])),
    messages,
    typing,
  };
}

function offerOutcome(conversation: Conversation | undefined, agentId: string): string {
  const last = conversation?.history.findLast((h) => 'agentId' in h && h.agentId === agentId && h.type.startsWith('offer'));
  const outcomes: Partial<Record<HistoryEntry['type'], string>> = { offerAccepted: 'accepted', offerRejected: 'rejected', offerExpired: 'expired' };
  return (last && outcomes[last.type]) ?? 'withdrawn';
}

/** GET …/conversations/{id} per the contract, from the stored conversation (routing `why` as the history has it). */
function sidebarOf(host: TestHost, c: Conversation) {
  const variables = host.services.directory.workstream(c.workstream)?.contextVariables ?? [];
  const assigned = c.history.findLast((h) => h.type === 'assigned');
  return {
    id: c.id, status: c.status, statusReason: c.statusReason, workstream: c.workstream, channel: c.channel, site: c.site, queue: c.queue,
    customer: c.customer,
    context: Object.entries(c.context).map(([name, value]) => ({ name, value, setBy: variables.find((v) => v.name === name)?.setBy[0] ?? 'system' })),
    escalationSummary: c.escalationSummary,
    createdAt: c.createdAt, enqueuedAt: c.enqueuedAt, assignedAt: c.assignedAt,
    waitedSeconds: assigned && 'waitedMs' in assigned ? Math.round(assigned.waitedMs / 1000) : null,
    routing: c.history.flatMap((h) => {
      if (h.type === 'routed') return [{ at: h.at, type: 'routed', queue: h.queue, rule: h.rule, reason: h.reason, why: h.why ?? `rule ${h.rule ?? '(fallback)'} matched` }];
      if (h.type === 'assigned') return [{ at: h.at, type: 'assigned', queue: h.queue, assignee: h.assignee, why: `assigned after ${Math.round(h.waitedMs / 1000)} s in the queue` }];
      if (h.type === 'offered') return [{ at: h.at, type: 'offered', queue: h.queue, assignee: { id: h.agentId, kind: 'agent' }, why: 'offered to the agent' }];
      return [];
    }),
    previous: [],
  };
}
