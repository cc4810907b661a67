import { fork } from 'node:child_process';
import { join } from 'node:path';
import { machine, table, type BenchReport } from './benchSupport';

/**
 * `npm run bench [-- <name>...]`: runs the benchmarks one after another, each in its own process
 * (a fresh heap, --expose-gc for the memory figures), and prints one summary table at the end.
 * Never part of `npm test`: these files are not *.test.ts and time nothing against a fixed bound.
 */

const BENCHES = ['rules', 'httpEdge', 'endToEnd', 'scale', 'directLine', 'workspace', 'insights'] as const;
type BenchName = (typeof BENCHES)[number];

function runOne(name: BenchName): Promise<BenchReport> {
  const child = fork(join(__dirname, `${name}.bench.ts`), [], { execArgv: ['--expose-gc', '-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let report: BenchReport | undefined;
    child.on('message', (message: { report?: BenchReport }) => {
      if (message.report) report = message.report;
    });
    child.once('error', reject);
    child.once('exit', (code) => (report ? resolve(report) : reject(new Error(`bench ${name} exited with ${code} and no report`))));
  });
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((a) => !(BENCHES as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; expected one or more of ${BENCHES.join(', ')}`);
    process.exit(2);
  }
  const names = asked.length > 0 ? (asked as BenchName[]) : [...BENCHES];
  const started = Date.now();
  const reports: BenchReport[] = [];
  const crashed: string[] = [];
  for (const name of names) {
    console.log(`\n=== ${name} ===`);
    try {
      reports.push(await runOne(name));
    } catch (error) {
      console.error(error);
      crashed.push(name);
    }
  }
  const rows = reports.flatMap((r) => r.rows.map((row) => [r.name, row.metric, row.value, row.baseline, row.ratio, row.target, row.met ? 'yes' : 'NO']));
  console.log(`\n# Summary (${((Date.now() - started) / 60_000).toFixed(1)} min)\n`);
  console.log(`machine: ${machine()}`);
  console.log(`command: npm run bench${asked.length ? ` -- ${asked.join(' ')}` : ''}\n`);
  console.log(table(['bench', 'metric', 'measured', 'baseline (same run)', 'ratio / figure', 'target', 'met'], rows));
  const missed = reports.flatMap((r) => r.rows).filter((row) => !row.met).length;
  console.log(`\n${missed === 0 ? 'every target met' : `${missed} target(s) missed`}${crashed.length ? `; crashed: ${crashed.join(', ')}` : ''}`);
  process.exit(crashed.length > 0 ? 1 : 0);
}

void main();
