import { resolve } from 'node:path';
import { ConfigError, loadConfigOrThrow, SAMPLE_CONFIG_PATH } from '../../config/loadConfig';
import { routingWarnings } from '../../config/routingWarnings';
import { BotCredentialsError } from '../../adapters/botframework/botTokenProvider';
import { ProblemLinesTelemetry, telemetryFromEnvironment } from '../../adapters/appinsights';
import { parsePublicUrl, readAzureSettings, SETTINGS, SettingsError, type AzureSettings } from '../azure/azureSettings';
import { decideExposure, type Exposure } from './exposure';
import { localTokenSecret, startCloudHost, startLocalHost } from './localHost';
import { buildPages, pagesAreStale } from './pagesBuild';
import { closeOnSignals, readShutdownTimeout } from './shutdown';

/**
 * `npm start`: the whole system in one process on port 7071 (PORT overrides), on the configuration
 * named by SWITCHBOARD_CONFIG or --config (the sample by default), keeping data in
 * SWITCHBOARD_DATA_DIR (./data by default). SIGTERM and SIGINT shut down cleanly, within
 * SWITCHBOARD_SHUTDOWN_TIMEOUT_SECONDS (30 by default); a second one exits at once.
 */
/**
 * With COSMOS_ENDPOINT set, `npm start` runs against real Azure resources (the Azure app settings,
 * signed in with DefaultAzureCredential, e.g. `az login`), serving them on this machine.
 */
function cloudSettings(configFile: string, dataDir: string, publicUrl: string | undefined): AzureSettings {
  const result = readAzureSettings({
    [SETTINGS.config]: configFile,
    [SETTINGS.tokenSecret]: process.env[SETTINGS.tokenSecret] ?? localTokenSecret(dataDir),
    ...process.env,
    // The Azure settings require one; the host takes `publicUrl` from its options (its own address when unset).
    [SETTINGS.publicUrl]: publicUrl ?? 'http://localhost',
  });
  if (!result.ok) {
    console.error(new SettingsError(result.problems).message);
    process.exit(1);
  }
  return result.settings;
}

/**
 * SWITCHBOARD_PUBLIC_URL, checked as the Azure host checks it: the base URL a bot elsewhere (a container,
 * another machine) reaches this process on. Unset: bots reply to the address npm start listens on.
 */
function publicUrlSetting(): string | undefined {
  const value = process.env[SETTINGS.publicUrl]?.trim();
  if (!value) return undefined;
  const parsed = parsePublicUrl(value);
  if (!parsed.ok) {
    console.error(new SettingsError([parsed.problem]).message);
    process.exit(1);
  }
  return parsed.publicUrl;
}

/** What this process opens to whoever reaches HOST: the operator routes and the development agent tokens. */
function exposureSettings(hostname: string): Exposure {
  const decided = decideExposure(hostname, process.env);
  if (!decided.ok) {
    console.error(new SettingsError(decided.problems).message);
    process.exit(1);
  }
  return decided.exposure;
}

/** SWITCHBOARD_TRUST_FORWARDED_FOR: true only behind a reverse proxy that appends the client's address to X-Forwarded-For. */
function trustForwardedForSetting(): boolean {
  const value = process.env.SWITCHBOARD_TRUST_FORWARDED_FOR?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  console.error(new SettingsError([`SWITCHBOARD_TRUST_FORWARDED_FOR must be true or false, got "${process.env.SWITCHBOARD_TRUST_FORWARDED_FOR}"`]).message);
  process.exit(1);
}

/**
 * SWITCHBOARD_FEED_RETENTION_HOURS: how long the live feeds keep events in the data directory before the
 * sweep prunes them (48 by default). Against Cosmos DB the feeds container's defaultTtl decides instead.
 */
function feedRetentionSetting(): number | undefined {
  const value = process.env.SWITCHBOARD_FEED_RETENTION_HOURS?.trim();
  if (!value) return undefined;
  const hours = Number(value);
  if (Number.isInteger(hours) && hours > 0) return hours * 3600;
  console.error(new SettingsError([`SWITCHBOARD_FEED_RETENTION_HOURS must be a positive whole number of hours, got "${value}"`]).message);
  process.exit(1);
}

