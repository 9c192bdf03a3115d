/**
 * The benchmark harness in its smoke mode (`--quick`: tiny counts, one repetition) inside a real
 * Node-RED child: every row of the plan produces a number and a baseline. Nothing here looks at how
 * fast anything is.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchReport } from '../../bench/run';

const RUN_JS = resolve(__dirname, '..', '..', 'bench', 'run.js');

/** Row ids of the plan (bench/run.ts). */
const EXPECTED = ['1 a/b', '1 a/f', '1 a/c', '2 p50', '2 p99', '2 p50', '2 p99', '3 heap', '3 rss', '4', '5 json', '5 json', '5 soap', '6 cpu', '6 cpu', '6 one', '6 rss', '7 sync', '7 pkt', '7 write', '7 wsync'];

describe('npm run bench -- --quick (the harness, not the speed)', function () {
  this.timeout(240_000);
  let dir: string;
  let report: BenchReport;
  let stdout: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
    const json = join(dir, 'report.json');
    stdout = await new Promise<string>((done, fail) => {
      execFile(process.execPath, [RUN_JS, '--quick', '--json', json], { timeout: 220_000, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) => {
        if (err) fail(new Error(`bench --quick failed: ${err.message}\n${errOut.slice(-3000)}`));
        else done(out);
      });
    });
    report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('produces every row of the plan, in order, each with a finite value and a finite baseline', () => {
    assert.deepEqual(
      report.rows.map((r) => r.id),
      EXPECTED,
    );
    for (const row of report.rows) {
      assert.ok(Number.isFinite(row.value), `${row.id} ${row.what}: value ${row.value}`);
      assert.ok(row.baseline && Number.isFinite(row.baseline.value), `${row.id} ${row.what}: baseline ${JSON.stringify(row.baseline)}`);
    }
  });

  it('says it was a quick run, names the machine and prints the table', () => {
    assert.equal(report.quick, true);
    assert.ok(report.machine.nproc > 0 && /^v\d+/.test(report.machine.node) && /^\d+\.\d+/.test(report.machine.nodeRed), JSON.stringify(report.machine));
    assert.match(stdout, /\| 1 a\/f +\| backlog drain/);
    assert.match(stdout, /QUICK smoke run/);
    // eslint-disable-next-line no-console
    console.log(stdout.slice(stdout.indexOf('| #')));
  });
});
