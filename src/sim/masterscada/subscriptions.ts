import type { StatusName } from '../../masterscada/status-codes';
import { EVENT_ID_FIELD_ID } from '../../masterscada/vendor';
import type { TimeEncoding } from './encoding';
import { fieldsOf, matches, readSelection } from './selection';
import type { SimEvent, SimSelection } from './selection';
import { SimStatus } from './sim-status';

interface WireRecord {
  clientHandle: number;
  recType: 'Update' | 'Refresh' | 'UpdateArchive';
  fields: unknown[];
}

interface Packet {
  seq: number;
  recs: WireRecord[];
  deleted: Array<{ clientHandle: number; eventIds: string[] }>;
  sent: boolean;
}

interface Subscription {
  id: number;
  sessionId: string;
  selections: Map<number, SimSelection>;
  queue: Packet[];
  nextSeq: number;
  lastSent: Packet | undefined;
  repeatNext: boolean;
}

export interface PublishAnswer {
  subscriptionId: number;
  sequenceNumber?: number;
  hasMore: boolean;
  serverTime: string | number;
  recs?: WireRecord[];
  deleted?: Array<{ clientHandle: number; eventIds: string[] }>;
}

/** One alarm transition as subscribers see it; `recordIds` are the ids of its archive records, the newest last. */
export interface Transition {
  event: SimEvent;
  /** Inactive and acknowledged: the alarm leaves the current list. */
  gone: boolean;
  recordIds: string[];
}

export interface SubscriptionOptions {
  queueSize: number;
  packetSize: number;
  timeEncoding: TimeEncoding;
}

/** Subscriptions with their selections and packet queues: the PublishEvents side of the runtime (docs/masterscada.md#s3-createmonitoredevents, docs/masterscada.md#s4-publishevents). */
export class SubscriptionTable {
  private readonly subscriptions = new Map<number, Subscription>();
  private nextId = 1;
  /** Packets a full queue (or overflow()) dropped before they were acknowledged. */
  readonly dropped: Array<{ subscriptionId: number; seq: number }> = [];

  constructor(private readonly options: SubscriptionOptions) {}

  create(sessionId: string): number {
    const id = this.nextId++;
    this.subscriptions.set(id, { id, sessionId, selections: new Map(), queue: [], nextSeq: 1, lastSent: undefined, repeatNext: false });
    return id;
  }

  delete(sessionId: string, raw: unknown): void {
    this.subscriptions.delete(this.get(sessionId, raw).id);
  }

  /** Per-item status names, in request order (docs/masterscada.md#selections-and-field-ids: the answer shape is inferred). */
  addSelections(sessionId: string, raw: unknown, items: unknown): StatusName[] {
    const sub = this.get(sessionId, raw);
    if (!Array.isArray(items)) throw new SimStatus('BadInvalidArgument', '"items" must be an array');
    return items.map((item: unknown): StatusName => {
      const selection = readSelection(item);
      if (!selection) return 'BadInvalidArgument';
      // Every selection must contain eventId (docs/masterscada.md#s3-createmonitoredevents).
      if (!selection.fieldIds.includes(EVENT_ID_FIELD_ID)) return 'BadFilterNotAllowed';
      sub.selections.set(selection.clientHandle, selection);
      return 'Good';
    });
  }

  /** Queue one `Refresh` record per current event for every selection (docs/masterscada.md#refreshevents, inferred). */
  refresh(sessionId: string, raw: unknown, events: Iterable<SimEvent>): void {
    const sub = this.get(sessionId, raw);
    const current = [...events];
    for (const selection of sub.selections.values()) {
      for (const event of current) {
        if (!matches(selection, event)) continue;
        this.enqueueRecord(sub, { clientHandle: selection.clientHandle, recType: 'Refresh', fields: this.fields(selection, event, event.eventId) });
      }
    }
  }

  /** The PublishEvents rule of docs/masterscada.md#s4-publishevents: drop packets up to the ack, send the next one or else the first still queued. */
  publish(sessionId: string, raw: unknown, ackRaw: unknown, serverTime: string | number): PublishAnswer {
    const sub = this.get(sessionId, raw);
    const ack = readAck(ackRaw);
    if (sub.repeatNext && sub.lastSent) {
      sub.repeatNext = false;
      return this.packetAnswer(sub, sub.lastSent, serverTime);
    }
    if (ack !== undefined) sub.queue = sub.queue.filter((p) => p.seq > ack);
    const packet = (ack !== undefined ? sub.queue.find((p) => p.seq === ack + 1) : undefined) ?? sub.queue[0];
    if (!packet) return { subscriptionId: sub.id, hasMore: false, serverTime };
    packet.sent = true;
    sub.lastSent = packet;
    return this.packetAnswer(sub, packet, serverTime);
  }

