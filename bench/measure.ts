/** Repetition, statistics and the results table shared by every benchmark row. */

/** One line of the table: a figure, the baseline it is compared with (same run), and its target. */
export interface Row {
  /** Row number of the benchmark plan and a letter, e.g. "1 a/b". */
  id: string;
  what: string;
  value: number;
  unit: string;
  baseline?: { value: number; label: string };
  /** What the target says, e.g. "≥ 2", and whether this run met it. */
  target?: { text: string; met: boolean };
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs every variant once per repetition, in turn (a b c, a b c, …), so a burst of load from
 * elsewhere on the machine hits all of them alike, and returns each variant's results.
 */
export async function alternate<K extends string, T>(reps: number, variants: Record<K, () => Promise<T>>): Promise<Record<K, T[]>> {
  const out = {} as Record<K, T[]>;
  const keys = Object.keys(variants) as K[];
  for (const k of keys) out[k] = [];
  for (let i = 0; i < reps; i++) {
    for (const k of keys) out[k].push(await variants[k]());
  }
  return out;
}

/** Epoch milliseconds with sub-millisecond precision, comparable with the Node-RED child's (same host clock). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 60_000, everyMs = 20): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`benchmark timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function fmt(n: number): string {
  const a = Math.abs(n);
  return a >= 1000 ? n.toFixed(0) : a >= 100 ? n.toFixed(0) : a >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export function formatTable(rows: Row[]): string {
  const header = ['#', 'measurement', 'value', 'baseline (same run)', 'ratio', 'target'];
  const lines = rows.map((r) => [
    r.id,
    r.what,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${fmt(r.baseline.value)} ${r.unit} (${r.baseline.label})` : '',
    r.baseline && r.baseline.value !== 0 ? `${(r.value / r.baseline.value).toFixed(2)}×` : '',
    r.target ? `${r.target.text} ${r.target.met ? 'met' : 'MISSED'}` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}
