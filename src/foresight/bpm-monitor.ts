import { Backoff } from '../shared/backoff';
import type { BackoffOptions } from '../shared/backoff';
import { sleep, systemClock } from '../shared/clock';
import type { Clock, TimerHandle } from '../shared/clock';
import { FailureStreak, GuardedEmitter, isFatal, toError } from '../shared/engine';
import type { EngineFailure, EngineStatus } from '../shared/engine';
import { AbortedError, ConfigError, IntegrationError, TransportError, describeError, snippet } from '../shared/errors';
import type { TlsOptions } from '../shared/tls-options';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { newestInstance } from './client';
import type { CallOptions, MonitoringWorkspace, ProcessInstance, WorkspaceStage } from './client';
import { SessionUnrenewableError, isSessionError } from './errors';
import type { KeepAliveProbe, SessionLease } from './session';
import { openMonitoringSocket } from './monitoring-socket';
import type { MonitoringSocket, SocketEnd } from './monitoring-socket';
import { DEFAULT_WS_PATH_PREFIX, WS_PING_INTERVAL_MS, WS_PONG_TIMEOUT_MS, monitoringSocketAddress } from './vendor';
import type { MonitoringIdEncoding } from './vendor';

/** The part of PpsomClient the monitor uses. */
export interface MonitorClient {
  readonly endpoint: URL;
  openBpmProcess(connection: string, objectKey: string, options?: CallOptions): Promise<string>;
  getProcessInstances(process: string, options?: CallOptions): Promise<ProcessInstance[]>;
  getBpmMonitoringWorkspace(process: string, instanceKey: string, options?: CallOptions): Promise<MonitoringWorkspace>;
  openMonitoringWS(process: string, instanceKey: string, instanceGuid: string, options?: CallOptions): Promise<string>;
  closeBpmProcess(process: string, options?: CallOptions): Promise<boolean>;
}

/** The part of ForesightSession the monitor uses. */
export interface MonitorSession {
  connection(signal?: AbortSignal): Promise<string>;
  invalidate(connection: string): void;
  /** `client` with every answered call recorded as session activity (which postpones the keep-alive). */
  track<C extends object>(client: C): C;
  acquire(probe: KeepAliveProbe): SessionLease;
  /** Lift a refused login (shared rule, `LoginGate`) so the next connection() tries OpenMetabase again. */
  allowLogin?(): void;
}

export interface BpmMonitorOptions {
  client: MonitorClient;
  session: MonitorSession;
  /** Repository key of the process object; or `processMoniker`. */
  processKey?: string;
  /** An opened-process moniker (`…!M!S!BP…`) from elsewhere: used as is, never renewed or closed. A secret. */
  processMoniker?: string;
  /** Instance key; the newest instance when empty. */
  instanceKey?: string;
  /** Instance structure GUID; resolved with GetBpmMonitoringWorkspace when empty. */
  instanceGuid?: string;
  /** Path before `/service` in the WebSocket address, e.g. `/FPBI_App_v10.x`. */
  wsPathPrefix?: string;
  /** How the token goes into the socket address: the vendor's plain concatenation by default. */
  monitoringIdEncoding?: MonitoringIdEncoding;
  tls?: TlsOptions;
  clock?: Clock;
  backoff?: BackoffOptions;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /**
   * An open socket that lasts this long resets the backoff. A frame does not:
   * a server that sends a snapshot and hangs up at once (a finished instance,
   * a proxy) must not be hammered once a second.
   */
  stableMs?: number;
  /** Limit for the WebSocket handshake. */
  handshakeTimeoutMs?: number;
  /**
   * Read GetBpmMonitoringWorkspace after every frame and attach the stages
   * and steps with their states: the documented source of truth, since the
   * frames' own format is not documented (docs/foresight.md#websocket-monitoring-channel suggestion).
   */
  withWorkspace?: boolean;
  logger?: Logger;
  /**
   * The opened process, shared with other monitors of the same process (one
   * OpenBpmProcess for all of them). The monitor then neither opens, keeps
   * alive nor closes the process: the owner of the provider does.
   */
  sharedProcess?: ProcessProvider;
  /**
   * A frame after which the instance is over: when the socket then closes
   * normally (1000) the monitor ends in state `finished` instead of reconnecting.
   */
  isFinalFrame?: (payload: unknown) => boolean;
}

