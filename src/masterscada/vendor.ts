/**
 * Every assumption about the MasterSCADA 4D runtime JSON API that the vendor
 * pages do not settle lives here, so a real runtime that differs needs a change
 * in one file. The simulator imports the same values, so the two cannot drift.
 * `docs/masterscada.md` lists each assumption with its spec section.
 */

/** Every method is `POST <base>/Methods/<Name>` with a JSON object body (docs/masterscada.md#methods-over-http). */
export const METHOD_PATH_PREFIX = '/Methods/';

export interface MethodNames {
  login: string;
  logout: string;
  getState: string;
  createSubscription: string;
  deleteSubscription: string;
  createMonitoredEvents: string;
  publishEvents: string;
  refreshEvents: string;
  getArchivedEvents: string;
  acknowledge: string;
}

/**
 * GetState, CreateMonitoredEvents and PublishEvents are documented (docs/masterscada.md#s1-getstate, docs/masterscada.md#s3-createmonitoredevents, docs/masterscada.md#s4-publishevents).
 * Login, Logout, CreateSubscription, DeleteSubscription and RefreshEvents are
 * not (docs/masterscada.md#login): the names follow the OPC UA services
 * the API copies and can be overridden through the client options.
 */
export const DEFAULT_METHOD_NAMES: Readonly<MethodNames> = Object.freeze({
  login: 'Login',
  logout: 'Logout',
  getState: 'GetState',
  createSubscription: 'CreateSubscription',
  deleteSubscription: 'DeleteSubscription',
  createMonitoredEvents: 'CreateMonitoredEvents',
  publishEvents: 'PublishEvents',
  refreshEvents: 'RefreshEvents',
  getArchivedEvents: 'GetArchivedEvents',
  acknowledge: 'Acknowledge',
});

/**
 * Acknowledging events (docs/masterscada.md#acknowledging-alarms): the vendor pages have no acknowledge method, only that events have an
 * acknowledged state, time and comment (docs/masterscada.md#s11-alarm-attributes). UNVERIFIED guess, shaped after OPC UA's Acknowledge method
 * (EventId + Comment, one status per call): `POST /Methods/Acknowledge` with
 * `{"sessionId", "eventIds":["…"], "comment":"…"}`, answered `{"code":0, "results":[{"statusCode":0}, …]}`, one
 * result per eventId in request order (a bare status in place of the object is read too; no `results` = all Good).
 * The method name is in MethodNames; the field names can be changed through the client options too.
 */
export interface AcknowledgeFields {
  eventIds: string;
  comment: string;
  results: string;
}

export const DEFAULT_ACKNOWLEDGE_FIELDS: Readonly<AcknowledgeFields> = Object.freeze({ eventIds: 'eventIds', comment: 'comment', results: 'results' });

/** Login request field names (docs/masterscada.md#login, inferred: operators have a `login`, docs/masterscada.md#s2-getlogindata). */
export const LOGIN_FIELDS = Object.freeze({ login: 'login', password: 'password' });

/** The field id of `eventId`. The vendor example selection is `fields:[{"id":1}]` and every selection must contain eventId (docs/masterscada.md#s3-createmonitoredevents), so id 1 is taken to be eventId. */
export const EVENT_ID_FIELD_ID = 1;

export type FieldKind = 'string' | 'time' | 'number' | 'boolean';

export interface StandardField {
  id: number;
  name: string;
  kind: FieldKind;
}

/**
 * Ids for the alarm attributes of docs/masterscada.md#s11-alarm-attributes (docs/masterscada.md#selections-and-field-ids). Only `eventId` = 1 has any
 * vendor hint; the others are numbered in the order docs/masterscada.md#s11-alarm-attributes lists them. A selection
 * may use any other numeric id; the server decides what it means.
 */
export const STANDARD_FIELDS: ReadonlyArray<StandardField> = Object.freeze([
  { id: EVENT_ID_FIELD_ID, name: 'eventId', kind: 'string' },
  { id: 2, name: 'Time', kind: 'time' },
  { id: 3, name: 'Message', kind: 'string' },
  { id: 4, name: 'Severity', kind: 'number' },
  { id: 5, name: 'Active', kind: 'boolean' },
  { id: 6, name: 'Acked', kind: 'boolean' },
  { id: 7, name: 'ActiveTime', kind: 'time' },
  { id: 8, name: 'InactiveTime', kind: 'time' },
  { id: 9, name: 'AckedTime', kind: 'time' },
  { id: 10, name: 'Comment', kind: 'string' },
  { id: 11, name: 'CurrentValue', kind: 'number' },
  { id: 12, name: 'SourceName', kind: 'string' },
] as StandardField[]);

