import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from '../support/localHostHarness';
import { freePort, npmStart, sampleConfigFile } from '../support/npmStart';

/** `npm start` says what went wrong, in a line a person reads, without any telemetry switch. */
test('a bot nobody listens for: npm start prints which bot, which conversation and why, on stderr', async () => {
  const [port, deadBotPort] = await Promise.all([freePort(), freePort()]);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-problems-'));
  const config = sampleConfigFile(dir, `{ id: demo-bot, kind: bot, endpoint: "http://127.0.0.1:${deadBotPort}/api/messages", unreachableAfterSeconds: 1 }`);
  const host = npmStart({ PORT: String(port), SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_CONFIG: config, SWITCHBOARD_TELEMETRY: '' });
  try {
    await host.waitFor('listening on');
    const chat = await new Api(`http://127.0.0.1:${port}`).startChat();

    const line = await host.waitFor(new RegExp(`^.*bot demo-bot unreachable \\(conversation ${chat.conversationId}\\).*$`, 'm'));
    expect(line).toMatch(/^\d\d:\d\d:\d\d warn {2}bot demo-bot unreachable \(conversation [0-9a-f-]+\): .*ECONNREFUSED 127\.0\.0\.1:\d+; chat routed on to DefaultQueue$/);
    expect(host.stderr()).toContain(line);
    expect(host.stdout()).not.toContain(line);
    // Readable lines only: the JSON event stream stays behind SWITCHBOARD_TELEMETRY=console.
    expect(host.output()).not.toContain('"kind":"event"');
  } finally {
    host.child.kill('SIGTERM');
    await host.exited;
  }
}, 60_000);

test('SWITCHBOARD_TELEMETRY=console still prints the JSON events, on stdout, beside the readable lines', async () => {
  const [port, deadBotPort] = await Promise.all([freePort(), freePort()]);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-problems-'));
  const config = sampleConfigFile(dir, `{ id: demo-bot, kind: bot, endpoint: "http://127.0.0.1:${deadBotPort}/api/messages", unreachableAfterSeconds: 1 }`);
  const host = npmStart({ PORT: String(port), SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_CONFIG: config, SWITCHBOARD_TELEMETRY: 'console' });
  try {
    await host.waitFor('listening on');
    const chat = await new Api(`http://127.0.0.1:${port}`).startChat();
    await host.waitFor(`warn  bot demo-bot unreachable (conversation ${chat.conversationId})`);
    const events = host.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { kind: string; name: string; properties?: Record<string, string> });
    expect(events).toContainEqual(expect.objectContaining({ kind: 'event', name: 'BotUnreachable', properties: expect.objectContaining({ conversationId: chat.conversationId, bot: 'demo-bot' }) }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'event', name: 'ConversationStarted' }));
  } finally {
    host.child.kill('SIGTERM');
    await host.exited;
  }
}, 60_000);
