/**
 * Row 2, latency: alarms raised at a steady rate; each record carries the time the simulator queued
 * it (field Time, epoch ms) and the counting node takes the difference on arrival (same host clock).
 * p50 and p99 of `scada-events` against the leanest node at the same poll interval.
 */
import type { MasterScadaSimulator } from '../src/sim/masterscada';
import { leanFlow, scadaEventsFlow } from './flows';
import { alternate, epochNow, median, sleep, type Row } from './measure';
import type { BenchRuntime } from './runtime';
import { polled, startScadaSim, subscribe } from './scada';
import type { Sizes } from './sizes';

interface Latency {
  p50: number;
  p99: number;
}

/** Raises `rate` alarms per second for `windowMs`, paced by elapsed time; returns how many. */
async function steady(sim: MasterScadaSimulator, rate: number, windowMs: number): Promise<number> {
  const start = epochNow();
  const total = Math.round((rate * windowMs) / 1000);
  let raised = 0;
  while (raised < total) {
    const due = Math.min(total, Math.floor(((epochNow() - start) * rate) / 1000));
    for (; raised < due; raised++) sim.raise({ message: `Авария ${raised}`, severity: 500 });
    await sleep(2);
  }
  return total;
}

async function run(rt: BenchRuntime, variant: 'a' | 'f', pollMs: number, sizes: Sizes): Promise<Latency> {
  const sim = await startScadaSim(sizes.latencyRate * 10, 100);
  try {
    if (variant === 'a') await rt.deploy(scadaEventsFlow(sim.url, pollMs / 1000, { latency: true }));
    else await rt.deploy(leanFlow(await subscribe(sim), pollMs, { latency: true }));
    await polled(sim, 2);
    const total = await steady(sim, sizes.latencyRate, sizes.latencyWindowMs);
    const stats = await rt.counted(total, `variant ${variant} at ${pollMs} ms`, 30_000);
    return { p50: stats.latency!.p50, p99: stats.latency!.p99 };
  } finally {
    await rt.clear();
    await sim.close();
  }
}

export async function benchLatency(rt: BenchRuntime, sizes: Sizes): Promise<Row[]> {
  const rows: Row[] = [];
  const runs = await alternate(sizes.reps, {
    a100: () => run(rt, 'a', 100, sizes),
    f100: () => run(rt, 'f', 100, sizes),
    a1000: () => run(rt, 'a', 1000, sizes),
    f1000: () => run(rt, 'f', 1000, sizes),
  });
  for (const pollMs of [100, 1000] as const) {
    const a = runs[`a${pollMs}`];
    const f = runs[`f${pollMs}`];
    const what = `latency queue → count, ${sizes.latencyRate} ev/s, poll ${pollMs} ms, scada-events`;
    const label = 'leanest node, same poll';
    rows.push({ id: '2 p50', what, value: median(a.map((l) => l.p50)), unit: 'ms', baseline: { value: median(f.map((l) => l.p50)), label } });
    const p99 = median(a.map((l) => l.p99));
    rows.push({ id: '2 p99', what, value: p99, unit: 'ms', baseline: { value: median(f.map((l) => l.p99)), label }, target: { text: `≤ ${pollMs + 20} ms`, met: p99 <= pollMs + 20 } });
  }
  return rows;
}
