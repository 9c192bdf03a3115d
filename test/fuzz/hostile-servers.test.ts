/**
 * Fuzz: the packed package in a real Node-RED (one child process for the whole
 * run), fed thousands of generated bad answers by a hostile server of our own
 * on 127.0.0.1, both platforms. Per case: Node-RED alive with the same pid,
 * the admin API answering, a catchable error with a documented code (or the
 * node going on, where the answer was bad only in a field it does not need),
 * a red status with a reason; at the end, no secret anywhere.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAGMENT_LENGTH, secretForms } from '../../src/shared/redact';
import { extractPackage, packPackage, type PackResult } from '../helpers/pack';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { HostileServer, frame, OPCODE } from './hostile-server';
import type { HttpRequestInfo, HttpScript, WsScript } from './hostile-server';
import { FS_GOOD, FS_PASSWORD, MS_GOOD, MS_PASSWORD, SECRETS, SESSION_FAULT_TEXT, fsBody, fsFault, generateCases } from './cases';
import type { FuzzCase, Platform } from './cases';

/** Every code the README documents (and nothing else may reach Catch). */
const DOCUMENTED = new Set(['SESSION', 'SUBSCRIPTION', 'NOT_FOUND', 'SERVER', 'HTTP_STATUS', 'BAD_RESPONSE', 'RESPONSE_TOO_LARGE', 'TRANSPORT', 'TIMEOUT', 'CONFIG', 'PROTOCOL', 'BAD_INPUT', 'NOT_ACKNOWLEDGED', 'NOT_ALLOWED']);
const SEED = 20_251_201;
/** A status that starts with an error code instead of words. */
const BARE_CODE = /^(?:[A-Z]+_[A-Z_]+|SESSION|SUBSCRIPTION|SERVER|TRANSPORT|TIMEOUT|CONFIG|PROTOCOL|INTERNAL)\b/;
const NODE_OF: Record<Platform, string> = { json: 'mj', soap: 'msoap', ms: 'ev' };
const CASE_LIMIT_MS = 4000;
/** Local investigation only (never set in CI): FUZZ_EVERY=n runs every n-th case, FUZZ_ONLY="<platform> <family> <target>" one group, FUZZ_DEBUG=1 prints each case. */
const FUZZ_EVERY = Number(process.env.FUZZ_EVERY ?? 1);
const DEBUG = process.env.FUZZ_DEBUG === '1';

interface Collected {
  kind: 'catch' | 'status' | 'msg';
  source?: string;
  code?: string;
  status?: { fill?: string; shape?: string; text?: string };
  [k: string]: unknown;
}

/** The hostile server's script: the current case spoils its target, everything else is answered well. */
class Script {
  current: FuzzCase | undefined;
  servedBad = 0;
  /** How many items the collector held when the spoiled answer first went out: what came before is not this case's. */
  servedAt = 0;
  constructor(private readonly collectedCount: () => number) {}
  laterOps = 0;
  goodPublishes = 0;

  set(c: FuzzCase | undefined): void {
    this.current = c;
    this.servedBad = 0;
    this.laterOps = 0;
  }

  http(req: HttpRequestInfo): HttpScript {
    const platform: Platform = req.path.startsWith('/json/') ? 'json' : req.path.startsWith('/soap/') ? 'soap' : 'ms';
    const c = this.current?.platform === platform ? this.current : undefined;
    const op = req.op;
    if (c && c.target !== 'ws') {
      if (op === c.target) {
        if (this.servedBad === 0) this.servedAt = this.collectedCount();
        this.servedBad += 1;
        return c.http!;
      }
      if (this.servedBad > 0 && !/^(Close|Delete|Logout)/.test(op)) this.laterOps += 1;
      // To reach a login step, the session in use has to die first.
      const upstream = platform === 'ms' ? c.target === 'Login' : c.target === 'OpenMetabase' || c.target === 'OpenBpmProcess';
      if (upstream && this.servedBad === 0 && !/^(Close|Delete|Logout|OpenMetabase|Login)/.test(op) && !(c.target === 'OpenBpmProcess' && op === 'OpenBpmProcess')) {
        return platform === 'ms'
          ? { kind: 'answer', status: 200, body: JSON.stringify({ code: 'OpcUa_BadSessionIdInvalid' }) }
          : { kind: 'answer', status: 500, contentType: platform === 'soap' ? 'text/xml' : 'application/json', body: fsFault(platform, SESSION_FAULT_TEXT, 'soapenv:Client') };
      }
    }
    // Every ws case must fail; an HTTP call after it (a reconnect timer of the case before) is not "going on".
    if (platform === 'ms') {
      if (op === 'PublishEvents') this.goodPublishes += 1;
      return { kind: 'answer', status: 200, body: JSON.stringify(MS_GOOD[op] ?? { code: 0 }) };
    }
    const good = FS_GOOD[op];
    if (good === undefined) return { kind: 'answer', status: 500, body: fsFault(platform, `unknown operation ${op.slice(0, 40)}`) };
    return { kind: 'answer', status: 200, contentType: platform === 'soap' ? 'text/xml' : 'application/json', body: fsBody(platform, op, good) };
  }

