import type { AgentState } from '../../shared/core/agent';
import type { Conversation, ConversationStatus } from '../../shared/core/conversation';
import type { TranscriptMessage } from '../../shared/core/transcript';
import type { AgentStore } from '../../shared/ports/agentStore';
import type { ConversationStore } from '../../shared/ports/conversationStore';
import type { CustomerSightings } from '../../shared/ports/customerSightings';
import { isStoreError, type Versioned } from '../../shared/ports/storeErrors';
import { POSITION_PATTERN, type TranscriptStore } from '../../shared/ports/transcriptStore';
import type { QueueStats } from '../../shared/core/queueStats';
import type { QueueStatsStore } from '../../shared/ports/queueStatsStore';

/**
 * Contract suites every store adapter must pass: the embedded SQLite twin and the Cosmos DB adapter run
 * the same tests. Each `makeStore` call must give an empty store; `close` releases it.
 */
export type MakeStore<S> = () => Promise<{ store: S; close(): Promise<void> }>;

export function describeConversationStoreContract(name: string, makeStore: MakeStore<ConversationStore>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    const store = useStore(makeStore);

    describeConditionalWrites('a conversation', store, {
      make: (id) => conversation(id),
      increment: (doc) => ({ ...doc, epoch: doc.epoch + 1 }),
      counter: (doc) => doc.epoch,
      mutateNested: (doc) => {
        doc.context.BotHandoffTopic = 'changed';
        doc.history.push({ type: 'status', at: at(9), status: 'Closed', reason: 'AutoClosedBySystem' });
      },
    });

    it('reads the status, assignee and transcript size alone, in step with every write', async () => {
      const empty = { messageCount: 0, bytes: 0 };
      expect(await store().getState('c-missing')).toBeUndefined();
      const created = await store().create(conversation('c-1'));
      expect(await store().getState('c-1')).toEqual({ status: 'Open', assignee: null, size: empty });
      const transcript = { messageCount: 3, bytes: 42, lastMessage: null, lastActivityAt: at(1) };
      const assigned = await store().replace({ ...created.value, status: 'Active', assignee: { id: 'demo-bot', kind: 'bot' }, transcript }, { ifMatch: created.etag });
      expect(await store().getState('c-1')).toEqual({ status: 'Active', assignee: { id: 'demo-bot', kind: 'bot' }, size: { messageCount: 3, bytes: 42 } });
      await store().replace({ ...assigned.value, status: 'Closed', assignee: null }, { ifMatch: assigned.etag });
      expect(await store().getState('c-1')).toEqual({ status: 'Closed', assignee: null, size: { messageCount: 3, bytes: 42 } });
    });

    it('lists the Open conversations of a queue, oldest enqueuedAt first, ties by id, up to the limit', async () => {
      await store().create(conversation('c-late', { enqueuedAt: at(3) }));
      await store().create(conversation('c-b', { enqueuedAt: at(1) }));
      await store().create(conversation('c-a', { enqueuedAt: at(1) }));
      await store().create(conversation('c-first', { enqueuedAt: at(0) }));
      await store().create(conversation('c-other-queue', { queue: 'HomeLoanQueue', enqueuedAt: at(0) }));
      await store().create(conversation('c-active', { status: 'Active', enqueuedAt: at(0), assignee: { id: 'agent-1', kind: 'agent' } }));

      const all = await store().listWaiting('CreditCardQueue', { limit: 10 });
      expect(all.map((v) => v.value.id)).toEqual(['c-first', 'c-a', 'c-b', 'c-late']);
      const firstTwo = await store().listWaiting('CreditCardQueue', { limit: 2 });
      expect(firstTwo.map((v) => v.value.id)).toEqual(['c-first', 'c-a']);
      expect(await store().listWaiting('NoSuchQueue', { limit: 10 })).toEqual([]);
    });

    it('lists the ids of a queue\'s waiting chats in the same order, without offered or other chats, up to the limit', async () => {
      await store().create(conversation('c-late', { enqueuedAt: at(3) }));
      await store().create(conversation('c-b', { enqueuedAt: at(1) }));
      await store().create(conversation('c-a', { enqueuedAt: at(1) }));
      const offered = await store().create(conversation('c-offered', { enqueuedAt: at(0) }));
      await store().replace({ ...offered.value, statusReason: 'Offered', offer: { agentId: 'agent-1', queue: 'CreditCardQueue', offeredAt: at(4), expiresAt: at(6), epoch: 1 }, epoch: 1 }, { ifMatch: offered.etag });
      await store().create(conversation('c-other-queue', { queue: 'HomeLoanQueue', enqueuedAt: at(0) }));

      expect(await store().listWaitingIds('CreditCardQueue', { limit: 10 })).toEqual(['c-a', 'c-b', 'c-late']);
      expect(await store().listWaitingIds('CreditCardQueue', { limit: 2 })).toEqual(['c-a', 'c-b']);
      expect(await store().listWaitingIds('NoSuchQueue', { limit: 10 })).toEqual([]);
    });

    it('returns list results with ETags that a conditional write accepts', async () => {
      await store().create(conversation('c-1'));
      const [waiting] = await store().listWaiting('CreditCardQueue', { limit: 1 });
      if (!waiting) throw new Error('expected a waiting conversation');
      await store().replace(assign(waiting.value, 'agent-1'), { ifMatch: waiting.etag });

      expect(await store().listWaiting('CreditCardQueue', { limit: 10 })).toEqual([]);
      expect((await store().listByAssignee('agent-1')).map((v) => v.value.id)).toEqual(['c-1']);
    });

    it('names each queue that has at least one waiting conversation, once', async () => {
      await store().create(conversation('c-1', { queue: 'CreditCardQueue' }));
      await store().create(conversation('c-2', { queue: 'CreditCardQueue' }));
      await store().create(conversation('c-3', { queue: 'HomeLoanQueue' }));
      await store().create(conversation('c-4', { queue: 'BotQueue', status: 'Active', assignee: { id: 'bot-1', kind: 'bot' } }));
      await store().create(conversation('c-5', { queue: null, status: 'Closed', statusReason: 'ConversationEndedByBot' }));

      const waiting = await Promise.all(['CreditCardQueue', 'HomeLoanQueue', 'BotQueue', 'DefaultQueue'].map((q) => store().hasWaiting(q)));
      expect(waiting).toEqual([true, true, false, false]);
      const counts = await Promise.all(['CreditCardQueue', 'HomeLoanQueue', 'BotQueue'].map((q) => store().countWaiting(q)));
      expect(counts).toEqual([2, 1, 0]);
    });

    it('leaves a chat with a live offer out of the waiting queries while it is offered, and back in its place once declined', async () => {
      await store().create(conversation('c-first', { enqueuedAt: at(0) }));
      const offered = await store().create(conversation('c-offered', { enqueuedAt: at(1) }));
      await store().create(conversation('c-last', { enqueuedAt: at(2) }));
      const live = { agentId: 'agent-1', queue: 'CreditCardQueue', offeredAt: at(3), expiresAt: at(5), epoch: 1 };
      const withOffer = await store().replace({ ...offered.value, statusReason: 'Offered', offer: live, epoch: 1 }, { ifMatch: offered.etag });

      expect((await store().listWaiting('CreditCardQueue', { limit: 10 })).map((v) => v.value.id)).toEqual(['c-first', 'c-last']);
      expect(await store().countWaiting('CreditCardQueue')).toBe(2);
      expect(await store().getState('c-offered')).toEqual({ status: 'Open', assignee: null, size: { messageCount: 0, bytes: 0 } });

      await store().replace({ ...withOffer.value, statusReason: 'AwaitingAgentAssignment', offer: null, epoch: 2 }, { ifMatch: withOffer.etag });
      expect((await store().listWaiting('CreditCardQueue', { limit: 10 })).map((v) => v.value.id)).toEqual(['c-first', 'c-offered', 'c-last']);
      expect(await store().countWaiting('CreditCardQueue')).toBe(3);
    });

    it('says no queue has a waiting chat when its only chat is offered', async () => {
      const created = await store().create(conversation('c-1'));
      await store().replace({ ...created.value, statusReason: 'Offered', offer: { agentId: 'agent-1', queue: 'CreditCardQueue', offeredAt: at(1), expiresAt: at(3), epoch: 1 }, epoch: 1 }, { ifMatch: created.etag });
      expect(await store().hasWaiting('CreditCardQueue')).toBe(false);
    });

    it('lists the conversations of an assignee that are not Closed', async () => {
      await store().create(assign(conversation('c-1'), 'agent-1'));
      await store().create({ ...assign(conversation('c-2'), 'agent-1'), status: 'WrapUp', statusReason: 'AgentMovedToWrapUp' });
      await store().create({ ...assign(conversation('c-3'), 'agent-1'), status: 'Closed', statusReason: 'ConversationEndedByAgent' });
      await store().create(assign(conversation('c-4'), 'agent-2'));
      await store().create(conversation('c-5'));

      const held = await store().listByAssignee('agent-1');
      expect(held.map((v) => v.value.id).sort()).toEqual(['c-1', 'c-2']);
      expect(await store().listByAssignee('agent-3')).toEqual([]);
    });

    it("lists a customer's conversations newest first, Closed ones included, up to the limit", async () => {
      const of = (id: string, customerId: string, createdAt: string, extra: Partial<Conversation> = {}) => ({ ...conversation(id, extra), customer: { id: customerId, name: 'Dana' }, createdAt });
      await store().create(of('c-old', 'dl_dana', at(1), { status: 'Closed', statusReason: 'ConversationEndedByAgent', queue: null }));
      await store().create(of('c-new', 'dl_dana', at(5)));
      await store().create(of('c-mid', 'dl_dana', at(3)));
      await store().create(of('c-other', 'dl_eve', at(4)));
      expect((await store().listByCustomer('dl_dana', { limit: 10 })).map((v) => v.value.id)).toEqual(['c-new', 'c-mid', 'c-old']);
      expect((await store().listByCustomer('dl_dana', { limit: 2 })).map((v) => v.value.id)).toEqual(['c-new', 'c-mid']);
      expect(await store().listByCustomer('dl_nobody', { limit: 10 })).toEqual([]);
    });

    it('lists unclosed conversations last updated strictly before a time, up to the limit', async () => {
      await store().create(conversation('c-old', { updatedAt: at(1) }));
      await store().create(conversation('c-older', { updatedAt: at(0) }));
      await store().create(conversation('c-at-cutoff', { updatedAt: at(5) }));
      await store().create(conversation('c-new', { updatedAt: at(9) }));
      await store().create(conversation('c-closed', { updatedAt: at(0), status: 'Closed', statusReason: 'AutoClosedBySystem', queue: null }));

      const stale = await store().listUnclosedUpdatedBefore(at(5), { limit: 10 });
      expect(stale.map((v) => v.value.id).sort()).toEqual(['c-old', 'c-older']);
      expect(await store().listUnclosedUpdatedBefore(at(5), { limit: 1 })).toHaveLength(1);
    });

    it('keeps the list queries in step with replaced documents', async () => {
      const created = await store().create(conversation('c-1', { updatedAt: at(0) }));
      await store().replace({ ...created.value, status: 'Closed', statusReason: 'AutoClosedBySystem', queue: null, updatedAt: at(9) }, { ifMatch: created.etag });

      expect(await store().listWaiting('CreditCardQueue', { limit: 10 })).toEqual([]);
      expect(await store().hasWaiting('CreditCardQueue')).toBe(false);
      expect(await store().listUnclosedUpdatedBefore(at(20), { limit: 10 })).toEqual([]);
    });
  });
}

