import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { MonitoringFrame } from '../../src/sim/foresight/frames';
import { SEED } from '../../src/sim/foresight';
import type { ForesightSimulator, InjectedFault, InstancePopulationOptions } from '../../src/sim/foresight';
import { startSim, waitFor } from '../helpers/foresight';
import foresightServer from '../../nodes/foresight-server';
import bpmMonitor from '../../nodes/bpm-monitor';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusNode = require('@node-red/nodes/core/common/25-status.js');

helper.init(require.resolve('node-red'));

interface Msg {
  topic?: string;
  control?: string;
  payload?: unknown;
  instance?: { key: string; guid: string; startDate: string };
  url?: string;
}

interface NoticePayload {
  key: string;
  guid: string;
  startDate: string;
  phase: string;
  stages: Array<{ name: string; states: number[]; steps: Array<{ states: number[] }> }>;
  initial?: boolean;
  reason?: string;
}

const PASSWORD = 'Pa55-w0rd-secret';

describe('bpm-monitor node: all running instances', function () {
  this.timeout(30_000);
  let sim: ForesightSimulator;
  let frames: Msg[];
  let notices: Msg[];
  let statuses: Array<{ fill?: string; shape?: string; text?: string }>;

  async function load(population: InstancePopulationOptions, monitor: Record<string, unknown> = {}, faults: InjectedFault[] = []): Promise<void> {
    sim = await startSim({ users: { demo: PASSWORD }, instances: [], population: { startEveryMs: 0, lifeMs: 0, retainFinishedMs: 600_000, ...population } });
    for (const f of faults) sim.inject(f);
    const flow = [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'st1', type: 'status', z: 'f1', scope: ['mon'], wires: [['hs']] },
      { id: 'hs', type: 'helper', z: 'f1' },
      { id: 'srv', type: 'foresight-server', endpoint: sim.endpoint(), repository: SEED.repositoryId, transport: 'json', timeout: 5 },
      { id: 'mon', type: 'bpm-monitor', z: 'f1', server: 'srv', processKey: SEED.processKey, instances: 'all', scanInterval: '', maxSockets: '', topic: '', wires: [['out']], ...monitor },
      { id: 'out', type: 'helper', z: 'f1' },
    ];
    await helper.load([foresightServer, bpmMonitor, statusNode], flow as never, { srv: { username: 'demo', password: PASSWORD } });
    helper.getNode('out').on('input', (msg: Msg) => (msg.control ? notices : frames).push(msg));
    helper.getNode('hs').on('input', (msg: Msg & { status?: { fill?: string; shape?: string; text?: string } }) => statuses.push(msg.status ?? {}));
  }

  beforeEach(async () => {
    frames = [];
    notices = [];
    statuses = [];
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await sim.close();
  });

  const running = (): string[] => [...sim.model.instances.values()].filter((i) => !sim.model.isFinished(i)).map((i) => i.key);
  const keysOf = (control: string): string[] => notices.filter((n) => n.control === control).map((n) => n.instance!.key);
  const payloadOf = (m: Msg): NoticePayload => m.payload as NoticePayload;
  const inject = (msg: Record<string, unknown>): void => void helper.getNode('mon').receive(msg);

  /** Frames received per socket (monitoring token) against what the simulator sent on it: each seq once, in order. */
  function assertEveryFrameOnce(): void {
    const got = new Map<string, number[]>();
    for (const f of frames) got.set(f.url!, [...(got.get(f.url!) ?? []), (f.payload as MonitoringFrame).seq]);
    const counts = sim.frameCounts();
    for (const c of counts) {
      assert.deepEqual(got.get(c.url) ?? [], Array.from({ length: c.sent }, (_, i) => i + 1), `socket of instance ${c.instanceKey}`);
    }
    assert.equal(got.size, counts.filter((c) => c.sent > 0).length);
  }

  it('should follow instances that start and finish while it runs, with notices, tagged frames and dropped sockets healed', async () => {
    await load({ initial: 3 });
    const initial = running();
    await waitFor(() => sim.openSockets === 3 && frames.length === 3, 'three sockets and their snapshots');
    assert.deepEqual(keysOf('started').sort(), [...initial].sort());
    for (const n of notices) {
      const p = payloadOf(n);
      assert.equal(n.topic, `bpm/${p.key}`);
      assert.equal(p.initial, true);
      assert.match(p.startDate, /^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/);
      assert.match(p.guid, /^\{[0-9A-F-]{36}\}$/);
      assert.equal(p.phase, 'running');
      assert.ok(p.stages.length > 0 && p.stages.every((s) => Array.isArray(s.states)), 'the stages with their state codes');
      assert.deepEqual(n.instance, { key: p.key, guid: p.guid, startDate: p.startDate });
    }
    for (const f of frames) {
      assert.equal((f.payload as MonitoringFrame).instKey, f.instance!.key, 'msg.instance names the instance the frame is about');
      assert.equal(f.topic, `bpm/${f.instance!.key}`);
    }
    await waitFor(() => statuses.at(-1)?.text === 'bpm-monitor.status.instances' && statuses.at(-1)?.fill === 'green', 'N instances, N connected');

    // A new instance, found by a rescan.
    const added = sim.population!.startInstance()!;
    inject({ action: 'rescan' });
    await waitFor(() => sim.openSockets === 4 && keysOf('started').includes(added.key), 'the new instance followed');
    assert.equal(payloadOf(notices.find((n) => n.instance!.key === added.key)!).initial, undefined);

    // One finishes: its last frame, then the finished notice; its socket is not reopened.
    sim.advance(initial[0]);
    sim.population!.finish(initial[1]);
    await waitFor(() => keysOf('finished').includes(initial[1]), 'the finished notice');
    const finished = notices.find((n) => n.control === 'finished')!;
    assert.equal(payloadOf(finished).reason, 'completed');
    assert.equal(payloadOf(finished).phase, 'completed');
    const lastFrame = frames.filter((f) => f.instance!.key === initial[1]).at(-1)!;
    assert.equal((lastFrame.payload as MonitoringFrame).finished, true);

    // Sockets of two instances dropped: both come back with new tokens, the others are untouched.
    const tokens = sim.callCount('OpenMonitoringWS');
    sim.dropSockets(initial[0]);
    sim.dropSockets(added.key);
    await waitFor(() => sim.callCount('OpenMonitoringWS') === tokens + 2 && sim.openSockets === 3, 'two sockets back', 10_000);
    for (const k of running()) sim.advance(k);
    await waitFor(() => sim.frameCounts().reduce((n, c) => n + c.sent, 0) === frames.length, 'every frame sent has arrived');
    assertEveryFrameOnce();
    assert.equal(sim.callCount('OpenMetabase'), 1);
    assert.equal(sim.callCount('OpenBpmProcess'), 1, 'one opened process for every socket');
    assert.equal(keysOf('started').length, 4, 'no instance announced twice');
  });

  it('should renew a lost session once for 50 open sockets, without a reconnect storm, and lose no frame', async () => {
    const N = 50;
    await load({ initial: N, maxRunning: N });
    await waitFor(() => sim.openSockets === N && frames.length === N, `${N} sockets`, 20_000);
    const before = { mb: sim.callCount('OpenMetabase'), proc: sim.callCount('OpenBpmProcess'), ws: sim.callCount('OpenMonitoringWS') };
    const started = Date.now();
    sim.expireSessions();
    await waitFor(() => sim.callCount('OpenMonitoringWS') >= before.ws + N && sim.openSockets === N, 'every socket reconnected', 20_000);
    const took = Date.now() - started;
    const accepted = sim.sockets.slice(-N).map((s) => s.time);
    const spreadMs = Math.max(...accepted) - Math.min(...accepted);
    const after = { mb: sim.callCount('OpenMetabase'), proc: sim.callCount('OpenBpmProcess'), ws: sim.callCount('OpenMonitoringWS') };
    // eslint-disable-next-line no-console -- the figures of the run
    console.log(
      `      session loss with ${N} sockets: OpenMetabase +${after.mb - before.mb}, OpenBpmProcess +${after.proc - before.proc}, ` +
        `OpenMonitoringWS +${after.ws - before.ws}, reconnects spread over ${spreadMs} ms, all back in ${took} ms`,
    );
    assert.equal(after.mb - before.mb, 1, 'one OpenMetabase for all');
    assert.equal(after.proc - before.proc, 1, 'one OpenBpmProcess for all');
    assert.ok(after.ws - before.ws <= N + 5, `about one OpenMonitoringWS per socket (${after.ws - before.ws} for ${N})`);
    for (const k of running()) sim.advance(k);
    await waitFor(() => sim.frameCounts().reduce((n, c) => n + c.sent, 0) === frames.length, 'every frame sent has arrived', 10_000);
    assertEveryFrameOnce();
    assert.equal(keysOf('started').length, N, 'the renewal announces no instance again');
  });

  it('should keep to the socket limit, warn, and show the overflow in the status', async () => {
    await load({ initial: 3 }, { maxSockets: '2' });
    await waitFor(() => sim.openSockets === 2 && statuses.at(-1)?.text === 'bpm-monitor.status.instancesOverLimit', 'two sockets, over the limit');
    assert.equal(statuses.at(-1)?.fill, 'yellow');
    const warned = helper.log().args.filter((a: unknown[]) => (a[0] as { level?: number }).level === 30 && /bpm-monitor\.warnings\.limit|at most/.test(String((a[0] as { msg?: unknown }).msg)));
    assert.equal(warned.length, 1, 'one warning');
    assert.equal(keysOf('started').length, 3, 'the waiting instance is announced too');
  });

  it('should close on "close" a process that opens only after the command came, and stop before the session closes', async () => {
    await load({ initial: 2 }, {}, [{ kind: 'slow', op: 'OpenBpmProcess', delayMs: 400 }]);
    await waitFor(() => sim.callCount('OpenBpmProcess') === 1, 'OpenBpmProcess under way');
    helper.getNode('mon').receive({ action: 'close' });
    await waitFor(() => statuses.at(-1)?.text === 'bpm-monitor.status.closed', 'closed');
    assert.deepEqual(sim.requests.filter((r) => r.op === 'CloseBpmProcess').map((r) => r.status), [200], 'the late process closed by the stop');
    assert.equal(sim.callCount('OpenMonitoringWS'), 0);
    await helper.unload();
    const closes = sim.requests.filter((r) => r.op === 'CloseBpmProcess' || r.op === 'CloseMetabase').map((r) => `${r.op} ${r.status}`);
    assert.deepEqual(closes, ['CloseBpmProcess 200', 'CloseMetabase 200']);
    assert.equal(sim.liveSessions, 0);
  });

  it('should close a process that opens while the flow stops before the session, on the node close', async () => {
    await load({ initial: 2 }, {}, [{ kind: 'slow', op: 'OpenBpmProcess', delayMs: 400 }]);
    await waitFor(() => sim.callCount('OpenBpmProcess') === 1, 'OpenBpmProcess under way');
    await helper.unload();
    const closes = sim.requests.filter((r) => r.op === 'CloseBpmProcess' || r.op === 'CloseMetabase').map((r) => `${r.op} ${r.status}`);
    assert.deepEqual(closes, ['CloseBpmProcess 200', 'CloseMetabase 200'], 'the server node waited for the release');
    assert.equal(sim.liveSessions, 0);
  });

  it('should release everything on close: sockets, CloseBpmProcess, CloseMetabase, no further requests', async () => {
    await load({ initial: 3 }, { scanInterval: '1' });
    await waitFor(() => sim.openSockets === 3, 'three sockets');
    await waitFor(() => sim.callCount('GetProcessInstances') >= 2, 'a timed scan (interval 1 s)');
    await helper.unload();
    assert.equal(sim.openSockets, 0);
    assert.equal(sim.callCount('CloseBpmProcess'), 1);
    assert.equal(sim.callCount('CloseMetabase'), 1);
    const calls = sim.requests.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sim.requests.length, calls, 'no scan or keep-alive after close');
  });
});
