import { release } from '../core/assignment';
import { holdsCapacityOf, idleDeadline } from '../core/lifecycle';
import { whyQueueCannotTake } from '../core/placement';
import type { Conversation } from '../core/conversation';
import type { OutgoingMessage } from '../ports/messageBus';
import { isStoreError, type Versioned } from '../ports/storeErrors';
import { updateAgentState } from './agentStates';
import { requestDispatchForMember } from './agentCapacity';
import { conversationCommandMessage, dispatchMessage } from './commands';
import { offerExpiryKey } from './dispatchQueue';
import { setAbsentAgentsOffline } from './agentWorkspace';
import { anyWaitExperience, waitSlotAfter, waitTickMessage } from './queueWait';
import { sealInsightHours } from './insights';
import type { Services } from './services';

/** How long work may look unfinished before the sweep repairs it (longer than any normal hand-off). */
export const SWEEP_GRACE_IN_MS = 60_000;
const SWEEP_BATCH = 500;

export interface SweepReport {
  dispatchesRequested: number;
  announcementsResent: number;
  autoClosesResent: number;
  reservationsReleased: number;
  /** Waiting chats moved out of a queue nobody can ever take them from (the configuration changed under them). */
  chatsRerouted: number;
  /** Offers past their expiry that are still live: their expiry was lost. */
  offerExpiriesResent: number;
  /** Agents signed in to the workspace none of whose tabs was seen lately (agentWorkspace.offlineAfterSeconds). */
  agentsSetOffline: number;
}

/**
 * The periodic repair: assignment is event driven, and this finds what a crash or a lost message
 * left behind: queues with waiting chats, assignments never announced, overdue auto-closes,
 * reservations without a chat, and chats waiting where nobody can ever take them. Every repair is a message with a deterministic id, so repeating
 * the sweep is harmless. It also prunes the live feeds and the insights log to their retention.
 */
export async function sweep(s: Services): Promise<SweepReport> {
  const now = s.clock.now();
  const cutoff = new Date(now.getTime() - SWEEP_GRACE_IN_MS).toISOString();
  const report: SweepReport = { dispatchesRequested: 0, announcementsResent: 0, autoClosesResent: 0, reservationsReleased: 0, chatsRerouted: 0, offerExpiriesResent: 0, agentsSetOffline: 0 };
  const out: OutgoingMessage[] = [];

  for (const { value: c } of await s.conversations.listUnclosedUpdatedBefore(cutoff, { limit: SWEEP_BATCH })) {
    // A waiting chat a crash left out of the store's index would never be dispatched: put it back.
    if (c.status === 'Open' && s.conversations.reindex) await s.conversations.reindex(c);
    // An offer whose expiry was lost in a crash (the dispatcher committed it, then died before sending the expiry).
    if (c.status === 'Open' && c.offer && Date.parse(c.offer.expiresAt) <= now.getTime()) {
      const live = c.offer;
      out.push(conversationCommandMessage({ type: 'offerExpire', conversationId: c.id, key: `${offerExpiryKey(c.id, live.epoch)}:sweep`, agentId: live.agentId, epoch: live.epoch }));
      report.offerExpiriesResent++;
      continue;
    }
    if (c.status === 'Active' && !c.assignmentAnnounced) {
      out.push(conversationCommandMessage({ type: 'assigned', conversationId: c.id, key: `assigned:${c.id}:${c.epoch}`, epoch: c.epoch }));
      report.announcementsResent++;
    }
    const workstream = s.directory.workstream(c.workstream);
    if (!workstream) continue;
    if (c.status === 'Open' && c.queue !== null && whyQueueCannotTake(c.queue, c.excludedBots, s.directory.membership) !== null) {
      out.push(conversationCommandMessage({ type: 'reroute', conversationId: c.id, key: `reroute:${c.id}:${c.epoch}`, queue: c.queue, epoch: c.epoch }));
      report.chatsRerouted++;
      continue;
    }
    const overdue = (since: string | null, minutes: number) => since !== null && Date.parse(since) + minutes * 60_000 <= now.getTime();
    if ((c.status === 'Open' && overdue(c.enqueuedAt, workstream.autoClose.openMinutes)) || (c.status === 'WrapUp' && overdue(c.wrapUpAt, workstream.autoClose.wrapUpMinutes))) {
      const status = c.status;
      out.push(conversationCommandMessage({ type: 'autoClose', conversationId: c.id, key: `autoClose:${c.id}:${status}:${c.epoch}:sweep`, status, epoch: c.epoch }));
      report.autoClosesResent++;
    }
    // An idle Active chat whose timer was lost, or that was Active before the idle close existed.
    const idleMinutes = workstream.autoClose.activeIdleMinutes;
    if (c.status === 'Active' && c.assignmentAnnounced && idleMinutes !== undefined && Date.parse(idleDeadline(c, idleMinutes)) <= now.getTime()) {
      const key = `autoClose:${c.id}:Active:${c.epoch}:${idleDeadline(c, idleMinutes)}:sweep`;
      out.push(conversationCommandMessage({ type: 'autoClose', conversationId: c.id, key, status: 'Active', epoch: c.epoch }));
      report.autoClosesResent++;
    }
  }
  // After the repairs above, so a chat put back into its queue's index is dispatched now.
  const minute = Math.floor(now.getTime() / 60_000);
  const waitTicks = anyWaitExperience(s.config);
  for (const { name: queue } of s.config.queues) {
    const length = await s.conversations.countWaiting(queue);
    s.telemetry.trackMetric('QueueLength', length, { queue });
    if (length === 0) continue;
    const [oldest] = await s.conversations.listWaiting(queue, { limit: 1 });
    if (oldest?.value.enqueuedAt) s.telemetry.trackMetric('OldestWaitMs', now.getTime() - Date.parse(oldest.value.enqueuedAt), { queue, workstream: oldest.value.workstream });
    out.push(dispatchMessage(queue, `dispatch:${queue}:sweep:${minute}`));
    report.dispatchesRequested++;
    // A lost wait tick stops a queue's wait messages: ask for the next one (the same id as the chain's, so one).
    if (waitTicks) out.push(waitTickMessage(queue, waitSlotAfter(now)));
  }

  if (out.length > 0) await s.bus.send(out);
  report.reservationsReleased = await releaseStrayReservations(s, cutoff);
  report.agentsSetOffline = await setAbsentAgentsOffline(s);
  // Housekeeping, not a repair: the insights' hours whose grace is over are sealed (usecases/insights.ts), and
  // the feeds' and the insights log's events past their retention pruned (SQLite; Cosmos DB's TTL does it there).
  await sealInsightHours(s);
  await s.feed.prune(new Date(now.getTime() - s.settings.feedRetentionInSeconds * 1000).toISOString());
  await s.insights.prune(new Date(now.getTime() - s.settings.insightsRetentionInSeconds * 1000).toISOString());
  if (report.reservationsReleased + report.announcementsResent + report.autoClosesResent + report.chatsRerouted + report.offerExpiriesResent > 0) {
    s.telemetry.trackEvent('SweepRepaired', {}, { ...report });
  }
  return report;
}

