import { randomBytes } from 'node:crypto';
import { EVENT_ID_FIELD_ID, encodeTime, standardField } from '../../masterscada/vendor';
import type { TimeEncoding } from '../../masterscada/vendor';

/** A request the runtime refuses with an OPC UA status (answered with HTTP 200 and `code`). */
export class SimStatus extends Error {
  constructor(readonly status: string, detail = '') {
    super(detail || status);
  }
}

/** One alarm as the runtime keeps it; keys are the standard field names (vendor.ts). */
export interface SimEvent {
  eventId: string;
  taskId: number;
  itemId: number;
  path: string;
  archiveId: number;
  SourceName: string;
  Message: string;
  Severity: number;
  CurrentValue: number;
  Active: boolean;
  Acked: boolean;
  Comment: string;
  Time: number;
  ActiveTime: number;
  InactiveTime: number | null;
  AckedTime: number | null;
}

export interface SimSelection {
  clientHandle: number;
  archiveId: number;
  taskId: number;
  itemId: number;
  path: string;
  useArchive: boolean;
  fieldIds: number[];
}

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

interface Session {
  id: string;
  operator: string;
  lastUsed: number;
}

/** One transition record of a `useArchive` selection: appearance, disappearance or acknowledgement. */
interface ArchiveRecord {
  recordId: string;
  event: SimEvent;
  transition: 'appear' | 'disappear' | 'ack';
}

/** One entry of the runtime's event archive: the alarm as it was right after one transition. */
interface JournalEntry {
  number: number;
  time: number;
  event: SimEvent;
}

export interface RuntimeOptions {
  /** Journal entries kept for GetArchivedEvents; the oldest are dropped beyond this. */
  archiveSize: number;
  accounts: Record<string, string>;
  allowAnonymous: boolean;
  sessionTimeMs: number;
  queueSize: number;
  packetSize: number;
  timeEncoding: TimeEncoding;
  now: () => number;
}

export interface PublishAnswer {
  subscriptionId: number;
  sequenceNumber?: number;
  hasMore: boolean;
  serverTime: string | number;
  recs?: WireRecord[];
  deleted?: Array<{ clientHandle: number; eventIds: string[] }>;
}

/**
 * The state of a simulated MasterSCADA 4D runtime: sessions, subscriptions
 * with their packet queues, and the current alarms. No I/O here.
 */
export class SimRuntime {
  projectId = 'sim-project-1';
  projectSessionId = 1;
  readonly events = new Map<string, SimEvent>();
  private readonly archive = new Map<string, ArchiveRecord[]>();
  private readonly sessions = new Map<string, Session>();
  private readonly subscriptions = new Map<number, Subscription>();
  private nextSubscriptionId = 1;
  private nextEventNumber = 1;
  private readonly journal: JournalEntry[] = [];
  private nextJournalNumber = 1;
  /** Packets a full queue (or overflowQueues) dropped before they were acknowledged. */
  readonly dropped: Array<{ subscriptionId: number; seq: number }> = [];

  constructor(readonly options: RuntimeOptions) {}

  login(login: unknown, password: unknown): { sessionId: string; sessionTime: number } {
    const name = typeof login === 'string' ? login : '';
    const pass = typeof password === 'string' ? password : '';
    if (name === '') {
      if (!this.options.allowAnonymous) throw new SimStatus('BadUserAccessDenied', 'anonymous login is disabled');
    } else if (!Object.prototype.hasOwnProperty.call(this.options.accounts, name) || this.options.accounts[name] !== pass) {
      throw new SimStatus('BadUserAccessDenied', 'wrong login or password');
    }
    const id = randomBytes(12).toString('hex');
    this.sessions.set(id, { id, operator: name, lastUsed: this.options.now() });
    return { sessionId: id, sessionTime: this.options.sessionTimeMs };
  }

  logout(sessionId: unknown): void {
    const session = this.session(sessionId);
    this.dropSession(session.id);
  }

  getState(sessionId: unknown): { operator: string } {
    return { operator: this.session(sessionId).operator };
  }

  createSubscription(sessionId: unknown): number {
    const session = this.session(sessionId);
    const id = this.nextSubscriptionId++;
    this.subscriptions.set(id, { id, sessionId: session.id, selections: new Map(), queue: [], nextSeq: 1, lastSent: undefined, repeatNext: false });
    return id;
  }

