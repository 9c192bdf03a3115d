import { ConfigError, IntegrationError, ResponseFormatError } from '../shared/errors';
import { HttpTransport } from '../shared/http';
import type { TlsOptions } from '../shared/tls-options';
import { decodeResponse, encodeRequest, field, items, text } from './codec';
import type { PpsomParams, PpsomValue, PpsomWireFormat } from './codec';
import { INSTANCES_MODE, LONE_SURROGATE, OP, PPSOM_PATHS, parseVendorDate } from './vendor';
import { BpmOperationRefusedError, PpsomFaultError } from './errors';
import {
  BPM_OPERATION_CODES,
  DEFAULT_OPER_ENCODING,
  FAULT_TEXT_MATCH_LENGTH,
  INSTANCE_LEVEL_OPERATIONS,
  OPERATION_REFUSED_FAULT_PATTERNS,
  OP_GET_BPM_STEP_OPERATIONS,
  instancePhase,
} from './vendor';
import type { InstancePhase, OperEncoding, StateCodeMeanings } from './vendor';

/** Operations whose answers (and faults) may echo the credentials: never quoted in errors. */
const LOGIN_OPS: readonly string[] = [OP.openMetabase];
/** Longest monitoring token taken from a server; the vendor's is 48 characters. */
const MAX_MONITORING_URL_LENGTH = 2048;

export interface PpsomClientOptions {
  /** Full endpoint URL, e.g. `http://bi:8810/FPBI_App_v10.x/axis2/services/PP.SOM.Som` (docs/foresight.md#endpoint-paths). */
  endpoint: string;
  /** JSON (default) or SOAP 1.1. */
  wireFormat?: PpsomWireFormat;
  timeoutMs?: number;
  tls?: TlsOptions;
  maxResponseBytes?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface OpenMetabaseResult {
  /** Connection moniker `…!M`: a secret, it carries the session. */
  id: string;
  sessKey: string;
  version: string;
}

export interface ProcessInstance {
  key: string;
  /** As the server renders it, e.g. `21.06.2024 08:27:14`. */
  startDate: string;
  comment: string;
  prms: string;
}

export interface MonitoringWorkspace {
  /** GUID of the instance structure, needed by OpenMonitoringWS (docs/foresight.md#getbpmmonitoringworkspace). */
  instId: string;
  processName: string;
  /** Stages and their steps with their state codes, flattened from the `it` collections. */
  stages: WorkspaceStage[];
  /** The whole normalised `GetBpmMonitoringWorkspaceResult`. */
  raw: PpsomValue;
}

export interface WorkspaceStage {
  name: string;
  /** `<n>*<stage>` (docs/foresight.md#getbpmmonitoringworkspace). */
  id: string;
  guid: string;
  /** Opaque codes; 1 and 2 are the only ones the vendor shows (docs/foresight.md#state-codes). */
  states: number[];
  steps: WorkspaceStep[];
}

export interface WorkspaceStep {
  name: string;
  /** `<n>*<stage>@<group>^<step>` (docs/foresight.md#getbpmmonitoringworkspace). */
  id: string;
  guid: string;
  type: string;
  states: number[];
}

export interface Credentials {
  user: string;
  password: string;
}

/**
 * PP.SOM over JSON or SOAP 1.1 for the session and the BPM monitoring chain
 * (docs/foresight.md#session-operations). Stateless apart from the HTTP pool: monikers are passed in
 * and returned, the session owner decides when to open and close them.
 */
export class PpsomClient {
  private readonly wireFormat: PpsomWireFormat;
  readonly endpoint: URL;
  private readonly http: HttpTransport;

