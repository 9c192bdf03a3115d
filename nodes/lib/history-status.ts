/**
 * What `scada-history` shows while it reads and when it ends: pure functions
 * in the vocabulary of `status.ts`, so every colour and text can be checked
 * without a runtime.
 */
import type { NodeStatusShape, StatusWords } from './status';

/** Why a read ended (also `msg.history.reason`). */
export type HistoryEnd = 'end' | 'limit' | 'truncated' | 'stopped';

/** "page 3, 1500 records": blue dot while paging. */
export function pagingStatus(words: StatusWords, page: number, records: number): NodeStatusShape {
  return words.counted('busy', 'paging', { page, count: records });
}

/** "reading" before the first page arrives. */
export function readingStatus(words: StatusWords): NodeStatusShape {
  return words.plain('busy', 'reading');
}

/** Green "1500 records" for a read that ended by itself; grey "stopped: 1500 records" for one stopped on request. */
export function endStatus(words: StatusWords, end: HistoryEnd, records: number): NodeStatusShape {
  if (end === 'stopped') return words.counted('stopped', 'stopped', { count: records });
  if (end === 'truncated') return words.counted('warning', 'truncated', { count: records });
  return words.counted('connected', 'done', { count: records });
}

/** Red dot: the read failed (it is not retried; the next msg tries again). */
export function readFailedStatus(words: StatusWords, err: unknown): NodeStatusShape {
  return words.failed(err);
}
