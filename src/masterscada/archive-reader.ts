import type { ArchivePage, ArchiveRequest, CallOptions } from './client';
import type { EventSelection, ScadaId } from './types';
import { AbortedError } from '../shared/errors';
import { ARCHIVE, EVENT_ID_FIELD_ID, EVENT_TIME_FIELD_ID, timeToMs } from './vendor';

export interface ArchiveClient {
  getArchivedEvents(sessionId: ScadaId, request: ArchiveRequest, options?: CallOptions): Promise<ArchivePage>;
}

export interface ArchiveReaderOptions {
  pageRecords?: number;
  maxPages?: number;
  timeoutS?: number;
}

/** Time window of a read, epoch ms, both ends inclusive; no end = up to the end of the archive. */
export interface ArchiveWindow {
  startTime: number;
  endTime?: number;
}

/** A window plus how to walk it: newest first (`inverse`, from `endTime` back) and at most `limit` records in all. */
export interface ArchiveQuery extends ArchiveWindow {
  inverse?: boolean;
  limit?: number;
}

/** One page as `pages` yields it: its number (1 = first) and the records read so far, this page included. */
export interface ArchivePageProgress extends ArchivePage {
  page: number;
  total: number;
  /** The query's `limit` stopped the read before the archive's end (the server had given a continuation point). */
  limited: boolean;
}

export interface ArchiveReadResult {
  /** Field values of each record, in the selection's field order, oldest first. */
  recs: unknown[][];
  /** Every page was read to its end without an error. */
  complete: boolean;
  /** Why the read stopped early, if it did. */
  error?: unknown;
}

/**
 * Reads the event archive of one selection over a time window with
 * GetArchivedEvents (docs/masterscada.md#archive-read), page by page through `continuationPoint`,
 * each page at most `maxRecs` records. Shared by every node that reads event
 * history; no state besides its settings.
 */
export class ArchiveReader {
  private readonly pageRecords: number;
  private readonly maxPages: number;
  private readonly timeoutS: number;

  constructor(
    private readonly client: ArchiveClient,
    options: ArchiveReaderOptions = {},
  ) {
    this.pageRecords = Math.max(1, options.pageRecords ?? ARCHIVE.pageRecords);
    this.maxPages = Math.max(1, options.maxPages ?? ARCHIVE.maxPages);
    this.timeoutS = Math.max(1, options.timeoutS ?? ARCHIVE.timeoutS);
  }

  /**
   * Pages as they come, one request at a time: the next page is asked for only
   * when the caller takes it, so a caller that handles each page before taking
   * the next holds one page at most. Stops after `maxPages`, or once `limit`
   * records were read (a page that would pass it is cut).
   */
  async *pages(sessionId: ScadaId, selection: EventSelection, window: ArchiveQuery, signal?: AbortSignal): AsyncGenerator<ArchivePageProgress> {
    let continuationPoint: string | undefined;
    const limit = window.limit !== undefined && window.limit > 0 ? Math.floor(window.limit) : Number.POSITIVE_INFINITY;
    let total = 0;
    for (let page = 0; page < this.maxPages; page++) {
      if (signal?.aborted) throw new AbortedError();
      const answer = await this.client.getArchivedEvents(
        sessionId,
        {
          archiveId: selection.archiveId,
          itemId: selection.itemId,
          path: selection.path,
          fields: selection.fields.map((f) => ({ id: f.id })),
          startTime: window.startTime,
          ...(window.endTime === undefined ? {} : { endTime: window.endTime }),
          ...(window.inverse === true ? { inverse: true } : {}),
          maxRecs: Math.min(this.pageRecords, limit - total),
          timeoutS: this.timeoutS,
          ...(continuationPoint === undefined ? {} : { continuationPoint }),
        },
        { signal },
      );
      // A server may send more than maxRecs: what passes the limit is not handed on.
      const recs = answer.recs.length > limit - total ? answer.recs.slice(0, limit - total) : answer.recs;
      total += recs.length;
      const more = answer.continuationPoint !== undefined || recs.length < answer.recs.length;
      const limited = total >= limit && more;
      yield { ...answer, recs, page: page + 1, total, limited };
      if (limited) return;
      // A continuation point equal to the one sent makes no progress: stop rather than loop.
      if (answer.continuationPoint === undefined || answer.continuationPoint === continuationPoint) return;
      continuationPoint = answer.continuationPoint;
    }
    throw new Error(`the archive had more than ${this.maxPages} pages of ${this.pageRecords} records in the window`);
  }

  /** Every record of the window; on a failure, what was read so far with `complete: false`. */
  async read(sessionId: ScadaId, selection: EventSelection, window: ArchiveQuery, signal?: AbortSignal): Promise<ArchiveReadResult> {
    const recs: unknown[][] = [];
    try {
      for await (const page of this.pages(sessionId, selection, window, signal)) recs.push(...page.recs);
      return { recs, complete: true };
    } catch (err) {
      if (signal?.aborted) throw err;
      return { recs, complete: false, error: err };
    }
  }
}

/** Where a selection's records carry their eventId and `Time` (-1: not selected); found once per selection. */
export interface RecordLayout {
  selection: EventSelection;
  eventId: number;
  time: number;
}

export function recordLayout(selection: EventSelection): RecordLayout {
  return {
    selection,
    eventId: selection.fields.findIndex((f) => f.id === EVENT_ID_FIELD_ID),
    time: selection.fields.findIndex((f) => f.id === EVENT_TIME_FIELD_ID),
  };
}

/** Epoch ms of a record's `Time` field, when the selection has one and it reads as a time. */
export function recordTime(layout: RecordLayout, fields: unknown[]): number | undefined {
  return layout.time < 0 ? undefined : timeToMs(fields[layout.time]);
}

/** The record's eventId as text, when the selection has it (it must, docs/masterscada.md#s3-createmonitoredevents). */
export function recordEventId(layout: RecordLayout, fields: unknown[]): string | undefined {
  const v = layout.eventId < 0 ? undefined : fields[layout.eventId];
  return v === undefined || v === null ? undefined : String(v);
}