  deleteSubscription(sessionId: unknown, subscriptionId: unknown): void {
    const sub = this.subscription(sessionId, subscriptionId);
    this.subscriptions.delete(sub.id);
  }

  /** Per-item status names, in request order (spec §5.2: the answer shape is inferred). */
  createMonitoredEvents(sessionId: unknown, subscriptionId: unknown, items: unknown): string[] {
    const sub = this.subscription(sessionId, subscriptionId);
    if (!Array.isArray(items)) throw new SimStatus('BadInvalidArgument', '"items" must be an array');
    return items.map((item: unknown) => {
      const selection = readSelection(item);
      if (!selection) return 'BadInvalidArgument';
      // Every selection must contain eventId (S3).
      if (!selection.fieldIds.includes(EVENT_ID_FIELD_ID)) return 'BadFilterNotAllowed';
      sub.selections.set(selection.clientHandle, selection);
      return 'Good';
    });
  }

  /** Queue one `Refresh` record per current event for every selection (spec §5.4, inferred). */
  refreshEvents(sessionId: unknown, subscriptionId: unknown): void {
    const sub = this.subscription(sessionId, subscriptionId);
    for (const selection of sub.selections.values()) {
      for (const event of this.events.values()) {
        if (!matches(selection, event)) continue;
        this.enqueueRecord(sub, { clientHandle: selection.clientHandle, recType: 'Refresh', fields: this.fieldsOf(selection, event, event.eventId) });
      }
    }
  }

