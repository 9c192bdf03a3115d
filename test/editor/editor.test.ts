/**
 * The editor side of the four nodes in a real Node-RED editor, driven in headless Chromium.
 * The tests share one editor page and run in order: later ones use the nodes earlier ones created.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Response as PageResponse } from 'playwright-core';
import { readExamples } from '../../src/cli/demo-flows';
import { SEED, startForesightSimulator, type ForesightSimulator } from '../../src/sim/foresight';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import type { Browser } from '../helpers/chromium';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { addNode, cancelDialog, deploy, launchEditor, openDialog, openEditor, waitFor } from './editor-page';

// The editor's global, only ever touched inside page.evaluate callbacks (which run in the browser).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const RED: any;

const MODULE = packageUnderTest().info.name;
const CONFIG_TYPES = ['masterscada-server', 'foresight-server'] as const;
const FLOW_TYPES = ['scada-events', 'bpm-monitor'] as const;
const ALL_TYPES = [...CONFIG_TYPES, ...FLOW_TYPES];
const SERVER_OF: Record<(typeof FLOW_TYPES)[number], (typeof CONFIG_TYPES)[number]> = {
  'scada-events': 'masterscada-server',
  'bpm-monitor': 'foresight-server',
};
/** The simulators' account; the password is typed into the editor and must never come back from the server. */
const USER = 'operator';
const PASSWORD = `Sekret-${Math.random().toString(36).slice(2, 12)}`;

interface TypeInfo {
  category: string;
  defaults: Record<string, { value: unknown; type?: string; required?: boolean }>;
  credentials: Record<string, { type: string }>;
}

