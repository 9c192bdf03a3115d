import { abortable } from './clock';
import { LoginGate } from './login-refusal';

export interface SessionSlotOptions<Id> {
  /**
   * Open a session. `signal` aborts when the slot closes; a login that must not
   * strand a session on the server may ignore it (the slot then releases the
   * session it answers with).
   */
  login(signal: AbortSignal): Promise<Id>;
  /** End a session we opened. Bounded by the caller; a failure is passed to `releaseFailed`. */
  release(id: Id): Promise<unknown>;
  releaseFailed?(err: unknown): void;
  /** A session id opened elsewhere: used as is, never renewed and never released. */
  pasted?: Id;
  /** The error every caller gets once the pasted id has died. */
  pastedDied(): Error;
  /** The error every caller gets after close(). */
  closed(): Error;
  /** How long close() waits for a login in flight before it returns (that session is released when it answers). */
  closeWaitMs: number;
  /**
   * Default true: a refused login is held (`LoginGate`) until allowLogin(). False for what opens on a session
   * that holds its own refusals (an opened process): every failure is passed on as it is and the next get() tries again.
   */
  holdRefusedLogin?: boolean;
}

/** What invalidate() did. */
export type Invalidation = 'dropped' | 'pasted-died' | 'stale';

/**
 * The one session a server connection holds, shared by all its users: one
 * login at a time however many callers wait (each may give up with its own
 * signal, the login goes on for the others), a session reported dead dropped
 * only while it is still the current one, a pasted id used as is until it
 * dies, a refused login held by the shared `LoginGate`, and close() that
 * releases what we opened, including a session whose login answers after it.
 */
export class SessionSlot<Id> {
  private current: Id | undefined;
  private loggingIn: Promise<Id> | undefined;
  private pastedDead = false;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly gate = new LoginGate();

  constructor(private readonly options: SessionSlotOptions<Id>) {
    this.current = options.pasted;
  }

  /** The session id now in use, if any (a secret: never log it). */
  get id(): Id | undefined {
    return this.current;
  }

  /** Aborts when the slot closes. */
  get signal(): AbortSignal {
    return this.closing.signal;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The last login was refused: no further attempt until allowLogin(). */
  get loginRefused(): boolean {
    return this.gate.isClosed;
  }

  allowLogin(): void {
    this.gate.open();
  }

  /** The current session, logging in first if there is none. */
  async get(signal?: AbortSignal): Promise<Id> {
    if (this.closed) throw this.options.closed();
    if (this.pastedDead) throw this.options.pastedDied();
    if (this.current !== undefined) return this.current;
    this.gate.check();
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = undefined;
    });
    return abortable(this.loggingIn, signal);
  }

  /** The server no longer knows `id`: forget it if it is still the current one (a late report of an older one is ignored). */
  invalidate(id: Id): Invalidation {
    if (this.current === undefined || String(this.current) !== String(id)) return 'stale';
    this.current = undefined;
    if (this.options.pasted === undefined) return 'dropped';
    this.pastedDead = true;
    return 'pasted-died';
  }

  /** Offer an id remembered from an earlier run; taken only while there is no session, no login and no pasted id. */
  adopt(id: Id): void {
    if (this.current === undefined && !this.loggingIn && !this.closed && this.options.pasted === undefined) this.current = id;
  }

  /**
   * Release the session we opened, once a login in flight has answered, and forget it; the slot stays open and the
   * next get() logs in again. A pasted id stays (dead or alive). Never throws.
   */
  async release(): Promise<void> {
    await this.loggingIn?.catch(() => undefined);
    if (this.options.pasted !== undefined) return;
    const id = this.current;
    this.current = undefined;
    if (id !== undefined) await this.releaseQuietly(id);
  }

  /** Refuse further use and release the session we opened (unless `release` is false); never throws. */
  async close(options: { release?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    const pending = this.loggingIn;
    const id = this.current;
    this.current = undefined;
    // A login in flight releases its session itself when it answers; wait a little for that.
    if (id === undefined && pending) await within(pending.catch(() => undefined), this.options.closeWaitMs);
    if (id !== undefined && this.options.pasted === undefined && options.release !== false) await this.releaseQuietly(id);
  }

  private async login(): Promise<Id> {
    let id: Id;
    try {
      id = await this.options.login(this.closing.signal);
    } catch (err) {
      throw this.options.holdRefusedLogin === false ? err : this.gate.failed(err);
    }
    if (this.closed) {
      await this.releaseQuietly(id);
      throw this.options.closed();
    }
    this.current = id;
    return id;
  }

  private async releaseQuietly(id: Id): Promise<void> {
    try {
      await this.options.release(id);
    } catch (err) {
      this.options.releaseFailed?.(err);
    }
  }
}

/** `promise`, or undefined after `ms` of real time (on purpose: close() must end even on a fake clock nobody ticks). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void promise.then((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}
