import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ManagedIdentityCredential } from '@azure/identity';
import {
  AppInsightsTelemetry, ConsoleTelemetry, createTelemetry, credentialFromAuthenticationString, flushTelemetry, telemetryFromEnvironment, type ConsoleTelemetryLine,
} from '../../shared/adapters/appinsights';
import { nullTelemetry } from '../../shared/ports/telemetry';
import { startIngestionSink, TEST_INSTRUMENTATION_KEY, type Envelope, type IngestionSink } from '../fixtures/ingestionSink';

/**
 * The Application Insights adapter with the REAL applicationinsights 3.16 SDK, sending to a local
 * HTTPS ingestion sink (the SDK rewrites http:// endpoints to https://, local-testing.md §5).
 *
 * TLS: the sink serves test/fixtures/identity/tls-cert.pem, trusted through NODE_EXTRA_CA_CERTS
 * (`npm run jest` sets it). The exporter's HTTP client (@azure/core-rest-pipeline over node:https)
 * uses Node's default CA store, which NODE_EXTRA_CA_CERTS extends, so certificate checks stay on:
 * no NODE_TLS_REJECT_UNAUTHORIZED=0 anywhere.
 */

const SDK_ENV = {
  // Statsbeat would report SDK usage to Microsoft's endpoints from this test; nothing here may leave the machine.
  APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
};
const savedEnv: Record<string, string | undefined> = {};

