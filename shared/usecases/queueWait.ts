import type { Config, Workstream } from '../core/config';
import type { Conversation } from '../core/conversation';
import { knownAverageWaitSeconds, recordWaitSample } from '../core/queueStats';
import { PoisonMessageError, QUEUES, type OutgoingMessage, type ReceivedMessageInfo } from '../ports/messageBus';
import { isStoreError } from '../ports/storeErrors';
import { conversationCommandMessage, waitTickSchema, type WaitTick } from './commands';
import { dispatchQueue, requestedQueue } from './dispatchQueue';
import type { Services } from './services';

/**
 * The customer's wait (workstreams[].waitExperience). Places in line are computed in the background,
 * once per queue every WAIT_TICK_MS, by a wait tick in the queue's dispatch session:
 * - one query of the queue's partition of the waiting index lists the waiting ids in order (no
 *   conversation is read), and one point read gets the queue's average wait;
 * - each waiting chat gets a `waitUpdate` command with its place; its own session decides what to say
 *   (core/waitNotices.ts) and writes the conversation only when the place changed or something is said.
 * So GET /api/chats/{id}, which widgets poll, is one point read of the conversation, and no request
 * ever counts a queue. The ticks run while the queue has waiting chats: a chat routed into it (or the
 * sweep) starts them, at slot boundaries, with one message id per queue and slot, which the bus's
 * duplicate detection keeps to one chain.
 */
export const WAIT_TICK_MS = 30_000;
/** Places computed per tick; a chat further back is told its place once it moves up. */
export const WAIT_POSITIONS_LISTED = 1_000;

/** Whether a workstream tells waiting customers anything. */
export function hasWaitExperience(workstream: Workstream | undefined): boolean {
  return Boolean(workstream?.waitExperience && (workstream.waitExperience.queuePosition || workstream.waitExperience.averageWaitTime));
}

export function anyWaitExperience(config: Config): boolean {
  return config.workstreams.some(hasWaitExperience);
}

/** The first slot after `at`: ticks fall on multiples of WAIT_TICK_MS. */
export function waitSlotAfter(at: Date): number {
  return Math.floor(at.getTime() / WAIT_TICK_MS) + 1;
}

/** The tick of `queue` at `slot`; its id is the same whoever asks for it, so the bus keeps one. */
export function waitTickMessage(queue: string, slot: number): OutgoingMessage {
  return { queue: QUEUES.dispatch, sessionId: queue, messageId: `waitTick:${queue}:${slot}`, body: { queue, waitTick: slot } satisfies WaitTick, scheduledEnqueueTimeUtc: new Date(slot * WAIT_TICK_MS) };
}

/**
 * The dispatch queue carries assignment cycles and wait ticks, both in the queue's session, and both run a
 * cycle. So a message with another behind it in the session leaves the cycle to that one: it starts after
 * this one ends, and sees every change that asked for this one. A burst of chats entering or agents freed
 * (hundreds of requests a second, each reading every member's state) is then one cycle per backlog, not one
 * per request. A wait tick still tells its places and schedules the next tick.
 */
export async function handleDispatchMessage(s: Services, body: unknown, info: Pick<ReceivedMessageInfo, 'followedInSession'> = {}): Promise<void> {
  const tick = waitTickSchema.safeParse(body);
  const request = tick.success ? { queue: tick.data.queue } : body;
  // A malformed request is refused either way, never completed unread.
  if (info.followedInSession) requestedQueue(s, request);
  else await dispatchQueue(s, request);
  if (tick.success) await waitTick(s, tick.data);
}

/** Tells every chat waiting in the queue its place; schedules the next tick while any waits. */
export async function waitTick(s: Services, tick: WaitTick): Promise<void> {
  if (!s.directory.queue(tick.queue)) throw new PoisonMessageError(`wait tick names unknown queue "${tick.queue}"`);
  const ids = await s.conversations.listWaitingIds(tick.queue, { limit: WAIT_POSITIONS_LISTED });
  if (ids.length === 0) return;
  // The slot's own time, so the cadence counts whole slots even when a tick is handled late.
  const at = new Date(tick.waitTick * WAIT_TICK_MS).toISOString();
  const averageWaitSeconds = knownAverageWaitSeconds((await s.queueStats.get(tick.queue))?.value, at);
  const updates = ids.map((conversationId, index) =>
    conversationCommandMessage({ type: 'waitUpdate', conversationId, key: `wait:${conversationId}:${tick.waitTick}`, queue: tick.queue, position: index + 1, averageWaitSeconds, at }));
  // A tick handled late does not replay the slots it missed.
  const next = Math.max(tick.waitTick + 1, waitSlotAfter(s.clock.now()));
  await s.bus.send([...updates, waitTickMessage(tick.queue, next)]);
}

const STATS_ATTEMPTS = 5;

/**
 * A command just announced an assignment (or an accepted offer): the chat's wait, from entering the
 * queue, is one more sample of the queue's average. Called after the command's write; a redelivered
 * command finds its key applied and never gets here, so a chat counts once (a crash right here loses
 * one sample of an estimate). The stats never hold up the chat: a failure is reported, not thrown.
 */
export async function recordAnswered(s: Services, before: Conversation | undefined, after: Conversation): Promise<void> {
  if (!before || before.assignmentAnnounced || !after.assignmentAnnounced) return;
  if (!s.config.workstreams.some((w) => w.waitExperience?.averageWaitTime)) return;
  const entry = after.history.findLast((h) => h.type === 'assigned');
  if (!entry || entry.type !== 'assigned') return;
  // A supervisor's transfer to another agent is announced too, but nobody waited for it: its chat was answered before.
  if (entry.at !== after.assignedAt) return;
  try {
    for (let attempt = 1; attempt <= STATS_ATTEMPTS; attempt++) {
      const current = await s.queueStats.get(entry.queue);
      const next = recordWaitSample(current?.value, entry.queue, entry.waitedMs, entry.at);
      try {
        if (current) await s.queueStats.replace(next, { ifMatch: current.etag });
        else await s.queueStats.create(next);
        return;
      } catch (error) {
        if (!isStoreError(error, 'PreconditionFailed') && !isStoreError(error, 'Conflict')) throw error;
      }
    }
  } catch (error) {
    s.telemetry.trackException(error, { conversationId: after.id, queue: entry.queue });
  }
}