/**
 * A reservation older than the grace period whose chat is not held by that agent is a stray. If the
 * chat still waits in the reservation's queue, the dispatcher (or a supervisor's assign) that reserved
 * it may not have died but stalled between its two writes: its commit could still land, on an agent
 * whose units were given back. An Active chat held by someone else may likewise be in the middle of a
 * supervisor's transfer to this agent. So the chat is fenced first (see fenceChat); only then are the
 * units released.
 */
async function releaseStrayReservations(s: Services, cutoff: string): Promise<number> {
  let released = 0;
  for (const { value: state } of await s.agents.list()) {
    const agent = s.directory.agent(state.id);
    if (!agent) continue;
    for (const reservation of state.reservations.filter((r) => r.at < cutoff)) {
      const conversation = await s.conversations.get(reservation.conversationId);
      const workstream = conversation && s.directory.workstream(conversation.value.workstream);
      const held = conversation && workstream && holdsCapacityOf(conversation.value, agent.id, workstream);
      if (held) continue;
      const waitingThere = conversation?.value.status === 'Open' && conversation.value.queue === reservation.queue;
      const activeElsewhere = conversation?.value.status === 'Active';
      if ((waitingThere || activeElsewhere) && !(await fenceChat(s, conversation))) continue;
      const at = s.clock.now().toISOString();
      const { changed } = await updateAgentState(s, agent, (current) => {
        // That reservation only: a dispatcher may hold a newer one of the same chat by now.
        const result = release(current, reservation.conversationId, at, (r) => r.at === reservation.at);
        return result.released ? result.state : undefined;
      });
      if (changed) {
        released++;
        await requestDispatchForMember(s, agent.id, `sweep-release:${reservation.conversationId}`);
      }
    }
  }
  return released;
}

/**
 * Moves a chat's epoch on with a conditional write, without moving the chat: an assignment commit (the
 * dispatcher's, a supervisor's assign or transfer to an agent) requires the epoch read before its
 * reservation, so a stalled commit fails after this and its reservation is not needed. Timers armed for
 * the old epoch are armed again: a waiting chat's Open auto-close, an Active chat's idle close, or its
 * announcement when it has not been made. False when the chat changed meanwhile (the next sweep looks again).
 */
async function fenceChat(s: Services, conversation: Versioned<Conversation>): Promise<boolean> {
  const c = conversation.value;
  const fenced: Conversation = { ...c, epoch: c.epoch + 1, updatedAt: s.clock.now().toISOString() };
  try {
    await s.conversations.replace(fenced, { ifMatch: conversation.etag });
  } catch (error) {
    if (isStoreError(error, 'PreconditionFailed') || isStoreError(error, 'NotFound')) return false;
    throw error;
  }
  const timers = rearmedTimers(s, fenced);
  if (timers.length > 0) await s.bus.send(timers);
  return true;
}

function rearmedTimers(s: Services, fenced: Conversation): OutgoingMessage[] {
  const workstream = s.directory.workstream(fenced.workstream);
  if (!workstream) return [];
  const { id, epoch } = fenced;
  if (fenced.status === 'Open' && fenced.enqueuedAt) {
    const due = new Date(Date.parse(fenced.enqueuedAt) + workstream.autoClose.openMinutes * 60_000);
    return [conversationCommandMessage({ type: 'autoClose', conversationId: id, key: `autoClose:${id}:Open:${epoch}`, status: 'Open', epoch }, due)];
  }
  if (fenced.status !== 'Active') return [];
  if (!fenced.assignmentAnnounced) return [conversationCommandMessage({ type: 'assigned', conversationId: id, key: `assigned:${id}:${epoch}`, epoch })];
  const idleMinutes = workstream.autoClose.activeIdleMinutes;
  if (idleMinutes === undefined) return [];
  const due = idleDeadline(fenced, idleMinutes);
  return [conversationCommandMessage({ type: 'autoClose', conversationId: id, key: `autoClose:${id}:Active:${epoch}:${due}`, status: 'Active', epoch }, new Date(due))];
}
