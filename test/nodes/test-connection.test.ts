/**
 * The "Test connection" admin endpoints of both config nodes, in a real Node-RED with an admin login,
 * against the simulators: what the dialog sends (stored credentials included), what comes back in
 * words, and who may call it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import bcrypt = require('bcryptjs');
import { startForesightSimulator, SEED, type ForesightSimulator } from '../../src/sim/foresight';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import { startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';

const PASSWORD = `pw-${Math.random().toString(36).slice(2, 10)}`;
const ADMIN_PASSWORD = 'admin-secret';

describe('test connection endpoints (real Node-RED, admin login)', function () {
  this.timeout(60_000);
  let masterScada: MasterScadaSimulator;
  let backup: MasterScadaSimulator;
  let foresight: ForesightSimulator;
  let nodeRed: NodeRedRuntime;
  let adminToken: string;
  let viewerToken: string;

  before(async function () {
    masterScada = await startMasterScadaSimulator({ accounts: { operator: PASSWORD }, alarmRate: 0 });
    backup = await startMasterScadaSimulator({ accounts: { operator: PASSWORD }, alarmRate: 0, isMaster: false });
    foresight = await startForesightSimulator({ users: { operator: PASSWORD }, stepMs: 0 });
    const hash = bcrypt.hashSync(ADMIN_PASSWORD, 8);
    nodeRed = await startNodeRedRuntime({
      settings: {
        credentialSecret: 'test-connection-key',
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: hash, permissions: '*' },
            { username: 'viewer', password: hash, permissions: 'read' },
          ],
        },
      },
      // Deployed config nodes whose stored credentials a dialog with an unchanged password uses.
      flows: [
        { id: 'ms1', type: 'masterscada-server', name: 'stored', url: masterScada.url, timeout: 5 },
        { id: 'fs1', type: 'foresight-server', name: 'stored', endpoint: foresight.endpoint(), repository: SEED.repositoryId, transport: 'json', timeout: 5 },
      ],
      echo: process.env.ECHO === '1',
      credentials: { ms1: { username: 'operator', password: PASSWORD }, fs1: { username: 'operator', password: PASSWORD } },
    });
    const started = Date.now();
    while (!nodeRed.lines.some((l) => /Started flows/.test(l)) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 100));
    adminToken = await token('admin', '*');
    viewerToken = await token('viewer', 'read');
  });

  after(async function () {
    await nodeRed?.stop();
    await masterScada?.close();
    await backup?.close();
    await foresight?.close();
  });

  async function token(username: string, scope: string): Promise<string> {
    const res = await nodeRed.apiJson<{ access_token: string }>('auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password: ADMIN_PASSWORD }).toString(),
    });
    return res.access_token;
  }

  async function post(type: string, body: unknown, bearer: string | undefined = adminToken): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
    const res = await nodeRed.api(`${type}/test-connection`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON (401/403 pages)
    }
    return { status: res.status, json, text };
  }

  it('should refuse callers that are not logged in or may only read', async function () {
    for (const type of ['masterscada-server', 'foresight-server']) {
      assert.equal((await post(type, {}, '')).status, 401, `${type} without a token`);
      // Node-RED's needsPermission answers 401 for a missing permission as well.
      assert.equal((await post(type, {}, viewerToken)).status, 401, `${type} for a read-only user`);
    }
  });

  it('MasterSCADA: should log in with the dialog\'s unsaved account, read GetState and log out again', async function () {
    const before = masterScada.requests.length;
    const r = await post('masterscada-server', { id: 'new-node', url: masterScada.url, timeout: 5, credentials: { username: 'operator', password: PASSWORD, sessionId: '' } });
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, true, r.text);
    assert.equal(r.json.isMaster, true);
    assert.equal(r.json.session, 'login');
    assert.equal(r.json.operator, 'operator');
    assert.equal(r.json.fault, false);
    assert.ok(String(r.json.projectId).length > 0, 'the project id is reported');
    assert.ok(String(r.json.projectSessionId).length > 0, 'the run is reported');
    const methods = masterScada.requests.slice(before).map((q) => q.method);
    assert.deepEqual(methods.filter((m) => ['Login', 'GetState', 'Logout'].includes(m)), ['Login', 'GetState', 'Logout']);
    assert.equal(masterScada.sessionCount, 0, 'the test session is not left open');
  });

  it('MasterSCADA: should say when the server is the backup of a redundant pair', async function () {
    const r = await post('masterscada-server', { url: backup.url, credentials: { username: 'operator', password: PASSWORD } });
    assert.equal(r.json.ok, true, r.text);
    assert.equal(r.json.isMaster, false);
  });

  it('MasterSCADA: should use the stored password of the node when the dialog shows it unchanged', async function () {
    const r = await post('masterscada-server', { id: 'ms1', url: masterScada.url, credentials: { username: 'operator', password: '__PWRD__' } });
    assert.equal(r.json.ok, true, r.text);
    assert.equal(r.json.session, 'login');
    // The same placeholder for a node that has no stored credentials is a wrong password.
    const other = await post('masterscada-server', { id: 'unknown', url: masterScada.url, credentials: { username: 'operator', password: '__PWRD__' } });
    assert.equal(other.json.ok, false, other.text);
  });

  it('MasterSCADA: should report a wrong password and an unreachable server with a code, never echoing the password', async function () {
    const wrong = `${PASSWORD}-wrong`;
    const bad = await post('masterscada-server', { url: masterScada.url, credentials: { username: 'operator', password: wrong } });
    assert.equal(bad.json.ok, false, bad.text);
    assert.ok(typeof bad.json.code === 'string' && bad.json.code !== 'INTERNAL', bad.text);
    assert.ok(!bad.text.includes(wrong), 'the password is in the answer');

    const port = await closedPort();
    const down = await post('masterscada-server', { url: `http://127.0.0.1:${port}`, timeout: 2, credentials: { username: 'operator', password: PASSWORD } });
    assert.equal(down.json.ok, false, down.text);
    assert.equal(down.json.code, 'TRANSPORT', down.text);

    const noScheme = await post('masterscada-server', { url: 'scada-rt:8043' });
    assert.equal(noScheme.json.code, 'CONFIG', noScheme.text);
  });

  it('Foresight: should open the repository with the dialog\'s account and close it again', async function () {
    const before = foresight.requests.length;
    const r = await post('foresight-server', { id: 'new', endpoint: foresight.endpoint(), transport: 'json', repository: SEED.repositoryId, credentials: { username: 'operator', password: PASSWORD } });
    assert.equal(r.json.ok, true, r.text);
    assert.equal(r.json.repository, SEED.repositoryId);
    assert.equal(r.json.closed, true);
    const ops = foresight.requests.slice(before).map((q) => q.op);
    assert.deepEqual(ops, ['OpenMetabase', 'CloseMetabase']);
    assert.equal(foresight.liveSessions, 0, 'the test session is closed on the server');
    // SOAP too, with the stored password.
    const soap = await post('foresight-server', { id: 'fs1', endpoint: foresight.endpoint(), transport: 'soap', repository: SEED.repositoryId, credentials: { username: 'operator', password: '__PWRD__' } });
    assert.equal(soap.json.ok, true, soap.text);
  });

  it('Foresight: should say why it failed: wrong password, host-only address, no repository', async function () {
    const wrong = `${PASSWORD}-x`;
    const bad = await post('foresight-server', { endpoint: foresight.endpoint(), repository: SEED.repositoryId, credentials: { username: 'operator', password: wrong } });
    assert.equal(bad.json.ok, false, bad.text);
    assert.ok(!bad.text.includes(wrong));
    const hostOnly = await post('foresight-server', { endpoint: foresight.url, repository: SEED.repositoryId, credentials: { username: 'operator', password: PASSWORD } });
    assert.equal(hostOnly.json.code, 'CONFIG', hostOnly.text);
    assert.match(String(hostOnly.json.message), /service path/);
    const noRepo = await post('foresight-server', { endpoint: foresight.endpoint(), repository: '', credentials: { username: 'operator', password: PASSWORD } });
    assert.equal(noRepo.json.code, 'CONFIG', noRepo.text);
  });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
