import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../shared/clock';
import { TransportError } from '../shared/errors';
import type { TlsOptions } from '../shared/http';

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
  const ws = new WebSocket(address, {
    ...(options.tls ?? {}),
    handshakeTimeout: options.handshakeTimeoutMs,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
  });
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
      error ??= err;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimers();
      options.signal.removeEventListener('abort', onAbort);
      resolve({ opened, code, reason: reason.toString('utf8'), error });
    });
  });
  return { ended, terminate: () => ws.terminate() };
}

/** Frames are opaque (the vendor documents no format, spec §7): JSON text parsed, other text as is, binary as a Buffer. */
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
