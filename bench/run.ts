/**
 * `npm run bench`: every row measured inside a real Node-RED child process against the simulators
 * on loopback, each figure next to a baseline measured in the same run (medians of alternating
 * repetitions), so the machine's speed mostly cancels out in the ratio.
 *
 *   node dist/bench/run.js [--quick] [--only 1,4] [--json file] [--profile dir]
 *
 * --quick    tiny counts, one repetition: a smoke run of the harness, not a measurement
 * --only     run only these rows of the plan (numbers below)
 * --reps     repetitions per row instead of the default (for profiling)
 * --json     also write the rows as JSON
 * --profile  run Node-RED with --cpu-prof; the .cpuprofile lands in dir when the run ends
 *            (summarise it with `node dist/bench/profile-summary.js <file>`)
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { resolveRedJs } from '../src/cli/node-red-launcher';
import { benchCursor } from './cursor';
import { benchDrain } from './drain';
import { benchIdle } from './idle';
import { benchLatency } from './latency';
import { formatTable, type Row } from './measure';
import { benchMemory } from './memory';
import { BenchRuntime } from './runtime';
import { FULL, QUICK, type Sizes } from './sizes';
import { benchStartup } from './startup';
import { benchWebSocket } from './websocket';

/** The plan, by row number. */
const PLAN: Array<{ row: number; name: string; bench: (rt: BenchRuntime, sizes: Sizes) => Promise<Row[]> }> = [
  { row: 1, name: 'backlog drain', bench: benchDrain },
  { row: 2, name: 'latency', bench: benchLatency },
  { row: 3, name: 'memory', bench: benchMemory },
  { row: 4, name: 'WebSocket', bench: benchWebSocket },
  { row: 5, name: 'start-up', bench: benchStartup },
  { row: 6, name: 'idle cost', bench: benchIdle },
  { row: 7, name: 'crash-safe cursor', bench: benchCursor },
];

export interface BenchReport {
  quick: boolean;
  machine: { nproc: number; cpu: string; node: string; nodeRed: string };
  seconds: number;
  rows: Row[];
}

function machine(): BenchReport['machine'] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeRed = (require(require.resolve('node-red/package.json', { paths: [resolveRedJs()] })) as { version: string }).version;
  return { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, nodeRed };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, reps: { type: 'string' }, json: { type: 'string' }, profile: { type: 'string' } },
  });
  const quick = values.quick === true;
  const sizes: Sizes = { ...(quick ? QUICK : FULL), ...(values.reps ? { reps: Math.max(1, Number(values.reps)) } : {}) };
  const only = values.only ? new Set(values.only.split(',').map((s) => Number(s.trim()))) : undefined;
  const started = Date.now();
  const rows: Row[] = [];
  const rt = await BenchRuntime.start(values.profile ? { profileDir: values.profile } : {});
  try {
    for (const step of PLAN) {
      if (only && !only.has(step.row)) continue;
      const t = Date.now();
      process.stdout.write(`${step.row}. ${step.name}... `);
      rows.push(...(await step.bench(rt, sizes)));
      console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  } catch (err) {
    if (rows.length > 0) console.log(`\nRows measured before the failure:\n${formatTable(rows)}\n`);
    const tail = rt.lines.slice(-20).join('\n');
    if (tail) console.error(`--- Node-RED output ---\n${tail}`);
    throw err;
  } finally {
    await rt.stop();
  }
  const report: BenchReport = { quick, machine: machine(), seconds: (Date.now() - started) / 1000, rows };
  const m = report.machine;
  console.log('');
  console.log(formatTable(rows));
  console.log(
    `\n${m.nproc} × ${m.cpu}, Node ${m.node}, Node-RED ${m.nodeRed}; ${report.seconds.toFixed(0)} s in all; ` +
      (quick ? 'QUICK smoke run (tiny counts, one repetition): not a measurement.' : `medians of ${sizes.reps} alternating repetitions, loopback only.`),
  );
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
