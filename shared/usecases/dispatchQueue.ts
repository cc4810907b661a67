import { usedUnits, type AgentState } from '../core/agent';
import { rankCandidates, reserve, release, type Candidate, type ChatToAssign } from '../core/assignment';
import type { AgentUser, Queue, Workstream } from '../core/config';
import { traceAssignment, type AssignmentTrace } from '../core/assignmentTrace';
import type { Conversation } from '../core/conversation';
import { assign, offer, TransitionError } from '../core/lifecycle';
import { PoisonMessageError } from '../ports/messageBus';
import { isStoreError, type Versioned } from '../ports/storeErrors';
import { requestDispatchForMember } from './agentCapacity';
import { AgentUpdateConflictError, getAgentState, MAX_CONFLICT_RETRIES, updateAgentState } from './agentStates';
import { conversationCommandMessage, decodeOrPoison, dispatchMessage, dispatchRequestSchema } from './commands';
import { publishChange, type ChangeEvent } from './liveFeed';
import type { Services } from './services';

/** Omnichannel takes the top 100 items per assignment cycle; the rest wait for the next cycle. */
export const DISPATCH_BATCH = 100;

/**
 * Assigns the waiting chats of one queue, oldest first, to the best eligible members.
 * Runs in the queue's session, so one dispatcher per queue; agents shared between queues are
 * protected by the two conditional writes of `tryAssign`.
 */
export async function dispatchQueue(s: Services, body: unknown): Promise<void> {
  const queue = requestedQueue(s, body);
  // Most requests (a release, a chat already taken by the cycle before) find nothing waiting: one query
  // then, instead of reading every member's state first.
  if (!(await s.conversations.hasWaiting(queue.name))) return wakeLowerQueues(s, queue);
  const candidates = await loadCandidates(s, queue);
  // Read no more waiting chats than the members could take now: a freed unit of capacity costs one
  // chat's read, not a whole batch's (each read is a document parse here, a request unit in Cosmos).
  const room = Math.min(DISPATCH_BATCH, chatsThatFit(s, [...candidates.values()]));
  if (room === 0) return;
  let waiting = await s.conversations.listWaiting(queue.name, { limit: room });
  if (waiting.length === 0) return wakeLowerQueues(s, queue);
  await holdBack(s, queue, candidates);
  const assigned = await assignWaiting(s, queue, waiting, candidates);
  if (assigned === 0 && waiting.length === room && room < DISPATCH_BATCH) {
    // The oldest chats could not use the room (their workstream wants other presences): look further back.
    waiting = await s.conversations.listWaiting(queue.name, { limit: DISPATCH_BATCH });
    // This listing may show chats that entered after the question above, and a higher-priority queue may have
    // had chats enter before them (an offer declined there, then one here): ask again, for these chats.
    await holdBack(s, queue, candidates);
    await assignWaiting(s, queue, waiting, candidates);
  }
}

/** The queue a dispatch request names; a malformed request, or an unknown queue, is poison. */
export function requestedQueue(s: Services, body: unknown): Queue {
  const { queue: queueName } = decodeOrPoison(dispatchRequestSchema, body, 'dispatch request');
  const queue = s.directory.queue(queueName);
  if (!queue) throw new PoisonMessageError(`dispatch request names unknown queue "${queueName}"`);
  return queue;
}

/**
 * Marks the agent candidates held back for a higher-priority queue (membersHeldBack), as of now. Asked
 * after listing the chats to assign, as late as possible, just before assigning them: the shorter the window,
 * the fewer chats that enter a higher-priority queue unseen while its agents are given to this one. A chat
 * that entered it before one of the listed chats entered here, and still waits, is seen.
 */
async function holdBack(s: Services, queue: Queue, candidates: Map<string, Candidate>): Promise<void> {
  const held = await membersHeldBack(s, queue);
  for (const candidate of candidates.values()) {
    if (candidate.kind !== 'agent') continue;
    const higher = held.get(candidate.id);
    if (higher === undefined) delete candidate.heldBackFor;
    else candidate.heldBackFor = higher;
  }
}

