/** Wire shapes of the MasterSCADA 4D JSON API as this package reads them (spec §3, §5). */

/** Session and subscription ids are opaque: echoed back with the JSON type received (spec §6.1). */
export type ScadaId = string | number;

export interface SelectionField {
  /** Field id sent in `fields[].id` (S3). */
  id: number;
}

/** One CreateMonitoredEvents item (S3). */
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
  /** Values in the selection's field order; may contain null (S4). */
  fields: unknown[];
}

export interface DeletedEvents {
  clientHandle: number;
  eventIds: string[];
}

export interface EventPacket {
  subscriptionId: ScadaId;
  /** Absent when nothing new was queued (S4). */
  sequenceNumber?: number;
  hasMore: boolean;
  /** As sent (epoch ms, spec §8). */
  serverTime: unknown;
  recs: EventRecord[];
  deleted: DeletedEvents[];
}

export interface ItemResult {
  clientHandle: number;
  statusName: string;
}
