import assert from 'node:assert/strict';
import { BpmMonitor } from '../../../src/foresight/bpm-monitor';
import type { MonitorFailure, MonitorFrame } from '../../../src/foresight/bpm-monitor';
import { PpsomClient } from '../../../src/foresight/client';
import { ForesightSession } from '../../../src/foresight/session';
import type { IntegrationError } from '../../../src/shared/errors';
import { SEED } from '../../../src/sim/foresight';
import type { ForesightSimulator } from '../../../src/sim/foresight';
import { TEST_TLS } from '../../helpers/foresight-tls';
import { startSim, waitFor } from '../../helpers/foresight';

describe('Foresight over TLS (https + wss)', () => {
  let sim: ForesightSimulator;
  const closers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    sim = await startSim({ tls: TEST_TLS });
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await sim.close();
  });

  it('should run the chain over https and follow the instance over wss with the same TLS options', async () => {
    assert.ok(sim.url.startsWith('https://'));
    const tls = { ca: TEST_TLS.cert };
    const client = new PpsomClient({ endpoint: sim.endpoint(), tls });
    const session = new ForesightSession({ client, repositoryId: SEED.repositoryId, user: 'demo', password: 'demo' });
    const monitor = new BpmMonitor({ client, session, processKey: SEED.processKey, tls });
    closers.push(() => client.close(), () => session.close(), () => monitor.stop());
    const frames: MonitorFrame[] = [];
    monitor.on('frame', (f) => frames.push(f));
    monitor.start();
    await waitFor(() => frames.length === 1, 'the snapshot over wss');
    assert.equal(sim.sockets[0].accepted, true);
  });

  it('should refuse a server certificate it does not trust, over https and over wss', async () => {
    const client = new PpsomClient({ endpoint: sim.endpoint() });
    closers.push(() => client.close());
    await assert.rejects(client.openMetabase(SEED.repositoryId, { user: 'demo', password: 'demo' }), (e: IntegrationError) => e.code === 'TRANSPORT');

    // The HTTP side trusts the certificate, the socket does not: the socket must fail.
    const trusting = new PpsomClient({ endpoint: sim.endpoint(), tls: { ca: TEST_TLS.cert } });
    const session = new ForesightSession({ client: trusting, repositoryId: SEED.repositoryId, user: 'demo', password: 'demo' });
    const monitor = new BpmMonitor({ client: trusting, session, processKey: SEED.processKey });
    closers.push(() => trusting.close(), () => session.close(), () => monitor.stop());
    const failures: MonitorFailure[] = [];
    monitor.on('failure', (f) => failures.push(f));
    monitor.start();
    await waitFor(() => failures.length === 1, 'the socket failure');
    assert.match(failures[0].error.message, /monitoring socket refused: .*(self-signed|certificate)/i);
    assert.equal(sim.sockets.length, 0);
  });
});