/** An upper bound on how many waiting chats the candidates could take now (a bot takes any number). */
function chatsThatFit(s: Services, candidates: Candidate[]): number {
  const workstreams = s.config.workstreams;
  const smallestChat = Math.max(1, Math.min(...workstreams.map((w) => w.capacityUnits)));
  const presences = new Set(workstreams.flatMap((w) => w.allowedPresences));
  let fit = 0;
  for (const candidate of candidates) {
    if (candidate.kind === 'bot') return Number.POSITIVE_INFINITY;
    if (!presences.has(candidate.state.presence)) continue;
    fit += Math.max(0, Math.floor((candidate.capacity - usedUnits(candidate.state)) / smallestChat));
  }
  return fit;
}

/** Assigns these waiting chats, oldest first; the number assigned. */
async function assignWaiting(s: Services, queue: Queue, waiting: Versioned<Conversation>[], candidates: Map<string, Candidate & { versioned?: Versioned<AgentState> }>): Promise<number> {
  let assigned = 0;
  const failed: Conversation[] = [];
  // Agents found holding the reservation of an older chat left waiting are not given to the younger chats of
  // its workstream in this pass. Unlike full capacity or an absent presence, a hold stops that one chat
  // only, and it is often on its way back (an ended offer's, a failed commit's, a fenced one), or already
  // gone: the agents were read before the chats were listed. A younger chat would then take the agent from
  // under the older one (FIFO). Once given back, the older chat is first at the next dispatch (a release
  // asks for one; the sweep asks again for every queue with chats waiting).
  const heldForOlder = new Map<string, Set<string>>();
  for (const conversation of waiting) {
    const workstream = s.directory.workstream(conversation.value.workstream);
    if (!workstream || conversation.value.offer) continue;
    const chat = chatToAssign(conversation.value, queue, workstream);
    try {
      const members = [...candidates.values()];
      const ranking = rankCandidates(queue.assignment, chat, members);
      const unavailable: string[] = [];
      let assignedNow = false;
      // tryAssign replaces the state of the candidates it tries; the trace tells what the ranking saw.
      const seenStates = new Map<string, AgentState>();
      const asSeen = <C extends Candidate>(c: C): C => (c.kind === 'agent' && seenStates.has(c.id) ? { ...c, state: seenStates.get(c.id)! } : c);
      for (const candidate of [...ranking.ranked]) {
        if (candidate.kind === 'agent') seenStates.set(candidate.id, candidate.state);
        if (heldForOlder.get(workstream.name)?.has(candidate.id)) {
          unavailable.push(candidate.id);
          continue;
        }
        const trace = () => traceAssignment(queue.assignment, chat, members.map(asSeen), candidate.id, unavailable, { ranked: ranking.ranked.map(asSeen), ineligible: ranking.ineligible });
        const outcome = await tryAssign(s, conversation, candidate, queue, workstream, trace);
        if (outcome === 'chatGone') break;
        if (outcome === 'assigned') {
          assigned++;
          assignedNow = true;
          break;
        }
        unavailable.push(candidate.id);
      }
      if (!assignedNow) {
        const holders = members.filter((m) => m.kind === 'agent' && m.state.reservations.some((r) => r.conversationId === chat.conversationId));
        if (holders.length > 0) heldForOlder.set(workstream.name, new Set([...(heldForOlder.get(workstream.name) ?? []), ...holders.map((m) => m.id)]));
      }
    } catch (error) {
      // An agent document too contended to reserve is passing: the whole dispatch is redelivered (after a
      // backoff), so no younger chat takes the place of this one (FIFO).
      if (error instanceof AgentUpdateConflictError) throw error;
      // One chat that cannot be assigned (its document cannot be written) must not hold up its queue: the
      // chats behind it go on, and it is tried once more a little later (then at the next dispatch: a chat
      // entering, capacity freed, the sweep). Throwing would have the whole queue's dispatch redelivered,
      // failing on this chat first every time.
      s.telemetry.trackException(error, { conversationId: chat.conversationId, queue: queue.name });
      failed.push(conversation.value);
    }
  }
  const retries = failed.map((c) => ({
    ...dispatchMessage(queue.name, `dispatch:${queue.name}:retry:${c.id}:${c.epoch}`),
    scheduledEnqueueTimeUtc: new Date(s.clock.now().getTime() + DISPATCH_RETRY_IN_MS),
  }));
  // A full batch may have more behind it: ask for another cycle rather than loop here and hold the session.
  const more = waiting.length === DISPATCH_BATCH && assigned > 0 ? [dispatchMessage(queue.name, `dispatch:${queue.name}:more:${s.ids.newId()}`)] : [];
  if (retries.length + more.length > 0) await s.bus.send([...retries, ...more]);
  if (waiting.length < DISPATCH_BATCH && !(await s.conversations.hasWaiting(queue.name))) await wakeLowerQueues(s, queue);
  return assigned;
}