export function describeAgentStoreContract(name: string, makeStore: MakeStore<AgentStore>): void {
  describe(`AgentStore contract: ${name}`, () => {
    const store = useStore(makeStore);

    describeConditionalWrites('an agent', store, {
      make: (id) => agent(id),
      increment: (doc) => ({ ...doc, reservations: [...doc.reservations, reservation(`conv-${doc.reservations.length}`)] }),
      counter: (doc) => doc.reservations.length,
      mutateNested: (doc) => {
        doc.reservations.push(reservation('conv-x'));
        doc.lastAssignedAtByQueue.CreditCardQueue = at(9);
      },
    });

    it('lists every agent', async () => {
      await store().create(agent('agent-2'));
      await store().create(agent('agent-1', { presence: 'Busy' }));

      const agents = await store().list();
      expect(agents.map((v) => [v.value.id, v.value.presence]).sort()).toEqual([
        ['agent-1', 'Busy'],
        ['agent-2', 'Available'],
      ]);
      expect(agents.every((v) => typeof v.etag === 'string' && v.etag.length > 0)).toBe(true);
    });

    it('never lets concurrent claims reserve more than the capacity (a claim commits with If-Match)', async () => {
      const capacity = 3;
      await store().create(agent('agent-1'));

      const claim = async (conversationId: string): Promise<boolean> => {
        for (;;) {
          const current = await readOrFail(store(), 'agent-1');
          if (current.value.reservations.length >= capacity) return false;
          const next = { ...current.value, reservations: [...current.value.reservations, reservation(conversationId)] };
          try {
            await store().replace(next, { ifMatch: current.etag });
            return true;
          } catch (error) {
            if (!isStoreError(error, 'PreconditionFailed')) throw error;
          }
        }
      };
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(`conv-${i}`)));

      expect(results.filter(Boolean)).toHaveLength(capacity);
      expect((await readOrFail(store(), 'agent-1')).value.reservations).toHaveLength(capacity);
    });
  });
}