/** An opened process several monitors share (see BpmFleet). */
export interface ProcessProvider {
  /** The opened-process moniker, opening it (once, however many ask) when there is none. */
  get(signal: AbortSignal): Promise<string>;
  /** A SESSION fault came back for `process`: forget it if it is still the current one. */
  invalidate(process: string): void;
}

/** Close code of a normal closure: with a final frame before it, the instance is over. */
const NORMAL_CLOSURE = 1000;

/** Limit for the best-effort CloseBpmProcess on stop or give-up (also the fleet's and bpm-control's). */
export const PROCESS_CLOSE_TIMEOUT_MS = 2000;

export type MonitorState = 'idle' | 'resolving' | 'connecting' | 'connected' | 'reconnecting' | 'stopped' | 'failed' | 'finished';

/** `retryInMs`, `attempt`: while `reconnecting`; `error`: while `reconnecting` or `failed`. */
export type MonitorStatus = EngineStatus<MonitorState>;

export interface MonitorTarget {
  key: string;
  guid: string;
  /** The `BPMMONID!{GUID}` token: not a secret, it is bound to a session the caller cannot see. */
  url: string;
}

export interface MonitorFrame {
  /** Parsed JSON when the frame is JSON text, the text otherwise; a Buffer for a binary frame. */
  payload: unknown;
  isBinary: boolean;
  instance: { key: string; guid: string };
  url: string;
  /** With `withWorkspace`: the instance's stages and steps read right after the frame arrived. */
  workspace?: { process: string; stages: WorkspaceStage[] };
}

/** `fatal`: the monitor gave up (settings or a pasted moniker must change). */
export type MonitorFailure = EngineFailure;

export interface BpmMonitorEvents {
  state: [MonitorStatus];
  resolved: [MonitorTarget];
  frame: [MonitorFrame];
  failure: [MonitorFailure];
}

/**
 * Follows one BPM process instance: runs the chain OpenMetabase →
 * OpenBpmProcess → GetProcessInstances → GetBpmMonitoringWorkspace →
 * OpenMonitoringWS (docs/foresight.md#call-sequence), opens the monitoring WebSocket and emits every
 * frame. Any loss (close, error, missed pong) leads to a reconnect after a
 * capped, jittered backoff that runs OpenMonitoringWS again, and the whole
 * chain again when the session is gone. An error that will not pass by itself
 * (a refused login, a wrong key, a dead pasted moniker) stops it in state
 * `failed` with one fatal failure until start()/connect(). Never emits `error`.
 */
export class BpmMonitor extends GuardedEmitter<BpmMonitorEvents> {
  private readonly options: BpmMonitorOptions;
  private readonly client: MonitorClient;
  private readonly failures = new FailureStreak();
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly stableMs: number;
  private wanted: { key?: string; guid?: string };
  private generation = 0;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private currentState: MonitorState = 'idle';
  /** Chain results kept across reconnects; cleared when the session dies or the instance changes. */
  private connection: string | undefined;
  private process: string | undefined;
  private resolvedKey: string | undefined;
  private resolvedGuid: string | undefined;
  private lease: SessionLease | undefined;
  private socket: MonitoringSocket | undefined;
  private lastTarget: MonitorTarget | undefined;
  private lastSeen: number | undefined;
  private frameQueue: Promise<void> = Promise.resolve();
  /** The socket in use delivered a final frame (`isFinalFrame`). */
  private finalSeen = false;