  /** The PublishEvents rule of S4: drop packets up to the ack, send the next one or else the first still queued. */
  publishEvents(sessionId: unknown, subscriptionId: unknown, ackRaw: unknown): PublishAnswer {
    const sub = this.subscription(sessionId, subscriptionId);
    const ack = readAck(ackRaw);
    const serverTime = encodeTime(this.options.now(), this.options.timeEncoding);
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

  /**
   * GetArchivedEvents (spec §5.7): journal entries of the selected object in
   * [startTime, endTime], oldest first, at most `maxRecs` (0 = 1000) per answer,
   * with a 10-digit `continuationPoint` (the next entry's number) while more remain.
   */
  getArchivedEvents(sessionId: unknown, body: Record<string, unknown>): { recs: Array<{ fields: unknown[] }>; continuationPoint?: string } {
    this.session(sessionId);
    const selection = readSelection({ ...body, clientHandle: 0 });
    if (!selection) throw new SimStatus('BadInvalidArgument', 'archiveId, itemId and fields must be given');
    if (!selection.fieldIds.includes(EVENT_ID_FIELD_ID)) throw new SimStatus('BadFilterNotAllowed', 'the fields must include eventId');
    const start = readTime(body.startTime);
    if (start === undefined) throw new SimStatus('BadInvalidArgument', '"startTime" is not a time');
    const end = body.endTime === undefined ? Number.POSITIVE_INFINITY : readTime(body.endTime);
    if (end === undefined) throw new SimStatus('BadInvalidArgument', '"endTime" is not a time');
    const maxRecs = typeof body.maxRecs === 'number' && body.maxRecs > 0 ? Math.floor(body.maxRecs) : 1000;
    let from = 0;
    if (body.continuationPoint !== undefined) {
      const cp = typeof body.continuationPoint === 'string' && /^\d{10}$/.test(body.continuationPoint) ? Number(body.continuationPoint) : NaN;
      const oldest = this.journal[0]?.number ?? this.nextJournalNumber;
      if (Number.isNaN(cp) || cp < oldest || cp > this.nextJournalNumber) throw new SimStatus('BadContinuationPointInvalid', 'stale or unknown continuation point');
      from = cp;
    }
    // Archives are per object: the request has no taskId, so itemId alone selects (0 = every object).
    const wanted = { ...selection, taskId: 0 };
    const recs: Array<{ fields: unknown[] }> = [];
    for (const entry of this.journal) {
      if (entry.number < from || entry.time < start || entry.time > end) continue;
      if (!matches(wanted, { ...entry.event, taskId: 0 })) continue;
      if (recs.length === maxRecs) return { recs, continuationPoint: String(entry.number).padStart(10, '0') };
      recs.push({ fields: this.fieldsOf(selection, entry.event, entry.event.eventId) });
    }
    return { recs };
  }

  // ---- alarms -------------------------------------------------------------

  raise(spec: { itemId?: number; taskId?: number; path?: string; archiveId?: number; sourceName?: string; message?: string; severity?: number; value?: number }): SimEvent {
    const now = this.options.now();
    const n = this.nextEventNumber++;
    const event: SimEvent = {
      eventId: (0x12a5ed000000 + n).toString(16).toUpperCase(),
      taskId: spec.taskId ?? 0,
      itemId: spec.itemId ?? 111,
      path: spec.path ?? '',
      archiveId: spec.archiveId ?? 0,
      SourceName: spec.sourceName ?? `Объект ${spec.itemId ?? 111}`,
      Message: spec.message ?? 'Превышение уставки',
      Severity: spec.severity ?? 500,
      CurrentValue: spec.value ?? 100,
      Active: true,
      Acked: false,
      Comment: '',
      Time: now,
      ActiveTime: now,
      InactiveTime: null,
      AckedTime: null,
    };
    this.events.set(event.eventId, event);
    this.changed(event, 'appear');
    return event;
  }

  clear(eventId: string): SimEvent {
    const event = this.event(eventId);
    if (event.Active) {
      event.Active = false;
      event.InactiveTime = event.Time = this.options.now();
      this.changed(event, 'disappear');
    }
    return event;
  }

  acknowledge(eventId: string, comment = ''): SimEvent {
    const event = this.event(eventId);
    if (!event.Acked) {
      event.Acked = true;
      event.Comment = comment;
      event.AckedTime = event.Time = this.options.now();
      this.changed(event, 'ack');
    }
    return event;
  }

  /** Drop every current alarm and its history; subscribers are not told (for benchmarks). */
  forgetEvents(): void {
    this.events.clear();
    this.archive.clear();
  }

  // ---- faults -------------------------------------------------------------

  expireSessions(): void {
    for (const id of [...this.sessions.keys()]) this.dropSession(id);
  }

  loseSubscriptions(): void {
    this.subscriptions.clear();
  }

  restart(): void {
    this.sessions.clear();
    this.subscriptions.clear();
    this.projectSessionId += 1;
  }

  /** Drop the oldest queued packet of every subscription, as a full queue would (S4: the client sees a gap). */
  overflowQueues(): void {
    for (const sub of this.subscriptions.values()) this.drop(sub);
  }

  private drop(sub: Subscription): void {
    const packet = sub.queue.shift();
    if (packet) this.dropped.push({ subscriptionId: sub.id, seq: packet.seq });
  }

  /** The next PublishEvents of every subscription repeats the packet sent last. */
  repeatLastPacket(): void {
    for (const sub of this.subscriptions.values()) sub.repeatNext = true;
  }

  get sessionCount(): number {
    this.sweep();
    return this.sessions.size;
  }

  get subscriptionCount(): number {
    this.sweep();
    return this.subscriptions.size;
  }

  /** Packets still queued, not yet acknowledged, over all live subscriptions. */
  get queuedPackets(): number {
    this.sweep();
    let n = 0;
    for (const sub of this.subscriptions.values()) n += sub.queue.length;
    return n;
  }

  // ---- internals ----------------------------------------------------------

  private changed(event: SimEvent, transition: ArchiveRecord['transition']): void {
    this.journal.push({ number: this.nextJournalNumber++, time: event.Time, event: { ...event } });
    if (this.journal.length > this.options.archiveSize) this.journal.splice(0, this.journal.length - this.options.archiveSize);
    const history = this.archive.get(event.eventId) ?? [];
    const record: ArchiveRecord = { recordId: `${event.eventId}.${history.length + 1}`, event, transition };
    history.push(record);
    this.archive.set(event.eventId, history);
    const gone = !event.Active && event.Acked;
    for (const sub of this.subscriptions.values()) {
      for (const selection of sub.selections.values()) {
        if (!matches(selection, event)) continue;
        if (selection.useArchive) {
          // Earlier transition records of this alarm changed: UpdateArchive (S4), then the new one as Update.
          for (const old of history.slice(0, -1)) {
            this.enqueueRecord(sub, { clientHandle: selection.clientHandle, recType: 'UpdateArchive', fields: this.fieldsOf(selection, event, old.recordId) });
          }
          this.enqueueRecord(sub, { clientHandle: selection.clientHandle, recType: 'Update', fields: this.fieldsOf(selection, event, record.recordId) });
        } else if (gone) {
          this.enqueueDeleted(sub, selection.clientHandle, event.eventId);
        } else {
          this.enqueueRecord(sub, { clientHandle: selection.clientHandle, recType: 'Update', fields: this.fieldsOf(selection, event, event.eventId) });
        }
      }
    }
    if (gone) {
      this.events.delete(event.eventId);
      this.archive.delete(event.eventId);
    }
  }

  private fieldsOf(selection: SimSelection, event: SimEvent, eventId: string): unknown[] {
    return selection.fieldIds.map((id) => {
      if (id === EVENT_ID_FIELD_ID) return eventId;
      const field = standardField(id);
      if (!field) return null;
      const value = (event as unknown as Record<string, unknown>)[field.name];
      if (value === null || value === undefined) return null;
      return field.kind === 'time' ? encodeTime(value as number, this.options.timeEncoding) : value;
    });
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

  private event(eventId: string): SimEvent {
    const event = this.events.get(eventId);
    if (!event) throw new Error(`no current event ${eventId}`);
    return event;
  }

  /** Sessions are idle timeouts renewed by every request (spec §3.4, inferred). */
  private session(raw: unknown): Session {
    this.sweep();
    const id = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
    const session = this.sessions.get(id);
    if (!session) throw new SimStatus('BadSessionIdInvalid', 'session is missing or not active');
    session.lastUsed = this.options.now();
    return session;
  }

  private subscription(sessionId: unknown, raw: unknown): Subscription {
    const session = this.session(sessionId);
    const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    const sub = this.subscriptions.get(id);
    // Subscriptions belong to the session that created them (inferred, like OPC UA).
    if (!sub || sub.sessionId !== session.id) throw new SimStatus('BadSubscriptionIdInvalid', 'unknown subscription');
    return sub;
  }

  private sweep(): void {
    const now = this.options.now();
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastUsed > this.options.sessionTimeMs) this.dropSession(s.id);
    }
  }

