import { EventEmitter } from 'node:events';
import { Backoff } from '../shared/backoff';
import type { BackoffOptions } from '../shared/backoff';
import { systemClock, yieldToEventLoop } from '../shared/clock';
import type { Clock, TimerHandle } from '../shared/clock';
import { ClosedError, describeError } from '../shared/errors';
import { silentLogger } from '../shared/logger';
import type { Logger } from '../shared/logger';
import type { MasterScadaClient } from './client';
import { isSessionInvalid, isSubscriptionInvalid } from './errors';
import type { SessionSource } from './session';
import type { EventPacket, EventSelection, ScadaId } from './types';

/** Where a subscription stands: enough to resume it after a redeploy or a restart. */
export interface Cursor {
  sessionId: ScadaId;
  subscriptionId: ScadaId;
  /** Last packet handed to the consumer; absent before the first one. */
  ack?: number;
}

export type PollerState = 'idle' | 'connecting' | 'polling' | 'backoff' | 'stopped';

/** Why a (new) subscription was made. */
export type SubscribeReason = 'new' | 'reset' | 'subscription-lost' | 'session-lost' | 'session-changed';

export interface PollerEvents {
  state: [state: PollerState, retryInMs: number | undefined];
  /** The ack moved or the subscription changed; persist it. `undefined` = nothing to resume. */
  cursor: [cursor: Cursor | undefined];
  subscribed: [info: { reason: SubscribeReason; subscriptionId: ScadaId; previousSubscriptionId?: ScadaId }];
  gap: [info: { expected: number; received: number }];
  duplicate: [info: { sequenceNumber: number }];
  /** A PublishEvents answer was processed. */
  answer: [info: { sequenceNumber?: number; records: number; deleted: number; at: number }];
  /** A step failed; the poller retries by itself. `repeated` = same message as the previous failure. */
  failure: [info: { error: unknown; retryInMs: number; repeated: boolean }];
}

export type PollerClient = Pick<MasterScadaClient, 'createSubscription' | 'createMonitoredEvents' | 'refreshEvents' | 'deleteSubscription' | 'publishEvents'>;

export interface EventPollerOptions {
  client: PollerClient;
  session: SessionSource;
  selections: EventSelection[];
  /** Receives every packet with records or deletions; the ack moves only after it resolves. */
  consumer: (packet: EventPacket) => Promise<void> | void;
  /** Pause between polls that returned everything (hasMore false). Default 1000 ms. */
  pollIntervalMs?: number;
  /** Resume this subscription instead of creating one. */
  cursor?: Cursor;
  clock?: Clock;
  backoff?: BackoffOptions;
  logger?: Logger;
}

/** DeleteSubscription runs on stop and reset, so it must not hold them up. */
const DELETE_TIMEOUT_MS = 3000;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The PublishEvents poll/ack loop (spec §5.3, §9): one request in flight,
 * `hasMore` drained at once, ack moved only after delivery, gaps and lost
 * sessions/subscriptions recovered with RefreshEvents, transport failures
 * retried with capped, jittered backoff.
 */
export class EventPoller extends EventEmitter<PollerEvents> {
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
  private lastFailure = '';
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private currentState: PollerState = 'idle';
  private lastAnswer: number | undefined;

  constructor(private readonly options: EventPollerOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.backoff = new Backoff(options.backoff);
    this.logger = options.logger ?? silentLogger;
    this.pollIntervalMs = Math.max(0, options.pollIntervalMs ?? 1000);
    if (options.cursor) {
      this.sub = { sessionId: options.cursor.sessionId, subscriptionId: options.cursor.subscriptionId };
      this.ack = options.cursor.ack;
      options.session.adopt(options.cursor.sessionId);
    }
  }

  get state(): PollerState {
    return this.currentState;
  }

  /** Clock time of the last genuine PublishEvents answer; failures never move it. */
  get lastAnswerAt(): number | undefined {
    return this.lastAnswer;
  }

  get cursor(): Cursor | undefined {
    return this.sub ? { ...this.sub, ...(this.ack === undefined ? {} : { ack: this.ack }) } : undefined;
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
    const closed = new ClosedError('event polling stopped');
    for (const w of [...this.refreshWaiters.splice(0), ...this.resetWaiters.splice(0)]) w.reject(closed);
    if (options.deleteSubscription && this.sub) {
      const { sessionId, subscriptionId } = this.sub;
      this.sub = undefined;
      await this.deleteQuietly(sessionId, subscriptionId);
    }
    this.setState('stopped', undefined);
  }

