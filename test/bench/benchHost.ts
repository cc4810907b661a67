import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentUser, Config } from '../../shared/core/config';
import type { Conversation } from '../../shared/core/conversation';
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../shared/host/local/localHost';
import type { BotClient } from '../../shared/ports/botClient';
import type { ConversationStore } from '../../shared/ports/conversationStore';
import { conversationCommandMessage } from '../../shared/usecases/commands';
import { sampleConfig } from '../support/localHostHarness';

/**
 * The local host as the benchmarks run it: on a data directory of its own (a SQLite file in WAL
 * mode, as `npm start` keeps its data; BENCH_MEMORY=1 runs it in memory instead, to see what the file
 * costs), no sweep timer, and a bot client that answers 200 at once.
 * Chats are still held by the demo bot (its id, its queue, its connector rights); only the HTTP hop
 * to the bot's messaging endpoint is left out, so the load generator is the only HTTP client.
 */
export const nullBots: BotClient = { postActivity: async () => ({ status: 200 }) };

/** Where the benches keep the host's data, as their reports say. */
export const BENCH_ON_DISK = !process.env.BENCH_MEMORY;
export const BENCH_STORAGE = BENCH_ON_DISK ? 'a SQLite file in WAL mode (as npm start)' : 'SQLite in memory (BENCH_MEMORY=1)';

/**
 * The tests' sample configuration has the rate limits off (every test client calls from one address).
 * BENCH_RATE_LIMITS=1 turns them on, so high that none refuses: what counting every request costs.
 */
export const BENCH_RATE_LIMITED = !!process.env.BENCH_RATE_LIMITS;
const NEVER_REACHED = { requests: 1e12, perSeconds: 1 };

export function benchConfig(change: (config: Config) => void = () => undefined): Config {
  return sampleConfig((config) => {
    if (BENCH_RATE_LIMITED) config.limits.rate = { chatStartsPerAddress: NEVER_REACHED, requestsPerAddress: NEVER_REACHED, requestsPerToken: NEVER_REACHED };
    change(config);
  });
}

export async function startBenchHost(options: Partial<LocalHostOptions> = {}): Promise<LocalHost> {
  const dataDir = BENCH_ON_DISK ? mkdtempSync(join(tmpdir(), 'switchboard-bench-')) : ':memory:';
  const host = await startLocalHost({ config: benchConfig(), dataDir, port: 0, sweepPeriodInMs: 0, bots: nullBots, ...options });
  if (!BENCH_ON_DISK) return host;
  return {
    ...host,
    close: async () => {
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The sample configuration with `count` extra agents of `capacity` in the given queues. */
export function configWithAgents(count: number, capacity: number, queues: readonly string[]): Config {
  return benchConfig((config) => {
    const agents: AgentUser[] = Array.from({ length: count }, (_, i) => ({
      id: `agent-${i}`, kind: 'agent', name: `Agent ${i}`, capacity, token: `dev-agent-${i}`, presence: 'Available',
    }));
    config.users.push(...agents);
    for (const queue of config.queues) if (queues.includes(queue.name)) queue.members.push(...agents.map((a) => a.id));
  });
}

export interface BotHeldChat {
  conversationId: string;
  token: string;
}

/**
 * Starts `count` chats through the conversation-commands queue (what POST /api/chats enqueues),
 * lets BotRule give them to the demo bot, and waits until every one is Active with the bot and
 * announced. Returns them with their customer tokens.
 */
export async function createBotHeldChats(host: LocalHost, count: number, batch = 250): Promise<BotHeldChat[]> {
  const s = host.services;
  const ids = Array.from({ length: count }, () => randomUUID());
  for (let i = 0; i < ids.length; i += batch) {
    await s.bus.send(ids.slice(i, i + batch).map((conversationId, j) => conversationCommandMessage({
      type: 'start', conversationId, key: `start:${conversationId}`, workstream: s.directory.defaultWorkstream.name,
      customer: { id: `customer-${conversationId}`, name: `Customer ${i + j}` }, context: {},
    })));
    // Bounded backlog: the bus holds a batch at a time, as a client pool would.
    await host.bus.whenIdle({ timeoutInMs: 120_000 });
  }
  for (const id of ids) {
    const c = (await s.conversations.get(id))?.value;
    if (!c || c.status !== 'Active' || c.assignee?.id !== 'demo-bot' || !c.assignmentAnnounced) {
      throw new Error(`chat ${id} is not held by the demo bot: ${c ? `${c.status} ${c.assignee?.id}` : 'missing'}`);
    }
  }
  return ids.map((conversationId) => ({ conversationId, token: s.customerTokens.issue(conversationId, s.clock.now()).token }));
}

/**
 * Wraps the conversation store so every committed write is reported, at the moment its
 * conditional write returns: a cheap observer for "durable" that costs one callback per write.
 */
export function observeConversationWrites(host: LocalHost, onWrite: (conversation: Conversation) => void): () => void {
  const original = host.services.conversations;
  const writes: Pick<ConversationStore, 'create' | 'replace'> = {
    create: async (c) => {
      const written = await original.create(c);
      onWrite(c);
      return written;
    },
    replace: async (c, options) => {
      const written = await original.replace(c, options);
      onWrite(c);
      return written;
    },
  };
  // Everything else goes to the store untouched, whatever methods the port grows.
  host.services.conversations = new Proxy(original, {
    get(target, property) {
      if (property === 'create' || property === 'replace') return writes[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return () => {
    host.services.conversations = original;
  };
}
