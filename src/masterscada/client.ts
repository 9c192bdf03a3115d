import { HttpStatusError, ResponseFormatError } from '../shared/errors';
import { HttpTransport } from '../shared/http';
import type { TlsOptions } from '../shared/tls-options';
import { describeValue, MAX_JSON_DEPTH, nestsDeeperThan } from '../shared/json-guard';
import { redactedSnippet } from '../shared/redact';
import { ScadaStatusError } from './errors';
import { parseStatusCode } from './status-codes';
import type { StatusCode } from './status-codes';
import type { DeletedEvents, EventPacket, EventRecord, EventSelection, ItemResult, ScadaId, ServerState } from './types';
import { DEFAULT_ACKNOWLEDGE_FIELDS, DEFAULT_METHOD_NAMES, LOGIN_FIELDS, METHOD_PATH_PREFIX, formatTime } from './vendor';
import type { AcknowledgeFields, MethodNames } from './vendor';
import { readAckResults } from './acknowledge';
import type { EventAckResult } from './acknowledge';

export interface MasterScadaClientOptions {
  /** Runtime web server, e.g. `http://10.0.0.5:8043`; a path prefix is kept. */
  url: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  tls?: TlsOptions;
  /** Override method names the vendor pages do not confirm (see `vendor.ts`). */
  methods?: Partial<MethodNames>;
  /** Override the field names of the acknowledge call, a guess (see DEFAULT_ACKNOWLEDGE_FIELDS in `vendor.ts`). */
  acknowledgeFields?: Partial<AcknowledgeFields>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

type Json = Record<string, unknown>;

/** What GetArchivedEvents is asked (docs/masterscada.md#archive-read); times are epoch ms. */
export interface ArchiveRequest {
  archiveId: number;
  itemId: number;
  path: string;
  fields: Array<{ id: number }>;
  startTime: number;
  endTime?: number;
  /** Newest first, from `endTime` back (default false: oldest first). */
  inverse?: boolean;
  maxRecs: number;
  timeoutS: number;
  continuationPoint?: string;
}

export interface ArchivePage {
  /** Field values of each record, in the requested field order. */
  recs: unknown[][];
  /** Present while more records remain. */
  continuationPoint?: string;
}

/**
 * The MasterSCADA 4D runtime JSON API: one method per call, no state besides
 * the connection pool. Every answer is checked for shape; a Bad `code` becomes
 * a ScadaStatusError, anything unreadable a ResponseFormatError.
 */
export class MasterScadaClient {
  private readonly methods: Readonly<MethodNames>;
  private readonly ackFields: Readonly<AcknowledgeFields>;
  private readonly http: HttpTransport;

  constructor(options: MasterScadaClientOptions) {
    this.methods = { ...DEFAULT_METHOD_NAMES, ...withoutEmpty(options.methods) };
    this.ackFields = { ...DEFAULT_ACKNOWLEDGE_FIELDS, ...withoutEmpty(options.acknowledgeFields) };
    this.http = new HttpTransport({
      baseUrl: options.url,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      tls: options.tls,
    });
  }

  /** Log in as an operator (an empty login asks for an anonymous session; docs/masterscada.md#login). */
  async login(login: string, password: string, options: CallOptions = {}): Promise<{ sessionId: ScadaId; sessionTimeMs?: number }> {
    const body = { [LOGIN_FIELDS.login]: login, [LOGIN_FIELDS.password]: password };
    const answer = await this.call(this.methods.login, body, options, { secrets: [password], login: true });
    const sessionId = readId(answer, 'sessionId', this.methods.login);
    const sessionTime = answer.sessionTime;
    return typeof sessionTime === 'number' && sessionTime > 0 ? { sessionId, sessionTimeMs: sessionTime } : { sessionId };
  }

  async logout(sessionId: ScadaId, options: CallOptions = {}): Promise<void> {
    await this.call(this.methods.logout, { sessionId }, options, { secrets: [String(sessionId)] });
  }

