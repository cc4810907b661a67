import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Telemetry } from '../../shared/ports/telemetry';
import { conversationWhere, sampleConfig, startTestHost } from '../support/localHostHarness';

/**
 * Issue 11, finding 6: a bot endpoint may carry a secret (an Azure Functions key in `?code=`, or
 * `user:password@`). It must show nowhere: not in what agents and operators read, not in the stored
 * conversation, not in telemetry or logs. Agents read only that the bot could not be reached.
 */

/** A port on which nothing listens: one that was just free. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Everything telemetry is given, as text. */
function recordingTelemetry(): Telemetry & { text(): string } {
  const items: unknown[] = [];
  return {
    trackEvent: (name, properties, measurements) => void items.push({ name, properties, measurements }),
    trackMetric: (name, value, properties) => void items.push({ name, value, properties }),
    trackException: (error, properties) => void items.push({ error: error instanceof Error ? { message: error.message, stack: error.stack, cause: String(error.cause) } : String(error), properties }),
    text: () => JSON.stringify(items),
  };
}

const cases = [
  { secret: 'SECRET123', endpoint: (port: number) => `http://127.0.0.1:${port}/api/messages?code=SECRET123`, reason: /ECONNREFUSED/ },
  // fetch refuses a URL with credentials, and its error repeats the URL.
  { secret: 'PASSWORD456', endpoint: (port: number) => `http://bot-user:PASSWORD456@127.0.0.1:${port}/api/messages`, reason: /includes credentials: http:\/\/\*\*\*@127\.0\.0\.1/ },
];

test.each(cases)('a bot endpoint with a secret ($secret) that cannot be reached: the secret shows nowhere', async ({ secret, endpoint, reason }) => {
  const telemetry = recordingTelemetry();
  const port = await closedPort();
  const config = sampleConfig((c) => {
    const bot = c.users.find((u) => u.id === 'demo-bot');
    if (bot?.kind !== 'bot') throw new Error('the sample has no demo-bot');
    bot.endpoint = endpoint(port);
    bot.unreachableAfterSeconds = 1;
  });
  const logged: unknown[][] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => jest.spyOn(console, level).mockImplementation((...args) => void logged.push(args)));
  const host = await startTestHost({ config, telemetry });
  try {
    for (const agent of ['alice', 'bob', 'carol', 'dave']) await host.api.agent(agent, 'PUT', '/presence', { presence: agent === 'alice' ? 'Available' : 'Offline' });
    const chat = await host.api.startChat();
    const id = chat.conversationId;
    const escalated = await conversationWhere(host, id, (c) => c.status === 'Active' && c.assignee?.id === 'alice' && c.assignmentAnnounced, 'alice to get the chat', 15_000);
    await host.bus.whenIdle({ timeoutInMs: 10_000 });

    const agentView = await host.api.agent('alice', 'GET', '/conversations');
    const agentTranscript = await host.api.agent('alice', 'GET', `/conversations/${id}/messages`);
    const operatorView = await host.api.conversation(id);
    expect([agentView.status, agentTranscript.status, operatorView.status]).toEqual([200, 200, 200]);
    const agentChat = (agentView.body.conversations as { id: string; escalationSummary: string }[]).find((c) => c.id === id)!;
    // What an agent reads about the failure: plain words, no technical reason.
    expect(agentChat.escalationSummary).toBe('The bot demo-bot could not be reached.');
    const agentMessages = agentTranscript.body.messages as { text: string; visibility?: string }[];
    expect(agentMessages.filter((m) => m.visibility === 'agents').map((m) => m.text)).toEqual(['The bot demo-bot could not be reached; the chat was routed on.']);
    // The technical reason stays in telemetry, redacted.
    const unreachable = (JSON.parse(telemetry.text()) as { name: string; properties?: { reason?: string } }[]).find((item) => item.name === 'BotUnreachable');
    expect(unreachable?.properties?.reason).toMatch(reason);

    const seen = {
      conversation: JSON.stringify(escalated),
      transcript: JSON.stringify(await host.services.transcripts.list(id)),
      agentView: JSON.stringify([agentView.body, agentTranscript.body]),
      operatorView: JSON.stringify(operatorView.body),
      telemetry: telemetry.text(),
      logs: JSON.stringify(logged.map((args) => args.map((a) => (a instanceof Error ? `${a.message} ${a.stack} ${String(a.cause)}` : a)))),
    };
    for (const [where, text] of Object.entries(seen)) expect([where, text.includes(secret)]).toEqual([where, false]);
  } finally {
    await host.close();
    spies.forEach((spy) => spy.mockRestore());
  }
});
