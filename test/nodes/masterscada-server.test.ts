import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { MasterScadaClient } from '../../src/masterscada/client';
import type { MasterScadaSimulator } from '../../src/sim/masterscada';
import { selfSignedCert, startSim, waitFor } from '../helpers/masterscada';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import masterScadaServer = require('../../nodes/masterscada-server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import scadaEvents = require('../../nodes/scada-events');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsConfigNode = require('@node-red/nodes/core/network/05-tls.js');

helper.init(require.resolve('node-red'));

interface Caught {
  error?: { message: string; code?: string };
  _error?: { code: string; retriable: boolean };
}

describe('masterscada-server node', () => {
  let userDir: string;
  let sim: MasterScadaSimulator;
  let caught: Caught[];

  function flow(server: Record<string, unknown>, withUser = true): Array<Record<string, unknown>> {
    const nodes: Array<Record<string, unknown>> = [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'srv', type: 'masterscada-server', url: sim.url, timeout: 2, ...server },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
    ];
    if (withUser) {
      nodes.push({
        id: 'ev',
        type: 'scada-events',
        z: 'f1',
        server: 'srv',
        pollInterval: 0.05,
        store: '',
        selections: [{ clientHandle: 1, taskId: 0, itemId: 0, archiveId: 0, path: '', useArchive: false, fields: [{ id: 1, name: 'eventId' }] }],
        wires: [[]],
      });
    }
    return nodes;
  }

  async function load(server: Record<string, unknown>, creds: Record<string, string>, withUser = true, extra: { nodes?: Array<Record<string, unknown>>; credentials?: Record<string, unknown> } = {}): Promise<void> {
    await helper.load([masterScadaServer, scadaEvents, catchNode, tlsConfigNode], [...flow(server, withUser), ...(extra.nodes ?? [])] as never, { srv: creds, ...extra.credentials });
    helper.getNode('hc').on('input', (msg: object) => caught.push(msg as Caught));
  }

  beforeEach(async () => {
    sim = await startSim();
    caught = [];
    userDir = mkdtempSync(join(tmpdir(), 'scada-events-userdir-'));
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(userDir, { recursive: true, force: true });
    await sim.close();
  });

  it('should declare the password and the session id as password-type credentials', async () => {
    await load({}, { username: 'demo', password: 'demo' }, false);
    const creds = (helper.getNode('srv') as unknown as { credentials: Record<string, string> }).credentials;
    assert.equal(creds.password, 'demo');
    // The runtime registry keeps the credential types; only password-type values are hidden from the editor.
    const types = (helper as unknown as { _redNodes: { getCredentialDefinition(t: string): Record<string, { type: string }> } })._redNodes.getCredentialDefinition('masterscada-server');
    assert.deepEqual(types, { username: { type: 'text' }, password: { type: 'password' }, sessionId: { type: 'password' } });
  });

  it('should not contact the server until a node uses it', async () => {
    await load({}, { username: 'demo', password: 'demo' }, false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(sim.requests.length, 0);
  });

  it('should use a pasted session id without logging in, and say clearly when that session has ended', async () => {
    const client = new MasterScadaClient({ url: sim.url });
    const { sessionId } = await client.login('demo', 'demo');
    await client.close();
    await load({}, { sessionId: String(sessionId) });
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'polling with the pasted session');
    assert.equal(sim.requestsFor('Login').length, 1, 'only the login made by the test itself');
    sim.expireSessions();
    await waitFor(() => caught.some((c) => /pasted session id is no longer valid/.test(c.error?.message ?? '')), 'session error', 8000);
    const err = caught.find((c) => /pasted session/.test(c.error?.message ?? ''))!;
    assert.equal(err.error?.code, 'SESSION');
    assert.equal(err._error?.retriable, false);
    assert.equal(sim.requestsFor('Login').length, 1, 'a pasted session is never replaced by a login');
    assert.ok(!JSON.stringify(helper.log().args).includes(String(sessionId)), 'session id in the log');
  });

  it('should report a URL with credentials in it as a settings error without echoing the password', async () => {
    await load({ url: 'http://demo:Topsecret1@127.0.0.1:1' }, {});
    await waitFor(() => caught.length === 1, 'settings error');
    assert.equal(caught[0].error?.code, 'CONFIG');
    assert.ok(!JSON.stringify(helper.log().args).includes('Topsecret1'));
  });

  describe('over https with a core tls-config node', () => {
    const tls = selfSignedCert();
    const tlsNode = (verify: boolean): Record<string, unknown> => ({ id: 'tls1', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: verify });

    beforeEach(async () => {
      await sim.close();
      sim = await startSim({ tls });
    });

    it('should poll over https when the tls-config node holds the CA of the server certificate', async () => {
      assert.ok(sim.url.startsWith('https://'));
      await load({ usetls: true, tls: 'tls1' }, { username: 'demo', password: 'demo' }, true, { nodes: [tlsNode(true)], credentials: { tls1: { cadata: tls.cert } } });
      await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'polling over https');
      assert.deepEqual(caught, []);
    });

    it('should send a certificate it does not trust to Catch as a TRANSPORT error, and send nothing', async () => {
      await load({ usetls: true, tls: 'tls1' }, { username: 'demo', password: 'demo' }, true, { nodes: [tlsNode(true)] });
      await waitFor(() => caught.length === 1, 'the TLS failure');
      assert.equal(caught[0].error?.code, 'TRANSPORT');
      assert.match(caught[0].error?.message ?? '', /self-signed|certificate/i);
      assert.equal(sim.requests.length, 0);
    });
  });
});
