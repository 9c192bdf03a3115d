import { ConfigError } from '../../src/shared/errors';
import type { BackfillInfo } from '../../src/masterscada/event-poller';
import type { EventPacket, EventSelection } from '../../src/masterscada/types';
import { EVENT_ID_FIELD_ID, standardField, timeToIso } from '../../src/masterscada/vendor';

/** One selection as the editor stores it (`scada-events` → `selections`). */
export interface SelectionDef {
  clientHandle: number | string;
  taskId: number | string;
  itemId: number | string;
  archiveId: number | string;
  path: string;
  useArchive: boolean;
  topic?: string;
  fields: FieldDef[];
}

export interface FieldDef {
  id: number | string;
  name: string;
  /** Convert this field to an ISO time; standard time fields are converted anyway. */
  time?: boolean;
}

export interface ResolvedSelection {
  selection: EventSelection;
  topic: string;
  names: string[];
  isTime: boolean[];
  /** Position of eventId in the fields (always there: resolveSelections refuses a selection without it). */
  eventIdIndex: number;
}

/** Key under which the raw values of time fields sit in `msg.payload`. */
export const RAW_KEY = 'raw';

/** Check the editor's selections and turn them into CreateMonitoredEvents items plus what msgs need. */
export function resolveSelections(defs: unknown): ResolvedSelection[] {
  if (!Array.isArray(defs) || defs.length === 0) throw new ConfigError('add at least one selection');
  const handles = new Set<number>();
  return defs.map((raw: SelectionDef, index): ResolvedSelection => {
    const where = `selection ${index + 1}`;
    const clientHandle = integer(raw?.clientHandle, `${where}: client handle`);
    if (handles.has(clientHandle)) throw new ConfigError(`${where}: client handle ${clientHandle} is used twice`);
    handles.add(clientHandle);
    const taskId = integer(raw.taskId ?? 0, `${where}: task id`);
    const itemId = integer(raw.itemId ?? 0, `${where}: item id`);
    const archiveId = integer(raw.archiveId ?? 0, `${where}: archive id`);
    if (!Array.isArray(raw.fields) || raw.fields.length === 0) throw new ConfigError(`${where}: add the fields to receive`);
    const names: string[] = [];
    const isTime: boolean[] = [];
    const ids: number[] = [];
    for (const f of raw.fields) {
      const id = integer(f?.id, `${where}: field id`);
      const name = typeof f.name === 'string' && f.name.trim() !== '' ? f.name.trim() : standardField(id)?.name;
      if (!name) throw new ConfigError(`${where}: field ${id} needs a name`);
      if (name === RAW_KEY) throw new ConfigError(`${where}: "${RAW_KEY}" is reserved for raw time values; rename field ${id}`);
      if (names.includes(name)) throw new ConfigError(`${where}: the name "${name}" is used twice`);
      ids.push(id);
      names.push(name);
      isTime.push(f.time === true || standardField(id)?.kind === 'time');
    }
    // Every selection must contain eventId (docs/masterscada.md#s3-createmonitoredevents).
    if (!ids.includes(EVENT_ID_FIELD_ID)) throw new ConfigError(`${where}: the fields must include eventId (id ${EVENT_ID_FIELD_ID})`);
    const path = typeof raw.path === 'string' ? raw.path.trim() : '';
    const topic = typeof raw.topic === 'string' && raw.topic.trim() !== '' ? raw.topic.trim() : `${taskId}/${itemId}${path ? `/${path}` : ''}`;
    return {
      selection: { clientHandle, archiveId, taskId, itemId, path, useArchive: raw.useArchive === true, fields: ids.map((id) => ({ id })) },
      topic,
      names,
      isTime,
      eventIdIndex: ids.indexOf(EVENT_ID_FIELD_ID),
    };
  });
}

/** A stable text for "are these the selections the stored subscription was made with?". */
export function selectionsFingerprint(url: string, resolved: ResolvedSelection[]): string {
  return JSON.stringify([url, resolved.map((r) => r.selection)]);
}

export interface EventMessage {
  topic: string;
  payload: Record<string, unknown>;
  recType: string;
  eventId: string | undefined;
  clientHandle: number;
  sequenceNumber: number | undefined;
  serverTime: string | undefined;
  [key: string]: unknown;
}

/**
 * One msg per record and one per deleted eventId, in packet order. Values are
 * mapped onto the configured names by position (docs/masterscada.md#s4-publishevents: "in the order given when
 * subscribing"); time fields become ISO strings with the raw value kept in
 * `payload.raw`. A record for a clientHandle no selection has cannot be
 * shaped: it is sent as the server sent it (`payload` = the raw `fields`
 * array, `unshaped: true`) and `onUnknownHandle` is told, never dropped.
 */
export function packetToMessages(
  packet: EventPacket,
  selections: ReadonlyMap<number, ResolvedSelection>,
  onUnknownHandle: (clientHandle: number) => void = () => undefined,
): EventMessage[] {
  const serverTime = timeToIso(packet.serverTime);
  const sequenceNumber = packet.sequenceNumber;
  const out: EventMessage[] = [];
  for (const rec of packet.recs) {
    const sel = selections.get(rec.clientHandle);
    if (!sel) {
      onUnknownHandle(rec.clientHandle);
      out.push({ topic: String(rec.clientHandle), payload: rec.fields as unknown as Record<string, unknown>, recType: rec.recType, eventId: undefined, clientHandle: rec.clientHandle, unshaped: true, sequenceNumber, serverTime });
      continue;
    }
    const payload: Record<string, unknown> = {};
    let raw: Record<string, unknown> | undefined;
    const fields = rec.fields;
    for (let i = 0; i < fields.length; i++) {
      const value = fields[i];
      // More values than configured fields: kept under their position, never invented names.
      const name = i < sel.names.length ? sel.names[i] : String(i);
      if (sel.isTime[i] === true && value !== null && value !== undefined) {
        (raw ??= {})[name] = value;
        payload[name] = timeToIso(value) ?? value;
      } else {
        payload[name] = value;
      }
    }
    if (raw !== undefined) payload[RAW_KEY] = raw;
    const id = fields[sel.eventIdIndex];
    const eventId = id === null || id === undefined ? undefined : String(id);
    out.push({ topic: sel.topic, payload, recType: rec.recType, eventId, clientHandle: rec.clientHandle, sequenceNumber, serverTime });
  }
  for (const group of packet.deleted) {
    const topic = selections.get(group.clientHandle)?.topic ?? String(group.clientHandle);
    for (const eventId of group.eventIds) {
      out.push({ topic, payload: { eventId }, recType: 'Deleted', eventId, clientHandle: group.clientHandle, sequenceNumber, serverTime });
    }
  }
  return out;
}

function integer(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new ConfigError(`${what} must be a whole number`);
  return n;
}

/** A notice on the output, told apart from records by `msg.control`. */
export function noticeMessage(control: 'resubscribed' | 'gap' | 'backfill', payload: Record<string, unknown>): { topic: string; control: string; payload: Record<string, unknown> } {
  return { topic: control, control, payload };
}

/** What a `gap` or `backfill` notice says about the archive read over the lost stretch. */
export function backfillPayload(b: BackfillInfo | undefined): Record<string, unknown> {
  if (!b) return { recovered: 0, archiveComplete: false };
  return { recovered: b.recovered, archiveComplete: b.complete, from: new Date(b.from).toISOString(), ...(b.to === undefined ? {} : { to: new Date(b.to).toISOString() }) };
}
