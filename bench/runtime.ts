/**
 * The Node-RED child process every row runs in: this package loaded from the build (as the demo and
 * the flow tests load it) and the benchmark-only nodes of `bench/nodes/` from a `nodesDir`.
 * Flows are deployed through the admin API; the `bench-count` node's admin endpoints report counts,
 * latencies, CPU time and memory.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeRedRuntime, type NodeRedRuntime } from '../test/helpers/node-red-runtime';
import type { CountStats, ProcessSample } from './count-types';
import { emptyFlow } from './flows';
import { epochNow, waitUntil } from './measure';

const BENCH_NODES: Record<string, { inputs: number; outputs: number }> = {
  'bench-count': { inputs: 1, outputs: 0 },
  'bench-lean-events': { inputs: 0, outputs: 1 },
};

/** A nodesDir with a loader stub and an editor file per benchmark node; the code is the compiled `bench/nodes/*.js`. */
function writeNodesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nodes-'));
  for (const [type, ports] of Object.entries(BENCH_NODES)) {
    writeFileSync(join(dir, `${type}.js`), `module.exports = require(${JSON.stringify(join(__dirname, 'nodes', `${type}.js`))});\n`);
    writeFileSync(
      join(dir, `${type}.html`),
      `<script type="text/javascript">RED.nodes.registerType(${JSON.stringify(type)}, { category: 'bench', defaults: {}, inputs: ${ports.inputs}, outputs: ${ports.outputs}, label: ${JSON.stringify(type)} });</script>\n` +
        `<script type="text/html" data-template-name=${JSON.stringify(type)}></script>\n`,
    );
  }
  return dir;
}

/** A node binary that runs Node with `--cpu-prof`, writing the profile into `dir` when Node-RED exits. */
function profilingNode(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'node-cpu-prof.sh');
  writeFileSync(script, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --cpu-prof --cpu-prof-dir ${JSON.stringify(dir)} "$@"\n`);
  chmodSync(script, 0o755);
  return script;
}

export class BenchRuntime {
  private constructor(
    private readonly nodeRed: NodeRedRuntime,
    private readonly nodesDir: string,
  ) {}

  static async start(options: { profileDir?: string } = {}): Promise<BenchRuntime> {
    const nodesDir = writeNodesDir();
    try {
      const nodeRed = await startNodeRedRuntime({
        flows: emptyFlow(),
        settings: { nodesDir: [nodesDir] },
        ...(options.profileDir ? { nodeBinary: profilingNode(options.profileDir) } : {}),
      });
      return new BenchRuntime(nodeRed, nodesDir);
    } catch (err) {
      rmSync(nodesDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Everything Node-RED printed. */
  get lines(): readonly string[] {
    return this.nodeRed.lines;
  }

  /** A full deploy; resolves once the runtime has (re)started the flows. Returns the epoch time the request was sent. */
  async deploy(flows: unknown[]): Promise<number> {
    const sentAt = epochNow();
    const res = await this.nodeRed.api('flows', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    if (!res.ok) throw new Error(`deploy failed: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    await res.body?.cancel();
    return sentAt;
  }

  /** Back to only the counting node, so the next measurement starts from the same place. */
  async clear(): Promise<void> {
    await this.deploy(emptyFlow());
  }

  stats(): Promise<CountStats> {
    return this.nodeRed.apiJson<CountStats>('bench-count/stats');
  }

  async reset(): Promise<void> {
    await this.nodeRed.apiJson('bench-count/reset', { method: 'POST' });
  }

  /** CPU time and memory of the Node-RED process; `gc` collects garbage fully first. */
  sample(gc = false): Promise<ProcessSample> {
    return this.nodeRed.apiJson<ProcessSample>(`bench-count/process${gc ? '?gc=1' : ''}`);
  }

  /** Waits until the counting node has seen `count` msgs and returns its stats. */
  async counted(count: number, what: string, timeoutMs = 60_000): Promise<CountStats> {
    let last: CountStats | undefined;
    await waitUntil(
      async () => {
        last = await this.stats();
        return last.count >= count;
      },
      () => `${count} msgs from ${what} (counted ${last?.count ?? 0})`,
      timeoutMs,
      50,
    );
    return last!;
  }

  async stop(): Promise<void> {
    try {
      await this.nodeRed.stop();
    } finally {
      rmSync(this.nodesDir, { recursive: true, force: true });
    }
  }
}
