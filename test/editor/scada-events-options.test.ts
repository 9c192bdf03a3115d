/**
 * The `scada-events` options for the active-alarm list and the client-side filters, in a real
 * Node-RED 4 editor in headless Chromium: wrong values are marked with their message, and the
 * list checkbox gives the node its second output.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import type { Browser } from '../helpers/chromium';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { addNode, confirmDialog, fillInput, launchEditor, openDialog, waitFor } from './editor-page';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const RED: any;

const ROOT = packageUnderTest().info.root;

function message(key: string, params: Record<string, string | number> = {}): string {
  const catalog = JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', 'en-US', 'scada-events.json'), 'utf8')) as Record<string, Record<string, Record<string, string>>>;
  const [group, name] = key.split('.');
  const text = catalog['scada-events'][group][name];
  assert.equal(typeof text, 'string', key);
  return Object.entries(params).reduce((t, [k, v]) => t.split(`__${k}__`).join(String(v)), text);
}

describe('editor: scada-events active-alarm list and filter options (Chromium)', function () {
  this.timeout(180_000);
  let sim: MasterScadaSimulator;
  let nodeRed: NodeRedRuntime;
  let browser: Browser;
  let page: Page;
  let id: string;

  before(async function () {
    sim = await startMasterScadaSimulator({ alarmRate: 0 });
    nodeRed = await startNodeRedRuntime();
    ({ browser, page } = await launchEditor(nodeRed.url));
    const server = await addNode(page, 'masterscada-server', { url: sim.url });
    id = await addNode(page, 'scada-events', { server });
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await sim?.close();
  });

  async function expectMarked(input: Locator, expected: string | undefined): Promise<void> {
    const what = expected === undefined ? 'accepted' : `marked: ${expected}`;
    await waitFor(async () => /input-error/.test((await input.getAttribute('class')) ?? '') === (expected !== undefined), 5000, what);
    if (expected === undefined) return;
    // Away first: a popover still open from the last value would not show the new message.
    await page.mouse.move(0, 0);
    await page.waitForTimeout(400);
    await input.hover();
    await page.locator('.red-ui-popover', { hasText: expected }).first().waitFor({ state: 'visible', timeout: 5000 });
  }


  it('marks a wrong severity bound, a reversed range and an unbounded pattern, and accepts right ones', async function () {
    const form = await openDialog(page, 'scada-events', id);
    for (const prop of ['alarmList', 'severityMin', 'severityMax', 'activeFilter', 'ackedFilter', 'textFilter', 'textMode']) {
      assert.equal(await form.locator(`#node-input-${prop}`).count(), 1, `field ${prop}`);
    }
    await expectMarked(await fillInput(form, 'severityMin', 'high'), message('errors.severity'));
    await expectMarked(await fillInput(form, 'severityMin', '700'), undefined);
    await expectMarked(await fillInput(form, 'severityMax', '100'), message('errors.severityRange'));
    await expectMarked(await fillInput(form, 'severityMax', '900'), undefined);
    await form.locator('#node-input-textMode').selectOption('regex');
    await expectMarked(await fillInput(form, 'textFilter', '(a+)+$'), message('errors.patternNested'));
    await expectMarked(await fillInput(form, 'textFilter', 'pump ('), message('errors.pattern'));
    await expectMarked(await fillInput(form, 'textFilter', '^pump [0-9]+ over'), undefined);
    await form.locator('#node-input-activeFilter').selectOption('yes');
    await form.locator('#node-input-ackedFilter').selectOption('no');
    await confirmDialog(page);
    const saved = await page.evaluate((nodeId) => {
      const n = RED.nodes.node(nodeId);
      return { min: n.severityMin, max: n.severityMax, text: n.textFilter, mode: n.textMode, active: n.activeFilter, acked: n.ackedFilter, valid: n.valid };
    }, id);
    assert.deepEqual(saved, { min: '700', max: '900', text: '^pump [0-9]+ over', mode: 'regex', active: 'yes', acked: 'no', valid: true });
  });

  it('gives the node a second output when the active-alarm list is on, and takes it away again', async function () {
    const outputs = (): Promise<number> => page.evaluate((nodeId) => Number(RED.nodes.node(nodeId).outputs), id);
    assert.equal(await outputs(), 1);
    let form = await openDialog(page, 'scada-events', id);
    await form.locator('#node-input-alarmList').check();
    await confirmDialog(page);
    assert.equal(await outputs(), 2);
    assert.equal(await page.evaluate((nodeId) => RED.nodes.node(nodeId).alarmList, id), true);
    form = await openDialog(page, 'scada-events', id);
    assert.equal(await form.locator('#node-input-alarmList').isChecked(), true);
    await form.locator('#node-input-alarmList').uncheck();
    await confirmDialog(page);
    assert.equal(await outputs(), 1);
  });
});