  private request(mark: () => void, waiters: Waiter[]): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.reject(new ClosedError('event polling stopped'));
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
    if (this.resetRequested) await this.dropSubscription();
    const sessionId = await session.get(signal);
    if (this.sub && String(this.sub.sessionId) !== String(sessionId)) {
      // The stored subscription belongs to a session that is no longer ours.
      this.forgetSubscription('session-changed');
    }
    if (!this.sub) await this.subscribe(sessionId, signal);
    const sub = this.sub!;
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
      for (const w of waiting) w.resolve();
    }
    this.setState('polling', undefined);
    const packet = await this.call(sub.sessionId, () => client.publishEvents(sub.sessionId, sub.subscriptionId, this.ack, { signal }));
    this.lastAnswer = this.clock.now();
    await this.deliver(packet);
    this.recovering = false;
    this.lastFailure = '';
    this.backoff.reset();
    // More queued, or a gap to repair: go again without waiting for the poll interval.
    if ((packet.hasMore || this.pendingRefresh) && !signal.aborted) {
      await yieldToEventLoop();
      return;
    }
    await this.idle(this.pollIntervalMs);
  }

  private async deliver(packet: EventPacket): Promise<void> {
    const seq = packet.sequenceNumber;
    const at = this.lastAnswer ?? this.clock.now();
    // No sequenceNumber = nothing new; the next request repeats the same ack (S4).
    if (seq === undefined) {
      this.emit('answer', { records: 0, deleted: 0, at });
      return;
    }
    if (this.ack !== undefined && seq === this.ack) {
      this.emit('duplicate', { sequenceNumber: seq });
      return;
    }
    if (this.ack !== undefined && seq !== this.ack + 1) {
      // The packet after our ack is gone from the server queue (S4): events were lost, reload the current picture.
      this.emit('gap', { expected: this.ack + 1, received: seq });
      this.pendingRefresh = true;
    }
    if (packet.recs.length > 0 || packet.deleted.length > 0) await this.options.consumer(packet);
    this.ack = seq;
    this.emit('cursor', this.cursor);
    this.emit('answer', { sequenceNumber: seq, records: packet.recs.length, deleted: packet.deleted.reduce((n, d) => n + d.eventIds.length, 0), at });
  }

  private async subscribe(sessionId: ScadaId, signal: AbortSignal): Promise<void> {
    const { client } = this.options;
    this.setState('connecting', undefined);
    const subscriptionId = await this.call(sessionId, () => client.createSubscription(sessionId, { signal }));
    try {
      await this.call(sessionId, () => client.createMonitoredEvents(sessionId, subscriptionId, this.options.selections, { signal }));
    } catch (err) {
      await this.deleteQuietly(sessionId, subscriptionId);
      throw err;
    }
    this.sub = { sessionId, subscriptionId };
    this.ack = undefined;
    this.pendingRefresh = true;
    const reason = this.nextReason;
    const previous = this.previousSubscriptionId;
    this.nextReason = 'new';
    this.previousSubscriptionId = undefined;
    this.emit('cursor', this.cursor);
    this.emit('subscribed', { reason, subscriptionId, ...(previous === undefined ? {} : { previousSubscriptionId: previous }) });
  }

  private async dropSubscription(): Promise<void> {
    this.resetRequested = false;
    const old = this.sub;
    this.forgetSubscription('reset');
    this.emit('cursor', undefined);
    if (old) await this.deleteQuietly(old.sessionId, old.subscriptionId);
  }

  /** Best effort, bounded in time, never throws: a subscription left behind ends with its session. */
  private async deleteQuietly(sessionId: ScadaId, subscriptionId: ScadaId): Promise<void> {
    await this.options.client.deleteSubscription(sessionId, subscriptionId, { signal: AbortSignal.timeout(DELETE_TIMEOUT_MS) }).catch((err: unknown) => {
      this.logger.debug(`could not delete subscription: ${describeError(err)}`);
    });
  }

  private forgetSubscription(reason: SubscribeReason): void {
    if (this.sub) this.previousSubscriptionId = this.sub.subscriptionId;
    this.sub = undefined;
    this.ack = undefined;
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
    const retryInMs = this.backoff.next();
    const repeated = message === this.lastFailure;
    this.lastFailure = message;
    if (!repeated) this.logger.warn(`${message}; retrying`);
    this.setState('backoff', retryInMs);
    this.emit('failure', { error: err, retryInMs, repeated });
    await this.idle(retryInMs);
  }

  /** Sleep on the clock; stop() and refresh()/reset() cut it short. */
  private idle(ms: number): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const handle: TimerHandle = this.clock.setTimeout(() => done(), ms);
      const done = (): void => {
        this.wake = undefined;
        this.clock.clearTimeout(handle);
        resolve();
      };
      this.wake = done;
    });
  }

  private setState(state: PollerState, retryInMs: number | undefined): void {
    if (state === this.currentState && state !== 'backoff') return;
    this.currentState = state;
    this.emit('state', state, retryInMs);
  }
}
