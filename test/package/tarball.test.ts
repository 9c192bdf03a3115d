/** What `npm pack` ships, and that the packed tarball loads in a real Node-RED 4. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractPackage, packPackage, type PackResult } from '../helpers/pack';
import { launchEditor } from '../editor/editor-page';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';

const NODE_TYPES = ['masterscada-server', 'scada-events', 'foresight-server', 'bpm-monitor', 'scada-ack', 'bpm-control', 'scada-history'];
/** The editor scripts the nodes' .html files load from resources/<module>/, by the part of the global they add. */
const EDITOR_SCRIPTS: Record<string, string> = { 'alarm-fields.js': 'alarmFields', 'server-dialog.js': 'serverDialog' };

interface NodeSet {
  id: string;
  name: string;
  module: string;
  types: string[];
  enabled: boolean;
  err?: unknown;
}

describe('packed tarball', function () {
  this.timeout(180_000);
  const pkg = packageUnderTest().info;
  let packed: PackResult;

  before(function () {
    packed = packPackage();
  });

  after(function () {
    packed?.cleanup();
  });

  it('should ship the runtime files, editor files, icons, examples and docs', function () {
    const files = packed.files;
    for (const file of Object.values(pkg.json['node-red']?.nodes ?? {})) {
      assert.ok(files.includes(file), `${file} packed`);
      assert.ok(files.includes(file.replace(/\.js$/, '.html')), `${file.replace(/\.js$/, '.html')} packed`);
    }
    assert.ok(files.some((f) => /^examples\/.+\.json$/.test(f)), 'examples/*.json packed');
    assert.ok(files.some((f) => /^dist\/nodes\/icons\/.+\.(svg|png)$/.test(f)), 'icons packed');
    assert.ok(files.some((f) => /^dist\/nodes\/locales\/en-US\/.+\.json$/.test(f)), 'locales packed');
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/src/cli/simulators.js']) assert.ok(files.includes(f), `${f} packed`);
    for (const f of Object.keys(EDITOR_SCRIPTS)) assert.ok(files.includes(`resources/${f}`), `resources/${f} packed`);
  });

  it('should not ship tests, benchmarks, TypeScript sources or build tooling', function () {
    const unwanted = packed.files.filter(
      (f) =>
        /^(dist\/)?(test|bench)\//.test(f) ||
        (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) ||
        /^(src|nodes|scripts|\.ci)\//.test(f) ||
        /(^|\/)\.(staged-package|demo)\b/.test(f) ||
        /^(tsconfig\.json|eslint\.config\.mjs|\.mocharc\.json)$/.test(f),
    );
    assert.deepEqual(unwanted, []);
  });

  describe('installed into a Node-RED 4 user directory', function () {
    let userModules: string;
    let installed: string;
    let nodeRed: NodeRedRuntime;

    before(async function () {
      // As npm lays it out: the package and its runtime dependencies side by side in a node_modules.
      userModules = mkdtempSync(join(tmpdir(), 'packed-'));
      installed = join(userModules, 'node_modules', pkg.name);
      extractPackage(packed.tarball, installed);
      for (const dep of Object.keys(pkg.json.dependencies ?? {})) {
        symlinkSync(join(pkg.root, 'node_modules', dep), join(userModules, 'node_modules', dep), 'dir');
      }
      nodeRed = await startNodeRedRuntime({ packageDir: installed });
    });

    after(async function () {
      await nodeRed?.stop();
      if (userModules) rmSync(userModules, { recursive: true, force: true });
    });

    it('should register and enable every node type without load errors', async function () {
      const sets = await nodeRed.apiJson<NodeSet[]>('nodes');
      const ours = sets.filter((s) => s.module === pkg.name);
      const types = ours.flatMap((s) => s.types).sort();
      assert.deepEqual(types, [...NODE_TYPES].sort(), `types from ${pkg.name}: ${JSON.stringify(ours)}`);
      for (const set of ours) {
        assert.equal(set.err, undefined, `${set.id}: ${String(set.err)}`);
        assert.equal(set.enabled, true, `${set.id} enabled`);
      }
      const warnings = nodeRed.lines.filter((l) => /\[(warn|error)\]/.test(l) && l.includes(pkg.name));
      assert.deepEqual(warnings, []);
    });

    it('should serve the shared editor scripts from resources/ and load them in the editor', async function () {
      for (const f of Object.keys(EDITOR_SCRIPTS)) {
        const res = await nodeRed.api(`resources/${pkg.name}/${f}`, { headers: { Accept: '*/*' } });
        assert.equal(res.status, 200, `resources/${pkg.name}/${f}`);
        assert.equal(await res.text(), readFileSync(join(installed, 'resources', f), 'utf8'), `${f} as installed`);
      }
      const failed: string[] = [];
      const { browser, page } = await launchEditor(nodeRed.url, (page) => {
        page.on('response', (r) => {
          if (r.status() >= 400 && r.url().includes(pkg.name)) failed.push(`${r.status()} ${r.url()}`);
        });
      });
      try {
        const loaded = await page.evaluate(() => Object.keys((window as unknown as { ForesightMasterscadaEditor?: object }).ForesightMasterscadaEditor ?? {}).sort());
        assert.deepEqual(loaded, Object.values(EDITOR_SCRIPTS).sort());
        assert.deepEqual(failed, [], 'no failed request for the package\'s files');
      } finally {
        await browser.close();
      }
    });

    it('should export the clients, engines and simulators from its main entry for use outside Node-RED', function () {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const api = require(installed) as Record<string, unknown>;
      for (const name of ['MasterScadaClient', 'EventPoller', 'PpsomClient', 'BpmMonitor', 'startMasterScadaSimulator', 'startForesightSimulator']) {
        assert.equal(typeof api[name], 'function', name);
      }
    });

    it('should offer the example flows of the installed package', async function () {
      // What Import > Examples lists: the module, then its example folders.
      const modules = await nodeRed.apiJson<string[]>('library/examples/flows/');
      assert.ok(modules.includes(pkg.name), `modules with examples: ${JSON.stringify(modules)}`);
      const folders = await nodeRed.apiJson<unknown[]>(`library/examples/flows/${pkg.name}`);
      assert.ok(folders.length > 0, 'the package lists examples');
    });
  });
});
