/**
 * `bench-count`: the minimal node every benchmarked flow ends in. It counts msgs, notes the host
 * clock time of the first and the last one and, when a msg carries the simulator's enqueue time,
 * the latency. The harness reads it through admin endpoints, which also report the process's CPU
 * time and memory (after a full GC on request). Shipped only with the benchmarks.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CountStats, ProcessSample } from '../count-types';

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one host. */
const epochNow = (): number => performance.timeOrigin + performance.now();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const state = { count: 0, firstAt: undefined as number | undefined, lastAt: undefined as number | undefined, latencies: [] as number[] };

function reset(): void {
  state.count = 0;
  state.firstAt = undefined;
  state.lastAt = undefined;
  state.latencies = [];
}

/** The enqueue time the simulator wrote into the record (field `Time`, epoch ms), in any of the msg shapes the flows emit. */
function stampOf(payload: unknown): number | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as { raw?: { Time?: unknown }; fields?: unknown[] };
  const raw = p.raw?.Time ?? p.fields?.[1];
  const n = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function stats(): CountStats {
  const sorted = [...state.latencies].sort((a, b) => a - b);
  return {
    count: state.count,
    firstAt: state.firstAt,
    lastAt: state.lastAt,
    latency: sorted.length === 0 ? undefined : { samples: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1]! },
  };
}

function sample(): ProcessSample {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { at: epochNow(), cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rss: mem.rss, heapUsed: mem.heapUsed };
}

interface CountDef extends NodeDef {
  latency?: boolean;
}

export = function (RED: NodeAPI): void {
  function BenchCount(this: Node, config: CountDef): void {
    RED.nodes.createNode(this, config);
    reset();
    const latency = config.latency === true;
    this.on('input', (msg) => {
      const now = epochNow();
      state.count++;
      state.firstAt ??= now;
      state.lastAt = now;
      if (latency) {
        const stamp = stampOf((msg as { payload?: unknown }).payload);
        if (stamp !== undefined) state.latencies.push(now - stamp);
      }
    });
  }
  RED.nodes.registerType('bench-count', BenchCount);

  RED.httpAdmin.get('/bench-count/stats', (_req, res) => {
    res.json(stats());
  });
  RED.httpAdmin.post('/bench-count/reset', (_req, res) => {
    reset();
    res.json(stats());
  });
  RED.httpAdmin.get('/bench-count/process', (req, res) => {
    if (req.query.gc === '1') {
      gc();
      gc();
    }
    res.json(sample());
  });
};
