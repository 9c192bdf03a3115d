import { DEFAULT_METHOD_NAMES } from '../../masterscada/vendor';
import type { MethodNames } from '../../masterscada/vendor';
import { AlarmGenerator, seededRandom } from './alarms';
import type { CodeEncoding, TimeEncoding } from './encoding';
import type { AlarmSpec } from './events';
import type { AckRefusal } from './acknowledge';
import { SimRuntime } from './runtime';
import type { SimEvent } from './runtime';
import { SimServer } from './server';
import type { Fault, LoggedRequest } from './server';

export type { Fault, FaultKind, LoggedRequest } from './server';
export type { SimEvent } from './runtime';
export type { AlarmSpec } from './events';
export type { AckRefusal } from './acknowledge';
export type { CodeEncoding, TimeEncoding } from './encoding';
export { SIM_MESSAGES, SIM_SOURCES } from './alarms';

export interface MasterScadaSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Operator accounts, login → password. Default `{ demo: 'demo' }`. */
  accounts?: Record<string, string>;
  /** Accept a login with an empty login name (a project without operators). Default false. */
  allowAnonymous?: boolean;
  /** Idle time after which a session expires, ms (docs/masterscada.md#s2-getlogindata example: 600000). */
  sessionTimeMs?: number;
  /** Packets kept per subscription before the oldest is dropped (a gap for the client). Default 100. */
  queueSize?: number;
  /** Records (plus deleted ids) per packet. Default 50. */
  packetSize?: number;
  /** New alarms per second from the built-in generator; 0 turns it off. Default 0.2. */
  alarmRate?: number;
  /** Seed for the generator, so a run can be repeated. Default 4. */
  seed?: number;
  /** How `code` is written: number (default), signed int32, numeric string or `OpcUa_` name. */
  codeEncoding?: CodeEncoding;
  /** How times are written: string of epoch ms (default, as the vendor example) or number. */
  timeEncoding?: TimeEncoding;
  /** Method names, for checking a client configured with other names. */
  methods?: Partial<MethodNames>;
  /** Event journal entries kept for GetArchivedEvents (the oldest are dropped). Default 10000. */
  archiveSize?: number;
  /** Requests kept in `requests` (the oldest are dropped). Default 10000. */
  requestLogLimit?: number;
  /** Clock for session expiry and event times. Default Date.now. */
  now?: () => number;
  /** Serve https with this PEM key and certificate (`url` then starts with `https://`). Default: plain http. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** False: GetState answers as the backup (slave) of a redundant pair. Default true. */
  isMaster?: boolean;
}

/** A running simulator. Tests drive it through these members. */
export interface MasterScadaSimulator {
  /** Base URL, e.g. `http://127.0.0.1:8043` (no trailing slash; `https://` with the `tls` option). */
  readonly url: string;
  /** Every request received, in order (the newest `requestLogLimit`). */
  readonly requests: LoggedRequest[];
  /** Requests received for one method, e.g. `requestsFor('PublishEvents')`. */
  requestsFor(method: string): LoggedRequest[];
  /** Script a misbehaviour for the next matching request(s). */
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Raise a new active, unacknowledged alarm. */
  raise(spec?: AlarmSpec): SimEvent;
  /** The alarm's condition went away. */
  clear(eventId: string): SimEvent;
  /** An operator acknowledged the alarm. Inactive + acknowledged alarms are deleted from subscriptions. */
  acknowledge(eventId: string, comment?: string): SimEvent;
  /** The next acknowledgement(s) through the API of `refusal.eventId` (any event when omitted) get a Bad status (default BadUserAccessDenied). */
  refuseAcknowledge(refusal?: AckRefusal): void;
  /** Run `steps` steps of the seeded alarm generator now. */
  generate(steps: number): SimEvent[];
  /** Current (active or unacknowledged) alarms. */
  currentEvents(): SimEvent[];
  /** Write `count` past entries into the event archive, spread evenly over [from, to] (epoch ms), without telling subscribers. */
  seedArchive(count: number, from: number, to: number, spec?: AlarmSpec): void;
  /** Forget every current alarm without telling subscribers, so a benchmark feeding millions of alarms keeps the simulator small. */
  forgetEvents(): void;
  /** Every session ends, as if its idle time ran out. Their subscriptions end with them. */
  expireSessions(): void;
  /** Every subscription is forgotten; sessions stay. */
  loseSubscriptions(): void;
  /** The runtime restarts: sessions and subscriptions are gone, `projectSessionId` changes. */
  restart(): void;
  /** Drop the oldest queued packet of every subscription, as a full queue does. */
  overflowQueues(): void;
  /** The next PublishEvents of every subscription repeats the packet it sent last. */
  repeatLastPacket(): void;
  /** The runtime process restarts: no answers for `downMs`, then the same port, with sessions and subscriptions gone. Alarms go on. */
  restartProcess(downMs: number): Promise<void>;
  /** Packets dropped from a queue before they were acknowledged (the only real gaps). */
  readonly droppedPackets: ReadonlyArray<{ subscriptionId: number; seq: number }>;
  readonly sessionCount: number;
  readonly subscriptionCount: number;
  /** Packets queued and not yet acknowledged, over all live subscriptions. */
  readonly queuedPackets: number;
  /** Sockets currently open to the simulator. */
  readonly openConnections: number;
  close(): Promise<void>;
}