  constructor(options: BpmMonitorOptions) {
    super(options.logger ?? silentLogger);
    if (!options.processKey && !options.processMoniker && !options.sharedProcess) throw new ConfigError('set the process object key or an opened process moniker');
    this.options = options;
    this.client = options.session.track(options.client);
    this.clock = options.clock ?? systemClock;
    this.backoff = new Backoff(options.backoff);
    this.logger = options.logger ?? silentLogger;
    this.pingIntervalMs = options.pingIntervalMs ?? WS_PING_INTERVAL_MS;
    this.pongTimeoutMs = options.pongTimeoutMs ?? WS_PONG_TIMEOUT_MS;
    this.stableMs = options.stableMs ?? 30_000;
    this.wanted = { key: options.instanceKey || undefined, guid: options.instanceGuid || undefined };
  }

  get state(): MonitorState {
    return this.currentState;
  }

  /** Clock time of the last sign of life from the server's socket (open, pong or frame); never moved by our own timers. */
  get lastSeenAt(): number | undefined {
    return this.lastSeen;
  }

  /** The monikers this monitor holds (connection and opened process), to mask in any text that leaves the package. */
  secrets(): string[] {
    return [this.connection, this.process, this.options.processMoniker].filter((s): s is string => Boolean(s));
  }

  /** The instance and token in use (or last used). */
  get target(): MonitorTarget | undefined {
    return this.lastTarget;
  }

  /**
   * Start (or restart after stop/failure); a running monitor is left alone.
   * A login the session refused stays refused: start() alone does not try it again.
   */
  start(): void {
    if (this.running && this.currentState !== 'failed') return;
    this.launch();
  }

  /** The user's "connect": try a refused login again, then start as start() does. */
  connect(): void {
    this.options.session.allowLogin?.();
    this.start();
  }

  /**
   * Follow another instance: `key` empty = the newest, `guid` empty =
   * resolved. Drops the socket and runs the chain again at once.
   */
  switchInstance(target: { key?: string; guid?: string }): void {
    const key = target.key || undefined;
    this.wanted = { key: key ?? (target.guid ? this.wanted.key : undefined), guid: target.guid || undefined };
    this.resolvedKey = undefined;
    this.resolvedGuid = undefined;
    this.launch();
  }

  /** Close the socket, stop every timer and request, release the session lease and close the process we opened. */
  async stop(): Promise<void> {
    this.generation += 1;
    const gen = this.generation;
    this.controller?.abort();
    this.controller = undefined;
    const running = this.running;
    this.running = undefined;
    this.closeSocket();
    this.releaseLease();
    const proc = this.process;
    this.process = undefined;
    await running?.catch(() => undefined);
    await this.frameQueue;
    // A process opened by an answer that arrived just before the abort is closed too.
    const late = gen === this.generation ? this.process : undefined;
    if (late) {
      this.process = undefined;
      this.releaseLease();
    }
    for (const p of [proc, late]) await this.closeOwnProcess(p);
    if (gen === this.generation) this.setState({ state: 'stopped' });
  }

  private launch(): void {
    this.generation += 1;
    const gen = this.generation;
    this.controller?.abort();
    this.closeSocket();
    const controller = new AbortController();
    this.controller = controller;
    this.backoff.reset();
    const previous = this.running;
    this.running = (async () => {
      await previous?.catch(() => undefined);
      if (gen === this.generation) await this.loop(gen, controller.signal);
    })();
  }

  private async loop(gen: number, signal: AbortSignal): Promise<void> {
    while (gen === this.generation && !signal.aborted) {
      let error: Error | undefined;
      try {
        const end = await this.attempt(signal);
        if (signal.aborted || gen !== this.generation) return;
        if (this.finalSeen && end.code === NORMAL_CLOSURE) {
          await this.frameQueue;
          if (gen === this.generation) this.setState({ state: 'finished' });
          return;
        }
        error = end.error ?? new TransportError(`monitoring socket closed (${end.code}${end.reason ? ` ${snippet(end.reason, 123)}` : ''})`);
      } catch (err) {
        if (signal.aborted || gen !== this.generation || err instanceof AbortedError) return;
        error = toError(err);
        if (isFatal(error)) {
          await this.release();
          if (gen !== this.generation) return;
          const repeated = this.failures.repeats(error);
          this.setState({ state: 'failed', error });
          this.notify('failure', { error, repeated, fatal: true });
          return;
        }
      }
      const retryInMs = this.backoff.next();
      this.notify('failure', { error, retryInMs, repeated: this.failures.repeats(error), fatal: false });
      this.setState({ state: 'reconnecting', retryInMs, attempt: this.backoff.attempt, error });
      try {
        await sleep(this.clock, retryInMs, signal);
      } catch {
        return;
      }
    }
  }

