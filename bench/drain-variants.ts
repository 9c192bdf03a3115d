/**
 * Row 1's drain for some variants only, each repetition's rate and Node-RED CPU time per record
 * printed: for profiling one variant without the others in the same profile.
 *
 *   node dist/bench/drain-variants.js a,f [reps] [--profile dir]
 */
import { parseArgs } from 'node:util';
import { drainInNodeRed } from './drain';
import { BenchRuntime } from './runtime';
import { FULL } from './sizes';

type Variant = 'a' | 'b' | 'f';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { profile: { type: 'string' } } });
  const variants = (positionals[0] ?? 'a').split(',') as Variant[];
  if (variants.some((v) => !['a', 'b', 'f'].includes(v))) throw new Error('variants: a, b or f, comma-separated');
  const reps = Math.max(1, Number(positionals[1] ?? 3));
  const rt = await BenchRuntime.start(values.profile ? { profileDir: values.profile } : {});
  try {
    const { drainEvents: n, packetSize, drainWarmupEvents } = FULL;
    for (const v of variants) await drainInNodeRed(rt, v, drainWarmupEvents, packetSize);
    const rates: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    for (let i = 0; i < reps; i++)
      for (const v of variants) {
        const { rate, cpuUsPerEvent } = await drainInNodeRed(rt, v, n, packetSize);
        (rates[v] ??= []).push(Math.round(rate));
        (cpu[v] ??= []).push(Number(cpuUsPerEvent.toFixed(2)));
      }
    // CPU time per record is what load from elsewhere on the machine disturbs least.
    for (const v of variants) console.log(`${v}: ${rates[v].join(', ')} ev/s; Node-RED CPU ${cpu[v].join(', ')} µs/record`);
  } finally {
    await rt.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
