/** bpm-monitor's instance key as a typed input: env and flow read at start, msg read from each msg. */
import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import { SEED } from '../../src/sim/foresight';
import type { ForesightSimulator } from '../../src/sim/foresight';
import { startSim, waitFor } from '../helpers/foresight';
import foresightServer from '../../nodes/foresight-server';
import bpmMonitor from '../../nodes/bpm-monitor';

helper.init(require.resolve('node-red'));

interface Msg {
  instance?: { key: string; guid: string };
}

describe('bpm-monitor node: typed instance key', () => {
  let sim: ForesightSimulator;
  let received: Msg[];

  async function load(monitor: Record<string, unknown>): Promise<void> {
    const flow = [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'srv', type: 'foresight-server', endpoint: sim.endpoint(), repository: SEED.repositoryId, transport: 'json', timeout: 5 },
      { id: 'mon', type: 'bpm-monitor', z: 'f1', server: 'srv', processKey: SEED.processKey, instanceKey: '', instanceGuid: '', topic: '', wires: [['out']], ...monitor },
      { id: 'out', type: 'helper', z: 'f1' },
    ];
    await helper.load([foresightServer, bpmMonitor], flow as never, { srv: { username: 'demo', password: 'demo' } });
    helper.getNode('out').on('input', (msg: object) => received.push(msg as Msg));
  }

  beforeEach(async () => {
    sim = await startSim({ users: { demo: 'demo' } });
    // An older instance than the seed one, so "the newest" and "the one named" differ.
    sim.startInstance({ key: '98100', startDate: '01.01.2020 00:00:00' });
    received = [];
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });

  afterEach(async () => {
    delete process.env.BPM_TEST_INSTANCE;
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await sim.close();
  });

  it('should follow the instance an environment variable names', async () => {
    process.env.BPM_TEST_INSTANCE = '98100';
    await load({ instanceKey: 'BPM_TEST_INSTANCE', instanceKeyType: 'env' });
    await waitFor(() => received.length === 1, 'the snapshot');
    assert.equal(received[0]!.instance?.key, '98100');
  });

  it('should start with the newest instance when the key comes from msg, then follow the key each msg carries', async () => {
    await load({ instanceKey: 'instance', instanceKeyType: 'msg' });
    await waitFor(() => received.length === 1, 'the snapshot of the newest instance');
    assert.equal(received[0]!.instance?.key, SEED.instanceKey);
    helper.getNode('mon').receive({ instance: '98100' });
    await waitFor(() => received.length === 2, 'the snapshot of the instance the msg names');
    assert.equal(received[1]!.instance?.key, '98100');
  });
});
