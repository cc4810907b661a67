import type { FeedEvent, FeedPage, FeedScope, StoredFeedEvent } from '../../shared/core/feed';
import type { EventFeed } from '../../shared/ports/eventFeed';

/**
 * An EventFeed in memory, keeping the port's contract (shared/ports/eventFeed.ts): per scope a gap-free
 * seq from 1, appends idempotent by (scope, id), reads after a seq in order up to a limit, and `truncated`
 * when events after the asked position were pruned. For transport tests, until the stored feeds exist;
 * `reads` counts the reads, so a test can see a stream stop reading.
 */
export class MemoryEventFeed implements EventFeed {
  reads = 0;
  private readonly scopes = new Map<FeedScope, { head: number; events: StoredFeedEvent[] }>();

  async append(events: FeedEvent[]): Promise<void> {
    for (const event of events) {
      const scope = this.scopes.get(event.scope) ?? { head: 0, events: [] };
      this.scopes.set(event.scope, scope);
      if (scope.events.some((kept) => kept.id === event.id)) continue;
      scope.head += 1;
      scope.events.push({ ...structuredClone(event), seq: scope.head });
    }
  }

  async read(scope: FeedScope, options: { after: number; limit: number }): Promise<FeedPage> {
    this.reads += 1;
    const kept = this.scopes.get(scope) ?? { head: 0, events: [] };
    // The first seq still kept (head + 1 when every event was pruned): a reader before it missed some.
    const oldest = kept.events[0]?.seq ?? kept.head + 1;
    const events = kept.events.filter((event) => event.seq > options.after).slice(0, options.limit);
    return { events: structuredClone(events), head: kept.head, truncated: options.after + 1 < oldest };
  }

  async prune(before: string): Promise<number> {
    let pruned = 0;
    for (const scope of this.scopes.values()) {
      const keep = scope.events.filter((event) => event.at >= before);
      pruned += scope.events.length - keep.length;
      scope.events = keep;
    }
    return pruned;
  }
}
