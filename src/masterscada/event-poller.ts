import { Backoff } from '../shared/backoff';
import type { BackoffOptions } from '../shared/backoff';
import { systemClock, yieldToEventLoop } from '../shared/clock';
import type { Clock, TimerHandle } from '../shared/clock';
import { FailureStreak, GuardedEmitter, isFatal, toError } from '../shared/engine';
import type { EngineFailure, EngineStatus } from '../shared/engine';
import { RELEASE_TIMEOUT_MS } from '../shared/close-limit';
import { ClosedError, describeError } from '../shared/errors';
import { silentLogger } from '../shared/logger';
import type { Logger } from '../shared/logger';
import type { MasterScadaClient } from './client';
import { ArchiveReader, recordEventId, recordLayout, recordTime } from './archive-reader';
import type { ArchiveClient, RecordLayout } from './archive-reader';
import type { Cursor, CursorStore } from './cursor-store';
import { MemoryCursorStore } from './cursor-store';
import { RecentDeliveries, deliveryKey } from './recent-deliveries';
import { isSessionInvalid, isSubscriptionInvalid } from './errors';
import type { SessionSource } from './session';
import type { EventPacket, EventRecord, EventSelection, ScadaId } from './types';
import { ARCHIVE, timeToMs } from './vendor';

export type { Cursor, CursorStore } from './cursor-store';

export type PollerState = 'idle' | 'connecting' | 'polling' | 'backoff' | 'halted' | 'stopped';

export type PollerStatus = EngineStatus<PollerState>;

/** Why a (new) subscription was made. `new` = there was no cursor to resume. */
export type SubscribeReason = 'new' | 'reset' | 'subscription-lost' | 'session-lost' | 'session-changed' | 'selections-changed';

/** What the engine tells the consumer about a packet. */
export interface DeliveryInfo {
  /** The packet was in flight when the previous run ended: its msgs may have been sent already. */
  redelivered: boolean;
}

/** Result of reading the archive over a gap or a lost subscription. */
export interface BackfillInfo {
  /** Records delivered from the archive (not delivered before). */
  recovered: number;
  /** Every selection's archive was read to the end of the window without an error. */
  complete: boolean;
  /** Window read, epoch ms; no end = up to now. */
  from: number;
  to?: number;
  /** Why a selection could not be read, if one could not. */
  error?: unknown;
}

export interface PollerEvents {
  state: [status: PollerStatus];
  /** The ack moved or the subscription changed; persist it. `undefined` = nothing to resume. */
  cursor: [cursor: Cursor | undefined];
  subscribed: [info: { reason: SubscribeReason; subscriptionId: ScadaId; previousSubscriptionId?: ScadaId }];
  gap: [info: { expected: number; received: number; subscriptionId: ScadaId; backfill?: BackfillInfo }];
  /** The archive was read after a lost subscription (a gap of unknown size). */
  backfill: [info: BackfillInfo & { reason: SubscribeReason }];
  /** An error no retry cures (`isFatal`: a refused login, a dead pasted session) stopped the engine until connect(). */
  halted: [info: { error: unknown }];
  /** The runtime said hasMore but gave nothing new; polling slowed to the poll interval. */
  stalled: [info: { sequenceNumber?: number }];
  duplicate: [info: { sequenceNumber: number }];
  /** A PublishEvents answer was processed. */
  answer: [info: { sequenceNumber?: number; records: number; deleted: number; at: number }];
  /** A step failed; the poller retries by itself (a fatal error halts it instead). */
  failure: [info: EngineFailure & { retryInMs: number }];
}

export type PollerClient = Pick<MasterScadaClient, 'createSubscription' | 'createMonitoredEvents' | 'refreshEvents' | 'deleteSubscription' | 'publishEvents'> & Partial<ArchiveClient>;

