import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { StatusName } from '../../masterscada/status-codes';
import { DEFAULT_ACKNOWLEDGE_FIELDS, LOGIN_FIELDS, METHOD_PATH_PREFIX } from '../../masterscada/vendor';
import type { MethodNames } from '../../masterscada/vendor';
import { describeError, snippet } from '../../shared/errors';
import { FaultQueue } from '../fault-queue';
import { PendingTimers, listenForUrl, reply } from '../http-server';
import { encodeStatus } from './encoding';
import type { CodeEncoding } from './encoding';
import type { SimRuntime } from './runtime';
import { SimStatus } from './runtime';

/** What the simulator did with a request it received. */
export type FaultKind = 'drop' | 'delay' | 'http500' | 'raw';

/**
 * A scripted misbehaviour for the next matching request(s).
 * - `drop`: the request is carried out, then the connection is cut without an answer (a lost answer).
 * - `delay`: the request is carried out and answered after `delayMs`.
 * - `http500`: answered with HTTP 500 and a text body; nothing is carried out.
 * - `raw`: answered with `status` (default 200) and `body` as given; nothing is carried out.
 */
export interface Fault {
  kind: FaultKind;
  /** Only requests to this method (e.g. "PublishEvents"); any method when omitted. */
  method?: string;
  /** How many requests it applies to (default 1). */
  times?: number;
  /** Let this many matching requests pass before the fault applies (e.g. page 3 of an archive read). */
  skip?: number;
  delayMs?: number;
  status?: number;
  body?: string;
  contentType?: string;
}

export interface LoggedRequest {
  method: string;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** Wall-clock time the request arrived. */
  at: number;
  fault?: FaultKind;
}

export interface SimServerOptions {
  host: string;
  port: number;
  methods: MethodNames;
  codeEncoding: CodeEncoding;
  maxBodyBytes: number;
  /** Oldest log entries are dropped beyond this, so a long-running simulator keeps a bounded log. */
  requestLogLimit: number;
  /** Serve https with this key and certificate instead of http. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** False: answer GetState as the backup (slave) of a redundant pair. */
  isMaster?: boolean;
}

type Answer = Record<string, unknown>;

/** The HTTP face of the simulated runtime: `POST /Methods/<Name>`, request log, fault injection. */
export class SimServer {
  readonly requests: LoggedRequest[] = [];
  private readonly faults = new FaultQueue<Fault>((f, method) => !f.method || f.method === method);
  private readonly server: http.Server | https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new PendingTimers();
  private readonly handlers: Record<string, (body: Answer) => Answer>;

  constructor(
    private readonly runtime: SimRuntime,
    private readonly options: SimServerOptions,
  ) {
    const m = options.methods;
    this.handlers = {
      [m.login]: (b) => ({ ...this.runtime.login(b[LOGIN_FIELDS.login], b[LOGIN_FIELDS.password]) }),
      [m.logout]: (b) => (this.runtime.logout(b.sessionId), {}),
      [m.getState]: (b) => this.state(b.sessionId),
      [m.createSubscription]: (b) => ({ subscriptionId: this.runtime.createSubscription(b.sessionId) }),
      [m.deleteSubscription]: (b) => (this.runtime.deleteSubscription(b.sessionId, b.subscriptionId), {}),
      [m.createMonitoredEvents]: (b) => ({
        items: this.runtime.createMonitoredEvents(b.sessionId, b.subscriptionId, b.items).map((s) => ({ statusCode: encodeStatus(s, this.options.codeEncoding) })),
      }),
      [m.refreshEvents]: (b) => (this.runtime.refreshEvents(b.sessionId, b.subscriptionId), {}),
      [m.publishEvents]: (b) => ({ ...this.runtime.publishEvents(b.sessionId, b.subscriptionId, b.ackSequenceNumber) }),
      [m.getArchivedEvents]: (b) => ({ ...this.runtime.getArchivedEvents(b.sessionId, b) }),
      [m.acknowledge]: (b) => ({
        [DEFAULT_ACKNOWLEDGE_FIELDS.results]: this.runtime
          .acknowledgeEvents(b.sessionId, b[DEFAULT_ACKNOWLEDGE_FIELDS.eventIds], b[DEFAULT_ACKNOWLEDGE_FIELDS.comment])
          .map((s) => ({ statusCode: encodeStatus(s, this.options.codeEncoding) })),
      }),
    };
    const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => this.handle(req, res);
    this.server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
    // For https, 'connection' gives the raw TCP socket: the one to count and to destroy.
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  private boundPort: number | undefined;

  /** Stop answering (every connection cut) until listen() is called again; the same port is used then. */
  async pause(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async listen(): Promise<string> {
    const { url, port } = await listenForUrl(this.server, this.boundPort ?? this.options.port, this.options.host, Boolean(this.options.tls));
    this.boundPort = port;
    return url;
  }

  inject(fault: Fault): void {
    this.faults.inject(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    this.timers.cancelAll();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    const method = url.startsWith(METHOD_PATH_PREFIX) ? decodeURIComponent(url.slice(METHOD_PATH_PREFIX.length).split('?')[0]) : '';
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= this.options.maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // logged as text; answered below
      }
      const entry: LoggedRequest = { method, body, at: Date.now() };
      this.requests.push(entry);
      if (this.requests.length > this.options.requestLogLimit) this.requests.splice(0, this.requests.length - this.options.requestLogLimit);
      if (req.method !== 'POST') return reply(res, 405, 'text/plain', 'only POST is supported');
      const handler = Object.prototype.hasOwnProperty.call(this.handlers, method) ? this.handlers[method] : undefined;
      if (!handler) return reply(res, 404, 'text/plain', `unknown method ${snippet(method, 60)}`);
      if (size > this.options.maxBodyBytes) return reply(res, 413, 'text/plain', 'request too large');
      const fault = this.faults.take(method);
      if (fault) entry.fault = fault.kind;
      if (fault?.kind === 'http500') return reply(res, 500, 'text/plain', fault.body ?? 'Internal Server Error');
      if (fault?.kind === 'raw') return reply(res, fault.status ?? 200, fault.contentType ?? 'application/json', fault.body ?? '');
      const answer = this.run(handler, body);
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      const json = JSON.stringify(answer);
      if (fault?.kind === 'delay') {
        this.timers.after(fault.delayMs ?? 1000, () => reply(res, 200, 'application/json; charset=utf-8', json));
        return;
      }
      reply(res, 200, 'application/json; charset=utf-8', json);
    });
  }

  private run(handler: (body: Answer) => Answer, body: unknown): Answer {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return this.status('BadInvalidArgument', 'request body must be a JSON object');
    try {
      return { code: 0, ...handler(body as Answer) };
    } catch (err) {
      if (err instanceof SimStatus) return this.status(err.status, err.message);
      return this.status('BadInternalError', describeError(err));
    }
  }

  private state(sessionId: unknown): Answer {
    const base = {
      errorText: '',
      projectId: this.runtime.projectId,
      projectSessionId: this.runtime.projectSessionId,
      isMaster: this.options.isMaster !== false,
      status: this.options.isMaster === false ? 0 : 0x4,
    };
    // GetState reports BadSessionIdInvalid for a missing or inactive session, with the server fields still filled (docs/masterscada.md#s1-getstate).
    try {
      return { ...base, currentOperator: this.runtime.getState(sessionId).operator };
    } catch (err) {
      if (err instanceof SimStatus) return { ...this.status(err.status, ''), ...base, currentOperator: '' };
      throw err;
    }
  }

  private status(name: StatusName, text: string): Answer {
    return { code: encodeStatus(name, this.options.codeEncoding), errorText: text };
  }
}