/**
 * This queue has nothing waiting: members that lower-priority queues held back for it (see
 * loadCandidates) may take their chats now. Nothing else would tell those queues: the members' capacity
 * and presence did not change, no chat entered them.
 */
async function wakeLowerQueues(s: Services, queue: Queue): Promise<void> {
  const agents = new Set(queue.members.filter((m) => s.directory.agent(m)));
  const lower = s.config.queues.filter((q) => q.priority > queue.priority && q.members.some((m) => agents.has(m)));
  const waiting = await Promise.all(lower.map(async (q) => ((await s.conversations.hasWaiting(q.name)) ? q.name : undefined)));
  const wake = waiting.filter((q): q is string => q !== undefined);
  if (wake.length > 0) await s.bus.send(wake.map((q) => dispatchMessage(q, `dispatch:${q}:after:${queue.name}:${s.ids.newId()}`)));
}

/** What the ranking needs to know of a waiting chat. */
export function chatToAssign(conversation: Pick<Conversation, 'id' | 'excludedBots' | 'declines'>, queue: Queue, workstream: Workstream): ChatToAssign {
  return {
    conversationId: conversation.id,
    queue: queue.name,
    capacityUnits: workstream.capacityUnits,
    allowedPresences: workstream.allowedPresences,
    excludedBots: conversation.excludedBots,
    ...(workstream.offers ? { declines: conversation.declines ?? {}, maxDeclinesPerAgent: workstream.offers.maxDeclinesPerAgent } : {}),
  };
}

/** When a chat that failed to be assigned is tried again (once per chat and epoch; later, at the next dispatch). */
export const DISPATCH_RETRY_IN_MS = 2_000;

/**
 * Agents of this queue who also serve a higher-priority queue with chats waiting: that queue gets
 * them first (queue priority, then FIFO).
 */
export async function membersHeldBack(s: Services, queue: Queue): Promise<Map<string, string>> {
  const higher = s.config.queues.filter((q) => q.priority < queue.priority);
  const waitingQueues = new Set((await Promise.all(higher.map(async (q) => ((await s.conversations.hasWaiting(q.name)) ? q.name : undefined)))).filter((q) => q !== undefined));
  const held = new Map<string, string>();
  for (const id of queue.members) {
    const first = s.directory.agent(id) && s.directory.queuesOf(id).find((q) => q.priority < queue.priority && waitingQueues.has(q.name));
    if (first) held.set(id, first.name);
  }
  return held;
}

/** Members of the queue, with each agent's state as read now. */
export async function loadCandidates(s: Services, queue: Queue): Promise<Map<string, Candidate & { versioned?: Versioned<AgentState> }>> {
  const candidates = new Map<string, Candidate & { versioned?: Versioned<AgentState> }>();
  for (const [memberIndex, id] of queue.members.entries()) {
    const bot = s.directory.bot(id);
    if (bot) {
      candidates.set(id, { kind: 'bot', id, memberIndex });
      continue;
    }
    const agent = s.directory.agent(id);
    if (!agent) continue;
    const versioned = await getAgentState(s, agent);
    candidates.set(id, { kind: 'agent', id, memberIndex, capacity: agent.capacity, state: versioned.value, versioned });
  }
  return candidates;

}

