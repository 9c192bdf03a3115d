import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { openMonitoringSocket } from '../../../src/foresight/monitoring-socket';
import { fakeClock } from '../../helpers/foresight';

// The vendor documents no frame format (docs/foresight.md#websocket-monitoring-channel): whatever a real server sends must reach the flow as it came.
describe('monitoring socket frames', () => {
  let wss: WebSocketServer;

  beforeEach(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  });
  afterEach(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('should pass JSON text parsed, other text as is and binary frames as a Buffer, in the order they came', async () => {
    wss.on('connection', (ws) => {
      ws.send('{"a":1,"b":["x"]}');
      ws.send('not json {');
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      ws.send('"a JSON string"');
      ws.close(1000, 'done');
    });
    const { clock } = fakeClock();
    const frames: Array<{ payload: unknown; isBinary: boolean }> = [];
    let opened = 0;
    const socket = openMonitoringSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/service?id=x`, {
      clock,
      handshakeTimeoutMs: 2000,
      pingIntervalMs: 30_000,
      pongTimeoutMs: 10_000,
      signal: new AbortController().signal,
      onOpen: () => {
        opened += 1;
      },
      onAlive: () => undefined,
      onFrame: (payload, isBinary) => frames.push({ payload, isBinary }),
    });
    const end = await socket.ended;
    assert.equal(opened, 1);
    assert.deepEqual(end, { opened: true, code: 1000, reason: 'done', error: undefined });
    assert.deepEqual(frames, [
      { payload: { a: 1, b: ['x'] }, isBinary: false },
      { payload: 'not json {', isBinary: false },
      { payload: Buffer.from([1, 2, 3]), isBinary: true },
      { payload: 'a JSON string', isBinary: false },
    ]);
  });

  it('should end without opening, with the error, when aborted before the handshake completes', async () => {
    const { clock } = fakeClock();
    const abort = new AbortController();
    wss.on('headers', () => abort.abort());
    const socket = openMonitoringSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/service?id=x`, {
      clock,
      handshakeTimeoutMs: 2000,
      pingIntervalMs: 30_000,
      pongTimeoutMs: 10_000,
      signal: abort.signal,
      onOpen: () => assert.fail('must not open'),
      onAlive: () => undefined,
      onFrame: () => assert.fail('no frame expected'),
    });
    const end = await socket.ended;
    assert.equal(end.opened, false);
  });
});