  constructor(options: PpsomClientOptions) {
    this.wireFormat = options.wireFormat ?? 'json';
    this.http = new HttpTransport({
      baseUrl: options.endpoint,
      timeoutMs: options.timeoutMs,
      tls: options.tls,
      maxResponseBytes: options.maxResponseBytes,
    });
    this.endpoint = new URL(options.endpoint);
    // A host-only address would POST to "/" and fail as a network error on every retry.
    if (this.endpoint.pathname === '/' || this.endpoint.pathname === '') {
      throw new ConfigError(
        `the PP.SOM URL ${this.endpoint.origin} has no service path; use the full address, e.g. ${this.endpoint.origin}${PPSOM_PATHS.virtualDir}`,
      );
    }
  }

  /** One PP.SOM operation: `{Op: params}` in, the normalised `OpResult` out. */
  async call(op: string, params: PpsomParams, options: CallOptions = {}): Promise<PpsomValue> {
    const request = encodeRequest(this.wireFormat, op, params);
    const response = await this.http.post(this.endpoint.search, request.body, request.headers, options);
    return decodeResponse(this.wireFormat, op, response, requestSecrets(params), LOGIN_OPS);
  }

  async openMetabase(repositoryId: string, credentials: Credentials, options?: CallOptions): Promise<OpenMetabaseResult> {
    const result = await this.call(
      OP.openMetabase,
      { tDef: { id: repositoryId }, tCreds: { user: { id: credentials.user }, pass: credentials.password }, tArg: '' },
      options,
    );
    const id = text(result, 'id');
    if (!id) throw new ResponseFormatError('OpenMetabase: the answer carries no connection moniker');
    return { id, sessKey: text(result, 'sessKey'), version: text(result, 'version') };
  }

  async closeMetabase(connection: string, options?: CallOptions): Promise<boolean> {
    const result = await this.call(OP.closeMetabase, { tMb: { id: connection } }, options);
    return result === '1' || result === 'true';
  }

  /** Open the process object `<connection>!<objectKey>`; returns the opened-process moniker (docs/foresight.md#openbpmprocess). */
  async openBpmProcess(connection: string, objectKey: string, options?: CallOptions & { openForEdit?: boolean }): Promise<string> {
    const result = await this.call(
      OP.openBpmProcess,
      { tObject: { id: `${connection}!${objectKey}` }, tArg: { args: { openForEdit: options?.openForEdit ?? false } } },
      options,
    );
    // The moniker is nested twice: `id.id` (docs/foresight.md#openbpmprocess).
    const id = text(field(result, 'id'), 'id');
    if (!id) throw new ResponseFormatError('OpenBpmProcess: the answer carries no process moniker');
    return id;
  }

  async getProcessInstances(process: string, options?: CallOptions & { parentInstKey?: string }): Promise<ProcessInstance[]> {
    const arg: PpsomParams = { mode: INSTANCES_MODE };
    if (options?.parentInstKey) arg.parentInstKey = options.parentInstKey;
    const result = await this.call(OP.getProcessInstances, { tBpmProcess: { id: process }, arg }, options);
    return items(field(result, 'list')).map((it) => ({
      key: text(it, 'key'),
      startDate: text(it, 'startDate'),
      comment: text(it, 'comment'),
      prms: text(it, 'prms'),
    }));
  }

  async getBpmMonitoringWorkspace(process: string, instanceKey: string, options?: CallOptions): Promise<MonitoringWorkspace> {
    const result = await this.call(OP.getBpmMonitoringWorkspace, { tBpmProcess: { id: process }, tArg: { id: instanceKey } }, options);
    const instId = text(result, 'instId');
    if (!instId) throw new ResponseFormatError(`GetBpmMonitoringWorkspace: no instId for instance ${instanceKey}`);
    return { instId, processName: text(field(result, 'proc'), 'name'), stages: workspaceStages(result), raw: result };
  }

