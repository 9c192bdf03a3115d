/**
 * A small programmable HTTP + WebSocket server on 127.0.0.1 that answers every
 * request as the current script says: any status, any bytes, stalls, trickles,
 * resets, and WebSocket upgrades followed by raw frames of our choosing
 * (including frames no server may send). The WebSocket side is written by
 * hand on the raw socket, so nothing in between can tidy the violations up.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface HttpRequestInfo {
  path: string;
  body: string;
  /** The PP.SOM operation (root element / key) or the MasterSCADA method, when recognisable. */
  op: string;
}

export type HttpScript =
  | { kind: 'answer'; status: number; body: string | Buffer; contentType?: string; headers?: Record<string, string> }
  /** Headers sent, then the body in small pieces with pauses. */
  | { kind: 'trickle'; status: number; body: string | Buffer; contentType?: string; pieceBytes: number; pauseMs: number }
  /** Headers and part of the body, then the connection is reset. */
  | { kind: 'reset'; status: number; body: string | Buffer; after: number }
  /** Nothing is ever answered (the client's timeout must end it). */
  | { kind: 'stall' }
  /** The connection is destroyed before any answer. */
  | { kind: 'drop' };

export type WsScript =
  | { kind: 'refuse'; status: number }
  /** Upgrade, then write these raw bytes; `then` says what happens after. */
  | { kind: 'frames'; frames: Buffer[]; then: 'keep' | 'end' | 'destroy'; pauseMs?: number };

export interface HostileServerOptions {
  http(req: HttpRequestInfo): HttpScript | Promise<HttpScript>;
  ws(path: string): WsScript;
}

