import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, eventually } from '../support/localHostHarness';
import { startCloudPeers, type CloudPeers } from '../support/cloudPeers';
import { freePort, npmStart, sampleConfigFile } from '../support/npmStart';

/**
 * A bot in a container or on another machine replies to the serviceUrl Switchboard gives it: with
 * SWITCHBOARD_PUBLIC_URL set, that is `<it>/api/connector/`, not the address `npm start` listens on.
 */

interface RecordingEndpoint {
  url: string;
  activities: { type?: string; serviceUrl?: string; conversation?: { id?: string } }[];
  close(): Promise<void>;
}

/** A bot endpoint that only records what it is sent and answers 200. */
async function recordingEndpoint(): Promise<RecordingEndpoint> {
  const activities: RecordingEndpoint['activities'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      activities.push(JSON.parse(body) as RecordingEndpoint['activities'][number]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
    activities,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

let bot: RecordingEndpoint;
let peers: CloudPeers | undefined;
beforeAll(async () => {
  bot = await recordingEndpoint();
});
afterAll(async () => {
  await bot?.close();
  await peers?.close();
});

async function serviceUrlGiven(env: Record<string, string>): Promise<string | undefined> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-public-url-'));
  const config = sampleConfigFile(dir, `{ id: demo-bot, kind: bot, endpoint: "${bot.url}" }`);
  const host = npmStart({ PORT: String(port), SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_CONFIG: config, ...env });
  try {
    await host.waitFor('listening on', 30_000);
    const chat = await new Api(`http://127.0.0.1:${port}`).startChat();
    const first = await eventually('an activity at the bot', async () => bot.activities.find((a) => a.conversation?.id === chat.conversationId), 20_000);
    return first.serviceUrl;
  } finally {
    host.child.kill('SIGTERM');
    await host.exited;
  }
}

test('the embedded local host gives bots SWITCHBOARD_PUBLIC_URL as their serviceUrl, its trailing slash normalised', async () => {
  expect(await serviceUrlGiven({ SWITCHBOARD_PUBLIC_URL: 'http://example.test:1234' })).toBe('http://example.test:1234/api/connector/');
  expect(await serviceUrlGiven({ SWITCHBOARD_PUBLIC_URL: 'https://switchboard.example.test/' })).toBe('https://switchboard.example.test/api/connector/');
}, 90_000);

test('without SWITCHBOARD_PUBLIC_URL the serviceUrl is the address npm start listens on', async () => {
  expect(await serviceUrlGiven({ SWITCHBOARD_PUBLIC_URL: '' })).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/connector\/$/);
}, 60_000);

test('npm start against Cosmos DB and Service Bus (COSMOS_ENDPOINT) honours SWITCHBOARD_PUBLIC_URL too', async () => {
  peers = await startCloudPeers();
  expect(await serviceUrlGiven({ ...peers.env, SWITCHBOARD_PUBLIC_URL: 'http://example.test:1234/' })).toBe('http://example.test:1234/api/connector/');
}, 90_000);

test('a SWITCHBOARD_PUBLIC_URL that is not an absolute http(s) URL stops the start, saying what was expected', async () => {
  for (const value of ['example.test:1234', 'ftp://example.test', 'http://', 'http://example.test/?a=1']) {
    const host = npmStart({ PORT: '0', SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-public-url-')), SWITCHBOARD_PUBLIC_URL: value });
    const started = await host.waitFor('listening on', 30_000).then(() => true, () => false);
    if (started) host.child.kill('SIGKILL');
    expect(started).toBe(false);
    expect(await host.exited).toBe(1);
    expect(host.stderr()).toContain(`SWITCHBOARD_PUBLIC_URL must be an absolute http(s) URL (the base URL bots reply to), got "${value}"`);
    expect(host.output()).not.toContain('listening on');
  }
}, 90_000);