  /** The `BPMMONID!{GUID}` token for the monitoring WebSocket (docs/foresight.md#openmonitoringws). */
  async openMonitoringWS(process: string, instanceKey: string, instanceGuid: string, options?: CallOptions): Promise<string> {
    const result = await this.call(OP.openMonitoringWS, { tObject: { id: process }, tArg: { key: instanceKey, guid: instanceGuid } }, options);
    const url = text(result, 'url');
    if (!url) throw new ResponseFormatError('OpenMonitoringWS: the answer carries no url');
    if (url.length > MAX_MONITORING_URL_LENGTH || url !== url.replace(LONE_SURROGATE, '') || hasControlOrFragment(url)) {
      throw new ResponseFormatError(`OpenMonitoringWS: the url (${url.length} characters) cannot be part of a WebSocket address`);
    }
    return url;
  }

  /** Best-effort: the operation is not documented (docs/foresight.md#closebpmprocess); every failure is swallowed and reported as false. */
  async closeBpmProcess(process: string, options?: CallOptions): Promise<boolean> {
    try {
      const result = await this.call(OP.closeBpmProcess, { tBpmProcess: { id: process } }, options);
      return result === '1' || result === 'true';
    } catch {
      return false;
    }
  }

  /** The operations each step allows now, for one instance (docs/foresight.md#operations-that-change-state GetBpmStepOperations). */
  async getBpmStepOperations(
    process: string,
    instanceKey: string,
    stepGuids: readonly string[],
    options?: CallOptions & BpmOperationSettings,
  ): Promise<StepOperations[]> {
    if (stepGuids.length === 0) throw new ConfigError(`GetBpmStepOperations: no step GUID given for instance ${instanceKey}`);
    const result = await this.call(
      OP_GET_BPM_STEP_OPERATIONS,
      { tBpmProcess: { id: process }, tArg: { instId: instanceKey, guids: collectionParam(stepGuids) } },
      options,
    );
    const names = operationNames(options?.operationCodes ?? BPM_OPERATION_CODES);
    return items(field(result, 'steps')).map((step) => {
      const codes = stateCodes(field(step, 'ops'));
      return { guid: text(step, 'guid'), codes, operations: codes.map((c) => names.get(c) ?? String(c)), autoExec: text(step, 'autoExec') === '1' };
    });
  }

  /**
   * One ExecuteBpmOperation call (docs/foresight.md#operations-that-change-state): `oper` on the instances, with the
   * step GUID for a step operation. True when the server answers `1`. A fault
   * that says the operation is not available becomes BpmOperationRefusedError.
   */
  async executeBpmOperation(process: string, request: BpmOperationRequest, options?: CallOptions & BpmOperationSettings): Promise<boolean> {
    if (request.instanceKeys.length === 0) throw new ConfigError(`ExecuteBpmOperation ${request.oper}: no instance key given`);
    const codes = options?.operationCodes ?? BPM_OPERATION_CODES;
    if (!(request.oper in codes)) throw new ConfigError(`ExecuteBpmOperation: unknown operation ${request.oper}; known: ${Object.keys(codes).join(', ')}`);
    const tArg: PpsomParams = {
      oper: (options?.operEncoding ?? DEFAULT_OPER_ENCODING) === 'code' ? codes[request.oper] : request.oper,
      instIds: collectionParam(request.instanceKeys),
    };
    if (request.stepGuid) tArg.guid = request.stepGuid;
    tArg.comment = request.comment ?? '';
    try {
      const result = await this.call(OP.executeBpmOperation, { tBpmProcess: { id: process }, tArg }, options);
      return result === '1' || result === 'true';
    } catch (err) {
      if (err instanceof PpsomFaultError && OPERATION_REFUSED_FAULT_PATTERNS.some((p) => p.test(err.message.slice(0, FAULT_TEXT_MATCH_LENGTH)))) {
        throw new BpmOperationRefusedError(request.oper, request.instanceKeys.join(','), request.stepGuid ?? '', [], { cause: err, why: 'refused by the server' });
      }
      throw err;
    }
  }

