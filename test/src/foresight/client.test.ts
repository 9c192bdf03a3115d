import assert from 'node:assert/strict';
import { PpsomClient, newestInstance } from '../../../src/foresight/client';
import type { PpsomWireFormat } from '../../../src/foresight/codec';
import { PpsomFaultError } from '../../../src/foresight/errors';
import { SEED, startForesightSimulator } from '../../../src/sim/foresight';
import type { ForesightSimulator } from '../../../src/sim/foresight';
import type { IntegrationError } from '../../../src/shared/errors';
import { postJson } from '../../helpers/foresight';
import { CONN, PROC, VENDOR_ANSWERS, VENDOR_WORKSPACE } from '../../helpers/foresight-vendor-examples';

const CREDS = { user: 'demo', password: 'demo' };

for (const wireFormat of ['json', 'soap'] as PpsomWireFormat[]) {
  describe(`PpsomClient over ${wireFormat.toUpperCase()} against the simulator`, () => {
    let sim: ForesightSimulator;
    let client: PpsomClient;

    beforeEach(async () => {
      sim = await startForesightSimulator({ stepMs: 0 });
      client = new PpsomClient({ endpoint: sim.endpoint(), wireFormat, timeoutMs: 2000 });
    });
    afterEach(async () => {
      await client.close();
      await sim.close();
    });

    it('should run the whole monitoring chain and get the vendor example url', async () => {
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      assert.match(mb.id, /^[A-P]{12}GOAE[A-P]{32}!M$/);
      const proc = await client.openBpmProcess(mb.id, SEED.processKey);
      assert.ok(proc.startsWith(`${mb.id}!S!BP`));
      const list = await client.getProcessInstances(proc);
      assert.deepEqual(list, [{ key: '98037', startDate: '21.06.2024 08:27:14', comment: '', prms: SEED.prms }]);
      const ws = await client.getBpmMonitoringWorkspace(proc, '98037');
      assert.equal(ws.instId, SEED.instId);
      const url = await client.openMonitoringWS(proc, '98037', ws.instId);
      assert.equal(url, SEED.monitoringUrl);
      assert.equal(await client.closeBpmProcess(proc), true);
      assert.equal(await client.closeMetabase(mb.id), true);
      assert.equal(sim.liveSessions, 0);
    });

    it('should send the parameter names of the vendor examples', async () => {
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      const proc = await client.openBpmProcess(mb.id, SEED.processKey);
      await client.getProcessInstances(proc);
      await client.getBpmMonitoringWorkspace(proc, '98037');
      await client.openMonitoringWS(proc, '98037', SEED.instId);
      const seen = sim.requests.map((r) => ({ format: r.format, op: r.op, params: r.params }));
      assert.ok(seen.every((r) => r.format === wireFormat));
      assert.deepEqual(seen[0].params, { tDef: { id: 'WAREHOUSE' }, tCreds: { user: { id: 'demo' }, pass: 'demo' }, tArg: '' });
      assert.deepEqual(seen[1].params, { tObject: { id: `${mb.id}!338080` }, tArg: { args: { openForEdit: 'false' } } });
      assert.deepEqual(seen[2].params, { tBpmProcess: { id: proc }, arg: { mode: 'Default' } });
      assert.deepEqual(seen[3].params, { tBpmProcess: { id: proc }, tArg: { id: '98037' } });
      assert.deepEqual(seen[4].params, { tObject: { id: proc }, tArg: { key: '98037', guid: SEED.instId } });
    });

    it('should list several instances as a list and pick the newest by start date', async () => {
      sim.startInstance({ key: '98040', startDate: '22.06.2024 09:00:00' });
      sim.startInstance({ key: '98039', startDate: '01.05.2024 10:00:00' });
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      const proc = await client.openBpmProcess(mb.id, SEED.processKey);
      const list = await client.getProcessInstances(proc);
      assert.deepEqual(list.map((i) => i.key).sort(), ['98037', '98039', '98040']);
      assert.equal(newestInstance(list)?.key, '98040');
    });

    it('should report a wrong password as a CONFIG fault that is not retried, in words of its own (a login answer is never quoted)', async () => {
      await assert.rejects(
        client.openMetabase(SEED.repositoryId, { user: 'demo', password: 'nope' }),
        (e: PpsomFaultError) =>
          e instanceof PpsomFaultError && e.code === 'CONFIG' && !e.retriable && /refused the account/.test(e.message) && !/Неверное имя/.test(e.message),
      );
    });

    it('should report an unknown repository and an unknown process as NOT_FOUND', async () => {
      await assert.rejects(client.openMetabase('NOPE', CREDS), (e: IntegrationError) => e.code === 'NOT_FOUND');
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      await assert.rejects(client.openBpmProcess(mb.id, '1'), (e: IntegrationError) => e.code === 'NOT_FOUND' && !e.retriable);
    });

    it('should report every moniker of a closed session as SESSION', async () => {
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      const proc = await client.openBpmProcess(mb.id, SEED.processKey);
      await client.closeMetabase(mb.id);
      await assert.rejects(client.getProcessInstances(proc), (e: IntegrationError) => e.code === 'SESSION' && e.retriable);
      await assert.rejects(client.openBpmProcess(mb.id, SEED.processKey), (e: IntegrationError) => e.code === 'SESSION');
    });

    it('should report an expired session as SESSION', async () => {
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      assert.equal(sim.expireSessions(), 1);
      await assert.rejects(client.openBpmProcess(mb.id, SEED.processKey), (e: IntegrationError) => e.code === 'SESSION');
    });

    it('should report an injected fault, a bare HTTP error, a dropped connection and a slow answer by their kinds', async () => {
      sim.inject({ op: 'OpenMetabase', kind: 'fault', message: 'Сервер лицензий недоступен', code: 'soapenv:Server' });
      await assert.rejects(client.openMetabase(SEED.repositoryId, CREDS), (e: PpsomFaultError) => e.code === 'SERVER' && e.serverCode === 'soapenv:Server' && /server fault/.test(e.message) && !/лицензий/.test(e.message));
      sim.inject({ op: 'GetProcessInstances', kind: 'fault', message: 'Сервер лицензий недоступен', code: 'soapenv:Server' });
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      const proc = await client.openBpmProcess(mb.id, SEED.processKey);
      await assert.rejects(client.getProcessInstances(proc), (e: PpsomFaultError) => e.code === 'SERVER' && /лицензий/.test(e.message));
      sim.inject({ kind: 'http', status: 503, body: 'Service Unavailable' });
      await assert.rejects(client.openMetabase(SEED.repositoryId, CREDS), (e: IntegrationError) => e.code === 'HTTP_STATUS' && e.retriable);
      sim.inject({ kind: 'drop' });
      await assert.rejects(client.openMetabase(SEED.repositoryId, CREDS), (e: IntegrationError) => e.code === 'TRANSPORT');
      sim.inject({ kind: 'slow', delayMs: 1000 });
      await assert.rejects(client.call('OpenMetabase', {}, { timeoutMs: 100 }), (e: IntegrationError) => e.code === 'TIMEOUT');
      sim.inject({ kind: 'session' });
      await assert.rejects(client.openMetabase(SEED.repositoryId, CREDS), (e: IntegrationError) => e.code === 'SESSION');
    });

    it('should refuse an XML entity bomb from the server and stay usable', async () => {
      sim.inject({
        kind: 'raw',
        contentType: 'text/xml',
        body: '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><OpenMetabaseResult><id>&b;</id></OpenMetabaseResult>',
      });
      await assert.rejects(client.openMetabase(SEED.repositoryId, CREDS), (e: IntegrationError) => e.code === 'BAD_RESPONSE');
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      assert.ok(mb.id.endsWith('!M'));
    });

    it('should call CloseBpmProcess best-effort and answer false instead of throwing', async () => {
      sim.inject({ op: 'CloseBpmProcess', kind: 'fault', message: 'Операция CloseBpmProcess не поддерживается' });
      assert.equal(await client.closeBpmProcess('X!M!S!BPY'), false);
    });
  });
}

