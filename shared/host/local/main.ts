import { resolve } from 'node:path';
import { ConfigError, loadConfigOrThrow, SAMPLE_CONFIG_PATH } from '../../config/loadConfig';
import { BotCredentialsError } from '../../adapters/botframework/botTokenProvider';
import { telemetryFromEnvironment } from '../../adapters/appinsights';
import { startLocalHost } from './localHost';

/**
 * `npm start`: the whole system in one process on port 7071 (PORT overrides), on the configuration
 * named by SWITCHBOARD_CONFIG or --config (the sample by default), keeping data in
 * SWITCHBOARD_DATA_DIR (./data by default). SIGTERM and SIGINT shut down cleanly.
 */
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
  const dataDir = resolve(process.env.SWITCHBOARD_DATA_DIR ?? 'data');
  const port = Number(process.env.PORT ?? 7071);
  let host;
  try {
    host = await startLocalHost({ config, dataDir, port, hostname: process.env.HOST ?? '127.0.0.1', telemetry: telemetryFromEnvironment() });
  } catch (error) {
    if (error instanceof BotCredentialsError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  console.log(`Switchboard is listening on ${host.baseUrl}/api`);
  console.log(`  configuration: ${file}`);
  console.log(`  data:          ${dataDir}`);
  console.log(`  try:           curl -s -X POST ${host.baseUrl}/api/chats -H 'content-type: application/json' -d '{}'`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    host.close().then(() => process.exit(0), (error) => {
      console.error(error);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
