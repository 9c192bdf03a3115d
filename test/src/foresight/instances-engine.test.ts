import assert from 'node:assert/strict';
import { BpmFleet } from '../../../src/foresight/bpm-fleet';
import type { BpmFleetOptions, FleetFailure, FleetFrame, FleetLimit, FleetNotice, FleetStatus } from '../../../src/foresight/bpm-fleet';
import { PpsomClient } from '../../../src/foresight/client';
import { ForesightSession } from '../../../src/foresight/session';
import { STATE_COMPLETED } from '../../../src/foresight/vendor';
import type { MonitoringFrame } from '../../../src/sim/foresight/frames';
import { SEED } from '../../../src/sim/foresight';
import type { ForesightSimulator, InstancePopulationOptions } from '../../../src/sim/foresight';
import { fakeClock, startSim, waitFor } from '../../helpers/foresight';
import type { FakeClock } from '../../helpers/foresight';

describe('BpmFleet (all running instances of a process)', () => {
  let sim: ForesightSimulator;
  let client: PpsomClient;
  let session: ForesightSession;
  let fake: FakeClock;
  let fleet: BpmFleet | undefined;
  let frames: FleetFrame[];
  let notices: FleetNotice[];
  let states: FleetStatus[];
  let failures: FleetFailure[];
  let limits: FleetLimit[];

  /** A population whose instances move only when the test says so. */
  async function setup(
    population: InstancePopulationOptions,
    fleetOptions: Partial<BpmFleetOptions> = {},
    prepare: () => Promise<Partial<BpmFleetOptions>> = async () => ({}),
  ): Promise<BpmFleet> {
    sim = await startSim({ instances: [], population: { startEveryMs: 0, lifeMs: 0, retainFinishedMs: 60_000, ...population }, clock: fakeClock().clock });
    client = new PpsomClient({ endpoint: sim.endpoint(), timeoutMs: 2000 });
    const clocks = fakeClock();
    fake = clocks.fake;
    session = new ForesightSession({ client, repositoryId: SEED.repositoryId, user: 'demo', password: 'demo', clock: clocks.clock });
    frames = [];
    notices = [];
    states = [];
    failures = [];
    limits = [];
    const f = new BpmFleet({
      client,
      session,
      processKey: SEED.processKey,
      clock: clocks.clock,
      scanIntervalMs: 10_000,
      backoff: { initialMs: 1000, maxMs: 8000 },
      ...fleetOptions,
      ...(await prepare()),
    });
    f.on('frame', (x) => frames.push(x));
    f.on('notice', (x) => notices.push(x));
    f.on('state', (x) => states.push(x));
    f.on('failure', (x) => failures.push(x));
    f.on('limit', (x) => limits.push(x));
    fleet = f;
    return f;
  }

  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
    await session.close();
    await client.close();
    await sim.close();
  });

  /** The moniker of a process opened and closed again on the simulator. */
  async function deadProcessMoniker(): Promise<string> {
    const mb = await client.openMetabase(SEED.repositoryId, { user: 'demo', password: 'demo' });
    const process = await client.openBpmProcess(mb.id, SEED.processKey);
    await client.closeBpmProcess(process);
    return process;
  }

  const running = (): string[] => [...sim.model.instances.values()].filter((i) => !sim.model.isFinished(i)).map((i) => i.key);
  const noticesOf = (control: string): string[] => notices.filter((n) => n.control === control).map((n) => n.instance.key);
  const last = (): FleetStatus | undefined => states.at(-1);
  /** Frames received per socket (token), as seq lists. */
  function seqsByUrl(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const f of frames) out.set(f.url, [...(out.get(f.url) ?? []), (f.payload as MonitoringFrame).seq]);
    return out;
  }
  function assertNoFrameLostOrDuplicated(): void {
    const got = seqsByUrl();
    for (const c of sim.frameCounts()) {
      const seqs = got.get(c.url) ?? [];
      assert.deepEqual(seqs, Array.from({ length: c.sent }, (_, i) => i + 1), `socket of instance ${c.instanceKey}: every frame once, in order`);
    }
    assert.equal(got.size, sim.frameCounts().filter((c) => c.sent > 0).length, 'no frames from a socket the server does not know');
  }

  it('should follow every running instance, tell when one starts or finishes, and let a finished one go', async () => {
    const f = await setup({ initial: 3 });
    f.start();
    const keys = running();
    await waitFor(() => last()?.connected === 3, 'three sockets');
    assert.deepEqual(noticesOf('started').sort(), [...keys].sort());
    assert.ok(notices.every((n) => n.initial === true && n.instance.startDate && n.instance.guid && n.stages.length > 0), 'the first scan marks them initial, with date, GUID and stages');
    assert.equal(sim.callCount('OpenBpmProcess'), 1, 'one opened process for all sockets');
    assert.equal(sim.openSockets, 3);
    await waitFor(() => frames.length === 3, 'the three snapshots');
    assert.deepEqual(new Set(frames.map((x) => x.instance.key)), new Set(keys), 'each frame says its instance');

    const added = sim.population!.startInstance()!;
    f.rescan();
    await waitFor(() => last()?.connected === 4, 'the new instance connected');
    const startedNew = notices.find((n) => n.control === 'started' && n.instance.key === added.key);
    assert.ok(startedNew && !startedNew.initial && startedNew.phase === 'running', 'a started notice for the new one, not initial');

    sim.advance(keys[0]);
    sim.population!.finish(keys[1]);
    await waitFor(() => noticesOf('finished').length === 1, 'the finished notice');
    const finished = notices.find((n) => n.control === 'finished')!;
    assert.equal(finished.instance.key, keys[1]);
    assert.equal(finished.reason, 'completed');
    assert.ok(finished.stages.flatMap((s) => s.steps).every((st) => st.states.includes(STATE_COMPLETED)), 'its stages as they ended');
    await waitFor(() => last()?.instances === 3 && last()?.connected === 3, 'three left');
    const lastOfFinished = frames.filter((x) => x.instance.key === keys[1]).at(-1)!;
    assert.equal((lastOfFinished.payload as MonitoringFrame).finished, true, 'the final frame came before the notice');
    assert.ok(frames.indexOf(lastOfFinished) < frames.length, 'frame delivered');
    f.rescan();
    await waitFor(() => states.length > 0 && sim.callCount('GetProcessInstances') >= 3, 'a rescan');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(noticesOf('started').filter((k) => k === keys[1]).length, 1, 'a finished instance still listed is not followed again');
    assert.equal(sim.openSockets, 3);
    assertNoFrameLostOrDuplicated();
  });

  it('should skip listed instances that are over, and let go of one that leaves the list', async () => {
    const f = await setup({ initial: 3, retainFinishedMs: 0 });
    const keys = running();
    sim.population!.finish(keys[0]);
    f.start();
    await waitFor(() => last()?.connected === 2, 'two sockets');
    assert.deepEqual(noticesOf('started').sort(), [keys[1], keys[2]].sort(), 'a completed instance is not followed');
    // Gone from the list while its socket was down: the next scan lets it go.
    sim.dropSockets(keys[1]);
    sim.model.instances.delete(keys[1]);
    f.rescan();
    await waitFor(() => noticesOf('finished').includes(keys[1]), 'finished notice of the removed one');
    assert.equal(notices.find((n) => n.control === 'finished')?.reason, 'removed');
    await waitFor(() => last()?.instances === 1, 'one instance left');
    // Completed while its socket was down (no final frame reached us): the next scan reads its steps.
    sim.dropSockets(keys[2]);
    await waitFor(() => last()?.connected === 0, 'its socket lost');
    sim.population!.finish(keys[2]);
    f.rescan();
    await waitFor(() => noticesOf('finished').includes(keys[2]), 'finished notice from the steps');
    assert.equal(notices.find((n) => n.control === 'finished' && n.instance.key === keys[2])?.reason, 'completed');
    assert.equal(last()?.instances, 0);
  });

  it('should open at most maxSockets, warn about the others and open one when a socket frees', async () => {
    const f = await setup({ initial: 4 }, { maxSockets: 2 });
    f.start();
    await waitFor(() => last()?.connected === 2 && last()?.waiting === 2, 'two connected, two waiting');
    assert.deepEqual(limits, [{ running: 4, limit: 2, waiting: 2 }]);
    assert.equal(last()?.instances, 4);
    assert.equal(sim.openSockets, 2);
    const first = notices[0].instance.key;
    sim.population!.finish(first);
    await waitFor(() => last()?.connected === 2 && last()?.waiting === 1 && last()?.instances === 3, 'a waiting one took the free socket');
    assert.deepEqual(limits.at(-1), { running: 3, limit: 2, waiting: 1 });
  });

  it('should reconnect a dropped socket with a new token and lose no frame', async () => {
    const f = await setup({ initial: 3 });
    f.start();
    await waitFor(() => last()?.connected === 3 && frames.length === 3, 'three sockets');
    const [a] = running();
    sim.advance(a);
    await waitFor(() => frames.length === 4, 'one change');
    const tokens = sim.callCount('OpenMonitoringWS');
    sim.dropSockets(a);
    await waitFor(() => last()?.connected === 2, 'the socket noticed as lost');
    for (let i = 0; i < 20 && last()?.connected !== 3; i += 1) {
      await fake.tickAsync(200);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => last()?.connected === 3, 'reconnected');
    assert.equal(sim.callCount('OpenMonitoringWS'), tokens + 1, 'one new token for the one dropped socket');
    assert.equal(sim.callCount('OpenMetabase'), 1, 'the session is kept');
    sim.advance(a);
    await waitFor(() => frames.filter((x) => x.instance.key === a).length === 4, 'snapshot again and the next change');
    assertNoFrameLostOrDuplicated();
  });

  it('should renew the session once for all sockets when it ends, spreading the reconnects', async () => {
    const N = 20;
    const f = await setup({ initial: N, maxRunning: N });
    f.start();
    await waitFor(() => last()?.connected === N && frames.length === N, `${N} sockets`, 10_000);
    const before = { mb: sim.callCount('OpenMetabase'), proc: sim.callCount('OpenBpmProcess'), ws: sim.callCount('OpenMonitoringWS') };
    sim.expireSessions();
    await waitFor(() => last()?.connected === 0, 'every socket closed by the server');
    for (let i = 0; i < 100 && last()?.connected !== N; i += 1) {
      await fake.tickAsync(25);
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => last()?.connected === N, 'all reconnected', 10_000);
    const after = { mb: sim.callCount('OpenMetabase'), proc: sim.callCount('OpenBpmProcess'), ws: sim.callCount('OpenMonitoringWS') };
    // eslint-disable-next-line no-console -- the figures of the run
    console.log(`      session loss, ${N} sockets: OpenMetabase +${after.mb - before.mb}, OpenBpmProcess +${after.proc - before.proc}, OpenMonitoringWS +${after.ws - before.ws}`);
    assert.equal(after.mb - before.mb, 1, 'one OpenMetabase');
    assert.equal(after.proc - before.proc, 1, 'one OpenBpmProcess');
    // Each socket needs one token; only those that tried before the renewal answered need a second.
    assert.ok(after.ws - before.ws >= N && after.ws - before.ws <= N + 3, `OpenMonitoringWS ${after.ws - before.ws} for ${N} sockets`);
    for (const k of running()) sim.advance(k);
    await waitFor(() => frames.length === 3 * N, 'a snapshot again and one change per socket');
    assertNoFrameLostOrDuplicated();
  });

  it('should let a start during a stop wait for its release, and a second stop end only after it', async () => {
    const f = await setup({ initial: 3 });
    f.start();
    await waitFor(() => last()?.connected === 3, 'three sockets');
    const first = f.stop();
    const second = f.stop();
    let secondDone = false;
    void second.then(() => (secondDone = true));
    f.start();
    await first;
    await second;
    assert.ok(secondDone);
    assert.equal(sim.callCount('CloseBpmProcess'), 1, 'the process of the first run closed once, by the release');
    assert.ok(!states.some((s) => s.state === 'watching' && s.instances === 0), 'no count of an empty fleet while it stopped');
    await waitFor(() => sim.callCount('OpenBpmProcess') === 2 && sim.openSockets === 3, 'the new run follows the three instances again');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sim.openSockets, 3, 'nothing of the release closes the new run\'s sockets');
    assert.equal(last()?.connected, 3);
    assert.equal(sim.callCount('OpenBpmProcess'), 2, 'the new run opened its own process');
    await f.stop();
    assert.equal(sim.callCount('CloseBpmProcess'), 2);
    assert.equal(sim.openSockets, 0);
  });

  it('should close a process that opens during a stop once it answers, and open a new one for the next start', async () => {
    const f = await setup({ initial: 2 });
    sim.inject({ kind: 'slow', op: 'OpenBpmProcess', delayMs: 300 });
    f.start();
    await waitFor(() => sim.callCount('OpenBpmProcess') === 1, 'OpenBpmProcess under way');
    await f.stop();
    assert.deepEqual(sim.requests.filter((r) => r.op === 'CloseBpmProcess').map((r) => r.status), [200], 'the late process closed by the stop');
    assert.equal(sim.callCount('OpenMonitoringWS'), 0);
    f.start();
    await waitFor(() => last()?.connected === 2, 'two sockets after the restart');
    assert.equal(sim.callCount('OpenBpmProcess'), 2, 'a process of its own for the new run');
  });

  it('should not hold a refused OpenBpmProcess: the next scan opens the process again', async () => {
    const f = await setup({ initial: 2 });
    sim.inject({ kind: 'http', op: 'OpenBpmProcess', status: 403 });
    f.start();
    await waitFor(() => failures.length === 1, 'the refused open');
    assert.deepEqual([failures[0].error.message.slice(0, 8), failures[0].fatal], ['HTTP 403', false]);
    await fake.tickAsync(1000);
    await waitFor(() => last()?.connected === 2, 'two sockets after the retry');
    assert.equal(sim.callCount('OpenBpmProcess'), 2);
  });

  it('should give up on a pasted process moniker the server no longer knows, and not try it again on start', async () => {
    const f = await setup({ initial: 2 }, {}, async () => ({ processKey: undefined, processMoniker: await deadProcessMoniker() }));
    f.start();
    await waitFor(() => last()?.state === 'failed', 'failed');
    assert.match(String(last()?.error?.message), /opened process moniker is no longer valid/);
    assert.deepEqual([failures.length, failures[0].fatal], [1, true]);
    const listed = sim.callCount('GetProcessInstances');
    f.start();
    await waitFor(() => states.filter((s) => s.state === 'failed').length === 2, 'failed again');
    assert.equal(sim.callCount('GetProcessInstances'), listed, 'the dead moniker is not sent again');
    assert.equal(sim.callCount('OpenBpmProcess'), 1, 'only the one opened and closed to make it');
  });

  it('should open a new session when OpenBpmProcess says the session it kept over a stop has ended', async () => {
    const f = await setup({ initial: 2 });
    f.start();
    await waitFor(() => last()?.connected === 2, 'two sockets');
    await f.stop();
    assert.equal(sim.expireSessions(), 1);
    f.start();
    for (let i = 0; i < 20 && last()?.connected !== 2; i += 1) {
      await fake.tickAsync(1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => last()?.connected === 2, 'two sockets on a new session');
    assert.deepEqual([sim.callCount('OpenMetabase'), sim.callCount('OpenBpmProcess')], [2, 3], 'one refused OpenBpmProcess, then a new session');
  });

  it('should release everything on stop: sockets, process, keep-alive and timers', async () => {
    const f = await setup({ initial: 3 });
    f.start();
    await waitFor(() => last()?.connected === 3, 'three sockets');
    await f.stop();
    assert.equal(last()?.state, 'stopped');
    await waitFor(() => sim.openSockets === 0, 'sockets closed');
    assert.equal(sim.callCount('CloseBpmProcess'), 1);
    assert.equal(fake.countTimers(), 0, 'no timer left (scan, backoff, ping, keep-alive)');
    const calls = sim.requests.length;
    await fake.tickAsync(120_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sim.requests.length, calls, 'nothing more is sent');
  });
});
