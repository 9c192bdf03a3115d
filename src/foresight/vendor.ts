/**
 * Every assumption about the Foresight PP.SOM service and its BPM monitoring
 * WebSocket that the vendor documentation does not settle lives here, so the
 * client, the monitor and the simulator agree and a correction is made once.
 * docs/foresight.md lists each item with the spec section it comes from.
 */

/** Namespace of the operation element in SOAP requests and answers (docs/foresight.md#envelopes-and-the-result-element). */
export const PPSOM_NAMESPACE = 'http://www.fsight.ru/PP.SOM.Som';
export const SOAP11_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
/** SOAP 1.2's envelope namespace: an answer's `Envelope` in it is read too (its fault vocabulary is, docs/foresight.md#faults). */
export const SOAP12_ENVELOPE_NAMESPACE = 'http://www.w3.org/2003/05/soap-envelope';

/** Request headers per transport (docs/foresight.md#headers). SOAPAction is not documented; the server dispatches on the body. */
export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** Endpoint paths a BI server or web application serves PP.SOM on (docs/foresight.md#endpoint-paths). */
export const PPSOM_PATHS = {
  standalone: '/axis2/services/PP.SOM.Som',
  virtualDir: '/FPBI_App_v10.x/axis2/services/PP.SOM.Som',
  webApp: '/app/PPService.axd',
} as const;

/** Operation names (docs/foresight.md#session-operations). Answers are always `<Op>Result` (docs/foresight.md#envelopes-and-the-result-element). */
export const OP = {
  openMetabase: 'OpenMetabase',
  closeMetabase: 'CloseMetabase',
  openBpmProcess: 'OpenBpmProcess',
  getProcessInstances: 'GetProcessInstances',
  getBpmMonitoringWorkspace: 'GetBpmMonitoringWorkspace',
  openMonitoringWS: 'OpenMonitoringWS',
  executeBpmOperation: 'ExecuteBpmOperation',
  /**
   * Not documented in any revision (docs/foresight.md#closebpmprocess): the name follows the
   * vendor's general Open.../Close... operation pattern and the argument is `tBpmProcess`. Closing is
   * best-effort, so a server without this operation costs one ignored fault.
   */
  closeBpmProcess: 'CloseBpmProcess',
} as const;

export function resultElement(op: string): string {
  return `${op}Result`;
}

/** The `mode` sent to GetProcessInstances (docs/foresight.md#getprocessinstances: `Default` = 0). */
export const INSTANCES_MODE = 'Default';

/** Collections are wrapped as `{"it": x}`, x an object for one element and an array for several (docs/foresight.md#value-conventions). */
export const COLLECTION_ITEM = 'it';

/**
 * Faults that mean "this moniker (and everything derived from it) is dead".
 * The vendor does not document the text (docs/foresight.md#faults); the first pattern
 * is the text a public mock answers for an unknown session, the others cover
 * plausible English and Russian wordings of an expired or closed session.
 */
export const SESSION_FAULT_PATTERNS: readonly RegExp[] = [
  /некорректн\S{0,16} идентификатор\S{0,16} сесси/i,
  /сесси\S{0,16} (истек|закрыт|не найден|не существует)/i,
  /(invalid|unknown|expired|closed) (session|moniker)/i,
  /session (has )?(expired|closed|not found|is invalid)/i,
  /моникер\S{0,16} (недействител|некорректн)/i,
];

/** Faults that mean "no such object, instance or operation": settings to fix, not worth retrying. */
export const NOT_FOUND_FAULT_PATTERNS: readonly RegExp[] = [/не найден/i, /not found/i, /does not exist/i, /не существует/i];

/**
 * Faults that mean "the account was refused": code CONFIG, so a refused
 * OpenMetabase falls under the shared rule for refused logins (`LoginGate`):
 * no further attempt until a deploy or a "connect" (account lockout).
 */
export const AUTH_FAULT_PATTERNS: readonly RegExp[] = [
  /неверн\S{0,16} (имя пользователя|пароль|логин|учётн|учетн)/i,
  /(invalid|wrong|incorrect|bad) (user ?name|user|password|login|credentials)/i,
  /(authentication|logon|login) failed/i,
  /(учётная|учетная) запись (заблокирована|отключена)/i,
];

export type FaultKind = 'SESSION' | 'AUTH' | 'NOT_FOUND' | 'SERVER';

/**
 * Fault texts are matched on their first characters only: every pattern
 * above is linear, and bounding the text bounds the work whatever a server sends.
 */
export const FAULT_TEXT_MATCH_LENGTH = 1024;

export function classifyFault(faultString: string): FaultKind {
  faultString = faultString.slice(0, FAULT_TEXT_MATCH_LENGTH);
  if (SESSION_FAULT_PATTERNS.some((p) => p.test(faultString))) return 'SESSION';
  if (AUTH_FAULT_PATTERNS.some((p) => p.test(faultString))) return 'AUTH';
  if (NOT_FOUND_FAULT_PATTERNS.some((p) => p.test(faultString))) return 'NOT_FOUND';
  return 'SERVER';
}

/** What the simulator answers for an unknown, closed or expired moniker (docs/foresight.md#faults, third-party mock). */
export const SESSION_FAULT_TEXT = 'Некорректный идентификатор сессии';
/** SOAP 1.1 code for a bad request; the mock's `soapenv:Sender` is SOAP 1.2 vocabulary (docs/foresight.md#faults). */
export const SESSION_FAULT_CODE_SOAP = 'soapenv:Client';
export const SESSION_FAULT_CODE_JSON = 'soapenv:Sender';

/** The vendor's default inactivity timeout of a repository session, TimeoutSec = 1800 (docs/foresight.md#session-timeout). */
export const SERVER_SESSION_TIMEOUT_MS = 1_800_000;
/**
 * No ping operation is documented (docs/foresight.md#keep-alive); a cheap read on the opened
 * process keeps the session alive. Ten minutes is well inside the default
 * 30-minute timeout, even if one keep-alive fails and the next one is used.
 */
export const KEEPALIVE_INTERVAL_MS = 600_000;

/** Monitoring channel (docs/foresight.md#websocket-monitoring-channel): `ws[s]://<host>[:port][prefix]/service?id=<url>`. */
export const WS_SERVICE_PATH = '/service';
export const WS_ID_PARAM = 'id';
/** The vendor example has no virtual directory in the WebSocket address (docs/foresight.md#websocket-monitoring-channel); configurable. */
export const DEFAULT_WS_PATH_PREFIX = '';
export const MONITORING_URL_PREFIX = 'BPMMONID!';

/** WebSocket ping cadence and the time to wait for a pong (or any frame) before the socket counts as dead. */
export const WS_PING_INTERVAL_MS = 30_000;
export const WS_PONG_TIMEOUT_MS = 10_000;

/**
 * Largest monitoring frame accepted. The frames carry one instance's state
 * changes; a larger one is a broken or hostile server and drops the socket
 * (PROTOCOL) instead of being buffered.
 */
export const WS_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** The socket closes with this code when the token is unknown or its session has ended (our convention). */
export const WS_CLOSE_POLICY = 1008;

/**
 * Monikers are secrets: they carry the session. The shapes of docs/foresight.md#monikers, used to
 * mask them in text. Linear on any text: a letter run is only tried from its
 * first letter (the lookbehind), and no two quantifiers can share characters.
 * (An unanchored `[A-Z]{16,}!M` retries from every letter of a long capital
 * run and takes quadratic time.)
 */
export const MONIKER_PATTERN = /(?<![A-Z])[A-Z]{16,}!M(?:![-A-Za-z0-9!*@^:{}]*)?|(?<![A-Za-z0-9])S\d{1,12}!M\b[!A-Za-z0-9]*/g;

export function maskMonikers(text: string): string {
  return text.replace(MONIKER_PATTERN, '***');
}

/**
 * How the monitoring token goes into the socket address. The vendor appends it
 * raw (`…/service?id=` + `BPMMONID!{GUID}`, docs/foresight.md#websocket-monitoring-channel and the OpenMonitoringWS
 * page), which is also what a browser sends, so that is the default.
 * `percent-encoded` encodes `{` and `}` (and anything else outside the URL
 * syntax) for proxies that refuse them; a `foresight-server` setting.
 */
export type MonitoringIdEncoding = 'vendor' | 'percent-encoded';
export const DEFAULT_MONITORING_ID_ENCODING: MonitoringIdEncoding = 'vendor';

export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `ws[s]://<host>[:port][prefix]/service?id=<url>` for a PP.SOM endpoint (docs/foresight.md#websocket-monitoring-channel). */
export function monitoringSocketAddress(
  endpoint: string | URL,
  pathPrefix: string,
  monitoringUrl: string,
  encoding: MonitoringIdEncoding = DEFAULT_MONITORING_ID_ENCODING,
): string {
  const base = new URL(endpoint);
  const scheme = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const prefix = normalisePathPrefix(pathPrefix);
  // A lone surrogate cannot be percent-encoded (encodeURIComponent throws): U+FFFD stands in for it.
  const wellFormed = monitoringUrl.replace(LONE_SURROGATE, '\uFFFD');
  const id = encoding === 'percent-encoded' ? encodeURIComponent(wellFormed) : wellFormed;
  return `${scheme}//${base.host}${prefix}${WS_SERVICE_PATH}?${WS_ID_PARAM}=${id}`;
}

/** `FPBI_App_v10.x/` → `/FPBI_App_v10.x`; blank → `` */
export function normalisePathPrefix(prefix: string): string {
  const trimmed = prefix.trim().replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}` : '';
}

/**
 * Dates as the server renders them, e.g. `21.06.2024 08:27:14` (docs/foresight.md#value-conventions):
 * `dd.mm.yyyy hh:mm:ss`, seconds and the time optional. The server's time zone
 * is not given; the value is used to order instances, so it is read as UTC.
 * NaN when the text is not such a date.
 */
export function parseVendorDate(value: string): number {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?/.exec(value.trim());
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
}

/** `date` in the server's rendering (`dd.mm.yyyy hh:mm:ss`), in the local time of this process like a server's own clock. */
export function formatVendorDate(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(date.getDate())}.${p(date.getMonth() + 1)}.${date.getFullYear()} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

// ---------------------------------------------------------------------------
// BPM operations on running instances (ExecuteBpmOperation, GetBpmStepOperations)
// and what the state codes of an instance mean (docs/foresight.md#operations-that-change-state).
// ---------------------------------------------------------------------------

/** Documented (docs/foresight.md#operations-that-change-state): `tBpmProcess` + `tArg.instId` + `tArg.guids.it[]` → `steps.it[] {guid, ops.it[], bindParams, autoExec}`. */
export const OP_GET_BPM_STEP_OPERATIONS = 'GetBpmStepOperations';

/**
 * Enum `BProcessMonitoringExecuteOperation` (the `oper` of ExecuteBpmOperation).
 * Only the name `ProcessStop` is documented (docs/foresight.md#operations-that-change-state); GetBpmStepOperations
 * lists numeric codes (`1` and `8` for the active step of the vendor example),
 * and enums are accepted by name or number (docs/foresight.md#value-conventions).
 * inferred: the codes are flag-like (1, 2, 4, 8), `ProcessStop` = 8 (it shows on
 * the active step beside 1), 1 = finish the active step and move on, 2 = reject
 * the finished step before the active one. Nothing here is confirmed; pass
 * `operationCodes` to the client when a real server differs.
 */
export const BPM_OPERATION_CODES: Readonly<Record<string, number>> = {
  StepExecute: 1,
  StepReject: 2,
  ProcessStop: 8,
};

/** Operations on a whole instance: sent without `tArg.guid` (docs/foresight.md#operations-that-change-state). The others name a step. */
export const INSTANCE_LEVEL_OPERATIONS: readonly string[] = ['ProcessStop'];

/**
 * The step a step operation acts on when no step GUID is given (bpm-control):
 * `running` = the instance's running step, `before-running` = the step just
 * before it. inferred from the codes above (StepExecute finishes the active
 * step, StepReject rejects the finished one before it); not documented.
 */
export const DEFAULT_STEP_OF_OPERATION: Readonly<Record<string, 'running' | 'before-running'>> = {
  StepExecute: 'running',
  StepReject: 'before-running',
};

/**
 * How `oper` is written in a request: by name as in the vendor example
 * (`"oper": "ProcessStop"`), or by its code for a server that wants numbers.
 */
export type OperEncoding = 'name' | 'code';
export const DEFAULT_OPER_ENCODING: OperEncoding = 'name';

/**
 * Faults of ExecuteBpmOperation that mean "the step does not allow this
 * operation now". The text is not documented (docs/foresight.md#faults); these cover plausible
 * Russian and English wordings and the simulator's own. Such a fault becomes
 * a BpmOperationRefusedError (code NOT_ALLOWED, never retried).
 */
export const OPERATION_REFUSED_FAULT_PATTERNS: readonly RegExp[] = [
  /недоступн/i,
  /не (разрешен|допускается|может быть выполнен)/i,
  /запрещен/i,
  /not (allowed|available|permitted)/i,
];

/** What the simulator answers when an operation is not among the step's (our wording, HTTP 500 Fault like any other). */
export function operationRefusedFaultText(oper: string, instanceKey: string, stepGuid: string): string {
  return `Операция ${oper} недоступна для шага ${stepGuid || '(не указан)'} экземпляра ${instanceKey}`;
}

/**
 * Meaning of the state codes in `states.it` of stages and steps (docs/foresight.md#state-codes).
 * Only 1 and 2 appear in the vendor's examples.
 * inferred (low confidence): 1 = waiting / not started, 2 = active / running.
 * simulator-only: 3 = completed (STATE_COMPLETED); no completed or
 * stopped code is documented. Overridable where a real server differs.
 */
/** State codes of the vendor's examples (docs/foresight.md#state-codes): 1 = waiting, 2 = running. */
export const STATE_WAITING = 1;
export const STATE_RUNNING = 2;
/** Our own code for a completed step (the simulator sends it); the vendor shows only 1 and 2 (docs/foresight.md#state-codes). */
export const STATE_COMPLETED = 3;

export interface StateCodeMeanings {
  waiting: readonly number[];
  running: readonly number[];
  completed: readonly number[];
}
export const STATE_CODE_MEANINGS: StateCodeMeanings = {
  waiting: [STATE_WAITING],
  running: [STATE_RUNNING],
  completed: [STATE_COMPLETED],
};

/**
 * What an instance is doing, from the states of its steps (inferred, docs/foresight.md#state-codes):
 * `running` when a step has a running code, `completed` when every step has a
 * completed code, `idle` when no step runs and not all are completed (stopped,
 * or not yet started), `unknown` when no step carries a code we know.
 */
export type InstancePhase = 'running' | 'completed' | 'idle' | 'unknown';

export function instancePhase(stepStates: ReadonlyArray<readonly number[]>, meanings: StateCodeMeanings = STATE_CODE_MEANINGS): InstancePhase {
  const has = (states: readonly number[], codes: readonly number[]): boolean => states.some((s) => codes.includes(s));
  const known = stepStates.filter((s) => has(s, meanings.waiting) || has(s, meanings.running) || has(s, meanings.completed));
  if (known.length === 0) return 'unknown';
  if (known.some((s) => has(s, meanings.running))) return 'running';
  if (known.length === stepStates.length && known.every((s) => has(s, meanings.completed))) return 'completed';
  return 'idle';
}

/**
 * Whether a monitoring frame says its instance is over. The frame format is
 * not documented (docs/foresight.md#websocket-monitoring-channel): this reads the simulator's own `finished: true`;
 * for a server whose frames say nothing of the kind, the instance list
 * (GetProcessInstances, where a finished instance shows phase `completed` or
 * is gone) is the fallback.
 */
export function frameSaysFinished(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as { finished?: unknown }).finished === true;
}

/** How often `bpm-monitor` in *all running instances* mode lists the instances, and how many sockets it opens at most. */
export const INSTANCE_SCAN_INTERVAL_MS = 30_000;
export const DEFAULT_MAX_INSTANCE_SOCKETS = 50;
