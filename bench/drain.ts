/**
 * Row 1, backlog drain: a backlog of alarms queued at once in the simulator, drained into the
 * counting node by (a) `scada-events`, (b) the core flow a user would build, (f) the leanest node
 * anyone could write, and (c) the package's engine with no Node-RED (a worker thread). Events per
 * second from the end of the raising to the last record counted.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CeilingData, CeilingMessage } from './ceiling-worker';
import { coreFlow, leanFlow, scadaEventsFlow } from './flows';
import { alternate, median, type Row } from './measure';
import type { BenchRuntime } from './runtime';
import { polled, raise, startScadaSim, subscribe } from './scada';
import type { Sizes } from './sizes';

/** Fast polling, so the wait before the first poll after the raise is the same (≤ 50 ms) for every variant. */
const POLL_MS = 50;

type Variant = 'a' | 'b' | 'f' | 'c';

/** Events per second of one drain; `fdatasync` is the `scada-events` node's setting (variant a only). */
/** Row 1's drain of one variant: records per second, and the Node-RED process's CPU time per record. */
export async function drainInNodeRed(rt: BenchRuntime, variant: Exclude<Variant, 'c'>, events: number, packetSize: number, options: { fdatasync?: boolean } = {}): Promise<{ rate: number; cpuUsPerEvent: number }> {
  const sim = await startScadaSim(events, packetSize);
  try {
    if (variant === 'a') await rt.deploy(scadaEventsFlow(sim.url, POLL_MS / 1000, options));
    else if (variant === 'b') await rt.deploy(coreFlow(await subscribe(sim), POLL_MS / 1000));
    else await rt.deploy(leanFlow(await subscribe(sim), POLL_MS));
    await polled(sim);
    const before = await rt.sample();
    const start = raise(sim, events);
    const stats = await rt.counted(events, `variant ${variant}`);
    const after = await rt.sample();
    const cpuUs = after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs;
    return { rate: (events / (stats.lastAt! - start)) * 1000, cpuUsPerEvent: cpuUs / events };
  } finally {
    await rt.clear();
    await sim.close();
  }
}

export async function inNodeRed(rt: BenchRuntime, variant: Exclude<Variant, 'c'>, events: number, packetSize: number, options: { fdatasync?: boolean } = {}): Promise<number> {
  return (await drainInNodeRed(rt, variant, events, packetSize, options)).rate;
}

async function ceiling(events: number, packetSize: number): Promise<number> {
  const sim = await startScadaSim(events, packetSize);
  const worker = new Worker(join(__dirname, 'ceiling-worker.js'), { workerData: { url: sim.url, count: events, pollMs: POLL_MS } satisfies CeilingData });
  try {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const next = (kind: CeilingMessage['kind']): Promise<CeilingMessage> =>
      new Promise((resolve, reject) => {
        const onMessage = (m: CeilingMessage): void => {
          if (m.kind !== kind) return;
          worker.off('message', onMessage);
          resolve(m);
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
      });
    await next('ready');
    const done = next('done');
    const start = raise(sim, events);
    const { lastAt } = (await done) as Extract<CeilingMessage, { kind: 'done' }>;
    worker.postMessage('stop');
    await exited;
    return (events / (lastAt - start)) * 1000;
  } finally {
    await worker.terminate();
    await sim.close();
  }
}

export async function benchDrain(rt: BenchRuntime, sizes: Sizes): Promise<Row[]> {
  const { drainEvents: n, packetSize } = sizes;
  const variants = {
    a: () => inNodeRed(rt, 'a', n, packetSize),
    b: () => inNodeRed(rt, 'b', n, packetSize),
    f: () => inNodeRed(rt, 'f', n, packetSize),
    c: () => ceiling(n, packetSize),
  };
  // Warm-up (JIT, connections) of every path, not counted.
  const warmup = Math.max(packetSize, sizes.drainWarmupEvents);
  for (const v of ['a', 'b', 'f'] as const) await inNodeRed(rt, v, warmup, packetSize);
  await ceiling(warmup, packetSize);
  const runs = await alternate(sizes.reps, variants);
  const rate = { a: median(runs.a), b: median(runs.b), f: median(runs.f), c: median(runs.c) };
  const what = `backlog drain, ${n} events (${packetSize}/packet), scada-events`;
  return [
    { id: '1 a/b', what, value: rate.a, unit: 'ev/s', baseline: { value: rate.b, label: '(b) core inject → http request → function' }, target: { text: '≥ 2', met: rate.a / rate.b >= 2 } },
    { id: '1 a/f', what, value: rate.a, unit: 'ev/s', baseline: { value: rate.f, label: '(f) leanest node: node:http loop, one send per record' }, target: { text: '≥ 0.8', met: rate.a / rate.f >= 0.8 } },
    { id: '1 a/c', what, value: rate.a, unit: 'ev/s', baseline: { value: rate.c, label: "(c) the package's client + engine, no Node-RED" } },
  ];
}