describe('editor: the four nodes in Node-RED 4 in Chromium', function () {
  this.timeout(120_000);

  let masterScada: MasterScadaSimulator;
  let foresight: ForesightSimulator;
  let nodeRed: NodeRedRuntime;
  let browser: Browser;
  let page: Page;
  const failedResponses: string[] = [];
  const pageErrors: string[] = [];
  const configIds: Record<string, string> = {};
  const flowIds: Record<string, string> = {};
  let types: Record<string, TypeInfo> = {};
  const screenshotDir = mkdtempSync(join(tmpdir(), 'editor-screenshots-'));

  before(async function () {
    masterScada = await startMasterScadaSimulator({ accounts: { [USER]: PASSWORD }, alarmRate: 2 });
    foresight = await startForesightSimulator({ users: { [USER]: PASSWORD }, stepMs: 1000 });
    // A credential secret, so that the only plain-text copy of what the tests type would be a leak.
    nodeRed = await startNodeRedRuntime({ settings: { credentialSecret: 'editor-test-key' } });
    ({ browser, page } = await launchEditor(nodeRed.url, (page) => {
      page.on('response', (res) => {
        if (res.status() >= 400) failedResponses.push(`${res.status()} ${res.url()}`);
      });
      page.on('requestfailed', (req) => failedResponses.push(`failed ${req.url()} ${req.failure()?.errorText ?? ''}`));
      page.on('pageerror', (err) => pageErrors.push(err.message));
    }));
    types = await page.evaluate((all) => {
      const out: Record<string, unknown> = {};
      for (const t of all) {
        const def = RED.nodes.getType(t);
        if (def) out[t] = { category: def.category, defaults: def.defaults ?? {}, credentials: def.credentials ?? {} };
      }
      return out;
    }, ALL_TYPES) as Record<string, TypeInfo>;
  });

  after(async function () {
    await browser?.close();
    await nodeRed?.stop();
    await masterScada?.close();
    await foresight?.close();
  });

  it('should register all four node types in the editor, the two config nodes in the config category', function () {
    assert.deepEqual(Object.keys(types).sort(), [...ALL_TYPES].sort(), `registered: ${Object.keys(types).join(', ')}`);
    for (const t of CONFIG_TYPES) assert.equal(types[t]!.category, 'config', `${t} category`);
    for (const t of FLOW_TYPES) assert.notEqual(types[t]!.category, 'config', `${t} category`);
  });

  it('should show scada-events and bpm-monitor in the palette with a translated label and an icon that loads', async function () {
    for (const t of FLOW_TYPES) {
      const entry = page.locator(`#red-ui-palette .red-ui-palette-node[data-palette-type="${t}"]`);
      await entry.waitFor({ state: 'visible' });
      const label = (await entry.locator('.red-ui-palette-label').innerText()).trim();
      assert.ok(label.length > 0, `${t} has a palette label`);
      assertTranslated(label, `${t} palette label`);
      const iconUrl = await entry
        .locator('.red-ui-palette-icon')
        .evaluate((el) => /url\("?([^")]+)"?\)/.exec(getComputedStyle(el).backgroundImage)?.[1] ?? '');
      assert.match(iconUrl, new RegExp(`/icons/${MODULE}/`), `${t} uses its own icon, got ${iconUrl}`);
      const res = await page.request.get(iconUrl);
      assert.equal(res.status(), 200, `${iconUrl}`);
      assert.match(res.headers()['content-type'] ?? '', /svg|png/, `${iconUrl} content type`);
    }
  });

  it('should load every editor file of this package (icons, locales, help) without an error', async function () {
    for (const t of ALL_TYPES) {
      const catalog = await nodeRed.apiJson<Record<string, unknown>>(`locales/${MODULE}/${t}?lng=en-US`);
      assert.ok(Object.keys(catalog).length > 0, `${t}: message catalog served and not empty`);
    }
    const ours = failedResponses.filter((line) => line.includes(MODULE) || /\/icons\/|\/locales\//.test(line));
    assert.deepEqual(ours, [], 'failed requests');
    const editorErrors = pageErrors.filter((e) => ALL_TYPES.some((t) => e.includes(t)) || /registerType|oneditprepare/.test(e));
    assert.deepEqual(editorErrors, [], 'errors thrown in the editor');
  });

  it('should open every node\'s edit dialog with labelled, translated fields for its settings', async function () {
    for (const t of CONFIG_TYPES) configIds[t] = await addNode(page, t, {});
    for (const t of FLOW_TYPES) {
      // The seed process of the Foresight simulator, so the deployed monitor has something to follow.
      const process = 'processKey' in types[t]!.defaults ? { processKey: SEED.processKey } : {};
      flowIds[t] = await addNode(page, t, { [serverProperty(types, t)]: configIds[SERVER_OF[t]], ...process });
    }
    for (const t of ALL_TYPES) {
      const isConfig = (CONFIG_TYPES as readonly string[]).includes(t);
      const id = isConfig ? configIds[t]! : flowIds[t]!;
      const tray = await openDialog(page, t, id);
      const prefix = isConfig ? 'node-config-input-' : 'node-input-';
      const labels = (await tray.locator('.form-row label').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
      assert.ok(labels.length >= 2, `${t}: labelled rows, got ${JSON.stringify(labels)}`);
      for (const label of labels) assertTranslated(label, `${t} label`);
      const missing: string[] = [];
      for (const [prop, def] of Object.entries(types[t]!.defaults)) {
        if (typeof def.value === 'object' && def.value !== null) continue; // lists are edited by a custom widget
        if ((await tray.locator(`#${prefix}${prop}`).count()) === 0) missing.push(prop);
      }
      for (const cred of Object.keys(types[t]!.credentials)) {
        if ((await tray.locator(`#${prefix}${cred}`).count()) === 0) missing.push(cred);
      }
      assert.deepEqual(missing, [], `${t}: settings without an input (#${prefix}<name>)`);
      await cancelDialog(page);
    }
  });

  it('should use password inputs for every secret credential', async function () {
    let secrets = 0;
    for (const t of CONFIG_TYPES) {
      const form = await openDialog(page, t, configIds[t]!);
      for (const [name, cred] of Object.entries(types[t]!.credentials)) {
        if (cred.type !== 'password') continue;
        secrets++;
        const input = form.locator(`#node-config-input-${name}`);
        assert.equal(await input.getAttribute('type'), 'password', `${t}.${name}`);
      }
      assert.ok(
        Object.values(types[t]!.credentials).some((c) => c.type === 'password'),
        `${t} declares at least one password credential`,
      );
      await cancelDialog(page);
    }
    assert.ok(secrets >= 2);
  });

  it('should mark a scada-events or bpm-monitor node without a server as invalid', async function () {
    for (const t of FLOW_TYPES) {
      const id = await addNode(page, t, { [serverProperty(types, t)]: '' });
      const valid = await page.evaluate((nodeId) => {
        const n = RED.nodes.node(nodeId);
        RED.editor.validateNode(n);
        return n.valid;
      }, id);
      assert.equal(valid, false, `${t} without a server is valid`);
      await page.locator(`[id="${id}"] .red-ui-flow-node-error`).waitFor({ state: 'visible' });
      await page.evaluate((nodeId) => {
        RED.nodes.remove(nodeId);
        RED.view.redraw(true);
      }, id);
    }
  });

  it('should show help with Inputs, Outputs and Details in the help sidebar', async function () {
    for (const t of ALL_TYPES) {
      await page.evaluate((type) => RED.sidebar.help.show(type), t);
      const help = page.locator('.red-ui-help').filter({ hasText: /./ }).last();
      await help.waitFor({ state: 'visible' });
      const headings = (await help.locator('h3').allInnerTexts()).map((s) => s.trim());
      const text = await help.innerText();
      assert.ok(!/There is no help|Keine|no information/i.test(text) && text.trim().length > 80, `${t}: help text present`);
      if ((FLOW_TYPES as readonly string[]).includes(t)) {
        for (const section of ['Inputs', 'Outputs', 'Details']) {
          assert.ok(headings.includes(section), `${t}: help has "${section}", got ${JSON.stringify(headings)}`);
        }
        assert.ok((await help.locator('dl.message-properties').count()) > 0, `${t}: help lists message properties`);
      } else {
        assert.ok(headings.includes('Details') || (await help.locator('p').count()) > 0, `${t}: help describes the settings`);
      }
    }
  });

  it('should send typed credentials to the runtime on deploy and never back to the editor', async function () {
    const urls: Record<string, string> = {
      'masterscada-server': masterScada.url,
      'foresight-server': foresight.endpoint(),
    };
    for (const t of CONFIG_TYPES) {
      const form = await openDialog(page, t, configIds[t]!);
      const urlProp = Object.keys(types[t]!.defaults).find((p) => /url|endpoint/i.test(p));
      assert.ok(urlProp, `${t} has a URL setting`);
      await form.locator(`#node-config-input-${urlProp}`).fill(urls[t]!);
      const repositoryProp = Object.keys(types[t]!.defaults).find((p) => /repositor/i.test(p));
      if (repositoryProp) await form.locator(`#node-config-input-${repositoryProp}`).fill(SEED.repositoryId);
      for (const [name, cred] of Object.entries(types[t]!.credentials)) {
        const input = form.locator(`#node-config-input-${name}`);
        // Other password-type credentials (a pasted session id or moniker) stay empty: the node logs in.
        if (cred.type === 'password') await input.fill(/pass/i.test(name) ? PASSWORD : '');
        else if (/user|login/i.test(name)) await input.fill(USER);
      }
      await page.locator('#node-config-dialog-ok').click();
      await page.locator('.red-ui-tray').first().waitFor({ state: 'detached' }).catch(() => undefined);
    }
    await deploy(page);

    for (const t of CONFIG_TYPES) {
      const creds = await nodeRed.apiJson<Record<string, unknown>>(`credentials/${t}/${configIds[t]}`);
      for (const [name, cred] of Object.entries(types[t]!.credentials)) {
        if (cred.type !== 'password') continue;
        assert.equal(creds[name], undefined, `${t}.${name} sent back to the editor`);
        if (/pass/i.test(name)) assert.equal(creds[`has_${name}`], true, `${t}: has_${name}`);
      }
      assert.ok(!JSON.stringify(creds).includes(PASSWORD), `${t}: GET /credentials returns the password`);
    }

    // A fresh editor load: the dialog shows a placeholder, never the stored password.
    const bodies: string[] = [];
    const collect = (res: PageResponse): void => {
      if (/\/(flows|credentials|nodes|settings)/.test(res.url())) void res.text().then((b) => bodies.push(b), () => undefined);
    };
    page.on('response', collect);
    await openEditor(page, nodeRed.url);
    for (const t of CONFIG_TYPES) {
      const form = await openDialog(page, t, configIds[t]!);
      for (const [name, cred] of Object.entries(types[t]!.credentials)) {
        if (cred.type !== 'password' || !/pass/i.test(name)) continue;
        const input = form.locator(`#node-config-input-${name}`);
        assert.equal(await input.getAttribute('type'), 'password');
        const value = await input.inputValue();
        assert.notEqual(value, PASSWORD, `${t}.${name} shows the stored password`);
        assert.equal(value, '__PWRD__', `${t}.${name} shows a placeholder for the stored password`);
      }
      await cancelDialog(page);
    }
    page.off('response', collect);
    assert.ok(bodies.length > 0);
    for (const body of bodies) assert.ok(!body.includes(PASSWORD), 'the password reached the editor');
    assert.ok(!(await page.content()).includes(PASSWORD), 'the password is in the editor page');
    const flowFile = readFileSync(join(nodeRed.userDir, 'flows.json'), 'utf8');
    assert.ok(!flowFile.includes(PASSWORD), 'the flow file holds the password');
  });

  it('should list the shipped examples under Import > Examples and deploy each of them', async function () {
    const examples = readExamples(join(packageUnderTest().info.root, 'examples'));
    assert.ok(examples.length >= FLOW_TYPES.length, `examples found: ${examples.map((e) => e.name).join(', ')}`);
    // What Import > Examples shows: folder names as strings, flows as {fn}.
    const listFlows = async (path: string): Promise<string[]> => {
      const entries = await nodeRed.apiJson<Array<string | { fn: string }>>(`library/examples/flows/${path}`);
      const out: string[] = [];
      for (const e of entries) {
        if (typeof e === 'string') out.push(...(await listFlows(`${path}/${e}`)));
        else out.push(`${path}/${e.fn}`);
      }
      return out;
    };
    const listed = (await listFlows(MODULE)).join('\n');
    for (const example of examples) {
      const label = example.name.split('/').pop()!.replace(/\.json$/, '');
      assert.ok(listed.includes(label), `example "${label}" listed: ${listed.slice(0, 400)}`);
    }
    for (const example of examples) {
      await page.evaluate((nodes) => {
        // touchImport: place the nodes at once instead of attaching them to the mouse pointer.
        RED.view.importNodes(nodes, { generateIds: true, addFlow: true, touchImport: true, notify: false });
        RED.nodes.dirty(true);
      }, example.nodes);
    }
    await deploy(page);
    const deployed = await nodeRed.apiJson<{ type: string }[]>('flows');
    for (const t of FLOW_TYPES) {
      assert.ok(deployed.filter((n) => n.type === t).length >= 2, `${t} deployed from the editor and from an example`);
    }
  });

  it('should export flows without passwords, session ids or monikers', async function () {
    // Let the deployed nodes log in to the simulators, so there are real session ids/monikers to leak.
    const logs = (): unknown[] => [...masterScada.requests, ...foresight.requests];
    await waitFor(
      () => masterScada.requests.some((r) => JSON.stringify(r.body).includes('sessionId')) && foresight.requests.some((r) => JSON.stringify(r.params).includes('!M')),
      60_000,
      () =>
        `the deployed nodes to use a session id and a moniker (MasterSCADA requests: ${masterScada.requests.map((r) => r.method).slice(-5)}; ` +
        `Foresight requests: ${foresight.requests.map((r) => r.op).slice(-5)})\n${nodeRed.lines.slice(-25).join('\n')}`,
    );
    const secrets = [...new Set([...sessionSecrets(logs()), PASSWORD])];

    const viaApi = await (await nodeRed.api('flows')).text();
    await page.evaluate(() => RED.actions.invoke('core:show-export-dialog'));
    await page.locator('#red-ui-clipboard-dialog-export-rng-full').click();
    const exported = await page.locator('#red-ui-clipboard-dialog-export-text').inputValue();
    assert.ok(exported.includes('scada-events') && exported.includes('bpm-monitor'), 'the export has our nodes');
    await page.keyboard.press('Escape');
    const statusTexts = (await page.locator('.red-ui-flow-node-status-label').allInnerTexts()).join('\n');

    for (const [where, text] of [
      ['GET /flows', viaApi],
      ['Export dialog', exported],
      ['node status', statusTexts],
      ['flow file', readFileSync(join(nodeRed.userDir, 'flows.json'), 'utf8')],
      ['Node-RED log', nodeRed.lines.join('\n')],
    ] as const) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${where} contains a secret (${secret.slice(0, 3)}…)`);
      assert.ok(!/"password"\s*:\s*"[^"]/.test(text), `${where} contains a password property`);
    }
  });

  it('should save a screenshot of the palette and an open edit dialog', async function () {
    await page.locator(`#red-ui-palette .red-ui-palette-node[data-palette-type="scada-events"]`).scrollIntoViewIfNeeded();
    await openDialog(page, 'scada-events', flowIds['scada-events']!);
    const file = join(screenshotDir, 'palette-and-scada-events-dialog.png');
    await page.screenshot({ path: file });
    await cancelDialog(page);
    await openDialog(page, 'foresight-server', configIds['foresight-server']!);
    const file2 = join(screenshotDir, 'palette-and-foresight-server-dialog.png');
    await page.screenshot({ path: file2 });
    await cancelDialog(page);
    // eslint-disable-next-line no-console
    console.log(`      screenshots: ${file} ${file2}`);
  });
});

/** The property of a flow node that names its server config node. */
function serverProperty(types: Record<string, TypeInfo>, type: (typeof FLOW_TYPES)[number]): string {
  const entry = Object.entries(types[type]!.defaults).find(([, d]) => d.type === SERVER_OF[type]);
  assert.ok(entry, `${type} has a setting of type ${SERVER_OF[type]}`);
  return entry[0];
}

function assertTranslated(text: string, what: string): void {
  assert.ok(!/^[\w-]+(\/[\w-]+)?:?[\w-]+\.[\w.-]+$/.test(text), `${what} "${text}" looks like an untranslated i18n key`);
}

/** Session ids and monikers the simulators handed out (read back from what clients sent them). */
function sessionSecrets(requestLogs: unknown[]): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, key = ''): void => {
    if (typeof value === 'string') {
      if ((/session|moniker/i.test(key) && value.length >= 6) || /!M\b/.test(value)) found.add(value);
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  for (const log of requestLogs) walk(log);
  return [...found];
}
