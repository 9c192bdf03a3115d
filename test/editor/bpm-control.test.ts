/**
 * The bpm-control dialog in a real Node-RED 4 editor in headless Chromium: the operation list in
 * the editor's language, the process key checked by bpm-monitor's own rule (red border and its
 * message), an unknown operation refused, the label, and a deploy of the saved settings.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SEED, startForesightSimulator, type ForesightSimulator } from '../../src/sim/foresight';
import type { Browser } from '../helpers/chromium';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { addNode, cancelDialog, deploy, launchEditor, openDialog, waitFor } from './editor-page';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const RED: any;

const ROOT = packageUnderTest().info.root;

function message(lang: string, type: string, key: string, params: Record<string, string> = {}): string {
  let text: unknown = (JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', lang, `${type}.json`), 'utf8')) as Record<string, unknown>)[type];
  for (const part of key.split('.')) text = (text as Record<string, unknown>)[part];
  assert.equal(typeof text, 'string', `${lang}/${type}: ${key}`);
  return Object.entries(params).reduce((t, [k, v]) => t.split(`__${k}__`).join(v), text as string);
}

describe('editor: the bpm-control dialog (Chromium)', function () {
  this.timeout(180_000);
  let foresight: ForesightSimulator;
  let nodeRed: NodeRedRuntime;
  let browser: Browser;
  let page: Page;
  let server: string;
  let control: string;

  before(async function () {
    foresight = await startForesightSimulator({ stepMs: 0 });
    nodeRed = await startNodeRedRuntime({ credentials: {} });
    ({ browser, page } = await launchEditor(nodeRed.url));
    server = await addNode(page, 'foresight-server', { endpoint: foresight.endpoint(), repository: SEED.repositoryId });
    control = await addNode(page, 'bpm-control', { server, processKey: SEED.processKey });
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await foresight?.close();
  });

  it('should offer the three operations in words, ProcessStop by default', async function () {
    const form = await openDialog(page, 'bpm-control', control);
    const options = await form.locator('#node-input-operation option').evaluateAll((els) => els.map((e) => [(e as HTMLOptionElement).value, e.textContent]));
    assert.deepEqual(
      options,
      ['StepExecute', 'StepReject', 'ProcessStop'].map((op) => [op, message('en-US', 'bpm-control', `operation.${op}`)]),
    );
    assert.equal(await form.locator('#node-input-operation').inputValue(), 'ProcessStop');
    assert.equal((await form.locator('label[for="node-input-processKey"]').innerText()).trim(), message('en-US', 'bpm-control', 'label.processKey'));
    await cancelDialog(page);
  });

  it('should check the process key with bpm-monitor\'s rule, refuse an unknown operation, save and deploy', async function () {
    const form = await openDialog(page, 'bpm-control', control);
    const key = form.locator('#node-input-processKey');
    await key.fill('abc');
    await key.dispatchEvent('change');
    await waitFor(async () => /input-error/.test((await key.getAttribute('class')) ?? ''), 5000, 'the process key marked red');
    await key.hover();
    await page.locator('.red-ui-popover', { hasText: message('en-US', 'bpm-monitor', 'errors.processKey') }).first().waitFor({ state: 'visible', timeout: 5000 });
    await key.fill(SEED.processKey);
    await key.dispatchEvent('change');
    await waitFor(async () => !/input-error/.test((await key.getAttribute('class')) ?? ''), 5000, 'the process key accepted');
    await form.locator('#node-input-operation').selectOption('StepExecute');
    await page.locator('#node-dialog-ok').click();
    await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
    const saved = await page.evaluate((id) => {
      const node = RED.nodes.node(id);
      RED.editor.validateNode(node);
      const validate = RED.nodes.getType('bpm-control').defaults.operation.validate;
      return { operation: node.operation, valid: node.valid, unknown: validate.call(node, 'Explode', {}), label: RED.utils.getNodeLabel(node) };
    }, control);
    assert.equal(saved.operation, 'StepExecute');
    assert.equal(saved.valid, true);
    assert.equal(saved.unknown, message('en-US', 'bpm-control', 'errors.operation', { operation: 'Explode', known: 'StepExecute, StepReject, ProcessStop' }));
    assert.equal(saved.label, `StepExecute / process ${SEED.processKey}`);
    await deploy(page);
    const flows = await nodeRed.apiJson<Array<Record<string, unknown>>>('flows');
    const deployed = flows.find((n) => n.id === control);
    assert.equal(deployed?.operation, 'StepExecute');
    assert.equal(deployed?.processKey, SEED.processKey);
  });
});
