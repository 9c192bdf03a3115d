import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { PpsomValue } from '../../foresight/codec';
import {
  PPSOM_PATHS,
  SERVER_SESSION_TIMEOUT_MS,
  SESSION_FAULT_CODE_JSON,
  SESSION_FAULT_CODE_SOAP,
  SESSION_FAULT_TEXT,
  WS_SERVICE_PATH,
} from '../../foresight/vendor';
import { MonitoringSockets } from './monitoring-socket';
import type { SocketLogEntry } from './monitoring-socket';
import { ProcessModel, SEED, SEED_PROCESS } from './model';
import type { Instance, InstanceSeed, ProcessDef } from './model';
import { PpsomService, SimFault } from './service';
import { SessionTable } from './sessions';
import { WireError, encodeFault, encodeResult, parseRequest } from './wire';
import type { WireFormat } from './wire';

export { PPSOM_PATHS } from '../../foresight/vendor';
export { SEED, SEED_PROCESS } from './model';
export type { Instance, InstanceSeed, ProcessDef, StageDef, StepDef } from './model';
export type { SocketLogEntry } from './monitoring-socket';

/** The WebSocket paths the simulator accepts monitoring upgrades on (spec §7: with and without the virtual dir). */
export const WS_PATHS = [WS_SERVICE_PATH, `/FPBI_App_v10.x${WS_SERVICE_PATH}`] as const;

