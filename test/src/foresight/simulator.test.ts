import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { PpsomClient } from '../../../src/foresight/client';
import { WS_CLOSE_POLICY } from '../../../src/foresight/vendor';
import type { MonitoringFrame } from '../../../src/sim/foresight/frames';
import { SEED } from '../../../src/sim/foresight';
import type { ForesightSimulator } from '../../../src/sim/foresight';
import { SessionTable } from '../../../src/sim/foresight/sessions';
import { postJson, startSim, waitFor } from '../../helpers/foresight';

describe('Foresight simulator', () => {
  let sim: ForesightSimulator;
  let client: PpsomClient;
  let sockets: WebSocket[];

  beforeEach(async () => {
    sim = await startSim();
    client = new PpsomClient({ endpoint: sim.endpoint() });
    sockets = [];
  });
  afterEach(async () => {
    for (const ws of sockets) ws.terminate();
    await client.close();
    await sim.close();
  });

  async function token(): Promise<{ conn: string; proc: string; url: string }> {
    const { id: conn } = await client.openMetabase(SEED.repositoryId, { user: 'demo', password: 'demo' });
    const proc = await client.openBpmProcess(conn, SEED.processKey);
    const url = await client.openMonitoringWS(proc, SEED.instanceKey, SEED.instId);
    return { conn, proc, url };
  }

  function open(path: string): Promise<{ ws: WebSocket; frames: MonitoringFrame[]; closed: Promise<number> }> {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}${path}`);
    sockets.push(ws);
    const frames: MonitoringFrame[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as MonitoringFrame));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, frames, closed }));
      ws.once('error', reject);
    });
  }

  it('should accept the token raw or percent-encoded, with and without the virtual directory', async () => {
    const { url } = await token();
    for (const path of [`/service?id=${url}`, `/service?id=${encodeURIComponent(url)}`, `/FPBI_App_v10.x/service?id=${encodeURIComponent(url)}`]) {
      const s = await open(path);
      await waitFor(() => s.frames.length === 1, `the snapshot on ${path}`);
      assert.equal(s.frames[0].type, 'snapshot');
      assert.equal(s.frames[0].instId, SEED.instId);
    }
    assert.deepEqual(sim.sockets.map((s) => s.accepted), [true, true, true]);
  });

  it('should refuse an unknown token with HTTP 404 before the upgrade', async () => {
    await assert.rejects(open('/service?id=BPMMONID!{00000000-0000-0000-0000-000000000000}'), /404/);
    await assert.rejects(open('/elsewhere?id=x'), /404/);
  });

  it('should push one frame per step, with the changed stages and steps, and count them per socket', async () => {
    const { url } = await token();
    const s = await open(`/service?id=${encodeURIComponent(url)}`);
    await waitFor(() => s.frames.length === 1, 'the snapshot');
    const snapshot = s.frames[0].changes;
    assert.deepEqual(snapshot.filter((c) => c.kind === 'step').map((c) => c.states[0]), [2, 1, 1, 1, 1]);
    sim.advance(SEED.instanceKey);
    await waitFor(() => s.frames.length === 2, 'a state frame');
    const f = s.frames[1];
    assert.equal(f.seq, 2);
    assert.deepEqual(
      f.changes.map((c) => [c.kind, c.name, c.states[0]]),
      [
        ['step', 'Register application', 3],
        ['step', 'Check documents', 2],
      ],
    );
  });

  it('should move running instances on by itself every stepMs and push each step', async () => {
    await sim.close();
    sim = await startSim({ stepMs: 20 });
    await client.close();
    client = new PpsomClient({ endpoint: sim.endpoint() });
    const { url } = await token();
    const s = await open(`/service?id=${encodeURIComponent(url)}`);
    await waitFor(() => s.frames.length >= 4, 'three steps without advance()');
    assert.deepEqual(s.frames.slice(0, 4).map((f) => [f.type, f.seq]), [
      ['snapshot', 1],
      ['state', 2],
      ['state', 3],
      ['state', 4],
    ]);
    assert.ok(s.frames.slice(1).every((f) => f.instKey === SEED.instanceKey && f.changes.length > 0));
  });

  it('should close the sockets of a session with 1008 on CloseMetabase and refuse its token afterwards', async () => {
    const { conn, url } = await token();
    const s = await open(`/service?id=${encodeURIComponent(url)}`);
    await client.closeMetabase(conn);
    assert.equal(await s.closed, WS_CLOSE_POLICY);
    await assert.rejects(open(`/service?id=${encodeURIComponent(url)}`), /404/);
  });

  it('should end a session after the inactivity timeout', async () => {
    await sim.close();
    sim = await startSim({ sessionTimeoutMs: 100 });
    await client.close();
    client = new PpsomClient({ endpoint: sim.endpoint() });
    const { url } = await token();
    const s = await open(`/service?id=${encodeURIComponent(url)}`);
    assert.equal(await s.closed, WS_CLOSE_POLICY);
    assert.equal(sim.liveSessions, 0);
  });

  it('should accept enum numbers, native JSON values and the "giud" spelling of the vendor prose', async () => {
    const post = (body: unknown) => postJson(sim, body);
    const mb = await post({ OpenMetabase: { tDef: { id: 'WAREHOUSE' }, tCreds: { user: { id: 'demo' }, pass: 'demo' }, tArg: '' } });
    const conn = mb.OpenMetabaseResult.id as string;
    const op = await post({ OpenBpmProcess: { tObject: { id: `${conn}!338080` }, tArg: { args: { openForEdit: true } } } });
    const proc = (op.OpenBpmProcessResult.id as { id: string }).id;
    const list = await post({ GetProcessInstances: { tBpmProcess: { id: proc }, arg: { mode: 0 } } });
    assert.ok(list.GetProcessInstancesResult);
    const ws = await post({ OpenMonitoringWS: { tObject: { id: proc }, tArg: { key: 98037, giud: SEED.instId } } });
    assert.match(String(ws.OpenMonitoringWSResult.url), /^BPMMONID!\{[0-9A-F-]{36}\}$/);
  });

  it('should stop an instance with ExecuteBpmOperation ProcessStop and push the change', async () => {
    const { proc, url } = await token();
    const s = await open(`/service?id=${encodeURIComponent(url)}`);
    await waitFor(() => s.frames.length === 1, 'the snapshot');
    await client.call('ExecuteBpmOperation', { tBpmProcess: { id: proc }, tArg: { oper: 'ProcessStop', instIds: { it: ['98037'] }, comment: '' } });
    await waitFor(() => s.frames.length === 2, 'the stop frame');
    assert.equal(s.frames[1].finished, true);
  });

  it("should answer the vendor's own OpenMonitoringWS requests, SOAP and JSON as printed on its page", async () => {
    const { proc } = await token();
    // The seed page's request bodies with the live process moniker in place of the example one.
    const soap =
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
      `<OpenMonitoringWS xmlns="http://www.fsight.ru/PP.SOM.Som"><tObject xmlns=""><id>${proc}</id></tObject><tArg xmlns=""><key>98037</key><guid>{99654793-F719-4107-AD36-F1060FCD62F5}</guid></tArg></OpenMonitoringWS></s:Body></s:Envelope>`;
    const json = `{\n "OpenMonitoringWS" :\n  {\n   "tObject" :\n    {\n     "id" : "${proc}"\n    },\n   "tArg" :\n    {\n     "key" : "98037",\n     "guid" : "{99654793-F719-4107-AD36-F1060FCD62F5}"\n    }\n  }\n}`;
    const a = await fetch(sim.endpoint(), { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: soap });
    assert.equal(a.status, 200);
    assert.match(await a.text(), /<OpenMonitoringWSResult xmlns="http:\/\/www.fsight.ru\/PP.SOM.Som"[^>]*><url xmlns="">BPMMONID!\{[0-9A-F-]{36}\}<\/url><\/OpenMonitoringWSResult>/);
    const b = await fetch(sim.endpoint(), { method: 'POST', headers: { 'content-type': 'application/json;charset=UTF-8' }, body: json });
    assert.equal(b.status, 200);
    assert.match(((await b.json()) as { OpenMonitoringWSResult: { url: string } }).OpenMonitoringWSResult.url, /^BPMMONID!\{[0-9A-F-]{36}\}$/);
  });

  it('should answer SOAP with the vendor envelope and unqualified children', async () => {
    const res = await fetch(sim.endpoint('standalone'), {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body:
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><OpenMetabase xmlns="http://www.fsight.ru/PP.SOM.Som">' +
        '<tDef xmlns=""><id>WAREHOUSE</id></tDef><tCreds xmlns=""><user><id>demo</id></user><pass>demo</pass></tCreds><tArg xmlns="" /></OpenMetabase></s:Body></s:Envelope>',
    });
    const text = await res.text();
    assert.match(text, /^<\?xml[^>]*\?><soapenv:Envelope xmlns:soapenv="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><soapenv:Body><OpenMetabaseResult xmlns="http:\/\/www.fsight.ru\/PP.SOM.Som"/);
    assert.match(text, /<id xmlns="">[A-P]{48}!M<\/id><sessKey xmlns="">\d+<\/sessKey>/);
  });

  it('should refuse a request that carries a DOCTYPE', async () => {
    const res = await fetch(sim.endpoint(), { method: 'POST', body: '<!DOCTYPE x [<!ENTITY a "a">]><OpenMetabase><tDef><id>&a;</id></tDef></OpenMetabase>' });
    assert.equal(res.status, 500);
    assert.match(await res.text(), /Fault/);
  });

  it('should count inactivity from the last accepted call, and end the session with every moniker and token after it', () => {
    let now = 0;
    const table = new SessionTable(1000, () => now);
    const ended: string[] = [];
    table.on('ended', (_s, reason: string) => ended.push(reason));
    const s = table.open('demo');
    const proc = table.openProcess(s, SEED.processKey);
    const url = table.issueToken(s, proc, SEED.instanceKey, false);
    now = 900;
    assert.ok(table.lookup(proc), 'a call on a derived moniker keeps the session');
    now = 1800;
    assert.ok(table.lookup(s.connection), 'still alive 900 ms after the last call');
    assert.ok(table.token(url));
    now = 2801;
    assert.equal(table.lookup(s.connection), undefined);
    assert.equal(table.lookup(proc), undefined);
    assert.equal(table.token(url), undefined);
    assert.deepEqual(ended, ['expired']);
  });
});
