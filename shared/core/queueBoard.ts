import type { StoredFeedEvent } from './feed';
import { addCounters, countKpiEvent, emptyCounters, type KpiEvent, type QueueCounters } from './kpis';
import type { AgentRow, BoardConversationRow } from './liveEvents';

/**
 * One queue as the supervisor sees it, folded from the queue's feed (core/feed.ts): its ongoing chats,
 * the latest row of each agent serving it, and its KPI counters by hour. Pure: the same events give
 * the same board on every instance.
 */
export interface QueueBoard {
  queue: string;
  /** The last feed seq folded in. */
  seq: number;
  conversations: Record<string, BoardConversationRow>;
  agents: Record<string, AgentRow>;
  /** KPI counters by the hour they happened in (ISO time of the hour's start). */
  hours: Record<string, QueueCounters>;
}

/** What a fold changed: the rows to send again, and whether the KPIs moved. */
export interface BoardChanges {
  conversations: Set<string>;
  agents: Set<string>;
  kpis: boolean;
}

export function emptyBoard(queue: string): QueueBoard {
  return { queue, seq: 0, conversations: {}, agents: {}, hours: {} };
}

export function noChanges(): BoardChanges {
  return { conversations: new Set(), agents: new Set(), kpis: false };
}

/** The hour an instant falls in, as the ISO time of its start. */
export function hourOf(iso: string): string {
  const t = new Date(iso);
  t.setUTCMinutes(0, 0, 0);
  return t.toISOString();
}

/**
 * Folds events (in seq order) into the board, in place, and notes what changed in `changes`. A row of
 * an older epoch than the one the board has is ignored: two writers of one chat may append out of order.
 */
export function foldQueueEvents(board: QueueBoard, events: readonly StoredFeedEvent[], serviceLevelSeconds: readonly number[], changes: BoardChanges): void {
  for (const event of events) {
    if (event.seq <= board.seq) continue;
    board.seq = event.seq;
    applyEvent(board, event, serviceLevelSeconds, changes);
  }
}

function applyEvent(board: QueueBoard, event: StoredFeedEvent, serviceLevelSeconds: readonly number[], changes: BoardChanges): void {
  switch (event.type) {
    case 'conversation': {
      const row = event.data as unknown as BoardConversationRow;
      const known = board.conversations[row.id];
      if (known && known.epoch > row.epoch) return;
      board.conversations[row.id] = row;
      changes.conversations.add(row.id);
      return;
    }
    case 'conversationRemoved': {
      const { id, epoch } = event.data as { id: string; epoch: number };
      const known = board.conversations[id];
      if (!known || known.epoch > epoch) return;
      delete board.conversations[id];
      changes.conversations.add(id);
      return;
    }
    case 'agent': {
      const row = event.data as unknown as AgentRow;
      const known = board.agents[row.id];
      if (known && known.at > row.at) return;
      board.agents[row.id] = row;
      changes.agents.add(row.id);
      return;
    }
    case 'kpi': {
      const hour = hourOf(event.at);
      board.hours[hour] = countKpiEvent(board.hours[hour] ?? emptyCounters(), event.data as unknown as KpiEvent, serviceLevelSeconds);
      changes.kpis = true;
      return;
    }
  }
}

/** The board's counters of the hours from `from` on (an hour counts when it starts at or after `from`'s hour). */
export function countersSince(board: QueueBoard, from: string): QueueCounters {
  const first = hourOf(from);
  let total = emptyCounters();
  for (const [hour, counters] of Object.entries(board.hours)) if (hour >= first) total = addCounters(total, counters);
  return total;
}

/** Forgets the hours before `from`'s hour, so a board kept for days stays small. */
export function dropHoursBefore(board: QueueBoard, from: string): void {
  const first = hourOf(from);
  for (const hour of Object.keys(board.hours)) if (hour < first) delete board.hours[hour];
}