  /**
   * `oper` on each instance in turn, one result per instance. With `check`
   * (default true) the step's operations are read first (GetBpmStepOperations;
   * for an instance operation: every step of the instance, via
   * GetBpmMonitoringWorkspace) and an operation they do not list is `refused`
   * without calling ExecuteBpmOperation. A session, abort or close error ends
   * the run: the instances not yet tried are `skipped` with that error.
   */
  async runBpmOperation(
    process: string,
    request: BpmOperationRequest & { check?: boolean },
    options?: CallOptions & BpmOperationSettings,
  ): Promise<BpmOperationOutcome[]> {
    const out: BpmOperationOutcome[] = [];
    let fatal: unknown;
    for (const instanceKey of request.instanceKeys) {
      if (fatal !== undefined) {
        out.push({ instanceKey, oper: request.oper, status: 'skipped', error: fatal });
        continue;
      }
      try {
        if (request.check ?? true) await this.assertOperationAllowed(process, instanceKey, request.oper, request.stepGuid, options);
        const done = await this.executeBpmOperation(process, { ...request, instanceKeys: [instanceKey] }, options);
        out.push({ instanceKey, oper: request.oper, status: done ? 'done' : 'failed' });
      } catch (err) {
        const code = err instanceof IntegrationError ? err.code : undefined;
        if (code === 'SESSION' || code === 'ABORTED' || code === 'CLOSED') fatal = err;
        out.push({ instanceKey, oper: request.oper, status: code === 'NOT_ALLOWED' ? 'refused' : 'failed', error: err });
      }
    }
    return out;
  }

  /** Throws BpmOperationRefusedError when `oper` is not among the operations GetBpmStepOperations lists. */
  async assertOperationAllowed(
    process: string,
    instanceKey: string,
    oper: string,
    stepGuid: string | undefined,
    options?: CallOptions & BpmOperationSettings,
  ): Promise<StepOperations[]> {
    const instanceLevel = INSTANCE_LEVEL_OPERATIONS.includes(oper);
    if (!instanceLevel && !stepGuid) throw new ConfigError(`ExecuteBpmOperation ${oper} acts on a step: give the step GUID`);
    const guids = stepGuid
      ? [stepGuid]
      : (await this.getBpmMonitoringWorkspace(process, instanceKey, options)).stages.flatMap((s) => s.steps.map((st) => st.guid)).filter(Boolean);
    const steps = guids.length ? await this.getBpmStepOperations(process, instanceKey, guids, options) : [];
    const allowed = [...new Set(steps.flatMap((s) => s.operations))];
    const listed = stepGuid ? steps.filter((s) => s.guid.toUpperCase() === stepGuid.toUpperCase()) : steps;
    if (stepGuid && listed.length === 0) throw new BpmOperationRefusedError(oper, instanceKey, stepGuid, [], { why: 'the server lists no such step' });
    if (!listed.some((s) => s.operations.includes(oper))) throw new BpmOperationRefusedError(oper, instanceKey, stepGuid ?? '', allowed);
    return steps;
  }