export function describeQueueStatsStoreContract(name: string, makeStore: MakeStore<QueueStatsStore>): void {
  describe(`QueueStatsStore contract: ${name}`, () => {
    const store = useStore(makeStore);
    const stats = (queue: string, samples: number): QueueStats => ({ queue, averageWaitMs: 1000 * samples, samples, updatedAt: at(samples) });

    it('creates, reads and replaces a queue\'s record with If-Match, by queue name (any characters)', async () => {
      expect(await store().get('Credit/Card?')).toBeUndefined();
      const created = await store().create(stats('Credit/Card?', 1));
      expect(await store().get('Credit/Card?')).toEqual(created);
      expect(created.value).toEqual(stats('Credit/Card?', 1));
      await expect(store().create(stats('Credit/Card?', 1))).rejects.toMatchObject({ name: 'StoreError', code: 'Conflict' });

      const replaced = await store().replace(stats('Credit/Card?', 2), { ifMatch: created.etag });
      expect(replaced.etag).not.toBe(created.etag);
      await expect(store().replace(stats('Credit/Card?', 3), { ifMatch: created.etag })).rejects.toMatchObject({ name: 'StoreError', code: 'PreconditionFailed' });
      await expect(store().replace(stats('Other', 1), { ifMatch: created.etag })).rejects.toMatchObject({ name: 'StoreError', code: 'NotFound' });
      expect((await store().get('Credit/Card?'))?.value).toEqual(stats('Credit/Card?', 2));
      expect(await store().get('Other')).toBeUndefined();
    });
  });
}

