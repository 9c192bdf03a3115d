/**
 * The edit dialogs as a user meets them, in a real Node-RED 4 editor in headless Chromium: a wrong
 * value shows its message and the red border, the selection's fields list, the Test connection
 * buttons against the simulators (success and failure), the Russian editor, and the screenshots the
 * README shows (written to docs/ when UPDATE_SCREENSHOTS=1, to a temporary folder otherwise).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { SEED, startForesightSimulator, type ForesightSimulator } from '../../src/sim/foresight';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import type { Browser } from '../helpers/chromium';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { addNode, cancelDialog, closeTrays, deploy, launchEditor, openDialog, openEditor, waitFor } from './editor-page';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const RED: any;

const ROOT = packageUnderTest().info.root;
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs') : mkdtempSync(join(tmpdir(), 'dialog-screenshots-'));
const PASSWORD = `pw-${Math.random().toString(36).slice(2, 10)}`;

type Catalog = Record<string, Record<string, Record<string, string> | string>>;
/** A message of this package's catalog, as the editor shows it (parameters filled in). */
function message(lang: string, type: string, key: string, params: Record<string, string | number> = {}): string {
  const catalog = JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', lang, `${type}.json`), 'utf8')) as Catalog;
  let text: unknown = catalog[type];
  for (const part of key.split('.')) text = (text as Record<string, unknown>)[part];
  assert.equal(typeof text, 'string', `${lang}/${type}: ${key}`);
  return Object.entries(params).reduce((t, [k, v]) => t.split(`__${k}__`).join(String(v)), text as string);
}

