/**
 * Row 5, start-up: from sending the deploy to the first msg at the counting node. `scada-events`
 * (logs in, subscribes, refreshes: the one queued alarm comes as a Refresh record) against the
 * leanest node on a subscription made beforehand; `bpm-monitor` over JSON and over SOAP (five PP.SOM
 * calls, then the socket's snapshot frame) against the core `websocket in` node on a socket URL
 * resolved beforehand.
 */
import type { ForesightSimulator } from '../src/sim/foresight';
import { bpmMonitorFlow, leanFlow, scadaEventsFlow, websocketInFlow } from './flows';
import { resolveSocket, startForesightSim, target } from './foresight';
import { alternate, median, type Row } from './measure';
import type { BenchRuntime } from './runtime';
import { raise, startScadaSim, subscribe } from './scada';
import type { Sizes } from './sizes';

async function firstMsg(rt: BenchRuntime, flows: unknown[], what: string): Promise<number> {
  try {
    const sentAt = await rt.deploy(flows);
    const stats = await rt.counted(1, what, 30_000);
    return stats.firstAt! - sentAt;
  } finally {
    await rt.clear();
  }
}

async function scada(rt: BenchRuntime, variant: 'a' | 'f'): Promise<number> {
  const sim = await startScadaSim(10, 100);
  try {
    if (variant === 'a') {
      raise(sim, 1);
      return await firstMsg(rt, scadaEventsFlow(sim.url, 1), 'scada-events');
    }
    const sub = await subscribe(sim);
    raise(sim, 1);
    return await firstMsg(rt, leanFlow(sub, 1000), 'the leanest node');
  } finally {
    await sim.close();
  }
}

async function foresight(rt: BenchRuntime, sim: ForesightSimulator, variant: 'json' | 'soap' | 'core'): Promise<number> {
  if (variant !== 'core') return firstMsg(rt, bpmMonitorFlow(target(sim, variant)), `bpm-monitor over ${variant}`);
  const socket = await resolveSocket(sim);
  try {
    return await firstMsg(rt, websocketInFlow(socket.url), 'websocket in');
  } finally {
    await socket.close();
  }
}

export async function benchStartup(rt: BenchRuntime, sizes: Sizes): Promise<Row[]> {
  const sim = await startForesightSim();
  try {
    const runs = await alternate(sizes.reps, {
      a: () => scada(rt, 'a'),
      f: () => scada(rt, 'f'),
      json: () => foresight(rt, sim, 'json'),
      soap: () => foresight(rt, sim, 'soap'),
      core: () => foresight(rt, sim, 'core'),
    });
    const core = { value: median(runs.core), label: 'core websocket in, URL resolved beforehand' };
    return [
      { id: '5 json', what: 'start-up, deploy → first msg, scada-events (JSON API)', value: median(runs.a), unit: 'ms', baseline: { value: median(runs.f), label: 'leanest node, subscribed beforehand' } },
      { id: '5 json', what: 'start-up, deploy → first msg, bpm-monitor over JSON', value: median(runs.json), unit: 'ms', baseline: core },
      { id: '5 soap', what: 'start-up, deploy → first msg, bpm-monitor over SOAP', value: median(runs.soap), unit: 'ms', baseline: core },
    ];
  } finally {
    await sim.close();
  }
}
