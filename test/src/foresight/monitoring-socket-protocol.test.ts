import assert from 'node:assert/strict';
import { openMonitoringSocket } from '../../../src/foresight/monitoring-socket';
import { IntegrationError } from '../../../src/shared/errors';
import { HostileServer, OPCODE, WS_VIOLATIONS, frame } from '../../fuzz/hostile-server';
import { fakeClock, waitFor } from '../../helpers/foresight';

/**
 * A server that breaks the WebSocket protocol and then keeps the TCP
 * connection open. `ws` alone would send its close frame and wait 30 s for
 * the server's; the socket must instead be dropped at once (well inside this
 * suite's 5 s test timeout) with a PROTOCOL error.
 */
describe('monitoring socket against protocol violations', function () {
  this.timeout(5000);
  let server: HostileServer;
  let script: { frames: Buffer[]; then: 'keep' | 'end' | 'destroy' } = { frames: [], then: 'keep' };

  before(async () => {
    server = new HostileServer({ http: () => ({ kind: 'answer', status: 404, body: '' }), ws: () => ({ kind: 'frames', ...script }) });
    await server.start();
  });
  after(() => server.close());

  function open(): { ended: ReturnType<typeof openMonitoringSocket>['ended']; frames: unknown[] } {
    const frames: unknown[] = [];
    const socket = openMonitoringSocket(`ws://127.0.0.1:${server.port}/service?id=BPMMONID!{X}`, {
      clock: fakeClock().clock,
      handshakeTimeoutMs: 2000,
      pingIntervalMs: 30_000,
      pongTimeoutMs: 10_000,
      signal: new AbortController().signal,
      onOpen: () => undefined,
      onAlive: () => undefined,
      onFrame: (p) => frames.push(p),
    });
    return { ended: socket.ended, frames };
  }

  for (const violation of WS_VIOLATIONS) {
    it(`should drop the socket at once with PROTOCOL on: ${violation.name}`, async () => {
      script = { frames: violation.frames, then: 'keep' };
      const before = server.clientClosedUpgrades;
      const { ended, frames } = open();
      const end = await ended;
      assert.equal(end.opened, true);
      assert.ok(end.error instanceof IntegrationError, String(end.error));
      assert.equal((end.error as IntegrationError).code, 'PROTOCOL');
      assert.equal((end.error as IntegrationError).retriable, true);
      assert.deepEqual(frames, []);
      // The client closed the TCP connection itself: the server never closed it.
      await waitFor(() => server.clientClosedUpgrades === before + 1, 'the client to drop the connection', 2000);
    });
  }

  it('should still pass a valid frame that comes before a violation', async () => {
    script = { frames: [frame({ opcode: OPCODE.text, payload: '{"ok":1}' }), ...WS_VIOLATIONS[0]!.frames], then: 'keep' };
    const { ended, frames } = open();
    const end = await ended;
    assert.equal((end.error as IntegrationError).code, 'PROTOCOL');
    assert.deepEqual(frames, [{ ok: 1 }]);
  });
});