  ws(path: string): WsScript {
    const platform: Platform = path.startsWith('/json/') ? 'json' : 'soap';
    const c = this.current?.platform === platform && this.current.target === 'ws' ? this.current : undefined;
    if (c) {
      if (this.servedBad === 0) this.servedAt = this.collectedCount();
      this.servedBad += 1;
      return c.ws!;
    }
    if (this.current?.platform === platform && this.servedBad > 0) this.laterOps += 1;
    return { kind: 'frames', frames: [frame({ opcode: OPCODE.text, payload: '{"type":"snapshot"}' })], then: 'keep' };
  }
}

function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const s of SECRETS) {
    for (const f of secretForms(s)) if (text.includes(f)) found.push(f);
    for (let i = 0; i + FRAGMENT_LENGTH <= s.length; i += 1) {
      const part = s.slice(i, i + FRAGMENT_LENGTH);
      if (text.includes(part)) found.push(part);
    }
  }
  return [...new Set(found)];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    // node_modules: the package itself; flows_cred.json: the test wrote it in plain text (credentialSecret false).
    if (name === 'node_modules' || name === 'flows_cred.json') continue;
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('fuzz: hostile servers against the packed package in a real Node-RED', function () {
  this.timeout(420_000);
  const pkg = packageUnderTest().info;
  let packed: PackResult;
  let userModules: string;
  let nodeRed: NodeRedRuntime;
  let collector: Server;
  const collected: Collected[] = [];
  const script = new Script(() => collected.length);
  const hostile = new HostileServer({ http: (r) => script.http(r), ws: (p) => script.ws(p) });

  before(async function () {
    packed = packPackage();
    userModules = mkdtempSync(join(tmpdir(), 'fuzz-'));
    const installed = join(userModules, 'node_modules', pkg.name);
    extractPackage(packed.tarball, installed);
    for (const dep of Object.keys(pkg.json.dependencies ?? {})) symlinkSync(join(pkg.root, 'node_modules', dep), join(userModules, 'node_modules', dep), 'dir');
    await hostile.start();
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          collected.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Collected);
        } catch {
          collected.push({ kind: 'msg', unparsable: Buffer.concat(chunks).toString('utf8') });
        }
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const collect = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/c`;
    const base = `http://127.0.0.1:${hostile.port}`;
    const post = (id: string): Record<string, unknown> => ({ id, type: 'http request', z: 'f1', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: collect, persist: true, wires: [[]] });
    const fn = (id: string, body: string, to: string): Record<string, unknown> => ({ id, type: 'function', z: 'f1', func: `${body}\nmsg.headers = { 'content-type': 'application/json' };\ndelete msg.req; delete msg.res;\nreturn msg;`, outputs: 1, wires: [[to]] });
    const httpIn = (id: string, url: string, to: string): Array<Record<string, unknown>> => [
      { id, type: 'http in', z: 'f1', url, method: 'post', wires: [[to, `${id}-res`]] },
      { id: `${id}-res`, type: 'http response', z: 'f1', statusCode: '200', wires: [] },
    ];
    const monitor = (id: string, server: string): Record<string, unknown> => ({ id, type: 'bpm-monitor', z: 'f1', server, processKey: '338080', instanceKey: '98037', instanceGuid: '', topic: '', workspace: false, wires: [['fmsg']] });
    const flows = [
      { id: 'f1', type: 'tab', label: 'fuzz' },
      { id: 'fj', type: 'foresight-server', endpoint: `${base}/json/axis2/services/PP.SOM.Som`, repository: 'WAREHOUSE', transport: 'json', wsPathPrefix: '/json', timeout: 1, keepAlive: 600 },
      { id: 'fs', type: 'foresight-server', endpoint: `${base}/soap/axis2/services/PP.SOM.Som`, repository: 'WAREHOUSE', transport: 'soap', wsPathPrefix: '/soap', timeout: 1, keepAlive: 600 },
      { id: 'srvms', type: 'masterscada-server', url: `${base}/ms`, timeout: 1 },
      monitor('mj', 'fj'),
      monitor('msoap', 'fs'),
      {
        id: 'ev',
        type: 'scada-events',
        z: 'f1',
        server: 'srvms',
        pollInterval: 0.05,
        store: '',
        selections: [{ clientHandle: 1, taskId: 0, itemId: 0, archiveId: 0, path: '', useArchive: false, fields: [{ id: 1, name: 'eventId' }] }],
        wires: [['fmsg']],
      },
      ...httpIn('in-mj', '/fuzz/mj', 'mj'),
      ...httpIn('in-msoap', '/fuzz/msoap', 'msoap'),
      ...httpIn('in-ev', '/fuzz/ev', 'ev'),
      { id: 'ncatch', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['fcatch']] },
      fn('fcatch', "msg.payload = { kind: 'catch', source: msg.error && msg.error.source && msg.error.source.id, code: msg.error && msg.error.code, error: msg.error, _error: msg._error };", 'pc'),
      post('pc'),
      { id: 'nstatus', type: 'status', z: 'f1', scope: ['mj', 'msoap', 'ev'], wires: [['fstatus']] },
      fn('fstatus', "msg.payload = { kind: 'status', source: msg.status.source.id, status: { fill: msg.status.fill, shape: msg.status.shape, text: msg.status.text } };", 'ps'),
      post('ps'),
      fn('fmsg', "msg.payload = { kind: 'msg', msg: { topic: msg.topic, payload: msg.payload, url: msg.url, control: msg.control } };", 'pm'),
      post('pm'),
    ];
    nodeRed = await startNodeRedRuntime({
      packageDir: installed,
      flows,
      credentials: { fj: { username: 'demo', password: FS_PASSWORD }, fs: { username: 'demo', password: FS_PASSWORD }, srvms: { username: 'op', password: MS_PASSWORD } },
      settings: { logging: { console: { level: 'trace', metrics: false, audit: false } }, contextStorage: { default: { module: 'memory' } } },
      echo: DEBUG,
    });
  });

  after(async () => {
    await nodeRed?.stop();
    await hostile.close();
    await new Promise<void>((resolve) => (collector ? collector.close(() => resolve()) : resolve()));
    packed?.cleanup();
    if (userModules) rmSync(userModules, { recursive: true, force: true });
  });

  async function poke(node: string, body: string, contentType: string): Promise<void> {
    const res = await fetch(new URL(`api/fuzz/${node}`, nodeRed.url), { method: 'POST', body, headers: { 'content-type': contentType }, signal: AbortSignal.timeout(5000) });
    await res.text();
  }

  async function alive(): Promise<void> {
    const res = await fetch(new URL('settings', nodeRed.url), { signal: AbortSignal.timeout(2000), headers: { accept: 'application/json' } });
    assert.equal(res.status, 200);
    await res.text();
  }

  async function until(predicate: () => boolean, limitMs: number): Promise<boolean> {
    const end = Date.now() + limitMs;
    while (!predicate()) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  it('should survive every generated bad answer with a documented error, a red status with a reason, and no secret anywhere', async () => {
    const only = process.env.FUZZ_ONLY;
    const cases = generateCases(SEED).filter((c, i) => (FUZZ_EVERY <= 1 || i % FUZZ_EVERY === 0) && (!only || `${c.platform} ${c.family} ${c.target}` === only));
    const started = Date.now();
    const pid = nodeRed.process.child.pid;
    await until(() => collected.some((c) => c.kind === 'status' && c.source === 'ev' && c.status?.fill === 'green'), 10_000);
    const table = new Map<string, { cases: number; error: number; tolerated: number; none: number; codes: Set<string> }>();
    const problems: string[] = [];
    for (const [index, c] of cases.entries()) {
      const node = NODE_OF[c.platform];
      const since = collected.length;
      script.set(c);
      if (c.platform === 'ms') await poke(node, 'reset', 'text/plain');
      else await poke(node, JSON.stringify({ key: c.target === 'GetProcessInstances' ? '' : '98037' }), 'application/json');
      // Only what follows the spoiled answer counts (a session killed on purpose to reach a login step reports too).
      const forced = (x: Collected): boolean => /BadSessionIdInvalid|Некорректный идентификатор сессии/.test(JSON.stringify(x.error ?? ''));
      const caught = (): Collected | undefined =>
        script.servedBad > 0 ? collected.slice(Math.max(since, script.servedAt)).find((x) => x.kind === 'catch' && x.source === node && !forced(x)) : undefined;
      // Going on: a later request of another kind, or, for a PublishEvents answer read as "nothing new", the next poll.
      const goingOn = (): boolean => script.servedBad > 0 && (script.laterOps > 0 || (c.target === 'PublishEvents' && script.servedBad > 1));
      const outcome = (await until(() => caught() !== undefined || goingOn(), CASE_LIMIT_MS))
        ? caught()
          ? 'error'
          : 'tolerated'
        : 'none';
      const row = table.get(`${c.platform} ${c.family}`) ?? { cases: 0, error: 0, tolerated: 0, none: 0, codes: new Set<string>() };
      row.cases += 1;
      row[outcome] += 1;
      table.set(`${c.platform} ${c.family}`, row);
      const where = `case ${index} ${c.platform} ${c.family} ${c.target}`;
      if (outcome === 'error') {
        const err = caught()!;
        row.codes.add(String(err.code));
        if (!DOCUMENTED.has(String(err.code))) problems.push(`${where}: undocumented code ${String(err.code)}: ${JSON.stringify(err.error).slice(0, 200)}`);
        await until(() => collected.slice(since).some((x) => x.kind === 'status' && x.source === node && x.status?.fill === 'red'), 1000);
        const red = collected.slice(since).filter((x) => x.kind === 'status' && x.source === node && x.status?.fill === 'red');
        if (red.length === 0) problems.push(`${where}: no red status`);
        for (const s of red) if (!s.status?.text || BARE_CODE.test(s.status.text)) problems.push(`${where}: status without a reason in words: ${s.status?.text}`);
      } else if (outcome === 'none') {
        problems.push(`${where}: neither an error nor the node going on within ${CASE_LIMIT_MS} ms (served ${script.servedBad})`);
      } else if (c.expect === 'error') {
        problems.push(`${where}: tolerated an answer that should have failed`);
      }
      // eslint-disable-next-line no-console
      if (DEBUG) console.log(index, where, outcome, Date.now() - started, problems.at(-1) ?? '', JSON.stringify(collected.slice(since).filter((x) => x.source === node).map((x) => [x.kind, x.code, x.status?.fill, x.status?.text])));
      await alive();
      assert.equal(nodeRed.process.child.pid, pid);
      assert.equal(nodeRed.process.child.exitCode, null, 'Node-RED still running');
      script.set(undefined);
      if (c.platform !== 'ms') {
        // Connected again: the node reports the next failure afresh (the same failure is reported once until then).
        // A spoiled OpenMetabase may have read as a refused login (red dot), which only "connect" tries again;
        // wait for it to connect, so its chain does not race the instance switch below.
        const last = collected.filter((x) => x.kind === 'status' && x.source === node).at(-1);
        if (last?.status?.fill === 'red' && last.status.shape === 'dot') {
          const at = collected.length;
          await poke(node, 'connect', 'text/plain');
          await until(() => collected.slice(at).some((x) => x.kind === 'status' && x.source === node && x.status?.fill === 'green'), 3000);
        }
        const from = collected.length;
        await poke(node, JSON.stringify({ key: '98037' }), 'application/json');
        await until(() => collected.slice(from).some((x) => x.kind === 'status' && x.source === node && x.status?.fill === 'green'), 3000);
      } else {
        // A good PublishEvents answer ends the failure streak, so the next case's failure is reported afresh.
        // A refused login halts the node until "connect" (no timer retries it): lift that first.
        const before = script.goodPublishes;
        await poke('ev', 'connect', 'text/plain');
        await poke('ev', 'reset', 'text/plain');
        await until(() => script.goodPublishes > before, 5000);
      }
    }
    // eslint-disable-next-line no-console
    console.log(
      `\n      ${cases.length} cases, seed ${SEED}\n      ${'platform family'.padEnd(26)} cases  error  tolerated  none  codes\n${[...table.entries()]
        .map(([k, r]) => `      ${k.padEnd(26)} ${String(r.cases).padStart(5)}  ${String(r.error).padStart(5)}  ${String(r.tolerated).padStart(9)}  ${String(r.none).padStart(4)}  ${[...r.codes].sort().join(' ')}`)
        .join('\n')}\n      problems: ${problems.length}${problems.length ? `\n      ${problems.slice(0, 15).join('\n      ')}` : ''}`,
    );
    await new Promise((r) => setTimeout(r, 500));
    const leaks: string[] = [];
    const logText = nodeRed.lines.join('\n');
    if (leaksIn(logText).length) leaks.push(`log: ${leaksIn(logText).join(', ')}`);
    const msgs = JSON.stringify(collected);
    if (leaksIn(msgs).length) leaks.push(`msgs/status/errors: ${leaksIn(msgs).join(', ')}`);
    for (const file of filesUnder(nodeRed.userDir)) {
      const found = leaksIn(readFileSync(file, 'utf8'));
      if (found.length) leaks.push(`${file}: ${found.join(', ')}`);
    }
    assert.ok(logText.includes('[trace]'), 'the log ran at trace level');
    assert.deepEqual(leaks, []);
    assert.deepEqual(problems.slice(0, 40), [], `${problems.length} problems`);
    if (!only && FUZZ_EVERY <= 1) assert.ok(cases.length >= 1000, `${cases.length} cases`);
  });
});

