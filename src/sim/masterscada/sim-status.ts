import type { StatusName } from '../../masterscada/status-codes';

/** A request the runtime refuses with an OPC UA status (answered with HTTP 200 and `code`). */
export class SimStatus extends Error {
  constructor(readonly status: StatusName, detail = '') {
    super(detail || status);
  }
}
