/**
 * Acknowledging alarms (docs/masterscada.md#acknowledging-alarms): reading the per-event answer of the
 * acknowledge method and the one call a flow makes, on the shared session. The
 * method and its body are not documented by the vendor; the guess is in
 * `vendor.ts` (DEFAULT_ACKNOWLEDGE_FIELDS and the `acknowledge` method name).
 */
import { IntegrationError, ResponseFormatError } from '../shared/errors';
import type { ErrorCode } from '../shared/errors';
import type { CallOptions, MasterScadaClient } from './client';
import { ScadaStatusError, isSessionInvalid } from './errors';
import type { SessionSource } from './session';
import { parseStatusCode } from './status-codes';
import type { StatusCode } from './status-codes';

/** What the runtime said about one eventId. */
export type EventAckResult =
  | { eventId: string; acknowledged: true; status: string }
  | {
      eventId: string;
      acknowledged: false;
      /** This package's error code for the status (`NOT_FOUND` for an unknown eventId, `SERVER` otherwise). */
      code: ErrorCode;
      /** OPC UA status name, e.g. `BadEventIdUnknown`. */
      status: string;
      /** Unsigned 32-bit status value. */
      statusCode: number;
      message: string;
    };

/**
 * The per-event results of an acknowledge answer, in the order of `eventIds`.
 * `raw` is the answer's results field: absent means every event was
 * acknowledged (the call's own `code` was Good); otherwise one entry per
 * eventId, either `{statusCode}` or a bare status.
 */
export function readAckResults(raw: unknown, eventIds: readonly string[], method: string): EventAckResult[] {
  if (raw === undefined || raw === null) return eventIds.map((eventId) => ({ eventId, acknowledged: true, status: 'Good' }));
  if (!Array.isArray(raw)) throw new ResponseFormatError(`${method}: "results" is not an array`);
  if (raw.length !== eventIds.length) throw new ResponseFormatError(`${method}: ${raw.length} results for ${eventIds.length} event ids`);
  return eventIds.map((eventId, index): EventAckResult => {
    const entry: unknown = raw[index];
    const status = parseStatusCode(typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as { statusCode?: unknown }).statusCode : entry);
    if (!status) throw new ResponseFormatError(`${method}: "results[${index}]" is not a status code`);
    return eventResult(method, eventId, status);
  });
}

function eventResult(method: string, eventId: string, status: StatusCode): EventAckResult {
  if (!status.isBad) return { eventId, acknowledged: true, status: status.name };
  // The same classification as a Bad `code` of a whole call (errors.ts).
  const err = new ScadaStatusError(method, status, `event ${eventId}`);
  return { eventId, acknowledged: false, code: err.code, status: status.name, statusCode: status.value, message: err.message };
}

/** Event ids named in an error text before the rest is only counted. */
const NAMED_IN_ERROR = 10;

/** Some events were not acknowledged; `results` holds the answer for every event of the call. */
export class NotAcknowledgedError extends IntegrationError {
  readonly results: EventAckResult[];
  /** Status name of the first event that failed. */
  readonly serverCode: string;

  constructor(results: EventAckResult[]) {
    const failed = results.filter((r): r is Extract<EventAckResult, { acknowledged: false }> => !r.acknowledged);
    const named = failed.slice(0, NAMED_IN_ERROR).map((r) => `${r.eventId} (${r.status})`);
    const more = failed.length > NAMED_IN_ERROR ? ` and ${failed.length - NAMED_IN_ERROR} more` : '';
    super('NOT_ACKNOWLEDGED', `${failed.length} of ${results.length} events not acknowledged: ${named.join(', ')}${more}`);
    this.results = results;
    this.serverCode = failed[0]?.status ?? 'Good';
  }

  get failedEventIds(): string[] {
    return this.results.filter((r) => !r.acknowledged).map((r) => r.eventId);
  }
}

export interface AcknowledgerOptions {
  client: Pick<MasterScadaClient, 'acknowledge'>;
  session: SessionSource;
}

/**
 * One acknowledge call on the shared session: if the runtime no longer knows
 * the session, the session is renewed and the call made once more (the
 * acknowledgement did not happen). Nothing else is retried: a flow decides
 * whether a failed acknowledgement is tried again.
 */
export class Acknowledger {
  constructor(private readonly options: AcknowledgerOptions) {}

  /** Resolves with every event acknowledged; rejects with NotAcknowledgedError when any was not, or with the call's error. */
  async acknowledge(eventIds: readonly string[], comment: string, options: CallOptions = {}): Promise<EventAckResult[]> {
    const { client, session } = this.options;
    let results: EventAckResult[];
    let sessionId = await session.get(options.signal);
    try {
      results = await client.acknowledge(sessionId, eventIds, comment, options);
    } catch (err) {
      if (!isSessionInvalid(err)) throw err;
      session.invalidate(sessionId);
      sessionId = await session.get(options.signal);
      results = await client.acknowledge(sessionId, eventIds, comment, options);
    }
    if (results.some((r) => !r.acknowledged)) throw new NotAcknowledgedError(results);
    return results;
  }
}
