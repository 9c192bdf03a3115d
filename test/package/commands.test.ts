/** The two commands users run: `bpm-scada-sim` (the package's bin) and `npm run demo`. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modulesNeeded, readExamples } from '../../src/cli/demo-flows';
import { packageUnderTest } from '../helpers/node-red-runtime';

interface Command {
  child: ChildProcess;
  output: string[];
  /** Resolves with the first captured group of the first output line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

function run(script: string, args: string[]): Command {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (s: string) => void }> = [];
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      output.push(line);
      for (const w of [...waiters]) {
        const m = w.re.exec(line);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m[1] ?? m[0]);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output,
    exited,
    waitFor(re, timeoutMs = 90_000) {
      const seen = output.map((l) => re.exec(l)).find(Boolean);
      if (seen) return Promise.resolve(seen[1] ?? seen[0]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${re} in:\n${output.join('\n')}`)), timeoutMs);
        waiters.push({ re, resolve: (s) => (clearTimeout(timer), resolve(s)) });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`exited (${code}) before printing ${re}:\n${output.join('\n')}`));
        });
      });
    },
  };
}

describe('commands', function () {
  this.timeout(120_000);
  const pkg = packageUnderTest();
  const cliDir = join(pkg.dir, 'dist', 'src', 'cli');
  const running: ChildProcess[] = [];

  afterEach(function () {
    for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('should make bpm-scada-sim an executable script with a node shebang', function () {
    const bin = (pkg.info.json as { bin?: Record<string, string> }).bin ?? {};
    assert.ok(bin['bpm-scada-sim'], 'package.json bin');
    assert.match(readFileSync(join(pkg.dir, bin['bpm-scada-sim']!), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('should run both simulators with bpm-scada-sim, print their URLs and the account, and stop on SIGTERM', async function () {
    const sim = run(join(cliDir, 'simulators.js'), ['--masterscada-port', '0', '--foresight-port', '0']);
    running.push(sim.child);
    const masterScadaUrl = await sim.waitFor(/MasterSCADA 4D simulator:\s+(\S+)/);
    const endpoint = await sim.waitFor(/PP\.SOM endpoint:\s+(\S+)/);
    await sim.waitFor(/Account: demo \/ demo/);
    const state = await fetch(`${masterScadaUrl}/Methods/GetState`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(state.status, 200);
    const wsdl = await fetch(`${endpoint}?wsdl`);
    assert.ok(wsdl.status < 500, `PP.SOM endpoint answers (${wsdl.status})`);
    await wsdl.arrayBuffer();
    sim.child.kill('SIGTERM');
    assert.equal(await sim.exited, 0);
    assert.ok(sim.output.some((l) => l.includes('Stopped.')));
  });

  it('should refuse a busy port with a clear message', async function () {
    const first = run(join(cliDir, 'simulators.js'), ['--only', 'masterscada', '--masterscada-port', '0']);
    running.push(first.child);
    const url = await first.waitFor(/MasterSCADA 4D simulator:\s+(\S+)/);
    const port = new URL(url).port;
    const second = run(join(cliDir, 'simulators.js'), ['--only', 'masterscada', '--masterscada-port', port]);
    running.push(second.child);
    assert.equal(await second.exited, 1);
    assert.match(second.output.join('\n'), new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
    first.child.kill('SIGTERM');
    await first.exited;
  });

  it('should run the demo: simulators and Node-RED with every example flow, stopped by SIGINT', async function () {
    const userDir = mkdtempSync(join(tmpdir(), 'demo-'));
    try {
      const demo = run(join(cliDir, 'demo.js'), ['--port', '0', '--masterscada-port', '0', '--foresight-port', '0', '--user-dir', userDir]);
      running.push(demo.child);
      const editor = await demo.waitFor(/Node-RED editor:\s+(\S+)/);
      const flows = (await (await fetch(new URL('flows', editor), { headers: { Accept: 'application/json' } })).json()) as { type: string }[];
      const all = readExamples(join(pkg.info.root, 'examples'));
      // Examples that need other modules (e-mail, Telegram) are left out, and the demo says so.
      const examples = all.filter((e) => modulesNeeded(e).length === 0);
      assert.ok(examples.length < all.length && examples.length > 0);
      for (const e of all.filter((x) => modulesNeeded(x).length > 0)) {
        assert.ok(demo.output.some((l) => l.includes('Not deployed') && l.includes(e.name)), `the demo names ${e.name} as not deployed`);
      }
      for (const type of new Set(examples.flatMap((e) => e.nodes.map((n) => n.type)))) {
        assert.ok(flows.some((n) => n.type === type), `demo flow has a ${type} node`);
      }
      // One config node per server, shared by every example; no Status node feeding the Debug sidebar.
      assert.equal(flows.filter((n) => n.type === 'masterscada-server').length, 1, 'MasterSCADA config nodes');
      assert.equal(flows.filter((n) => n.type === 'foresight-server').length, 1, 'Foresight config nodes');
      assert.equal(flows.filter((n) => n.type === 'status').length, 0, 'Status nodes in the demo');
      const settings = (await (await fetch(new URL('settings', editor), { headers: { Accept: 'application/json' } })).json()) as { version: string };
      assert.doesNotMatch(settings.version, /-git$/, 'the editor shows a development version');
      const nodes = (await (await fetch(new URL('nodes', editor), { headers: { Accept: 'application/json' } })).json()) as { module: string; types: string[]; err?: unknown }[];
      const ours = nodes.filter((s) => s.module === pkg.info.name);
      assert.equal(ours.flatMap((s) => s.types).length, 5, JSON.stringify(ours));
      assert.ok(ours.every((s) => !s.err), JSON.stringify(ours));
      demo.child.kill('SIGINT');
      assert.equal(await demo.exited, 0, demo.output.join('\n'));
    } finally {
      rmSync(userDir, { recursive: true, force: true });
    }
  });
});