  /** One chain run plus one socket lifetime. Resolves when an opened socket ends; throws when it never opened. */
  private async attempt(signal: AbortSignal): Promise<SocketEnd> {
    this.setState({ state: 'resolving' });
    const target = await this.resolveWithRenewal(signal);
    this.lastTarget = target;
    this.notify('resolved', target);
    this.setState({ state: 'connecting' });
    const end = await this.runSocket(target, signal);
    if (!end.opened) {
      // A token that makes no usable address is the server's answer at fault, not the network.
      if (end.error instanceof IntegrationError && end.error.code !== 'TRANSPORT' && end.error.code !== 'TIMEOUT') throw end.error;
      const why = end.error ? describeError(end.error) : `${end.code} ${end.reason}`;
      // A path that is always 404 usually means the BI server sits in a virtual directory (docs/foresight.md#websocket-monitoring-channel).
      const hint = /\b404\b/.test(why) ? ` at ${this.socketPath()}; check the WebSocket path prefix` : '';
      throw new TransportError(`monitoring socket refused: ${why}${hint}`);
    }
    return end;
  }

  /** The chain; a SESSION fault drops the session and runs it once more with a fresh one. */
  private async resolveWithRenewal(signal: AbortSignal): Promise<MonitorTarget> {
    try {
      return await this.resolve(signal);
    } catch (err) {
      if (!isSessionError(err) || err instanceof SessionUnrenewableError) throw err;
      this.forgetSession();
      if (this.options.processMoniker) {
        throw new SessionUnrenewableError('the opened process moniker is no longer valid; paste a new one or set the process key');
      }
      this.logger.info('session ended on the server; opening a new one');
      return this.resolve(signal);
    }
  }

  private async resolve(signal: AbortSignal): Promise<MonitorTarget> {
    const { client } = this;
    const { session } = this.options;
    const call = { signal };
    // A shared process is asked for on every run: one renewed by another monitor is taken at once.
    if (this.options.sharedProcess) this.process = await this.options.sharedProcess.get(signal);
    if (!this.process) {
      if (this.options.processMoniker) {
        this.process = this.options.processMoniker;
      } else {
        this.connection = await session.connection(signal);
        this.process = await client.openBpmProcess(this.connection, this.options.processKey!, call);
      }
      this.acquireLease();
    }
    const proc = this.process;
    if (!this.resolvedKey) {
      if (this.wanted.key) {
        this.resolvedKey = this.wanted.key;
      } else {
        const newest = newestInstance(await client.getProcessInstances(proc, call));
        if (!newest) throw new IntegrationError('NOT_FOUND', 'the process has no instances yet', { retriable: true });
        this.resolvedKey = newest.key;
      }
    }
    const key = this.resolvedKey;
    if (!this.resolvedGuid) {
      this.resolvedGuid = this.wanted.guid ?? (await client.getBpmMonitoringWorkspace(proc, key, call)).instId;
    }
    const guid = this.resolvedGuid;
    const url = await client.openMonitoringWS(proc, key, guid, call);
    return { key, guid, url };
  }

  /** A monitor that gave up holds nothing: no lease keeping the session alive, no opened process. */
  private async release(): Promise<void> {
    this.releaseLease();
    const proc = this.process;
    this.process = undefined;
    await this.closeOwnProcess(proc);
  }

  /** Best-effort CloseBpmProcess for a process we opened; a pasted process moniker belongs to someone else. */
  private async closeOwnProcess(proc: string | undefined): Promise<void> {
    if (proc && !this.options.processMoniker && !this.options.sharedProcess) await this.client.closeBpmProcess(proc, { timeoutMs: PROCESS_CLOSE_TIMEOUT_MS });
  }

