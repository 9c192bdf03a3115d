import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import { PpsomClient } from '../../src/foresight/client';
import { SEED } from '../../src/sim/foresight';
import type { ForesightSimulator } from '../../src/sim/foresight';
import type { ForesightServerNode } from '../../nodes/lib/foresight-connection';
import { startSim, waitFor } from '../helpers/foresight';
import { TEST_TLS } from '../helpers/foresight-tls';
import foresightServer from '../../nodes/foresight-server';
import bpmMonitor from '../../nodes/bpm-monitor';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsConfigNode = require('@node-red/nodes/core/network/05-tls.js');

helper.init(require.resolve('node-red'));

describe('foresight-server node', () => {
  let sim: ForesightSimulator;

  const server = (extra: Record<string, unknown> = {}) => ({
    id: 'srv',
    type: 'foresight-server',
    endpoint: sim.endpoint(),
    repository: SEED.repositoryId,
    transport: 'json',
    wsPathPrefix: '',
    timeout: 5,
    ...extra,
  });

  beforeEach(async () => {
    sim = await startSim();
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await sim.close();
  });

  it('should load without contacting the server until a node needs the session', async () => {
    await helper.load(foresightServer, [server()] as never, { srv: { username: 'demo', password: 'demo' } });
    const node = helper.getNode('srv') as unknown as ForesightServerNode;
    assert.ok(node.foresight);
    assert.equal(node.configError, undefined);
    assert.equal((node.foresight.session as unknown as { keepAliveMs: number }).keepAliveMs, 600_000, 'the built-in keep-alive');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sim.requests.length, 0);
  });

  it('should pass the keep-alive and timeout settings on, in seconds', async () => {
    await helper.load(foresightServer, [server({ keepAlive: '120', timeout: '1' })] as never, { srv: { username: 'demo', password: 'demo' } });
    const node = helper.getNode('srv') as unknown as ForesightServerNode;
    assert.equal((node.foresight!.session as unknown as { keepAliveMs: number }).keepAliveMs, 120_000);
    sim.inject({ kind: 'slow', delayMs: 3000 });
    await assert.rejects(node.foresight!.session.connection(), /within 1000 ms/);
  });

  it('should open the session once, share it, and close it with CloseMetabase when the flow stops', async () => {
    await helper.load(foresightServer, [server()] as never, { srv: { username: 'demo', password: 'demo' } });
    const node = helper.getNode('srv') as unknown as ForesightServerNode;
    const [a, b] = await Promise.all([node.foresight!.session.connection(), node.foresight!.session.connection()]);
    assert.equal(a, b);
    assert.equal(sim.liveSessions, 1);
    await helper.unload();
    assert.equal(sim.liveSessions, 0);
    assert.equal(sim.requests.at(-1)?.op, 'CloseMetabase');
  });

  for (const [setting, expected] of [
    [undefined, (url: string) => url],
    ['vendor', (url: string) => url],
    ['percent-encoded', (url: string) => encodeURIComponent(url)],
  ] as const) {
    it(`should open the monitoring socket with the token ${setting === 'percent-encoded' ? 'percent-encoded' : 'as the vendor appends it'} (WS id ${setting ?? 'not set'})`, async () => {
      const flow = [
        { id: 'f1', type: 'tab', label: 'test' },
        server(setting === undefined ? {} : { wsIdEncoding: setting }),
        { id: 'mon', type: 'bpm-monitor', z: 'f1', server: 'srv', processKey: SEED.processKey, instanceKey: SEED.instanceKey, wires: [[]] },
      ];
      await helper.load([foresightServer, bpmMonitor], flow as never, { srv: { username: 'demo', password: 'demo' } });
      await waitFor(() => sim.sockets.length === 1, 'the socket');
      assert.equal(sim.sockets[0].rawQuery, `id=${expected(SEED.monitoringUrl)}`);
      assert.equal(sim.sockets[0].accepted, true, 'the simulator takes both forms');
    });
  }

  it('should use a pasted connection moniker without OpenMetabase and leave it open', async () => {
    const other = new PpsomClient({ endpoint: sim.endpoint() });
    const mb = await other.openMetabase(SEED.repositoryId, { user: 'demo', password: 'demo' });
    await other.close();
    const flow = [
      { id: 'f1', type: 'tab' },
      server({ repository: '' }),
      { id: 'mon', type: 'bpm-monitor', z: 'f1', server: 'srv', processKey: SEED.processKey, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'f1' },
    ];
    await helper.load([foresightServer, bpmMonitor], flow as never, { srv: { moniker: mb.id } });
    const received: unknown[] = [];
    helper.getNode('out').on('input', (m: unknown) => received.push(m));
    await waitFor(() => received.length === 1, 'a frame');
    assert.equal(sim.requests.filter((r) => r.op === 'OpenMetabase').length, 1, 'only the one made by the test');
    await helper.unload();
    assert.equal(sim.liveSessions, 1, 'the pasted session is not closed');
  });

  it('should reach the server over https and wss with the CA of a core tls-config node, and refuse it without', async () => {
    await sim.close();
    sim = await startSim({ tls: TEST_TLS });
    const flow = [
      { id: 'f1', type: 'tab' },
      { id: 'tls1', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true },
      server({ usetls: true, tls: 'tls1' }),
      { id: 'mon', type: 'bpm-monitor', z: 'f1', server: 'srv', processKey: SEED.processKey, wires: [['out']] },
      { id: 'out', type: 'helper', z: 'f1' },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
    ];
    const run = async (ca: boolean): Promise<{ received: unknown[]; caught: Array<{ error: { code?: string; message: string } }> }> => {
      await helper.load([foresightServer, bpmMonitor, catchNode, tlsConfigNode], flow as never, {
        srv: { username: 'demo', password: 'demo' },
        ...(ca ? { tls1: { cadata: TEST_TLS.cert } } : {}),
      });
      const received: unknown[] = [];
      const caught: Array<{ error: { code?: string; message: string } }> = [];
      helper.getNode('out').on('input', (m: unknown) => received.push(m));
      helper.getNode('hc').on('input', (m: object) => caught.push(m as { error: { code?: string; message: string } }));
      return { received, caught };
    };
    const trusted = await run(true);
    await waitFor(() => trusted.received.length === 1, 'the snapshot over wss');
    assert.deepEqual(trusted.caught, []);
    assert.equal(sim.sockets.at(-1)?.accepted, true);
    await helper.unload();
    const requests = sim.requests.length;
    const untrusted = await run(false);
    await waitFor(() => untrusted.caught.length === 1, 'the TLS failure at Catch');
    assert.equal(untrusted.caught[0].error.code, 'TRANSPORT');
    assert.match(untrusted.caught[0].error.message, /self-signed|certificate/i);
    assert.equal(sim.requests.length, requests, 'nothing reached the server');
  });

  it('should report an unusable URL through the monitor node to Catch', async () => {
    const flow = [
      { id: 'f1', type: 'tab' },
      server({ endpoint: 'ftp://nowhere' }),
      { id: 'mon', type: 'bpm-monitor', z: 'f1', server: 'srv', processKey: SEED.processKey, wires: [[]] },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
    ];
    await helper.load([foresightServer, bpmMonitor, catchNode], flow as never, { srv: { username: 'demo', password: 'demo' } });
    const node = helper.getNode('srv') as unknown as ForesightServerNode;
    assert.equal(node.foresight, undefined);
    assert.match(node.configError?.message ?? '', /http/);
    const caught: Array<{ error: { code?: string; message: string } }> = [];
    helper.getNode('hc').on('input', (m: object) => caught.push(m as { error: { code?: string; message: string } }));
    helper.getNode('mon').receive({ payload: 'connect' });
    await waitFor(() => caught.length >= 1, 'the settings error');
    assert.equal(caught.at(-1)?.error.code, 'CONFIG');
  });
});
