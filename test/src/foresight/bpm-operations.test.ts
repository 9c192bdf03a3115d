import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { PpsomClient } from '../../../src/foresight/client';
import type { PpsomWireFormat } from '../../../src/foresight/codec';
import { BpmOperationRefusedError } from '../../../src/foresight/errors';
import { BPM_OPERATION_CODES, monitoringSocketAddress } from '../../../src/foresight/vendor';
import type { MonitoringFrame } from '../../../src/sim/foresight/frames';
import { SEED, SEED_PROCESS } from '../../../src/sim/foresight';
import type { ForesightSimulator } from '../../../src/sim/foresight';
import type { IntegrationError } from '../../../src/shared/errors';
import { postJson, startSim, waitFor } from '../../helpers/foresight';

const CREDS = { user: 'demo', password: 'demo' };
const STEP = SEED_PROCESS.stages.flatMap((s) => s.steps).map((s) => s.guid);

for (const wireFormat of ['json', 'soap'] as PpsomWireFormat[]) {
  describe(`ExecuteBpmOperation and GetBpmStepOperations over ${wireFormat.toUpperCase()}`, () => {
    let sim: ForesightSimulator;
    let client: PpsomClient;
    let proc: string;
    let sockets: WebSocket[];

    beforeEach(async () => {
      sim = await startSim();
      sim.startInstance({ key: '98038' });
      client = new PpsomClient({ endpoint: sim.endpoint(), wireFormat, timeoutMs: 2000 });
      const mb = await client.openMetabase(SEED.repositoryId, CREDS);
      proc = await client.openBpmProcess(mb.id, SEED.processKey);
      sockets = [];
    });
    afterEach(async () => {
      for (const ws of sockets) ws.terminate();
      await client.close();
      await sim.close();
    });

    async function follow(key: string): Promise<MonitoringFrame[]> {
      const ws0 = await client.getBpmMonitoringWorkspace(proc, key);
      const url = await client.openMonitoringWS(proc, key, ws0.instId);
      const ws = new WebSocket(monitoringSocketAddress(sim.endpoint(), '', url, 'percent-encoded'));
      sockets.push(ws);
      const frames: MonitoringFrame[] = [];
      ws.on('message', (d) => frames.push(JSON.parse(String(d)) as MonitoringFrame));
      await waitFor(() => frames.length === 1, `the snapshot of ${key}`);
      return frames;
    }

    it('should list what each step allows now, sending the vendor parameter names', async () => {
      sim.advance(SEED.instanceKey);
      const steps = await client.getBpmStepOperations(proc, SEED.instanceKey, STEP.slice(0, 3));
      assert.deepEqual(
        steps.map((s) => [s.guid, s.operations, s.codes, s.autoExec]),
        [
          [STEP[0], ['StepReject'], [BPM_OPERATION_CODES.StepReject], false],
          [STEP[1], ['StepExecute', 'ProcessStop'], [BPM_OPERATION_CODES.StepExecute, BPM_OPERATION_CODES.ProcessStop], false],
          [STEP[2], [], [], false],
        ],
      );
      const req = sim.requests.at(-1)!;
      assert.equal(req.op, 'GetBpmStepOperations');
      assert.deepEqual(req.params, { tBpmProcess: { id: proc }, tArg: { instId: SEED.instanceKey, guids: { it: STEP.slice(0, 3) } } });
    });

    it('should stop several instances, one result each, and push a frame on each socket', async () => {
      const a = await follow(SEED.instanceKey);
      const b = await follow('98038');
      const out = await client.runBpmOperation(proc, { oper: 'ProcessStop', instanceKeys: [SEED.instanceKey, '98038'], comment: 'from the flow' });
      assert.deepEqual(out.map((o) => [o.instanceKey, o.status]), [
        [SEED.instanceKey, 'done'],
        ['98038', 'done'],
      ]);
      await waitFor(() => a.length === 2 && b.length === 2, 'the stop frames');
      assert.deepEqual([a[1].finished, b[1].finished, a[1].seq, b[1].seq], [true, true, 2, 2]);
      const exec = sim.requests.filter((r) => r.op === 'ExecuteBpmOperation');
      assert.deepEqual(exec[0].params, { tBpmProcess: { id: proc }, tArg: { oper: 'ProcessStop', instIds: { it: SEED.instanceKey }, comment: 'from the flow' } });
      const state = await client.getInstanceState(proc, { key: '98038', startDate: '', comment: '', prms: '' });
      assert.equal(state.phase, 'idle');
    });

    it('should refuse an operation the step does not allow before calling ExecuteBpmOperation', async () => {
      await client.runBpmOperation(proc, { oper: 'ProcessStop', instanceKeys: ['98038'] });
      const before = sim.callCount('ExecuteBpmOperation');
      const [stopped, waiting] = await Promise.all([
        client.runBpmOperation(proc, { oper: 'ProcessStop', instanceKeys: ['98038'] }),
        client.runBpmOperation(proc, { oper: 'StepExecute', instanceKeys: [SEED.instanceKey], stepGuid: STEP[2] }),
      ]);
      assert.equal(sim.callCount('ExecuteBpmOperation'), before, 'no ExecuteBpmOperation for a refused operation');
      for (const [o, step] of [
        [stopped[0], ''],
        [waiting[0], STEP[2]],
      ] as const) {
        assert.equal(o.status, 'refused');
        const err = o.error as BpmOperationRefusedError;
        assert.ok(err instanceof BpmOperationRefusedError);
        assert.equal(err.code, 'NOT_ALLOWED');
        assert.equal(err.retriable, false);
        assert.equal(err.stepGuid, step);
      }
      assert.deepEqual((stopped[0].error as BpmOperationRefusedError).allowed, []);
      assert.deepEqual((waiting[0].error as BpmOperationRefusedError).allowed, []);
      assert.match(String((waiting[0].error as Error).message), /StepExecute is not allowed for step .* of instance 98037/);
    });

    it('should turn the server fault for a refused operation into NOT_ALLOWED when the check is skipped', async () => {
      await assert.rejects(
        client.executeBpmOperation(proc, { oper: 'StepExecute', instanceKeys: [SEED.instanceKey], stepGuid: STEP[3] }),
        (e: IntegrationError) => e instanceof BpmOperationRefusedError && e.code === 'NOT_ALLOWED' && !e.retriable,
      );
      const last = sim.requests.at(-1)!;
      assert.deepEqual([last.op, last.status], ['ExecuteBpmOperation', 500]);
      const out = await client.runBpmOperation(proc, { oper: 'StepExecute', instanceKeys: [SEED.instanceKey], stepGuid: STEP[3], check: false });
      assert.equal(out[0].status, 'refused');
    });

    it('should finish the running step and reject it again, moving the states and pushing frames', async () => {
      const frames = await follow(SEED.instanceKey);
      const run = await client.runBpmOperation(proc, { oper: 'StepExecute', instanceKeys: [SEED.instanceKey], stepGuid: STEP[0] });
      assert.equal(run[0].status, 'done');
      await waitFor(() => frames.length === 2, 'the step frame');
      assert.deepEqual(frames[1].changes.map((c) => [c.name, c.states[0]]), [
        ['Register application', 3],
        ['Check documents', 2],
      ]);
      const back = await client.runBpmOperation(proc, { oper: 'StepReject', instanceKeys: [SEED.instanceKey], stepGuid: STEP[0] });
      assert.equal(back[0].status, 'done');
      await waitFor(() => frames.length === 3, 'the reject frame');
      assert.deepEqual(frames[2].changes.map((c) => [c.name, c.states[0]]), [
        ['Register application', 2],
        ['Check documents', 1],
      ]);
      assert.deepEqual(frames.map((f) => f.seq), [1, 2, 3]);
    });

    it('should mark the other instances skipped after a session fault, and keep a per-instance failure to its instance', async () => {
      const out = await client.runBpmOperation(proc, { oper: 'ProcessStop', instanceKeys: ['1', SEED.instanceKey] });
      assert.deepEqual(out.map((o) => [o.status, (o.error as IntegrationError | undefined)?.code]), [
        ['failed', 'NOT_FOUND'],
        ['done', undefined],
      ]);
      sim.expireSessions();
      const lost = await client.runBpmOperation(proc, { oper: 'ProcessStop', instanceKeys: ['98038', SEED.instanceKey] });
      assert.deepEqual(lost.map((o) => [o.status, (o.error as IntegrationError).code]), [
        ['failed', 'SESSION'],
        ['skipped', 'SESSION'],
      ]);
    });

    it('should send oper by its code when asked, and refuse an operation name it does not know without a call', async () => {
      const n = sim.requests.length;
      await assert.rejects(client.executeBpmOperation(proc, { oper: 'Nope', instanceKeys: ['98037'] }), (e: IntegrationError) => e.code === 'CONFIG');
      assert.equal(sim.requests.length, n);
      assert.equal(await client.executeBpmOperation(proc, { oper: 'ProcessStop', instanceKeys: ['98038'] }, { operEncoding: 'code' }), true);
      assert.equal(text(sim.requests.at(-1)!.params), String(BPM_OPERATION_CODES.ProcessStop));
    });
  });
}

