import { release } from '../core/assignment';
import { holdsAgentCapacity } from '../core/lifecycle';
import type { OutgoingMessage } from '../ports/messageBus';
import { updateAgentState } from './agentStates';
import { requestDispatchForMember } from './agentCapacity';
import { conversationCommandMessage, dispatchMessage } from './commands';
import type { Services } from './services';

/** How long work may look unfinished before the sweep repairs it (longer than any normal hand-off). */
export const SWEEP_GRACE_IN_MS = 60_000;
const SWEEP_BATCH = 500;

export interface SweepReport {
  dispatchesRequested: number;
  announcementsResent: number;
  autoClosesResent: number;
  reservationsReleased: number;
}

/**
 * The periodic repair: assignment is event driven, and this finds what a crash or a lost message
 * left behind: queues with waiting chats, assignments never announced, overdue auto-closes, and
 * reservations without a chat. Every repair is a message with a deterministic id, so repeating
 * the sweep is harmless.
 */
export async function sweep(s: Services): Promise<SweepReport> {
  const now = s.clock.now();
  const cutoff = new Date(now.getTime() - SWEEP_GRACE_IN_MS).toISOString();
  const report: SweepReport = { dispatchesRequested: 0, announcementsResent: 0, autoClosesResent: 0, reservationsReleased: 0 };
  const out: OutgoingMessage[] = [];

  const minute = Math.floor(now.getTime() / 60_000);
  for (const { name: queue } of s.config.queues) {
    if (!(await s.conversations.hasWaiting(queue))) continue;
    out.push(dispatchMessage(queue, `dispatch:${queue}:sweep:${minute}`));
    report.dispatchesRequested++;
  }

  for (const { value: c } of await s.conversations.listUnclosedUpdatedBefore(cutoff, { limit: SWEEP_BATCH })) {
    if (c.status === 'Active' && !c.assignmentAnnounced) {
      out.push(conversationCommandMessage({ type: 'assigned', conversationId: c.id, key: `assigned:${c.id}:${c.epoch}`, epoch: c.epoch }));
      report.announcementsResent++;
    }
    const workstream = s.directory.workstream(c.workstream);
    if (!workstream) continue;
    const overdue = (since: string | null, minutes: number) => since !== null && Date.parse(since) + minutes * 60_000 <= now.getTime();
    if ((c.status === 'Open' && overdue(c.enqueuedAt, workstream.autoClose.openMinutes)) || (c.status === 'WrapUp' && overdue(c.wrapUpAt, workstream.autoClose.wrapUpMinutes))) {
      const status = c.status;
      out.push(conversationCommandMessage({ type: 'autoClose', conversationId: c.id, key: `autoClose:${c.id}:${status}:${c.epoch}:sweep`, status, epoch: c.epoch }));
      report.autoClosesResent++;
    }
  }
  if (out.length > 0) await s.bus.send(out);
  report.reservationsReleased = await releaseStrayReservations(s, cutoff);
  if (report.reservationsReleased + report.announcementsResent + report.autoClosesResent > 0) {
    s.telemetry.trackEvent('SweepRepaired', {}, { ...report });
  }
  return report;
}

/** A reservation older than the grace period whose chat is not held by that agent is a stray. */
async function releaseStrayReservations(s: Services, cutoff: string): Promise<number> {
  let released = 0;
  for (const { value: state } of await s.agents.list()) {
    const agent = s.directory.agent(state.id);
    if (!agent) continue;
    for (const reservation of state.reservations.filter((r) => r.at < cutoff)) {
      const conversation = await s.conversations.get(reservation.conversationId);
      const workstream = conversation && s.directory.workstream(conversation.value.workstream);
      const held = conversation && workstream && conversation.value.assignee?.id === agent.id && holdsAgentCapacity(conversation.value, workstream);
      if (held) continue;
      const at = s.clock.now().toISOString();
      const { changed } = await updateAgentState(s, agent, (current) => {
        const result = release(current, reservation.conversationId, at);
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