export interface ForesightSimulatorOptions {
  /** Default 0 (an ephemeral port). The CLI uses 8810, the BI server's default (spec §1.1). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Repository description id accepted by OpenMetabase; default `WAREHOUSE` (the vendor's example). */
  repositoryId?: string;
  /** User → password; default `{ demo: 'demo' }`. */
  users?: Record<string, string>;
  /** Inactivity after which a session and all its monikers die; default 1 800 000 (TimeoutSec, spec §2.1). */
  sessionTimeoutMs?: number;
  /** Every running instance moves one step on per period; 0 = only on `advance()`. Default 5000. */
  stepMs?: number;
  /** A finished instance starts over on the next step (default true), so a demo never runs dry. */
  loop?: boolean;
  /** Replace the seed process (key 338080) and instance (98037). */
  processes?: ProcessDef[];
  instances?: Array<InstanceSeed & { processKey: string }>;
  /** Serve https:// and wss:// with this key and certificate instead of http:// and ws://. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** One logged PP.SOM request, for tests to assert on what the server received. */
export interface SimRequest {
  time: number;
  path: string;
  format: WireFormat | 'unknown';
  op: string;
  params: PpsomValue;
  status: number;
}

/** A scripted misbehaviour for the next matching request(s). */
export type InjectedFault = {
  /** Operation to match; any operation when omitted. */
  op?: string;
  /** How many requests it applies to; default 1. */
  times?: number;
} & (
  | { kind: 'fault'; message?: string; code?: string; status?: number }
  | { kind: 'session' }
  | { kind: 'http'; status: number; body?: string; contentType?: string }
  | { kind: 'raw'; body: string; status?: number; contentType?: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'drop' }
);

export interface ForesightSimulator {
  /** Server base, e.g. `http://127.0.0.1:PORT` (`https://` with `tls`); append a PPSOM_PATHS value for the endpoint. */
  url: string;
  port: number;
  /** Full endpoint URL for one of the served paths (default: the BI server's virtual-dir path). */
  endpoint(path?: keyof typeof PPSOM_PATHS): string;
  readonly requests: SimRequest[];
  /** Every WebSocket upgrade attempt. */
  readonly sockets: SocketLogEntry[];
  readonly openSockets: number;
  readonly liveSessions: number;
  readonly model: ProcessModel;
  /** Move an instance (default: every running one) one step on; pushes a frame to its sockets. */
  advance(instanceKey?: string): void;
  /** Start a new instance of a process (default: the seed process), newest by start date. */
  startInstance(seed?: Partial<InstanceSeed>, processKey?: string): Instance;
  inject(fault: InjectedFault): void;
  clearFaults(): void;
  /** End every session as if its inactivity timeout passed; returns how many ended. */
  expireSessions(): number;
  /** Cut every monitoring socket without a close frame. */
  dropSockets(): void;
  /** Stop answering WebSocket pings and pushing frames (a half-open connection). */
  setSilent(silent: boolean): void;
  close(): Promise<void>;
}

/**
 * A PP.SOM service (JSON, SOAP 1.1 and envelope-less XML) with the BPM
 * monitoring chain and its WebSocket, seeded with the vendor's examples.
 * Accepts `demo`/`demo` on repository `WAREHOUSE` by default.
 */
export async function startForesightSimulator(options: ForesightSimulatorOptions = {}): Promise<ForesightSimulator> {
  const repositoryId = options.repositoryId ?? SEED.repositoryId;
  const model = new ProcessModel(
    options.processes ?? [SEED_PROCESS],
    options.instances ?? [
      { processKey: SEED.processKey, key: SEED.instanceKey, startDate: SEED.instanceStart, instId: SEED.instId, prms: SEED.prms },
    ],
  );
  const sessions = new SessionTable(options.sessionTimeoutMs ?? SERVER_SESSION_TIMEOUT_MS, Date.now, SEED.monitoringUrl);
  const service = new PpsomService(model, sessions, { repositoryId, users: options.users ?? { [SEED.user]: SEED.password } }, SEED.instanceKey);
  const monitoring = new MonitoringSockets(model, sessions, WS_PATHS);
  const httpPaths = new Set<string>(Object.values(PPSOM_PATHS));
  const requests: SimRequest[] = [];
  const faults: Array<InjectedFault & { left: number }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const loop = options.loop ?? true;

  const takeFault = (op: string): InjectedFault | undefined => {
    const i = faults.findIndex((f) => f.op === undefined || f.op === op);
    if (i < 0) return undefined;
    const f = faults[i];
    f.left -= 1;
    if (f.left <= 0) faults.splice(i, 1);
    return f;
  };

  const answer = (res: http.ServerResponse, status: number, contentType: string, body: string): void => {
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (!httpPaths.has(path)) return answer(res, 404, 'text/plain; charset=utf-8', 'Not Found');
    if (req.method !== 'POST') return answer(res, 405, 'text/plain; charset=utf-8', 'POST a JSON or SOAP request');
    const entry: SimRequest = { time: Date.now(), path, format: 'unknown', op: '', params: '', status: 0 };
    requests.push(entry);
    let format: WireFormat = body.trimStart().startsWith('<') ? 'soap' : 'json';
    try {
      const parsed = parseRequest(body);
      format = parsed.format;
      Object.assign(entry, { format, op: parsed.op, params: parsed.params });
    } catch (err) {
      entry.status = 500;
      const f = encodeFault(format, format === 'json' ? 'soapenv:Sender' : 'soapenv:Client', err instanceof WireError ? err.message : 'Ошибка разбора запроса');
      return answer(res, 500, f.contentType, f.body);
    }
    let fault = takeFault(entry.op);
    if (fault?.kind === 'slow') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, fault!.kind === 'slow' ? fault!.delayMs : 0);
        timers.add(t);
      });
      if (res.destroyed) return;
      fault = undefined;
    }
    if (fault?.kind === 'drop') {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'http') {
      entry.status = fault.status;
      return answer(res, fault.status, fault.contentType ?? 'text/html; charset=utf-8', fault.body ?? `<html><body>HTTP ${fault.status}</body></html>`);
    }
    if (fault?.kind === 'raw') {
      entry.status = fault.status ?? 200;
      return answer(res, entry.status, fault.contentType ?? (format === 'json' ? 'application/json; charset=utf-8' : 'text/xml; charset=utf-8'), fault.body);
    }
    if (fault?.kind === 'fault' || fault?.kind === 'session') {
      const isSession = fault.kind === 'session';
      const message = isSession ? SESSION_FAULT_TEXT : (fault.kind === 'fault' && fault.message) || 'Внутренняя ошибка сервера';
      const defaultCode = format === 'json' ? SESSION_FAULT_CODE_JSON : isSession ? SESSION_FAULT_CODE_SOAP : 'soapenv:Server';
      const code = fault.kind === 'fault' && fault.code ? fault.code : defaultCode;
      entry.status = fault.kind === 'fault' && fault.status ? fault.status : 500;
      const f = encodeFault(format, code, message);
      return answer(res, entry.status, f.contentType, f.body);
    }
    try {
      const result = service.execute(entry.op, entry.params);
      const a = encodeResult(format, entry.op, result);
      entry.status = 200;
      answer(res, 200, a.contentType, a.body);
    } catch (err) {
      // Faults are HTTP 500 with a Fault body (spec §6 suggestion).
      const sim = err instanceof SimFault ? err : new SimFault(err instanceof Error ? err.message : String(err), 'server');
      const code = format === 'json' ? SESSION_FAULT_CODE_JSON : sim.kind === 'server' ? 'soapenv:Server' : SESSION_FAULT_CODE_SOAP;
      const f = encodeFault(format, code, sim.message);
      entry.status = 500;
      answer(res, 500, f.contentType, f.body);
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => {
        if (!res.headersSent) answer(res, 500, 'text/plain; charset=utf-8', 'simulator error');
      });
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : http.createServer(onRequest);
  server.on('upgrade', (req, socket, head) => monitoring.handleUpgrade(req, socket, head));

  const stepMs = options.stepMs ?? 5000;
  let stepTimer: NodeJS.Timeout | undefined;
  const advanceAll = (): void => {
    for (const inst of model.instances.values()) {
      if (!model.isFinished(inst) || loop) model.advance(inst.key, loop);
    }
  };
  if (stepMs > 0) {
    stepTimer = setInterval(advanceAll, stepMs);
    stepTimer.unref();
  }
  const sweepTimer = setInterval(() => sessions.sweep(), Math.min(1000, options.sessionTimeoutMs ?? 1000));
  sweepTimer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    endpoint: (path = 'virtualDir') => `${url}${PPSOM_PATHS[path]}`,
    requests,
    sockets: monitoring.log,
    get openSockets() {
      return monitoring.openCount;
    },
    get liveSessions() {
      return sessions.liveCount;
    },
    model,
    advance: (instanceKey) => (instanceKey ? void model.advance(instanceKey, loop) : advanceAll()),
    startInstance: (seed = {}, processKey = SEED.processKey) => model.addInstance(processKey, seed),
    inject: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    clearFaults: () => void faults.splice(0),
    expireSessions: () => sessions.expireAll(),
    dropSockets: () => monitoring.dropAll(),
    setSilent: (silent) => {
      monitoring.silent = silent;
    },
    close: async () => {
      if (stepTimer) clearInterval(stepTimer);
      clearInterval(sweepTimer);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await monitoring.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
