import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, startTestHost } from '../support/localHostHarness';
import { startCloudPeers, type CloudPeers } from '../support/cloudPeers';
import { freePort, npmStart } from '../support/npmStart';

/**
 * The operator routes (authLevel function: a function key in Azure) on the local host: open on
 * loopback as a development tool, guarded by SWITCHBOARD_OPERATOR_KEY when it is set, and locked
 * beyond loopback without it. Development agent tokens are off beyond loopback unless asked for.
 */
const KEY = 'operator-key-0123456789abcdef';
const EXPLAIN = { context: { BotHandoffTopic: 'CreditCard' } };

describe('an operator key on the host', () => {
  test('guards exactly the operator routes: x-functions-key or ?code=, as in Azure', async () => {
    const host = await startTestHost({ operatorKey: KEY });
    const { api } = host;
    try {
      const chat = await api.startChat();
      const conversation = `conversations/${chat.conversationId}`;
      for (const [method, path, body] of [['GET', conversation, undefined], ['POST', 'workstreams/ChatWorkStream/explain', EXPLAIN]] as const) {
        const none = await api.call(method, path, { body });
        expect(none).toEqual({ status: 401, body: { error: { code: 'Unauthorized', message: 'this operator route needs the operator key (SWITCHBOARD_OPERATOR_KEY) in the x-functions-key header or the code query parameter' } } });
        for (const wrong of [{ headers: { 'x-functions-key': `${KEY}x` } }, { headers: { 'x-functions-key': KEY.slice(0, -1) } }, { query: `code=${KEY.toUpperCase()}` }]) {
          const refused = await api.call(method, 'query' in wrong ? `${path}?${wrong.query}` : path, { body, headers: 'headers' in wrong ? wrong.headers : undefined });
          expect(refused).toEqual({ status: 401, body: { error: { code: 'Unauthorized', message: 'the operator key is not valid' } } });
        }
        expect((await api.call(method, path, { body, headers: { 'x-functions-key': KEY } })).status).toBe(200);
        expect((await api.call(method, `${path}?code=${encodeURIComponent(KEY)}`, { body })).status).toBe(200);
      }
      // Customer routes authenticate themselves: no key needed.
      expect((await api.messages(chat)).status).toBe(200);
    } finally {
      await host.close();
    }
  });

  test('locked operator routes answer 403 naming the setting, with or without a key', async () => {
    const host = await startTestHost({ operatorRoutesLocked: true });
    const { api } = host;
    try {
      const chat = await api.startChat();
      for (const headers of [undefined, { 'x-functions-key': KEY }]) {
        const locked = await api.call('GET', `conversations/${chat.conversationId}`, { headers });
        expect(locked).toEqual({ status: 403, body: { error: { code: 'Forbidden', message: 'operator routes are locked: this host listens beyond loopback and SWITCHBOARD_OPERATOR_KEY is not set' } } });
      }
      expect((await api.call('POST', 'workstreams/ChatWorkStream/explain', { body: EXPLAIN })).status).toBe(403);
      expect((await api.messages(chat)).status).toBe(200);
    } finally {
      await host.close();
    }
  });
});

describe('npm start beyond loopback', () => {
  let peers: CloudPeers | undefined;
  afterAll(async () => {
    await peers?.close();
  });

  /** npm start on HOST=0.0.0.0 with `env`; what its operator route and a development agent token get, over loopback. */
  async function statuses(env: Record<string, string>): Promise<{ operator: number; operatorWithKey: number; agentToken: number; stderr: string }> {
    const port = await freePort();
    const host = npmStart({ PORT: String(port), HOST: '0.0.0.0', SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-exposure-')), SWITCHBOARD_PUBLIC_URL: '', SWITCHBOARD_OPERATOR_KEY: '', SWITCHBOARD_ALLOW_AGENT_TOKENS: '', ...env });
    try {
      await host.waitFor('listening on', 30_000);
      const api = new Api(`http://127.0.0.1:${port}`);
      const explain = (headers?: Record<string, string>) => api.call('POST', 'workstreams/ChatWorkStream/explain', { body: EXPLAIN, headers });
      return {
        operator: (await explain()).status,
        operatorWithKey: (await explain({ 'x-functions-key': KEY })).status,
        agentToken: (await api.call('GET', 'agents/alice/conversations', { token: 'dev-alice' })).status,
        stderr: host.stderr(),
      };
    } finally {
      host.child.kill('SIGTERM');
      await host.exited;
    }
  }

  test('without settings: operator routes locked with a warning line, development agent tokens off', async () => {
    const run = await statuses({});
    expect(run).toMatchObject({ operator: 403, operatorWithKey: 403, agentToken: 401 });
    expect(run.stderr).toContain('warning: HOST=0.0.0.0 is not loopback and SWITCHBOARD_OPERATOR_KEY is not set');
  }, 60_000);

  test('with SWITCHBOARD_OPERATOR_KEY and SWITCHBOARD_ALLOW_AGENT_TOKENS=true: the key opens the operator routes, tokens work', async () => {
    expect(await statuses({ SWITCHBOARD_OPERATOR_KEY: KEY, SWITCHBOARD_ALLOW_AGENT_TOKENS: 'true' })).toMatchObject({ operator: 401, operatorWithKey: 200, agentToken: 200 });
  }, 60_000);

  test('a short operator key stops the start, naming the setting', async () => {
    const host = npmStart({ PORT: '0', SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-exposure-')), SWITCHBOARD_OPERATOR_KEY: 'short' });
    expect(await host.exited).toBe(1);
    expect(host.stderr()).toContain('SWITCHBOARD_OPERATOR_KEY must be at least 16 characters, got 5');
    expect(host.output()).not.toContain('listening on');
  }, 60_000);

  test('cloud mode (COSMOS_ENDPOINT) follows the same rule instead of turning agent tokens on', async () => {
    peers = await startCloudPeers();
    expect(await statuses(peers.env)).toMatchObject({ operator: 403, agentToken: 401 });
    expect(await statuses({ ...peers.env, SWITCHBOARD_ALLOW_AGENT_TOKENS: 'true' })).toMatchObject({ agentToken: 200 });
  }, 90_000);
});
