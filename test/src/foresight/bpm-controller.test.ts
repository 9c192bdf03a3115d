import assert from 'node:assert/strict';
import { BpmController } from '../../../src/foresight/bpm-control';
import type { ControlOutcome } from '../../../src/foresight/bpm-control';
import { PpsomClient } from '../../../src/foresight/client';
import { ForesightSession } from '../../../src/foresight/session';
import { SEED } from '../../../src/sim/foresight';
import type { ForesightSimulator } from '../../../src/sim/foresight';
import type { IntegrationError } from '../../../src/shared/errors';
import { fakeClock, startSim, waitFor } from '../../helpers/foresight';
import type { FakeClock } from '../../helpers/foresight';

const KEEPALIVE_MS = 10_000;

describe('BpmController: its opened process under failures', () => {
  let sim: ForesightSimulator;
  let client: PpsomClient;
  let session: ForesightSession;
  let fake: FakeClock;
  let controller: BpmController | undefined;

  beforeEach(async () => {
    sim = await startSim();
    sim.startInstance({ key: '98038' });
    sim.startInstance({ key: '98039' });
    client = new PpsomClient({ endpoint: sim.endpoint(), timeoutMs: 2000 });
    const clocks = fakeClock();
    fake = clocks.fake;
    session = new ForesightSession({ client, repositoryId: SEED.repositoryId, user: 'demo', password: 'demo', clock: clocks.clock, keepAliveMs: KEEPALIVE_MS });
  });

  afterEach(async () => {
    await controller?.close();
    controller = undefined;
    await session.close();
    await client.close();
    await sim.close();
  });

  const stop = async (c: BpmController, key: string): Promise<ControlOutcome> => (await c.run({ oper: 'ProcessStop', instanceKeys: [key] }))[0]!;

  /** Let the keep-alive run once: idle for its interval, then its probe answered. */
  async function keepAliveOnce(): Promise<void> {
    const before = sim.callCount('GetProcessInstances');
    await fake.tickAsync(KEEPALIVE_MS);
    await waitFor(() => sim.callCount('GetProcessInstances') === before + 1, 'the keep-alive probe');
    await new Promise((r) => setTimeout(r, 50));
  }

  it('should open a fresh session and process after the keep-alive found the session dead', async () => {
    const c = (controller = new BpmController({ client, session, processKey: SEED.processKey }));
    assert.equal((await stop(c, '98038')).status, 'done');
    sim.inject({ kind: 'session', op: 'GetProcessInstances' });
    await keepAliveOnce();
    assert.equal((await stop(c, '98039')).status, 'done');
    assert.deepEqual([sim.callCount('OpenMetabase'), sim.callCount('OpenBpmProcess')], [2, 2], 'the dead process is not used again');
    await c.close();
    assert.deepEqual(sim.requests.filter((r) => r.op === 'CloseBpmProcess').map((r) => r.status), [200], 'the process in use closed once');
  });

  it('should try a pasted process moniker again after a SESSION fault, and never close it', async () => {
    const mb = await client.openMetabase(SEED.repositoryId, { user: 'demo', password: 'demo' });
    const pasted = await client.openBpmProcess(mb.id, SEED.processKey);
    const c = (controller = new BpmController({ client, session, processMoniker: pasted }));
    assert.equal((await stop(c, '98038')).status, 'done');
    sim.inject({ kind: 'session', op: 'GetProcessInstances' });
    await keepAliveOnce();
    assert.equal((await stop(c, '98039')).status, 'done', 'the pasted moniker is tried again');
    assert.deepEqual([sim.callCount('OpenMetabase'), sim.callCount('OpenBpmProcess')], [1, 1], 'only the pasted one, opened by the test');
    await c.close();
    assert.equal(sim.callCount('CloseBpmProcess'), 0);
  });

  it('should abort an OpenBpmProcess under way on close, end the request, and refuse the next one', async () => {
    sim.inject({ kind: 'slow', op: 'OpenBpmProcess', delayMs: 300 });
    const c = (controller = new BpmController({ client, session, processKey: SEED.processKey }));
    const pending = stop(c, '98038');
    await waitFor(() => sim.callCount('OpenBpmProcess') === 1, 'OpenBpmProcess under way');
    await c.close();
    const outcome = await pending;
    assert.deepEqual([outcome.status, (outcome.error as IntegrationError).code], ['failed', 'ABORTED']);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(sim.callCount('CloseBpmProcess'), 0, 'nothing opened for us to close');
    assert.equal(sim.model.instances.get('98038')?.stopped, false);
    await assert.rejects(stop(c, '98039'), (e: IntegrationError) => e.code === 'CLOSED');
  });
});
