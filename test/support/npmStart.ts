import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_CONFIG_PATH } from '../../shared/config/loadConfig';
import { eventually } from './localHostHarness';

/** `npm start` as a user runs it (node -r @swc-node/register shared/host/local/main.ts), its two output streams kept apart. */
const root = join(__dirname, '..', '..');

export interface NpmStart {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Both streams, in arrival order. */
  output(): string;
  /** The exit code, or the signal's name when a signal ended it; once its output is all read. */
  exited: Promise<number | string | null>;
  /** Resolves once the output contains `text` (or matches it); fails after `timeoutInMs`, or when the process exits first, with the output so far. */
  waitFor(text: string | RegExp, timeoutInMs?: number): Promise<string>;
}

export function npmStart(env: Record<string, string>, args: string[] = []): NpmStart {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'shared/host/local/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
    output += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
    output += d;
  });
  // A host must not outlive the test process.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let gone = false;
  const exited = new Promise<number | string | null>((resolve) => child.on('close', (code, signal) => {
    gone = true;
    process.removeListener('exit', kill);
    resolve(code ?? signal);
  }));
  const waitFor = async (text: string | RegExp, timeoutInMs = 20_000): Promise<string> => {
    const found = () => (typeof text === 'string' ? (output.includes(text) ? text : undefined) : text.exec(output)?.[0]);
    try {
      return await eventually(`${String(text)} in the output`, async () => {
        const hit = found();
        if (hit === undefined && gone) throw new Error(`the process exited before ${String(text)} was in its output`);
        return hit;
      }, timeoutInMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the output so far:\n${output.slice(-4000)}`);
    }
  };
  return { child, stdout: () => stdout, stderr: () => stderr, output: () => output, exited, waitFor };
}

/** A port free on loopback: the one the process proofs use. */
export { freePort } from '../prove/hostProcess';

/** Writes the sample configuration with the demo bot's line replaced (e.g. to put the bot elsewhere); returns the file. */
export function sampleConfigFile(dir: string, demoBot: string): string {
  const sample = readFileSync(SAMPLE_CONFIG_PATH, 'utf8');
  const line = /^ {2}- \{ id: demo-bot, kind: bot, .*\}$/m;
  if (!line.test(sample)) throw new Error(`the sample configuration ${SAMPLE_CONFIG_PATH} no longer has the demo bot's line`);
  const file = join(dir, 'switchboard.yaml');
  writeFileSync(file, sample.replace(line, `  - ${demoBot}`));
  return file;
}