  /** Queue what every matching selection sees of one alarm transition. */
  deliver(transition: Transition): void {
    const { event, gone, recordIds } = transition;
    for (const sub of this.subscriptions.values()) {
      for (const selection of sub.selections.values()) {
        if (!matches(selection, event)) continue;
        if (selection.useArchive) {
          // Earlier transition records of this alarm changed: UpdateArchive (docs/masterscada.md#s4-publishevents), then the new one as Update.
          for (const old of recordIds.slice(0, -1)) {
            this.enqueueRecord(sub, { clientHandle: selection.clientHandle, recType: 'UpdateArchive', fields: this.fields(selection, event, old) });
          }
          this.enqueueRecord(sub, { clientHandle: selection.clientHandle, recType: 'Update', fields: this.fields(selection, event, recordIds[recordIds.length - 1]) });
        } else if (gone) {
          this.enqueueDeleted(sub, selection.clientHandle, event.eventId);
        } else {
          this.enqueueRecord(sub, { clientHandle: selection.clientHandle, recType: 'Update', fields: this.fields(selection, event, event.eventId) });
        }
      }
    }
  }

  /** Subscriptions belong to the session that created them and end with it. */
  endSession(sessionId: string): void {
    for (const sub of [...this.subscriptions.values()]) if (sub.sessionId === sessionId) this.subscriptions.delete(sub.id);
  }

  /** Every subscription is forgotten. */
  clear(): void {
    this.subscriptions.clear();
  }

  /** Drop the oldest queued packet of every subscription, as a full queue would (docs/masterscada.md#s4-publishevents: the client sees a gap). */
  overflow(): void {
    for (const sub of this.subscriptions.values()) this.drop(sub);
  }

  /** The next PublishEvents of every subscription repeats the packet sent last. */
  repeatLast(): void {
    for (const sub of this.subscriptions.values()) sub.repeatNext = true;
  }

  get count(): number {
    return this.subscriptions.size;
  }

  /** Packets still queued, not yet acknowledged, over all subscriptions. */
  get queuedPackets(): number {
    let n = 0;
    for (const sub of this.subscriptions.values()) n += sub.queue.length;
    return n;
  }

  private get(sessionId: string, raw: unknown): Subscription {
    const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    const sub = this.subscriptions.get(id);
    // Subscriptions belong to the session that created them (inferred, like OPC UA).
    if (!sub || sub.sessionId !== sessionId) throw new SimStatus('BadSubscriptionIdInvalid', 'unknown subscription');
    return sub;
  }

  private fields(selection: SimSelection, event: SimEvent, eventId: string): unknown[] {
    return fieldsOf(selection, event, eventId, this.options.timeEncoding);
  }

  private drop(sub: Subscription): void {
    const packet = sub.queue.shift();
    if (packet) this.dropped.push({ subscriptionId: sub.id, seq: packet.seq });
  }

  private openPacket(sub: Subscription): Packet {
    const last = sub.queue[sub.queue.length - 1];
    const size = last ? last.recs.length + last.deleted.reduce((n, d) => n + d.eventIds.length, 0) : 0;
    if (last && !last.sent && size < this.options.packetSize) return last;
    const packet: Packet = { seq: sub.nextSeq++, recs: [], deleted: [], sent: false };
    sub.queue.push(packet);
    while (sub.queue.length > this.options.queueSize) this.drop(sub);
    return packet;
  }

  private enqueueRecord(sub: Subscription, rec: WireRecord): void {
    this.openPacket(sub).recs.push(rec);
  }

  private enqueueDeleted(sub: Subscription, clientHandle: number, eventId: string): void {
    const packet = this.openPacket(sub);
    const group = packet.deleted.find((d) => d.clientHandle === clientHandle);
    if (group) group.eventIds.push(eventId);
    else packet.deleted.push({ clientHandle, eventIds: [eventId] });
  }

  private packetAnswer(sub: Subscription, packet: Packet, serverTime: string | number): PublishAnswer {
    const answer: PublishAnswer = {
      subscriptionId: sub.id,
      sequenceNumber: packet.seq,
      hasMore: sub.queue.some((p) => p.seq > packet.seq),
      serverTime,
    };
    if (packet.recs.length > 0) answer.recs = packet.recs;
    if (packet.deleted.length > 0) answer.deleted = packet.deleted;
    return answer;
  }
}

/** `ackSequenceNumber` is sent as a number; a numeric string is accepted too (docs/masterscada.md#ids-and-numbers-as-sent). */
function readAck(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
  throw new SimStatus('BadInvalidArgument', '"ackSequenceNumber" must be a non-negative integer');
}
