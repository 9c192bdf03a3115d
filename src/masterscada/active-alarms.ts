/**
 * The current alarm picture of one `scada-events` node, keyed by selection
 * and eventId: Update and Refresh records add or change an entry, Deleted
 * removes it. A RefreshEvents opens a bracket (`refreshStarted`); when the
 * queue has been drained after it (`drained`), every entry that no record
 * mentioned inside the bracket is dropped, as OPC UA's condition refresh
 * does: the runtime sends one Refresh record per current alarm, so an alarm
 * not among them is gone, even if its Deleted was lost in a gap.
 *
 * Values are opaque JSON (the node stores its msg payloads); the list is
 * saved with the cursor, so `toJSON` / `restore` carry the open bracket too.
 */
export interface AlarmEntry<V = unknown> {
  key: string;
  /** Epoch ms of the event, for ordering; undefined sorts last. */
  time: number | undefined;
  value: V;
}

interface StoredList {
  v: 1;
  entries: Array<[key: string, time: number | null, value: unknown]>;
  refreshing?: boolean;
  seen?: string[];
}

export class ActiveAlarmList<V = unknown> {
  private readonly entries = new Map<string, { time: number | undefined; value: V; order: number }>();
  private order = 0;
  /** Keys mentioned since the open RefreshEvents; undefined = no bracket open. */
  private seen: Set<string> | undefined;
  private version = 0;

  /** Grows on every change of what `list` returns: the node sends the list again when it moved. */
  get changes(): number {
    return this.version;
  }

  /** An Update or Refresh record: the alarm is current, with these values. */
  upsert(key: string, time: number | undefined, value: V): void {
    this.seen?.add(key);
    this.entries.set(key, { time, value, order: this.order++ });
    this.version++;
  }

  /** A Deleted record, or a record the filters now exclude. */
  remove(key: string): void {
    this.seen?.add(key);
    if (this.entries.delete(key)) this.version++;
  }

  /** RefreshEvents succeeded: the records that follow it restate the whole picture. */
  refreshStarted(): void {
    this.seen = new Set();
  }

  /** The queue was drained (an answer without hasMore). Ends an open bracket; true when one was open (the list may have changed, so it is stored). */
  drained(): boolean {
    const seen = this.seen;
    if (seen === undefined) return false;
    this.seen = undefined;
    for (const key of [...this.entries.keys()]) {
      if (!seen.has(key) && this.entries.delete(key)) this.version++;
    }
    return true;
  }

  /** Newest first (by time, then by arrival); entries without a time last. */
  list(): Array<AlarmEntry<V>> {
    return [...this.entries.entries()]
      .sort(([, a], [, b]) => (b.time ?? -Infinity) - (a.time ?? -Infinity) || b.order - a.order)
      .map(([key, e]) => ({ key, time: e.time, value: e.value }));
  }

  toJSON(): StoredList {
    const stored: StoredList = { v: 1, entries: [...this.entries.entries()].map(([key, e]) => [key, e.time ?? null, e.value]) };
    if (this.seen !== undefined) {
      stored.refreshing = true;
      stored.seen = [...this.seen];
    }
    return stored;
  }

  /** Replace the contents with a stored list; false (and left empty) when `raw` is not one. */
  restore(raw: unknown): boolean {
    this.entries.clear();
    this.seen = undefined;
    this.version++;
    if (!isStoredList(raw)) return false;
    for (const [key, time, value] of raw.entries) this.entries.set(key, { time: time ?? undefined, value: value as V, order: this.order++ });
    if (raw.refreshing) this.seen = new Set(raw.seen ?? []);
    return true;
  }
}

function isStoredList(raw: unknown): raw is StoredList {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return (
    r.v === 1 &&
    Array.isArray(r.entries) &&
    r.entries.every((e) => Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && (e[1] === null || typeof e[1] === 'number')) &&
    (r.seen === undefined || (Array.isArray(r.seen) && r.seen.every((k) => typeof k === 'string')))
  );
}
