import { InMemoryTypingSignals } from '../../shared/adapters/inMemoryTypingSignals';
import { describeTypingSignalsContract } from './typingSignalsContract';

/** The typing signals' contract against the in-memory twin; cosmosStores.test.ts runs it against Cosmos DB. */
describeTypingSignalsContract('in memory', async () => ({ store: new InMemoryTypingSignals(), close: async () => undefined }));
