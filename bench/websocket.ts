/**
 * Row 4, WebSocket: the simulator pushes a flood of frames at once onto the monitoring socket;
 * frames per second from the push to the last frame counted, through `bpm-monitor` against the core
 * `websocket in` node (+ `json`, for the same parsed msg.payload) on the same socket.
 */
import type { ForesightSimulator } from '../src/sim/foresight';
import { bpmMonitorFlow, websocketInFlow } from './flows';
import { resolveSocket, startForesightSim, target } from './foresight';
import { alternate, epochNow, median, type Row } from './measure';
import type { BenchRuntime } from './runtime';
import type { Sizes } from './sizes';

async function run(rt: BenchRuntime, sim: ForesightSimulator, variant: 'monitor' | 'core', frames: number): Promise<number> {
  const socket = variant === 'core' ? await resolveSocket(sim) : undefined;
  try {
    await rt.deploy(socket ? websocketInFlow(socket.url) : bpmMonitorFlow(target(sim, 'json')));
    await rt.counted(1, `the ${variant} snapshot frame`, 30_000);
    await rt.reset();
    const start = epochNow();
    sim.floodFrames(frames);
    const stats = await rt.counted(frames, `${frames} frames via ${variant}`);
    return (frames / (stats.lastAt! - start)) * 1000;
  } finally {
    await rt.clear();
    await socket?.close();
  }
}

export async function benchWebSocket(rt: BenchRuntime, sizes: Sizes): Promise<Row[]> {
  const sim = await startForesightSim();
  try {
    await run(rt, sim, 'monitor', Math.round(sizes.frames / 10));
    await run(rt, sim, 'core', Math.round(sizes.frames / 10));
    const runs = await alternate(sizes.reps, { monitor: () => run(rt, sim, 'monitor', sizes.frames), core: () => run(rt, sim, 'core', sizes.frames) });
    const value = median(runs.monitor);
    const baseline = median(runs.core);
    return [
      {
        id: '4',
        what: `WebSocket frames/s, ${sizes.frames} frames pushed at once, bpm-monitor`,
        value,
        unit: 'fr/s',
        baseline: { value: baseline, label: 'core websocket in + json' },
        target: { text: '≥ 1.0', met: value / baseline >= 1 },
      },
    ];
  } finally {
    await sim.close();
  }
}
