/** Timing and heap helpers shared by the benchmarks. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One line of the results table: a measurement and the baseline it is compared with, in the same run. */
export interface Row {
  area: string;
  what: string;
  value: number;
  baseline: number;
  unit: string;
  baselineLabel: string;
  /** 'higher' when a bigger value is better (throughput), 'lower' for costs. */
  better: 'higher' | 'lower';
}

/**
 * Runs the measurement and its baseline alternately `runs` times and returns the median of each, so
 * a burst of load from elsewhere on the machine hits both sides alike.
 */
export async function pairedMedians(runs: number, measure: () => Promise<number>, baseline: () => Promise<number>): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    b.push(await baseline());
    a.push(await measure());
  }
  const mid = (values: number[]): number => values.sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  return [mid(a), mid(b)];
}

export async function timed(work: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap (bytes) that the items of `keep` hold: measured by dropping them and collecting garbage. */
export function heapHeldBy(keep: unknown[]): number {
  gc();
  gc();
  const withItems = process.memoryUsage().heapUsed;
  keep.length = 0;
  gc();
  gc();
  return withItems - process.memoryUsage().heapUsed;
}

export function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error(`benchmark timed out waiting for ${what}`));
      else setImmediate(poll);
    };
    poll();
  });
}

export function formatTable(rows: Row[]): string {
  const header = ['area', 'measurement', 'value', 'baseline (same run)', 'ratio'];
  const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
  const lines = rows.map((r) => [
    r.area,
    r.what,
    `${fmt(r.value)} ${r.unit}`,
    `${fmt(r.baseline)} ${r.unit} (${r.baselineLabel})`,
    `${(r.value / r.baseline).toFixed(2)}x${r.better === 'higher' ? ' (higher is better)' : ' (lower is better)'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [row(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(row)].join('\n');
}
