import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/identity';

/**
 * Sends the recorded day of traffic (test/fixtures/insights/day-of-traffic.events.json, the telemetry of
 * test/insights/dayOfTraffic.test.ts) to a real Application Insights resource, so the KQL in kpis.kql can be
 * checked against the numbers in day-of-traffic.expected.json (README "Insights in Application Insights"):
 *
 *   npm run insights:send-sample -- "<connection string>" [--day YYYY-MM-DD] [--run <id>] [--no-entra]
 *
 * - Straight to the ingestion API (`<IngestionEndpoint>/v2.1/track`), not through the applicationinsights SDK:
 *   the 3.x SDK stamps an event with the time it is tracked (it ignores `time`), and the sample must keep its own.
 * - The day moves to yesterday (UTC) by default, each event keeping its time of day: ingestion refuses an item
 *   older than 48 hours ("103: Field 'time' on type 'Envelope' is older than the allowed min date"), and
 *   yesterday's last event is at most ~40 hours old.
 * - Every event gets a `sampleRun` dimension (a new id per run, or --run): the queries' `let sampleRun` reads
 *   one run alone, and leaves every run out of the application's own numbers.
 * - Entra ID by default (the azd-deployed resource has local authentication disabled): a token for
 *   https://monitor.azure.com from DefaultAzureCredential (`az login`), whose identity needs the
 *   "Monitoring Metrics Publisher" role on the resource. --no-entra sends with the instrumentation key alone.
 */

export const SAMPLE_PATH = join(__dirname, '..', '..', 'test', 'fixtures', 'insights', 'day-of-traffic.events.json');
export const EXPECTED_PATH = join(__dirname, '..', '..', 'test', 'fixtures', 'insights', 'day-of-traffic.expected.json');

export interface SampleEvent { timestamp: string; name: string; properties: Record<string, string>; measurements: Record<string, number> }

const DAY_MS = 24 * 60 * 60 * 1000;
/** Ingestion's oldest accepted item is now - 48 h; a margin for the time the request takes. */
const OLDEST_ACCEPTED_MS = 47 * 60 * 60 * 1000;
const MONITOR_SCOPE = 'https://monitor.azure.com//.default';
const DEFAULT_INGESTION_ENDPOINT = 'https://dc.services.visualstudio.com/';