type AssignOutcome = 'assigned' | 'candidateUnavailable' | 'chatGone';

/**
 * The assignment protocol: (1) reserve capacity on the agent with If-Match, (2) commit the
 * conversation with If-Match only if it is still Open in this queue at the same epoch, (3) if the
 * commit fails, release the reservation. A crash between 1 and 2 leaves a reservation without a
 * chat: it under-assigns, never over-assigns, and the sweep releases it.
 */
async function tryAssign(
  s: Services,
  conversation: Versioned<Conversation>,
  candidate: Candidate & { versioned?: Versioned<AgentState> },
  queue: Queue,
  workstream: Workstream,
  trace: () => AssignmentTrace,
): Promise<AssignOutcome> {
  const at = s.clock.now().toISOString();
  const conversationId = conversation.value.id;
  const agent = candidate.kind === 'agent' ? s.directory.agent(candidate.id) : undefined;
  if (agent && candidate.kind === 'agent') {
    let refused = false;
    const { state, changed } = await updateAgentState(s, agent, (current) => {
      const result = reserve(current, { conversationId, queue: queue.name, units: workstream.capacityUnits }, agent.capacity, at);
      refused = !result.ok || result.alreadyHeld || !workstream.allowedPresences.includes(current.presence);
      return refused || !result.ok ? undefined : result.state;
    }, candidate.versioned);
    candidate.state = state.value;
    candidate.versioned = state;
    if (refused || !changed) return 'candidateUnavailable';
  }
  const offers = workstream.offers;
  const offering = offers !== undefined && !offers.autoAccept && candidate.kind === 'agent';
  const commit: Commit = offering
    ? (current, epoch) => offer(current, candidate.id, queue.name, epoch, at, offers.timeoutSeconds, trace())
    : (current, epoch) => assign(current, { id: candidate.id, kind: candidate.kind }, queue.name, epoch, at, { trace: trace(), ...(offers?.autoAccept && candidate.kind === 'agent' ? { autoAccepted: true } : {}) });
  let result: Committed | undefined;
  try {
    result = await commitAssignment(s, conversation, commit);
  } catch (error) {
    // The store failed: give the units back before the error goes up, or they stay blocked until the sweep.
    if (agent) await releaseOwnReservation(s, agent, conversationId, at).catch(() => undefined);
    throw error;
  }
  if (!result) {
    if (agent) {
      const state = await giveBackAfterChatMoved(s, agent, conversationId, at);
      if (candidate.kind === 'agent') {
        candidate.state = state.value;
        candidate.versioned = state;
      }
    }
    return 'chatGone';
  }
  const committed = result.after;
  const waitMs = waited(conversation.value, at);
  const event: ChangeEvent = committed.offer
    ? { name: 'Offered', properties: { queue: queue.name, workstream: workstream.name, agent: candidate.id }, measurements: { waitMs, declines: conversation.value.declines?.[candidate.id] ?? 0 } }
    : {
        name: 'Assigned',
        properties: {
          queue: queue.name, workstream: workstream.name, [candidate.kind]: candidate.id,
          ...(offers?.autoAccept && candidate.kind === 'agent' ? { autoAccepted: 'true' } : {}),
          ...(candidate.kind === 'agent' && result.before.firstAgentAssignedAt === null ? { firstAgent: 'true' } : {}),
        },
        measurements: { waitMs },
      };
  // Lost in a crash, the feed events leave the pages a change behind until they read their snapshot again.
  await publishChange(s, { before: result.before, after: committed, appended: [], events: [event], key: `${event.name}:${conversationId}:${committed.epoch}` }).catch((error: unknown) =>
    s.telemetry.trackException(error, { conversationId, queue: queue.name, operation: 'feedAppend' }),
  );
  if (committed.offer) {
    const live = committed.offer;
    // Lost in a crash, the expiry is re-sent by the sweep.
    await s.bus.send([conversationCommandMessage({ type: 'offerExpire', conversationId, key: offerExpiryKey(conversationId, live.epoch), agentId: live.agentId, epoch: live.epoch }, new Date(live.expiresAt))]);
    return 'assigned';
  }
  await s.bus.send([conversationCommandMessage({ type: 'assigned', conversationId, key: `assigned:${conversationId}:${committed.epoch}`, epoch: committed.epoch })]);
  return 'assigned';
}

