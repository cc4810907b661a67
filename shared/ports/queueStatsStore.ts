import type { QueueStats } from '../core/queueStats';
import type { Versioned } from './storeErrors';

/**
 * One small record of runtime statistics per routing queue (the average wait), keyed by queue name.
 * Same conditional-write contract as ConversationStore: `replace` fails with StoreError
 * 'PreconditionFailed' on a stale ETag, `create` with 'Conflict' when the queue has a record.
 */
export interface QueueStatsStore {
  get(queue: string): Promise<Versioned<QueueStats> | undefined>;
  create(stats: QueueStats): Promise<Versioned<QueueStats>>;
  replace(stats: QueueStats, options: { ifMatch: string }): Promise<Versioned<QueueStats>>;
}
