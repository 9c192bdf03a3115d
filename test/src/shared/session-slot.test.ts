import assert from 'node:assert/strict';
import { fakeClock } from '../../helpers/foresight';
import type { FakeClock } from '../../helpers/foresight';
import { sleep } from '../../../src/shared/clock';
import type { Clock } from '../../../src/shared/clock';
import { ClosedError, IntegrationError } from '../../../src/shared/errors';
import { isLoginRefused } from '../../../src/shared/login-refusal';
import { SessionSlot } from '../../../src/shared/session-slot';
import type { SessionSlotOptions } from '../../../src/shared/session-slot';

/** A server whose logins take `loginMs` on the fake clock; `refuse` makes the next ones refused. */
class FakeServer {
  logins = 0;
  released: string[] = [];
  loginMs = 100;
  refuse = false;
  ignoreAbort = false;

  constructor(private readonly clock: Clock) {}

  async login(signal: AbortSignal): Promise<string> {
    this.logins += 1;
    const n = this.logins;
    await sleep(this.clock, this.loginMs, this.ignoreAbort ? undefined : signal);
    if (this.refuse) throw new IntegrationError('SESSION', 'wrong password', { retriable: false });
    return `s${n}`;
  }
}

describe('SessionSlot', () => {
  let fake: FakeClock;
  let server: FakeServer;

  beforeEach(() => {
    const clocks = fakeClock();
    fake = clocks.fake;
    server = new FakeServer(clocks.clock);
  });

  const slot = (extra: Partial<SessionSlotOptions<string>> = {}): SessionSlot<string> =>
    new SessionSlot<string>({
      login: (signal) => server.login(signal),
      release: async (id) => {
        server.released.push(id);
      },
      pastedDied: () => new IntegrationError('SESSION', 'the pasted id died', { retriable: false }),
      closed: () => new ClosedError('slot closed'),
      closeWaitMs: 50,
      ...extra,
    });

  it('should log in once for callers that ask at the same time, and hand out that session afterwards', async () => {
    const s = slot();
    const asks = [s.get(), s.get(), s.get()];
    await fake.tickAsync(100);
    assert.deepEqual(await Promise.all(asks), ['s1', 's1', 's1']);
    assert.equal(await s.get(), 's1');
    assert.equal(server.logins, 1);
    assert.equal(s.id, 's1');
  });

  it('should let one caller give up on its own signal while the login goes on for the others', async () => {
    const s = slot();
    const impatient = new AbortController();
    const a = assert.rejects(s.get(impatient.signal), (e: IntegrationError) => e.code === 'ABORTED');
    const b = s.get();
    impatient.abort();
    await a;
    await fake.tickAsync(100);
    assert.equal(await b, 's1');
    assert.equal(server.logins, 1);
  });

  it('should drop a session reported dead only while it is the current one', async () => {
    const s = slot();
    const first = s.get();
    await fake.tickAsync(100);
    assert.equal(s.invalidate(await first), 'dropped');
    const second = s.get();
    await fake.tickAsync(100);
    assert.equal(await second, 's2');
    assert.equal(s.invalidate('s1'), 'stale', 'a late report of the old session');
    assert.equal(await s.get(), 's2');
    assert.equal(server.logins, 2);
  });

  it('should use a pasted id as is, never log in nor release it, and refuse it once it died', async () => {
    const s = slot({ pasted: 'p1' });
    assert.equal(await s.get(), 'p1');
    s.adopt('remembered');
    assert.equal(s.id, 'p1', 'a remembered id never replaces a pasted one');
    assert.equal(s.invalidate('p1'), 'pasted-died');
    await assert.rejects(s.get(), /the pasted id died/);
    await s.close();
    assert.equal(server.logins, 0);
    assert.deepEqual(server.released, []);
  });

  it('should adopt a remembered id only while there is no session and no login', async () => {
    const s = slot();
    s.adopt('old');
    assert.equal(await s.get(), 'old');
    assert.equal(s.invalidate('old'), 'dropped');
    const pending = s.get();
    s.adopt('too-late');
    await fake.tickAsync(100);
    assert.equal(await pending, 's1');
    assert.equal(server.logins, 1);
  });

  it('should hold a refused login for every caller until allowLogin', async () => {
    server.refuse = true;
    const s = slot();
    const first = assert.rejects(s.get(), (e: IntegrationError) => isLoginRefused(e) && e.code === 'CONFIG');
    await fake.tickAsync(100);
    await first;
    await assert.rejects(s.get(), (e: IntegrationError) => isLoginRefused(e));
    assert.equal(s.loginRefused, true);
    assert.equal(server.logins, 1);
    server.refuse = false;
    s.allowLogin();
    const again = s.get();
    await fake.tickAsync(100);
    assert.equal(await again, 's2');
  });

  it('should release the session it opened on close, refuse use afterwards, and keep it when asked to', async () => {
    const s = slot();
    const got = s.get();
    await fake.tickAsync(100);
    await got;
    await s.close();
    await s.close();
    assert.deepEqual(server.released, ['s1']);
    await assert.rejects(s.get(), /slot closed/);
    const kept = slot();
    const keptGot = kept.get();
    await fake.tickAsync(100);
    await keptGot;
    await kept.close({ release: false });
    assert.deepEqual(server.released, ['s1'], 'the second session is left for a later run');
  });

  it('should abort a login in flight on close', async () => {
    const s = slot();
    const pending = assert.rejects(s.get(), (e: IntegrationError) => e.code === 'ABORTED');
    await s.close();
    await pending;
    assert.deepEqual(server.released, []);
  });

  it('should release a session whose login answers after close, and tell its callers the slot closed', async () => {
    server.ignoreAbort = true;
    const s = slot();
    const pending = s.get().catch((e: unknown) => e);
    await s.close();
    assert.deepEqual(server.released, [], 'close did not wait past its limit');
    await fake.tickAsync(100);
    assert.match(String(await pending), /slot closed/);
    assert.deepEqual(server.released, ['s1']);
  });
  it('should pass a refused login on as it is and try again at the next get when it holds no refusals', async () => {
    server.refuse = true;
    const s = slot({ holdRefusedLogin: false });
    const first = assert.rejects(s.get(), (e: IntegrationError) => !isLoginRefused(e) && e.message === 'wrong password');
    await fake.tickAsync(100);
    await first;
    assert.equal(s.loginRefused, false);
    server.refuse = false;
    const again = s.get();
    await fake.tickAsync(100);
    assert.equal(await again, 's2', 'tried again without allowLogin');
    assert.equal(server.logins, 2);
  });

  it('should release on release() the session a login in flight answers with, and log in afresh afterwards', async () => {
    const s = slot();
    const pending = s.get();
    const released = s.release();
    await fake.tickAsync(100);
    assert.equal(await pending, 's1', 'the caller of the login still gets its answer');
    await released;
    assert.deepEqual(server.released, ['s1']);
    assert.equal(s.id, undefined);
    await s.release();
    assert.deepEqual(server.released, ['s1'], 'nothing twice');
    const next = s.get();
    await fake.tickAsync(100);
    assert.equal(await next, 's2', 'the slot stays open');
    assert.equal(s.isClosed, false);
  });

  it('should keep a pasted id through release(), alive or dead, and never release it', async () => {
    const alive = slot({ pasted: 'p1' });
    await alive.release();
    assert.equal(await alive.get(), 'p1');
    const dead = slot({ pasted: 'p2' });
    assert.equal(dead.invalidate('p2'), 'pasted-died');
    await dead.release();
    await assert.rejects(dead.get(), /the pasted id died/);
    assert.deepEqual(server.released, []);
    assert.equal(server.logins, 0);
  });
});
