import type { BackoffOptions } from '../shared/backoff';
import { Backoff } from '../shared/backoff';
import { sleep, systemClock } from '../shared/clock';
import type { Clock } from '../shared/clock';
import { FailureStreak, GuardedEmitter, isFatal, toError } from '../shared/engine';
import type { EngineFailure, EngineStatus } from '../shared/engine';
import { AbortedError, ClosedError, ConfigError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { SessionSlot } from '../shared/session-slot';
import { silentLogger } from '../shared/logger';
import { BpmMonitor, PROCESS_CLOSE_TIMEOUT_MS } from './bpm-monitor';
import type { BpmMonitorOptions, MonitorClient, MonitorFrame, MonitorSession, ProcessProvider } from './bpm-monitor';
import type { BpmOperationSettings, CallOptions, InstanceState, ProcessInstance, WorkspaceStage } from './client';
import { SessionUnrenewableError, isSessionError } from './errors';
import type { SessionLease } from './session';
import { DEFAULT_MAX_INSTANCE_SOCKETS, INSTANCE_SCAN_INTERVAL_MS, frameSaysFinished } from './vendor';
import type { InstancePhase } from './vendor';

/** The part of PpsomClient the fleet uses. */
export interface FleetClient extends MonitorClient {
  getInstanceState(process: string, instance: ProcessInstance, options?: CallOptions & BpmOperationSettings): Promise<InstanceState>;
}

/** The socket settings are those of BpmMonitor, applied to every socket. */
export interface BpmFleetOptions
  extends Pick<
    BpmMonitorOptions,
    | 'processKey'
    | 'processMoniker'
    | 'wsPathPrefix'
    | 'monitoringIdEncoding'
    | 'tls'
    | 'clock'
    | 'pingIntervalMs'
    | 'pongTimeoutMs'
    | 'stableMs'
    | 'handshakeTimeoutMs'
    | 'withWorkspace'
    | 'logger'
  > {
  client: FleetClient;
  session: MonitorSession;
  /** GetProcessInstances every this many ms (and on rescan()); default 30 000. */
  scanIntervalMs?: number;
  /** Sockets open at most; the instances beyond wait for a free one. Default 50. */
  maxSockets?: number;
  /** Per socket. The jitter defaults to 0.5 here: after a common loss the reconnects spread over half the delay. */
  backoff?: BackoffOptions;
  stateMeanings?: BpmOperationSettings['stateMeanings'];
}

/** Spread of the sockets' reconnects after a loss they share (a session end closes all of them at once). */
const RECONNECT_JITTER = 0.5;

export type FleetState = 'idle' | 'resolving' | 'watching' | 'reconnecting' | 'failed' | 'stopped';

export interface FleetStatus extends EngineStatus<FleetState> {
  /** Running instances followed (connected or not, waiting for a socket included). */
  instances: number;
  /** Their sockets that are open now. */
  connected: number;
  /** Instances beyond `maxSockets`, without a socket. */
  waiting: number;
}

/** What identifies an instance in every msg: its key, structure GUID and start date as the server renders it. */
export interface FleetInstance {
  key: string;
  guid: string;
  startDate: string;
  comment: string;
  prms: string;
}

export interface FleetFrame extends MonitorFrame {
  instance: FleetInstance;
}

export interface FleetNotice {
  control: 'started' | 'finished';
  instance: FleetInstance;
  /** Inferred from the steps' state codes (docs/foresight.md#state-codes, vendor.ts instancePhase). */
  phase: InstancePhase;
  stages: WorkspaceStage[];
  /** `started`: found by the first scan after start (it was already running). */
  initial?: boolean;
  /** `finished`: `completed` (its final frame and a normal close, or its steps say so) or `removed` (gone from the list). */
  reason?: 'completed' | 'removed';
}

export interface FleetFailure extends EngineFailure {
  /** The instance whose socket failed; none for the instance list. */
  instanceKey?: string;
}

export interface FleetLimit {
  running: number;
  limit: number;
  waiting: number;
}

export interface BpmFleetEvents {
  state: [FleetStatus];
  frame: [FleetFrame];
  notice: [FleetNotice];
  failure: [FleetFailure];
  limit: [FleetLimit];
}

interface Entry {
  instance: FleetInstance;
  phase: InstancePhase;
  stages: WorkspaceStage[];
  monitor?: BpmMonitor;
  connected: boolean;
  finishing: boolean;
}

/**
 * Follows every running instance of one process: lists them with
 * GetProcessInstances (every `scanIntervalMs` and on rescan()), reads each new
 * one's state (GetBpmMonitoringWorkspace, which also gives the GUID), and
 * runs one BpmMonitor per running instance, up to `maxSockets`. All monitors
 * share one session and one opened process (one OpenBpmProcess, renewed once
 * when the session dies, whoever notices first) and the fleet's one keep-alive.
 * An instance whose socket closes normally after its final frame, whose steps
 * say it completed, or that leaves the list is let go with a `finished`
 * notice. Never emits `error`.
 */
export class BpmFleet extends GuardedEmitter<BpmFleetEvents> {
  private readonly options: BpmFleetOptions;
  private readonly client: FleetClient;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly scanIntervalMs: number;
  private readonly maxSockets: number;
  private readonly shared: SharedProcess;
  private readonly failures = new FailureStreak();
  private readonly scanBackoff: Backoff;
  private readonly entries = new Map<string, Entry>();
  /** Keys of listed instances that are over: not followed again while they stay in the list. */
  private readonly done = new Set<string>();
  private readonly finishing = new Set<Promise<void>>();
  private generation = 0;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** The release of a stop still under way. */
  private stopping: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private rescanWanted = false;
  private lease: SessionLease | undefined;
  private firstScan = true;
  private lastWaiting = 0;
  private current: FleetStatus = { state: 'idle', instances: 0, connected: 0, waiting: 0 };

  constructor(options: BpmFleetOptions) {
    super(options.logger ?? silentLogger);
    if (!options.processKey && !options.processMoniker) throw new ConfigError('set the process object key or an opened process moniker');
    this.options = options;
    this.client = options.session.track(options.client);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.scanIntervalMs = options.scanIntervalMs && options.scanIntervalMs > 0 ? options.scanIntervalMs : INSTANCE_SCAN_INTERVAL_MS;
    this.maxSockets = options.maxSockets && options.maxSockets > 0 ? Math.floor(options.maxSockets) : DEFAULT_MAX_INSTANCE_SOCKETS;
    this.scanBackoff = new Backoff({ maxMs: this.scanIntervalMs, ...options.backoff });
    this.shared = new SharedProcess(this.client, options.session, options.processKey, options.processMoniker);
  }

  get status(): FleetStatus {
    return this.current;
  }

  /** The monikers this fleet holds, to mask in any text that leaves the package. */
  secrets(): string[] {
    return [this.shared.moniker, this.options.processMoniker].filter((s): s is string => Boolean(s));
  }

  /** Start (or restart after stop/failure); a running fleet is left alone. */
  start(): void {
    if (this.running && this.current.state !== 'failed') return;
    this.launch();
  }

  /** The user's "connect": try a refused login again, then start. */
  connect(): void {
    this.options.session.allowLogin?.();
    for (const e of this.entries.values()) if (e.monitor?.state === 'failed') e.monitor.start();
    this.start();
  }

  /** List the instances now (msg.action "rescan"). */
  rescan(): void {
    if (!this.running || this.current.state === 'failed') return this.start();
    this.rescanWanted = true;
    this.wake?.();
  }

  /** Close every socket, stop every timer and request, release the keep-alive and close the process we opened. */
  async stop(): Promise<void> {
    this.generation += 1;
    const gen = this.generation;
    this.controller?.abort();
    this.controller = undefined;
    const running = this.running;
    this.running = undefined;
    // A start or a second stop while this one releases waits for it: a new run must not share its entries
    // and process with this release, and the server node must not close the metabase before it ends.
    const before = this.stopping;
    const stopping = (async () => {
      await running?.catch(() => undefined);
      await before;
      await this.releaseAll();
    })();
    this.stopping = stopping;
    await stopping;
    if (this.stopping === stopping) this.stopping = undefined;
    if (gen === this.generation) this.setState({ state: 'stopped' });
  }

  private launch(): void {
    this.generation += 1;
    const gen = this.generation;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.scanBackoff.reset();
    this.firstScan = this.entries.size === 0;
    const previous = this.running;
    const stopping = this.stopping;
    this.running = (async () => {
      await previous?.catch(() => undefined);
      await stopping;
      if (gen === this.generation) await this.loop(gen, controller.signal);
    })();
  }

  private async loop(gen: number, signal: AbortSignal): Promise<void> {
    if (this.current.state !== 'watching') this.setState({ state: 'resolving' });
    while (gen === this.generation && !signal.aborted) {
      let waitMs = this.scanIntervalMs;
      try {
        await this.scan(signal);
        if (gen !== this.generation || signal.aborted) return;
        this.failures.reset();
        this.scanBackoff.reset();
        this.setState({ state: 'watching' });
      } catch (err) {
        if (signal.aborted || gen !== this.generation || err instanceof AbortedError) return;
        const error = toError(err);
        if (isFatal(error)) {
          const repeated = this.failures.repeats(error);
          await this.releaseAll();
          if (gen !== this.generation) return;
          this.setState({ state: 'failed', error });
          this.notify('failure', { error, repeated, fatal: true });
          return;
        }
        waitMs = this.scanBackoff.next();
        this.notify('failure', { error, retryInMs: waitMs, repeated: this.failures.repeats(error), fatal: false });
        this.setState({ state: 'reconnecting', retryInMs: waitMs, attempt: this.scanBackoff.attempt, error });
      }
      try {
        await this.nextScan(waitMs, signal);
      } catch {
        return;
      }
    }
  }

  /** Sleep until the next scan is due or rescan() asks for one. */
  private async nextScan(ms: number, signal: AbortSignal): Promise<void> {
    if (this.rescanWanted) {
      this.rescanWanted = false;
      return;
    }
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.wake = () => inner.abort();
    try {
      await sleep(this.clock, ms, inner.signal);
    } catch (err) {
      if (signal.aborted) throw err;
    } finally {
      this.wake = undefined;
      this.rescanWanted = false;
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** One GetProcessInstances; a SESSION fault renews the shared process once and lists again. */
  private async list(signal: AbortSignal): Promise<{ process: string; instances: ProcessInstance[] }> {
    const process = await this.shared.get(signal);
    this.acquireLease();
    try {
      return { process, instances: await this.client.getProcessInstances(process, { signal }) };
    } catch (err) {
      if (!isSessionError(err) || err instanceof SessionUnrenewableError) throw err;
      this.shared.invalidate(process);
      this.logger.info('session ended on the server; opening a new one');
      const renewed = await this.shared.get(signal);
      return { process: renewed, instances: await this.client.getProcessInstances(renewed, { signal }) };
    }
  }

  private async scan(signal: AbortSignal): Promise<void> {
    const { process, instances } = await this.list(signal);
    const listed = new Set(instances.map((i) => i.key));
    for (const e of this.entries.values()) if (!listed.has(e.instance.key)) this.finish(e, 'removed');
    for (const key of this.done) if (!listed.has(key)) this.done.delete(key);
    for (const inst of instances) {
      if (!inst.key || this.entries.has(inst.key) || this.done.has(inst.key)) continue;
      let state: InstanceState;
      try {
        state = await this.client.getInstanceState(process, inst, { signal, stateMeanings: this.options.stateMeanings });
      } catch (err) {
        // One instance that cannot be read (it may have just gone) does not hold up the others.
        if (signal.aborted || isSessionError(err) || err instanceof AbortedError) throw err;
        this.notify('failure', { error: toError(err), repeated: this.failures.repeats(err), fatal: false, instanceKey: inst.key });
        continue;
      }
      if (signal.aborted) throw new AbortedError();
      if (state.phase === 'completed') {
        this.done.add(inst.key);
        continue;
      }
      const instance: FleetInstance = { key: inst.key, guid: state.instId, startDate: inst.startDate, comment: inst.comment, prms: inst.prms };
      this.entries.set(inst.key, { instance, phase: state.phase, stages: state.stages, connected: false, finishing: false });
      this.notify('notice', { control: 'started', instance, phase: state.phase, stages: state.stages, ...(this.firstScan ? { initial: true } : {}) });
    }
    this.firstScan = false;
    // A socket that is down may belong to an instance that ended without a final frame: its steps tell.
    for (const e of [...this.entries.values()]) {
      if (e.finishing || !e.monitor || e.monitor.state === 'connected') continue;
      try {
        const state = await this.client.getInstanceState(process, e.instance, { signal, stateMeanings: this.options.stateMeanings });
        if (state.phase === 'completed') this.finish(e, 'completed');
      } catch (err) {
        if (signal.aborted || isSessionError(err) || err instanceof AbortedError) throw err;
      }
    }
    // A socket that gave up (its instance key refused, say) is tried again while the instance is listed.
    for (const e of this.entries.values()) if (e.monitor?.state === 'failed') e.monitor.start();
    this.fill();
  }

  /** Open sockets for the instances without one, oldest first, up to `maxSockets`; warn once per change of the overflow. */
  private fill(): void {
    const live = [...this.entries.values()].filter((e) => !e.finishing);
    let free = this.maxSockets - live.filter((e) => e.monitor).length;
    for (const e of live) {
      if (free <= 0) break;
      if (e.monitor) continue;
      this.openMonitor(e);
      free -= 1;
    }
    const waiting = live.filter((e) => !e.monitor).length;
    if (waiting > 0 && waiting !== this.lastWaiting) this.notify('limit', { running: live.length, limit: this.maxSockets, waiting });
    this.lastWaiting = waiting;
    this.publishCounts();
  }

  private openMonitor(e: Entry): void {
    const o = this.options;
    const monitor = new BpmMonitor({
      client: o.client,
      session: o.session,
      sharedProcess: this.shared,
      instanceKey: e.instance.key,
      instanceGuid: e.instance.guid,
      isFinalFrame: frameSaysFinished,
      wsPathPrefix: o.wsPathPrefix,
      monitoringIdEncoding: o.monitoringIdEncoding,
      tls: o.tls,
      clock: o.clock,
      backoff: { jitter: RECONNECT_JITTER, ...o.backoff },
      pingIntervalMs: o.pingIntervalMs,
      pongTimeoutMs: o.pongTimeoutMs,
      stableMs: o.stableMs,
      handshakeTimeoutMs: o.handshakeTimeoutMs,
      withWorkspace: o.withWorkspace,
      logger: o.logger,
    });
    e.monitor = monitor;
    monitor.on('frame', (f) => {
      if (e.monitor === monitor) this.notify('frame', { ...f, instance: { ...e.instance, guid: f.instance.guid } });
    });
    monitor.on('state', (s) => {
      if (e.monitor !== monitor) return;
      const connected = s.state === 'connected';
      if (s.state === 'finished') this.finish(e, 'completed');
      else if (connected !== e.connected) {
        e.connected = connected;
        this.publishCounts();
      }
    });
    monitor.on('failure', (f) => {
      if (e.monitor === monitor) this.notify('failure', { ...f, repeated: this.failures.repeats(f.error), instanceKey: e.instance.key });
    });
    monitor.start();
  }

  /** Let an instance go: its socket closed, its final state read (best-effort), a `finished` notice. */
  private finish(e: Entry, reason: 'completed' | 'removed'): void {
    if (e.finishing) return;
    e.finishing = true;
    e.connected = false;
    const gen = this.generation;
    const monitor = e.monitor;
    const signal = this.controller?.signal;
    const task = (async () => {
      await monitor?.stop();
      let { stages, phase } = e;
      const process = this.shared.moniker;
      if (reason === 'completed' && process && signal && !signal.aborted) {
        try {
          const state = await this.client.getInstanceState(process, e.instance, { signal, stateMeanings: this.options.stateMeanings });
          stages = state.stages;
          phase = state.phase;
        } catch {
          // The stages last read stand in; the instance may already have left the list.
        }
      }
      if (gen !== this.generation || this.entries.get(e.instance.key) !== e) return;
      e.monitor = undefined;
      this.entries.delete(e.instance.key);
      this.done.add(e.instance.key);
      this.notify('notice', { control: 'finished', instance: e.instance, phase, stages, reason });
      this.fill();
    })();
    this.finishing.add(task);
    void task.finally(() => this.finishing.delete(task));
    this.publishCounts();
  }

  private acquireLease(): void {
    if (this.lease) return;
    this.lease = this.options.session.acquire(async (signal) => {
      const process = await this.shared.get(signal);
      try {
        await this.client.getProcessInstances(process, { signal });
      } catch (err) {
        if (isSessionError(err)) this.shared.invalidate(process);
        throw err;
      }
    });
  }

  /** Every socket closed, the keep-alive released, the process we opened closed. */
  private async releaseAll(): Promise<void> {
    const monitors = [...this.entries.values()].map((e) => e.monitor).filter((m): m is BpmMonitor => Boolean(m));
    // Detached first: their "stopped" states are not counts of this fleet any more.
    for (const e of this.entries.values()) e.monitor = undefined;
    this.entries.clear();
    this.done.clear();
    this.lastWaiting = 0;
    await Promise.all(monitors.map((m) => m.stop()));
    await Promise.all([...this.finishing]);
    this.lease?.release();
    this.lease = undefined;
    await this.shared.release();
  }

  private publishCounts(): void {
    if (this.current.state === 'watching') this.setState({ state: 'watching' });
  }

  private setState(status: EngineStatus<FleetState>): void {
    const live = [...this.entries.values()].filter((e) => !e.finishing);
    const next: FleetStatus = {
      ...status,
      instances: live.length,
      connected: live.filter((e) => e.connected).length,
      waiting: live.filter((e) => !e.monitor).length,
    };
    const same =
      next.state === this.current.state &&
      next.instances === this.current.instances &&
      next.connected === this.current.connected &&
      next.waiting === this.current.waiting;
    if (same && next.state !== 'reconnecting' && next.state !== 'failed') return;
    this.current = next;
    this.notify('state', next);
  }
}

/**
 * The one opened process every monitor of a fleet uses (a `SessionSlot`):
 * opened once however many ask at once, forgotten (with its session) when a
 * SESSION fault comes back for it, so the next caller opens a fresh one; a
 * late report about an older moniker is ignored. A pasted moniker is used as
 * is until it dies. A failed open is not held: the session holds a refused
 * login, and a fleet started again opens again.
 */
class SharedProcess implements ProcessProvider {
  private readonly slot: SessionSlot<string>;
  /** The session the current process was opened on. */
  private connection: string | undefined;

  constructor(
    client: FleetClient,
    private readonly session: MonitorSession,
    processKey: string | undefined,
    private readonly pasted: string | undefined,
  ) {
    this.slot = new SessionSlot<string>({
      // Not aborted by one caller (nor by a stop): the others wait for the same OpenBpmProcess, and release() closes it.
      login: async () => {
        const connection = await session.connection();
        try {
          const process = await client.openBpmProcess(connection, processKey!);
          this.connection = connection;
          return process;
        } catch (err) {
          // The session kept since an earlier run may have ended meanwhile: the next open asks for a new one.
          if (isSessionError(err)) session.invalidate(connection);
          throw err;
        }
      },
      release: (process) => client.closeBpmProcess(process, { timeoutMs: PROCESS_CLOSE_TIMEOUT_MS }),
      ...(pasted ? { pasted } : {}),
      pastedDied: () => new SessionUnrenewableError('the opened process moniker is no longer valid; paste a new one or set the process key'),
      closed: () => new ClosedError('the shared process is closed'),
      closeWaitMs: PROCESS_CLOSE_TIMEOUT_MS,
      holdRefusedLogin: false,
    });
  }

  /** The moniker in use, if any (a secret). */
  get moniker(): string | undefined {
    return this.pasted ?? this.slot.id;
  }

  get(signal: AbortSignal): Promise<string> {
    return this.slot.get(signal);
  }

  invalidate(process: string): void {
    if (this.slot.invalidate(process) !== 'dropped') return;
    if (this.connection) this.session.invalidate(this.connection);
    this.connection = undefined;
  }

  /** Close the process we opened (after an open in flight settles); a pasted one is not ours. The next get() opens again. */
  async release(): Promise<void> {
    await this.slot.release();
    this.connection = undefined;
  }
}