export interface EventPollerOptions {
  client: PollerClient;
  session: SessionSource;
  selections: EventSelection[];
  /** Receives every packet with records or deletions; the ack moves only after it resolves. */
  consumer: (packet: EventPacket, info: DeliveryInfo) => Promise<void> | void;
  /**
   * Durable cursor: loaded at start when no `cursor` is given, saved (and
   * awaited) before each packet is handed on and after, so the ack sent next is
   * never ahead of it. Default: kept in memory only.
   */
  store?: CursorStore;
  /** Pause between polls that returned everything (hasMore false). Default 1000 ms. */
  pollIntervalMs?: number;
  /** Resume this subscription instead of creating one. */
  cursor?: Cursor;
  /** Why the first subscription is made when there is nothing to resume (and the subscription it replaces). */
  initialReason?: { reason: SubscribeReason; previousSubscriptionId?: ScadaId };
  /** Read GetArchivedEvents over a gap or a lost subscription (needs `client.getArchivedEvents`). Default true. */
  backfill?: boolean;
  archive?: ArchiveReader;
  /**
   * Told where a RefreshEvents bracket opens (the call succeeded; the Refresh
   * records follow in the queue) and each time the queue is drained (an
   * answer without hasMore, or an empty one), which is where an open bracket
   * closes. Both are called between cursor writes, so what they change is
   * stored with the ack; `drained` returns true when it changed something.
   */
  refreshBracket?: { started(): void; drained(): boolean };
  clock?: Clock;
  backoff?: BackoffOptions;
  logger?: Logger;
}

