import type { AgentState } from '../core/agent';
import { rankCandidates, reserve, release, type Candidate, type ChatToAssign } from '../core/assignment';
import type { Queue, Workstream } from '../core/config';
import type { Assignee, Conversation } from '../core/conversation';
import { assign, TransitionError } from '../core/lifecycle';
import { PoisonMessageError } from '../ports/messageBus';
import { isStoreError, type Versioned } from '../ports/storeErrors';
import { getAgentState, MAX_CONFLICT_RETRIES, updateAgentState } from './agentStates';
import { conversationCommandMessage, decodeOrPoison, dispatchMessage, dispatchRequestSchema } from './commands';
import type { Services } from './services';

/** Omnichannel takes the top 100 items per assignment cycle; the rest wait for the next cycle. */
export const DISPATCH_BATCH = 100;

/**
 * Assigns the waiting chats of one queue, oldest first, to the best eligible members.
 * Runs in the queue's session, so one dispatcher per queue; agents shared between queues are
 * protected by the two conditional writes of `tryAssign`.
 */
export async function dispatchQueue(s: Services, body: unknown): Promise<void> {
  const { queue: queueName } = decodeOrPoison(dispatchRequestSchema, body, 'dispatch request');
  const queue = s.directory.queue(queueName);
  if (!queue) throw new PoisonMessageError(`dispatch request names unknown queue "${queueName}"`);
  const waiting = await s.conversations.listWaiting(queue.name, { limit: DISPATCH_BATCH });
  if (waiting.length === 0) return;
  const candidates = await loadCandidates(s, queue);
  let assigned = 0;
  for (const conversation of waiting) {
    const workstream = s.directory.workstream(conversation.value.workstream);
    if (!workstream) continue;
    const chat: ChatToAssign = {
      conversationId: conversation.value.id,
      queue: queue.name,
      capacityUnits: workstream.capacityUnits,
      allowedPresences: workstream.allowedPresences,
      excludedBots: conversation.value.excludedBots,
    };
    for (const candidate of rankCandidates(queue.assignment, chat, [...candidates.values()]).ranked) {
      const outcome = await tryAssign(s, conversation, candidate, queue, workstream);
      if (outcome === 'chatGone') break;
      if (outcome === 'assigned') {
        assigned++;
        break;
      }
    }
  }
  // A full batch may have more behind it: ask for another cycle rather than loop here and hold the session.
  if (waiting.length === DISPATCH_BATCH && assigned > 0) await s.bus.send([dispatchMessage(queue.name, `dispatch:${queue.name}:more:${s.ids.newId()}`)]);
}

/**
 * Members of the queue who may take work here. An agent who also serves a higher-priority queue
 * with chats waiting is left for that queue (queue priority, then FIFO).
 */
async function loadCandidates(s: Services, queue: Queue): Promise<Map<string, Candidate & { versioned?: Versioned<AgentState> }>> {
  const higher = s.config.queues.filter((q) => q.priority < queue.priority);
  const waitingQueues = new Set((await Promise.all(higher.map(async (q) => ((await s.conversations.hasWaiting(q.name)) ? q.name : undefined)))).filter((q) => q !== undefined));
  const candidates = new Map<string, Candidate & { versioned?: Versioned<AgentState> }>();
  for (const [memberIndex, id] of queue.members.entries()) {
    const bot = s.directory.bot(id);
    if (bot) {
      candidates.set(id, { kind: 'bot', id, memberIndex });
      continue;
    }
    const agent = s.directory.agent(id);
    if (!agent) continue;
    const busierQueue = s.directory.queuesOf(id).some((q) => q.priority < queue.priority && waitingQueues.has(q.name));
    if (busierQueue) continue;
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
  const assignee: Assignee = { id: candidate.id, kind: candidate.kind };
  const committed = await commitAssignment(s, conversation, assignee, queue.name, at);
  if (!committed) {
    if (agent) {
      const { state } = await updateAgentState(s, agent, (current) => {
        const result = release(current, conversationId, at);
        return result.released ? result.state : undefined;
      });
      if (candidate.kind === 'agent') {
        candidate.state = state.value;
        candidate.versioned = state;
      }
    }
    return 'chatGone';
  }
  s.telemetry.trackEvent('Assigned', { conversationId, queue: queue.name, workstream: workstream.name, [candidate.kind]: candidate.id }, {
    waitMs: Date.parse(at) - Date.parse(conversation.value.enqueuedAt ?? at),
  });
  await s.bus.send([conversationCommandMessage({ type: 'assigned', conversationId, key: `assigned:${conversationId}:${committed.epoch}`, epoch: committed.epoch })]);
  return 'assigned';
}

/** Commits the assignment on the conversation; undefined when the chat is no longer waiting here. */
async function commitAssignment(s: Services, listed: Versioned<Conversation>, assignee: Assignee, queue: string, at: string): Promise<Conversation | undefined> {
  let current: Versioned<Conversation> | undefined = listed;
  const epoch = listed.value.epoch;
  for (let attempt = 1; attempt <= MAX_CONFLICT_RETRIES && current; attempt++) {
    let next: Conversation;
    try {
      next = assign(current.value, assignee, queue, epoch, at);
    } catch (error) {
      if (error instanceof TransitionError) return undefined;
      throw error;
    }
    try {
      await s.conversations.replace(next, { ifMatch: current.etag });
      return next;
    } catch (error) {
      if (!isStoreError(error, 'PreconditionFailed')) throw error;
      current = await s.conversations.get(listed.value.id);
    }
  }
  return undefined;
}
