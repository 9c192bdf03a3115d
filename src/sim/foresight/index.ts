import http from 'node:http';
import https from 'node:https';
import { PPSOM_PATHS, SERVER_SESSION_TIMEOUT_MS, WS_SERVICE_PATH } from '../../foresight/vendor';
import { listenForUrl } from '../http-server';
import { PpsomEndpoint } from './http-endpoint';
import type { InjectedFault, SimRequest } from './http-endpoint';
import { MonitoringSockets } from './monitoring-socket';
import type { SocketLogEntry } from './monitoring-socket';
import { ProcessModel, SEED, SEED_PROCESS } from './model';
import type { Instance, InstanceSeed, ProcessDef } from './model';
import { PpsomService } from './service';
import { SessionTable } from './sessions';
import { InstancePopulation } from './population';
import type { InstancePopulationOptions } from './population';
import type { Clock } from '../../shared/clock';
import type { SocketFrameCount } from './monitoring-socket';

export { PPSOM_PATHS } from '../../foresight/vendor';
export { SEED, SEED_PROCESS } from './model';
export type { Instance, InstanceSeed, ProcessDef, StageDef, StepDef } from './model';
export type { SocketLogEntry } from './monitoring-socket';
export type { InjectedFault, SimRequest } from './http-endpoint';
export type { InstancePopulation, InstancePopulationOptions, PopulationEvent } from './population';
export type { SocketFrameCount } from './monitoring-socket';

/** The WebSocket paths the simulator accepts monitoring upgrades on (docs/foresight.md#websocket-monitoring-channel: with and without the virtual dir). */
export const WS_PATHS = [WS_SERVICE_PATH, `/FPBI_App_v10.x${WS_SERVICE_PATH}`] as const;

export interface ForesightSimulatorOptions {
  /** Default 0 (an ephemeral port). The CLI uses 8810, the BI server's default (docs/foresight.md#endpoint-paths). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Repository description id accepted by OpenMetabase; default `WAREHOUSE` (the vendor's example). */
  repositoryId?: string;
  /** User → password; default `{ demo: 'demo' }`. */
  users?: Record<string, string>;
  /** Inactivity after which a session and all its monikers die; default 1 800 000 (TimeoutSec, docs/foresight.md#session-timeout). */
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
  /** Instances of a process that start and finish over time (off by default); its timers run on `clock`. */
  population?: InstancePopulationOptions;
  /** Timers of `population`; default the system clock. */
  clock?: Clock;
}

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
  /** Push `count` `state` frames with no changes to every socket of an instance at once (a flood, for benchmarks). */
  floodFrames(count: number, instanceKey?: string): void;
  /** Start a new instance of a process (default: the seed process), newest by start date. */
  startInstance(seed?: Partial<InstanceSeed>, processKey?: string): Instance;
  inject(fault: InjectedFault): void;
  clearFaults(): void;
  /** End every session as if its inactivity timeout passed; returns how many ended. */
  expireSessions(): number;
  /** Cut every monitoring socket (or those of one instance) without a close frame. */
  dropSockets(instanceKey?: string): void;
  /** Stop answering WebSocket pings and pushing frames (a half-open connection). */
  setSilent(silent: boolean): void;
  close(): Promise<void>;
  /** The instances that come and go, with `population` set. */
  readonly population: InstancePopulation | undefined;
  /** Requests received for an operation (e.g. `OpenMetabase`, `OpenMonitoringWS`), faults included. */
  callCount(op: string): number;
  /** Frames sent per monitoring socket, every socket ever accepted, in order. */
  frameCounts(): SocketFrameCount[];
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
  const loop = options.loop ?? true;
  const population = options.population
    ? new InstancePopulation(model, monitoring, { processKey: SEED.processKey, ...options.population }, options.clock)
    : undefined;

  const endpoint = new PpsomEndpoint(service, new Set<string>(Object.values(PPSOM_PATHS)));
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, endpoint.listener) : http.createServer(endpoint.listener);
  server.on('upgrade', (req, socket, head) => monitoring.handleUpgrade(req, socket, head));

  const stepMs = options.stepMs ?? 5000;
  let stepTimer: NodeJS.Timeout | undefined;
  const advanceAll = (): void => {
    for (const inst of model.instances.values()) {
      if (population?.manages(inst.key)) continue;
      if (!model.isFinished(inst) || loop) model.advance(inst.key, loop);
    }
  };
  if (stepMs > 0) {
    stepTimer = setInterval(advanceAll, stepMs);
    stepTimer.unref();
  }
  const sweepTimer = setInterval(() => sessions.sweep(), Math.min(1000, options.sessionTimeoutMs ?? 1000));
  sweepTimer.unref();

  const { url, port } = await listenForUrl(server, options.port ?? 0, options.host ?? '127.0.0.1', Boolean(options.tls));

  return {
    url,
    port,
    endpoint: (path = 'virtualDir') => `${url}${PPSOM_PATHS[path]}`,
    requests: endpoint.requests,
    sockets: monitoring.log,
    get openSockets() {
      return monitoring.openCount;
    },
    get liveSessions() {
      return sessions.liveCount;
    },
    model,
    advance: (instanceKey) => (instanceKey ? void model.advance(instanceKey, loop && !population?.manages(instanceKey)) : advanceAll()),
    floodFrames: (count, instanceKey = SEED.instanceKey) => monitoring.flood(count, instanceKey),
    startInstance: (seed = {}, processKey = SEED.processKey) => model.addInstance(processKey, seed),
    inject: (fault) => endpoint.inject(fault),
    clearFaults: () => endpoint.clearFaults(),
    expireSessions: () => sessions.expireAll(),
    dropSockets: (instanceKey) => monitoring.dropAll(instanceKey),
    setSilent: (silent) => {
      monitoring.silent = silent;
    },
    population,
    callCount: (op) => endpoint.requests.filter((r) => r.op === op).length,
    frameCounts: () => monitoring.frameCounts(),
    close: async () => {
      if (stepTimer) clearInterval(stepTimer);
      population?.stop();
      clearInterval(sweepTimer);
      endpoint.close();
      await monitoring.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
