import type { EventSelection } from '../../masterscada/types';
import { EVENT_ID_FIELD_ID, standardField } from '../../masterscada/vendor';
import { encodeTime } from './encoding';
import type { TimeEncoding } from './encoding';

/** One alarm as the runtime keeps it; keys are the standard field names (vendor.ts). */
export interface SimEvent {
  eventId: string;
  taskId: number;
  itemId: number;
  path: string;
  archiveId: number;
  SourceName: string;
  Message: string;
  Severity: number;
  CurrentValue: number;
  Active: boolean;
  Acked: boolean;
  Comment: string;
  Time: number;
  ActiveTime: number;
  InactiveTime: number | null;
  AckedTime: number | null;
}

/** A CreateMonitoredEvents item as the runtime keeps it: its field ids only. */
export interface SimSelection extends Omit<EventSelection, 'fields'> {
  fieldIds: number[];
}

export function matches(selection: SimSelection, event: SimEvent): boolean {
  if (selection.itemId !== 0 && (selection.itemId !== event.itemId || selection.taskId !== event.taskId)) return false;
  if (selection.path && selection.path !== event.path) return false;
  return selection.archiveId === 0 || selection.archiveId === event.archiveId;
}

/** The values of the selection's fields, in its order; `eventId` is the record's id (an archive record has its own). */
export function fieldsOf(selection: SimSelection, event: SimEvent, eventId: string, timeEncoding: TimeEncoding): unknown[] {
  return selection.fieldIds.map((id) => {
    if (id === EVENT_ID_FIELD_ID) return eventId;
    const field = standardField(id);
    if (!field) return null;
    const value = (event as unknown as Record<string, unknown>)[field.name];
    if (value === null || value === undefined) return null;
    return field.kind === 'time' ? encodeTime(value as number, timeEncoding) : value;
  });
}

export function readSelection(raw: unknown): SimSelection | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const num = (v: unknown, dflt: number): number | undefined => (v === undefined ? dflt : typeof v === 'number' && Number.isInteger(v) ? v : undefined);
  const clientHandle = num(r.clientHandle, NaN);
  const archiveId = num(r.archiveId, 0);
  const taskId = num(r.taskId, 0);
  const itemId = num(r.itemId, 0);
  if (clientHandle === undefined || Number.isNaN(clientHandle) || archiveId === undefined || taskId === undefined || itemId === undefined) return undefined;
  if (!Array.isArray(r.fields)) return undefined;
  const fieldIds: number[] = [];
  for (const f of r.fields as unknown[]) {
    const id = typeof f === 'object' && f !== null ? (f as { id?: unknown }).id : undefined;
    if (typeof id !== 'number' || !Number.isInteger(id)) return undefined;
    fieldIds.push(id);
  }
  return {
    clientHandle,
    archiveId,
    taskId,
    itemId,
    path: typeof r.path === 'string' ? r.path : '',
    useArchive: r.useArchive === true,
    fieldIds,
  };
}
