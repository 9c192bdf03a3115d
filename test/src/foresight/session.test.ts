import assert from 'node:assert/strict';
import { PpsomClient } from '../../../src/foresight/client';
import { ForesightSession } from '../../../src/foresight/session';
import type { IntegrationError } from '../../../src/shared/errors';
import { isLoginRefused } from '../../../src/shared/login-refusal';
import { SEED } from '../../../src/sim/foresight';
import type { ForesightSimulator } from '../../../src/sim/foresight';
import { fakeClock, opsSince, startSim, waitFor } from '../../helpers/foresight';

describe('ForesightSession', () => {
  let sim: ForesightSimulator;
  let client: PpsomClient;
  let sessions: ForesightSession[];

  beforeEach(async () => {
    sim = await startSim();
    client = new PpsomClient({ endpoint: sim.endpoint(), wireFormat: 'soap' });
    sessions = [];
  });
  afterEach(async () => {
    for (const s of sessions) await s.close();
    await client.close();
    await sim.close();
  });

  const make = (extra: Partial<ConstructorParameters<typeof ForesightSession>[0]> = {}): ForesightSession => {
    const s = new ForesightSession({ client, repositoryId: SEED.repositoryId, user: 'demo', password: 'demo', ...extra });
    sessions.push(s);
    return s;
  };

  it('should open the session lazily and only once for callers that ask at the same time', async () => {
    const s = make();
    assert.equal(sim.requests.length, 0);
    const [a, b, c] = await Promise.all([s.connection(), s.connection(), s.connection()]);
    assert.equal(a, b);
    assert.equal(b, c);
    assert.deepEqual(opsSince(sim), ['OpenMetabase']);
  });

  it('should open a new session after the current one is reported dead, and ignore a stale report', async () => {
    const s = make();
    const first = await s.connection();
    s.invalidate(first);
    const second = await s.connection();
    assert.notEqual(first, second);
    s.invalidate(first);
    assert.equal(await s.connection(), second);
    assert.deepEqual(opsSince(sim), ['OpenMetabase', 'OpenMetabase']);
  });

  it('should try a refused login once: every later caller gets the same CONFIG error without an OpenMetabase until allowLogin', async () => {
    const s = make({ password: 'wrong' });
    const refused = (e: IntegrationError & { serverCode?: string }): boolean =>
      isLoginRefused(e) && e.code === 'CONFIG' && !e.retriable && Boolean(e.serverCode) && !e.message.includes('wrong');
    await assert.rejects(s.connection(), refused);
    await assert.rejects(Promise.all([s.connection(), s.connection()]), refused);
    assert.equal(s.loginRefused, true);
    assert.deepEqual(opsSince(sim), ['OpenMetabase']);
    s.allowLogin();
    await assert.rejects(s.connection(), refused);
    assert.deepEqual(opsSince(sim), ['OpenMetabase', 'OpenMetabase']);
  });

  it('should send CloseMetabase on close and refuse use afterwards', async () => {
    const s = make();
    const conn = await s.connection();
    await s.close();
    assert.equal(sim.liveSessions, 0);
    assert.deepEqual(sim.requests.at(-1)?.params, { tMb: { id: conn } });
    await assert.rejects(s.connection(), (e: IntegrationError) => e.code === 'CLOSED');
  });

  it('should close a session whose OpenMetabase was still running when close was called', async () => {
    sim.inject({ op: 'OpenMetabase', kind: 'slow', delayMs: 200 });
    const s = make();
    const pending = s.connection().catch((e: unknown) => e);
    await waitFor(() => sim.requests.length === 1, 'OpenMetabase sent');
    await s.close();
    await pending;
    await waitFor(() => sim.liveSessions === 0, 'the late session closed');
    assert.deepEqual(opsSince(sim), ['OpenMetabase', 'CloseMetabase']);
  });

  it('should not wait longer than its close limit for an OpenMetabase that hangs, and close that session once it answers', async () => {
    sim.inject({ op: 'OpenMetabase', kind: 'slow', delayMs: 600 });
    const s = make({ closeTimeoutMs: 100 });
    const pending = s.connection().catch((e: unknown) => e);
    await waitFor(() => sim.requests.length === 1, 'OpenMetabase sent');
    await s.close();
    assert.deepEqual(opsSince(sim), ['OpenMetabase'], 'close returned before the answer');
    await pending;
    await waitFor(() => opsSince(sim).includes('CloseMetabase'), 'the late session closed');
    await waitFor(() => sim.liveSessions === 0, 'no session left');
  });

  it('should use a pasted moniker as is, never close it, and refuse it once it is reported dead', async () => {
    const s = make({ repositoryId: undefined, connectionMoniker: 'ABCDEFGHIJKLGOAEABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP!M' });
    const conn = await s.connection();
    s.invalidate(conn);
    await assert.rejects(s.connection(), (e: IntegrationError) => e.code === 'SESSION' && !e.retriable && !e.message.includes(conn));
    await s.close();
    assert.equal(sim.requests.length, 0);
  });

  it('should run the keep-alive probe only while a lease is held and the session was idle', async () => {
    const { fake, clock } = fakeClock();
    const s = make({ clock, keepAliveMs: 1000 });
    await s.connection();
    let probes = 0;
    const lease = s.acquire(async () => {
      probes += 1;
    });
    await fake.tickAsync(1000);
    assert.equal(probes, 1);
    await fake.tickAsync(900);
    s.touch();
    await fake.tickAsync(100);
    assert.equal(probes, 1, 'recent activity postpones the probe');
    lease.release();
    await fake.tickAsync(5000);
    assert.equal(probes, 1);
    assert.equal(fake.countTimers(), 0);
  });

  it('should record every answered call made through track() as activity, and no failed one', async () => {
    const { fake, clock } = fakeClock();
    const s = make({ clock, keepAliveMs: 1000 });
    await s.connection();
    let probes = 0;
    const lease = s.acquire(async () => {
      probes += 1;
    });
    const api = s.track({ read: async (ok: boolean) => (ok ? 'answer' : Promise.reject(new Error('no answer'))), name: 'api' });
    assert.equal(api.name, 'api');
    await fake.tickAsync(900);
    assert.equal(await api.read(true), 'answer');
    await fake.tickAsync(100);
    assert.equal(probes, 0, 'an answered call postpones the probe');
    await fake.tickAsync(900);
    await assert.rejects(api.read(false), /no answer/);
    await fake.tickAsync(100);
    assert.equal(probes, 1, 'a failed call is no activity');
    lease.release();
  });

  it("should try the next holder's probe when the first one fails", async () => {
    const { fake, clock } = fakeClock();
    const s = make({ clock, keepAliveMs: 1000 });
    await s.connection();
    const calls: string[] = [];
    const a = s.acquire(async () => {
      calls.push('a');
      throw new Error('process of a is gone');
    });
    const b = s.acquire(async () => {
      calls.push('b');
    });
    await fake.tickAsync(1000);
    assert.deepEqual(calls, ['a', 'b']);
    a.release();
    b.release();
  });

  it('should reject a configuration with neither repository nor moniker', () => {
    assert.throws(() => new ForesightSession({ client }), (e: IntegrationError) => e.code === 'CONFIG');
  });
});
