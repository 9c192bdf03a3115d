import type { StatusName } from '../../masterscada/status-codes';
import { FaultQueue } from '../fault-queue';
import type { EventStore } from './events';
import { SimStatus } from './sim-status';

/** A scripted refusal: the next `times` (default 1) acknowledgements of `eventId` (any event when omitted) get `status`. */
export interface AckRefusal {
  eventId?: string;
  /** Default BadUserAccessDenied (an operator without the right to acknowledge). */
  status?: StatusName;
  times?: number;
}

/** Event ids one call may name; more is refused as a malformed request. */
const MAX_EVENT_IDS = 10_000;

/**
 * The acknowledge method of the simulated runtime (docs/masterscada.md#acknowledging-alarms; the request and
 * answer are this package's guess, vendor.ts): one status per eventId in
 * request order. A current alarm is acknowledged with the comment (an Update
 * record; a Deleted one when it is also inactive); an alarm already
 * acknowledged answers Good again, so a repeated call after a lost answer
 * does no harm; an id that is not a current alarm is BadEventIdUnknown.
 */
export class SimAcknowledger {
  private readonly refusals = new FaultQueue<AckRefusal>((r, eventId) => r.eventId === undefined || r.eventId === eventId);

  constructor(private readonly alarms: EventStore) {}

  refuse(refusal: AckRefusal): void {
    this.refusals.inject(refusal);
  }

  acknowledge(eventIds: unknown, comment: unknown): StatusName[] {
    if (!Array.isArray(eventIds) || eventIds.length === 0 || eventIds.length > MAX_EVENT_IDS) {
      throw new SimStatus('BadInvalidArgument', `"eventIds" must be an array of 1 to ${MAX_EVENT_IDS} event ids`);
    }
    if (!eventIds.every((id) => typeof id === 'string')) throw new SimStatus('BadInvalidArgument', '"eventIds" must hold strings');
    if (comment !== undefined && typeof comment !== 'string') throw new SimStatus('BadInvalidArgument', '"comment" must be a string');
    return (eventIds as string[]).map((eventId): StatusName => {
      if (!this.alarms.current.has(eventId)) return 'BadEventIdUnknown';
      const refusal = this.refusals.take(eventId);
      if (refusal) return refusal.status ?? 'BadUserAccessDenied';
      this.alarms.acknowledge(eventId, comment ?? '');
      return 'Good';
    });
  }
}
