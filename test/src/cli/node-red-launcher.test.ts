import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPortFree, launchNodeRed, NodeRedStartError, prepareUserDir, SETTINGS_FILE } from '../../../src/cli/node-red-launcher';

describe('Node-RED launcher', function () {
  this.timeout(90_000);
  let userDir: string;

  beforeEach(function () {
    userDir = mkdtempSync(join(tmpdir(), 'launcher-'));
  });

  afterEach(function () {
    rmSync(userDir, { recursive: true, force: true });
  });

  it('should start Node-RED on a free port, serve the admin API and stop it', async function () {
    prepareUserDir({ userDir, flows: [{ id: 't1', type: 'tab', label: 'one' }] });
    const nodeRed = await launchNodeRed({ userDir, port: 0 });
    try {
      assert.match(nodeRed.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const flows = (await (await fetch(new URL('flows', nodeRed.url), { headers: { Accept: 'application/json' } })).json()) as { id: string }[];
      assert.deepEqual(flows.map((n) => n.id), ['t1']);
    } finally {
      await nodeRed.stop();
    }
    assert.notEqual(nodeRed.child.exitCode ?? nodeRed.child.signalCode, null, 'the process has exited');
  });

  it('should fail with Node-RED\'s own output when it exits before it is ready', async function () {
    prepareUserDir({ userDir });
    writeFileSync(join(userDir, SETTINGS_FILE), 'module.exports = {; // broken');
    await assert.rejects(launchNodeRed({ userDir, port: 0 }), (err: unknown) => {
      assert.ok(err instanceof NodeRedStartError);
      assert.match(err.message, /exited before it was ready/);
      assert.ok(err.lines.length > 0, 'keeps the output');
      return true;
    });
  });

  it('should report a busy port before anything is started', async function () {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    try {
      await assert.rejects(checkPortFree('127.0.0.1', port), { code: 'EADDRINUSE' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await checkPortFree('127.0.0.1', port);
  });
});
