import { EventFilter } from '../../src/masterscada/event-filter';
import type { EventFilterOptions, StateFilter } from '../../src/masterscada/event-filter';
import type { ActiveAlarmList } from '../../src/masterscada/active-alarms';
import { EVENT_TIME_FIELD_ID, standardFieldId, timeToMs } from '../../src/masterscada/vendor';
import type { EventMessage, ResolvedSelection } from './masterscada-records';
import { RAW_KEY } from './masterscada-records';

/** Filter settings as the editor stores them on a `scada-events` node. */
export interface FilterDef {
  severityMin?: string | number;
  severityMax?: string | number;
  activeFilter?: string;
  ackedFilter?: string;
  textFilter?: string;
  textMode?: string;
}

/** The ids of the standard fields the filters read. */
const FIELD = { message: standardFieldId('Message'), severity: standardFieldId('Severity'), active: standardFieldId('Active'), acked: standardFieldId('Acked') } as const;

/** The editor's filter settings as EventFilter options; EventFilter checks them (a ConfigError when they are unusable). */
export function filterOptions(def: FilterDef): EventFilterOptions {
  const state = (v: unknown): StateFilter => (v === 'yes' || v === 'no' ? v : 'any');
  const options: EventFilterOptions = { severityMin: def.severityMin, severityMax: def.severityMax, active: state(def.activeFilter), acked: state(def.ackedFilter), textMode: def.textMode === 'regex' ? 'regex' : 'contains' };
  if (typeof def.textFilter === 'string' && def.textFilter !== '') options.text = def.textFilter;
  return options;
}

/** The payload name of the field with `id` in each selection, by clientHandle. */
function namesOf(resolved: ResolvedSelection[], id: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const r of resolved) {
    const i = r.selection.fields.findIndex((f) => f.id === id);
    if (i >= 0) out.set(r.selection.clientHandle, r.names[i]);
  }
  return out;
}

/** Whether a shaped record msg passes the node's filters, reading Severity, Active, Acked and Message by their field ids. */
export function recordFilter(options: EventFilterOptions, resolved: ResolvedSelection[]): (msg: EventMessage) => boolean {
  const filter = new EventFilter(options);
  if (filter.passesAll) return () => true;
  const names = {
    severity: namesOf(resolved, FIELD.severity),
    active: namesOf(resolved, FIELD.active),
    acked: namesOf(resolved, FIELD.acked),
    text: namesOf(resolved, FIELD.message),
  };
  return (msg) => {
    const h = msg.clientHandle;
    const at = (m: Map<number, string>): unknown => {
      const name = m.get(h);
      return name === undefined ? undefined : msg.payload[name];
    };
    return filter.accepts({ severity: at(names.severity), active: at(names.active), acked: at(names.acked), text: at(names.text) });
  };
}

/** Epoch ms of a shaped record's Time field (the ISO text the msg carries), for ordering the list. */
export function eventTimeOf(resolved: ResolvedSelection[]): (msg: EventMessage) => number | undefined {
  const names = namesOf(resolved, EVENT_TIME_FIELD_ID);
  return (msg) => {
    const name = names.get(msg.clientHandle);
    if (name === undefined || name === RAW_KEY) return undefined;
    // The raw value the ISO text was made from, not the text read back.
    const raw = (msg.payload[RAW_KEY] as Record<string, unknown> | undefined)?.[name];
    return timeToMs(raw ?? msg.payload[name]);
  };
}

/** The second output's msg: the current alarms, newest first, each the payload its last record had. */
export function alarmListMessage(list: ActiveAlarmList<Record<string, unknown>>): { topic: string; payload: Array<Record<string, unknown>> } {
  return { topic: 'alarms', payload: list.list().map((e) => e.value) };
}