function text(params: unknown): string {
  return String(((params as Record<string, Record<string, unknown>>).tArg ?? {}).oper);
}

describe('Foresight simulator: ExecuteBpmOperation as a third-party client sends it', () => {
  it("should answer the vendor's JSON example shape and refuse a second stop with a Fault", async () => {
    const sim = await startSim();
    try {
      const mb = await postJson(sim, { OpenMetabase: { tDef: { id: 'WAREHOUSE' }, tCreds: { user: { id: 'demo' }, pass: 'demo' }, tArg: '' } });
      const conn = mb.OpenMetabaseResult.id as string;
      const op = await postJson(sim, { OpenBpmProcess: { tObject: { id: `${conn}!338080` }, tArg: { args: { openForEdit: 'true' } } } });
      const proc = (op.OpenBpmProcessResult.id as { id: string }).id;
      const body = { ExecuteBpmOperation: { tBpmProcess: { id: proc }, tArg: { oper: 'ProcessStop', instIds: { it: '98037' }, comment: '' } } };
      assert.deepEqual(await postJson(sim, body), { ExecuteBpmOperationResult: '1' });
      const again = await fetch(sim.endpoint(), { method: 'POST', body: JSON.stringify(body) });
      assert.equal(again.status, 500);
      const fault = ((await again.json()) as { Fault: { faultstring: string } }).Fault;
      assert.match(fault.faultstring, /Операция ProcessStop недоступна .* экземпляра 98037/);
      const ops = await postJson(sim, { GetBpmStepOperations: { tBpmProcess: { id: proc }, tArg: { instId: '98037', guids: { it: STEP[0] } } } });
      assert.deepEqual(ops, { GetBpmStepOperationsResult: { steps: { it: { guid: STEP[0], ops: '', bindParams: '', autoExec: '0' } } } });
    } finally {
      await sim.close();
    }
  });
});
