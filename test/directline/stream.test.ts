import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { GREETING, HELP } from '../../shared/demo-bot/demoBot';
import { DirectLineClient, textOf, visitorToken } from '../support/directLineClient';
import { eventually, hostPerTest, sampleConfig, startTestHost, type TestHost } from '../support/localHostHarness';

/**
 * The local host's Direct Line stream (faces.md A.5) with botframework-directlinejs 0.15.5 in WebSocket
 * mode, against the real demo bot: the greeting sent before the socket opened, the echo, a socket the
 * server drops, a restart of the host, and the stream URL's own credential.
 */
const clients: DirectLineClient[] = [];
// Before the host closes: a client left running would reconnect to nowhere.
afterEach(() => clients.splice(0).forEach((client) => client.end()));
const { start } = hostPerTest();

async function connect(testHost: TestHost): Promise<DirectLineClient> {
  const { token, conversationId } = await visitorToken(testHost.baseUrl);
  const client = new DirectLineClient(testHost.baseUrl, { token, webSocket: true }, conversationId);
  clients.push(client);
  await client.online();
  return client;
}

/** Every activity the client got, by id: each must come once (the typing and end markers aside, which have ids of their own too). */
function idsSeenTwice(client: DirectLineClient): string[] {
  const ids = client.activities.map((activity) => activity.id ?? '');
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

test('the stream brings the greeting sent before it opened, and the echo of a message with its clientActivityID', async () => {
  const h = await start({});
  const client = await connect(h);
  await client.received('the greeting', (a) => textOf(a) === GREETING && a.from?.role === 'bot');
  expect(h.directLineStreams.open).toBe(1);

  await client.say('hello there', 'client-1');
  const echo = await client.received('the echo', (a) => (a.channelData as { clientActivityID?: string } | undefined)?.clientActivityID === 'client-1');
  expect(echo).toMatchObject({ type: 'message', text: 'hello there', id: expect.any(String), from: { id: client.userId, role: 'user' } });
  await client.received("the bot's answer", (a) => textOf(a) === HELP);
  expect(idsSeenTwice(client)).toEqual([]);
}, 30_000);

test('a socket the server drops: DLJS reconnects from its watermark, and what came meanwhile arrives once', async () => {
  const h = await start({});
  const client = await connect(h);
  await client.received('the greeting', (a) => textOf(a) === GREETING);

  await h.directLineStreams.disconnectAll();
  expect(h.directLineStreams.open).toBe(0);
  // Posting goes over HTTP in WebSocket mode too: the bot answers while no socket is open.
  await client.say('anything while away', 'away-1');
  await eventually('the reply to be stored', async () => ((await h.services.transcripts.list(client.conversationId)).some((m) => m.text === HELP) ? true : undefined));

  await client.received('the echo, after the reconnect', (a) => textOf(a) === 'anything while away');
  await client.received('the reply, after the reconnect', (a) => textOf(a) === HELP);
  await eventually('the stream to be open again', async () => (h.directLineStreams.open === 1 ? true : undefined));
  expect(idsSeenTwice(client)).toEqual([]);
  expect(client.activities.filter((a) => textOf(a) === GREETING)).toHaveLength(1);
}, 40_000);

describe('a restart of the host on the same data', () => {
  let restarted: TestHost | undefined;
  afterEach(async () => {
    await restarted?.close();
    restarted = undefined;
  });

  test('drops the socket, and the client carries on with the new host', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-stream-'));
    const first = await startTestHost({ dataDir });
    const port = Number(new URL(first.baseUrl).port);
    let client: DirectLineClient;
    try {
      client = await connect(first);
      await client.received('the greeting', (a) => textOf(a) === GREETING);
    } finally {
      await first.close();
    }
    restarted = await startTestHost({ dataDir, port, config: sampleConfig() });
    await eventually('the stream to reopen on the new host', async () => (restarted!.directLineStreams.open === 1 ? true : undefined), 20_000);

    await client.say('after the restart', 'after-1');
    await client.received('the echo from the new host', (a) => textOf(a) === 'after the restart');
    await eventually("the bot's answer", async () => (client.activities.filter((a) => textOf(a) === HELP).length === 1 ? true : undefined));
    expect(idsSeenTwice(client)).toEqual([]);
  }, 45_000);
});

describe("the stream URL's credential", () => {
  async function streamUrlOf(testHost: TestHost): Promise<{ conversationId: string; streamUrl: string }> {
    const { token } = await visitorToken(testHost.baseUrl);
    const response = await fetch(`${testHost.baseUrl}/api/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(201);
    return (await response.json()) as { conversationId: string; streamUrl: string };
  }

  /** The status of the HTTP answer to the upgrade, or 101 when the socket opened. */
  function upgradeStatus(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        ws.terminate();
      });
      ws.once('error', (error) => reject(error));
    });
  }

  test('opens its own conversation within the minute, and nothing else', async () => {
    const h = await start({});
    const mine = await streamUrlOf(h);
    const other = await streamUrlOf(h);
    expect(mine.streamUrl).toMatch(new RegExp(`^ws://.*/api/directline/conversations/${mine.conversationId}/stream\\?t=`));
    expect(await upgradeStatus(mine.streamUrl)).toBe(101);

    const otherT = new URL(other.streamUrl).searchParams.get('t');
    expect(await upgradeStatus(mine.streamUrl.replace(/t=[^&]+/, `t=${otherT}`))).toBe(403);
    expect(await upgradeStatus(mine.streamUrl.replace(/t=[^&]+/, 't=forged'))).toBe(403);
    expect(await upgradeStatus(mine.streamUrl.replace(/\?.*$/, ''))).toBe(403);

    const claims = { site: 'support', conv: mine.conversationId, user: `customer-${mine.conversationId}` };
    const issuedLongAgo = h.services.directLineTokens.issueStream(claims, new Date(Date.now() - 61_000));
    expect(await upgradeStatus(mine.streamUrl.replace(/t=[^&]+/, `t=${issuedLongAgo}`))).toBe(403);
    const issuedJustNow = h.services.directLineTokens.issueStream(claims, new Date(Date.now() - 50_000));
    expect(await upgradeStatus(mine.streamUrl.replace(/t=[^&]+/, `t=${issuedJustNow}`))).toBe(101);
    expect(await upgradeStatus(`${h.baseUrl.replace('http', 'ws')}/api/directline/elsewhere`)).toBe(404);
  });

  test('a bad watermark is a 400 before the upgrade', async () => {
    const h = await start({});
    const mine = await streamUrlOf(h);
    expect(await upgradeStatus(`${mine.streamUrl}&watermark=abc`)).toBe(400);
    expect(await upgradeStatus(`${mine.streamUrl}&watermark=0`)).toBe(101);
  });
});

test('shutdown closes open streams at once', async () => {
  const h = await startTestHost();
  const client = await connect(h);
  await client.received('the greeting', (a) => textOf(a) === GREETING);
  const before = Date.now();
  await h.close();
  expect(Date.now() - before).toBeLessThan(5000);
  expect(h.directLineStreams.open).toBe(0);
});