export function standardField(id: number): StandardField | undefined {
  return STANDARD_FIELDS.find((f) => f.id === id);
}

/** The id STANDARD_FIELDS gives the standard field `name`; throws (when the module loads) for a name it does not list. */
export function standardFieldId(name: string): number {
  const field = STANDARD_FIELDS.find((f) => f.name === name);
  if (!field) throw new Error(`STANDARD_FIELDS has no field named ${name}`);
  return field.id;
}

/** The field id of the event's time (docs/masterscada.md#s11-alarm-attributes `Time`): the archive backfill windows on it. */
export const EVENT_TIME_FIELD_ID = standardFieldId('Time');

/**
 * GetArchivedEvents (docs/masterscada.md#s5-getarchivedevents, docs/masterscada.md#archive-read). The request fields are documented; the
 * answer is not. Assumed: `{"code":0, "recs":[{"fields":[…]}, …],
 * "continuationPoint":"…"}` with `fields` in the requested order (as
 * PublishEvents records, docs/masterscada.md#s4-publishevents) and a non-empty `continuationPoint` while more
 * records remain; a record given as a bare array of values is read too.
 * `startTime`/`endTime` are sent like `serverTime` (epoch-ms strings, §8),
 * `inverse: false` reads oldest first, and both ends of the window are
 * inclusive. The archive's depth is not visible to a client, so "covered"
 * means: every page was read to its end without an error.
 */
export const ARCHIVE = Object.freeze({
  /** Records asked for per page (`maxRecs`). */
  pageRecords: 500,
  /** Pages read per selection before giving up (the window then counts as not covered). */
  maxPages: 200,
  /** `timeout` of the request, seconds (docs/masterscada.md#s5-getarchivedevents default 60). */
  timeoutS: 30,
  /** `msg.recType` of a record recovered from the archive (this package's own value, not the runtime's). */
  recType: 'Archive',
});

/**
 * Times: the seed example sends `serverTime` and event times as strings of epoch
 * milliseconds ("1411149604245", docs/masterscada.md#times). Numbers and ISO-8601 text are
 * read too. Returns an ISO string, or undefined when the value is not a time.
 */
export function timeToIso(raw: unknown): string | undefined {
  // A record's times often repeat (Time = ActiveTime of a new alarm, a burst within one millisecond): the last
  // conversion is kept.
  if (raw === lastIso.raw) return lastIso.iso;
  const ms = rawTimeMs(raw);
  const iso = ms === undefined ? undefined : isoString(ms);
  if (typeof raw === 'string' || typeof raw === 'number') {
    lastIso.raw = raw;
    lastIso.iso = iso;
  }
  return iso;
}

const lastIso: { raw: unknown; iso: string | undefined } = { raw: undefined, iso: undefined };

/** The same time as `Date.parse(timeToIso(raw))`, without writing and reading the text. */
export function timeToMs(raw: unknown): number | undefined {
  const ms = rawTimeMs(raw);
  // A Date keeps whole milliseconds, cut toward zero (and never -0).
  return ms === undefined ? undefined : Math.trunc(ms) + 0;
}

/** The seed's form, digits only ("1411149604245"), told without a regular expression: it is read for every record. */
function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 20) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function rawTimeMs(raw: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof raw === 'number' && Number.isFinite(raw)) ms = raw;
  else if (typeof raw === 'string' && isDigits(raw)) ms = Number(raw);
  else if (typeof raw === 'string' && raw.length <= 64) {
    const text = raw.trim();
    if (/^-?\d+(\.\d+)?$/.test(text)) ms = Number(text);
    else if (/^\d{4}-\d{2}-\d{2}T/.test(text)) ms = Date.parse(text);
  }
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return ms;
}

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from here on toISOString writes a six-digit year. */
const YEAR_10000_MS = 253_402_300_800_000;
let isoDay = NaN;
let isoDayPrefix = '';
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()`, which costs several times more than the rest of a record's shaping:
 * the date part is formatted once per day and kept, the time of day is plain arithmetic.
 */
export function isoString(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    isoDay = day;
    isoDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  return `${isoDayPrefix}${pad2(h)}:${pad2(m)}:${pad2(s)}.${pad3(rest - s * 1000)}Z`;
}

/** A time as a request sends it, like the runtime's `serverTime`: a string of epoch milliseconds (docs/masterscada.md#times). */
export function formatTime(ms: number): string {
  return String(ms);
}
