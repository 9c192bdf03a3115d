/**
 * Row 3, memory: alarms fed through the flow in chunks; after each chunk is counted, the simulator
 * forgets its alarms and the Node-RED process reports heap and RSS after a full GC. Growth per
 * 100 000 events is the least-squares slope over the samples after the first chunk.
 */
import { leanFlow, scadaEventsFlow } from './flows';
import { alternate, median, slope, type Row } from './measure';
import type { BenchRuntime } from './runtime';
import { polled, raise, startScadaSim, subscribe } from './scada';
import type { Sizes } from './sizes';

const MIB = 1024 * 1024;
const PER = 100_000;

interface Growth {
  heap: number;
  rss: number;
}

async function run(rt: BenchRuntime, variant: 'a' | 'f', sizes: Sizes): Promise<Growth> {
  const sim = await startScadaSim(sizes.memoryChunk, 100);
  try {
    if (variant === 'a') await rt.deploy(scadaEventsFlow(sim.url, 0.05));
    else await rt.deploy(leanFlow(await subscribe(sim), 50));
    await polled(sim);
    const xs: number[] = [];
    const heap: number[] = [];
    const rss: number[] = [];
    for (let done = sizes.memoryChunk; done <= sizes.memoryEvents; done += sizes.memoryChunk) {
      raise(sim, sizes.memoryChunk);
      await rt.counted(done, `variant ${variant}, ${done} events`);
      sim.forgetEvents();
      const s = await rt.sample(true);
      xs.push(done);
      heap.push(s.heapUsed);
      rss.push(s.rss);
    }
    // The first chunk warms up (JIT, pools, caches); growth is what the rest add.
    const from = xs.length > 2 ? 1 : 0;
    return { heap: (slope(xs.slice(from), heap.slice(from)) * PER) / MIB, rss: (slope(xs.slice(from), rss.slice(from)) * PER) / MIB };
  } finally {
    await rt.clear();
    await sim.close();
  }
}

export async function benchMemory(rt: BenchRuntime, sizes: Sizes): Promise<Row[]> {
  const runs = await alternate(sizes.reps, { a: () => run(rt, 'a', sizes), f: () => run(rt, 'f', sizes) });
  const heap = median(runs.a.map((g) => g.heap));
  const what = (kind: string): string => `${kind} growth per 100 000 events over ${sizes.memoryEvents}, scada-events`;
  const label = 'leanest node, same events';
  return [
    { id: '3 heap', what: what('heap (after GC)'), value: heap, unit: 'MiB', baseline: { value: median(runs.f.map((g) => g.heap)), label }, target: { text: '≈ 0 (< 0.5 MiB)', met: heap < 0.5 } },
    { id: '3 rss', what: what('RSS'), value: median(runs.a.map((g) => g.rss)), unit: 'MiB', baseline: { value: median(runs.f.map((g) => g.rss)), label } },
  ];
}
