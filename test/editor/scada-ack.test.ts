/**
 * The scada-ack node in a real Node-RED 4 editor in headless Chromium: palette entry and icon, the
 * dialog's labels and its comment validation, the help sidebar, a deployed node acknowledging an
 * alarm with its status shown under the node, and the Russian editor.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import type { Browser } from '../helpers/chromium';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { addNode, cancelDialog, closeTrays, deploy, fillInput, launchEditor, openDialog, openEditor, waitFor } from './editor-page';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const RED: any;

const ROOT = packageUnderTest().info.root;
const MODULE = packageUnderTest().info.name;

/** A message of the scada-ack catalog, as the editor shows it (parameters filled in). */
function message(lang: string, key: string, params: Record<string, string | number> = {}): string {
  const catalog = JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', lang, 'scada-ack.json'), 'utf8')) as Record<string, unknown>;
  const text = key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], catalog['scada-ack']);
  assert.equal(typeof text, 'string', `${lang}: ${key}`);
  return Object.entries(params).reduce((t, [k, v]) => t.split(`__${k}__`).join(String(v)), text as string);
}

describe('editor: scada-ack dialog, help, status and Russian (Chromium)', function () {
  this.timeout(180_000);
  let sim: MasterScadaSimulator;
  let nodeRed: NodeRedRuntime;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let serverId = '';
  let ackId = '';

  before(async function () {
    // An anonymous session: the editor test deploys without typing credentials.
    sim = await startMasterScadaSimulator({ allowAnonymous: true, alarmRate: 0 });
    nodeRed = await startNodeRedRuntime();
    ({ browser, page } = await launchEditor(nodeRed.url, (page) => {
      page.on('pageerror', (err) => pageErrors.push(err.message));
    }));
    serverId = await addNode(page, 'masterscada-server', { url: sim.url });
    ackId = await addNode(page, 'scada-ack', { server: serverId });
  });

  afterEach(async function () {
    await closeTrays(page);
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await sim?.close();
  });

  it('should be in the palette with its label and its own icon', async function () {
    const entry = page.locator('#red-ui-palette .red-ui-palette-node[data-palette-type="scada-ack"]');
    await entry.waitFor({ state: 'visible' });
    assert.equal((await entry.locator('.red-ui-palette-label').innerText()).trim(), message('en-US', 'paletteLabel'));
    const iconUrl = await entry.locator('.red-ui-palette-icon').evaluate((el) => /url\("?([^")]+)"?\)/.exec(getComputedStyle(el).backgroundImage)?.[1] ?? '');
    assert.match(iconUrl, new RegExp(`/icons/${MODULE}/masterscada-ack\\.svg$`));
    assert.equal((await page.request.get(iconUrl)).status(), 200);
  });

  it('should label the dialog, mark a too long comment red with its message, and accept a short one', async function () {
    const form = await openDialog(page, 'scada-ack', ackId);
    const labels = (await form.locator('.form-row label').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
    assert.deepEqual(labels, [message('en-US', 'label.name'), message('en-US', 'label.server'), message('en-US', 'label.comment')]);
    assert.match(await form.locator('.form-tips').innerText(), /msg\.payload\.eventIds/);
    const comment = await fillInput(form, 'comment', 'x'.repeat(4001));
    await waitFor(async () => /input-error/.test((await comment.getAttribute('class')) ?? ''), 5000, 'a 4001-character comment marked red');
    await comment.hover();
    await page.locator('.red-ui-popover', { hasText: message('en-US', 'errors.badComment', { max: 4000 }) }).first().waitFor({ state: 'visible', timeout: 5000 });
    await fillInput(form, 'comment', 'acknowledged from the control room');
    await waitFor(async () => !/input-error/.test((await comment.getAttribute('class')) ?? ''), 5000, 'a short comment accepted');
    await page.locator('#node-dialog-ok').click();
    await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);
    const saved = await page.evaluate((id) => RED.nodes.node(id).comment, ackId);
    assert.equal(saved, 'acknowledged from the control room');
  });

  it('should mark a scada-ack node without a server as invalid', async function () {
    const id = await addNode(page, 'scada-ack', { server: '' });
    const valid = await page.evaluate((nodeId) => {
      const n = RED.nodes.node(nodeId);
      RED.editor.validateNode(n);
      return n.valid;
    }, id);
    assert.equal(valid, false);
    await page.locator(`[id="${id}"] .red-ui-flow-node-error`).waitFor({ state: 'visible' });
    await page.evaluate((nodeId) => {
      RED.nodes.remove(nodeId);
      RED.view.redraw(true);
    }, id);
  });

  it('should show help with Inputs, Outputs and Details in the help sidebar', async function () {
    await page.evaluate(() => RED.sidebar.help.show('scada-ack'));
    const help = page.locator('.red-ui-help').filter({ hasText: /./ }).last();
    await help.waitFor({ state: 'visible' });
    const headings = (await help.locator('h3').allInnerTexts()).map((s) => s.trim());
    for (const section of ['Inputs', 'Outputs', 'Details']) assert.ok(headings.includes(section), `help has "${section}", got ${JSON.stringify(headings)}`);
    const text = await help.innerText();
    assert.match(text, /NOT_ACKNOWLEDGED/);
    assert.match(text, /BAD_INPUT/);
    assert.match(text, /not checked against a real\s+runtime/);
  });

  it('should acknowledge an alarm once deployed, with the result in the status under the node', async function () {
    const alarm = sim.raise({ message: 'Conveyor stopped' });
    const injectId = await addNode(page, 'inject', { payload: alarm.eventId, payloadType: 'str', topic: '', props: [{ p: 'payload' }], repeat: '', once: false });
    await page.evaluate(
      ({ from, to }) => {
        RED.nodes.addLink({ source: RED.nodes.node(from), sourcePort: 0, target: RED.nodes.node(to) });
        RED.nodes.dirty(true);
        RED.view.redraw(true);
      },
      { from: injectId, to: ackId },
    );
    await deploy(page);
    const res = await nodeRed.api(`inject/${injectId}`, { method: 'POST' });
    assert.equal(res.status, 200);
    const status = page.locator(`[id="${ackId}"] .red-ui-flow-node-status-label`);
    await waitFor(async () => /^acknowledged: 1 at \d\d:\d\d:\d\d$/.test((await status.textContent().catch(() => '')) ?? ''), 20_000, 'the acknowledged status under the node');
    const now = sim.currentEvents().find((e) => e.eventId === alarm.eventId);
    assert.equal(now?.Acked, true);
    assert.equal(now?.Comment, 'acknowledged from the control room', 'the comment set in the dialog');
    assert.deepEqual(pageErrors.filter((e) => /scada-ack/.test(e)), []);
  });

  it('should show the palette, the dialog and the validator message in Russian', async function () {
    await page.evaluate(() => localStorage.setItem('editor-language', 'ru'));
    try {
      await openEditor(page, nodeRed.url);
      const entry = page.locator('#red-ui-palette .red-ui-palette-node[data-palette-type="scada-ack"] .red-ui-palette-label');
      assert.equal((await entry.innerText()).replace(/\s+/g, ' ').trim(), message('ru', 'paletteLabel'));
      const id = await page.evaluate(() => RED.nodes.filterNodes({ type: 'scada-ack' })[0].id);
      const form = await openDialog(page, 'scada-ack', id);
      const labels = (await form.locator('.form-row label').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
      assert.deepEqual(labels, [message('ru', 'label.name'), message('ru', 'label.server'), message('ru', 'label.comment')]);
      const comment = await fillInput(form, 'comment', 'я'.repeat(4001));
      await waitFor(async () => /input-error/.test((await comment.getAttribute('class')) ?? ''), 5000, 'marked red');
      await comment.hover();
      await page.locator('.red-ui-popover', { hasText: message('ru', 'errors.badComment', { max: 4000 }) }).first().waitFor({ state: 'visible', timeout: 5000 });
      await cancelDialog(page);
    } finally {
      await page.evaluate(() => localStorage.removeItem('editor-language'));
    }
  });
});