/** Pause between polls while the server has nothing queued; also the `scada-events` default. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Keys of recently delivered events kept to tell archive records already delivered. */
const RECENT_KEYS = 5000;
/** Keys kept in the cursor of the events delivered at the newest event time (several can share one). */
const LAST_EVENT_KEYS = 50;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The PublishEvents poll/ack loop (docs/masterscada.md#publishevents-and-the-ack): one request in flight,
 * `hasMore` drained at once, ack moved only after delivery, gaps and lost
 * sessions/subscriptions recovered with RefreshEvents, transport failures
 * retried with capped, jittered backoff.
 */
export class EventPoller extends GuardedEmitter<PollerEvents> {
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly stopping = new AbortController();
  private sub: { sessionId: ScadaId; subscriptionId: ScadaId } | undefined;
  private ack: number | undefined;
  private nextReason: SubscribeReason = 'new';
  private previousSubscriptionId: ScadaId | undefined;
  private pendingRefresh = false;
  private resetRequested = false;
  private refreshWaiters: Waiter[] = [];
  private resetWaiters: Waiter[] = [];
  private recovering = false;
  private lastReason: SubscribeReason = 'new';
  private readonly failures = new FailureStreak();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private currentState: PollerState = 'idle';
  private lastAnswer: number | undefined;
  private readonly store: CursorStore;
  private loaded: boolean;
  private inFlight: number | undefined;
  /** The in-flight mark of the next packet, stored ahead in the same write as the ack of the one before. */
  private nextMarked: number | undefined;
  private lastEventTime: number | undefined;
  /** Keys of the events delivered at `lastEventTime` (several can share one). */
  private readonly lastEventKeys = new RecentDeliveries(LAST_EVENT_KEYS);
  private halted = false;
  private haltError: unknown;
  private stallWarned = false;
  private pendingBackfill: number | undefined;
  /** The pending backfill was loaded from a stored cursor: the previous run may have handed part of it on. */
  private backfillResumed = false;
  /** Recent deliveries, and eventIds deleted lately: archive records matching them are not sent again. */
  private readonly recent = new RecentDeliveries(RECENT_KEYS);
  private readonly recentDeleted = new RecentDeliveries(RECENT_KEYS);
  private readonly archiveKeys = new BoundedSet(RECENT_KEYS);
  private readonly archive: ArchiveReader | undefined;
  private readonly layouts: ReadonlyMap<number, RecordLayout>;

  constructor(private readonly options: EventPollerOptions) {
    super(options.logger ?? silentLogger);
    this.clock = options.clock ?? systemClock;
    this.backoff = new Backoff(options.backoff);
    this.logger = options.logger ?? silentLogger;
    this.pollIntervalMs = Math.max(0, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.store = options.store ?? new MemoryCursorStore();
    this.loaded = options.cursor !== undefined || options.store === undefined;
    if (options.cursor) this.resumeFrom(options.cursor);
    if (options.initialReason) {
      this.nextReason = options.initialReason.reason;
      this.previousSubscriptionId = options.initialReason.previousSubscriptionId;
    }
    this.layouts = new Map(options.selections.map((s) => [s.clientHandle, recordLayout(s)]));
    const client = options.client;
    this.archive = options.backfill === false || !client.getArchivedEvents ? undefined : (options.archive ?? new ArchiveReader(client as ArchiveClient));
  }

  private resumeFrom(cursor: Cursor): void {
    this.sub = { sessionId: cursor.sessionId, subscriptionId: cursor.subscriptionId };
    this.ack = cursor.ack;
    // Only a packet after the ack can have been in flight.
    this.inFlight = cursor.inFlight !== undefined && (cursor.ack === undefined || cursor.inFlight > cursor.ack) ? cursor.inFlight : undefined;
    this.lastEventTime = cursor.lastEventTime;
    this.lastEventKeys.clear();
    for (const key of cursor.lastEventKeys ?? []) {
      this.lastEventKeys.addKey(key);
      this.recent.addKey(key);
    }
    this.pendingBackfill = cursor.backfillFrom;
    this.backfillResumed = cursor.backfillFrom !== undefined;
    // Nothing acknowledged yet: the refresh that follows a new subscription may not have happened.
    if (cursor.ack === undefined) this.pendingRefresh = true;
    this.options.session.adopt(cursor.sessionId);
  }

  get state(): PollerState {
    return this.currentState;
  }

  /** Clock time of the last genuine PublishEvents answer; failures never move it. */
  get lastAnswerAt(): number | undefined {
    return this.lastAnswer;
  }

  get cursor(): Cursor | undefined {
    if (!this.sub) return undefined;
    return {
      ...this.sub,
      ...(this.ack === undefined ? {} : { ack: this.ack }),
      ...(this.lastEventTime === undefined ? {} : { lastEventTime: this.lastEventTime }),
      ...(this.lastEventTime === undefined || this.lastEventKeys.size === 0 ? {} : { lastEventKeys: this.lastEventKeys.keyList() }),
      ...(this.pendingBackfill === undefined ? {} : { backfillFrom: this.pendingBackfill }),
    };
  }

  /** After a refused login: try again now (the caller re-opens the session's login first). */
  connect(): void {
    this.options.session.allowLogin?.();
    this.halted = false;
    this.haltError = undefined;
    this.backoff.reset();
    this.wake?.();
  }

  start(): void {
    if (this.loop || this.stopping.signal.aborted) return;
    this.loop = this.run();
  }

  /** Ask the server for the current alarm picture (Refresh records). Resolves once RefreshEvents succeeded. */
  refresh(): Promise<void> {
    return this.request(() => {
      this.pendingRefresh = true;
    }, this.refreshWaiters);
  }

  /** Give up the subscription and its ack, subscribe anew and refresh. */
  reset(): Promise<void> {
    return this.request(() => {
      this.resetRequested = true;
    }, this.resetWaiters);
  }

  /**
   * Stop polling and abort the request in flight. The server subscription is
   * kept (so a later run can resume it) unless `deleteSubscription` is set.
   */
  async stop(options: { deleteSubscription?: boolean } = {}): Promise<void> {
    if (!this.stopping.signal.aborted) {
      this.stopping.abort();
      this.wake?.();
    }
    await this.loop;
    // A mark stored ahead for a packet that never came: a later run must not take it as in flight.
    if (this.nextMarked !== undefined && this.sub) await this.save(this.cursor);
    const closed = new ClosedError('event polling stopped');
    for (const w of [...this.refreshWaiters.splice(0), ...this.resetWaiters.splice(0)]) w.reject(closed);
    if (options.deleteSubscription && this.sub) {
      const { sessionId, subscriptionId } = this.sub;
      this.sub = undefined;
      await this.deleteQuietly(sessionId, subscriptionId);
    }
    this.setState({ state: 'stopped' });
  }

  /** Delete a subscription this poller will not resume (one made with other selections): best effort, bounded in time, never throws. */
  discardSubscription(sessionId: ScadaId, subscriptionId: ScadaId): Promise<void> {
    return this.deleteQuietly(sessionId, subscriptionId);
  }

  private request(mark: () => void, waiters: Waiter[]): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.reject(new ClosedError('event polling stopped'));
    if (this.halted && this.haltError !== undefined) return Promise.reject(this.haltError);
    mark();
    const done = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    this.wake?.();
    return done;
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        await this.step(signal);
      } catch (err) {
        if (signal.aborted) break;
        await this.recover(err);
      }
    }
  }

  private async step(signal: AbortSignal): Promise<void> {
    const { client, session } = this.options;
    if (!this.loaded) {
      const stored = await this.store.load();
      this.loaded = true;
      if (stored) this.resumeFrom(stored);
    }
    if (this.resetRequested) await this.dropSubscription();
    const sessionId = await session.get(signal);
    if (this.sub && String(this.sub.sessionId) !== String(sessionId)) {
      // The stored subscription belongs to a session that is no longer ours: delete it (best effort) and start anew.
      const old = this.sub;
      this.forgetSubscription('session-changed');
      await this.deleteQuietly(old.sessionId, old.subscriptionId);
    }
    if (!this.sub) await this.subscribe(sessionId, signal);
    const sub = this.sub!;
    if (this.pendingBackfill !== undefined) {
      const from = this.pendingBackfill;
      const reason = this.lastReason;
      const info = await this.readArchive(sub.sessionId, from, undefined, undefined, this.backfillResumed, signal);
      this.pendingBackfill = undefined;
      this.backfillResumed = false;
      await this.save(this.cursor);
      this.notify('backfill', { ...info, reason });
    }
    if (this.pendingRefresh) {
      // Only the requests made before this RefreshEvents are answered by it.
      const waiting = [...this.refreshWaiters.splice(0), ...this.resetWaiters.splice(0)];
      try {
        await this.call(sub.sessionId, () => client.refreshEvents(sub.sessionId, sub.subscriptionId, { signal }));
      } catch (err) {
        for (const w of waiting) w.reject(err);
        throw err;
      }
      this.pendingRefresh = false;
      if (this.options.refreshBracket) {
        this.options.refreshBracket.started();
        await this.save(this.cursor);
      }
      for (const w of waiting) w.resolve();
    }
    this.setState({ state: 'polling' });
    const ackBefore = this.ack;
    const packet = await this.call(sub.sessionId, () => client.publishEvents(sub.sessionId, sub.subscriptionId, this.ack, { signal }));
    this.lastAnswer = this.clock.now();
    await this.deliver(packet, signal);
    this.recovering = false;
    this.failures.reset();
    this.backoff.reset();
    if (this.pendingRefresh && !signal.aborted) {
      await yieldToEventLoop();
      return;
    }
    // More queued: go again at once, unless the answer made no progress (an empty packet or the same one again).
    if (packet.hasMore && !signal.aborted) {
      const progress = packet.sequenceNumber !== undefined && packet.sequenceNumber !== ackBefore;
      // No extra turn of the event loop: the next request waits on the socket, and the packet's hand-over
      // already took one (a turn per packet is a measurable share of a drain).
      if (progress) return;
      if (!this.stallWarned) {
        this.stallWarned = true;
        this.logger.warn(`PublishEvents said hasMore but sent nothing new; polling every ${this.pollIntervalMs} ms instead of at once`);
      }
      this.notify('stalled', packet.sequenceNumber === undefined ? {} : { sequenceNumber: packet.sequenceNumber });
    }
    await this.idle(this.pollIntervalMs);
  }

  private async deliver(packet: EventPacket, signal: AbortSignal): Promise<void> {
    const seq = packet.sequenceNumber;
    const at = this.lastAnswer ?? this.clock.now();
    // No sequenceNumber = nothing new; the next request repeats the same ack (docs/masterscada.md#s4-publishevents).
    if (seq === undefined) {
      if (this.options.refreshBracket?.drained()) await this.save(this.cursor);
      this.notify('answer', { records: 0, deleted: 0, at });
      return;
    }
    if (this.ack !== undefined && seq === this.ack) {
      this.notify('duplicate', { sequenceNumber: seq });
      return;
    }
    const redelivered = this.inFlight === seq;
    this.inFlight = undefined;
    // Stored before anything is sent: after a crash from here on, this packet comes again, marked.
    if (this.nextMarked !== seq) await this.save({ ...this.cursor!, inFlight: seq });
    this.nextMarked = undefined;
    if (this.ack !== undefined && seq !== this.ack + 1) {
      // The packet after our ack is gone from the server queue (docs/masterscada.md#s4-publishevents): read what it held from the archive,
      // then reload the current picture.
      const expected = this.ack + 1;
      const from = this.lastEventTime ?? timeToMs(packet.serverTime);
      const backfill = from === undefined ? undefined : await this.readArchive(this.sub!.sessionId, from, this.firstTime(packet), packet, redelivered, signal);
      this.notify('gap', { expected, received: seq, subscriptionId: this.sub!.subscriptionId, ...(backfill ? { backfill } : {}) });
      this.pendingRefresh = true;
    }
    const fresh = this.withoutArchived(packet);
    if (fresh.recs.length > 0 || fresh.deleted.length > 0) await this.options.consumer(fresh, { redelivered });
    this.remember(packet);
    if (!packet.hasMore) this.options.refreshBracket?.drained();
    this.ack = seq;
    // While draining, the next packet's in-flight mark goes in the same write as this ack (one write per
    // packet); a crash before it came marks at most that packet as redelivered, never loses one.
    const cursor = this.cursor;
    await this.save(cursor, packet.hasMore ? seq + 1 : undefined);
    this.notify('cursor', cursor);
    this.notify('answer', { sequenceNumber: seq, records: fresh.recs.length, deleted: fresh.deleted.reduce((n, d) => n + d.eventIds.length, 0), at });
  }

  /** Every write of the cursor; `nextMarked` = also mark that packet as in flight, ahead of its arrival. */
  private async save(cursor: Cursor | undefined, nextMarked?: number): Promise<void> {
    this.nextMarked = undefined;
    await this.store.save(cursor === undefined || nextMarked === undefined ? cursor : { ...cursor, inFlight: nextMarked });
    this.nextMarked = nextMarked;
  }

  /** Update records already delivered from the archive are not sent a second time. */
  private withoutArchived(packet: EventPacket): EventPacket {
    if (this.archiveKeys.size === 0) return packet;
    const recs = packet.recs.filter((r) => r.recType !== 'Update' || !this.archiveKeys.has(this.keyOf(r) ?? ''));
    return recs.length === packet.recs.length ? packet : { ...packet, recs };
  }

  private keyOf(rec: EventRecord): string | undefined {
    const layout = this.layouts.get(rec.clientHandle);
    return layout ? recordKey(rec, recordEventId(layout, rec.fields), recordTime(layout, rec.fields)) : undefined;
  }

  private firstTime(packet: EventPacket): number | undefined {
    let first: number | undefined;
    for (const rec of packet.recs) {
      const layout = this.layouts.get(rec.clientHandle);
      const t = layout ? recordTime(layout, rec.fields) : undefined;
      if (t !== undefined && (first === undefined || t < first)) first = t;
    }
    return first ?? timeToMs(packet.serverTime);
  }

  private remember(packet: EventPacket): void {
    let newest = this.lastEventTime;
    for (const rec of packet.recs) {
      const layout = this.layouts.get(rec.clientHandle);
      if (!layout) continue;
      const t = recordTime(layout, rec.fields);
      const id = recordEventId(layout, rec.fields);
      if (id !== undefined) this.recent.add(rec.clientHandle, id, t);
      if (t !== undefined && (newest === undefined || t > newest)) {
        newest = t;
        this.lastEventKeys.clear();
      }
      if (t !== undefined && t === newest && id !== undefined) this.lastEventKeys.add(rec.clientHandle, id, t);
    }
    for (const group of packet.deleted) for (const id of group.eventIds) this.recentDeleted.add(group.clientHandle, id, undefined);
    // Selections without a Time field: the window starts when the first delivered packet was sent (a later
    // packet may hold older events, so a known start is never moved forward by server times).
    this.lastEventTime = newest ?? timeToMs(packet.serverTime);
  }

  /**
   * Read every selection's archive over [from, to] and hand on, as `Archive`
   * records, what was not delivered yet; records also in `packet` (the first
   * after a gap) are left to it. `redelivered`: the read repeats one a crash
   * interrupted, so what it hands on may have been sent already.
   */
  private async readArchive(sessionId: ScadaId, from: number, to: number | undefined, packet: EventPacket | undefined, redelivered: boolean, signal: AbortSignal): Promise<BackfillInfo> {
    const window = to === undefined ? { from } : { from, to };
    if (!this.archive) return { recovered: 0, complete: false, ...window };
    const inPacket = new Set<string>();
    for (const rec of packet?.recs ?? []) {
      const key = this.keyOf(rec);
      if (key) inPacket.add(key);
    }
    const delivered = this.recent.keySet();
    const deleted = this.recentDeleted.keySet();
    let complete = true;
    let error: unknown;
    const recs: EventRecord[] = [];
    for (const sel of this.options.selections) {
      const result = await this.call(sessionId, () => this.archive!.read(sessionId, sel, to === undefined ? { startTime: from } : { startTime: from, endTime: to }, signal));
      if (!result.complete) {
        complete = false;
        error ??= result.error;
      }
      for (const fields of result.recs) {
        const rec: EventRecord = { clientHandle: sel.clientHandle, recType: ARCHIVE.recType, fields };
        const layout = this.layouts.get(sel.clientHandle)!;
        const id = recordEventId(layout, fields);
        const t = recordTime(layout, fields);
        const key = recordKey(rec, id, t);
        if (id === undefined || key === undefined) continue;
        if (to !== undefined && t !== undefined && t > to) continue;
        if (delivered.has(key) || this.archiveKeys.has(key) || inPacket.has(key) || deleted.has(deliveryKey(sel.clientHandle, id, undefined))) continue;
        this.archiveKeys.add(key);
        recs.push(rec);
      }
    }
    if (recs.length > 0) {
      const archived: EventPacket = { subscriptionId: this.sub!.subscriptionId, hasMore: false, serverTime: packet?.serverTime, recs, deleted: [] };
      await this.options.consumer(archived, { redelivered });
      this.remember(archived);
    }
    return { recovered: recs.length, complete, ...window, ...(error === undefined ? {} : { error }) };
  }

  private async subscribe(sessionId: ScadaId, signal: AbortSignal): Promise<void> {
    const { client } = this.options;
    this.setState({ state: 'connecting' });
    const subscriptionId = await this.call(sessionId, () => client.createSubscription(sessionId, { signal }));
    try {
      await this.call(sessionId, () => client.createMonitoredEvents(sessionId, subscriptionId, this.options.selections, { signal }));
    } catch (err) {
      await this.deleteQuietly(sessionId, subscriptionId);
      throw err;
    }
    this.sub = { sessionId, subscriptionId };
    this.ack = undefined;
    this.inFlight = undefined;
    this.pendingRefresh = true;
    const reason = this.nextReason;
    const previous = this.previousSubscriptionId;
    this.nextReason = 'new';
    this.previousSubscriptionId = undefined;
    this.lastReason = reason;
    // A subscription lost with events still queued: what it held is read from the archive before the refresh.
    const lost = reason === 'subscription-lost' || reason === 'session-lost' || reason === 'session-changed';
    if (lost && this.lastEventTime !== undefined && this.archive) this.pendingBackfill = this.lastEventTime;
    if (!lost) {
      this.lastEventTime = undefined;
      this.lastEventKeys.clear();
    }
    await this.save(this.cursor);
    this.notify('cursor', this.cursor);
    this.notify('subscribed', { reason, subscriptionId, ...(previous === undefined ? {} : { previousSubscriptionId: previous }) });
  }

  private async dropSubscription(): Promise<void> {
    this.resetRequested = false;
    const old = this.sub;
    this.forgetSubscription('reset');
    await this.save(undefined);
    this.notify('cursor', undefined);
    if (old) await this.deleteQuietly(old.sessionId, old.subscriptionId);
  }

  /** Best effort, bounded in time, never throws: a subscription left behind ends with its session. */
  private async deleteQuietly(sessionId: ScadaId, subscriptionId: ScadaId): Promise<void> {
    await this.options.client.deleteSubscription(sessionId, subscriptionId, { signal: AbortSignal.timeout(RELEASE_TIMEOUT_MS) }).catch((err: unknown) => {
      this.logger.debug(`could not delete subscription: ${describeError(err)}`);
    });
  }

  private forgetSubscription(reason: SubscribeReason): void {
    if (this.sub) this.previousSubscriptionId = this.sub.subscriptionId;
    this.sub = undefined;
    this.ack = undefined;
    this.inFlight = undefined;
    this.nextReason = reason;
  }

  /** Run one call; a dead session or subscription reported by it is forgotten before the error goes on. */
  private async call<T>(sessionId: ScadaId, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isSessionInvalid(err)) {
        this.options.session.invalidate(sessionId);
        this.forgetSubscription('session-lost');
      } else if (isSubscriptionInvalid(err)) {
        this.forgetSubscription('subscription-lost');
      }
      throw err;
    }
  }

  private async recover(err: unknown): Promise<void> {
    const message = describeError(err);
    for (const w of [...this.refreshWaiters.splice(0), ...this.resetWaiters.splice(0)]) w.reject(err);
    // A lost session or subscription is recovered at once, but only once in a row: a second one backs off.
    if ((isSessionInvalid(err) || isSubscriptionInvalid(err)) && !this.recovering) {
      this.recovering = true;
      this.logger.info(`${message}; subscribing again`);
      return;
    }
    if (isFatal(err)) {
      // No timer retries it (a refused login would lock the account): wait for connect() or a new deploy.
      this.halted = true;
      this.haltError = err;
      this.failures.repeats(err);
      this.logger.warn(message);
      this.setState({ state: 'halted', error: toError(err) });
      this.notify('halted', { error: err });
      while (this.halted && !this.stopping.signal.aborted) await this.idle(Number.MAX_SAFE_INTEGER);
      return;
    }
    const retryInMs = this.backoff.next();
    const repeated = this.failures.repeats(err);
    if (!repeated) this.logger.warn(`${message}; retrying`);
    const error = toError(err);
    this.setState({ state: 'backoff', retryInMs, attempt: this.backoff.attempt, error });
    this.notify('failure', { error, retryInMs, repeated, fatal: false });
    await this.idle(retryInMs);
  }

  /** Sleep on the clock; stop() and refresh()/reset() cut it short. */
  private idle(ms: number): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const handle: TimerHandle = this.clock.setTimeout(() => done(), Math.min(ms, 0x7fffffff));
      const done = (): void => {
        this.wake = undefined;
        this.clock.clearTimeout(handle);
        resolve();
      };
      this.wake = done;
    });
  }

  private setState(status: PollerStatus): void {
    if (status.state === this.currentState && status.state !== 'backoff') return;
    this.currentState = status.state;
    this.notify('state', status);
  }
}

function recordKey(rec: EventRecord, id: string | undefined, time: number | undefined): string | undefined {
  return id === undefined ? undefined : deliveryKey(rec.clientHandle, id, time);
}

/** A set that forgets its oldest entries beyond `limit` (first in, first out). */
class BoundedSet {
  private readonly items = new Set<string>();
  private readonly ring: string[] = [];
  private next = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.items.size;
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  add(key: string): void {
    if (this.items.has(key)) return;
    if (this.ring.length < this.limit) this.ring.push(key);
    else {
      this.items.delete(this.ring[this.next]);
      this.ring[this.next] = key;
      this.next = (this.next + 1) % this.limit;
    }
    this.items.add(key);
  }
}
