import { BadInputError, ConfigError, IntegrationError } from '../../src/shared/errors';
import { STANDARD_FIELDS } from '../../src/masterscada/vendor';
import { resolveSelections } from './masterscada-records';
import type { FieldDef, ResolvedSelection } from './masterscada-records';

/** A read is already running on this node: the msg was refused, the running read goes on. */
export class HistoryBusyError extends IntegrationError {
  constructor(message: string) {
    super('BUSY', message);
  }
}

/** What the editor stores for a `scada-history` node. */
export interface HistoryDefaults {
  archiveId: number | string;
  itemId: number | string;
  path: string;
  topic?: string;
  fields: FieldDef[];
  /** ISO text, epoch ms, `now` or a relative time like `-1h` (`ms`, `s`, `m`, `h`, `d`). */
  start: string;
  /** The same; empty = up to the end of the archive. */
  end: string;
  inverse: boolean;
  /** Records in all; 0 = no limit. */
  limit: number | string;
}

/** One read, resolved: the window in epoch ms (both ends inclusive) and the selection to shape the records with. */
export interface HistoryQuery {
  startTime: number;
  endTime?: number;
  inverse: boolean;
  /** Undefined = no limit. */
  limit?: number;
  selection: ResolvedSelection;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RELATIVE = /^-\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/i;
const MAX_MS = 8.64e15;

/** A time read from its text once: a fixed epoch ms, or a distance before `now` (`now`, `-1h`). */
interface TimeSetting {
  ms: number;
  beforeNow: boolean;
}

const timeAt = (t: TimeSetting, now: number): number => Math.trunc(t.beforeNow ? now - t.ms : t.ms);

/**
 * A point in time from a Date, epoch ms (number or digits), ISO 8601 text,
 * `now` or `-<n><unit>` before `now`, checked at `now`. Undefined for an empty
 * value; throws `fail(reason)` for anything else.
 */
function readTime(value: unknown, now: number, fail: (reason: string) => Error): TimeSetting | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let t: TimeSetting | undefined;
  if (value instanceof Date) t = { ms: value.getTime(), beforeNow: false };
  else if (typeof value === 'number') t = { ms: value, beforeNow: false };
  else if (typeof value === 'string' && value.length <= 64) {
    const text = value.trim();
    const rel = RELATIVE.exec(text);
    if (text === '') return undefined;
    if (text.toLowerCase() === 'now') t = { ms: 0, beforeNow: true };
    else if (rel) t = { ms: Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()], beforeNow: true };
    else if (/^\d+$/.test(text)) t = { ms: Number(text), beforeNow: false };
    else if (/^\d{4}-\d{2}-\d{2}/.test(text)) t = { ms: Date.parse(text), beforeNow: false };
  }
  // A time before `now` that is in range at `now` stays in range later: it only moves toward `now`.
  const ms = t === undefined ? NaN : t.beforeNow ? now - t.ms : t.ms;
  if (t === undefined || !Number.isFinite(ms) || Math.abs(ms) > MAX_MS) {
    throw fail(typeof value === 'string' ? `"${value.slice(0, 40)}" is not a time (ISO 8601, epoch ms, "now" or "-1h")` : `a ${value instanceof Date ? 'invalid Date' : typeof value} is not a time`);
  }
  return t;
}

/** `msg.fields`: field ids, standard field names, or `{id, name, time}` like the editor's list. */
function fieldsFrom(value: unknown, fail: (reason: string) => Error): FieldDef[] {
  if (!Array.isArray(value) || value.length === 0) throw fail('msg.fields must be a non-empty array of field ids, names or {id, name}');
  return value.map((f): FieldDef => {
    if (typeof f === 'number') return { id: f, name: STANDARD_FIELDS.find((s) => s.id === f)?.name ?? '' };
    if (typeof f === 'string') {
      const std = STANDARD_FIELDS.find((s) => s.name.toLowerCase() === f.trim().toLowerCase());
      if (!std) throw fail(`"${f.slice(0, 40)}" is not a standard field name; give {id, name}`);
      return { id: std.id, name: std.name };
    }
    if (f && typeof f === 'object') return f as FieldDef;
    throw fail('msg.fields must be a non-empty array of field ids, names or {id, name}');
  });
}

