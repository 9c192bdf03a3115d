/**
 * The scada-history dialog in a real Node-RED 4 editor in headless Chromium: a wrong window, limit
 * or cap gets the red border and its validator's message, the fields list says when eventId is missing, the
 * array cap shows only for array output, and what the dialog saves deploys.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import type { Browser } from '../helpers/chromium';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { addNode, cancelDialog, closeTrays, confirmDialog, deploy, fillInput, launchEditor, openDialog, waitFor } from './editor-page';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const RED: any;

const ROOT = packageUnderTest().info.root;
const MODULE = packageUnderTest().info.name;
const catalog = (lang: string): Record<string, Record<string, string>> =>
  (JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', lang, 'scada-history.json'), 'utf8')) as Record<string, Record<string, Record<string, string>>>)['scada-history'];

describe('editor: the scada-history dialog (Chromium)', function () {
  this.timeout(180_000);
  let sim: MasterScadaSimulator;
  let nodeRed: NodeRedRuntime;
  let browser: Browser;
  let page: Page;
  let serverId: string;
  let historyId: string;
  const failedRequests: string[] = [];

  before(async function () {
    sim = await startMasterScadaSimulator({ alarmRate: 0 });
    nodeRed = await startNodeRedRuntime();
    ({ browser, page } = await launchEditor(nodeRed.url, (page) => {
      page.on('response', (r) => {
        if (r.status() >= 400 && r.url().includes(MODULE)) failedRequests.push(`${r.status()} ${r.url()}`);
      });
    }));
    serverId = await addNode(page, 'masterscada-server', { url: sim.url });
    historyId = await addNode(page, 'scada-history', { server: serverId });
  });

  afterEach(async function () {
    await closeTrays(page);
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await sim?.close();
  });

  it('should be in the palette with its label, and mark each wrong value red, with its message from the validator', async function () {
    await page.locator('#red-ui-palette .red-ui-palette-node[data-palette-type="scada-history"]').waitFor({ state: 'attached' });
    const form = await openDialog(page, 'scada-history', historyId);
    const en = catalog('en-US');
    const cases: Array<[string, string, string, string]> = [
      ['start', 'yesterday', en.errors.start, '-2h'],
      ['start', '', en.errors.start, '2026-12-01T08:00:00Z'],
      ['end', '12:00', en.errors.end, ''],
      ['limit', '-5', en.errors.limit, '100'],
      ['pageRecords', '0', en.errors.pageRecords, '250'],
      ['itemId', 'pump', en.errors.itemId, '111'],
    ];
    for (const [prop, bad, text, good] of cases) {
      const input = await fillInput(form, prop, bad);
      await waitFor(async () => /input-error/.test((await input.getAttribute('class')) ?? ''), 5000, `${prop}="${bad}" marked red`);
      const said = await page.evaluate(({ prop, bad }) => {
        const node = RED.editor.getEditStack().at(-1);
        return RED.nodes.getType(node.type).defaults[prop].validate.call(node, bad, {});
      }, { prop, bad });
      assert.equal(said, text, `${prop}="${bad}"`);
      await fillInput(form, prop, good);
      await waitFor(async () => !/input-error/.test((await input.getAttribute('class')) ?? ''), 5000, `${prop}="${good}" accepted`);
    }
    // The array cap only matters for array output.
    assert.equal(await form.locator('.node-input-maxArray-row').isVisible(), false);
    await form.locator('#node-input-output').selectOption('array');
    assert.equal(await form.locator('.node-input-maxArray-row').isVisible(), true);
    // Removing eventId from the fields says so under the list.
    const problem = form.locator('#node-input-fields-problem');
    assert.equal(await problem.isVisible(), false);
    await form.locator('#node-input-fields-list li').first().hover();
    await form.locator('#node-input-fields-list li').first().locator('.red-ui-editableList-item-remove').click();
    await problem.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await problem.textContent(), en.errors.eventId);
    await cancelDialog(page);
  });

  it('should save what the dialog shows, and deploy it', async function () {
    const form = await openDialog(page, 'scada-history', historyId);
    await fillInput(form, 'start', '-30m');
    await fillInput(form, 'limit', '1000');
    await form.locator('#node-input-output').selectOption('array');
    await form.locator('#node-input-inverse').check();
    await confirmDialog(page);
    const saved = await page.evaluate((id) => {
      const n = RED.nodes.node(id);
      return { start: n.start, limit: n.limit, output: n.output, inverse: n.inverse, fields: n.fields.map((f: { id: number }) => f.id), valid: n.valid };
    }, historyId);
    assert.deepEqual(saved, { start: '-30m', limit: '1000', output: 'array', inverse: true, fields: [1, 2, 3, 4, 5, 6, 12], valid: true });
    await deploy(page);
    const flows = await nodeRed.apiJson<Array<{ id: string; type: string; start?: string }>>('flows');
    assert.equal(flows.find((n) => n.id === historyId)?.start, '-30m');
    await waitFor(() => !nodeRed.lines.some((l) => /\[error\].*scada-history/.test(l)), 1000, 'no runtime error for the node');
  });

  it('should build its fields list with the shared script Node-RED serves from resources/', async function () {
    const script = await page.request.get(new URL(`resources/${MODULE}/alarm-fields.js`, nodeRed.url).href);
    assert.equal(script.status(), 200, 'resources/<module>/alarm-fields.js served');
    assert.match(script.headers()['content-type'] ?? '', /javascript/);
    assert.deepEqual(failedRequests, [], 'no failed request for the package\'s files while the editor loaded');
    assert.equal(await page.evaluate(() => typeof (window as unknown as { ForesightMasterscadaEditor?: { alarmFields?: { addRow?: unknown } } }).ForesightMasterscadaEditor?.alarmFields?.addRow), 'function');

    const form = await openDialog(page, 'scada-history', historyId);
    const rows = form.locator('#node-input-fields-list li');
    assert.equal(await rows.count(), 7, 'one row per default field');
    assert.deepEqual(await rows.locator('.fld-kind').evaluateAll((els) => els.map((el) => (el as HTMLSelectElement).value)), ['1', '2', '3', '4', '5', '6', '12']);
    await form.locator('.node-input-fields-row .red-ui-editableList-addButton').click();
    const added = rows.last();
    await added.locator('.fld-kind').selectOption('custom');
    await added.locator('.fld-id').fill('42');
    await added.locator('.fld-name').fill('Area');
    await added.locator('.fld-time').check();
    await confirmDialog(page);
    const saved = await page.evaluate((id) => RED.nodes.node(id).fields, historyId);
    assert.deepEqual(saved.at(-1), { id: 42, name: 'Area', time: true });
    assert.equal(saved.length, 8);
  });
});