for (const wireFormat of ['json', 'soap'] as const) {
  describe(`PpsomClient reading the vendor's example answers over ${wireFormat.toUpperCase()}`, () => {
    let sim: ForesightSimulator;
    let client: PpsomClient;
    before(async () => {
      sim = await startForesightSimulator({ stepMs: 0 });
      client = new PpsomClient({ endpoint: sim.endpoint(), wireFormat });
    });
    after(async () => {
      await client.close();
      await sim.close();
    });
    const answer = (op: keyof (typeof VENDOR_ANSWERS)['json']) => sim.inject({ op, kind: 'raw', body: VENDOR_ANSWERS[wireFormat][op] });

    it('should read OpenMetabase, OpenBpmProcess, GetProcessInstances and OpenMonitoringWS as the vendor shows them', async () => {
      answer('OpenMetabase');
      assert.deepEqual(await client.openMetabase('WAREHOUSE', CREDS), { id: CONN, sessKey: '394186', version: '166' });
      answer('OpenBpmProcess');
      assert.equal(await client.openBpmProcess(CONN, '338080'), PROC);
      answer('GetProcessInstances');
      assert.deepEqual(await client.getProcessInstances(PROC), [{ key: '98037', startDate: '21.06.2024 08:27:14', comment: '', prms: "Branches = 'Large branches'" }]);
      answer('OpenMonitoringWS');
      assert.equal(await client.openMonitoringWS(PROC, '98037', '{99654793-F719-4107-AD36-F1060FCD62F5}'), 'BPMMONID!{6386DAFD-2FB5-4E14-B5A2-569F41AD14A8}');
    });

    it('should read GetBpmMonitoringWorkspace shaped as the vendor shows it: one stage as an object, three steps as an array', async () => {
      sim.inject({ op: 'GetBpmMonitoringWorkspace', kind: 'raw', body: VENDOR_WORKSPACE[wireFormat] });
      const ws = await client.getBpmMonitoringWorkspace(PROC, '98037');
      assert.equal(ws.instId, '{43347D17-DEC3-449B-81FF-ABD522F3909E}');
      assert.equal(ws.processName, 'Processing of applications');
      assert.deepEqual(
        ws.stages.map((st) => ({ name: st.name, id: st.id, states: st.states, steps: st.steps.map((x) => [x.id, x.type, x.states]) })),
        [
          {
            name: 'Registration',
            id: '168714*0',
            states: [2],
            steps: [
              ['168714*0@0^0', 'ManualTask', [2]],
              ['168714*0@0^1', 'ManualTask', [1]],
              ['168714*0@0^2', 'SubStart', [1]],
            ],
          },
        ],
      );
    });
  });
}