/**
 * The pages (/chat) are served from dist/pages: built first when a source is newer, else left as they are.
 * A failed build is reported and the API served all the same: the pages are its clients, not its parts.
 */
async function buildStalePages(): Promise<void> {
  if (!pagesAreStale()) return;
  console.log('Building the pages (pages/ changed since the last build)...');
  try {
    await buildPages({ quiet: true });
  } catch (error) {
    console.warn(`warning: ${(error as Error).message}\nwarning: the API is served; the pages are not (npm run build:pages to retry)`);
  }
}

function configPath(argv: string[]): string {
  const flag = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  const fromFlag = flag < 0 ? undefined : argv[flag]?.includes('=') ? argv[flag]?.split('=')[1] : argv[flag + 1];
  return resolve(fromFlag ?? process.env.SWITCHBOARD_CONFIG ?? SAMPLE_CONFIG_PATH);
}

async function main(): Promise<void> {
  const file = configPath(process.argv.slice(2));
  let config;
  try {
    config = loadConfigOrThrow(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  for (const warning of routingWarnings(config)) console.warn(`warning: ${warning}`);
  await buildStalePages();
  const dataDir = resolve(process.env.SWITCHBOARD_DATA_DIR ?? 'data');
  const port = Number(process.env.PORT ?? 7071);
  // Warnings and errors are printed on stderr, one readable line each; the telemetry gets everything as before.
  const telemetry = new ProblemLinesTelemetry(telemetryFromEnvironment());
  const publicUrl = publicUrlSetting();
  const shutdown = readShutdownTimeout(process.env);
  if (!shutdown.ok) {
    console.error(new SettingsError([shutdown.problem]).message);
    process.exit(1);
  }
  const hostname = process.env.HOST ?? '127.0.0.1';
  const exposure = exposureSettings(hostname);
  for (const warning of exposure.warnings) console.warn(`warning: ${warning}`);
  const common = {
    config, port, hostname, publicUrl, telemetry, trustForwardedFor: trustForwardedForSetting(), feedRetentionInSeconds: feedRetentionSetting(),
    // Agent tokens and the operator key follow the same rule in both modes (see exposure.ts).
    agentAuthentication: { tokens: exposure.agentTokens, appServicePrincipal: false },
    operatorKey: exposure.operator.kind === 'key' ? exposure.operator.key : undefined,
    operatorRoutesLocked: exposure.operator.kind === 'locked',
  };
  const cloud = process.env[SETTINGS.cosmosEndpoint] ? cloudSettings(file, dataDir, publicUrl) : undefined;
  let host;
  try {
    host = cloud ? await startCloudHost({ ...common, azure: cloud }) : await startLocalHost({ ...common, dataDir });
  } catch (error) {
    if (error instanceof BotCredentialsError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  console.log(`Switchboard is listening on ${host.baseUrl}/api`);
  console.log(`  chat page:     ${host.baseUrl}/chat`);
  console.log(`  agent page:    ${host.baseUrl}/agent`);
  console.log(`  supervisor:    ${host.baseUrl}/supervisor   insights: ${host.baseUrl}/insights`);
  console.log(`  health:        ${host.baseUrl}/api/health`);
  console.log(`  configuration: ${file}`);
  if (publicUrl) console.log(`  bots reply to: ${publicUrl}/api/connector/ (${SETTINGS.publicUrl})`);
  console.log(cloud ? `  data:          Cosmos DB ${cloud.cosmos.endpoint}, Service Bus ${'connectionString' in cloud.serviceBus ? '(connection string)' : cloud.serviceBus.fullyQualifiedNamespace}` : `  data:          ${dataDir}`);
  console.log(`  try:           curl -s -X POST ${host.baseUrl}/api/chats -H 'content-type: application/json' -d '{}'`);
  closeOnSignals(() => host.close(), { timeoutInMs: shutdown.timeoutInMs });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
