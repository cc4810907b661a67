import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customerMessageActivity, startConversationActivity } from '../../shared/core/botActivities';
import { eventually, startTestHost } from '../support/localHostHarness';

/**
 * Issue 11, finding 1 (SSRF): the demo bot replies to the activity's serviceUrl, and anyone can POST it an
 * activity. It must reply only to this host's own connector, never to an address taken from the request.
 */

/** Stands in for an internal service the host can reach: records every request it gets. */
async function internalTarget(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/admin/`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

type Host = Awaited<ReturnType<typeof startTestHost>>;
let host: Host;
let target: Awaited<ReturnType<typeof internalTarget>>;
beforeAll(async () => {
  [host, target] = await Promise.all([startTestHost(), internalTarget()]);
});
afterAll(async () => {
  await host?.close();
  await target?.close();
});

const channel = (serviceUrl: string, conversationId: string) => ({
  channelId: 'switchboard', serviceUrl, conversationId, customer: { id: 'attacker', name: 'Mallory' }, bot: { id: 'demo-bot', name: 'Demo Bot' }, locale: 'en-US',
});

test('an activity whose serviceUrl is not this host\'s connector is refused with a 400, and nothing is sent to that address', async () => {
  const activities = [
    startConversationActivity(channel(target.url, 'conv-ssrf-1'), 'sc-1', '2025-01-01T00:00:00.000Z', {}),
    customerMessageActivity(channel(target.url, 'conv-ssrf-2'), 'm-1', '2025-01-01T00:00:00.000Z', 'I need a credit card'),
    // The same host under another spelling is another address: refused too.
    customerMessageActivity(channel(`${host.baseUrl}/internal/admin/`, 'conv-ssrf-3'), 'm-2', '2025-01-01T00:00:00.000Z', 'hi'),
  ];
  for (const activity of activities) {
    const response = await host.api.call('POST', 'demo-bot/messages', { body: activity });
    expect(response).toEqual({
      status: 400,
      body: { error: { code: 'InvalidActivity', message: `activity.serviceUrl must be this host's connector (${host.services.settings.connectorBaseUrl}); the demo bot replies to no other address` } },
    });
  }
  expect(target.requests).toEqual([]);
});

test("the demo bot still answers on this host's own connector (a chat gets its greeting)", async () => {
  const chat = await host.api.startChat();
  const greeting = await eventually('the greeting', async () => (await host.api.messages(chat)).body.messages.find((m) => m.role === 'bot'));
  expect(greeting.text).toMatch(/\S/);
});