  /** An instance of the list with its stages' states and what it is doing (inferred from the codes, docs/foresight.md#state-codes). */
  async getInstanceState(process: string, instance: ProcessInstance, options?: CallOptions & BpmOperationSettings): Promise<InstanceState> {
    const ws = await this.getBpmMonitoringWorkspace(process, instance.key, options);
    const stepStates = ws.stages.flatMap((s) => s.steps.map((st) => st.states));
    return { ...instance, instId: ws.instId, phase: instancePhase(stepStates, options?.stateMeanings), stages: ws.stages };
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** A control character or `#` cannot be part of a WebSocket address (`ws` refuses a fragment). */
function hasControlOrFragment(url: string): boolean {
  for (let i = 0; i < url.length; i += 1) {
    const c = url.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x23) return true;
  }
  return false;
}

/** The password and monikers a request carries (`pass`, every `id`): masked in any server text quoted back. */
function requestSecrets(params: PpsomParams): string[] {
  const out: string[] = [];
  const walk = (value: PpsomParams[string], key: string): void => {
    if (typeof value === 'string') {
      if ((key === 'pass' && value.length >= 3) || (key === 'id' && value.length >= 8)) out.push(value);
      // An object moniker `<connection>!<key>`: its connection part is the secret.
      if (key === 'id' && value.includes('!')) out.push(value.slice(0, value.lastIndexOf('!')));
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  for (const [k, v] of Object.entries(params)) walk(v, k);
  return out;
}

/** The newest instance: latest `startDate` (`dd.mm.yyyy hh:mm:ss`, docs/foresight.md#value-conventions), ties and unreadable dates by the larger key. */
export function newestInstance(instances: readonly ProcessInstance[]): ProcessInstance | undefined {
  let best: ProcessInstance | undefined;
  for (const inst of instances) {
    if (!best || compareInstances(inst, best) > 0) best = inst;
  }
  return best;
}

function compareInstances(a: ProcessInstance, b: ProcessInstance): number {
  const ta = parseVendorDate(a.startDate);
  const tb = parseVendorDate(b.startDate);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return (Number(a.key) || 0) - (Number(b.key) || 0);
}

/** `proc.stages.it[]` → stages, each with the steps of all its step groups (docs/foresight.md#getbpmmonitoringworkspace tree). */
function workspaceStages(result: PpsomValue): WorkspaceStage[] {
  return items(field(field(result, 'proc'), 'stages')).map((entry) => {
    const stage = field(entry, 'stage');
    return {
      name: text(stage, 'name'),
      id: text(stage, 'id'),
      guid: text(stage, 'guid'),
      states: stateCodes(field(stage, 'states')),
      steps: items(field(entry, 'stGroups')).flatMap((group) =>
        items(field(group, 'steps')).map((step) => ({
          name: text(step, 'name'),
          id: text(step, 'id'),
          guid: text(step, 'guid'),
          type: text(step, 'type'),
          states: stateCodes(field(step, 'states')),
        })),
      ),
    };
  });
}

function stateCodes(collection: PpsomValue | undefined): number[] {
  return items(collection)
    .map((v) => (typeof v === 'string' ? Number(v) : Number.NaN))
    .filter((n) => Number.isFinite(n));
}

/** Where a real server differs from the assumptions of vendor.ts (operation codes, `oper` by name or code, state codes). */
export interface BpmOperationSettings {
  operationCodes?: Readonly<Record<string, number>>;
  operEncoding?: OperEncoding;
  stateMeanings?: StateCodeMeanings;
}

export interface BpmOperationRequest {
  /** A name of `BPM_OPERATION_CODES`, e.g. `ProcessStop`. */
  oper: string;
  /** Instance keys (GetProcessInstances `list.it[].key`). */
  instanceKeys: readonly string[];
  /** The step GUID (GetBpmMonitoringWorkspace) for a step operation; none for an instance operation. */
  stepGuid?: string;
  comment?: string;
}

export interface StepOperations {
  guid: string;
  /** The codes as listed (`ops.it`). */
  codes: number[];
  /** The same by name; a code without a known name as its number. */
  operations: string[];
  autoExec: boolean;
}

/** One instance's result of runBpmOperation. */
export interface BpmOperationOutcome {
  instanceKey: string;
  oper: string;
  /** `done`: the server answered 1; `refused`: not allowed (NOT_ALLOWED); `failed`: another error or 0; `skipped`: not tried after a session/abort/close error. */
  status: 'done' | 'refused' | 'failed' | 'skipped';
  error?: unknown;
}

export interface InstanceState extends ProcessInstance {
  instId: string;
  phase: InstancePhase;
  stages: WorkspaceStage[];
}

/** A string collection the way the vendor writes it: `{"it": "97976"}` for one, `{"it": [...]}` for several (docs/foresight.md#value-conventions). */
function collectionParam(list: readonly string[]): PpsomParams {
  return { it: list.length === 1 ? list[0] : [...list] };
}

function operationNames(codes: Readonly<Record<string, number>>): Map<number, string> {
  return new Map(Object.entries(codes).map(([name, code]) => [code, name]));
}