  private dropSession(id: string): void {
    this.sessions.delete(id);
    for (const sub of [...this.subscriptions.values()]) if (sub.sessionId === id) this.subscriptions.delete(sub.id);
  }
}

function matches(selection: SimSelection, event: SimEvent): boolean {
  if (selection.itemId !== 0 && (selection.itemId !== event.itemId || selection.taskId !== event.taskId)) return false;
  if (selection.path && selection.path !== event.path) return false;
  return selection.archiveId === 0 || selection.archiveId === event.archiveId;
}

function readSelection(raw: unknown): SimSelection | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const num = (v: unknown, dflt: number): number | undefined => (v === undefined ? dflt : typeof v === 'number' && Number.isInteger(v) ? v : undefined);
  const clientHandle = num(r.clientHandle, NaN);
  const archiveId = num(r.archiveId, 0);
  const taskId = num(r.taskId, 0);
  const itemId = num(r.itemId, 0);
  if (clientHandle === undefined || Number.isNaN(clientHandle) || archiveId === undefined || taskId === undefined || itemId === undefined) return undefined;
  if (!Array.isArray(r.fields)) return undefined;
  const fieldIds: number[] = [];
  for (const f of r.fields as unknown[]) {
    const id = typeof f === 'object' && f !== null ? (f as { id?: unknown }).id : undefined;
    if (typeof id !== 'number' || !Number.isInteger(id)) return undefined;
    fieldIds.push(id);
  }
  return {
    clientHandle,
    archiveId,
    taskId,
    itemId,
    path: typeof r.path === 'string' ? r.path : '',
    useArchive: r.useArchive === true,
    fieldIds,
  };
}

/** Archive times: epoch ms as a number or a numeric string (as the client sends them), or ISO text. */
function readTime(raw: unknown): number | undefined {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw !== 'string') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw);
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}

/** `ackSequenceNumber` is sent as a number; a numeric string is accepted too (spec §6.1). */
function readAck(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
  throw new SimStatus('BadInvalidArgument', '"ackSequenceNumber" must be a non-negative integer');
}
