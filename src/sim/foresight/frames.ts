/**
 * The frames of the simulator's monitoring socket. The frame format is NOT
 * documented by the vendor (docs/foresight.md#websocket-monitoring-channel): this is the simulator's own; the
 * monitor treats frames as opaque (JSON is parsed when it parses, otherwise
 * text is passed on).
 */
export interface MonitoringFrame {
  /** `snapshot` right after connecting, `state` on every change. */
  type: 'snapshot' | 'state';
  instKey: string;
  instId: string;
  /** Increases by one per frame on one socket, starting at 1. */
  seq: number;
  /** ISO 8601 time of the change. */
  time: string;
  process: string;
  finished: boolean;
  changes: MonitoringChange[];
}

export interface MonitoringChange {
  kind: 'stage' | 'step';
  /** `<n>*<stage>` for a stage, `<n>*<stage>@<group>^<step>` for a step (docs/foresight.md#getbpmmonitoringworkspace). */
  id: string;
  guid: string;
  name: string;
  /** Opaque state codes; the simulator uses 1 = waiting, 2 = running, 3 = completed (docs/foresight.md#state-codes). */
  states: number[];
}

/** The simulator uses the client's state codes (1 and 2 are the vendor's, 3 is our own: docs/foresight.md#state-codes). */
export { STATE_COMPLETED, STATE_RUNNING, STATE_WAITING } from '../../foresight/vendor';

