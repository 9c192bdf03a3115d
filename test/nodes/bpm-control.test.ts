import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { PpsomWireFormat } from '../../src/foresight/codec';
import type { MonitoringFrame } from '../../src/sim/foresight/frames';
import { SEED, SEED_PROCESS } from '../../src/sim/foresight';
import type { ForesightSimulator } from '../../src/sim/foresight';
import { opsSince, startSim, waitFor } from '../helpers/foresight';
import foresightServer from '../../nodes/foresight-server';
import bpmMonitor from '../../nodes/bpm-monitor';
import bpmControl from '../../nodes/bpm-control';
import { translator } from './catalog';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusNode = require('@node-red/nodes/core/common/25-status.js');

helper.init(require.resolve('node-red'));

/** bpm-control with its real en-US catalog as `RED._`, to read the texts of its errors. */
const bpmControlInEnglish = (RED: Parameters<typeof bpmControl>[0]): void =>
  bpmControl(new Proxy(RED, { get: (target, key) => (key === '_' ? translator('en-US', 'bpm-control') : Reflect.get(target, key)) }));

interface Outcome {
  instanceKey: string;
  oper: string;
  status: string;
  stepGuid?: string;
  error?: { code: string; message: string; retriable: boolean };
}

interface Msg {
  payload?: unknown;
  instance?: { key: string; guid: string };
  error?: { message: string; code?: string; source?: { id: string } };
  _error?: { code: string; message: string; retriable: boolean };
}

const PASSWORD = 'Pa55-w0rd-secret';
const STEPS = SEED_PROCESS.stages.flatMap((s) => s.steps).map((s) => s.guid);