export function describeTranscriptStoreContract(name: string, makeStore: MakeStore<TranscriptStore>): void {
  describe(`TranscriptStore contract: ${name}`, () => {
    const store = useStore(makeStore);

    it('lists a conversation’s messages in append order', async () => {
      for (const id of ['m-3', 'm-1', 'm-2']) expect(await store().append(message('conv-1', id))).toBe(true);
      await store().append(message('conv-2', 'm-9'));

      expect((await store().list('conv-1')).map((m) => m.id)).toEqual(['m-3', 'm-1', 'm-2']);
      expect(await store().list('conv-1')).toEqual([message('conv-1', 'm-3'), message('conv-1', 'm-1'), message('conv-1', 'm-2')]);
      expect(await store().list('no-such-conversation')).toEqual([]);
    });

    it('ignores a message whose id the conversation already has, and keeps the first', async () => {
      expect(await store().append(message('conv-1', 'm-1', 'first'))).toBe(true);
      expect(await store().append(message('conv-1', 'm-2'))).toBe(true);
      expect(await store().append(message('conv-1', 'm-1', 'second'))).toBe(false);

      expect((await store().list('conv-1')).map((m) => [m.id, m.text])).toEqual([
        ['m-1', 'first'],
        ['m-2', 'hello'],
      ]);
    });

    it('replaces a message in place, and reports a message it does not have', async () => {
      for (const id of ['m-1', 'm-2', 'm-3']) await store().append(message('conv-1', id));
      expect(await store().replace({ ...message('conv-1', 'm-2', 'edited'), editedAt: '2026-01-01T00:00:00.000Z' })).toBe(true);
      expect(await store().replace(message('conv-1', 'm-9', 'ghost'))).toBe(false);
      expect(await store().replace(message('conv-2', 'm-1', 'elsewhere'))).toBe(false);
      const listed = await store().list('conv-1');
      expect(listed.map((m) => [m.id, m.text])).toEqual([['m-1', 'hello'], ['m-2', 'edited'], ['m-3', 'hello']]);
      expect(listed[1]?.editedAt).toBe('2026-01-01T00:00:00.000Z');
    });

    it('gets one message by id, as first appended and as replaced, and nothing for an id it does not have', async () => {
      for (const id of ['m-1', 'm-2']) await store().append(message('conv-1', id));
      await store().append(message('conv-1', 'm-1', 'second'));
      expect(await store().get('conv-1', 'm-1')).toEqual(message('conv-1', 'm-1'));
      await store().replace(message('conv-1', 'm-2', 'edited'));
      expect(await store().get('conv-1', 'm-2')).toEqual(message('conv-1', 'm-2', 'edited'));
      expect(await store().get('conv-1', 'm-9')).toBeUndefined();
      expect(await store().get('conv-2', 'm-1')).toBeUndefined();
    });

    it('scopes message ids to their conversation', async () => {
      expect(await store().append(message('conv-1', 'm-1'))).toBe(true);
      expect(await store().append(message('conv-2', 'm-1'))).toBe(true);
      expect(await store().list('conv-2')).toHaveLength(1);
    });

    it('accepts exactly one of concurrent appends of the same message', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => store().append(message('conv-1', 'm-1'))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store().list('conv-1')).toHaveLength(1);
    });

    it('reads a transcript in pages: in append order, `next` to continue, null at the end', async () => {
      for (let i = 1; i <= 5; i++) {
        await store().append(message('conv-1', `m-${i}`));
        await store().append(message('conv-2', `other-${i}`));
      }
      const first = await store().listPage('conv-1', { limit: 2 });
      expect(first.messages).toEqual([message('conv-1', 'm-1'), message('conv-1', 'm-2')]);
      expect(first.next).toMatch(POSITION_PATTERN);
      const second = await store().listPage('conv-1', { after: first.next!, limit: 2 });
      expect(second.messages.map((m) => m.id)).toEqual(['m-3', 'm-4']);
      expect(second.last).toBe(second.next);
      const last = await store().listPage('conv-1', { after: second.next!, limit: 2 });
      expect(last).toEqual({ messages: [message('conv-1', 'm-5')], next: null, last: expect.stringMatching(POSITION_PATTERN) });
      expect(await store().listPage('conv-1', { limit: 5 })).toMatchObject({ next: null, last: last.last });
      // The last position is a watermark: nothing after it, until something is appended.
      expect(await store().listPage('conv-1', { after: last.last!, limit: 5 })).toEqual({ messages: [], next: null, last: null });
      await store().append(message('conv-1', 'm-6'));
      expect((await store().listPage('conv-1', { after: last.last!, limit: 5 })).messages.map((m) => m.id)).toEqual(['m-6']);
      expect(await store().listPage('no-such-conversation', { limit: 5 })).toEqual({ messages: [], next: null, last: null });
    });

    it('continues a page from its position when messages are appended after it was read', async () => {
      for (const id of ['m-1', 'm-2']) await store().append(message('conv-1', id));
      const first = await store().listPage('conv-1', { limit: 1 });
      await store().append(message('conv-1', 'm-3'));
      const rest = await store().listPage('conv-1', { after: first.next!, limit: 10 });
      expect(rest).toMatchObject({ messages: [message('conv-1', 'm-2'), message('conv-1', 'm-3')], next: null });
    });

    it('leaves out what the audience may not see in the store, so pages come back full and the position holds', async () => {
      const hidden = (id: string) => ({ ...message('conv-1', id, 'for agents'), visibility: 'agents' as const });
      const deleted = (id: string) => ({ ...message('conv-1', id, ''), deletedAt: at(2) });
      const appended = [message('conv-1', 'm-1'), hidden('h-1'), hidden('h-2'), message('conv-1', 'm-2'), deleted('d-1'), message('conv-1', 'm-3'), hidden('h-3')];
      for (const m of appended) await store().append({ ...m, deletedAt: undefined });
      await store().replace(deleted('d-1'));

      const customer = await store().listPage('conv-1', { limit: 2, audience: 'customer' });
      expect(customer.messages.map((m) => m.id)).toEqual(['m-1', 'm-2']);
      expect(await store().listPage('conv-1', { after: customer.next!, limit: 2, audience: 'customer' })).toMatchObject({ messages: [message('conv-1', 'm-3')], next: null });

      const agent = await store().listPage('conv-1', { limit: 4, audience: 'agent' });
      expect(agent.messages.map((m) => m.id)).toEqual(['m-1', 'h-1', 'h-2', 'm-2']);
      const agentRest = await store().listPage('conv-1', { after: agent.next!, limit: 4, audience: 'agent' });
      expect(agentRest).toMatchObject({ messages: [message('conv-1', 'm-3'), hidden('h-3')], next: null });
      expect((await store().listPage('conv-1', { limit: 10 })).messages.map((m) => m.id)).toEqual(appended.map((m) => m.id));
    });

    it('keeps stored messages apart from the objects callers hold', async () => {
      const original = message('conv-1', 'm-1');
      await store().append(original);
      original.text = 'changed after append';
      const [read] = await store().list('conv-1');
      if (!read) throw new Error('expected a message');
      read.text = 'changed after read';

      expect((await store().list('conv-1'))[0]?.text).toBe('hello');
    });
  });
}

