import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sleep } from './random';

/** `npm start` as a separate process (node -r @swc-node/register shared/host/local/main.ts), killed and restarted at will. */
const root = join(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export class HostProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';
  starts = 0;
  readonly startTimesInMs: number[] = [];

  constructor(private readonly env: Record<string, string>) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The running process's id (for /proc), or undefined when it is down. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last few kB the processes wrote, for a failure report. */
  tail(chars = 4000): string {
    return this.output.slice(-chars);
  }

  async start(timeoutInMs = 60_000): Promise<void> {
    const began = Date.now();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'shared/host/local/main.ts'], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    let mine = '';
    const collect = (d: Buffer) => {
      mine += d;
      this.output = (this.output + d).slice(-64_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (!mine.includes('listening on')) {
      if (gone) throw new Error(`the host exited during start:\n${mine.slice(-3000)}`);
      if (Date.now() - began > timeoutInMs) throw new Error(`the host did not start within ${timeoutInMs} ms:\n${mine.slice(-3000)}`);
      await sleep(10);
    }
    this.startTimesInMs.push(Date.now() - began);
  }

  /** kill -9: no handler runs, nothing is flushed but what SQLite already committed. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }
}
