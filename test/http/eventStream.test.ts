import { randomUUID } from 'node:crypto';
import { agentScope } from '../../shared/core/feed';
import type { InProcessChanges } from '../../shared/adapters/inProcessChanges';
import { loadFunctions } from '../../shared/host/local/functionsLoader';
import { registerHttp } from '../../shared/host/registry';
import { services } from '../../shared/host/runtime';
import { edge, param } from '../../shared/http/edge';
import { acceptsEventStream, eventStreamResponse, type EventStreamOptions } from '../../shared/http/eventStream';
import type { ConversationChanges } from '../../shared/ports/conversationChanges';
import { feedSource } from '../../shared/usecases/liveStream';
import { eventually, hostPerTest, startTestHost, type TestHost } from '../support/localHostHarness';
import { MemoryEventFeed } from '../support/memoryEventFeed';
import { SseClient, SseParser, type SseMessage } from '../support/sseClient';

/**
 * The live-stream transport (docs/workspace-api.md "Live streams") over real loopback HTTP and the real
 * local host: SSE with resume, its lifetime, pings and resets, the long-poll fallback, a client that goes
 * away, shutdown, and load shedding. The agent's and supervisor's routes are wired with their auth
 * elsewhere; here a test-only route serves one scope of an in-memory feed (test/support/memoryEventFeed.ts)
 * until the stored feeds exist.
 */
loadFunctions(); // the host's own registrations first (and SWITCHBOARD_HOST=local: the route below stays out of app.*)
let feed = new MemoryEventFeed();
let streamOptions: EventStreamOptions = {};
/** Waits the test route's readers have armed and not yet let go. */
let waiting = 0;

registerHttp({
  name: 'testLiveEvents',
  methods: ['GET'],
  route: 'test/live/{name}',
  heldOpen: true,
  handler: edge(async (request, context) => {
    const s = await services();
    return eventStreamResponse(request, context, feedSource({ feed, changes: counted(s.changes) }, agentScope(param(request, 'name'))), streamOptions);
  }),
});

function counted(changes: ConversationChanges): ConversationChanges {
  return {
    next: (key, timeoutInMs, options) => {
      waiting += 1;
      return changes.next(key, timeoutInMs, options).finally(() => {
        waiting -= 1;
      });
    },
  };
}

const { start } = hostPerTest();
const clients: SseClient[] = [];
beforeEach(() => {
  feed = new MemoryEventFeed();
  streamOptions = {};
});
afterEach(() => clients.splice(0).forEach((client) => client.close()));

let appended = 0;

/** Appends `count` events to the scope `name` (data: a running number), and wakes its readers as the host's feed will. */
async function append(h: TestHost, name: string, count: number, at = new Date().toISOString()): Promise<void> {
  const events = Array.from({ length: count }, () => ({ scope: agentScope(name), id: randomUUID(), type: 'message', at, data: { n: ++appended } }));
  await feed.append(events);
  (h.services.changes as InProcessChanges).notify(agentScope(name));
}

async function open(h: TestHost, query = '', headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(`${h.baseUrl}/api/test/live/alice${query}`, headers);
  clients.push(client);
  return client;
}

function poll(h: TestHost, query: string) {
  return h.api.call('GET', `test/live/alice${query}`, { headers: { accept: 'application/json' } });
}

const ids = (messages: SseMessage[]) => messages.map((m) => m.lastEventId);

