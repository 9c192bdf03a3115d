import { ClosedError, ConfigError, IntegrationError, describeError } from '../shared/errors';
import type { ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { SessionSlot } from '../shared/session-slot';
import { silentLogger } from '../shared/logger';
import type { BpmOperationOutcome, BpmOperationRequest, BpmOperationSettings, CallOptions, MonitoringWorkspace, ProcessInstance } from './client';
import { BpmOperationRefusedError, SessionUnrenewableError, isSessionError } from './errors';
import type { KeepAliveProbe, SessionLease } from './session';
import { BPM_OPERATION_CODES, DEFAULT_STEP_OF_OPERATION, INSTANCE_LEVEL_OPERATIONS, STATE_CODE_MEANINGS } from './vendor';
import { PROCESS_CLOSE_TIMEOUT_MS } from './bpm-monitor';

/** The part of PpsomClient the controller uses. */
export interface ControlClient {
  openBpmProcess(connection: string, objectKey: string, options?: CallOptions): Promise<string>;
  closeBpmProcess(process: string, options?: CallOptions): Promise<boolean>;
  getProcessInstances(process: string, options?: CallOptions): Promise<ProcessInstance[]>;
  getBpmMonitoringWorkspace(process: string, instanceKey: string, options?: CallOptions): Promise<MonitoringWorkspace>;
  runBpmOperation(process: string, request: BpmOperationRequest & { check?: boolean }, options?: CallOptions & BpmOperationSettings): Promise<BpmOperationOutcome[]>;
}

/** The part of ForesightSession the controller uses. */
export interface ControlSession {
  connection(signal?: AbortSignal): Promise<string>;
  invalidate(connection: string): void;
  track<C extends object>(client: C): C;
  acquire(probe: KeepAliveProbe): SessionLease;
}

export interface BpmControllerOptions {
  client: ControlClient;
  session: ControlSession;
  /** Repository key of the process object; or `processMoniker`. */
  processKey?: string;
  /** An opened-process moniker from elsewhere: used as is, never renewed or closed. A secret. */
  processMoniker?: string;
  /** Where a real server differs from vendor.ts (operation codes, `oper` by code, state codes). */
  settings?: BpmOperationSettings;
  logger?: Logger;
}

/** One operation on one or more instances. */
export interface ControlRequest {
  oper: string;
  instanceKeys: readonly string[];
  /** For a step operation; when empty, the step DEFAULT_STEP_OF_OPERATION names (read from the instance's workspace). */
  stepGuid?: string;
  comment?: string;
}

/** One instance's result; `stepGuid` is the step acted on (a step operation). */
export interface ControlOutcome extends BpmOperationOutcome {
  stepGuid?: string;
}

/**
 * Runs ExecuteBpmOperation on instances of one process (docs/foresight.md#operations-that-change-state), with the
 * step's allowed operations read first (GetBpmStepOperations) so a refused
 * operation is NOT_ALLOWED before any call. Opens the process on the shared
 * session at first use and keeps it open (with a keep-alive lease) until
 * close(). Requests run one after another. A SESSION fault drops the session
 * and the process and runs the rest of the request once more on a fresh one;
 * a SESSION fault on the retry, an abort or a close skips the instances not
 * yet tried.
 */
export class BpmController {
  private readonly options: BpmControllerOptions;
  private readonly client: ControlClient;
  private readonly logger: Logger;
  private readonly controller = new AbortController();
  private queue: Promise<unknown> = Promise.resolve();
  /** The opened process (a `SessionSlot`): opened at first use, closed by close(); a pasted moniker is used as is. */
  private readonly process: SessionSlot<string>;
  /** The session the current process was opened on. */
  private connection: string | undefined;
  private lease: SessionLease | undefined;
  /** The process the keep-alive lease is held for. */
  private leased: string | undefined;
  private closed = false;

  constructor(options: BpmControllerOptions) {
    if (!options.processKey && !options.processMoniker) throw new ConfigError('set the process object key or an opened process moniker');
    this.options = options;
    this.client = options.session.track(options.client);
    this.logger = options.logger ?? silentLogger;
    const signal = this.controller.signal;
    this.process = new SessionSlot<string>({
      login: async () => {
        this.connection = await options.session.connection(signal);
        return this.client.openBpmProcess(this.connection, options.processKey!, { signal });
      },
      release: (proc) => this.client.closeBpmProcess(proc, { timeoutMs: PROCESS_CLOSE_TIMEOUT_MS }),
      ...(options.processMoniker ? { pasted: options.processMoniker } : {}),
      // Never reached: a pasted moniker is not invalidated here, every request tries it again.
      pastedDied: () => new SessionUnrenewableError('the opened process moniker is no longer valid'),
      closed: () => new ClosedError('bpm-control closed'),
      closeWaitMs: PROCESS_CLOSE_TIMEOUT_MS,
      // The session holds a refused login; a failed OpenBpmProcess is tried again by the next request.
      holdRefusedLogin: false,
    });
  }

  /** The operation names known (vendor.ts or the settings' codes). */
  get operations(): string[] {
    return Object.keys(this.options.settings?.operationCodes ?? BPM_OPERATION_CODES);
  }

  /** The monikers this controller holds, to mask in any text that leaves the package. */
  secrets(): string[] {
    return [this.connection, this.process.id, this.options.processMoniker].filter((s): s is string => Boolean(s));
  }

  /** Runs `request` after the ones before it; one outcome per instance, in order. Rejects only for a bad request or after close(). */
  run(request: ControlRequest): Promise<ControlOutcome[]> {
    const job = this.queue.then(() => this.runNow(request));
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** Abort what runs, release the keep-alive lease and close the process we opened (best-effort). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.controller.abort();
    await this.queue;
    this.releaseLease();
    await this.process.close();
  }

  private async runNow(request: ControlRequest): Promise<ControlOutcome[]> {
    if (this.closed) throw new ClosedError('bpm-control closed');
    if (!this.operations.includes(request.oper)) throw new ConfigError(`unknown operation ${request.oper}; known: ${this.operations.join(', ')}`);
    if (request.instanceKeys.length === 0) throw new ConfigError(`${request.oper}: no instance given`);
    const out: ControlOutcome[] = [];
    let renewed = false;
    let fatal: unknown;
    for (const instanceKey of request.instanceKeys) {
      if (fatal !== undefined) {
        out.push({ instanceKey, oper: request.oper, status: 'skipped', error: fatal });
        continue;
      }
      let outcome = await this.once(instanceKey, request);
      if (!renewed && this.renewable(outcome.error)) {
        renewed = true;
        this.logger.info('session ended on the server; opening a new one');
        this.forgetSession();
        outcome = await this.once(instanceKey, request);
      }
      const code = outcome.error instanceof IntegrationError ? outcome.error.code : undefined;
      if (code === 'SESSION' || code === 'ABORTED' || code === 'CLOSED') fatal = outcome.error;
      out.push(outcome);
    }
    return out;
  }

  private async once(instanceKey: string, request: ControlRequest): Promise<ControlOutcome> {
    const { oper } = request;
    const call = { signal: this.controller.signal, ...this.options.settings };
    let stepGuid = request.stepGuid || undefined;
    try {
      const proc = await this.openProcess();
      if (!stepGuid && !INSTANCE_LEVEL_OPERATIONS.includes(oper)) stepGuid = await this.defaultStep(proc, instanceKey, oper);
      const [outcome] = await this.client.runBpmOperation(proc, { oper, instanceKeys: [instanceKey], stepGuid, comment: request.comment, check: true }, call);
      return { ...outcome!, ...(stepGuid ? { stepGuid } : {}) };
    } catch (err) {
      const code = err instanceof IntegrationError ? err.code : undefined;
      return { instanceKey, oper, status: code === 'NOT_ALLOWED' ? 'refused' : 'failed', error: err, ...(stepGuid ? { stepGuid } : {}) };
    }
  }

  /** The step DEFAULT_STEP_OF_OPERATION names, from the instance's workspace; NOT_ALLOWED when it has none. */
  private async defaultStep(proc: string, instanceKey: string, oper: string): Promise<string> {
    const which = DEFAULT_STEP_OF_OPERATION[oper];
    if (!which) throw new ConfigError(`${oper} acts on a step: give msg.stepGuid`);
    const ws = await this.client.getBpmMonitoringWorkspace(proc, instanceKey, { signal: this.controller.signal });
    const steps = ws.stages.flatMap((s) => s.steps);
    const running = (this.options.settings?.stateMeanings ?? STATE_CODE_MEANINGS).running;
    const index = steps.findIndex((s) => s.states.some((c) => running.includes(c)));
    const step = index < 0 ? undefined : steps[which === 'running' ? index : index - 1];
    if (!step?.guid) throw new BpmOperationRefusedError(oper, instanceKey, '', [], { why: which === 'running' ? 'no step of it is running' : 'no finished step before the running one' });
    return step.guid;
  }

  private async openProcess(): Promise<string> {
    const proc = await this.process.get(this.controller.signal);
    if (this.leased !== proc) this.acquireLease(proc);
    return proc;
  }

  /** A SESSION fault we can recover from by a new session: not with a pasted process moniker, not a dead pasted connection. */
  private renewable(err: unknown): boolean {
    return isSessionError(err) && !(err instanceof SessionUnrenewableError) && !this.options.processMoniker && !this.closed;
  }

  /** The session and the process on it are gone. A pasted process moniker is kept: the next request tries it again. */
  private forgetSession(): void {
    if (this.connection) this.options.session.invalidate(this.connection);
    this.connection = undefined;
    const proc = this.process.id;
    if (proc !== undefined && !this.options.processMoniker) this.process.invalidate(proc);
    this.releaseLease();
  }

  private acquireLease(proc: string): void {
    this.releaseLease();
    this.leased = proc;
    this.lease = this.options.session.acquire(async (signal) => {
      try {
        await this.client.getProcessInstances(proc, { signal });
      } catch (err) {
        if (isSessionError(err) && this.leased === proc) {
          this.logger.debug(`keep-alive: ${describeError(err)}`);
          this.forgetSession();
        }
        throw err;
      }
    });
  }

  private releaseLease(): void {
    this.lease?.release();
    this.lease = undefined;
    this.leased = undefined;
  }
}

/**
 * One error for a request where some instances did not succeed: lists them
 * with their reasons. Its code is NOT_ALLOWED when every failure was a
 * refusal, otherwise the code of the first failure.
 */
export class BpmControlError extends IntegrationError {
  readonly operation: string;
  readonly failed: readonly ControlOutcome[];

  constructor(operation: string, outcomes: readonly ControlOutcome[]) {
    const failed = outcomes.filter((o) => o.status !== 'done');
    // An answer 0 (or a fault of our own) has no code of its own: the server did not do it.
    const codeOf = (o: ControlOutcome): ErrorCode => (o.error instanceof IntegrationError ? o.error.code : 'SERVER');
    const first = failed.find((o) => o.status !== 'skipped') ?? failed[0];
    const code: ErrorCode = failed.every((o) => o.status === 'refused') ? 'NOT_ALLOWED' : first ? codeOf(first) : 'SERVER';
    const list = failed.map((o) => `${o.instanceKey} (${o.status}${o.error ? `: ${describeError(o.error)}` : ': the server answered 0'})`).join('; ');
    super(code, `${operation} did not succeed for ${failed.length} of ${outcomes.length} instance(s): ${list}`, {
      retriable: first?.error instanceof IntegrationError ? first.error.retriable : false,
    });
    this.operation = operation;
    this.failed = failed;
  }
}