  /** Server state; with a session id, a Bad SESSION error says the session is gone (docs/masterscada.md#s1-getstate). */
  async getState(sessionId?: ScadaId, options: CallOptions = {}): Promise<ServerState> {
    const answer = await this.call(this.methods.getState, sessionId === undefined ? {} : { sessionId }, options, {
      secrets: [sessionId === undefined ? undefined : String(sessionId)],
    });
    const psid = answer.projectSessionId;
    return {
      projectId: typeof answer.projectId === 'string' ? answer.projectId : '',
      projectSessionId: typeof psid === 'number' || typeof psid === 'string' ? psid : undefined,
      currentOperator: typeof answer.currentOperator === 'string' ? answer.currentOperator : '',
      isMaster: answer.isMaster !== false,
      status: typeof answer.status === 'number' ? answer.status : 0,
      errorText: typeof answer.errorText === 'string' ? answer.errorText : '',
    };
  }

  async createSubscription(sessionId: ScadaId, options: CallOptions = {}): Promise<ScadaId> {
    const answer = await this.call(this.methods.createSubscription, { sessionId }, options, { secrets: [String(sessionId)] });
    return readId(answer, 'subscriptionId', this.methods.createSubscription);
  }

  /**
   * Add selections to a subscription (docs/masterscada.md#s3-createmonitoredevents). The answer shape is not documented;
   * per-item `statusCode`s are read when present (docs/masterscada.md#selections-and-field-ids) and a Bad one fails
   * the call with the selection's clientHandle in the message.
   */
  async createMonitoredEvents(sessionId: ScadaId, subscriptionId: ScadaId, items: EventSelection[], options: CallOptions = {}): Promise<ItemResult[]> {
    const method = this.methods.createMonitoredEvents;
    const answer = await this.call(method, { sessionId, subscriptionId, items }, options, { secrets: [String(sessionId)] });
    const raw = answer.items;
    if (raw === undefined) return items.map((i) => ({ clientHandle: i.clientHandle, statusName: 'Good' }));
    if (!Array.isArray(raw)) throw formatError(method, '"items" is not an array');
    const statuses = items.map((_item, index): StatusCode => {
      const entry: unknown = raw[index];
      const status = parseStatusCode(isObject(entry) ? entry.statusCode : undefined);
      if (!status) throw formatError(method, `"items[${index}].statusCode" is not a status code`);
      return status;
    });
    const bad = statuses.findIndex((status) => status.isBad);
    if (bad >= 0) throw new ScadaStatusError(method, statuses[bad], `selection ${items[bad].clientHandle}`);
    return items.map((item, index): ItemResult => ({ clientHandle: item.clientHandle, statusName: statuses[index].name }));
  }

  /** Ask for `Refresh` records of every current event (docs/masterscada.md#refreshevents). */
  async refreshEvents(sessionId: ScadaId, subscriptionId: ScadaId, options: CallOptions = {}): Promise<void> {
    await this.call(this.methods.refreshEvents, { sessionId, subscriptionId }, options, { secrets: [String(sessionId)] });
  }

  async deleteSubscription(sessionId: ScadaId, subscriptionId: ScadaId, options: CallOptions = {}): Promise<void> {
    await this.call(this.methods.deleteSubscription, { sessionId, subscriptionId }, options, { secrets: [String(sessionId)] });
  }

  /** One poll (docs/masterscada.md#s4-publishevents). `ack` is omitted on the first request of a subscription. */
  async publishEvents(sessionId: ScadaId, subscriptionId: ScadaId, ack: number | undefined, options: CallOptions = {}): Promise<EventPacket> {
    const method = this.methods.publishEvents;
    const body: Json = { sessionId, subscriptionId };
    if (ack !== undefined) body.ackSequenceNumber = ack;
    const answer = await this.call(method, body, options, { secrets: [String(sessionId)] });
    return readPacket(answer, subscriptionId, method);
  }

