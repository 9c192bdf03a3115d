/**
 * What `scada-ack` shows, as pure functions in the vocabulary of `status.ts`:
 * blue while a call is out, green with the count once the runtime acknowledged
 * everything, red dot when it did not (nothing is retried by the node).
 */
import type { NodeStatusShape, StatusWords } from './status';

/** "acknowledging 3": a call is out. */
export function acknowledgingStatus(words: StatusWords, count: number): NodeStatusShape {
  return words.counted('busy', 'acknowledging', { count });
}

/** "acknowledged 3 at 10:41:07". */
export function acknowledgedStatus(words: StatusWords, count: number, at: Date): NodeStatusShape {
  return words.counted('connected', 'acknowledged', { count, time: at.toTimeString().slice(0, 8) });
}

/** "not acknowledged: 1 of 3": the runtime refused some events. */
export function notAcknowledgedStatus(words: StatusWords, failed: number, count: number): NodeStatusShape {
  return words.counted('error', 'notAcknowledged', { failed, count });
}

/** "failed: no event id in the msg": refused before any call. */
export function badInputStatus(words: StatusWords): NodeStatusShape {
  return words.plain('error', 'badInput');
}