function limitFrom(value: unknown, fail: (reason: string) => Error): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (n === undefined || n === null || n === '' || n === 0) return undefined;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw fail('the limit must be a whole number of records (0 = no limit)');
  return n;
}

/** The node's own settings, read once when it starts; a msg overrides parts of them. */
export interface HistorySettings {
  start: TimeSetting | undefined;
  end: TimeSetting | undefined;
  inverse: boolean;
  limit: number | undefined;
  /** What the node reads from: msg.fields is resolved against it. */
  source: Pick<HistoryDefaults, 'archiveId' | 'itemId' | 'path' | 'topic'>;
  selection: ResolvedSelection;
}

const configError = (reason: string): Error => new ConfigError(reason);
const inputError = (reason: string): Error => new BadInputError(reason);

function selectionOf(source: HistorySettings['source'], fields: FieldDef[], fail: (reason: string) => Error): ResolvedSelection {
  try {
    return resolveSelections([{ clientHandle: 1, taskId: 0, itemId: source.itemId, archiveId: source.archiveId, path: source.path, useArchive: false, topic: source.topic, fields }])[0];
  } catch (err) {
    throw fail((err as Error).message.replace(/^selection 1: /, ''));
  }
}

/** End not before start, for a window read at `now`. */
function checkWindow(startTime: number, endTime: number | undefined, fail: (reason: string) => Error): void {
  if (endTime !== undefined && endTime < startTime) throw fail(`the end (${new Date(endTime).toISOString()}) is before the start (${new Date(startTime).toISOString()})`);
}

/** The node's own settings, checked as a read at `now` would use them; a ConfigError when they cannot make one. */
export function historySettings(defaults: HistoryDefaults, now: number): HistorySettings {
  const start = readTime(defaults.start, now, configError);
  if (start === undefined) throw configError('a start time is needed (msg.start or the node\'s Start)');
  const end = readTime(defaults.end, now, configError);
  checkWindow(timeAt(start, now), end === undefined ? undefined : timeAt(end, now), configError);
  const source = { archiveId: defaults.archiveId, itemId: defaults.itemId, path: defaults.path, topic: defaults.topic };
  return { start, end, inverse: defaults.inverse === true, limit: limitFrom(defaults.limit, configError), source, selection: selectionOf(source, defaults.fields, configError) };
}

/**
 * The read a msg asks for: `msg.start`, `msg.end`, `msg.fields`, `msg.limit`,
 * `msg.inverse` override the node's settings. A bad value in the msg is a
 * BadInputError (`BAD_INPUT`); a window of the node's own times that no
 * longer holds at `now` is a ConfigError.
 */
export function resolveQuery(settings: HistorySettings, msg: Record<string, unknown>, now: number): HistoryQuery {
  const start = msg.start !== undefined ? readTime(msg.start, now, inputError) : settings.start;
  if (start === undefined) throw inputError('a start time is needed (msg.start or the node\'s Start)');
  const end = msg.end !== undefined ? readTime(msg.end, now, inputError) : settings.end;
  const startTime = timeAt(start, now);
  const endTime = end === undefined ? undefined : timeAt(end, now);
  checkWindow(startTime, endTime, msg.start !== undefined || msg.end !== undefined ? inputError : configError);
  if (msg.inverse !== undefined && typeof msg.inverse !== 'boolean') throw inputError('msg.inverse must be true or false');
  const inverse = msg.inverse !== undefined ? msg.inverse === true : settings.inverse;
  const limit = msg.limit !== undefined ? limitFrom(msg.limit, inputError) : settings.limit;
  const selection = msg.fields !== undefined ? selectionOf(settings.source, fieldsFrom(msg.fields, inputError), inputError) : settings.selection;
  return { startTime, ...(endTime === undefined ? {} : { endTime }), inverse, ...(limit === undefined ? {} : { limit }), selection };
}