describe('PpsomClient endpoints', () => {
  let sim: ForesightSimulator;
  before(async () => {
    sim = await startForesightSimulator({ stepMs: 0 });
  });
  after(async () => {
    await sim.close();
  });

  for (const path of ['standalone', 'virtualDir', 'webApp'] as const) {
    it(`should reach the service at the ${path} path`, async () => {
      const client = new PpsomClient({ endpoint: sim.endpoint(path) });
      try {
        const mb = await client.openMetabase(SEED.repositoryId, CREDS);
        assert.ok(mb.id.endsWith('!M'));
      } finally {
        await client.close();
      }
    });
  }

  it('should keep a query string of the endpoint (PPService.axd?action=proxy)', async () => {
    const client = new PpsomClient({ endpoint: `${sim.endpoint('webApp')}?action=proxy` });
    try {
      await client.openMetabase(SEED.repositoryId, CREDS);
      assert.equal(sim.requests.at(-1)?.path, '/app/PPService.axd');
    } finally {
      await client.close();
    }
  });

  it('should accept envelope-less XML as the vendor Fore sample sends it', async () => {
    const res = await fetch(sim.endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<OpenMetabase><tDef><id>WAREHOUSE</id></tDef><tCreds><user><id>demo</id></user><pass>demo</pass></tCreds><tArg /></OpenMetabase>',
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<OpenMetabaseResult xmlns="http:\/\/www.fsight.ru\/PP.SOM.Som"[^>]*><id xmlns="">[A-P]{48}!M<\/id>/);
  });

  it('should answer one instance with "it" as an object, as the vendor does', async () => {
    const post = (body: unknown) => postJson(sim, body);
    const mb = await post({ OpenMetabase: { tDef: { id: 'WAREHOUSE' }, tCreds: { user: { id: 'demo' }, pass: 'demo' }, tArg: '' } });
    const conn = mb.OpenMetabaseResult.id as string;
    const op = await post({ OpenBpmProcess: { tObject: { id: `${conn}!338080` }, tArg: { args: { openForEdit: true } } } });
    const proc = (op.OpenBpmProcessResult.id as { id: string }).id;
    const inst = await post({ GetProcessInstances: { tBpmProcess: { id: proc }, arg: { mode: '0' } } });
    assert.deepEqual(inst, {
      GetProcessInstancesResult: { operations: '1', list: { it: { key: '98037', startDate: '21.06.2024 08:27:14', comment: '', prms: SEED.prms } } },
    });
  });
});
