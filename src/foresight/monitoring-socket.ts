import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../shared/clock';
import { IntegrationError, ProtocolError, ResponseFormatError, TransportError, describeError, snippet } from '../shared/errors';
import type { TlsOptions } from '../shared/tls-options';
import { WS_MAX_PAYLOAD_BYTES } from './vendor';

export interface MonitoringSocketOptions {
  clock: Clock;
  tls?: TlsOptions;
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** Aborting terminates the socket; `ended` then resolves. */
  signal: AbortSignal;
  onOpen(): void;
  /** Any sign of life from the server: a pong or a frame. */
  onAlive(): void;
  onFrame(payload: unknown, isBinary: boolean): void;
}

export interface SocketEnd {
  opened: boolean;
  code: number;
  reason: string;
  error?: Error;
}

export interface MonitoringSocket {
  /** Resolves once the socket is closed, whatever the cause; never rejects. */
  readonly ended: Promise<SocketEnd>;
  terminate(): void;
}

/**
 * One lifetime of the monitoring WebSocket. While open it sends a ping every
 * `pingIntervalMs`; when neither a pong nor a frame arrives within
 * `pongTimeoutMs` the socket counts as dead (a half-open TCP connection
 * shows nothing else) and is terminated with a TIMEOUT error.
 */
export function openMonitoringSocket(address: string, options: MonitoringSocketOptions): MonitoringSocket {
  const { clock } = options;
  let ws: WebSocket;
  try {
    ws = new WebSocket(address, {
      ...(options.tls ?? {}),
      handshakeTimeout: options.handshakeTimeoutMs,
      perMessageDeflate: false,
      maxPayload: WS_MAX_PAYLOAD_BYTES,
    });
  } catch (err) {
    // `ws` throws on an address it cannot use (a `#` in the token, a bad host): the server's token is at fault.
    const error = new ResponseFormatError(`the monitoring socket address cannot be used: ${snippet(describeError(err), 120)}`, { cause: err });
    return { ended: Promise.resolve({ opened: false, code: 1006, reason: '', error }), terminate: () => undefined };
  }
  let opened = false;
  let error: Error | undefined;
  let pingTimer: TimerHandle | undefined;
  let pongTimer: TimerHandle | undefined;

  const clearTimers = (): void => {
    if (pingTimer !== undefined) clock.clearTimeout(pingTimer);
    if (pongTimer !== undefined) clock.clearTimeout(pongTimer);
    pingTimer = pongTimer = undefined;
  };
  const alive = (): void => {
    if (pongTimer !== undefined) clock.clearTimeout(pongTimer);
    pongTimer = undefined;
    options.onAlive();
  };
  const schedulePing = (): void => {
    pingTimer = clock.setTimeout(() => {
      pingTimer = undefined;
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.ping();
      pongTimer ??= clock.setTimeout(() => {
        pongTimer = undefined;
        error = new TransportError(`no answer to a WebSocket ping within ${options.pongTimeoutMs} ms`, { timeout: true });
        ws.terminate();
      }, options.pongTimeoutMs);
      schedulePing();
    }, options.pingIntervalMs);
  };
  const onAbort = (): void => ws.terminate();
  options.signal.addEventListener('abort', onAbort, { once: true });

  const ended = new Promise<SocketEnd>((resolve) => {
    ws.on('open', () => {
      opened = true;
      schedulePing();
      options.onOpen();
    });
    ws.on('pong', alive);
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      alive();
      options.onFrame(framePayload(data, isBinary), isBinary);
    });
    ws.on('error', (err: Error) => {
      const mapped = socketError(err);
      error ??= mapped;
      // `ws` answers a protocol violation with a close frame and then waits up to 30 s for the
      // server's; a server that breaks the protocol gets no such courtesy: drop the socket now.
      if (mapped instanceof ProtocolError) ws.terminate();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimers();
      options.signal.removeEventListener('abort', onAbort);
      resolve({ opened, code, reason: reason.toString('utf8'), error });
    });
  });
  return { ended, terminate: () => ws.terminate() };
}

/**
 * Every socket failure as a documented error: `WS_ERR_*` (a frame no server
 * may send, or one over the size limit) is PROTOCOL, anything else TRANSPORT.
 */
export function socketError(err: Error): IntegrationError {
  if (err instanceof IntegrationError) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
    return new ProtocolError(`the server broke the WebSocket protocol (${code}: ${snippet(err.message, 120)})`, { cause: err });
  }
  return new TransportError(`monitoring socket failed: ${typeof code === 'string' ? `${code}: ` : ''}${snippet(err.message, 160)}`, { cause: err });
}

/** Frames are opaque (the vendor documents no format, docs/foresight.md#websocket-monitoring-channel): JSON text parsed, other text as is, binary as a Buffer. */
function framePayload(data: WebSocket.RawData, isBinary: boolean): unknown {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (isBinary) return buf;
  const text = buf.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
