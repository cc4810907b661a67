import { sendSample, readSample, sampleEnvelopes } from '../../infra/insights/sendSample';
import { startIngestionSink, TEST_INSTRUMENTATION_KEY, type IngestionSink } from '../fixtures/ingestionSink';

/**
 * `npm run insights:send-sample` against the local HTTPS ingestion sink (test/fixtures/ingestionSink.ts; the
 * sink's certificate is trusted through NODE_EXTRA_CA_CERTS, which `npm run jest` sets): the recorded day
 * arrives whole as customEvents envelopes, moved to the day asked for, each with the run's id.
 */

const sinks: IngestionSink[] = [];
afterEach(async () => Promise.all(sinks.splice(0).map((s) => s.close())));
async function sink() {
  const started = await startIngestionSink();
  sinks.push(started);
  return started;
}

const NOW = Date.parse('2026-12-04T17:00:00.000Z');

test('the recorded day arrives as customEvents on yesterday, each event with its time of day, dimensions, measurements and the run id', async () => {
  const ingestion = await sink();
  const sample = readSample();
  const result = await sendSample({ connectionString: ingestion.connectionString, now: NOW, runId: 'run-1' });
  expect(result).toEqual({ runId: 'run-1', day: '2026-12-03', sent: sample.length, accepted: sample.length });
  expect(ingestion.requests).toEqual([expect.objectContaining({ path: '/v2.1/track', status: 200, items: sample.length, authorization: undefined })]);
  expect(ingestion.envelopes).toHaveLength(sample.length);
  ingestion.envelopes.forEach((envelope, i) => {
    const event = sample[i]!;
    expect(envelope).toMatchObject({ name: 'Microsoft.ApplicationInsights.Event', iKey: TEST_INSTRUMENTATION_KEY, data: { baseType: 'EventData' } });
    expect(envelope.time).toBe(`2026-12-03${event.timestamp.slice(10)}`);
    expect(envelope.data?.baseData).toMatchObject({ name: event.name, properties: { ...event.properties, sampleRun: 'run-1' }, measurements: event.measurements });
  });
});

test('with Entra ID, the token for Azure Monitor goes along; each run has its own id', async () => {
  const ingestion = await sink();
  const scopes: string[] = [];
  const credential = { getToken: async (scope: string | string[]) => (scopes.push(String(scope)), { token: 'a-token', expiresOnTimestamp: NOW + 3_600_000 }) };
  const first = await sendSample({ connectionString: ingestion.connectionString, now: NOW, credential });
  const second = await sendSample({ connectionString: ingestion.connectionString, now: NOW, credential, day: '2026-12-04' });
  expect(scopes).toEqual(['https://monitor.azure.com//.default', 'https://monitor.azure.com//.default']);
  expect(ingestion.requests.map((r) => r.authorization)).toEqual(['Bearer a-token', 'Bearer a-token']);
  expect(first.runId).not.toBe(second.runId);
  expect(new Set(ingestion.envelopes.map((e) => e.data?.baseData?.properties?.sampleRun))).toEqual(new Set([first.runId, second.runId]));
});

test('a day ingestion would refuse (over 48 hours ago, or still to come) is refused before sending', async () => {
  const ingestion = await sink();
  await expect(sendSample({ connectionString: ingestion.connectionString, now: NOW, day: '2026-12-02' })).rejects.toThrow(/older than ingestion accepts \(48 hours\)/);
  await expect(sendSample({ connectionString: ingestion.connectionString, now: Date.parse('2026-12-04T09:00:00.000Z'), day: '2026-12-04' })).rejects.toThrow(/in the future/);
  expect(ingestion.requests).toEqual([]);
});

test('ingestion refusing the events fails the run, with its answer', async () => {
  const ingestion = await sink();
  ingestion.setTrackStatus(400);
  await expect(sendSample({ connectionString: ingestion.connectionString, now: NOW })).rejects.toThrow(/accepted 0 of 81 events \(HTTP 400\): .*sink told to fail/);
});

test('every event of the sample keeps its name and dimensions in its envelope', () => {
  const sample = readSample();
  const envelopes = sampleEnvelopes(sample, { instrumentationKey: 'k', runId: 'r', shiftMs: 0 });
  expect(envelopes.map((e) => e.data.baseData.name)).toEqual(sample.map((e) => e.name));
  expect(envelopes.map((e) => e.time)).toEqual(sample.map((e) => new Date(e.timestamp).toISOString()));
});
