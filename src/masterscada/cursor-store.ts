import type { ScadaId } from './types';

/** Where a subscription stands: enough to resume it after a redeploy or a restart. */
export interface Cursor {
  sessionId: ScadaId;
  subscriptionId: ScadaId;
  /** Last packet whose msgs were all handed on; absent before the first one. */
  ack?: number;
  /**
   * The packet being handed on when this was saved. After a crash it is the
   * one packet that may come again; its msgs are then marked as redelivered.
   */
  inFlight?: number;
  /** Epoch ms of the newest event delivered: where an archive backfill starts. */
  lastEventTime?: number;
  /** Keys of the events delivered at `lastEventTime`: a backfill window starts there, inclusive, and skips them. */
  lastEventKeys?: string[];
  /** A lost subscription was replaced; the archive from this time on is still to be read. */
  backfillFrom?: number;
}

/**
 * Durable home of the cursor. The poll engine awaits `save` before the ack it
 * describes goes out in the next PublishEvents, so the ack the runtime sees is
 * never ahead of what is stored: a crash can only repeat the packet in flight,
 * never lose one, never show a false gap.
 */
export interface CursorStore {
  load(): Promise<Cursor | undefined>;
  /** `undefined` = nothing to resume (the subscription was given up). */
  save(cursor: Cursor | undefined): Promise<void>;
}

/** A store that forgets on restart: for tests and for callers that keep the cursor themselves. */
export class MemoryCursorStore implements CursorStore {
  constructor(private value: Cursor | undefined = undefined) {}

  get current(): Cursor | undefined {
    return this.value === undefined ? undefined : { ...this.value };
  }

  load(): Promise<Cursor | undefined> {
    return Promise.resolve(this.current);
  }

  save(cursor: Cursor | undefined): Promise<void> {
    this.value = cursor === undefined ? undefined : { ...cursor };
    return Promise.resolve();
  }
}
