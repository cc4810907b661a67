import type { TypingSignal, TypingSignals } from '../../shared/ports/typingSignals';
import type { MakeStore } from './storeContract';

/** What every TypingSignals adapter does, run against the in-memory twin and Cosmos DB alike. */
export function describeTypingSignalsContract(name: string, makeStore: MakeStore<TypingSignals>): void {
  describe(`TypingSignals contract: ${name}`, () => {
    let store: TypingSignals;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await makeStore());
    });
    afterEach(() => close());

    const signal = (overrides: Partial<TypingSignal> = {}): TypingSignal => ({ conversationId: 'c-1', side: 'staff', userId: 'alice', at: '2024-05-01T09:00:00.000Z', ...overrides });

    it('gives back the latest signal of a side, and nothing for a side without one', async () => {
      expect(await store.get('c-1', 'staff')).toBeUndefined();
      await store.upsert(signal());
      await store.upsert(signal({ userId: 'demo-bot', at: '2024-05-01T09:00:03.000Z' }));
      expect(await store.get('c-1', 'staff')).toEqual(signal({ userId: 'demo-bot', at: '2024-05-01T09:00:03.000Z' }));
      expect(await store.get('c-1', 'customer')).toBeUndefined();
      expect(await store.get('c-2', 'staff')).toBeUndefined();
    });

    it('keeps the sides and the conversations apart', async () => {
      await store.upsert(signal({ side: 'customer', userId: 'dl_dana' }));
      await store.upsert(signal({ conversationId: 'c-2' }));
      expect(await store.get('c-1', 'customer')).toEqual(signal({ side: 'customer', userId: 'dl_dana' }));
      expect(await store.get('c-1', 'staff')).toBeUndefined();
      expect(await store.get('c-2', 'staff')).toEqual(signal({ conversationId: 'c-2' }));
    });

    it('deletes one side, and a delete of nothing is fine', async () => {
      await store.upsert(signal());
      await store.upsert(signal({ side: 'customer', userId: 'dl_dana' }));
      await store.delete('c-1', 'staff');
      await store.delete('c-1', 'staff');
      await store.delete('c-9', 'customer');
      expect(await store.get('c-1', 'staff')).toBeUndefined();
      expect(await store.get('c-1', 'customer')).toEqual(signal({ side: 'customer', userId: 'dl_dana' }));
    });

    it('hands out copies: changing what was written or read changes nothing stored', async () => {
      const written = signal();
      await store.upsert(written);
      written.userId = 'changed';
      const read = await store.get('c-1', 'staff');
      read!.at = 'changed';
      expect(await store.get('c-1', 'staff')).toEqual(signal());
    });

    it('takes conversation ids with characters item ids may not hold', async () => {
      const odd = 'conv/with?odd#chars';
      await store.upsert(signal({ conversationId: odd }));
      expect(await store.get(odd, 'staff')).toEqual(signal({ conversationId: odd }));
    });
  });
}
