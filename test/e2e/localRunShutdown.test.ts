import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, eventually } from '../support/localHostHarness';
import { startCloudPeers, type CloudPeers } from '../support/cloudPeers';
import { freePort, npmStart, sampleConfigFile, type NpmStart } from '../support/npmStart';

/**
 * `npm start` against Service Bus (COSMOS_ENDPOINT mode, the AMQP test broker) whose connection drops
 * while it shuts down, with a handler in flight: a delivery to a bot that has not answered yet. Shutdown
 * waits for that handler, and the handler's message is then settled over a connection that is gone: the
 * SDK's complete/abandon does not return, which is what held a real run up for minutes after SIGTERM.
 * The shutdown has a deadline, a second signal ends it at once, and /api/health stops claiming healthy.
 */

/** A bot endpoint that takes each POST and never answers it (the host gives up after its bot timeout, 15 s). */
interface SilentBot {
  url: string;
  received: IncomingMessage[];
  close(): Promise<void>;
}

async function silentBot(): Promise<SilentBot> {
  const received: IncomingMessage[] = [];
  const server: Server = createServer((req) => void received.push(req));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
    received,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

let peers: CloudPeers | undefined;
let bot: SilentBot | undefined;
afterEach(async () => {
  await bot?.close();
  await peers?.close();
  peers = undefined;
  bot = undefined;
});

async function startedAgainstTheBroker(env: Record<string, string>): Promise<{ host: NpmStart; api: Api }> {
  peers = await startCloudPeers();
  bot = await silentBot();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-shutdown-'));
  const config = sampleConfigFile(dir, `{ id: demo-bot, kind: bot, endpoint: "${bot.url}" }`);
  const host = npmStart({ ...peers.env, PORT: String(port), SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_CONFIG: config, ...env });
  await host.waitFor('listening on', 30_000);
  const api = new Api(`http://127.0.0.1:${port}`);
  await api.startChat();
  // A bot delivery is in flight: its handler waits for the bot's answer.
  const waiting = bot;
  await eventually('a delivery at the bot', async () => (waiting.received.length > 0 ? true : undefined), 20_000);
  return { host, api };
}

/** SIGTERM, and the bus connection drops at the same moment. */
async function terminateAndDropTheBus(host: NpmStart): Promise<void> {
  host.child.kill('SIGTERM');
  await peers?.broker.close();
  await host.waitFor('SIGTERM: shutting down');
}

/** The exit code, once the process has exited; fails when it is still running at the deadline. */
async function exitCode(host: NpmStart, deadlineInMs: number): Promise<number | string | null> {
  let code: number | string | null | undefined;
  void host.exited.then((c) => (code = c));
  try {
    await eventually('the process to exit', async () => (code === undefined ? undefined : true), deadlineInMs);
  } finally {
    host.child.kill('SIGKILL');
  }
  return code as number | string | null;
}

async function healthStatus(api: Api): Promise<number | undefined> {
  return (await fetch(`${api.baseUrl}/api/health`).catch(() => undefined))?.status;
}

test('one SIGTERM: the shutdown that cannot finish ends at its deadline, saying so; health answers 503 meanwhile', async () => {
  const { host, api } = await startedAgainstTheBroker({ SWITCHBOARD_SHUTDOWN_TIMEOUT_SECONDS: '3' });
  expect(await healthStatus(api)).toBe(200);
  await terminateAndDropTheBus(host);
  // Still serving (a bot's reply to a delivery in flight needs the server), but no longer healthy.
  expect(await healthStatus(api)).toBe(503);

  expect(await exitCode(host, 30_000)).toBe(1);
  expect(host.stderr()).toContain('shutdown did not finish within 3 s: exiting; what did not finish is delivered again after the restart');
}, 90_000);

test('a second SIGTERM exits at once, with a line saying so', async () => {
  const { host, api } = await startedAgainstTheBroker({ SWITCHBOARD_SHUTDOWN_TIMEOUT_SECONDS: '600' });
  await terminateAndDropTheBus(host);
  expect(await healthStatus(api)).toBe(503);

  host.child.kill('SIGTERM');
  expect(await exitCode(host, 20_000)).toBe(143);
  expect(host.stderr()).toContain('SIGTERM again: exiting now, without waiting for the shutdown');
}, 90_000);

test('a shutdown timeout that is not a positive number of seconds stops the start', async () => {
  const host = npmStart({ PORT: '0', SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-shutdown-')), SWITCHBOARD_SHUTDOWN_TIMEOUT_SECONDS: 'soon' });
  const started = await host.waitFor('listening on', 30_000).then(() => true, () => false);
  if (started) host.child.kill('SIGKILL');
  expect(started).toBe(false);
  expect(await host.exited).toBe(1);
  expect(host.stderr()).toContain('SWITCHBOARD_SHUTDOWN_TIMEOUT_SECONDS must be a positive number of seconds, got "soon"');
}, 60_000);
