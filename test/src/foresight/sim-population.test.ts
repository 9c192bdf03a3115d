import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { PpsomClient } from '../../../src/foresight/client';
import { monitoringSocketAddress } from '../../../src/foresight/vendor';
import type { MonitoringFrame } from '../../../src/sim/foresight/frames';
import { SEED } from '../../../src/sim/foresight';
import type { ForesightSimulator, ForesightSimulatorOptions } from '../../../src/sim/foresight';
import { INSTANCE_FINISHED_CLOSE } from '../../../src/sim/foresight/population';
import { fakeClock, startSim, waitFor } from '../../helpers/foresight';
import type { FakeClock } from '../../helpers/foresight';

const CREDS = { user: 'demo', password: 'demo' };

describe('Foresight simulator: instances that start and finish over time', () => {
  let sim: ForesightSimulator;
  let client: PpsomClient;
  let fake: FakeClock;
  let proc: string;
  let sockets: WebSocket[];

  async function start(population: ForesightSimulatorOptions['population'], instances: ForesightSimulatorOptions['instances'] = []): Promise<void> {
    const c = fakeClock();
    fake = c.fake;
    sim = await startSim({ population, clock: c.clock, instances });
    client = new PpsomClient({ endpoint: sim.endpoint(), timeoutMs: 2000 });
    const mb = await client.openMetabase(SEED.repositoryId, CREDS);
    proc = await client.openBpmProcess(mb.id, SEED.processKey);
  }
  beforeEach(() => {
    sockets = [];
  });
  afterEach(async () => {
    for (const ws of sockets) ws.terminate();
    await client.close();
    await sim.close();
  });

  async function keys(): Promise<string[]> {
    return (await client.getProcessInstances(proc)).map((i) => i.key);
  }

  async function follow(key: string): Promise<{ frames: MonitoringFrame[]; closed: Promise<number> }> {
    const ws0 = await client.getBpmMonitoringWorkspace(proc, key);
    const url = await client.openMonitoringWS(proc, key, ws0.instId);
    const ws = new WebSocket(monitoringSocketAddress(sim.endpoint(), '', url));
    sockets.push(ws);
    const frames: MonitoringFrame[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as MonitoringFrame));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await waitFor(() => frames.length === 1, `the snapshot of ${key}`);
    return { frames, closed };
  }

  it('should start the initial instances, one more per startEveryMs, never more than maxRunning', async () => {
    await start({ initial: 3, startEveryMs: 1000, lifeMs: 0, maxRunning: 5 });
    assert.deepEqual(await keys(), ['1', '2', '3']);
    fake.tick(1000);
    assert.deepEqual(await keys(), ['1', '2', '3', '4']);
    fake.tick(5000);
    assert.equal(sim.population!.running, 5);
    assert.deepEqual(await keys(), ['1', '2', '3', '4', '5']);
    assert.equal(sim.population!.startInstance(), undefined, 'maxRunning holds for a manual start too');
    assert.deepEqual(
      sim.population!.events.map((e) => [e.kind, e.key]),
      ['1', '2', '3', '4', '5'].map((k) => ['started', k]),
    );
  });

  it('should move each instance through its steps over lifeMs, push every step, finish, close its socket and leave the list', async () => {
    await start({ initial: 2, startEveryMs: 0, lifeMs: 5000, retainFinishedMs: 2000 });
    const a = await follow('1');
    const b = await follow('2');
    fake.tick(1000); // 5 steps over 5000 ms
    await waitFor(() => a.frames.length === 2 && b.frames.length === 2, 'the first step of both');
    fake.tick(4000);
    await waitFor(() => a.frames.length === 6 && b.frames.length === 6, 'every step of both');
    assert.equal(await a.closed, INSTANCE_FINISHED_CLOSE);
    assert.equal(await b.closed, INSTANCE_FINISHED_CLOSE);
    for (const s of [a, b]) {
      assert.deepEqual(s.frames.map((f) => f.seq), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(s.frames.map((f) => f.finished), [false, false, false, false, false, true]);
    }
    assert.deepEqual(await keys(), ['1', '2'], 'a finished instance stays listed for retainFinishedMs');
    assert.equal((await client.getInstanceState(proc, { key: '1', startDate: '', comment: '', prms: '' })).phase, 'completed');
    fake.tick(2000);
    assert.deepEqual(await keys(), []);
    const again = new WebSocket(monitoringSocketAddress(sim.endpoint(), '', sim.sockets[0].id));
    sockets.push(again);
    await assert.rejects(new Promise((resolve, reject) => again.once('open', resolve).once('error', reject)), /404/, "a removed instance's token is refused");
    assert.deepEqual(
      sim.frameCounts().map((c) => [c.instanceKey, c.sent, c.ended]),
      [
        ['1', 6, true],
        ['2', 6, true],
      ],
      'the server sent exactly the frames the client received',
    );
    assert.deepEqual(
      sim.population!.events.filter((e) => e.key === '1').map((e) => e.kind),
      ['started', 'finished', 'removed'],
    );
  });

  it('should finish a stopped instance like a completed one, start a new one in its place, and never reuse a key', async () => {
    await start({ initial: 2, startEveryMs: 1000, lifeMs: 0, maxRunning: 2, retainFinishedMs: 0 }, [
      { processKey: SEED.processKey, key: SEED.instanceKey, startDate: SEED.instanceStart, instId: SEED.instId },
    ]);
    assert.deepEqual(await keys(), [SEED.instanceKey, '98038', '98039']);
    const s = await follow('98039');
    const out = await client.runBpmOperation(proc, { oper: 'ProcessStop', instanceKeys: ['98039'] });
    assert.equal(out[0].status, 'done');
    assert.equal(await s.closed, INSTANCE_FINISHED_CLOSE);
    assert.deepEqual(s.frames.map((f) => [f.seq, f.finished]), [
      [1, false],
      [2, true],
    ]);
    fake.tick(0);
    assert.deepEqual(await keys(), [SEED.instanceKey, '98038']);
    fake.tick(1000);
    assert.deepEqual(await keys(), [SEED.instanceKey, '98038', '98040']);
    sim.advance();
    assert.equal(sim.model.instances.get('98038')!.position, 0, 'the stepMs timer and advance() leave managed instances alone');
  });

  it('should count the calls per operation, faults included', async () => {
    await start({ initial: 1, startEveryMs: 0, lifeMs: 0 });
    await client.getProcessInstances(proc);
    sim.inject({ op: 'GetProcessInstances', kind: 'session' });
    await assert.rejects(client.getProcessInstances(proc));
    assert.deepEqual(
      ['OpenMetabase', 'OpenBpmProcess', 'GetProcessInstances', 'OpenMonitoringWS'].map((op) => sim.callCount(op)),
      [1, 1, 2, 0],
    );
  });
});
