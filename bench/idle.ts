/**
 * Row 6, idle cost: `idleNodes` scada-events nodes on one server polling a simulator with nothing
 * to say every second. CPU time of the Node-RED process over three windows (one minute in the full
 * run) in % of one core, against as many leanest nodes polling as often and against the runtime with
 * only the counting node deployed; and its RSS. Also the same objects watched by one node with as
 * many selections (one subscription: one request per interval for all).
 */
import { idleLeanFlow, idleScadaEventsFlow, idleSelectionsFlow } from './flows';
import { alternate, median, sleep, waitUntil, type Row } from './measure';
import type { BenchRuntime } from './runtime';
import { startScadaSim, subscribe } from './scada';
import type { Sizes } from './sizes';
import type { MasterScadaSimulator } from '../src/sim/masterscada';

interface Idle {
  cpuPercent: number;
  rssMiB: number;
}

async function window(rt: BenchRuntime, ms: number): Promise<Idle> {
  const s0 = await rt.sample();
  await sleep(ms);
  const s1 = await rt.sample();
  const cpuMs = (s1.cpuUserUs - s0.cpuUserUs + s1.cpuSystemUs - s0.cpuSystemUs) / 1000;
  return { cpuPercent: (cpuMs / (s1.at - s0.at)) * 100, rssMiB: s1.rss / 1024 / 1024 };
}

async function withNodes(rt: BenchRuntime, sim: MasterScadaSimulator, sizes: Sizes): Promise<Idle> {
  await rt.deploy(idleScadaEventsFlow(sim.url, sizes.idleNodes, 1));
  try {
    await waitUntil(() => sim.subscriptionCount >= sizes.idleNodes, `${sizes.idleNodes} nodes to subscribe`, 30_000);
    // Past the first poll of every node (subscribe, refresh, first PublishEvents): the steady state.
    await sleep(2000);
    return await window(rt, sizes.idleWindowMs);
  } finally {
    await rt.clear();
  }
}

async function withOneNode(rt: BenchRuntime, sim: MasterScadaSimulator, sizes: Sizes): Promise<Idle> {
  const before = sim.subscriptionCount;
  await rt.deploy(idleSelectionsFlow(sim.url, sizes.idleNodes, 1));
  try {
    await waitUntil(() => sim.subscriptionCount > before, 'the node to subscribe', 30_000);
    await sleep(2000);
    return await window(rt, sizes.idleWindowMs);
  } finally {
    await rt.clear();
  }
}

async function withLeanNodes(rt: BenchRuntime, sim: MasterScadaSimulator, sizes: Sizes): Promise<Idle> {
  const subs = [];
  for (let i = 0; i < sizes.idleNodes; i++) subs.push(await subscribe(sim));
  await rt.deploy(idleLeanFlow(subs, 1000));
  try {
    await sleep(2000);
    return await window(rt, sizes.idleWindowMs);
  } finally {
    await rt.clear();
  }
}

/** A rate needs no window as long as the nodes' one: half of it. */
async function empty(rt: BenchRuntime, sizes: Sizes): Promise<Idle> {
  await sleep(500);
  return window(rt, sizes.idleWindowMs / 2);
}

export async function benchIdle(rt: BenchRuntime, sizes: Sizes): Promise<Row[]> {
  const sim = await startScadaSim(10, 100);
  try {
    const runs = await alternate(sizes.reps, { nodes: () => withNodes(rt, sim, sizes), one: () => withOneNode(rt, sim, sizes), lean: () => withLeanNodes(rt, sim, sizes), empty: () => empty(rt, sizes) });
    const cpu = median(runs.nodes.map((r) => r.cpuPercent));
    const what = `idle, ${sizes.idleNodes} scada-events polling every 1 s, ${(sizes.reps * sizes.idleWindowMs) / 1000} s`;
    const emptyLabel = 'only the counting node deployed';
    const target = { text: '< 2 %', met: cpu < 2 };
    return [
      { id: '6 cpu', what: `${what}: CPU of one core`, value: cpu, unit: '%', baseline: { value: median(runs.lean.map((r) => r.cpuPercent)), label: `${sizes.idleNodes} leanest nodes, same poll` }, target },
      { id: '6 cpu', what: `${what}: CPU of one core`, value: cpu, unit: '%', baseline: { value: median(runs.empty.map((r) => r.cpuPercent)), label: emptyLabel }, target },
      {
        id: '6 one',
        what: `idle, the same ${sizes.idleNodes} objects watched by one scada-events node with ${sizes.idleNodes} selections: CPU of one core`,
        value: median(runs.one.map((r) => r.cpuPercent)),
        unit: '%',
        baseline: { value: cpu, label: `${sizes.idleNodes} scada-events nodes, one selection each` },
      },
      { id: '6 rss', what: `${what}: RSS`, value: median(runs.nodes.map((r) => r.rssMiB)), unit: 'MiB', baseline: { value: median(runs.empty.map((r) => r.rssMiB)), label: emptyLabel } },
    ];
  } finally {
    await sim.close();
  }
}