beforeAll(() => {
  if (!process.env.NODE_EXTRA_CA_CERTS) {
    throw new Error('NODE_EXTRA_CA_CERTS is not set: run through `npm run jest` (it trusts test/fixtures/identity/tls-cert.pem for the HTTPS sink)');
  }
  for (const [key, value] of Object.entries(SDK_ENV)) {
    savedEnv[key] = process.env[key];
    process.env[key] = value;
  }
});
afterAll(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const sinks: IngestionSink[] = [];
const telemetries: AppInsightsTelemetry[] = [];
afterEach(async () => {
  await Promise.all(telemetries.splice(0).map((t) => t.shutdown(2_000)));
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

async function sink(options?: Parameters<typeof startIngestionSink>[0]): Promise<IngestionSink> {
  const started = await startIngestionSink(options);
  sinks.push(started);
  return started;
}

function adapter(connectionString: string, errors: string[] = []): AppInsightsTelemetry {
  // Offline storage off: a failed batch must not be replayed later into another test's sink.
  const telemetry = new AppInsightsTelemetry({ connectionString, disableOfflineStorage: true, onError: (e, op) => errors.push(`${op}: ${String(e)}`) });
  telemetries.push(telemetry);
  return telemetry;
}

const events = (envelopes: Envelope[], name?: string) =>
  envelopes.filter((e) => e.data?.baseType === 'EventData' && (name === undefined || e.data.baseData?.name === name));

test('events, metrics and exceptions arrive as envelopes with their custom dimensions and measurements', async () => {
  const ingestion = await sink();
  const errors: string[] = [];
  const telemetry = adapter(ingestion.connectionString, errors);

  telemetry.trackEvent('Assigned', { conversationId: 'c-1', queue: 'CreditCardQueue', workstream: 'ChatWorkStream', agent: 'alice', bot: undefined }, { waitMs: 1234 });
  telemetry.trackEvent('BotSessionEnded', { conversationId: 'c-1', bot: 'demo-bot', outcome: 'escalated' }, { botTimeMs: 4200, bad: Number.NaN });
  telemetry.trackEvent('Escalated', { conversationId: 'c-1', bot: 'demo-bot', rule: 'CreditCardRule', queue: 'CreditCardQueue' });
  telemetry.trackMetric('QueueLength', 2, { queue: 'CreditCardQueue' });
  telemetry.trackMetric('QueueLength', 5, { queue: 'CreditCardQueue' });
  telemetry.trackException(new TypeError('boom'), { conversationId: 'c-1', queue: 'CreditCardQueue' });
  telemetry.trackException('a string thrown', { conversationId: 'c-2' });
  await telemetry.flush();

  const envelopes = await ingestion.waitFor((e) => e.data?.baseType === 'MetricData');
  expect(ingestion.envelopes.every((e) => e.iKey === TEST_INSTRUMENTATION_KEY)).toBe(true);
  expect(ingestion.requests.every((r) => r.path === '/v2.1/track' && r.status === 200)).toBe(true);
  // No live metrics pings, no auto-collected requests/dependencies/performance counters: only what we tracked.
  expect(ingestion.otherRequests).toEqual([]);
  expect(new Set(ingestion.envelopes.map((e) => e.name))).toEqual(new Set([
    'Microsoft.ApplicationInsights.Event', 'Microsoft.ApplicationInsights.Metric', 'Microsoft.ApplicationInsights.Exception',
  ]));

  const [assigned] = events(ingestion.envelopes, 'Assigned');
  expect(assigned?.data?.baseData).toMatchObject({
    name: 'Assigned',
    properties: { conversationId: 'c-1', queue: 'CreditCardQueue', workstream: 'ChatWorkStream', agent: 'alice' },
    measurements: { waitMs: 1234 },
  });
  // An absent dimension is left out, not sent as the text "undefined".
  expect(assigned?.data?.baseData?.properties).not.toHaveProperty('bot');
  const [ended] = events(ingestion.envelopes, 'BotSessionEnded');
  expect(ended?.data?.baseData?.properties).toEqual({ conversationId: 'c-1', bot: 'demo-bot', outcome: 'escalated' });
  expect(ended?.data?.baseData?.measurements).toEqual({ botTimeMs: 4200 });
  expect(events(ingestion.envelopes, 'Escalated')[0]?.data?.baseData?.properties).toEqual({ conversationId: 'c-1', bot: 'demo-bot', rule: 'CreditCardRule', queue: 'CreditCardQueue' });
  expect(Date.parse(assigned?.time ?? '')).toBeGreaterThan(Date.now() - 60_000);

  // trackMetric is an OpenTelemetry histogram: one aggregated envelope per name and dimension set.
  expect(envelopes).toHaveLength(1);
  expect(envelopes[0]?.data?.baseData).toMatchObject({
    metrics: [{ name: 'QueueLength', value: 7, count: 2, min: 2, max: 5 }],
    properties: { queue: 'CreditCardQueue' },
  });

  const exceptions = ingestion.envelopes.filter((e) => e.data?.baseType === 'ExceptionData');
  expect(exceptions.map((e) => e.data?.baseData?.exceptions?.[0]).map((x) => [x?.typeName, x?.message])).toEqual([
    ['TypeError', 'boom'], ['Error', 'a string thrown'],
  ]);
  expect(exceptions[0]?.data?.baseData?.properties).toEqual({ conversationId: 'c-1', queue: 'CreditCardQueue' });
  expect(errors).toEqual([]);
  expect(telemetry.errorCount).toBe(0);
});

test('a 500 from ingestion never reaches the caller; the SDK retries and delivers once ingestion recovers', async () => {
  const ingestion = await sink({ trackStatus: 500 });
  const telemetry = adapter(ingestion.connectionString);

  expect(() => telemetry.trackEvent('ConversationStarted', { conversationId: 'c-500', workstream: 'ChatWorkStream' })).not.toThrow();
  const started = Date.now();
  await telemetry.flush(500);
  expect(Date.now() - started).toBeLessThan(1_500);
  await ingestion.waitFor(() => true);
  expect(ingestion.requests[0]?.status).toBe(500);

  ingestion.setTrackStatus(200);
  await waitUntil('an accepted retry', () => ingestion.requests.some((r) => r.status === 200), 6_000);
  expect(events(ingestion.envelopes, 'ConversationStarted').length).toBeGreaterThanOrEqual(2); // offered at least twice
});

test('ingestion that is down or never answers: trackEvent returns at once, flush is bounded, nothing throws', async () => {
  // Down: a port with nothing listening (connection refused).
  const closed = await startIngestionSink();
  const downPort = closed.port;
  await closed.close();
  // Black hole: a TCP server that accepts and never speaks (not even the TLS handshake).
  const hole = await blackHole();

  const down = adapter(`InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1:${downPort}/`);
  const silent = adapter(`InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1:${hole.port}/`);

  for (const telemetry of [down, silent]) {
    const before = performance.now();
    for (let i = 0; i < 200; i++) {
      telemetry.trackEvent('Routed', { conversationId: `c-${i}`, queue: 'BotQueue', rule: 'BotRule' });
      telemetry.trackMetric('QueueWaitMs', i, { queue: 'BotQueue' });
      telemetry.trackException(new Error(`e-${i}`));
    }
    expect(performance.now() - before).toBeLessThan(500);
  }
  const before = Date.now();
  await expect(Promise.all([down.flush(400), silent.flush(400)])).resolves.toEqual([undefined, undefined]);
  expect(Date.now() - before).toBeLessThan(1_500);
  await waitUntil('the black hole saw the exporter connect', () => hole.connections > 0, 3_000);

  // Bring both endpoints back where they were: the SDK's retries deliver what was buffered.
  await hole.destroy();
  const back = await sink({ port: downPort });
  const holeBack = await sink({ port: hole.port });
  await back.waitFor((e) => e.data?.baseData?.name === 'Routed', 8_000);
  await holeBack.waitFor((e) => e.data?.baseData?.name === 'Routed', 8_000);
}, 20_000);

test('createTelemetry without a connection string is nullTelemetry: no SDK, nothing thrown, flush resolves', async () => {
  for (const none of [undefined, '', '   ']) {
    const telemetry = createTelemetry(none);
    expect(telemetry).toBe(nullTelemetry);
    expect(() => {
      telemetry.trackEvent('ConversationStarted', { workstream: 'ChatWorkStream' });
      telemetry.trackMetric('QueueLength', 1);
      telemetry.trackException(new Error('x'));
    }).not.toThrow();
    await expect(flushTelemetry(telemetry)).resolves.toBeUndefined();
  }
  const configured = createTelemetry(`InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1:1/`, { disableOfflineStorage: true });
  expect(configured).toBeInstanceOf(AppInsightsTelemetry);
  telemetries.push(configured as AppInsightsTelemetry);
});

test('an adapter that failed to start counts every call instead of throwing', async () => {
  const telemetry = new AppInsightsTelemetry({ connectionString: `InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1:1/`, disableOfflineStorage: true });
  telemetries.push(telemetry);
  // Simulate the SDK's failure mode without a connection string (its log API stays undefined, trackEvent throws a TypeError).
  (telemetry as unknown as { client: unknown }).client = {
    trackEvent: () => { throw new TypeError("Cannot read properties of undefined (reading 'trackEvent')"); },
    trackMetric: () => { throw new Error('meter'); },
    trackException: () => { throw new Error('logger'); },
    flush: () => Promise.reject(new Error('flush failed')),
    shutdown: () => Promise.resolve(),
  };
  expect(() => {
    telemetry.trackEvent('Assigned', { queue: 'q' });
    telemetry.trackMetric('QueueLength', 1);
    telemetry.trackMetric('QueueLength', Number.POSITIVE_INFINITY);
    telemetry.trackException(new Error('x'));
  }).not.toThrow();
  await expect(telemetry.flush(200)).resolves.toBeUndefined();
  expect(telemetry.errorCount).toBe(5);
  expect(String(telemetry.lastError)).toContain('flush failed');
});

test('ConsoleTelemetry writes one JSON line per item and never throws', () => {
  const lines: string[] = [];
  const at = new Date('2024-05-01T09:00:00.000Z');
  const telemetry = new ConsoleTelemetry({ write: (line) => lines.push(line) }, () => at);
  telemetry.trackEvent('Escalated', { conversationId: 'c-1', bot: 'demo-bot', rule: 'CreditCardRule', queue: undefined });
  telemetry.trackMetric('QueueLength', 3, { queue: 'BotQueue' });
  telemetry.trackException(new RangeError('nope'));
  expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
  const parsed = lines.map((l) => JSON.parse(l) as ConsoleTelemetryLine);
  expect(parsed[0]).toEqual({ time: at.toISOString(), kind: 'event', name: 'Escalated', properties: { conversationId: 'c-1', bot: 'demo-bot', rule: 'CreditCardRule' } });
  expect(parsed[1]).toEqual({ time: at.toISOString(), kind: 'metric', name: 'QueueLength', value: 3, properties: { queue: 'BotQueue' } });
  expect(parsed[2]).toMatchObject({ kind: 'exception', name: 'RangeError', message: 'nope' });

  const broken = new ConsoleTelemetry({ write: () => { throw new Error('EPIPE'); } });
  expect(() => broken.trackEvent('x')).not.toThrow();
  expect(broken.errorCount).toBe(1);
});

test('telemetryFromEnvironment: console, off, Application Insights when a connection string is set, no-op otherwise', () => {
  expect(telemetryFromEnvironment({ SWITCHBOARD_TELEMETRY: 'console' })).toBeInstanceOf(ConsoleTelemetry);
  expect(telemetryFromEnvironment({ SWITCHBOARD_TELEMETRY: 'off', APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x' })).toBe(nullTelemetry);
  expect(telemetryFromEnvironment({})).toBe(nullTelemetry);
  const ai = telemetryFromEnvironment(
    { APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1:1/` },
    { appInsights: { disableOfflineStorage: true } },
  );
  expect(ai).toBeInstanceOf(AppInsightsTelemetry);
  telemetries.push(ai as AppInsightsTelemetry);
});

test('with a credential the exporter sends an Entra ID bearer token (a resource with local authentication disabled)', async () => {
  const ingestion = await sink();
  const scopes: string[] = [];
  const telemetry = new AppInsightsTelemetry({
    connectionString: ingestion.connectionString,
    disableOfflineStorage: true,
    credential: {
      getToken: async (scope: string | string[]) => {
        scopes.push(...[scope].flat());
        return { token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    },
  });
  telemetries.push(telemetry);
  telemetry.trackEvent('ConversationStarted', { conversationId: 'c-aad', workstream: 'ChatWorkStream' });
  await telemetry.flush();
  await ingestion.waitFor((e) => e.data?.baseData?.name === 'ConversationStarted');
  expect(ingestion.requests[0]?.authorization).toBe('Bearer test-token');
  expect(scopes).toEqual(['https://monitor.azure.com/.default']);
});

test('APPLICATIONINSIGHTS_AUTHENTICATION_STRING (the Functions host setting) becomes a managed identity credential', () => {
  expect(credentialFromAuthenticationString(undefined)).toBeUndefined();
  expect(credentialFromAuthenticationString('Authorization=Key')).toBeUndefined();
  expect(credentialFromAuthenticationString('Authorization=AAD')).toBeInstanceOf(ManagedIdentityCredential);
  expect(credentialFromAuthenticationString('ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD')).toBeInstanceOf(ManagedIdentityCredential);
  const telemetry = telemetryFromEnvironment({
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1:1/`,
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD',
  }, { appInsights: { disableOfflineStorage: true } }) as AppInsightsTelemetry;
  telemetries.push(telemetry);
  expect((telemetry as unknown as { client: { config: { aadTokenCredential: unknown } } }).client.config.aadTokenCredential).toBeInstanceOf(ManagedIdentityCredential);
});

async function waitUntil(what: string, check: () => boolean, timeoutInMs: number): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function blackHole(): Promise<{ port: number; connections: number; destroy(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, connections: 0, destroy: () => Promise.resolve() };
  const server: TcpServer = createTcpServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.port = (server.address() as AddressInfo).port;
  state.destroy = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