/**
 * Start a MasterSCADA 4D runtime simulator on `host:port` (127.0.0.1, any free
 * port by default). It serves the JSON API this package uses, with the same
 * vendor assumptions as the client (see `docs/masterscada.md`).
 */
export async function startMasterScadaSimulator(options: MasterScadaSimulatorOptions = {}): Promise<MasterScadaSimulator> {
  const now = options.now ?? Date.now;
  const methods = { ...DEFAULT_METHOD_NAMES, ...(options.methods ?? {}) };
  const runtime = new SimRuntime({
    accounts: options.accounts ?? { demo: 'demo' },
    allowAnonymous: options.allowAnonymous ?? false,
    sessionTimeMs: options.sessionTimeMs ?? 600_000,
    archiveSize: Math.max(1, options.archiveSize ?? 10_000),
    queueSize: Math.max(1, options.queueSize ?? 100),
    packetSize: Math.max(1, options.packetSize ?? 50),
    timeEncoding: options.timeEncoding ?? 'string',
    now,
  });
  const generator = new AlarmGenerator(runtime, seededRandom(options.seed ?? 4));
  const server = new SimServer(runtime, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    methods,
    codeEncoding: options.codeEncoding ?? 'number',
    maxBodyBytes: 1024 * 1024,
    requestLogLimit: Math.max(1, options.requestLogLimit ?? 10_000),
    tls: options.tls,
    isMaster: options.isMaster,
  });
  const url = await server.listen();
  const rate = options.alarmRate ?? 0.2;
  const ticker = rate > 0 ? setInterval(() => generator.step(), Math.max(10, 1000 / rate)) : undefined;
  ticker?.unref();
  return {
    url,
    requests: server.requests,
    requestsFor: (method) => server.requests.filter((r) => r.method === method),
    inject: (fault) => server.inject(fault),
    clearFaults: () => server.clearFaults(),
    raise: (spec = {}) => runtime.raise(spec),
    clear: (eventId) => runtime.clear(eventId),
    acknowledge: (eventId, comment) => runtime.acknowledge(eventId, comment),
    refuseAcknowledge: (refusal = {}) => runtime.refuseAcknowledge(refusal),
    generate: (steps) => Array.from({ length: steps }, () => generator.step()),
    currentEvents: () => [...runtime.events.values()],
    seedArchive: (count, from, to, spec) => runtime.seedArchive(count, from, to, spec),
    forgetEvents: () => runtime.forgetEvents(),
    expireSessions: () => runtime.expireSessions(),
    loseSubscriptions: () => runtime.loseSubscriptions(),
    restart: () => runtime.restart(),
    overflowQueues: () => runtime.overflowQueues(),
    repeatLastPacket: () => runtime.repeatLastPacket(),
    restartProcess: async (downMs) => {
      await server.pause();
      runtime.restart();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await server.listen();
    },
    get droppedPackets() {
      return runtime.dropped;
    },
    get sessionCount() {
      return runtime.sessionCount;
    },
    get subscriptionCount() {
      return runtime.subscriptionCount;
    },
    get queuedPackets() {
      return runtime.queuedPackets;
    },
    get openConnections() {
      return server.openConnections;
    },
    close: async () => {
      if (ticker) clearInterval(ticker);
      await server.close();
    },
  };
}