export class HostileServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  readonly requests: HttpRequestInfo[] = [];
  upgrades = 0;
  /** Upgraded sockets the client closed (or reset) while the script kept them open: "dropped at once". */
  clientClosedUpgrades = 0;

  constructor(private readonly options: HostileServerOptions) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    });
    server.on('upgrade', (req, socket: Socket) => this.onUpgrade(req, socket));
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const info = { path, body, op: operationOf(path, body) };
    this.requests.push(info);
    let script: HttpScript;
    try {
      script = await this.options.http(info);
    } catch {
      script = { kind: 'drop' };
    }
    const socket = req.socket;
    switch (script.kind) {
      case 'answer':
        res.writeHead(script.status, { 'content-type': script.contentType ?? 'application/json', ...(script.headers ?? {}) });
        res.end(script.body);
        return;
      case 'trickle': {
        res.writeHead(script.status, { 'content-type': script.contentType ?? 'application/json' });
        const buf = Buffer.isBuffer(script.body) ? script.body : Buffer.from(script.body);
        for (let i = 0; i < buf.length && !socket.destroyed; i += script.pieceBytes) {
          res.write(buf.subarray(i, i + script.pieceBytes));
          await new Promise((r) => setTimeout(r, script.pauseMs));
        }
        res.end();
        return;
      }
      case 'reset': {
        const buf = Buffer.isBuffer(script.body) ? script.body : Buffer.from(script.body);
        res.writeHead(script.status, { 'content-type': 'application/json', 'content-length': String(buf.length) });
        res.write(buf.subarray(0, script.after));
        setTimeout(() => socket.resetAndDestroy(), 20);
        return;
      }
      case 'stall':
        return;
      case 'drop':
        socket.destroy();
        return;
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Socket): void {
    this.upgrades += 1;
    const script = this.options.ws(req.url ?? '/');
    if (script.kind === 'refuse') {
      socket.end(`HTTP/1.1 ${script.status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    let ended = false;
    let counted = false;
    // The HTTP server keeps half-open sockets: the client's FIN shows as 'end', a reset as 'close'.
    // Like the hostile server it plays, it never closes its own side: a client that waits for it waits.
    const clientGone = (): void => {
      if (counted || ended || script.then !== 'keep') return;
      counted = true;
      this.clientClosedUpgrades += 1;
    };
    socket.on('end', clientGone);
    socket.on('close', clientGone);
    socket.on('data', () => undefined);
    void (async () => {
      for (const f of script.frames) {
        if (socket.destroyed) return;
        socket.write(f);
        if (script.pauseMs) await new Promise((r) => setTimeout(r, script.pauseMs));
      }
      if (script.then === 'end') {
        ended = true;
        socket.end();
      } else if (script.then === 'destroy') {
        ended = true;
        socket.destroy();
      }
    })();
  }
}

export interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  mask?: boolean;
  payload?: Buffer | string;
  /** Declare this payload length in the header (and send only `payload`). */
  declaredLength?: number;
}

/** One raw WebSocket frame, server to client (unmasked unless `mask`). */
export function frame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  const length = spec.declaredLength ?? payload.length;
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode];
  const maskBit = spec.mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(...big);
  }
  let body = payload;
  if (spec.mask) {
    const key = Buffer.from([1, 2, 3, 4]);
    head.push(...key);
    body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  }
  return Buffer.concat([Buffer.from(head), body]);
}

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Frames no server may send (RFC 6455), and frames over the size limit; each should drop the socket at once. */
export const WS_VIOLATIONS: ReadonlyArray<{ name: string; frames: Buffer[] }> = [
  { name: 'invalid UTF-8 in a text frame', frames: [frame({ opcode: OPCODE.text, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) })] },
  { name: 'bad close code 999', frames: [frame({ opcode: OPCODE.close, payload: Buffer.from([0x03, 0xe7]) })] },
  { name: 'bad close code 1005 on the wire', frames: [frame({ opcode: OPCODE.close, payload: Buffer.from([0x03, 0xed]) })] },
  { name: 'masked server frame', frames: [frame({ opcode: OPCODE.text, mask: true, payload: '{"a":1}' })] },
  { name: 'RSV1 bit without an extension', frames: [frame({ opcode: OPCODE.text, rsv: 4, payload: '{}' })] },
  { name: 'RSV2 and RSV3 bits', frames: [frame({ opcode: OPCODE.text, rsv: 3, payload: '{}' })] },
  { name: 'continuation without a first fragment', frames: [frame({ opcode: OPCODE.continuation, payload: 'x' })] },
  { name: 'new message inside a fragmented one', frames: [frame({ opcode: OPCODE.text, fin: false, payload: 'a' }), frame({ opcode: OPCODE.text, payload: 'b' })] },
  { name: 'fragmented ping', frames: [frame({ opcode: OPCODE.ping, fin: false, payload: 'p' })] },
  { name: 'reserved opcode 3', frames: [frame({ opcode: 3, payload: 'x' })] },
  { name: 'control frame over 125 bytes', frames: [frame({ opcode: OPCODE.ping, payload: Buffer.alloc(126, 1) })] },
  { name: 'oversize frame, 17 MB declared', frames: [frame({ opcode: OPCODE.text, declaredLength: 17 * 1000 * 1000, payload: 'x' })] },
  { name: 'oversize frame, 100 MB declared', frames: [frame({ opcode: OPCODE.binary, declaredLength: 100 * 1000 * 1000, payload: 'x' })] },
  { name: 'oversize message in 5 MB fragments', frames: [frame({ opcode: OPCODE.text, fin: false, declaredLength: 5 * 1000 * 1000, payload: Buffer.alloc(5 * 1000 * 1000, 0x61) })] },
];

function operationOf(path: string, body: string): string {
  const method = /\/Methods\/([A-Za-z]{1,64})/.exec(path);
  if (method) return method[1]!;
  const json = /^\s*\{\s*"([A-Za-z]{1,64})"/.exec(body.slice(0, 200));
  if (json) return json[1]!;
  const xml = /<(?:\w{1,16}:)?Body[^>]{0,400}>\s*<(?:\w{1,16}:)?([A-Za-z]{1,64})/.exec(body.slice(0, 2000));
  return xml ? xml[1]! : '';
}
