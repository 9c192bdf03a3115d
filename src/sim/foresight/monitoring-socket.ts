import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { WS_CLOSE_POLICY, WS_ID_PARAM } from '../../foresight/vendor';
import type { MonitoringChange, MonitoringFrame } from './frames';
import type { InstanceChange, ProcessModel } from './model';
import type { MonitoringToken, SessionTable, SimSession } from './sessions';

export interface SocketLogEntry {
  time: number;
  path: string;
  /** The decoded `id` query parameter. */
  id: string;
  /** The query string as the client sent it (to tell a raw token from a percent-encoded one). */
  rawQuery: string;
  accepted: boolean;
}

interface Binding {
  token: MonitoringToken;
  seq: number;
  ended: boolean;
}

/**
 * The monitoring WebSocket: `GET <path>?id=BPMMONID!{GUID}` (id raw or
 * percent-encoded, docs/foresight.md#websocket-monitoring-channel). An unknown or dead id is refused with HTTP 404
 * before the upgrade. A socket gets a `snapshot` frame, then a `state` frame
 * per change of its instance; the JSON shape is ours (vendor.ts
 * MonitoringFrame). It closes with 1008 when its session ends.
 */
export class MonitoringSockets {
  readonly log: SocketLogEntry[] = [];
  /** When set, pings go unanswered (a half-open connection, for liveness tests). */
  silent = false;
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });
  private readonly bindings = new Map<WebSocket, Binding>();
  /** Every socket ever accepted, for the per-socket frame counts. */
  private readonly history: Binding[] = [];

  constructor(
    private readonly model: ProcessModel,
    private readonly sessions: SessionTable,
    private readonly paths: readonly string[],
  ) {
    model.on('change', (c: InstanceChange) => this.onChange(c));
    sessions.on('ended', (s: SimSession) => this.onSessionEnded(s));
  }

  /** Sockets not yet fully closed, whatever their state. */
  get openCount(): number {
    return this.bindings.size;
  }

  /** Upgrade a request on a monitoring path, or answer 404 for an unknown path or id. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const id = url.searchParams.get(WS_ID_PARAM) ?? '';
    const token = this.paths.includes(url.pathname) ? this.liveToken(id) : undefined;
    const rawQuery = (req.url ?? '').split('?').slice(1).join('?');
    this.log.push({ time: Date.now(), path: url.pathname, id, rawQuery, accepted: Boolean(token) });
    if (!token) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, token));
  }

  /** Cut every socket (or those of one instance) without a close frame (a dropped network). */
  dropAll(instanceKey?: string): void {
    for (const [ws, b] of this.bindings) if (instanceKey === undefined || b.token.instanceKey === instanceKey) ws.terminate();
  }

  /** `count` `state` frames with no changes to every socket of the instance, sent at once. */
  flood(count: number, instanceKey: string): void {
    for (const [ws, b] of this.bindings) {
      if (b.token.instanceKey !== instanceKey) continue;
      for (let i = 0; i < count; i++) this.send(ws, b, 'state', [], false);
    }
  }

  /** Frames sent on each socket ever accepted, in order of acceptance: `sent` is the last `seq` sent on it. */
  frameCounts(): SocketFrameCount[] {
    return this.history.map((b) => ({ url: b.token.url, instanceKey: b.token.instanceKey, sent: b.seq, ended: b.ended }));
  }

  /** Close the sockets of one instance with a close frame (the instance finished); returns how many. */
  closeInstance(instanceKey: string, code: number, reason: string): number {
    let n = 0;
    for (const [ws, b] of this.bindings) {
      if (b.token.instanceKey !== instanceKey || b.ended) continue;
      b.ended = true;
      ws.close(code, reason);
      n += 1;
    }
    return n;
  }

  /** A token whose session lives and whose instance is still listed (a removed instance's token is refused). */
  private liveToken(id: string): MonitoringToken | undefined {
    const token = this.sessions.token(id);
    return token && this.model.instances.has(token.instanceKey) ? token : undefined;
  }

  async close(): Promise<void> {
    for (const ws of this.bindings.keys()) ws.terminate();
    this.bindings.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private attach(ws: WebSocket, token: MonitoringToken): void {
    const binding: Binding = { token, seq: 0, ended: false };
    this.bindings.set(ws, binding);
    this.history.push(binding);
    ws.on('ping', (data) => {
      if (!this.silent) ws.pong(data);
    });
    ws.on('error', () => undefined);
    ws.on('close', () => this.bindings.delete(ws));
    const inst = this.model.instances.get(token.instanceKey);
    if (inst) this.send(ws, binding, 'snapshot', this.model.snapshot(inst), this.model.isFinished(inst));
  }

  private onChange(change: InstanceChange): void {
    for (const [ws, b] of this.bindings) {
      if (b.token.instanceKey === change.instance.key && !this.silent) this.send(ws, b, 'state', change.changes, change.finished);
    }
  }

  private onSessionEnded(s: SimSession): void {
    for (const [ws, b] of this.bindings) {
      if (b.token.session === s && !b.ended) {
        b.ended = true;
        ws.close(WS_CLOSE_POLICY, 'session ended');
      }
    }
  }

  private send(ws: WebSocket, b: Binding, type: MonitoringFrame['type'], changes: MonitoringChange[], finished: boolean): void {
    const inst = this.model.instances.get(b.token.instanceKey);
    if (!inst || b.ended || ws.readyState !== ws.OPEN) return;
    b.seq += 1;
    const frame: MonitoringFrame = {
      type,
      instKey: inst.key,
      instId: inst.instId,
      seq: b.seq,
      time: new Date().toISOString(),
      process: this.model.processes.get(inst.processKey)?.name ?? '',
      finished,
      changes,
    };
    ws.send(JSON.stringify(frame));
  }
}

export interface SocketFrameCount {
  /** The monitoring token the socket was opened with. */
  url: string;
  instanceKey: string;
  /** Frames sent on this socket; they carry `seq` 1..sent. */
  sent: number;
  /** The server closed it (session ended or instance finished). */
  ended: boolean;
}