export function readSample(path: string = SAMPLE_PATH): SampleEvent[] {
  return JSON.parse(readFileSync(path, 'utf8')) as SampleEvent[];
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The shift that moves the sample's (first) day to `day`, each event keeping its time of day. */
export function shiftToDay(events: readonly SampleEvent[], day: string): number {
  const first = events[0];
  if (!first) throw new Error('the sample has no events');
  return Date.parse(`${day}T00:00:00.000Z`) - Date.parse(`${first.timestamp.slice(0, 10)}T00:00:00.000Z`);
}

/** Why ingestion would refuse the shifted sample, if it would: an event older than 48 hours, or in the future. */
export function ingestionProblem(events: readonly SampleEvent[], shiftMs: number, now: number): string | undefined {
  const times = events.map((e) => Date.parse(e.timestamp) + shiftMs);
  const oldest = Math.min(...times);
  const newest = Math.max(...times);
  if (oldest < now - OLDEST_ACCEPTED_MS) return `its first event (${new Date(oldest).toISOString()}) is older than ingestion accepts (48 hours): pick a later --day`;
  if (newest > now) return `its last event (${new Date(newest).toISOString()}) is in the future: pick an earlier --day`;
  return undefined;
}

export interface ConnectionString { instrumentationKey: string; ingestionEndpoint: string }

export function parseConnectionString(text: string): ConnectionString {
  const parts = new Map(text.split(';').filter((p) => p.includes('=')).map((p) => {
    const at = p.indexOf('=');
    return [p.slice(0, at).trim().toLowerCase(), p.slice(at + 1).trim()] as const;
  }));
  const instrumentationKey = parts.get('instrumentationkey');
  if (!instrumentationKey) throw new Error('the connection string has no InstrumentationKey');
  const endpoint = parts.get('ingestionendpoint') || DEFAULT_INGESTION_ENDPOINT;
  return { instrumentationKey, ingestionEndpoint: endpoint.endsWith('/') ? endpoint : `${endpoint}/` };
}

/** The sample as ingestion envelopes (Breeze EventData), shifted, each with the run id among its dimensions. */
export function sampleEnvelopes(events: readonly SampleEvent[], options: { instrumentationKey: string; runId: string; shiftMs: number }) {
  return events.map((event) => ({
    name: 'Microsoft.ApplicationInsights.Event',
    time: new Date(Date.parse(event.timestamp) + options.shiftMs).toISOString(),
    iKey: options.instrumentationKey,
    tags: {
      'ai.cloud.role': 'switchboard-insights-sample',
      ...(event.properties.conversationId ? { 'ai.operation.id': `${options.runId}-${event.properties.conversationId}` } : {}),
    },
    data: {
      baseType: 'EventData',
      baseData: { ver: 2, name: event.name, properties: { ...event.properties, sampleRun: options.runId }, measurements: event.measurements },
    },
  }));
}

export interface SendOptions {
  connectionString: string;
  /** UTC day the sample lands on (default: yesterday). */
  day?: string;
  runId?: string;
  /** Entra ID for ingestion; undefined sends with the instrumentation key alone. */
  credential?: TokenCredential;
  now?: number;
  events?: SampleEvent[];
}

export interface SendResult { runId: string; day: string; sent: number; accepted: number }

export async function sendSample(options: SendOptions): Promise<SendResult> {
  const now = options.now ?? Date.now();
  const events = options.events ?? readSample();
  const day = options.day ?? utcDay(now - DAY_MS);
  const shiftMs = shiftToDay(events, day);
  const problem = ingestionProblem(events, shiftMs, now);
  if (problem) throw new Error(`the sample cannot land on ${day}: ${problem}`);
  const { instrumentationKey, ingestionEndpoint } = parseConnectionString(options.connectionString);
  const runId = options.runId ?? `sample-${randomUUID().slice(0, 8)}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.credential) {
    const token = await options.credential.getToken(MONITOR_SCOPE);
    if (!token) throw new Error(`no Entra ID token for ${MONITOR_SCOPE}`);
    headers.authorization = `Bearer ${token.token}`;
  }
  const envelopes = sampleEnvelopes(events, { instrumentationKey, runId, shiftMs });
  const res = await fetch(new URL('v2.1/track', ingestionEndpoint), { method: 'POST', headers, body: JSON.stringify(envelopes) });
  const text = await res.text();
  let accepted = 0;
  try {
    accepted = (JSON.parse(text) as { itemsAccepted?: number }).itemsAccepted ?? 0;
  } catch {
    // not Breeze's answer: reported below
  }
  if (res.status !== 200 || accepted !== envelopes.length) {
    throw new Error(`ingestion accepted ${accepted} of ${envelopes.length} events (HTTP ${res.status}): ${text.slice(0, 1000)}`);
  }
  return { runId, day, sent: envelopes.length, accepted };
}

function argument(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const connectionString = args.find((a, i) => !a.startsWith('--') && !['--day', '--run'].includes(args[i - 1] ?? ''))
    ?? process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) throw new Error('usage: npm run insights:send-sample -- "<connection string>" [--day YYYY-MM-DD] [--run <id>] [--no-entra]');
  let credential: TokenCredential | undefined;
  if (!args.includes('--no-entra')) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    credential = new DefaultAzureCredential();
  }
  const result = await sendSample({ connectionString, day: argument(args, '--day'), runId: argument(args, '--run'), credential });
  console.log(`sent ${result.accepted} events of the recorded day to ${result.day} (UTC), sample run ${result.runId}`);
  console.log(`In Logs (after a few minutes), set \`let sampleRun = "${result.runId}";\` and \`let period = 1d;\` in each query of infra/insights/kpis.kql,`);
  console.log(`set the time range to include ${result.day}, and compare with ${EXPECTED_PATH}.`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
