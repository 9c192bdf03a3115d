import { EVENT_ID_FIELD_ID, timeToMs } from '../../masterscada/vendor';
import type { TimeEncoding } from './encoding';
import { fieldsOf, matches, readSelection } from './selection';
import type { SimEvent } from './selection';
import { SimStatus } from './sim-status';
import type { Transition } from './subscriptions';

/** One entry of the runtime's event archive: the alarm as it was right after one transition. */
interface JournalEntry {
  number: number;
  time: number;
  event: SimEvent;
}

export interface AlarmSpec {
  itemId?: number;
  taskId?: number;
  path?: string;
  archiveId?: number;
  sourceName?: string;
  message?: string;
  severity?: number;
  value?: number;
}

export interface EventStoreOptions {
  /** Journal entries kept for GetArchivedEvents; the oldest are dropped beyond this. */
  archiveSize: number;
  timeEncoding: TimeEncoding;
  now: () => number;
}

/**
 * The current alarms, the archive record ids of each (for `useArchive`
 * selections) and the event journal GetArchivedEvents reads. Every
 * transition is handed to `onTransition`.
 */
export class EventStore {
  readonly current = new Map<string, SimEvent>();
  /** Archive record ids per current alarm, one per transition. */
  private readonly records = new Map<string, string[]>();
  private readonly journal: JournalEntry[] = [];
  private nextJournalNumber = 1;
  private nextEventNumber = 1;

  constructor(
    private readonly options: EventStoreOptions,
    private readonly onTransition: (transition: Transition) => void,
  ) {}

  raise(spec: AlarmSpec): SimEvent {
    const event = this.newEvent(spec, this.options.now(), 'Превышение уставки', 500, 100);
    this.current.set(event.eventId, event);
    this.changed(event);
    return event;
  }

  /** A new active, unacknowledged alarm of `spec`'s object at `time`, with the next eventId. */
  private newEvent(spec: AlarmSpec, time: number, message: string, severity: number, value: number): SimEvent {
    const n = this.nextEventNumber++;
    return {
      eventId: (0x12a5ed000000 + n).toString(16).toUpperCase(),
      taskId: spec.taskId ?? 0,
      itemId: spec.itemId ?? 111,
      path: spec.path ?? '',
      archiveId: spec.archiveId ?? 0,
      SourceName: spec.sourceName ?? `Объект ${spec.itemId ?? 111}`,
      Message: spec.message ?? message,
      Severity: spec.severity ?? severity,
      CurrentValue: spec.value ?? value,
      Active: true,
      Acked: false,
      Comment: '',
      Time: time,
      ActiveTime: time,
      InactiveTime: null,
      AckedTime: null,
    };
  }

  clear(eventId: string): SimEvent {
    const event = this.event(eventId);
    if (event.Active) {
      event.Active = false;
      event.InactiveTime = event.Time = this.options.now();
      this.changed(event);
    }
    return event;
  }

  acknowledge(eventId: string, comment = ''): SimEvent {
    const event = this.event(eventId);
    if (!event.Acked) {
      event.Acked = true;
      event.Comment = comment;
      event.AckedTime = event.Time = this.options.now();
      this.changed(event);
    }
    return event;
  }

  /** Drop every current alarm and its history; subscribers are not told (for benchmarks). */
  forget(): void {
    this.current.clear();
    this.records.clear();
  }

  /**
   * GetArchivedEvents (docs/masterscada.md#archive-read): journal entries of the selected object in
   * [startTime, endTime], oldest first (newest first with `inverse: true`), at
   * most `maxRecs` (0 = 1000) per answer, with a 10-digit `continuationPoint`
   * (the next entry's number) while more remain.
   */
  archived(body: Record<string, unknown>): { recs: Array<{ fields: unknown[] }>; continuationPoint?: string } {
    const selection = readSelection({ ...body, clientHandle: 0 });
    if (!selection) throw new SimStatus('BadInvalidArgument', 'archiveId, itemId and fields must be given');
    if (!selection.fieldIds.includes(EVENT_ID_FIELD_ID)) throw new SimStatus('BadFilterNotAllowed', 'the fields must include eventId');
    const start = timeToMs(body.startTime);
    if (start === undefined) throw new SimStatus('BadInvalidArgument', '"startTime" is not a time');
    const end = body.endTime === undefined ? Number.POSITIVE_INFINITY : timeToMs(body.endTime);
    if (end === undefined) throw new SimStatus('BadInvalidArgument', '"endTime" is not a time');
    const maxRecs = typeof body.maxRecs === 'number' && body.maxRecs > 0 ? Math.floor(body.maxRecs) : 1000;
    const inverse = body.inverse === true;
    const oldest = this.journal[0]?.number ?? this.nextJournalNumber;
    // Journal numbers are consecutive, so an entry's index is its number minus the oldest one's.
    let index = inverse ? this.journal.length - 1 : 0;
    if (body.continuationPoint !== undefined) {
      const cp = typeof body.continuationPoint === 'string' && /^\d{10}$/.test(body.continuationPoint) ? Number(body.continuationPoint) : NaN;
      if (Number.isNaN(cp) || cp < oldest || cp > this.nextJournalNumber) throw new SimStatus('BadContinuationPointInvalid', 'stale or unknown continuation point');
      index = inverse ? Math.min(cp - oldest, this.journal.length - 1) : cp - oldest;
    }
    // Archives are per object: the request has no taskId, so itemId alone selects (0 = every object).
    const wanted = { ...selection, taskId: 0 };
    const recs: Array<{ fields: unknown[] }> = [];
    for (; inverse ? index >= 0 : index < this.journal.length; index += inverse ? -1 : 1) {
      const entry = this.journal[index];
      if (entry.time < start || entry.time > end) continue;
      if (!matches(wanted, { ...entry.event, taskId: 0 })) continue;
      if (recs.length === maxRecs) return { recs, continuationPoint: String(entry.number).padStart(10, '0') };
      recs.push({ fields: fieldsOf(selection, entry.event, entry.event.eventId, this.options.timeEncoding) });
    }
    return { recs };
  }

  /**
   * Write `count` past transitions into the journal, evenly spread over
   * [from, to], without telling subscribers (a large archive for history reads).
   * Each entry is a new active alarm of `spec`'s object, numbered in its Message.
   */
  seedArchive(count: number, from: number, to: number, spec: AlarmSpec = {}): void {
    const step = count > 1 ? (to - from) / (count - 1) : 0;
    for (let i = 0; i < count; i++) {
      const time = Math.round(from + i * step);
      const event = this.newEvent(spec, time, `Архивная запись ${i + 1}`, 100 + (i % 900), i);
      this.journal.push({ number: this.nextJournalNumber++, time, event });
    }
    if (this.journal.length > this.options.archiveSize) this.journal.splice(0, this.journal.length - this.options.archiveSize);
  }

  private changed(event: SimEvent): void {
    this.journal.push({ number: this.nextJournalNumber++, time: event.Time, event: { ...event } });
    if (this.journal.length > this.options.archiveSize) this.journal.splice(0, this.journal.length - this.options.archiveSize);
    const recordIds = this.records.get(event.eventId) ?? [];
    recordIds.push(`${event.eventId}.${recordIds.length + 1}`);
    this.records.set(event.eventId, recordIds);
    const gone = !event.Active && event.Acked;
    this.onTransition({ event, gone, recordIds });
    if (gone) {
      this.current.delete(event.eventId);
      this.records.delete(event.eventId);
    }
  }

  private event(eventId: string): SimEvent {
    const event = this.current.get(eventId);
    if (!event) throw new Error(`no current event ${eventId}`);
    return event;
  }
}
