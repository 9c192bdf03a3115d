/**
 * The bpm-monitor dialog's *Instances* option in a real Node-RED 4 editor in headless Chromium:
 * the mode switch shows the fields of its mode, a wrong scan interval or socket limit shows its
 * message and the red border, the choice is saved, and a deployed node shows its counts in words.
 */
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { SEED, startForesightSimulator, type ForesightSimulator } from '../../src/sim/foresight';
import type { Browser } from '../helpers/chromium';
import { startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { translator } from '../nodes/catalog';
import { addNode, cancelDialog, deploy, launchEditor, openDialog, waitFor } from './editor-page';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const RED: any;

const enUS = translator('en-US', 'bpm-monitor');

/** Text of a key of bpm-monitor's en-US catalog, as the runtime translates it (plurals included). */
function message(key: string, params: Record<string, string | number> = {}): string {
  return enUS(`bpm-monitor.${key}`, params);
}

describe('editor: bpm-monitor all running instances (Chromium)', function () {
  this.timeout(180_000);
  let foresight: ForesightSimulator;
  let nodeRed: NodeRedRuntime;
  let browser: Browser;
  let page: Page;
  let monitorId: string;

  before(async function () {
    foresight = await startForesightSimulator({ stepMs: 0 });
    nodeRed = await startNodeRedRuntime();
    ({ browser, page } = await launchEditor(nodeRed.url));
    const server = await addNode(page, 'foresight-server', {
      endpoint: foresight.endpoint(),
      repository: SEED.repositoryId,
      credentials: { username: SEED.user, password: SEED.password },
    });
    monitorId = await addNode(page, 'bpm-monitor', { server, processKey: SEED.processKey });
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await foresight?.close();
  });

  async function expectField(form: Locator, prop: string, value: string, invalid: boolean): Promise<void> {
    const input = form.locator(`#node-input-${prop}`);
    await input.fill(value);
    await input.dispatchEvent('change');
    await waitFor(async () => /input-error/.test((await input.getAttribute('class')) ?? '') === invalid, 5000, `${prop}="${value}" ${invalid ? 'marked red' : 'accepted'}`);
  }

  it('should show the fields of the chosen mode, validate them and save the choice', async function () {
    const form = await openDialog(page, 'bpm-monitor', monitorId);
    assert.equal(await form.locator('#node-input-instances').inputValue(), 'one', 'one instance by default');
    assert.equal(await form.locator('#node-input-scanInterval').isVisible(), false);
    assert.equal(await form.locator('#node-input-instanceKey + .red-ui-typedInput-container').isVisible(), true);

    await form.locator('#node-input-instances').selectOption('all');
    await waitFor(() => form.locator('#node-input-scanInterval').isVisible(), 5000, 'the scan interval shown');
    assert.equal(await form.locator('#node-input-maxSockets').isVisible(), true);
    assert.equal(await form.locator('#node-input-instanceKey + .red-ui-typedInput-container').isVisible(), false, 'no instance key in this mode');

    await expectField(form, 'scanInterval', '0', true);
    const said = await page.evaluate(() => {
      const node = RED.editor.getEditStack().at(-1);
      const d = RED.nodes.getType('bpm-monitor').defaults;
      return [d.scanInterval.validate.call(node, '0', {}), d.maxSockets.validate.call(node, '2.5', {}), d.maxSockets.validate.call(node, '', {})];
    });
    assert.deepEqual(said, [message('errors.scanInterval'), message('errors.maxSockets'), true]);
    await expectField(form, 'scanInterval', '5', false);
    await expectField(form, 'maxSockets', 'many', true);
    await expectField(form, 'maxSockets', '10', false);
    await page.locator('#node-dialog-ok').click();
    await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);

    const saved = await page.evaluate((id) => {
      const n = RED.nodes.node(id);
      return { instances: n.instances, scanInterval: n.scanInterval, maxSockets: n.maxSockets, valid: n.valid, label: RED.utils.getNodeLabel(n) };
    }, monitorId);
    assert.deepEqual({ ...saved, label: undefined }, { instances: 'all', scanInterval: '5', maxSockets: '10', valid: true, label: undefined });
    assert.match(saved.label, new RegExp(message('option.all')));

    const again = await openDialog(page, 'bpm-monitor', monitorId);
    assert.equal(await again.locator('#node-input-instances').inputValue(), 'all');
    assert.equal(await again.locator('#node-input-scanInterval').isVisible(), true, 'the saved mode shows its fields');
    await cancelDialog(page);
  });

  it('should show "N instances, M connected" under a deployed node', async function () {
    await deploy(page);
    const expected = message('status.instances', { count: 1, m: 1 });
    let shown: string[] = [];
    await waitFor(
      async () => {
        // What the editor got for the node and draws under it (the SVG label may be outside the visible area).
        const st = (await page.evaluate((id) => RED.nodes.node(id).status, monitorId)) as { text?: string; fill?: string } | undefined;
        shown = [JSON.stringify(st)];
        return st?.text === expected && st.fill === 'green';
      },
      20_000,
      () => `status "${expected}" (shown: ${shown.join(' | ')})`,
    );
  });
});
