import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, eventually } from '../support/localHostHarness';

/** `npm start` as a user runs it: a real process, SIGTERM, and a restart on the same data directory. */
const root = join(__dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string>, args: string[] = []): Running {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'shared/host/local/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function started(r: Running): Promise<void> {
  await eventually('the listening line', async () => (r.output().includes('listening on') ? true : undefined), 20_000);
}

test('npm start serves the reference setup, stops cleanly on SIGTERM and carries on after a restart', async () => {
  const port = await freePort();
  const env = { PORT: String(port), SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-')) };
  const api = new Api(`http://127.0.0.1:${port}`);

  const first = run(env);
  await started(first);
  expect((await api.call('GET', 'health')).status).toBe(200);
  const chat = await api.startChat();
  await eventually('the greeting', async () => ((await api.messages(chat)).body.messages.some((m) => m.role === 'bot') ? true : undefined));
  await api.say(chat, 'I lost my credit card');
  // The sample offers each chat: the agent offered it accepts.
  const offered = await eventually('an offer', async () => {
    const { body } = await api.conversation(chat.conversationId);
    return body.offer?.agentId as string | undefined;
  });
  expect((await api.agent(offered, 'POST', `/offers/${chat.conversationId}/accept`)).status).toBe(200);
  const assigned = await eventually('an agent', async () => {
    const { body } = await api.conversation(chat.conversationId);
    return body.assignee?.kind === 'agent' ? body : undefined;
  });
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = run(env);
  await started(second);
  const after = await api.conversation(chat.conversationId);
  expect(after.body).toMatchObject({ status: 'Active', assignee: assigned.assignee, queue: 'CreditCardQueue' });
  expect((await api.messages(chat)).status).toBe(200); // the customer's token survives the restart
  const agent = assigned.assignee.id;
  expect((await api.agent(agent, 'POST', `/conversations/${chat.conversationId}/end`)).body.status).toBe('WrapUp');
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 60_000);

test('an invalid configuration stops the start with every problem and its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, [
    'workstreams:',
    '  - name: W',
    '    fallbackQueue: Q',
    '    rules:',
    '      - { name: R, queue: Q, when: { variable: X, operator: equal, value: 1 } }',
    'queues:',
    '  - { name: Q, members: [] }',
    'users: []',
  ].join('\n'));
  const r = run({ SWITCHBOARD_DATA_DIR: dir, PORT: '0' }, ['--config', file]);
  expect(await r.exited).toBe(1);
  expect(r.output()).toContain('workstreams[0].rules[0].when.operator: unknown operator "equal", expected one of equals');
  expect(r.output()).not.toContain('listening on');
}, 30_000);
