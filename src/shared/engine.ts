import { EventEmitter } from 'node:events';
import { IntegrationError, describeError } from './errors';
import type { Logger } from './logger';

/**
 * The vocabulary both protocol engines (the MasterSCADA event poller and the
 * Foresight BPM monitor) speak: the same `state` and `failure` shapes, one
 * rule for errors no retry cures, and listeners that cannot break the loop.
 */

/** What an engine's `state` event carries. */
export interface EngineStatus<S extends string> {
  state: S;
  /** Backing off: the wait before the next attempt. */
  retryInMs?: number;
  /** Backing off: how many attempts failed in a row. */
  attempt?: number;
  /** Backing off or given up: what went wrong. */
  error?: Error;
}

/** What an engine's `failure` event carries. */
export interface EngineFailure {
  error: Error;
  /** The wait before the engine tries again by itself; none when it gave up or nothing is retried. */
  retryInMs?: number;
  /** Same message as the previous failure since the last success (report it once). */
  repeated: boolean;
  /** The engine gave up until the user acts (start/connect or a deploy): see `isFatal`. */
  fatal: boolean;
}

/**
 * The one rule for errors no retry cures: a non-retriable IntegrationError (a
 * refused login, a key that does not exist, a pasted id that died, a closed
 * session, bad settings) stops the engine until the user acts, since retrying
 * on a timer would only repeat it (or lock a directory account). Everything
 * else, including a consumer that threw, is retried with backoff. An HTTP 4xx
 * is retried too: a proxy or a runtime that is still starting answers 404 or
 * 403 for a while, and halting on it would leave alarms waiting for a person.
 * Classified by code, never by message text; an abort is never fatal.
 */
export function isFatal(err: unknown): boolean {
  return err instanceof IntegrationError && !err.retriable && err.code !== 'ABORTED' && err.code !== 'HTTP_STATUS';
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Tells whether a failure repeats the previous one, so it is reported once per streak. */
export class FailureStreak {
  private last = '';

  /** Record `err`; true when its message is the same as the previous one's. */
  repeats(err: unknown): boolean {
    const message = describeError(err);
    const repeated = message === this.last;
    this.last = message;
    return repeated;
  }

  /** A success ends the streak: the next failure is reported afresh. */
  reset(): void {
    this.last = '';
  }
}

type EventMapOf<T> = { [K in keyof T]: unknown[] };

/**
 * An EventEmitter whose `notify` calls every listener in turn and logs one
 * that throws, so a listener bug never escapes into the engine's loop (where
 * it would count as a failed step and reach its recovery after the ack has
 * already moved), a socket callback, or the listeners after it.
 */
export class GuardedEmitter<T extends EventMapOf<T>> extends EventEmitter<T> {
  constructor(private readonly listenerLog: Logger) {
    super();
  }

  protected notify<K extends keyof T & string>(event: K, ...args: T[K]): void {
    const listeners = (this as EventEmitter).rawListeners(event) as Array<(...values: unknown[]) => unknown>;
    for (const listener of listeners) {
      try {
        listener.apply(this, args);
      } catch (err) {
        this.listenerLog.warn(`a ${event} listener failed: ${describeError(err)}`);
      }
    }
  }
}
