import type { Reservation } from '../core/agent';
import type { Presence } from '../core/config';
import { release } from '../core/assignment';
import { holdsCapacityOf } from '../core/lifecycle';
import type { ConversationCommand } from './commands';
import { dispatchMessage } from './commands';
import { updateAgentState } from './agentStates';
import type { Services } from './services';

/**
 * Gives an agent back the units of a chat it no longer holds, then asks every queue the agent
 * serves to dispatch: freed capacity is used at once, without polling.
 */
export async function releaseAgentCapacity(s: Services, command: Extract<ConversationCommand, { type: 'releaseAgent' }>): Promise<void> {
  const agent = s.directory.agent(command.agentId);
  if (!agent) return;
  const { reservationAt, setPresence } = command;
  const conversation = await s.conversations.get(command.conversationId);
  const workstream = conversation && s.directory.workstream(conversation.value.workstream);
  const stillHeld = conversation && workstream && holdsCapacityOf(conversation.value, agent.id, workstream);
  // A named reservation (an offer's) is released even when the chat was offered to the same agent again:
  // that newer offer holds a reservation of its own, made at another time.
  if (stillHeld && (reservationAt === undefined || conversation.value.offer?.offeredAt === reservationAt)) return;
  const at = s.clock.now().toISOString();
  // A chat waiting again (transferred) may be in the middle of a new assignment to this same agent:
  // a reservation made since it was enqueued is that assignment's, not the one this command gives back
  // (this command can be redelivered after a crash, long after it first ran).
  const waiting = conversation?.value.status === 'Open' ? conversation.value : undefined;
  const current = (r: Reservation) => waiting !== undefined && r.queue === waiting.queue && waiting.enqueuedAt !== null && r.at >= waiting.enqueuedAt;
  const releasable = reservationAt === undefined ? (r: Reservation) => !current(r) : (r: Reservation) => r.at === reservationAt;
  let released = false;
  const { changed } = await updateAgentState(s, agent, (state) => {
    const result = release(state, command.conversationId, at, releasable);
    released = result.released;
    const presence = setPresence !== undefined && state.presence !== setPresence ? setPresence : undefined;
    if (!result.released && presence === undefined) return undefined;
    return presence === undefined ? result.state : { ...result.state, presence, updatedAt: at };
  });
  if (changed && released) s.telemetry.trackEvent('CapacityReleased', { conversationId: command.conversationId, agent: agent.id });
  if (changed && setPresence !== undefined) s.telemetry.trackEvent('PresenceChanged', { agent: agent.id, presence: setPresence, reason: 'offerMissed', conversationId: command.conversationId });
  await requestDispatchForMember(s, agent.id, command.key);
}

export async function requestDispatchForMember(s: Services, memberId: string, reasonKey: string): Promise<void> {
  const queues = s.directory.queuesOf(memberId);
  if (queues.length > 0) await s.bus.send(queues.map((q) => dispatchMessage(q.name, `dispatch:${q.name}:${reasonKey}`)));
}

export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(readonly code: 'UnknownAgent', message: string) {
    super(message);
  }
}

/** A presence change may make the agent eligible: its queues dispatch again. */
export async function setPresence(s: Services, agentId: string, presence: Presence): Promise<{ presence: Presence }> {
  const agent = s.directory.agent(agentId);
  if (!agent) throw new AgentError('UnknownAgent', `agent "${agentId}" is not in the configuration`);
  const at = s.clock.now().toISOString();
  const { state, changed } = await updateAgentState(s, agent, (current) => (current.presence === presence ? undefined : { ...current, presence, updatedAt: at }));
  if (changed) {
    s.telemetry.trackEvent('PresenceChanged', { agent: agent.id, presence });
    await requestDispatchForMember(s, agent.id, `presence:${s.ids.newId()}`);
  }
  return { presence: state.value.presence };
}
