import type { ArchivePage, ArchiveRequest, CallOptions } from './client';
import type { EventSelection, ScadaId } from './types';
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
 * GetArchivedEvents (spec §5.7), page by page through `continuationPoint`,
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

  /** Pages as they come; stops after `maxPages`. */
  async *pages(sessionId: ScadaId, selection: EventSelection, window: ArchiveWindow, signal?: AbortSignal): AsyncGenerator<ArchivePage> {
    let continuationPoint: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      const answer = await this.client.getArchivedEvents(
        sessionId,
        {
          archiveId: selection.archiveId,
          itemId: selection.itemId,
          path: selection.path,
          fields: selection.fields.map((f) => ({ id: f.id })),
          startTime: window.startTime,
          ...(window.endTime === undefined ? {} : { endTime: window.endTime }),
          maxRecs: this.pageRecords,
          timeoutS: this.timeoutS,
          ...(continuationPoint === undefined ? {} : { continuationPoint }),
        },
        { signal },
      );
      yield answer;
      // A continuation point equal to the one sent makes no progress: stop rather than loop.
      if (answer.continuationPoint === undefined || answer.continuationPoint === continuationPoint) return;
      continuationPoint = answer.continuationPoint;
    }
    throw new Error(`the archive had more than ${this.maxPages} pages of ${this.pageRecords} records in the window`);
  }

  /** Every record of the window; on a failure, what was read so far with `complete: false`. */
  async read(sessionId: ScadaId, selection: EventSelection, window: ArchiveWindow, signal?: AbortSignal): Promise<ArchiveReadResult> {
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

/** Epoch ms of a record's `Time` field, when the selection has one and it reads as a time. */
export function recordTime(selection: EventSelection, fields: unknown[]): number | undefined {
  const i = selection.fields.findIndex((f) => f.id === EVENT_TIME_FIELD_ID);
  if (i < 0) return undefined;
  return timeToMs(fields[i]);
}

/** The record's eventId as text, when the selection has it (it must, S3). */
export function recordEventId(selection: EventSelection, fields: unknown[]): string | undefined {
  const i = selection.fields.findIndex((f) => f.id === EVENT_ID_FIELD_ID);
  const v = i < 0 ? undefined : fields[i];
  return v === undefined || v === null ? undefined : String(v);
}