  /**
   * One page of the event archive (docs/masterscada.md#s5-getarchivedevents, docs/masterscada.md#archive-read). The request fields are the
   * vendor's; the answer shape is assumed (see ARCHIVE in vendor.ts).
   */
  async getArchivedEvents(sessionId: ScadaId, request: ArchiveRequest, options: CallOptions = {}): Promise<ArchivePage> {
    const method = this.methods.getArchivedEvents;
    const body: Json = {
      sessionId,
      archiveId: request.archiveId,
      startTime: formatTime(request.startTime),
      ...(request.endTime === undefined ? {} : { endTime: formatTime(request.endTime) }),
      inverse: request.inverse === true,
      maxRecs: request.maxRecs,
      maxSize: 0,
      timeout: request.timeoutS,
      ...(request.continuationPoint === undefined ? {} : { continuationPoint: request.continuationPoint }),
      itemId: request.itemId,
      path: request.path,
      fields: request.fields,
    };
    const answer = await this.call(method, body, options, { secrets: [String(sessionId)] });
    const recs = readArray(answer.recs, 'recs', method).map((r, i): unknown[] => {
      if (Array.isArray(r)) return r;
      if (isObject(r) && Array.isArray(r.fields)) return r.fields;
      throw formatError(method, `"recs[${i}]" has no "fields" array`);
    });
    const cp = answer.continuationPoint;
    if (cp !== undefined && cp !== null && typeof cp !== 'string' && typeof cp !== 'number') throw formatError(method, '"continuationPoint" is not a string');
    const continuationPoint = cp === undefined || cp === null || String(cp).trim() === '' ? undefined : String(cp);
    return continuationPoint === undefined ? { recs } : { recs, continuationPoint };
  }

