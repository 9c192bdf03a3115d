/** Wire shapes of the MasterSCADA 4D JSON API as this package reads them (docs/masterscada.md#wire-shapes). */

/** Session and subscription ids are opaque: echoed back with the JSON type received (docs/masterscada.md#ids-and-numbers-as-sent). */
export type ScadaId = string | number;

export interface SelectionField {
  /** Field id sent in `fields[].id` (docs/masterscada.md#s3-createmonitoredevents). */
  id: number;
}

/** One CreateMonitoredEvents item (docs/masterscada.md#s3-createmonitoredevents). */
export interface EventSelection {
  clientHandle: number;
  archiveId: number;
  taskId: number;
  itemId: number;
  path: string;
  useArchive: boolean;
  fields: SelectionField[];
}

export interface ServerState {
  projectId: string;
  projectSessionId: number | string | undefined;
  currentOperator: string;
  isMaster: boolean;
  status: number;
  errorText: string;
}

export interface EventRecord {
  clientHandle: number;
  recType: string;
  /** Values in the selection's field order; may contain null (docs/masterscada.md#s4-publishevents). */
  fields: unknown[];
}

export interface DeletedEvents {
  clientHandle: number;
  eventIds: string[];
}

export interface EventPacket {
  subscriptionId: ScadaId;
  /** Absent when nothing new was queued (docs/masterscada.md#s4-publishevents). */
  sequenceNumber?: number;
  hasMore: boolean;
  /** As sent (epoch ms, docs/masterscada.md#times). */
  serverTime: unknown;
  recs: EventRecord[];
  deleted: DeletedEvents[];
}

export interface ItemResult {
  clientHandle: number;
  statusName: string;
}
