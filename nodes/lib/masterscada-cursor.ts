import type { Cursor } from '../../src/masterscada/event-poller';

/** Node context key of the stored cursor (the ack plus the session and subscription it belongs to). */
export const CURSOR_KEY = 'masterscadaCursor';

/** What is stored: the cursor and the fingerprint of the settings it was made with. */
export interface StoredCursor extends Cursor {
  fingerprint: string;
}

/**
 * The cursor to resume: the stored one, else the copy the server node kept in
 * memory; either only if it was made for the same server URL and selections.
 * A cursor made with other settings is returned as `stale`, so its
 * subscription can be deleted.
 */
export function pickCursor(stored: unknown, inMemory: StoredCursor | undefined, fingerprint: string): { resume?: Cursor; stale?: Cursor } {
  const candidate = isStoredCursor(stored) ? stored : inMemory;
  if (!candidate) return {};
  const { sessionId, subscriptionId, ack } = candidate;
  const cursor: Cursor = ack === undefined ? { sessionId, subscriptionId } : { sessionId, subscriptionId, ack };
  return candidate.fingerprint === fingerprint ? { resume: cursor } : { stale: cursor };
}

function isStoredCursor(v: unknown): v is StoredCursor {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  const id = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number';
  return id(c.sessionId) && id(c.subscriptionId) && typeof c.fingerprint === 'string' && (c.ack === undefined || (typeof c.ack === 'number' && Number.isSafeInteger(c.ack)));
}

/**
 * Whether `store` (undefined = the default store) keeps values only in memory,
 * judged from settings.js `contextStorage` (absent = memory only).
 */
export function isMemoryOnlyStore(contextStorage: Record<string, unknown> | undefined, store: string | undefined): boolean {
  if (!contextStorage) return true;
  let entry: unknown = contextStorage[store ?? 'default'];
  // "default" may name another store.
  if (typeof entry === 'string') entry = contextStorage[entry];
  if (!store && entry === undefined) entry = Object.values(contextStorage)[0];
  if (typeof entry !== 'object' || entry === null) return true;
  return (entry as { module?: unknown }).module === 'memory';
}
