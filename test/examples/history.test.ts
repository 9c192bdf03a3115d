/**
 * examples/masterscada/history-by-window.json deployed into a real Node-RED, its server pointed at the
 * simulator with an event archive seeded over the last hour (and older entries that must stay out).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readExamples, type FlowNode } from '../../src/cli/demo-flows';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { listenToDebug, type DebugListener } from './stand-ins';

const NAME = 'masterscada/history-by-window.json';
const MINUTE = 60_000;

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('examples: masterscada/history-by-window in a real Node-RED against the simulator', function () {
  this.timeout(120_000);
  let sim: MasterScadaSimulator;
  let nodeRed: NodeRedRuntime;
  let debug: DebugListener;
  let nodes: FlowNode[];

  before(async function () {
    sim = await startMasterScadaSimulator({ alarmRate: 0, archiveSize: 20_000 });
    const now = Date.now();
    sim.seedArchive(500, now - 3 * 60 * MINUTE, now - 2 * 60 * MINUTE, { itemId: 7, sourceName: 'Old pump' });
    sim.seedArchive(1200, now - 50 * MINUTE, now - 10 * MINUTE, { itemId: 7, sourceName: 'Pump 7' });
    sim.seedArchive(300, now - 40 * MINUTE, now - 20 * MINUTE, { itemId: 9, sourceName: 'Tank 9' });
    nodeRed = await startNodeRedRuntime();
    debug = await listenToDebug(nodeRed.url);
    const example = readExamples(join(packageUnderTest().info.root, 'examples')).find((e) => e.name === NAME);
    assert.ok(example, `${NAME} is shipped`);
    const tab = { id: 'tab-history', type: 'tab', label: NAME };
    nodes = example.nodes.map((n): FlowNode => {
      const node: FlowNode = { ...n };
      if (node.z) node.z = tab.id;
      if (node.type === 'masterscada-server') Object.assign(node, { url: sim.url, credentials: { username: 'demo', password: 'demo' } });
      return node;
    });
    const started = (): number => nodeRed.lines.filter((l) => /Started flows/.test(l)).length;
    // The runtime's own start may still be on its way through stdout: count from after it.
    await waitFor(() => started() >= 1, 'the first start of the flows');
    const startedBefore = started();
    const res = await nodeRed.api('flows', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([tab, ...nodes]),
    });
    assert.equal(res.status, 204, `deploy: ${await res.text()}`);
    await waitFor(() => started() > startedBefore, 'the deployed flows started');
  });

  after(async function () {
    debug?.close();
    await nodeRed?.stop();
    await sim?.close();
  });

  async function press(name: string): Promise<void> {
    const inject = nodes.find((n) => n.type === 'inject' && n.name === name);
    assert.ok(inject, `an inject named "${name}"`);
    const res = await nodeRed.api(`inject/${inject.id}`, { method: 'POST' });
    assert.equal(res.status, 200, `inject ${name}`);
  }

  it('"last hour" reads the archive of the last hour page by page and the summary counts it per source', async function () {
    await press('last hour');
    await waitFor(() => debug.from('summary').length === 1, 'the summary in the Debug sidebar');
    const summary = JSON.parse(debug.from('summary')[0]) as { records: number; pages: number; ended: string; from: string; to: string; bySource: Record<string, number> };
    // eslint-disable-next-line no-console
    console.log(`      the summary as the Debug sidebar shows it: ${debug.from('summary')[0]}`);
    assert.deepEqual(summary.bySource, { 'Pump 7': 1200, 'Tank 9': 300 }, 'the window only: nothing from two hours ago');
    assert.equal(summary.records, 1500);
    assert.equal(summary.pages, 3, '500 records per page');
    assert.equal(summary.ended, 'end');
    assert.ok(Date.parse(summary.to) - Date.parse(summary.from) === 60 * MINUTE, 'msg.start "-1h" to msg.end "now"');
    const bodies = sim.requestsFor('GetArchivedEvents').map((r) => r.body as { itemId: number; continuationPoint?: string });
    assert.equal(bodies.length, 3);
    assert.ok(bodies.every((b) => b.itemId === 0));
    assert.deepEqual(debug.from('history errors'), []);
  });

  it('"stop" ends a read and a query while one runs is refused with BUSY, shown by the Catch node', async function () {
    sim.inject({ kind: 'delay', method: 'GetArchivedEvents', delayMs: 300, times: 5 });
    const before = sim.requestsFor('GetArchivedEvents').length;
    await press('last hour');
    await waitFor(() => sim.requestsFor('GetArchivedEvents').length > before, 'the read started');
    await press('last hour');
    await waitFor(() => debug.from('history errors').length === 1, 'the BUSY error');
    assert.match(debug.from('history errors')[0], /"code":"BUSY"/);
    await press('stop');
    await waitFor(() => debug.from('summary').length === 2, 'the summary of the stopped read');
    const summary = JSON.parse(debug.from('summary')[1]) as { records: number; ended: string };
    assert.equal(summary.ended, 'stopped');
    assert.ok(summary.records < 1500);
    sim.clearFaults();
  });
});
