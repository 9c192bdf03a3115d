import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import type { MonitoringFrame } from '../../src/sim/foresight/frames';
import { SEED } from '../../src/sim/foresight';
import type { ForesightSimulator } from '../../src/sim/foresight';
import { startSim, waitFor } from '../helpers/foresight';
import foresightServer from '../../nodes/foresight-server';
import bpmMonitor from '../../nodes/bpm-monitor';

/* eslint-disable @typescript-eslint/no-require-imports */
const coreNodes = [
  require('@node-red/nodes/core/common/20-inject.js'),
  require('@node-red/nodes/core/common/21-debug.js'),
  require('@node-red/nodes/core/common/25-catch.js'),
  require('@node-red/nodes/core/common/25-status.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

helper.init(require.resolve('node-red'));

type FlowNode = { id: string; type: string; z?: string; wires?: string[][]; [k: string]: unknown };

const EXAMPLE_ORIGIN = 'http://127.0.0.1:8810';

describe('examples/foresight/monitor-process.json', () => {
  let sim: ForesightSimulator;

  before(async () => {
    sim = await startSim();
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });
  after(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await sim.close();
  });

  it('should import, point at the simulator by its default port, and deliver process updates', async () => {
    const file = join(__dirname, '..', '..', '..', 'examples', 'foresight', 'monitor-process.json');
    const nodes = JSON.parse(readFileSync(file, 'utf8')) as FlowNode[];
    const server = nodes.find((n) => n.type === 'foresight-server')!;
    assert.equal(server.endpoint, `${EXAMPLE_ORIGIN}/FPBI_App_v10.x/axis2/services/PP.SOM.Som`);
    assert.equal(server.repository, SEED.repositoryId);
    assert.ok(nodes.some((n) => n.type === 'comment'));
    assert.ok(!JSON.stringify(nodes).includes('"credentials"'));

    server.endpoint = String(server.endpoint).replace(EXAMPLE_ORIGIN, sim.url);
    const monitor = nodes.find((n) => n.type === 'bpm-monitor')!;
    monitor.wires = [[...monitor.wires![0], 'probe']];
    const tab = { id: String(monitor.z), type: 'tab', label: 'example' };
    const flow = [tab, ...nodes, { id: 'probe', type: 'helper', z: tab.id }];
    await helper.load([foresightServer, bpmMonitor, ...coreNodes], flow as never, { [server.id]: { username: 'demo', password: 'demo' } });
    const received: Array<{ payload: MonitoringFrame }> = [];
    helper.getNode('probe').on('input', (m: object) => received.push(m as { payload: MonitoringFrame }));
    await waitFor(() => received.length === 1, 'the snapshot');
    assert.equal(received[0].payload.instKey, SEED.instanceKey);
  });
});