  /**
   * Acknowledge events (docs/masterscada.md#acknowledging-alarms; method and body are a guess, see vendor.ts). A Bad `code` fails the whole
   * call; otherwise the result of each eventId, in the given order.
   */
  async acknowledge(sessionId: ScadaId, eventIds: readonly string[], comment: string, options: CallOptions = {}): Promise<EventAckResult[]> {
    const method = this.methods.acknowledge;
    const f = this.ackFields;
    const answer = await this.call(method, { sessionId, [f.eventIds]: eventIds, [f.comment]: comment }, options, { secrets: [String(sessionId)] });
    return readAckResults(answer[f.results], eventIds, method);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async call(method: string, body: Json, options: CallOptions, extra: { secrets: Array<string | undefined>; login?: boolean }): Promise<Json> {
    const response = await this.http.post(
      METHOD_PATH_PREFIX + method,
      JSON.stringify(body),
      { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      { signal: options.signal },
    );
    // Masked before it is cut; a login answer may echo the credentials, so it is never quoted.
    const clean = (text: string): string => (extra.login ? '(a login answer is not shown)' : redactedSnippet(text, extra.secrets));
    let answer: unknown;
    try {
      answer = JSON.parse(response.body);
    } catch {
      if (response.status < 200 || response.status >= 300) throw new HttpStatusError(response.status, clean(response.body));
      throw formatError(method, `answer is not JSON: ${clean(response.body) || '(empty)'}`);
    }
    if (nestsDeeperThan(answer)) throw formatError(method, `the answer nests deeper than ${MAX_JSON_DEPTH} levels; refused`);
    // A non-2xx answer that still carries a Bad code is reported by that code (docs/masterscada.md#status-code-encoding: error transport is open).
    const status = isObject(answer) ? parseStatusCode(answer.code) : undefined;
    if (response.status < 200 || response.status >= 300) {
      if (status?.isBad) throw new ScadaStatusError(method, status, errorText(answer, clean, extra.login), extra);
      throw new HttpStatusError(response.status, clean(response.body));
    }
    if (!isObject(answer)) throw formatError(method, `answer is not a JSON object: ${clean(response.body)}`);
    if (!status) throw formatError(method, `"code" is not a status code: ${describeValue(answer.code)}`);
    if (status.isBad) throw new ScadaStatusError(method, status, errorText(answer, clean, extra.login), extra);
    return answer;
  }
}

function readPacket(answer: Json, subscriptionId: ScadaId, method: string): EventPacket {
  const seqRaw = answer.sequenceNumber;
  let sequenceNumber: number | undefined;
  if (seqRaw !== undefined && seqRaw !== null) {
    const n = typeof seqRaw === 'string' && seqRaw.length <= 32 && /^\d+$/.test(seqRaw.trim()) ? Number(seqRaw) : seqRaw;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw formatError(method, `"sequenceNumber" is not a non-negative integer: ${describeValue(seqRaw)}`);
    sequenceNumber = n;
  }
  const recs = readArray(answer.recs, 'recs', method).map((r, i) => readRecord(r, i, method));
  const deleted = readArray(answer.deleted, 'deleted', method).map((d, i) => readDeleted(d, i, method));
  if (sequenceNumber === undefined && (recs.length > 0 || deleted.length > 0)) {
    throw formatError(method, 'records arrived without a "sequenceNumber", so they cannot be acknowledged');
  }
  const sid = answer.subscriptionId;
  return {
    subscriptionId: typeof sid === 'string' || typeof sid === 'number' ? sid : subscriptionId,
    sequenceNumber,
    hasMore: answer.hasMore === true || answer.hasMore === 'true',
    serverTime: answer.serverTime,
    recs,
    deleted,
  };
}

function readRecord(raw: unknown, index: number, method: string): EventRecord {
  if (!isObject(raw)) throw formatError(method, `"recs[${index}]" is not an object`);
  const clientHandle = readHandle(raw.clientHandle, `recs[${index}].clientHandle`, method);
  if (typeof raw.recType !== 'string') throw formatError(method, `"recs[${index}].recType" is not a string`);
  if (!Array.isArray(raw.fields)) throw formatError(method, `"recs[${index}].fields" is not an array`);
  return { clientHandle, recType: raw.recType, fields: raw.fields };
}

function readDeleted(raw: unknown, index: number, method: string): DeletedEvents {
  if (!isObject(raw)) throw formatError(method, `"deleted[${index}]" is not an object`);
  const clientHandle = readHandle(raw.clientHandle, `deleted[${index}].clientHandle`, method);
  const ids = readArray(raw.eventIds, `deleted[${index}].eventIds`, method);
  const eventIds = ids.map((id, j) => {
    if (typeof id === 'string') return id;
    if (typeof id === 'number') return String(id);
    throw formatError(method, `"deleted[${index}].eventIds[${j}]" is not a string`);
  });
  return { clientHandle, eventIds };
}

function readHandle(raw: unknown, name: string, method: string): number {
  const n = typeof raw === 'string' && raw.length <= 32 && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw formatError(method, `"${name}" is not an integer`);
  return n;
}

function readArray(raw: unknown, name: string, method: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw formatError(method, `"${name}" is not an array`);
  return raw;
}

function readId(answer: Json, name: string, method: string): ScadaId {
  const v = answer[name];
  if ((typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isFinite(v))) return v;
  throw formatError(method, `answer has no usable "${name}"`);
}

function errorText(answer: unknown, clean: (t: string) => string, login = false): string | undefined {
  if (login) return undefined;
  const text = isObject(answer) ? answer.errorText : undefined;
  return typeof text === 'string' && text.trim() !== '' ? clean(text) : undefined;
}

function formatError(method: string, detail: string): ResponseFormatError {
  return new ResponseFormatError(`${method}: ${detail}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withoutEmpty<T extends object>(methods: Partial<T> | undefined): Partial<T> {
  if (!methods) return {};
  return Object.fromEntries(Object.entries(methods).filter(([, v]) => typeof v === 'string' && v.trim() !== '')) as Partial<T>;
}
