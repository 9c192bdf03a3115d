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

/**
 * A point in time from a Date, epoch ms (number or digits), ISO 8601 text,
 * `now` or `-<n><unit>` before `now`. Undefined for an empty value; throws
 * `fail(reason)` for anything else.
 */
export function parseTime(value: unknown, now: number, fail: (reason: string) => Error): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let ms: number | undefined;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && value.length <= 64) {
    const text = value.trim();
    const rel = RELATIVE.exec(text);
    if (text === '') return undefined;
    if (text.toLowerCase() === 'now') ms = now;
    else if (rel) ms = now - Number(rel[1]) * UNIT_MS[rel[2].toLowerCase()];
    else if (/^\d+$/.test(text)) ms = Number(text);
    else if (/^\d{4}-\d{2}-\d{2}/.test(text)) ms = Date.parse(text);
  }
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > MAX_MS) {
    throw fail(typeof value === 'string' ? `"${value.slice(0, 40)}" is not a time (ISO 8601, epoch ms, "now" or "-1h")` : `a ${value instanceof Date ? 'invalid Date' : typeof value} is not a time`);
  }
  return Math.trunc(ms);
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

/** The node's own settings as a query at `now`; a ConfigError when they cannot make one. */
export function defaultQuery(defaults: HistoryDefaults, now: number): HistoryQuery {
  return resolveQuery(defaults, {}, now);
}

/**
 * The read a msg asks for: `msg.start`, `msg.end`, `msg.fields`, `msg.limit`,
 * `msg.inverse` override the node's settings. A bad value in the msg is a
 * BadInputError (`BAD_INPUT`), a bad setting a ConfigError.
 */
export function resolveQuery(defaults: HistoryDefaults, msg: Record<string, unknown>, now: number): HistoryQuery {
  const input = (reason: string): Error => new BadInputError(reason);
  const config = (reason: string): Error => new ConfigError(reason);
  const from = (key: string): ((reason: string) => Error) => (key in msg && msg[key] !== undefined ? input : config);
  const startRaw = msg.start !== undefined ? msg.start : defaults.start;
  const endRaw = msg.end !== undefined ? msg.end : defaults.end;
  const startTime = parseTime(startRaw, now, from('start'));
  if (startTime === undefined) throw from('start')('a start time is needed (msg.start or the node\'s Start)');
  const endTime = parseTime(endRaw, now, from('end'));
  if (endTime !== undefined && endTime < startTime) throw (msg.start !== undefined || msg.end !== undefined ? input : config)(`the end (${new Date(endTime).toISOString()}) is before the start (${new Date(startTime).toISOString()})`);
  if (msg.inverse !== undefined && typeof msg.inverse !== 'boolean') throw input('msg.inverse must be true or false');
  const inverse = msg.inverse !== undefined ? msg.inverse === true : defaults.inverse === true;
  const limit = limitFrom(msg.limit !== undefined ? msg.limit : defaults.limit, from('limit'));
  const fields = msg.fields !== undefined ? fieldsFrom(msg.fields, input) : defaults.fields;
  let selection: ResolvedSelection;
  try {
    [selection] = resolveSelections([{ clientHandle: 1, taskId: 0, itemId: defaults.itemId, archiveId: defaults.archiveId, path: defaults.path, useArchive: false, topic: defaults.topic, fields }]);
  } catch (err) {
    const text = (err as Error).message.replace(/^selection 1: /, '');
    throw msg.fields !== undefined ? input(text) : config(text);
  }
  return { startTime, ...(endTime === undefined ? {} : { endTime }), inverse, ...(limit === undefined ? {} : { limit }), selection };
}
