import { usedUnits } from '../core/agent';
import { reserve } from '../core/assignment';
import type { AgentUser } from '../core/config';
import type { Conversation } from '../core/conversation';
import { TransitionError } from '../core/lifecycle';
import { ApiError } from '../http/apiError';
import { isStoreError, type Versioned } from '../ports/storeErrors';
import { MAX_CONFLICT_RETRIES, updateAgentState } from './agentStates';
import { giveBackAfterChatMoved, releaseOwnReservation } from './dispatchQueue';
import type { Services } from './services';

/**
 * A supervisor handing a chat to a chosen agent (Assign an Open chat, Transfer an Active one to an agent)
 * follows the dispatcher's protocol (dispatchQueue.ts, tryAssign), so the two never over-assign:
 * 1. reserve the chat's units on the agent's document with If-Match: the commit point of capacity, so a
 *    dispatcher and a supervisor racing for an agent's last unit cannot both have it;
 * 2. commit on the conversation with If-Match, only at the epoch read before step 1: the sweep fences a
 *    chat (moves its epoch on) before it takes a reservation for a stray, so a commit stalled past that
 *    fails instead of landing on units already given back;
 * 3. if the commit fails, give the reservation back.
 * A chat offered to that same agent keeps the offer's reservation instead of making a second one.
 */

/** What a handover does to the chat, at the epoch read before the reservation; throws TransitionError when it no longer may. */
export type HandoverCommit = (current: Conversation, epoch: number, at: string) => Conversation;

export interface Handover {
  /** The answer to give when the chat is not (or no longer) where the action takes it from: throws the 409. */
  expect(conversation: Conversation): void;
  commit: HandoverCommit;
}

export interface HandedOver {
  /** The conversation as it was when the commit applied (which offer it withdrew, which agent lost it). */
  before: Conversation;
  after: Conversation;
  at: string;
}

/** How often a handover reads the chat again when it moved on between the read and the commit (an offer made or answered, a fence). */
const HANDOVER_ATTEMPTS = 3;

export async function handOver(s: Services, conversationId: string, agent: AgentUser, handover: Handover): Promise<HandedOver> {
  for (let attempt = 1; ; attempt++) {
    const listed = await getConversation(s, conversationId);
    handover.expect(listed.value);
    const at = s.clock.now().toISOString();
    const hold = await reserveFor(s, agent, listed.value, at);
    let outcome: { before: Conversation; after?: Conversation };
    try {
      outcome = await commitOn(s, listed, (current) => handover.commit(current, listed.value.epoch, at));
    } catch (error) {
      // The store failed: give the units back before the error goes up, or they stay blocked until the sweep.
      if (hold === 'reserved') await releaseOwnReservation(s, agent, conversationId, at).catch(() => undefined);
      throw error;
    }
    if (outcome.after) return { before: outcome.before, after: outcome.after, at };
    if (hold === 'reserved') await giveBackAfterChatMoved(s, agent, conversationId, at);
    handover.expect(outcome.before);
    if (attempt >= HANDOVER_ATTEMPTS) throw new ApiError('Conflict', `conversation ${conversationId} kept changing (now ${describeStatus(outcome.before)}); try again`);
  }
}

export async function getConversation(s: Services, conversationId: string): Promise<Versioned<Conversation>> {
  const found = await s.conversations.get(conversationId);
  if (!found) throw new ApiError('NotFound', `conversation ${conversationId} does not exist`);
  return found;
}

/** "Active (InConversation) with agent alice", "Open (Offered), offered to bob": where a chat is, for a 409. */
export function describeStatus(c: Conversation): string {
  const holder = c.assignee ? ` with ${c.assignee.kind} ${c.assignee.id}` : '';
  const offered = c.offer ? `, offered to ${c.offer.agentId}` : '';
  return `${c.status} (${c.statusReason})${holder}${offered}${c.queue ? ` in ${c.queue}` : ''}`;
}

/**
 * Step 1. `kept`: the chat is offered to this agent, whose reservation for the offer stands for the assignment.
 * Refused (409) when the agent is Offline (any other presence a supervisor may override, as in D365), has
 * no room for the chat's units, or still holds a reservation of this chat that is not a live offer's (being
 * given back, or made by a dispatcher right now): taking it over could lose it to that release.
 */
async function reserveFor(s: Services, agent: AgentUser, chat: Conversation, at: string): Promise<'reserved' | 'kept'> {
  const workstream = s.directory.workstream(chat.workstream);
  if (!workstream) throw new ApiError('Conflict', `conversation ${chat.id} is of workstream ${chat.workstream}, which the configuration no longer has`);
  const units = workstream.capacityUnits;
  let refusal: string | undefined;
  let kept = false;
  await updateAgentState(s, agent, (state) => {
    refusal = undefined;
    kept = false;
    if (state.presence === 'Offline') {
      refusal = `agent ${agent.id} is Offline: a supervisor may assign to any other presence`;
      return undefined;
    }
    const held = state.reservations.find((r) => r.conversationId === chat.id);
    if (held) {
      kept = chat.status === 'Open' && chat.offer?.agentId === agent.id && chat.offer.offeredAt === held.at;
      if (!kept) refusal = `agent ${agent.id} still holds capacity for conversation ${chat.id} from an earlier assignment or offer, being given back; try again in a moment`;
      return undefined;
    }
    const result = reserve(state, { conversationId: chat.id, queue: chat.queue ?? '', units }, agent.capacity, at);
    if (!result.ok) refusal = `agent ${agent.id} has no free capacity: ${usedUnits(state)} of ${agent.capacity} units in use, and the chat takes ${units}`;
    return result.ok ? result.state : undefined;
  });
  if (refusal) throw new ApiError('Conflict', refusal);
  return kept ? 'kept' : 'reserved';
}

/** Step 2: the conditional write, re-read on conflict; `after` undefined when the chat no longer allows it. */
async function commitOn(s: Services, listed: Versioned<Conversation>, commit: (current: Conversation) => Conversation): Promise<{ before: Conversation; after?: Conversation }> {
  let current = listed;
  for (let attempt = 1; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
    let next: Conversation;
    try {
      next = commit(current.value);
    } catch (error) {
      if (error instanceof TransitionError) return { before: current.value };
      throw error;
    }
    try {
      await s.conversations.replace(next, { ifMatch: current.etag });
      return { before: current.value, after: next };
    } catch (error) {
      if (!isStoreError(error, 'PreconditionFailed')) throw error;
      current = await getConversation(s, listed.value.id);
    }
  }
  return { before: current.value };
}