describe('editor dialogs: validation, fields list, test connection, Russian (Chromium)', function () {
  this.timeout(180_000);
  let masterScada: MasterScadaSimulator;
  let foresight: ForesightSimulator;
  let nodeRed: NodeRedRuntime;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, string> = {};

  before(async function () {
    masterScada = await startMasterScadaSimulator({ accounts: { operator: PASSWORD }, alarmRate: 0 });
    foresight = await startForesightSimulator({ users: { operator: PASSWORD }, stepMs: 0 });
    nodeRed = await startNodeRedRuntime();
    ({ browser, page } = await launchEditor(nodeRed.url));
    ids['masterscada-server'] = await addNode(page, 'masterscada-server', { url: masterScada.url });
    ids['foresight-server'] = await addNode(page, 'foresight-server', { endpoint: foresight.endpoint(), repository: SEED.repositoryId });
    ids['scada-events'] = await addNode(page, 'scada-events', { server: ids['masterscada-server'] });
    ids['bpm-monitor'] = await addNode(page, 'bpm-monitor', { server: ids['foresight-server'], processKey: SEED.processKey });
  });

  afterEach(async function () {
    // A failed test must not leave its dialog open for the next one.
    await closeTrays(page);
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await masterScada?.close();
    await foresight?.close();
  });

  /** Puts `value` into a field (a plain input or a typed input) the way typing does, ending with a change event. */
  async function setField(form: Locator, prop: string, value: string): Promise<Locator> {
    const input = form.locator(`#node-config-input-${prop}, #node-input-${prop}`).first();
    const typed = await input.evaluate((el) => el.classList.contains('red-ui-typedInput'));
    if (!typed) {
      await input.fill(value);
      await input.dispatchEvent('change');
      return input;
    }
    const visible = form.locator(`#node-input-${prop} + .red-ui-typedInput-container input.red-ui-typedInput-input`);
    await visible.fill(value);
    await visible.dispatchEvent('change');
    return form.locator(`#node-input-${prop} + .red-ui-typedInput-container`);
  }

  /** Types `value`, then expects the red border and, on hover, the message. */
  async function expectInvalid(form: Locator, prop: string, value: string, expected: string): Promise<void> {
    const marked = await setField(form, prop, value);
    await waitFor(async () => /input-error/.test((await marked.getAttribute('class')) ?? ''), 5000, `${prop}="${value}" marked red`);
    if (!(await marked.evaluate((el) => el.classList.contains('red-ui-typedInput-container')))) {
      await marked.hover();
      await page.locator('.red-ui-popover', { hasText: expected }).first().waitFor({ state: 'visible', timeout: 5000 });
      return;
    }
    // A typed input keeps the tooltip on its hidden original input: ask the validator the editor calls.
    const said = await page.evaluate(
      ({ prop, value }) => {
        const node = RED.editor.getEditStack().at(-1);
        return RED.nodes.getType(node.type).defaults[prop].validate.call(node, value, {});
      },
      { prop, value },
    );
    assert.equal(said, expected);
  }

  async function expectValid(form: Locator, prop: string, value: string): Promise<void> {
    const marked = await setField(form, prop, value);
    await waitFor(async () => !/input-error/.test((await marked.getAttribute('class')) ?? ''), 5000, `${prop}="${value}" accepted`);
  }

  /** Clicks the dialog's Done button and waits for the tray to close. */
  async function saveDialog(button: string): Promise<void> {
    const before = await page.locator('.red-ui-tray').count();
    await page.locator(button).click();
    await page.waitForFunction((n) => document.querySelectorAll('.red-ui-tray').length < n, before);
  }

  it('should show the message and the red border for each wrong value, and accept a right one', async function () {
    const cases: Array<[string, string, string, string, string]> = [
      ['masterscada-server', 'url', 'scada-rt:8043', 'errors.url', 'http://scada-rt:8043'],
      ['masterscada-server', 'timeout', 'abc', 'errors.timeout', '30'],
      ['foresight-server', 'endpoint', 'http://bi-server:8810', 'errors.endpointPath', 'http://bi-server:8810/FPBI_App_v10.x/axis2/services/PP.SOM.Som'],
      ['foresight-server', 'keepAlive', '3', 'errors.keepAlive', '600'],
      ['scada-events', 'pollInterval', '0', 'errors.pollInterval', '1'],
      ['bpm-monitor', 'processKey', 'abc', 'errors.processKey', '338080'],
      ['bpm-monitor', 'instanceKey', '12a', 'errors.instanceKey', '98037'],
      ['bpm-monitor', 'instanceGuid', '1234', 'errors.instanceGuid', '{99654793-F719-4107-AD36-F1060FCD62F5}'],
    ];
    for (const [type, prop, bad, key, good] of cases) {
      const form = await openDialog(page, type, ids[type]!);
      await expectInvalid(form, prop, bad, message('en-US', type, key));
      await expectValid(form, prop, good);
      await cancelDialog(page);
    }
  });

  it('should mark scada-events invalid without selections, without eventId, or with a client handle twice', async function () {
    const verdicts = await page.evaluate((id) => {
      const node = RED.nodes.node(id);
      const validate = RED.nodes.getType('scada-events').defaults.selections.validate;
      const sel = (handle: number, fields: unknown[]): unknown => ({ clientHandle: handle, taskId: 0, itemId: 0, archiveId: 0, fields });
      return {
        none: validate.call(node, [], {}),
        noEventId: validate.call(node, [sel(1, [{ id: 3, name: 'Message' }])], {}),
        twice: validate.call(node, [sel(1, [{ id: 1, name: 'eventId' }]), sel(1, [{ id: 1, name: 'eventId' }])], {}),
        good: validate.call(node, [sel(1, [{ id: 1, name: 'eventId' }]), sel(2, [{ id: 1, name: 'eventId' }])], {}),
      };
    }, ids['scada-events']);
    assert.equal(verdicts.none, message('en-US', 'scada-events', 'errors.noSelections'));
    assert.equal(verdicts.noEventId, message('en-US', 'scada-events', 'errors.eventId', { n: 1 }));
    assert.equal(verdicts.twice, message('en-US', 'scada-events', 'errors.handleTwice', { handle: 1 }));
    assert.equal(verdicts.good, true);
  });

  it('should edit a selection\'s fields as a list: standard fields by name, a custom id + name, eventId required', async function () {
    const form = await openDialog(page, 'scada-events', ids['scada-events']!);
    const selection = form.locator('#node-input-selections-list > li').first();
    const fieldRows = selection.locator('ol.sel-fields > li');
    const shown = await fieldRows.locator('select.fld-kind').evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).selectedOptions[0]!.text));
    assert.deepEqual(shown.slice(0, 3), ['eventId (1)', 'Time (2)', 'Message (3)']);
    await page.screenshot({ path: join(SHOTS, 'scada-events-dialog.png') });
    // Remove eventId: the row says what is missing.
    await fieldRows.first().locator('.red-ui-editableList-item-remove').click();
    await selection.locator('.sel-problem', { hasText: message('en-US', 'scada-events', 'errors.eventIdHere') }).waitFor({ state: 'visible' });
    // A custom field: id 20, name Zone.
    await selection.locator('ol.sel-fields + .red-ui-editableList-addButton, .red-ui-editableList-addButton').first().click();
    const added = fieldRows.last();
    await added.locator('select.fld-kind').selectOption('custom');
    await added.locator('.fld-id').fill('20');
    await added.locator('.fld-name').fill('Zone');
    await saveDialog('#node-dialog-ok');
    const saved = await page.evaluate((id) => {
      const node = RED.nodes.node(id);
      RED.editor.validateNode(node);
      return { fields: node.selections[0].fields, valid: node.valid };
    }, ids['scada-events']);
    assert.ok(saved.fields.every((f: { id: unknown }) => typeof f.id === 'number'), `no field without a numeric id: ${JSON.stringify(saved.fields)}`);
    assert.deepEqual(saved.fields.at(-1), { id: 20, name: 'Zone' });
    assert.ok(!saved.fields.some((f: { id: number }) => f.id === 1), 'eventId removed');
    assert.equal(saved.valid, false, 'a selection without eventId is invalid');
    await page.locator(`[id="${ids['scada-events']}"] .red-ui-flow-node-error`).waitFor({ state: 'visible' });
    // Put eventId back through the list: valid again.
    await openDialog(page, 'scada-events', ids['scada-events']!);
    await selection.locator('.red-ui-editableList-addButton').first().click();
    await fieldRows.last().locator('select.fld-kind').selectOption('1');
    await saveDialog('#node-dialog-ok');
    const valid = await page.evaluate((id) => {
      const node = RED.nodes.node(id);
      RED.editor.validateNode(node);
      return node.valid;
    }, ids['scada-events']);
    assert.equal(valid, true);
  });

  async function testConnection(type: string, values: Record<string, string>): Promise<string> {
    const form = await openDialog(page, type, ids[type]!);
    for (const [prop, value] of Object.entries(values)) await form.locator(`#node-config-input-${prop}`).fill(value);
    const result = form.locator('#node-config-test-result');
    await form.locator('#node-config-test-connection').click();
    await waitFor(async () => /node-config-test-(ok|failed)/.test((await result.getAttribute('class')) ?? ''), 20_000, `${type} test result`);
    return result.innerText();
  }

  it('Test connection (MasterSCADA): the unsaved values of the dialog, GetState in words; a wrong password says why', async function () {
    const ok = await testConnection('masterscada-server', { url: masterScada.url, username: 'operator', password: PASSWORD });
    assert.ok(ok.includes(message('en-US', 'masterscada-server', 'test.master')), ok);
    assert.match(ok, /^Connected: project \S+, run \S+ \(GetState answered\)/);
    assert.ok(ok.includes(message('en-US', 'masterscada-server', 'test.stateGood')), ok);
    await page.screenshot({ path: join(SHOTS, 'masterscada-server-dialog.png') });
    await cancelDialog(page);
    const bad = await testConnection('masterscada-server', { url: masterScada.url, username: 'operator', password: `${PASSWORD}x` });
    assert.match(bad, /^Failed \((SESSION|SERVER)\): /);
    assert.ok(!bad.includes(PASSWORD), 'the password is shown');
    await cancelDialog(page);
  });

  it('Test connection (Foresight): the repository opened and closed again; a host-only address gets a CONFIG error', async function () {
    const ok = await testConnection('foresight-server', { endpoint: foresight.endpoint(), repository: SEED.repositoryId, username: 'operator', password: PASSWORD });
    assert.equal(ok, message('en-US', 'foresight-server', 'test.ok', { repository: SEED.repositoryId }));
    assert.equal(foresight.liveSessions, 0, 'the test closed its session');
    await page.screenshot({ path: join(SHOTS, 'foresight-server-dialog.png') });
    await cancelDialog(page);
    const bad = await testConnection('foresight-server', { endpoint: foresight.url });
    assert.match(bad, /^Failed \(CONFIG\): .*service path/);
    await cancelDialog(page);
  });

  it('should take the bpm-monitor instance key from msg, flow, global or env through a typed input', async function () {
    const form = await openDialog(page, 'bpm-monitor', ids['bpm-monitor']!);
    await form.locator('#node-input-instanceKey + .red-ui-typedInput-container button.red-ui-typedInput-type-select').click();
    const menu = page.locator('.red-ui-typedInput-options:visible').first();
    await menu.waitFor({ state: 'visible' });
    const types = await menu.locator('a[value]').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    await page.keyboard.press('Escape');
    assert.deepEqual(types, ['num', 'msg', 'flow', 'global', 'env']);
    await page.screenshot({ path: join(SHOTS, 'bpm-monitor-dialog.png') });
    await cancelDialog(page);
  });

  it('should show the Debug sidebar with real msgs of a deployed flow', async function () {
    await page.evaluate(
      ({ server }) => {
        const z = RED.workspaces.active();
        const debugId = RED.nodes.id();
        RED.nodes.node(server);
        RED.view.importNodes(
          [{ id: debugId, type: 'debug', z, name: 'alarms', active: true, tosidebar: true, complete: 'true', targetType: 'full', x: 700, y: 300, wires: [] }],
          { generateIds: false, touchImport: true, notify: false },
        );
        const events = RED.nodes.filterNodes({ type: 'scada-events' })[0];
        events.wires = [[debugId]];
        RED.nodes.addLink({ source: events, sourcePort: 0, target: RED.nodes.node(debugId) });
        RED.nodes.dirty(true);
        RED.view.redraw(true);
      },
      { server: ids['masterscada-server'] },
    );
    const form = await openDialog(page, 'masterscada-server', ids['masterscada-server']!);
    await form.locator('#node-config-input-username').fill('operator');
    await form.locator('#node-config-input-password').fill(PASSWORD);
    await saveDialog('#node-config-dialog-ok');
    // The bpm-monitor and Foresight server are not needed here.
    await page.evaluate((remove) => {
      for (const id of remove) RED.nodes.remove(id);
      RED.nodes.dirty(true);
    }, [ids['bpm-monitor']!]);
    await deploy(page);
    await waitFor(() => masterScada.requestsFor('PublishEvents').length > 1, 30_000, 'scada-events polling');
    const alarm = masterScada.raise({ sourceName: 'Pump 7', message: 'Pressure high', severity: 800 });
    masterScada.raise({ sourceName: 'Tank 3', message: 'Level low', severity: 500 });
    await page.evaluate(() => RED.sidebar.show('debug'));
    // The first msg is the start-up `resubscribed` notice (topic "resubscribed"); the alarms follow it.
    const first = page.locator('.red-ui-debug-msg').filter({ hasNotText: 'resubscribed' }).first();
    await first.waitFor({ state: 'visible', timeout: 30_000 });
    // Unfold the first msg and its payload, as a user looking at an alarm does.
    await first.locator('.red-ui-debug-msg-object-header').first().click();
    await waitFor(async () => (await first.innerText()).includes(alarm.eventId), 10_000, `the alarm ${alarm.eventId} in the Debug sidebar`);
    await first.locator('span', { hasText: /^payload$/ }).first().click().catch(() => undefined);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'debug-sidebar.png') });
  });

  it('should show the palette, the dialogs and the validator messages in Russian', async function () {
    await page.evaluate(() => localStorage.setItem('editor-language', 'ru'));
    try {
      await openEditor(page, nodeRed.url);
      for (const [type, label] of [
        ['scada-events', message('ru', 'scada-events', 'paletteLabel')],
        ['bpm-monitor', message('ru', 'bpm-monitor', 'paletteLabel')],
      ] as const) {
        const entry = page.locator(`#red-ui-palette .red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-label`);
        assert.equal((await entry.innerText()).replace(/\s+/g, ' ').trim(), label);
      }
      const portLabel = await page.evaluate(() => RED.nodes.getType('bpm-monitor').outputLabels.call({ _: RED.nodes.getType('bpm-monitor')._ }));
      assert.equal(portLabel, message('ru', 'bpm-monitor', 'outputLabel'));
      const msId = await page.evaluate(() => {
        let id = '';
        RED.nodes.eachConfig((n: { type: string; id: string }) => {
          if (n.type === 'masterscada-server') id = n.id;
        });
        return id;
      });
      const form = await openDialog(page, 'masterscada-server', msId);
      const labels = (await form.locator('.form-row label').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
      assert.ok(labels.includes(message('ru', 'masterscada-server', 'label.sessionId')), JSON.stringify(labels));
      assert.equal((await form.locator('#node-config-test-connection').innerText()).trim(), message('ru', 'masterscada-server', 'test.button'));
      await expectInvalid(form, 'url', 'scada-rt', message('ru', 'masterscada-server', 'errors.url'));
      await page.screenshot({ path: join(SHOTS, 'masterscada-server-dialog-ru.png') });
      await cancelDialog(page);
      const events = await page.evaluate(() => RED.nodes.filterNodes({ type: 'scada-events' })[0].id);
      const eform = await openDialog(page, 'scada-events', events);
      const elabels = (await eform.locator('.form-row label').allInnerTexts()).join(' | ');
      assert.ok(elabels.includes(message('ru', 'scada-events', 'label.store')), elabels);
      assert.ok(!/Handle|Topic/.test(await eform.innerText()), 'English leftovers in the Russian dialog');
      await cancelDialog(page);
    } finally {
      await page.evaluate(() => localStorage.removeItem('editor-language'));
    }
  });
});
