/** Driving the Node-RED editor page in the browser tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { launchChromium, type Browser } from '../helpers/chromium';

// The editor's global, only ever touched inside page.evaluate callbacks (which run in the browser).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const RED: any;

export async function openEditor(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForFunction(
    () => typeof RED !== 'undefined' && RED.nodes && RED.workspaces && RED.workspaces.active() && !document.querySelector('#red-ui-loading-progress:not([style*="none"])'),
    undefined,
    { timeout: 60_000 },
  );
  await page.locator('#red-ui-palette .red-ui-palette-node').first().waitFor({ state: 'visible', timeout: 60_000 });
}

/**
 * Debian's Chromium with one page (30 s default timeout) on the editor at `url`. `watch` gets the page
 * before the editor loads (to listen for its requests or errors).
 */
export async function launchEditor(url: string, watch?: (page: Page) => void): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    watch?.(page);
    await openEditor(page, url);
    return { browser, page };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Adds a node of `type` (the way the palette does: defaults filled in) and returns its id. */
export async function addNode(page: Page, type: string, overrides: Record<string, unknown>): Promise<string> {
  return page.evaluate(
    ({ type, overrides }) => {
      const def = RED.nodes.getType(type);
      const id = RED.nodes.id();
      const node: Record<string, unknown> = { id, type };
      for (const [k, v] of Object.entries(def.defaults ?? {}) as [string, { value: unknown }][]) {
        node[k] = JSON.parse(JSON.stringify(v.value ?? ''));
      }
      Object.assign(node, overrides);
      if (def.category !== 'config') {
        const count = RED.nodes.filterNodes({ z: RED.workspaces.active() }).length;
        Object.assign(node, { z: RED.workspaces.active(), x: 200 + 220 * (count % 3), y: 80 + 60 * Math.floor(count / 3), wires: Array.from({ length: def.outputs ?? 0 }, () => []) });
      }
      RED.view.importNodes([node], { generateIds: false, touchImport: true, notify: false });
      RED.nodes.dirty(true);
      return id;
    },
    { type, overrides },
  );
}


/** Opens the node's edit tray and returns its settings form. */
export async function openDialog(page: Page, type: string, id: string): Promise<Locator> {
  const isConfig = await page.evaluate(
    ({ type, id }) => {
      const node = RED.nodes.node(id);
      if (!node) throw new Error(`no node ${id}`);
      const config = RED.nodes.getType(type).category === 'config';
      if (config) RED.editor.editConfig('', type, id);
      else RED.editor.edit(node);
      return config;
    },
    { type, id },
  );
  const form = page.locator(isConfig ? '#node-config-dialog-edit-form' : '#dialog-form');
  await form.waitFor({ state: 'visible' });
  await page.waitForTimeout(300); // the tray slides in; settle before reading or clicking
  return form;
}

/** Clicks the Done button of the open edit tray and waits for the tray to close. */
export async function confirmDialog(page: Page): Promise<void> {
  const before = await page.locator('.red-ui-tray').count();
  await page.locator('#node-dialog-ok').click();
  await page.waitForFunction((n) => document.querySelectorAll('.red-ui-tray').length < n, before);
}

/** Closes every edit tray still open (after a failed test, so that the next one starts clean). */
export async function closeTrays(page: Page): Promise<void> {
  for (let i = 0; i < 5 && (await page.locator('.red-ui-tray').count()) > 0; i++) {
    await page.evaluate(() => RED.tray.close());
    await page.waitForTimeout(400);
  }
}

/** Types `value` into the dialog's `node-input-<prop>` field, ending with a change event as typing does. */
export async function fillInput(form: Locator, prop: string, value: string): Promise<Locator> {
  const input = form.locator(`#node-input-${prop}`);
  await input.fill(value);
  await input.dispatchEvent('change');
  return input;
}

export async function cancelDialog(page: Page): Promise<void> {
  const trays = page.locator('.red-ui-tray');
  const before = await trays.count();
  await page.evaluate(() => RED.tray.close());
  await page.waitForFunction((n) => document.querySelectorAll('.red-ui-tray').length < n, before);
}

export async function deploy(page: Page): Promise<void> {
  try {
    await page.locator('#red-ui-header-button-deploy').click();
    const success = page.locator('.red-ui-notification-success, .red-ui-notification:has-text("Successfully deployed")');
    const confirm = page.locator('.red-ui-notification button:has-text("Confirm deploy")');
    await Promise.race([success.first().waitFor({ state: 'visible' }), confirm.first().waitFor({ state: 'visible' })]);
    if (await confirm.first().isVisible()) {
      await confirm.first().click();
      await success.first().waitFor({ state: 'visible' });
    }
    await page.waitForFunction(() => !RED.nodes.dirty());
  } catch (err) {
    const file = join(mkdtempSync(join(tmpdir(), 'editor-deploy-')), 'deploy-failed.png');
    await page.screenshot({ path: file }).catch(() => undefined);
    throw new Error(`deploy did not succeed (screenshot: ${file}): ${(err as Error).message}`, { cause: err });
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
