import { constants } from 'node:os';

export const SHUTDOWN_TIMEOUT_SETTING = 'SWITCHBOARD_SHUTDOWN_TIMEOUT_SECONDS';
const DEFAULT_SHUTDOWN_TIMEOUT_IN_SECONDS = 30;

/** SWITCHBOARD_SHUTDOWN_TIMEOUT_SECONDS: a positive number of seconds, 30 when unset. */
export function readShutdownTimeout(env: NodeJS.ProcessEnv): { ok: true; timeoutInMs: number } | { ok: false; problem: string } {
  const raw = env[SHUTDOWN_TIMEOUT_SETTING]?.trim();
  if (!raw) return { ok: true, timeoutInMs: DEFAULT_SHUTDOWN_TIMEOUT_IN_SECONDS * 1000 };
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) return { ok: false, problem: `${SHUTDOWN_TIMEOUT_SETTING} must be a positive number of seconds, got "${raw}"` };
  return { ok: true, timeoutInMs: seconds * 1000 };
}

export interface CloseOnSignalsOptions {
  /** How long closing may take; then the process exits anyway (with 1). */
  timeoutInMs: number;
  signals?: NodeJS.Signals[];
  /** What is going on (stdout by default). */
  info?: (line: string) => void;
  /** What went wrong (stderr by default). */
  warn?: (line: string) => void;
  exit?: (code: number) => void;
}

/**
 * SIGTERM and SIGINT close the host: the handlers in flight finish first. Closing has a deadline: a
 * message whose handler cannot finish by then (a bus connection that dropped, a bot that does not
 * answer) is left to peek-lock, and is delivered again after the restart. A second signal exits at once,
 * with 128 + the signal's number, as a shell reports a process ended by that signal.
 */
export function closeOnSignals(close: () => Promise<void>, options: CloseOnSignalsOptions): void {
  const { timeoutInMs, signals = ['SIGTERM', 'SIGINT'], info = console.log, warn = console.error, exit = process.exit } = options;
  const seconds = timeoutInMs / 1000;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      warn(`${signal} again: exiting now, without waiting for the shutdown; what did not finish is delivered again after the restart`);
      return exit(128 + (constants.signals[signal] ?? 0));
    }
    stopping = true;
    info(`${signal}: shutting down (at most ${seconds} s; ${signal} again exits at once)`);
    const deadline = setTimeout(() => {
      warn(`shutdown did not finish within ${seconds} s: exiting; what did not finish is delivered again after the restart`);
      exit(1);
    }, timeoutInMs);
    close().then(() => {
      clearTimeout(deadline);
      exit(0);
    }, (error: unknown) => {
      clearTimeout(deadline);
      warn(`shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      exit(1);
    });
  };
  for (const signal of signals) process.on(signal, () => stop(signal));
}
