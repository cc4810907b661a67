import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { mulberry32 } from '../prove/random';

/**
 * What every benchmark shares: the machine line, medians, ratios and the report each one hands to
 * `run.ts`. Figures are never absolute alone: each is printed beside its same-run baseline.
 */

export interface BenchRow {
  /** What was measured, e.g. "200 rules, worst case". */
  metric: string;
  /** The measured figure, formatted with its unit. */
  value: string;
  /** The same-run baseline, formatted with its unit; '' when the figure is absolute by nature (a count, a size). */
  baseline: string;
  /** Ratio to the baseline (or the derived figure the target is about), formatted. */
  ratio: string;
  target: string;
  met: boolean;
}

export interface BenchReport {
  name: string;
  command: string;
  machine: string;
  rows: BenchRow[];
  notes: string[];
}

export function machine(): string {
  const cpu = cpus();
  const [one, five] = loadavg();
  return `${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version} ${process.platform}-${process.arch}, load average ${one?.toFixed(2)} / ${five?.toFixed(2)} at start`;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The p-th percentile (0-100) of samples, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function nowInMs(): number {
  return performance.now();
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratioText(r: number): string {
  return `${r >= 100 ? fmt(r, 0) : r >= 10 ? fmt(r, 1) : fmt(r, 2)}x`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded PRNG (mulberry32, the proofs' own), so a generated workload is the same on every run. */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed).next;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function printReport(report: BenchReport): void {
  console.log(`\n## ${report.name}\n`);
  console.log(`machine: ${report.machine}`);
  console.log(`command: ${report.command}\n`);
  console.log(table(['metric', 'measured', 'baseline (same run)', 'ratio / figure', 'target', 'met'], report.rows.map((r) => [r.metric, r.value, r.baseline, r.ratio, r.target, r.met ? 'yes' : 'NO'])));
  for (const note of report.notes) console.log(`- ${note}`);
}

/**
 * Runs a benchmark's main when its file is executed directly: prints the report and, under
 * `run.ts` (an IPC channel exists), hands the report to the parent.
 */
/**
 * A bench's child process that serves a host for the bench's clients: serves it, and closes it in order
 * (the host closes its database and removes its data directory) when the parent goes away or on SIGINT.
 */
export function serveUntilParentLeaves(serve: () => Promise<void>, close: () => Promise<void>): void {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
  const exit = () => void close().finally(() => process.exit(0));
  process.on('disconnect', exit);
  process.on('SIGINT', exit);
}

export function runIfMain(module: NodeModule, main: () => Promise<BenchReport>): void {
  if (require.main !== module) return;
  main().then((report) => {
    printReport(report);
    if (process.send) process.send({ report }, () => process.exit(0));
    else process.exit(0);
  }, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** Asks the V8 collector for a full collection; the benchmark must run with --expose-gc. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc to measure memory');
  gc();
  gc();
}