interface DocumentStore<T> {
  get(id: string): Promise<Versioned<T> | undefined>;
  create(doc: T): Promise<Versioned<T>>;
  replace(doc: T, options: { ifMatch: string }): Promise<Versioned<T>>;
}

interface DocumentKit<T> {
  make(id: string): T;
  /** The document with its counter one higher. */
  increment(doc: T): T;
  counter(doc: T): number;
  /** Changes something nested in place, to prove the store kept its own copy. */
  mutateNested(doc: T): void;
}

/** The conditional-write contract that conversation and agent documents share (Cosmos If-Match semantics). `kind` reads 'a conversation'. */
function describeConditionalWrites<T extends { id: string }>(kind: string, store: () => DocumentStore<T>, kit: DocumentKit<T>): void {
  it(`creates ${kind} and reads it back with an ETag`, async () => {
    const created = await store().create(kit.make('doc-1'));
    expect(created.value).toEqual(kit.make('doc-1'));
    expect(typeof created.etag).toBe('string');
    expect(created.etag.length).toBeGreaterThan(0);

    expect(await store().get('doc-1')).toEqual(created);
    expect(await store().get('no-such-id')).toBeUndefined();
  });

  it(`rejects creating ${kind} whose id exists with 'Conflict', changing nothing`, async () => {
    const created = await store().create(kit.make('doc-1'));
    await expect(store().create(kit.increment(kit.make('doc-1')))).rejects.toMatchObject({ name: 'StoreError', code: 'Conflict' });
    expect(await store().get('doc-1')).toEqual(created);
  });

  it(`replaces ${kind} presenting the current ETag, and gives it a new ETag`, async () => {
    const created = await store().create(kit.make('doc-1'));
    const replaced = await store().replace(kit.increment(created.value), { ifMatch: created.etag });

    expect(replaced.etag).not.toBe(created.etag);
    expect(kit.counter(replaced.value)).toBe(kit.counter(created.value) + 1);
    expect(await store().get('doc-1')).toEqual(replaced);
  });

  it(`rejects a replace of ${kind} with a stale ETag with 'PreconditionFailed', changing nothing`, async () => {
    const created = await store().create(kit.make('doc-1'));
    const replaced = await store().replace(kit.increment(created.value), { ifMatch: created.etag });

    await expect(store().replace(kit.increment(kit.increment(created.value)), { ifMatch: created.etag })).rejects.toMatchObject({
      name: 'StoreError',
      code: 'PreconditionFailed',
    });
    expect(await store().get('doc-1')).toEqual(replaced);
  });

  it(`rejects a replace of ${kind} that does not exist with 'NotFound'`, async () => {
    const other = await store().create(kit.make('doc-1'));
    await expect(store().replace(kit.make('no-such-id'), { ifMatch: other.etag })).rejects.toMatchObject({ name: 'StoreError', code: 'NotFound' });
    expect(await store().get('no-such-id')).toBeUndefined();
  });

  it(`keeps ${kind} in the store apart from the objects callers hold`, async () => {
    const original = kit.make('doc-1');
    const created = await store().create(original);
    kit.mutateNested(original);
    kit.mutateNested(created.value);
    const read = await readOrFail(store(), 'doc-1');
    kit.mutateNested(read.value);

    expect((await readOrFail(store(), 'doc-1')).value).toEqual(kit.make('doc-1'));
  });

  it(`loses no update when 20 writers increment ${kind} concurrently, retrying on 'PreconditionFailed'`, async () => {
    await store().create(kit.make('doc-1'));
    let conflicts = 0;
    const incrementWithRetry = async (): Promise<void> => {
      for (;;) {
        const current = await readOrFail(store(), 'doc-1');
        try {
          await store().replace(kit.increment(current.value), { ifMatch: current.etag });
          return;
        } catch (error) {
          if (!isStoreError(error, 'PreconditionFailed')) throw error;
          conflicts += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, incrementWithRetry));

    expect(kit.counter((await readOrFail(store(), 'doc-1')).value)).toBe(kit.counter(kit.make('doc-1')) + 20);
    // The writers really raced (otherwise this test would prove nothing).
    expect(conflicts).toBeGreaterThan(0);
  });

  it(`lets exactly one of 20 concurrent replaces of ${kind} from the same ETag win`, async () => {
    const created = await store().create(kit.make('doc-1'));
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => store().replace(kit.increment(created.value), { ifMatch: created.etag })));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(isStoreError(outcome.reason, 'PreconditionFailed')).toBe(true);
    }
    expect(kit.counter((await readOrFail(store(), 'doc-1')).value)).toBe(kit.counter(created.value) + 1);
  });
}

