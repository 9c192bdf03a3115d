import assert from 'node:assert/strict';
import type FakeTimers from '@sinonjs/fake-timers';
import { BpmMonitor } from '../../../src/foresight/bpm-monitor';
import type { BpmMonitorOptions, MonitorFailure, MonitorFrame, MonitorStatus, MonitorTarget } from '../../../src/foresight/bpm-monitor';
import { PpsomClient } from '../../../src/foresight/client';
import { ForesightSession } from '../../../src/foresight/session';
import type { ForesightSessionOptions } from '../../../src/foresight/session';
import { KEEPALIVE_INTERVAL_MS } from '../../../src/foresight/vendor';
import type { MonitoringFrame } from '../../../src/sim/foresight/frames';
import type { IntegrationError } from '../../../src/shared/errors';
import { SEED } from '../../../src/sim/foresight';
import type { ForesightSimulator, ForesightSimulatorOptions } from '../../../src/sim/foresight';
import { fakeClock, opsSince, startSim, waitFor } from '../../helpers/foresight';
import type { FakeClock } from '../../helpers/foresight';

describe('BpmMonitor', () => {
  let sim: ForesightSimulator;
  let client: PpsomClient;
  let session: ForesightSession;
  let fake: FakeClock;
  let monitors: BpmMonitor[];
  let frames: MonitorFrame[];
  let states: MonitorStatus[];
  let failures: MonitorFailure[];
  let resolved: MonitorTarget[];

  async function setup(simOptions: ForesightSimulatorOptions = {}, sessionOptions: Partial<ForesightSessionOptions> = {}): Promise<void> {
    sim = await startSim(simOptions);
    client = new PpsomClient({ endpoint: sim.endpoint(), timeoutMs: 2000 });
    const clocks = fakeClock();
    fake = clocks.fake;
    session = new ForesightSession({ client, repositoryId: SEED.repositoryId, user: 'demo', password: 'demo', clock: clocks.clock, ...sessionOptions });
    monitors = [];
    frames = [];
    states = [];
    failures = [];
    resolved = [];
  }

  function monitor(extra: Partial<BpmMonitorOptions> = {}): BpmMonitor {
    const m = new BpmMonitor({
      client,
      session,
      processKey: SEED.processKey,
      clock: { now: () => fake.now, setTimeout: (cb, ms) => fake.setTimeout(cb, ms), clearTimeout: (h) => fake.clearTimeout(h as FakeTimers.TimerId) },
      backoff: { initialMs: 1000, maxMs: 8000, factor: 2, jitter: 0.2, random: () => 0 },
      pingIntervalMs: 30_000,
      pongTimeoutMs: 10_000,
      ...extra,
    });
    m.on('frame', (f) => frames.push(f));
    m.on('state', (s) => states.push(s));
    m.on('failure', (f) => failures.push(f));
    m.on('resolved', (t) => resolved.push(t));
    monitors.push(m);
    return m;
  }

  const connected = (): boolean => states.at(-1)?.state === 'connected';
  const seqs = (): number[] => frames.map((f) => (f.payload as MonitoringFrame).seq);

  afterEach(async () => {
    for (const m of monitors) await m.stop();
    await session.close();
    await client.close();
    await sim.close();
  });

  it('should resolve the newest instance and its GUID, then deliver the snapshot and every change in order', async () => {
    await setup();
    const m = monitor();
    m.start();
    await waitFor(() => frames.length === 1, 'the snapshot frame');
    assert.deepEqual(resolved[0], { key: SEED.instanceKey, guid: SEED.instId, url: SEED.monitoringUrl });
    assert.deepEqual(opsSince(sim), ['OpenMetabase', 'OpenBpmProcess', 'GetProcessInstances', 'GetBpmMonitoringWorkspace', 'OpenMonitoringWS']);
    sim.advance(SEED.instanceKey);
    sim.advance(SEED.instanceKey);
    sim.advance(SEED.instanceKey);
    await waitFor(() => frames.length === 4, 'three state frames');
    assert.deepEqual(seqs(), [1, 2, 3, 4]);
    assert.equal((frames[0].payload as MonitoringFrame).type, 'snapshot');
    assert.deepEqual(frames[1].instance, { key: SEED.instanceKey, guid: SEED.instId });
    assert.equal(frames[1].url, SEED.monitoringUrl);
    assert.deepEqual(
      states.map((s) => s.state),
      ['resolving', 'connecting', 'connected'],
    );
  });

  it('should attach the stages and steps read after each frame, keeping the frames in order', async () => {
    await setup();
    monitor({ withWorkspace: true }).start();
    await waitFor(() => frames.length === 1, 'the snapshot');
    sim.advance(SEED.instanceKey);
    sim.advance(SEED.instanceKey);
    await waitFor(() => frames.length === 3, 'two state frames');
    assert.deepEqual(seqs(), [1, 2, 3]);
    const ws = frames[0].workspace!;
    assert.equal(ws.process, 'Processing of applications');
    assert.deepEqual(
      ws.stages.map((st) => [st.name, st.states, st.steps.map((x) => x.states[0])]),
      [
        ['Registration', [2], [2, 1]],
        ['Review', [1], [1, 1, 1]],
      ],
    );
    assert.equal(ws.stages[0].steps[0].id, '168714*0@0^0');
    assert.equal(opsSince(sim).filter((op) => op === 'GetBpmMonitoringWorkspace').length, 4, 'one for the chain, one per frame');
  });

  it('should still deliver a frame whose workspace read failed, and report the failure', async () => {
    await setup();
    monitor({ withWorkspace: true }).start();
    await waitFor(() => frames.length === 1, 'the snapshot');
    sim.inject({ op: 'GetBpmMonitoringWorkspace', kind: 'fault', message: 'Сервер перегружен' });
    sim.advance(SEED.instanceKey);
    sim.advance(SEED.instanceKey);
    await waitFor(() => frames.length === 3, 'two state frames');
    assert.deepEqual(seqs(), [1, 2, 3]);
    assert.equal(frames[1].workspace, undefined);
    assert.ok(frames[2].workspace);
    assert.match(failures[0].error.message, /перегружен/);
    assert.equal(states.at(-1)?.state, 'connected');
  });

  it('should open the socket at <prefix>/service with the token as the vendor appends it: plain concatenation', async () => {
    await setup();
    monitor({ wsPathPrefix: 'FPBI_App_v10.x/' }).start();
    await waitFor(connected, 'connected');
    assert.equal(sim.sockets[0].path, '/FPBI_App_v10.x/service');
    assert.equal(sim.sockets[0].id, SEED.monitoringUrl);
    assert.equal(sim.sockets[0].rawQuery, `id=${SEED.monitoringUrl}`);
    assert.match(sim.sockets[0].rawQuery, /^id=BPMMONID!\{[0-9A-F-]{36}\}$/);
  });

  it('should open the socket with the token percent-encoded when the server setting asks for it', async () => {
    await setup();
    monitor({ wsPathPrefix: 'FPBI_App_v10.x/', monitoringIdEncoding: 'percent-encoded' }).start();
    await waitFor(connected, 'connected');
    assert.equal(sim.sockets[0].path, '/FPBI_App_v10.x/service');
    assert.equal(sim.sockets[0].id, SEED.monitoringUrl);
    assert.equal(sim.sockets[0].rawQuery, `id=${encodeURIComponent(SEED.monitoringUrl)}`);
    assert.match(sim.sockets[0].rawQuery, /^id=BPMMONID!%7B[0-9A-F-]{36}%7D$/);
  });

  it('should point at the WebSocket path prefix when the socket path answers 404', async () => {
    await setup();
    monitor({ wsPathPrefix: '/wrong-dir' }).start();
    await waitFor(() => failures.length === 1, 'the refused socket');
    assert.match(failures[0].error.message, /404 at \/wrong-dir\/service; check the WebSocket path prefix/);
    assert.equal(states.at(-1)?.state, 'reconnecting');
  });

  it('should ask for a fresh token after the socket refuses an unknown id, and connect with it', async () => {
    await setup();
    const unknown = 'BPMMONID!{00000000-0000-0000-0000-000000000000}';
    sim.inject({ op: 'OpenMonitoringWS', kind: 'raw', body: JSON.stringify({ OpenMonitoringWSResult: { url: unknown } }) });
    monitor().start();
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting after the refused id');
    assert.match(failures[0].error.message, /monitoring socket refused: .*404/);
    assert.deepEqual(
      sim.sockets.map((s) => [s.id, s.accepted]),
      [[unknown, false]],
    );
    await fake.tickAsync(1000);
    await waitFor(connected, 'connected with a fresh token');
    assert.equal(opsSince(sim).filter((op) => op === 'OpenMonitoringWS').length, 2);
    assert.deepEqual(sim.sockets.at(-1), { ...sim.sockets.at(-1)!, id: resolved.at(-1)!.url, accepted: true });
    assert.notEqual(resolved.at(-1)!.url, unknown);
  });

  it('should skip the look-ups when the instance key and GUID are given', async () => {
    await setup();
    monitor({ instanceKey: SEED.instanceKey, instanceGuid: SEED.instId }).start();
    await waitFor(connected, 'connected');
    assert.deepEqual(opsSince(sim), ['OpenMetabase', 'OpenBpmProcess', 'OpenMonitoringWS']);
  });

  it('should reconnect after a dropped socket with a fresh OpenMonitoringWS only, after the backoff delay', async () => {
    await setup();
    monitor().start();
    await waitFor(connected, 'connected');
    const mark = sim.requests.length;
    sim.dropSockets();
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting');
    assert.equal(states.at(-1)?.retryInMs, 1000);
    assert.equal(failures.length, 1);
    assert.equal((failures[0].error as IntegrationError).code, 'TRANSPORT');
    assert.equal(sim.requests.length, mark, 'nothing is sent before the delay');
    await fake.tickAsync(1000);
    await waitFor(connected, 'connected again');
    assert.deepEqual(opsSince(sim, mark), ['OpenMonitoringWS']);
    assert.equal(sim.openSockets, 1);
  });

  it('should open a new session and run the chain again when the session expires', async () => {
    await setup();
    monitor().start();
    await waitFor(connected, 'connected');
    const mark = sim.requests.length;
    sim.expireSessions();
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting');
    await fake.tickAsync(1000);
    await waitFor(connected, 'connected again');
    assert.deepEqual(opsSince(sim, mark), ['OpenMonitoringWS', 'OpenMetabase', 'OpenBpmProcess', 'OpenMonitoringWS']);
    assert.equal(sim.liveSessions, 1);
    sim.advance(SEED.instanceKey);
    await waitFor(() => frames.length === 3, 'a frame on the new socket');
  });

  it('should renew the session when the keep-alive read finds it dead while the socket still looks fine', async () => {
    await setup();
    monitor({ pingIntervalMs: 3_600_000 }).start();
    await waitFor(connected, 'connected');
    const mark = sim.requests.length;
    sim.inject({ op: 'GetProcessInstances', kind: 'session' });
    await fake.tickAsync(KEEPALIVE_INTERVAL_MS);
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting after the failed keep-alive');
    await fake.tickAsync(1000);
    await waitFor(connected, 'connected again');
    assert.deepEqual(opsSince(sim, mark), ['GetProcessInstances', 'OpenMetabase', 'OpenBpmProcess', 'OpenMonitoringWS']);
    assert.equal(sim.openSockets, 1);
  });

  it('should renew a session shared by two monitors with a single OpenMetabase', async () => {
    await setup();
    sim.startInstance({ key: '98100', startDate: '01.01.2020 00:00:00' });
    monitor().start();
    monitor({ instanceKey: '98100' }).start();
    await waitFor(() => sim.openSockets === 2 && states.filter((s) => s.state === 'connected').length === 2, 'both connected');
    assert.equal(opsSince(sim).filter((op) => op === 'OpenMetabase').length, 1);
    sim.expireSessions();
    await waitFor(() => states.filter((s) => s.state === 'reconnecting').length === 2, 'both reconnecting');
    await fake.tickAsync(1000);
    await waitFor(() => sim.openSockets === 2 && states.filter((s) => s.state === 'connected').length === 4, 'both connected again');
    assert.equal(opsSince(sim).filter((op) => op === 'OpenMetabase').length, 2);
    assert.equal(sim.liveSessions, 1);
  });

  it('should grow the delay between failed attempts up to the cap, and reset it once connected', async () => {
    await setup();
    sim.inject({ op: 'OpenMetabase', kind: 'http', status: 503, times: 5 });
    monitor().start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      await waitFor(() => states.filter((s) => s.state === 'reconnecting').length === i + 1, `failure ${i + 1}`);
      const d = states.at(-1)!.retryInMs!;
      delays.push(d);
      await fake.tickAsync(d);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000]);
    await waitFor(connected, 'connected');
    sim.dropSockets();
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting after a short connection');
    assert.equal(states.at(-1)?.retryInMs, 8000, 'a connection that did not last keeps the delay up');
    await fake.tickAsync(8000);
    await waitFor(connected, 'connected again');
    await fake.tickAsync(30_000);
    sim.dropSockets();
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting');
    assert.equal(states.at(-1)?.retryInMs, 1000);
  });

  it('should terminate a socket that answers no ping and reconnect', async () => {
    await setup();
    monitor().start();
    await waitFor(connected, 'connected');
    sim.setSilent(true);
    await fake.tickAsync(30_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(states.at(-1)?.state, 'connected', 'a ping without answer yet is not a failure');
    await fake.tickAsync(10_000);
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting after the missed pong');
    assert.equal((failures.at(-1)!.error as IntegrationError).code, 'TIMEOUT');
    await waitFor(() => sim.openSockets === 0, 'the server to see the socket gone');
    sim.setSilent(false);
    await fake.tickAsync(1000);
    await waitFor(connected, 'connected again');
  });

  it('should keep a socket that answers pings, and count only answers as signs of life', async () => {
    await setup();
    const m = monitor();
    m.start();
    await waitFor(connected, 'connected');
    for (let i = 0; i < 3; i += 1) {
      await fake.tickAsync(30_000);
      await waitFor(() => m.lastSeenAt === fake.now, `the pong to ping ${i + 1}`);
    }
    sim.setSilent(true);
    await fake.tickAsync(30_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(m.lastSeenAt, fake.now - 30_000, 'an unanswered ping is no sign of life');
    assert.equal(states.at(-1)?.state, 'connected');
    assert.equal(failures.length, 0);
  });

  it('should keep the session alive with a cheap read well inside the server timeout', async () => {
    await setup();
    monitor({ pingIntervalMs: 3_600_000 }).start();
    await waitFor(connected, 'connected');
    const mark = sim.requests.length;
    await fake.tickAsync(KEEPALIVE_INTERVAL_MS);
    await waitFor(() => sim.requests.length > mark, 'the keep-alive');
    assert.deepEqual(opsSince(sim, mark), ['GetProcessInstances']);
    assert.ok(KEEPALIVE_INTERVAL_MS * 2 <= 1_800_000);
  });

  it('should give up with NOT_FOUND for a process key that does not exist', async () => {
    await setup();
    monitor({ processKey: '4711' }).start();
    await waitFor(() => states.at(-1)?.state === 'failed', 'failed');
    assert.equal(failures.length, 1);
    assert.equal(failures[0].fatal, true);
    assert.equal((failures[0].error as IntegrationError).code, 'NOT_FOUND');
    const count = sim.requests.length;
    await fake.tickAsync(60_000);
    assert.equal(sim.requests.length, count, 'no retries');
  });

  it('should let go of the process and the session when it gives up on an unknown instance', async () => {
    await setup();
    monitor({ instanceKey: '1' }).start();
    await waitFor(() => states.at(-1)?.state === 'failed', 'failed');
    assert.equal((failures[0].error as IntegrationError).code, 'NOT_FOUND');
    assert.deepEqual(opsSince(sim), ['OpenMetabase', 'OpenBpmProcess', 'GetBpmMonitoringWorkspace', 'CloseBpmProcess']);
    await fake.tickAsync(KEEPALIVE_INTERVAL_MS * 2);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(sim.requests.length, 4, 'no keep-alive for a monitor that gave up');
  });

  it('should go on delivering frames when a frame listener throws', async () => {
    await setup();
    const m = monitor();
    let calls = 0;
    m.on('frame', () => {
      calls += 1;
      throw new Error('listener bug');
    });
    m.start();
    await waitFor(() => frames.length === 1, 'the snapshot');
    sim.advance(SEED.instanceKey);
    await waitFor(() => frames.length === 2, 'the next frame');
    assert.equal(calls, 2);
    assert.equal(states.at(-1)?.state, 'connected');
  });

  it('should give up after one refused login, so a directory account is not locked by retries', async () => {
    await setup({}, { password: 'wrong' });
    monitor().start();
    await waitFor(() => states.at(-1)?.state === 'failed', 'failed');
    assert.equal((failures[0].error as IntegrationError).code, 'CONFIG');
    await fake.tickAsync(120_000);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(opsSince(sim), ['OpenMetabase']);
  });

  it('should keep a refused login refused through start() and a second monitor, and try it once more on connect()', async () => {
    await setup({}, { password: 'wrong' });
    const m = monitor();
    m.start();
    await waitFor(() => states.at(-1)?.state === 'failed', 'failed');
    m.start();
    monitor().start();
    await waitFor(() => failures.length === 3, 'the stored refusal for both');
    assert.ok(failures.every((f) => f.fatal && (f.error as IntegrationError).code === 'CONFIG'));
    assert.deepEqual(opsSince(sim), ['OpenMetabase']);
    m.connect();
    await waitFor(() => failures.length === 4, 'the refusal of the new attempt');
    await fake.tickAsync(120_000);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(opsSince(sim), ['OpenMetabase', 'OpenMetabase']);
    assert.equal(states.at(-1)?.state, 'failed');
  });

  it('should wait for a process without instances and connect when one starts', async () => {
    await setup({ instances: [] });
    monitor().start();
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting');
    assert.match(failures[0].error.message, /no instances/);
    sim.startInstance({ key: '99001' });
    await fake.tickAsync(1000);
    await waitFor(connected, 'connected');
    assert.equal(resolved.at(-1)?.key, '99001');
  });

  it('should stop with a clear SESSION error when a pasted connection moniker dies', async () => {
    await setup();
    const other = new PpsomClient({ endpoint: sim.endpoint() });
    const mb = await other.openMetabase(SEED.repositoryId, { user: 'demo', password: 'demo' });
    await other.close();
    await session.close();
    session = new ForesightSession({ client, connectionMoniker: mb.id });
    monitor().start();
    await waitFor(connected, 'connected with the pasted moniker');
    sim.expireSessions();
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting');
    await fake.tickAsync(1000);
    await waitFor(() => states.at(-1)?.state === 'failed', 'failed');
    const err = failures.at(-1)!.error as IntegrationError;
    assert.equal(err.code, 'SESSION');
    assert.equal(err.retriable, false);
    assert.match(err.message, /pasted connection moniker/);
    assert.ok(!err.message.includes(mb.id));
    assert.equal(opsSince(sim).filter((op) => op === 'OpenMetabase').length, 1, 'never opens a session of its own');
  });

  it('should switch to another instance and drop the socket of the old one', async () => {
    await setup();
    const second = sim.startInstance({ key: '98100', startDate: '01.01.2020 00:00:00' });
    const m = monitor();
    m.start();
    await waitFor(connected, 'connected');
    assert.equal(resolved[0].key, SEED.instanceKey);
    m.switchInstance({ key: '98100' });
    await waitFor(() => resolved.length === 2 && connected(), 'connected to the second instance');
    assert.deepEqual(resolved[1], { key: '98100', guid: second.instId, url: resolved[1].url });
    await waitFor(() => sim.openSockets === 1, 'one socket on the server');
    frames.length = 0;
    sim.advance(SEED.instanceKey);
    sim.advance('98100');
    await waitFor(() => frames.length === 1, 'a frame of the second instance');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(frames.length, 1);
    assert.equal((frames[0].payload as MonitoringFrame).instKey, '98100');
  });

  it('should leave no socket, no lease and no opened process on the server after stop', async () => {
    await setup();
    const m = monitor();
    m.start();
    await waitFor(connected, 'connected');
    await m.stop();
    assert.equal(m.state, 'stopped');
    await waitFor(() => sim.openSockets === 0, 'no open socket');
    assert.equal(opsSince(sim).at(-1), 'CloseBpmProcess');
    assert.equal(fake.countTimers(), 0, 'no timers left on the clock');
    const mark = sim.requests.length;
    await fake.tickAsync(KEEPALIVE_INTERVAL_MS * 2);
    assert.equal(sim.requests.length, mark);
  });

  it('should stop while a request is hanging without waiting for it', async () => {
    await setup();
    sim.inject({ op: 'OpenBpmProcess', kind: 'slow', delayMs: 3000 });
    const m = monitor();
    m.start();
    await waitFor(() => opsSince(sim).includes('OpenBpmProcess'), 'the slow request');
    const started = Date.now();
    await m.stop();
    assert.ok(Date.now() - started < 1500);
    assert.equal(failures.length, 0, 'a deliberate stop is not a failure');
  });

  it('should connect again after stop and start', async () => {
    await setup();
    const m = monitor();
    m.start();
    await waitFor(connected, 'connected');
    await m.stop();
    m.start();
    await waitFor(connected, 'connected again');
    assert.equal(sim.openSockets, 1);
  });

  it('should keep connecting and reconnecting when its state and failure listeners throw', async () => {
    await setup();
    const warnings: string[] = [];
    const m = monitor({ logger: { debug: () => undefined, info: () => undefined, warn: (w) => warnings.push(w) } });
    for (const event of ['state', 'failure'] as const) {
      m.on(event, () => {
        throw new Error(`${event} listener bug`);
      });
    }
    m.start();
    await waitFor(connected, 'connected');
    sim.dropSockets();
    await waitFor(() => states.at(-1)?.state === 'reconnecting', 'reconnecting');
    assert.equal(failures.length, 1);
    assert.equal(failures[0].fatal, false);
    assert.equal(failures[0].retryInMs, 1000);
    await fake.tickAsync(1000);
    await waitFor(connected, 'connected again');
    const before = frames.length;
    sim.advance(SEED.instanceKey);
    await waitFor(() => frames.length > before, 'a frame after the reconnect');
    assert.ok(warnings.some((w) => /a state listener failed: state listener bug/.test(w)));
    assert.ok(warnings.some((w) => /a failure listener failed: failure listener bug/.test(w)));
  });

  it('should stay quiet after stop: one stopped state however often stop() is called, no request, no timer', async () => {
    await setup();
    const m = monitor();
    m.start();
    await waitFor(connected, 'connected');
    await m.stop();
    await m.stop();
    const mark = sim.requests.length;
    await fake.tickAsync(KEEPALIVE_INTERVAL_MS * 2);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(sim.requests.length, mark);
    assert.equal(fake.countTimers(), 0, 'no timers left on the clock');
    assert.deepEqual(states.filter((s) => s.state === 'stopped').length, 1);
    assert.equal(states.at(-1)?.state, 'stopped');
    assert.equal(failures.length, 0);
  });
});