describe('Server-Sent Events', () => {
  test('the response is an event stream (no length, nothing buffered): retry first, then each event as it is appended, in order', async () => {
    const h = await start({});
    const client = await open(h, '?after=0');
    expect(client.response.status).toBe(200);
    expect(Object.fromEntries(['content-type', 'cache-control', 'x-accel-buffering', 'content-length'].map((name) => [name, client.response.headers.get(name)]))).toEqual({
      'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', 'content-length': null,
    });
    await eventually('retry', async () => client.retry);
    expect(client.raw.startsWith('retry: 2000\n')).toBe(true);

    await append(h, 'alice', 3);
    await client.received(3);
    // Then more while the same response is open: it is written as it comes, not at its end.
    await append(h, 'alice', 2);
    await client.received(5);
    const events = client.events();
    expect(events.map((e) => [e.id, e.type])).toEqual(['1', '2', '3', '4', '5'].map((id) => [id, 'message']));
    const appendedAs = events.map((e) => (e.data as { n: number }).n);
    expect(appendedAs).toEqual(appendedAs.map((_, i) => appendedAs[0]! + i));
    expect(client.raw).toContain('id: 1\nevent: message\ndata: {"n":');
    expect(client.endedByServer).toBe(false);
  });

  test('a reconnect with Last-Event-ID resumes right after it: what was appended meanwhile comes once, nothing before it again', async () => {
    const h = await start({});
    const first = await open(h, '?after=0');
    await append(h, 'alice', 3);
    await first.received(3);
    first.close();
    await eventually('the first stream let go of its wait', async () => (waiting === 0 ? true : undefined));
    await append(h, 'alice', 4);

    // The URL still says after=0, as an EventSource's reconnect repeats it: the header wins.
    const second = await open(h, '?after=0', { 'last-event-id': first.lastEventId });
    await second.received(4);
    await append(h, 'alice', 1);
    await second.received(5);
    expect(ids(second.messages)).toEqual(['4', '5', '6', '7', '8']);
  });

  test('the server ends a stream after its lifetime; the client resumes from its last id and loses nothing', async () => {
    const h = await start({});
    streamOptions = { lifetimeInMs: 1000 };
    const first = await open(h, '?after=0');
    await append(h, 'alice', 2);
    await first.received(2);
    await first.ended;
    expect(first.endedByServer).toBe(true);
    await append(h, 'alice', 2);

    const second = await open(h, '', { 'last-event-id': first.lastEventId });
    await second.received(2);
    expect([...ids(first.messages), ...ids(second.messages)]).toEqual(['1', '2', '3', '4']);
  });

  test('a stream opened without a cursor starts at the present and tells its place at once, so a reconnect before any event loses nothing', async () => {
    const h = await start({});
    await append(h, 'alice', 2);
    const first = await open(h);
    await eventually('the stream\'s place', async () => (first.lastEventId === '2' ? true : undefined));
    expect(first.messages).toEqual([]);
    first.close();
    await append(h, 'alice', 1);

    const second = await open(h, '', { 'last-event-id': first.lastEventId });
    expect(ids(await second.received(1))).toEqual(['3']);
  });

  test('an idle stream sends a ping comment on schedule, and the heartbeat runs as it opens and with every ping', async () => {
    const h = await start({});
    let beats = 0;
    streamOptions = { pingEveryInMs: 50, heartbeat: async () => void (beats += 1) };
    const client = await open(h, '?after=0');
    await eventually('two pings', async () => (client.comments.filter((c) => c === 'ping').length >= 2 ? true : undefined));
    expect(beats).toBeGreaterThanOrEqual(3);
    expect(client.messages).toEqual([]);
  });

  test('a cursor whose events were pruned, or past the end, gets reset (then the stream goes on from the head)', async () => {
    const h = await start({});
    await append(h, 'alice', 3, '2000-01-01T00:00:00.000Z');
    await feed.prune('2001-01-01T00:00:00.000Z');
    const client = await open(h, '?after=1');
    await client.received(1);
    await append(h, 'alice', 1);
    await client.received(2);
    expect(client.events()).toEqual([{ id: '3', type: 'reset', data: {} }, { id: '4', type: 'message', data: expect.any(Object) }]);

    const ahead = await open(h, '', { 'last-event-id': '99' });
    expect((await ahead.received(1))[0]).toEqual({ lastEventId: '4', type: 'reset', data: '{}' });
    // An id the feed could never have given (an EventSource would stop for good at a 400): reset too.
    const foreign = await open(h, '', { 'last-event-id': 'not-a-cursor' });
    expect((await foreign.received(1))[0]).toEqual({ lastEventId: '4', type: 'reset', data: '{}' });
  });

  test('a bad ?after= is a 400 naming it, before any stream', async () => {
    const h = await start({});
    const client = await open(h, '?after=abc');
    expect(client.response.status).toBe(400);
    await client.ended;
    expect(JSON.parse(client.raw)).toEqual({ error: { code: 'InvalidQuery', message: expect.stringMatching(/^after: /) } });
  });

  test('a client that goes away stops the server\'s reads: its wait is let go at once, and nothing reads for it after', async () => {
    const h = await start({});
    const client = await open(h, '?after=0');
    await append(h, 'alice', 1);
    await client.received(1);
    await eventually('the stream waiting', async () => (waiting === 1 ? true : undefined));
    client.close();
    // The ping is 15 s away and the lifetime 4 minutes: only the cancel can end this wait now.
    await eventually('the stream let go of its wait', async () => (waiting === 0 ? true : undefined), 5000);
    const reads = feed.reads;
    await append(h, 'alice', 1);
    expect((await h.api.call('GET', 'health')).status).toBe(200);
    expect(feed.reads).toBe(reads);
  });
});