for (const transport of ['json', 'soap'] as PpsomWireFormat[]) {
  describe(`bpm-control node over ${transport.toUpperCase()}`, () => {
    let sim: ForesightSimulator;
    let received: Msg[];
    let frames: Msg[];
    let caught: Msg[];
    let statuses: Array<{ fill?: string; shape?: string; text?: string }>;

    function flow(control: Record<string, unknown>, withMonitor: boolean): Array<Record<string, unknown>> {
      return [
        { id: 'f1', type: 'tab', label: 'test' },
        { id: 'srv', type: 'foresight-server', endpoint: sim.endpoint(), repository: SEED.repositoryId, transport, timeout: 5 },
        { id: 'ctl', type: 'bpm-control', z: 'f1', server: 'srv', processKey: SEED.processKey, operation: 'ProcessStop', wires: [['out']], ...control },
        { id: 'out', type: 'helper', z: 'f1' },
        { id: 'st1', type: 'status', z: 'f1', scope: ['ctl'], wires: [['hs']] },
        { id: 'hs', type: 'helper', z: 'f1' },
        { id: 'c1', type: 'catch', z: 'f1', scope: ['ctl'], uncaught: false, wires: [['hc']] },
        { id: 'hc', type: 'helper', z: 'f1' },
        ...(withMonitor
          ? [
              { id: 'mon', type: 'bpm-monitor', z: 'f1', server: 'srv', processKey: SEED.processKey, instanceKey: SEED.instanceKey, instanceGuid: '', topic: '', wires: [['mout']] },
              { id: 'mout', type: 'helper', z: 'f1' },
            ]
          : []),
      ];
    }

    async function load(control: Record<string, unknown> = {}, withMonitor = false): Promise<void> {
      await helper.load([foresightServer, bpmMonitor, bpmControl, catchNode, statusNode], flow(control, withMonitor) as never, {
        srv: { username: 'demo', password: PASSWORD },
      });
      helper.getNode('out').on('input', (msg: Msg) => received.push(msg));
      helper.getNode('hc').on('input', (msg: Msg) => caught.push(msg));
      helper.getNode('hs').on('input', (msg: Msg & { status?: { fill?: string; shape?: string; text?: string } }) => statuses.push(msg.status ?? {}));
      if (withMonitor) helper.getNode('mout').on('input', (msg: Msg) => frames.push(msg));
    }

    const outcomes = (m: Msg | undefined): Outcome[] => (m?.payload ?? []) as Outcome[];
    // The test runtime has no catalog of this package: texts arrive as their keys (the words: test/nodes/status-vocabulary).
    const look = (): Array<string | undefined> => [statuses.at(-1)?.fill, statuses.at(-1)?.shape, statuses.at(-1)?.text];

    beforeEach(async () => {
      sim = await startSim({ users: { demo: PASSWORD } });
      sim.startInstance({ key: '98038' });
      sim.startInstance({ key: '98039' });
      received = [];
      frames = [];
      caught = [];
      statuses = [];
      await new Promise<void>((resolve) => helper.startServer(() => resolve()));
    });

    afterEach(async () => {
      await helper.unload();
      await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
      await sim.close();
    });

    it('should stop one instance named in msg.instanceKey, after reading what its steps allow', async () => {
      await load();
      assert.equal(sim.requests.length, 0, 'nothing is opened before the first msg');
      helper.getNode('ctl').receive({ instanceKey: 98038, comment: 'from the flow' });
      await waitFor(() => received.length === 1, 'the result msg');
      assert.deepEqual(outcomes(received[0]), [{ instanceKey: '98038', oper: 'ProcessStop', status: 'done' }]);
      assert.equal(sim.model.instances.get('98038')?.stopped, true);
      assert.equal(sim.model.instances.get(SEED.instanceKey)?.stopped, false);
      assert.deepEqual(opsSince(sim), ['OpenMetabase', 'OpenBpmProcess', 'GetBpmMonitoringWorkspace', 'GetBpmStepOperations', 'ExecuteBpmOperation']);
      assert.ok(sim.requests.every((r) => r.format === transport));
      const exec = sim.requests.find((r) => r.op === 'ExecuteBpmOperation')!;
      assert.deepEqual((exec.params as { tArg: unknown }).tArg, { oper: 'ProcessStop', instIds: { it: '98038' }, comment: 'from the flow' });
      assert.deepEqual(look(), ['green', 'dot', 'bpm-control.status.done']);
      assert.equal(caught.length, 0);
    });

    it('should stop several instances from msg.payload.instanceKeys, one result each, and report the one it could not stop', async () => {
      await load();
      helper.getNode('ctl').receive({ payload: { instanceKeys: ['98038', SEED.instanceKey] } });
      await waitFor(() => received.length === 1, 'the first result');
      assert.deepEqual(outcomes(received[0]).map((o) => [o.instanceKey, o.status]), [['98038', 'done'], [SEED.instanceKey, 'done']]);
      assert.deepEqual(['98038', SEED.instanceKey, '98039'].map((k) => sim.model.instances.get(k)?.stopped), [true, true, false]);
      assert.equal(sim.callCount('OpenBpmProcess'), 1);
      // 98038 is stopped now: its steps allow nothing, 98039 still runs.
      const execs = sim.callCount('ExecuteBpmOperation');
      helper.getNode('ctl').receive({ payload: { instanceKeys: ['98038', '98039'] } });
      await waitFor(() => received.length === 2 && caught.length === 1, 'the second result and its error');
      assert.deepEqual(outcomes(received[1]).map((o) => [o.instanceKey, o.status, o.error?.code]), [['98038', 'refused', 'NOT_ALLOWED'], ['98039', 'done', undefined]]);
      assert.equal(sim.callCount('ExecuteBpmOperation'), execs + 1, 'only the instance that allows it was asked');
      assert.equal(caught[0]._error?.code, 'NOT_ALLOWED');
      assert.equal(caught[0].error?.code, 'NOT_ALLOWED');
      assert.match(caught[0].error!.message, /did not succeed for 1 of 2 instance\(s\): 98038 \(refused/);
      assert.doesNotMatch(caught[0].error!.message, /98039/);
      assert.deepEqual(look(), ['yellow', 'dot', 'bpm-control.status.partly']);
      assert.equal(sim.callCount('OpenBpmProcess'), 1, 'the process stays open between msgs');
    });

    it('should advance the running step with StepExecute on a bpm-monitor msg, and the monitor sees the frame', async () => {
      await load({ operation: 'StepExecute' }, true);
      await waitFor(() => frames.length === 1, 'the monitor snapshot');
      assert.equal(sim.model.instances.get(SEED.instanceKey)?.position, 0);
      // The monitor's msg as it comes: msg.instance names the instance.
      helper.getNode('ctl').receive(frames[0] as never);
      await waitFor(() => received.length === 1, 'the result msg');
      assert.deepEqual(outcomes(received[0]), [{ instanceKey: SEED.instanceKey, oper: 'StepExecute', status: 'done', stepGuid: STEPS[0] }]);
      assert.equal(sim.model.instances.get(SEED.instanceKey)?.position, 1);
      await waitFor(() => frames.length === 2, 'the frame of the executed step');
      const frame = frames[1].payload as MonitoringFrame;
      assert.equal(frame.seq, 2);
      assert.ok(JSON.stringify(frame).includes(STEPS[1]), 'the frame names the step that runs now');
      const exec = sim.requests.find((r) => r.op === 'ExecuteBpmOperation')!;
      assert.deepEqual((exec.params as { tArg: unknown }).tArg, { oper: 'StepExecute', instIds: { it: SEED.instanceKey }, guid: STEPS[0], comment: '' });
      // msg.operation overrides the setting; StepReject goes back to the step just before the running one.
      helper.getNode('ctl').receive({ instance: frames[0].instance, operation: 'stepreject' });
      await waitFor(() => received.length === 2, 'the second result');
      assert.deepEqual(outcomes(received[1]), [{ instanceKey: SEED.instanceKey, oper: 'StepReject', status: 'done', stepGuid: STEPS[0] }]);
      assert.equal(sim.model.instances.get(SEED.instanceKey)?.position, 0);
      assert.equal(sim.callCount('OpenMetabase'), 1, 'monitor and control share one session');
    });

    it('should refuse an operation the step does not allow with NOT_ALLOWED, without calling ExecuteBpmOperation', async () => {
      await load({ operation: 'StepExecute' });
      helper.getNode('ctl').receive({ instanceKey: '98038', stepGuid: STEPS[2] });
      await waitFor(() => caught.length === 1, 'the refusal at Catch');
      assert.equal(sim.callCount('ExecuteBpmOperation'), 0);
      assert.equal(sim.callCount('GetBpmStepOperations'), 1);
      assert.equal(caught[0].error?.code, 'NOT_ALLOWED');
      assert.equal(caught[0]._error?.retriable, false);
      assert.match(caught[0].error!.message, /StepExecute is not allowed for step .* of instance 98038 \(allowed now: none\)/);
      assert.deepEqual(outcomes(received[0]).map((o) => [o.status, o.error?.code]), [['refused', 'NOT_ALLOWED']]);
      assert.deepEqual(look(), ['red', 'dot', 'bpm-control.status.failed']);
      assert.equal(sim.model.instances.get('98038')?.position, 0, 'nothing changed');
      // StepReject on an instance whose first step runs: there is no step before it.
      helper.getNode('ctl').receive({ instanceKey: '98038', operation: 'StepReject' });
      await waitFor(() => caught.length === 2, 'the second refusal');
      assert.equal(caught[1].error?.code, 'NOT_ALLOWED');
      assert.equal(sim.callCount('ExecuteBpmOperation'), 0);
    });

    it('should send bad input to Catch as CONFIG without any server call', async () => {
      await load();
      const bad: Array<[Record<string, unknown>, RegExp]> = [
        [{ payload: 'go' }, /^bpm-control.errors.no-instance$/],
        [{ instance: { guid: 'x' } }, /^bpm-control.errors.no-instance$/],
        [{ instanceKey: 'abc' }, /^bpm-control.errors.instance-key$/],
        [{ instanceKey: '98037', operation: 'Explode' }, /^bpm-control.errors.operation$/],
        [{ instanceKey: '98037', stepGuid: 5 }, /^bpm-control.errors.step-guid$/],
      ];
      for (const [msg] of bad) helper.getNode('ctl').receive(msg);
      await waitFor(() => caught.length === bad.length, 'every bad msg at Catch');
      caught.forEach((c, i) => {
        assert.equal(c.error?.code, 'CONFIG', c.error?.message);
        assert.match(c.error!.message, bad[i]![1]);
      });
      assert.equal(received.length, 0);
      assert.equal(sim.requests.length, 0, 'no server call');
      assert.deepEqual(look(), ['red', 'dot', 'bpm-control.status.failed']);
    });

    it('should quote a long or multi-line msg value in its error cut short and on one line', async () => {
      await helper.load([foresightServer, bpmMonitor, bpmControlInEnglish, catchNode, statusNode], flow({}, false) as never, {
        srv: { username: 'demo', password: PASSWORD },
      });
      helper.getNode('hc').on('input', (msg: Msg) => caught.push(msg));
      helper.getNode('ctl').receive({ instanceKey: '98037', operation: `Explode\n\t${'x'.repeat(100)}` });
      helper.getNode('ctl').receive({ instanceKey: 'abc\r\n  def' });
      await waitFor(() => caught.length === 2, 'both errors at Catch');
      const [operation, key] = caught.map((c) => c.error!.message);
      assert.equal(operation, `unknown operation Explode ${'x'.repeat(32)}…; known: StepExecute, StepReject, ProcessStop`);
      assert.equal(key, 'an instance key is a number, not abc def');
      assert.equal(sim.requests.length, 0, 'no server call');
    });

    it('should open a new session when the old one ended between msgs, and still stop the instance', async () => {
      await load();
      helper.getNode('ctl').receive({ instanceKey: '98038' });
      await waitFor(() => received.length === 1, 'the first result');
      assert.equal(sim.expireSessions(), 1);
      helper.getNode('ctl').receive({ instanceKey: '98039' });
      await waitFor(() => received.length === 2, 'the second result');
      assert.deepEqual(outcomes(received[1]).map((o) => o.status), ['done']);
      assert.equal(sim.model.instances.get('98039')?.stopped, true);
      assert.deepEqual([sim.callCount('OpenMetabase'), sim.callCount('OpenBpmProcess')], [2, 2]);
      assert.equal(caught.length, 0);
      assert.ok(!JSON.stringify(received).includes(PASSWORD));
    });

    it('should skip the rest with SESSION when the new session dies too, and name every instance in one error', async () => {
      await load();
      helper.getNode('ctl').receive({ instanceKey: '98038' });
      await waitFor(() => received.length === 1, 'the first result');
      // Every session dies at its next call: the renewal fails as well.
      sim.inject({ kind: 'session', op: 'GetBpmMonitoringWorkspace', times: 2 });
      helper.getNode('ctl').receive({ payload: { instanceKeys: ['98039', SEED.instanceKey] } });
      await waitFor(() => caught.length === 1, 'the error');
      assert.deepEqual(outcomes(received[1]).map((o) => [o.instanceKey, o.status, o.error?.code]), [['98039', 'failed', 'SESSION'], [SEED.instanceKey, 'skipped', 'SESSION']]);
      assert.equal(caught[0].error?.code, 'SESSION');
      assert.match(caught[0].error!.message, /98039 \(failed.*98037 \(skipped/);
      assert.equal(sim.model.instances.get('98039')?.stopped, false);
      assert.ok(!caught[0].error!.message.includes(PASSWORD));
    });

    it('should close the process it opened, then the session, when the flow stops', async () => {
      await load();
      helper.getNode('ctl').receive({ instanceKey: '98038' });
      await waitFor(() => received.length === 1, 'the result');
      const opened = sim.requests.find((r) => r.op === 'OpenBpmProcess')!;
      assert.ok(opened);
      await helper.unload();
      const closes = sim.requests.filter((r) => r.op === 'CloseBpmProcess' || r.op === 'CloseMetabase').map((r) => `${r.op} ${r.status}`);
      assert.deepEqual(closes, ['CloseBpmProcess 200', 'CloseMetabase 200']);
      assert.equal(sim.liveSessions, 0);
    });
  });
}