/** A fresh store per test, closed after it. */
function useStore<S>(makeStore: MakeStore<S>): () => S {
  let current: { store: S; close(): Promise<void> } | undefined;
  beforeEach(async () => {
    current = await makeStore();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('The store is only available inside a test.');
    return current.store;
  };
}

async function readOrFail<T>(store: DocumentStore<T>, id: string): Promise<Versioned<T>> {
  const found = await store.get(id);
  if (!found) throw new Error(`Expected document '${id}' to exist.`);
  return found;
}

const BASE_TIME = Date.parse('2025-01-01T08:00:00.000Z');

/** An ISO time `minutes` after a fixed base. */
export function describeCustomerSightingsContract(name: string, makeStore: MakeStore<CustomerSightings>): void {
  describe(`CustomerSightings contract: ${name}`, () => {
    let current: Awaited<ReturnType<MakeStore<CustomerSightings>>>;
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(() => current.close());

    it('keeps the latest sighting per conversation, whatever order they are written in', async () => {
      const sightings = current.store;
      expect(await sightings.lastSeen('conv-1')).toBeUndefined();
      await sightings.markSeen('conv-1', at(2));
      await sightings.markSeen('conv-1', at(1));
      await sightings.markSeen('conv-2', at(5));
      expect(await sightings.lastSeen('conv-1')).toBe(at(2));
      await sightings.markSeen('conv-1', at(3));
      expect(await sightings.lastSeen('conv-1')).toBe(at(3));
      expect(await sightings.lastSeen('conv-2')).toBe(at(5));
    });
  });
}

export function at(minutes: number): string {
  return new Date(BASE_TIME + minutes * 60_000).toISOString();
}

/** A conversation document waiting in CreditCardQueue, for store tests. */
export function conversation(id: string, overrides: Partial<Conversation> = {}): Conversation {
  const status: ConversationStatus = overrides.status ?? 'Open';
  return {
    id,
    workstream: 'ChatWorkStream',
    customer: { id: `customer-of-${id}`, name: 'Ada' },
    channel: 'chat',
    status,
    statusReason: 'AwaitingAgentAssignment',
    queue: 'CreditCardQueue',
    assignee: null,
    context: { BotHandoffTopic: 'CreditCard', Amount: 42 },
    escalationSummary: null,
    excludedBots: [],
    epoch: 0,
    enqueuedAt: at(0),
    customerMessagesAtEnqueue: 0,
    assignedAt: null,
    assignmentAnnounced: false,
    wrapUpAt: null,
    closedAt: null,
    createdAt: at(0),
    updatedAt: at(0),
    botSession: null,
    customerMessageCount: 0,
    counters: { escalations: 0, transfers: 0 },
    escalatedAt: null,
    handoffBotId: null,
    firstAgentAssignedAt: null,
    history: [{ type: 'routed', at: at(0), rule: 'CreditCardRule', queue: 'CreditCardQueue', reason: 'start' }],
    applied: [],
    outbox: null,
    ...overrides,
  };
}

function assign(doc: Conversation, agentId: string): Conversation {
  return { ...doc, status: 'Active', statusReason: 'InConversation', assignee: { id: agentId, kind: 'agent' }, assignedAt: at(1), updatedAt: at(1) };
}

function agent(id: string, overrides: Partial<AgentState> = {}): AgentState {
  return {
    id,
    presence: 'Available',
    reservations: [],
    lastAssignedAt: null,
    lastAssignedAtByQueue: {},
    lastReleasedAt: null,
    updatedAt: at(0),
    ...overrides,
  };
}

function reservation(conversationId: string): AgentState['reservations'][number] {
  return { conversationId, queue: 'CreditCardQueue', units: 1, at: at(1) };
}

function message(conversationId: string, id: string, text = 'hello'): TranscriptMessage {
  return { id, conversationId, role: 'customer', authorId: 'customer-1', text, timestamp: at(0), visibility: 'everyone' };
}