describe('long-poll fallback', () => {
  test('answers at once when there are events after the cursor', async () => {
    const h = await start({});
    await append(h, 'alice', 2);
    const res = await poll(h, '?after=0');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ events: [{ id: '1', type: 'message', data: expect.any(Object) }, { id: '2', type: 'message', data: expect.any(Object) }], cursor: '2' });
  }, 10_000); // well under the default wait of 20 s: a poll that waited it out fails here

  test('waits, and answers empty with the same cursor when nothing came; without a cursor it starts at the present', async () => {
    const h = await start({});
    await append(h, 'alice', 2);
    expect((await poll(h, '?after=2&wait=1')).body).toEqual({ events: [], cursor: '2' });
    expect((await poll(h, '?wait=0')).body).toEqual({ events: [], cursor: '2' });
  });

  test('a held poll answers as soon as an event is appended', async () => {
    const h = await start({});
    const held = poll(h, '?after=0&wait=20');
    await eventually('the poll waiting', async () => (waiting === 1 ? true : undefined));
    await append(h, 'alice', 1);
    expect((await held).body).toEqual({ events: [{ id: '1', type: 'message', data: expect.any(Object) }], cursor: '1' });
  }, 10_000);

  test('a pruned cursor gets reset and the head as its cursor', async () => {
    const h = await start({});
    await append(h, 'alice', 3, '2000-01-01T00:00:00.000Z');
    await feed.prune('2001-01-01T00:00:00.000Z');
    expect((await poll(h, '?after=0')).body).toEqual({ events: [{ id: '3', type: 'reset', data: {} }], cursor: '3' });
  });

  test.each([
    ['?wait=21', 'wait'], ['?wait=-1', 'wait'], ['?wait=1.5', 'wait'], ['?wait=abc', 'wait'], ['?wait=', 'wait'],
    ['?after=abc', 'after'], ['?after=-1', 'after'], ['?after=01', 'after'], ['?after=1e3', 'after'],
  ])('%s is a 400 InvalidQuery naming %s', async (query, name) => {
    const h = await start({});
    const res = await poll(h, query);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('InvalidQuery');
    expect(res.body.error.message.startsWith(`${name}: `)).toBe(true);
  });
});

test('shutdown ends open streams at once and answers held polls, well before their lifetime and wait', async () => {
  const h = await startTestHost({});
  const client = await SseClient.open(`${h.baseUrl}/api/test/live/alice?after=0`);
  await append(h, 'alice', 1);
  await client.received(1);
  const held = poll(h, '?after=1&wait=20');
  held.catch(() => undefined); // awaited below; a failure before that must not crash the run
  await eventually('the stream and the poll waiting', async () => (waiting === 2 ? true : undefined));
  await h.close();
  await client.ended;
  expect(client.endedByServer).toBe(true);
  expect((await held).body).toEqual({ events: [], cursor: '1' });
}, 10_000);

test('streams and held polls are neither shed nor counted in flight: at a limit of one request, three streams, a poll and a post all go through', async () => {
  const h = await start({ admission: { maxConcurrentRequests: 1, maxEventLoopDelayInMs: 10_000, maxEventLoopUtilization: 1 } });
  const streams = await Promise.all([open(h, '?after=0'), open(h, '?after=0'), open(h, '?after=0')]);
  const held = poll(h, '?after=0&wait=20');
  held.catch(() => undefined); // awaited below; a failure before that must not crash the run
  const response = await fetch(`${h.baseUrl}/api/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(response.status).toBe(201);
  await append(h, 'alice', 1);
  for (const stream of streams) expect(ids(await stream.received(1))).toEqual(['1']);
  expect((await held).body.cursor).toBe('1');
});

test('Accept decides: text/event-stream (not at q=0) is SSE, anything else the long-poll', () => {
  expect(acceptsEventStream('text/event-stream')).toBe(true);
  expect(acceptsEventStream('application/json, Text/Event-Stream;q=0.5')).toBe(true);
  expect(acceptsEventStream('text/event-stream;q=0')).toBe(false);
  expect(acceptsEventStream('application/json')).toBe(false);
  expect(acceptsEventStream('*/*')).toBe(false);
  expect(acceptsEventStream(null)).toBe(false);
});

test('the test client\'s parser follows the standard: line ends across chunks, BOM, comments, multi-line data, ids without events', () => {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const parser = new SseParser((m) => messages.push(m), (c) => comments.push(c));
  for (const chunk of ['\uFEFFretry: 2000\r', '\n\r\nid: 7\n\n: ping\n', 'event: a\ndata:x\rdata: y\r\n', '\r\nid: 8\nevent: b\ndata\n\ndata: lost at the end']) parser.feed(chunk);
  expect(parser.retry).toBe(2000);
  expect(comments).toEqual(['ping']);
  // `data` alone is a line of empty data: the event goes out with data "". What has no blank line after it never does.
  expect(messages).toEqual([{ lastEventId: '7', type: 'a', data: 'x\ny' }, { lastEventId: '8', type: 'b', data: '' }]);
});
