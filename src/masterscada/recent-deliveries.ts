/**
 * The last `limit` delivered records (selection, eventId, time), oldest forgotten first, for
 * telling archive records that were delivered already (docs/masterscada.md#archive-read).
 *
 * A backlog drains at tens of thousands of records a second and an archive is read rarely, so
 * `add` only keeps references to values the record already carries: the text key of a record is
 * built when a read asks for it, and kept from then on.
 */
export class RecentDeliveries {
  private readonly handles: number[] = [];
  private readonly ids: string[] = [];
  private readonly times: Array<number | undefined> = [];
  private readonly keys: Array<string | undefined> = [];
  /** Where the next entry goes once the ring is full (it is then also the oldest). */
  private next = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.ids.length;
  }

  add(clientHandle: number, eventId: string, time: number | undefined): void {
    this.put(clientHandle, eventId, time, undefined);
  }

  /** An entry known only by its key (one stored with a cursor). */
  addKey(key: string): void {
    this.put(0, '', undefined, key);
  }

  clear(): void {
    this.handles.length = 0;
    this.ids.length = 0;
    this.times.length = 0;
    this.keys.length = 0;
    this.next = 0;
  }

  /** Every key once, oldest first. */
  keyList(): string[] {
    return [...this.keySet()];
  }

  keySet(): Set<string> {
    const out = new Set<string>();
    const n = this.ids.length;
    const start = n < this.limit ? 0 : this.next;
    for (let k = 0; k < n; k++) out.add(this.keyAt((start + k) % n));
    return out;
  }

  private keyAt(i: number): string {
    let key = this.keys[i];
    if (key === undefined) {
      key = deliveryKey(this.handles[i], this.ids[i], this.times[i]);
      this.keys[i] = key;
    }
    return key;
  }

  private put(clientHandle: number, eventId: string, time: number | undefined, key: string | undefined): void {
    let i: number;
    if (this.ids.length < this.limit) i = this.ids.length;
    else {
      i = this.next;
      this.next = (this.next + 1) % this.limit;
    }
    this.handles[i] = clientHandle;
    this.ids[i] = eventId;
    this.times[i] = time;
    this.keys[i] = key;
  }
}

/** What identifies a delivered record: its selection, eventId and time (none for a deletion). */
export function deliveryKey(clientHandle: number, eventId: string, time: number | undefined): string {
  return `${clientHandle}|${eventId}|${time ?? ''}`;
}
