/**
 * examples/masterscada/alarm-table-dashboard.json deployed into a real Node-RED with the real
 * Node-RED Dashboard 2 (@flowfuse/node-red-dashboard, a dev dependency), its server pointed at the
 * simulator, and the dashboard page read in headless Chromium: the table shows the active alarms
 * and drops one that is cleared and acknowledged.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { readExamples, type FlowNode } from '../../src/cli/demo-flows';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import { launchChromium, type Browser } from '../helpers/chromium';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { waitFor } from '../editor/editor-page';

const EXAMPLE = 'masterscada/alarm-table-dashboard.json';

describe('examples: masterscada/alarm-table-dashboard on the real Dashboard 2, read in Chromium', function () {
  this.timeout(180_000);
  let sim: MasterScadaSimulator;
  let nodeRed: NodeRedRuntime;
  let browser: Browser;
  let page: Page;

  before(async function () {
    sim = await startMasterScadaSimulator({ alarmRate: 0 });
    nodeRed = await startNodeRedRuntime();
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await sim?.close();
  });

  /** The table's body rows as text, one string per row. */
  const rows = (): Promise<string[]> => page.locator('table tbody tr').allInnerTexts();

  it('shows the active alarms and drops a cleared and acknowledged one', async function () {
    const loaded = await nodeRed.apiJson<Array<{ module: string; types: string[] }>>('nodes');
    assert.ok(
      loaded.some((s) => s.module === '@flowfuse/node-red-dashboard' && s.types.includes('ui-table')),
      'Node-RED 4 loaded the real Dashboard 2 table node',
    );
    const example = readExamples(join(packageUnderTest().info.root, 'examples')).find((e) => e.name === EXAMPLE);
    assert.ok(example, `${EXAMPLE} exists`);
    const pump = sim.raise({ message: 'Pump 1 overheated', severity: 800 });
    const valve = sim.raise({ message: 'Valve 7 stuck', severity: 600 });
    const nodes = example.nodes
      .filter((n) => n.type !== 'global-config')
      .map((n): FlowNode => (n.type === 'masterscada-server' ? { ...n, url: sim.url, credentials: { username: 'demo', password: 'demo' } } : { ...n }));
    const res = await nodeRed.api('flows', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(nodes),
    });
    assert.equal(res.status, 204, `deploy: ${await res.text()}`);
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 20_000, 'the example polls the simulator');

    // Dashboard 2 serves below httpNodeRoot (/api in the test settings).
    await page.goto(new URL('api/dashboard/alarms', nodeRed.url).toString(), { waitUntil: 'domcontentloaded' });
    let seen: string[] = [];
    await waitFor(
      async () => {
        seen = await rows();
        const text = seen.join('\n');
        return text.includes(pump.Message) && text.includes(valve.Message);
      },
      30_000,
      () => `both alarms in the table (rows: ${JSON.stringify(seen)})`,
    );
    const shown = await rows();
    assert.equal(shown.length, 2, `two rows: ${JSON.stringify(shown)}`);
    assert.ok(shown[0].includes(valve.Message), 'newest first');
    assert.ok(shown[0].includes(String(valve.Severity)), 'the severity column');

    sim.clear(pump.eventId);
    await waitFor(async () => (await rows()).some((r) => r.includes(pump.Message) && /false/.test(r)), 20_000, 'the cleared alarm shown inactive');
    sim.acknowledge(pump.eventId);
    await waitFor(async () => !(await rows()).some((r) => r.includes(pump.Message)), 20_000, 'the cleared and acknowledged alarm dropped');
    const left = await rows();
    assert.equal(left.length, 1);
    assert.ok(left[0].includes(valve.Message), `the other alarm stays: ${JSON.stringify(left)}`);
  });
});