function waited(conversation: Conversation, at: string): number {
  return Date.parse(at) - Date.parse(conversation.enqueuedAt ?? at);
}

/** The key of an offer's expiry command: one per offer (its epoch), whoever sends it. */
export function offerExpiryKey(conversationId: string, epoch: number): string {
  return `offerExpire:${conversationId}:${epoch}`;
}

/** The conditional transition of an assignment or an offer, at the epoch the dispatcher listed. */
type Commit = (current: Conversation, epoch: number) => Conversation;

/** Rounds of MAX_CONFLICT_RETRIES attempts a dispatcher spends giving back a reservation it could not use. */
const RELEASE_ROUNDS = 8;

/**
 * Gives back the reservation this dispatcher (or a supervisor's assign) made at `at`, and only that one:
 * if a sweep released it meanwhile, another dispatcher may already hold a newer reservation of the same
 * chat. Nothing else will undo it before the sweep (a minute or more of blocked units), so a contended
 * agent document is retried well past the usual budget, with a short pause between rounds.
 */
export async function releaseOwnReservation(s: Services, agent: AgentUser, conversationId: string, at: string): Promise<Versioned<AgentState>> {
  for (let round = 1; ; round++) {
    try {
      const { state } = await updateAgentState(s, agent, (current) => {
        const result = release(current, conversationId, at, (r) => r.at === at);
        return result.released ? result.state : undefined;
      });
      return state;
    } catch (error) {
      if (!(error instanceof AgentUpdateConflictError) || round >= RELEASE_ROUNDS) throw error;
      await new Promise((resolve) => setTimeout(resolve, round));
    }
  }
}

/**
 * Gives back a reservation whose chat moved on before the commit, and asks the agent's queues for a cycle, as any
 * release does: a cycle running beside this one (a session lost and taken over, a dispatcher beside a supervisor)
 * may have passed the agent over while the reservation stood, and nothing else would ask before the sweep. (Not
 * after a failed write: a chat that cannot be written would then be tried again at once, for ever.)
 */
export async function giveBackAfterChatMoved(s: Services, agent: AgentUser, conversationId: string, at: string): Promise<Versioned<AgentState>> {
  const state = await releaseOwnReservation(s, agent, conversationId, at);
  await requestDispatchForMember(s, agent.id, `givenBack:${conversationId}:${at}`);
  return state;
}

interface Committed {
  before: Conversation;
  after: Conversation;
}

/** Commits the assignment (or offer) on the conversation; undefined when the chat is no longer waiting here. */
async function commitAssignment(s: Services, listed: Versioned<Conversation>, commit: Commit): Promise<Committed | undefined> {
  let current: Versioned<Conversation> | undefined = listed;
  const epoch = listed.value.epoch;
  for (let attempt = 1; attempt <= MAX_CONFLICT_RETRIES && current; attempt++) {
    let next: Conversation;
    try {
      next = commit(current.value, epoch);
    } catch (error) {
      if (error instanceof TransitionError) return undefined;
      throw error;
    }
    try {
      await s.conversations.replace(next, { ifMatch: current.etag });
      return { before: current.value, after: next };
    } catch (error) {
      if (!isStoreError(error, 'PreconditionFailed')) throw error;
      current = await s.conversations.get(listed.value.id);
    }
  }
  return undefined;
}