  private forgetSession(): void {
    if (this.process && this.options.sharedProcess) this.options.sharedProcess.invalidate(this.process);
    if (this.connection) this.options.session.invalidate(this.connection);
    this.connection = undefined;
    this.process = undefined;
    this.releaseLease();
  }

  private acquireLease(): void {
    this.releaseLease();
    // The owner of a shared process keeps the session alive for all its monitors.
    if (this.options.sharedProcess) return;
    const proc = this.process!;
    this.lease = this.options.session.acquire(async (signal) => {
      try {
        await this.client.getProcessInstances(proc, { signal });
      } catch (err) {
        // The session died while the socket looked fine: drop the socket so the chain runs again.
        if (isSessionError(err) && this.process === proc) {
          this.forgetSession();
          this.socket?.terminate();
        }
        throw err;
      }
    });
  }

  private releaseLease(): void {
    this.lease?.release();
    this.lease = undefined;
  }

  private async runSocket(target: MonitorTarget, signal: AbortSignal): Promise<SocketEnd> {
    const address = this.socketAddress(target.url);
    let stableTimer: TimerHandle | undefined;
    this.finalSeen = false;
    const socket = openMonitoringSocket(address, {
      clock: this.clock,
      tls: this.options.tls,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs ?? 15_000,
      pingIntervalMs: this.pingIntervalMs,
      pongTimeoutMs: this.pongTimeoutMs,
      signal,
      onOpen: () => {
        this.lastSeen = this.clock.now();
        this.failures.reset();
        stableTimer = this.clock.setTimeout(() => {
          stableTimer = undefined;
          this.backoff.reset();
        }, this.stableMs);
        this.setState({ state: 'connected' });
      },
      onAlive: () => {
        this.lastSeen = this.clock.now();
      },
      onFrame: (payload, isBinary) => {
        const frame: MonitorFrame = { payload, isBinary, instance: { key: target.key, guid: target.guid }, url: target.url };
        if (this.options.isFinalFrame?.(payload)) this.finalSeen = true;
        if (this.options.withWorkspace) this.deliverWithWorkspace(frame, signal);
        else this.notify('frame', frame);
      },
    });
    this.socket = socket;
    const end = await socket.ended;
    if (stableTimer !== undefined) this.clock.clearTimeout(stableTimer);
    if (this.socket === socket) this.socket = undefined;
    return end;
  }

  /** Frames wait for their workspace read one after another, so they still leave in the order they came. */
  private deliverWithWorkspace(frame: MonitorFrame, signal: AbortSignal): void {
    const proc = this.process;
    this.frameQueue = this.frameQueue.then(async () => {
      if (signal.aborted) return;
      try {
        if (!proc) throw new IntegrationError('SESSION', 'the process is no longer open', { retriable: true });
        const ws = await this.client.getBpmMonitoringWorkspace(proc, frame.instance.key, { signal });
        frame.workspace = { process: ws.processName, stages: ws.stages };
      } catch (err) {
        if (signal.aborted) return;
        this.notify('failure', { error: toError(err), repeated: this.failures.repeats(err), fatal: false });
        if (isSessionError(err) && this.process === proc) {
          this.forgetSession();
          this.socket?.terminate();
        }
      }
      this.notify('frame', frame);
    });
  }

  private socketAddress(monitoringUrl: string): string {
    return monitoringSocketAddress(this.client.endpoint, this.options.wsPathPrefix ?? DEFAULT_WS_PATH_PREFIX, monitoringUrl, this.options.monitoringIdEncoding);
  }

  private socketPath(): string {
    return new URL(this.socketAddress('')).pathname;
  }

  private closeSocket(): void {
    const ws = this.socket;
    this.socket = undefined;
    ws?.terminate();
  }

  private setState(status: MonitorStatus): void {
    if (status.state === this.currentState && status.state !== 'reconnecting' && status.state !== 'failed') return;
    this.currentState = status.state;
    this.notify('state', status);
  }
}
