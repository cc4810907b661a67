import type { AgentUser } from '../core/config';
import type { Conversation, HistoryEntry } from '../core/conversation';
import { offerRow } from '../core/liveEvents';
import { ApiError } from '../http/apiError';
import { getAgentState } from './agentStates';
import { awaitApplied } from './awaitApplied';
import { conversationCommandMessage, type ConversationCommand } from './commands';
import type { Services } from './services';

/**
 * The agent's side of offers: the live offers made to the agent, and Accept / Reject. An answer is a
 * command in the conversation's session, so it is ordered with the offer's expiry: whichever the
 * session applies first wins, and the other finds the offer gone.
 */

/**
 * The agent's live offers, oldest first. The agent's reservations name every chat offered to it, so
 * this is a few point reads, never a query over conversations.
 */
export async function listOffers(s: Services, agent: AgentUser) {
  const { value: state } = await getAgentState(s, agent);
  const now = s.clock.now().toISOString();
  const held = await Promise.all(state.reservations.map(async (r) => (await s.conversations.get(r.conversationId))?.value));
  return held
    .filter((c): c is Conversation => c !== undefined && c.status === 'Open' && c.offer?.agentId === agent.id && c.offer.expiresAt > now)
    .map((c) => offerRow(c, s.directory.workstream(c.workstream)?.offers?.allowReject ?? true)!)
    .sort((a, b) => (a.offeredAt < b.offeredAt ? -1 : a.offeredAt > b.offeredAt ? 1 : 0));
}

/** Accept: 200 {status: "Active"} once the chat is the agent's; 409 when the offer expired or was withdrawn. */
export async function acceptOffer(s: Services, agent: AgentUser, conversationId: string): Promise<{ status: 'Active' }> {
  const conversation = await offeredConversation(s, conversationId);
  if (acceptedBy(conversation, agent.id)) return { status: 'Active' };
  const live = liveOfferTo(s, conversation, agent.id, 'accept');
  const after = await answer(s, { type: 'offerAccept', conversationId, key: `offerAccept:${conversationId}:${live.epoch}`, agentId: agent.id });
  if (acceptedBy(after, agent.id)) return { status: 'Active' };
  // Still offered to this agent but not taken: the countdown ran out between this check and the session's.
  if (after.offer?.agentId === agent.id) throw new ApiError('OfferExpired', `cannot accept: the offer of conversation ${conversationId} expired at ${after.offer.expiresAt}`);
  throw gone(after, agent.id, 'accept');
}

/** Reject: 200 once the offer is declined and the chat is back in its queue; 403 when the workstream does not allow it. */
export async function rejectOffer(s: Services, agent: AgentUser, conversationId: string): Promise<{ status: string }> {
  const conversation = await offeredConversation(s, conversationId);
  const offers = s.directory.workstream(conversation.workstream)?.offers;
  if (offers && !offers.allowReject) {
    throw new ApiError('Forbidden', `offers of workstream ${conversation.workstream} cannot be rejected (offers.allowReject is false): accept, or let the offer expire`);
  }
  const last = lastOfferEntry(conversation, agent.id);
  if (last?.type === 'offerRejected' && !conversation.offer) return { status: conversation.status };
  const live = liveOfferTo(s, conversation, agent.id, 'reject');
  const after = await answer(s, { type: 'offerReject', conversationId, key: `offerReject:${conversationId}:${live.epoch}`, agentId: agent.id, epoch: live.epoch });
  // The chat may already be offered again (to this agent too, when nobody else qualifies): look for this offer's end.
  if (after.history.some((h) => h.type === 'offerRejected' && h.agentId === agent.id && h.offeredAt === live.offeredAt)) return { status: after.status };
  throw gone(after, agent.id, 'reject');
}

async function offeredConversation(s: Services, conversationId: string): Promise<Conversation> {
  const found = await s.conversations.get(conversationId);
  if (!found) throw new ApiError('NotFound', `conversation ${conversationId} does not exist`);
  return found.value;
}

function acceptedBy(conversation: Conversation, agentId: string): boolean {
  return conversation.status === 'Active' && conversation.assignee?.id === agentId && lastOfferEntry(conversation, agentId)?.type === 'offerAccepted';
}

/** The live offer to this agent, or the error that says why there is none. */
function liveOfferTo(s: Services, conversation: Conversation, agentId: string, action: string) {
  const live = conversation.offer;
  if (conversation.status !== 'Open' || !live || live.agentId !== agentId) throw gone(conversation, agentId, action);
  if (live.expiresAt <= s.clock.now().toISOString()) throw new ApiError('OfferExpired', `cannot ${action}: the offer of conversation ${conversation.id} expired at ${live.expiresAt}`);
  return live;
}

/** Why this agent has no live offer of the conversation: never had one (403), or it ended (409, with how). */
function gone(conversation: Conversation, agentId: string, action: string): ApiError {
  const last = lastOfferEntry(conversation, agentId);
  const id = conversation.id;
  switch (last?.type) {
    case undefined:
      return new ApiError('Forbidden', `conversation ${id} was not offered to agent ${agentId}`);
    case 'offered':
      // The history says offered but the chat has no offer: it was answered meanwhile and the answer is not yet visible.
      return new ApiError('OfferWithdrawn', `cannot ${action}: the offer of conversation ${id} is no longer live`);
    case 'offerExpired':
      return new ApiError('OfferExpired', `cannot ${action}: the offer of conversation ${id} expired at ${last.at}`);
    case 'offerRejected':
      return new ApiError('OfferRejected', `cannot ${action}: agent ${agentId} rejected the offer of conversation ${id} at ${last.at}`);
    case 'offerWithdrawn':
      return new ApiError('OfferWithdrawn', `cannot ${action}: the offer of conversation ${id} was withdrawn at ${last.at}: the chat is ${conversation.status} (${conversation.statusReason})`);
    case 'offerAccepted':
      return new ApiError('OfferWithdrawn', `cannot ${action}: agent ${agentId} accepted conversation ${id} at ${last.at}, and it has moved on since (now ${conversation.status})`);
  }
}

type OfferEntry = Extract<HistoryEntry, { type: 'offered' | 'offerAccepted' | 'offerRejected' | 'offerExpired' | 'offerWithdrawn' }>;

function lastOfferEntry(conversation: Conversation, agentId: string): OfferEntry | undefined {
  return conversation.history.findLast((h): h is OfferEntry => OFFER_ENTRIES.has(h.type) && (h as OfferEntry).agentId === agentId);
}

const OFFER_ENTRIES = new Set<HistoryEntry['type']>(['offered', 'offerAccepted', 'offerRejected', 'offerExpired', 'offerWithdrawn']);

/** Sends the answer and waits (bounded) to see it applied; 503 when the session is too busy to apply it in time. */
async function answer(s: Services, command: ConversationCommand): Promise<Conversation> {
  await s.bus.send([conversationCommandMessage(command)]);
  const applied = await awaitApplied(s, command.conversationId, command.key);
  if (!applied) throw new ApiError('ServiceUnavailable', `the answer to the offer of conversation ${command.conversationId} is queued but not applied yet; send it again to see the outcome`);
  return applied;
}
