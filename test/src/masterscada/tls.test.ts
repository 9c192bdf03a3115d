import assert from 'node:assert/strict';
import { MasterScadaClient } from '../../../src/masterscada/client';
import type { IntegrationError } from '../../../src/shared/errors';
import type { MasterScadaSimulator } from '../../../src/sim/masterscada';
import { SELECTION, selfSignedCert, startSim } from '../../helpers/masterscada';

describe('MasterScadaClient over https', () => {
  const tls = selfSignedCert();
  let sim: MasterScadaSimulator;
  const clients: MasterScadaClient[] = [];

  beforeEach(async () => {
    sim = await startSim({ tls });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await sim.close();
  });

  function client(options: Partial<ConstructorParameters<typeof MasterScadaClient>[0]> = {}): MasterScadaClient {
    const c = new MasterScadaClient({ url: sim.url, timeoutMs: 2000, ...options });
    clients.push(c);
    return c;
  }

  it('should log in, subscribe and poll when the TLS options trust the server certificate', async () => {
    assert.ok(sim.url.startsWith('https://'));
    const alarm = sim.raise();
    const c = client({ tls: { ca: tls.cert } });
    const { sessionId } = await c.login('demo', 'demo');
    const sub = await c.createSubscription(sessionId);
    await c.createMonitoredEvents(sessionId, sub, [SELECTION]);
    await c.refreshEvents(sessionId, sub);
    const packet = await c.publishEvents(sessionId, sub, undefined);
    assert.equal(packet.recs[0].fields[0], alarm.eventId);
    assert.deepEqual(sim.requests.map((r) => r.method), ['Login', 'CreateSubscription', 'CreateMonitoredEvents', 'RefreshEvents', 'PublishEvents']);
  });

  it('should refuse a certificate it does not trust, before sending anything', async () => {
    const c = client();
    await assert.rejects(c.login('demo', 'demo'), (e: IntegrationError) => e.code === 'TRANSPORT' && /self-signed|certificate/i.test(e.message));
    assert.equal(sim.requests.length, 0);
  });

  it('should accept an untrusted certificate only when verification is turned off', async () => {
    const c = client({ tls: { rejectUnauthorized: false } });
    await c.login('demo', 'demo');
    assert.equal(sim.requestsFor('Login').length, 1);
  });
});
