import { AbortedError, ClosedError, ConfigError, describeError } from '../shared/errors';
import { abortable, systemClock } from '../shared/clock';
import type { Clock, TimerHandle } from '../shared/clock';
import { RELEASE_TIMEOUT_MS } from '../shared/close-limit';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { LoginGate } from '../shared/login-refusal';
import type { OpenMetabaseResult, PpsomClient } from './client';
import { SessionUnrenewableError, isSessionError } from './errors';
import { KEEPALIVE_INTERVAL_MS } from './vendor';

export interface ForesightSessionOptions {
  client: PpsomClient;
  /** Repository description id (`tDef.id`, spec §3.1). */
  repositoryId?: string;
  user?: string;
  password?: string;
  /** A connection moniker opened elsewhere; used as is and never renewed or closed by us. */
  connectionMoniker?: string;
  keepAliveMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Limit for the CloseMetabase sent by close(). */
  closeTimeoutMs?: number;
}

/** A cheap read that proves the session is alive; provided by whoever holds an opened process. */
export type KeepAliveProbe = (signal: AbortSignal) => Promise<unknown>;

export interface SessionLease {
  release(): void;
}

/**
 * Owns one repository session: opens it on first use (one OpenMetabase even
 * when many callers ask at once), hands out the connection moniker, forgets
 * it when a caller reports it dead so the next caller opens a fresh one, keeps
 * it alive through a holder's probe while someone holds it, and closes it
 * with CloseMetabase. A pasted moniker cannot be renewed: once it dies every
 * caller gets a SessionUnrenewableError. A refused login is not tried again
 * (shared rule, `LoginGate`) until allowLogin().
 */
export class ForesightSession {
  private readonly client: PpsomClient;
  private readonly options: ForesightSessionOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly keepAliveMs: number;
  private current: string | undefined;
  private opening: Promise<string> | undefined;
  private pastedDead = false;
  private closed = false;
  private lastActivity = 0;
  private keepAliveTimer: TimerHandle | undefined;
  private readonly probes = new Set<KeepAliveProbe>();
  private readonly abort = new AbortController();
  private readonly gate = new LoginGate();

  constructor(options: ForesightSessionOptions) {
    this.client = options.client;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.keepAliveMs = options.keepAliveMs ?? KEEPALIVE_INTERVAL_MS;
    if (!options.connectionMoniker && !options.repositoryId) {
      throw new ConfigError('set a repository id (with user and password) or paste a connection moniker');
    }
  }

  /** The monikers to mask in any text that leaves this package. */
  secrets(): string[] {
    return [this.current, this.options.connectionMoniker, this.options.password].filter((s): s is string => Boolean(s));
  }

  /** The live connection moniker, opening the session when there is none. */
  async connection(signal?: AbortSignal): Promise<string> {
    if (this.closed) throw new ClosedError('Foresight session closed');
    if (this.options.connectionMoniker) {
      if (this.pastedDead) {
        throw new SessionUnrenewableError('the pasted connection moniker is no longer valid; paste a new one or set user and password');
      }
      this.current = this.options.connectionMoniker;
      return this.current;
    }
    if (this.current) return this.current;
    this.gate.check();
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return abortable(this.opening, signal);
  }

  /** Whether the last OpenMetabase was refused (no further attempt until allowLogin). */
  get loginRefused(): boolean {
    return this.gate.isClosed;
  }

  /** The user asked to try the login again. */
  allowLogin(): void {
    this.gate.open();
  }

  /** A caller saw a SESSION fault with this moniker: forget it (only if it is still the current one). */
  invalidate(connection: string): void {
    if (this.options.connectionMoniker === connection) {
      this.pastedDead = true;
      this.logger.warn('the pasted connection moniker was refused by the server');
      return;
    }
    if (this.current === connection) {
      this.current = undefined;
      this.logger.info('repository session ended on the server; it will be reopened on next use');
    }
  }

  /** Record that the server just accepted a call on this session (postpones the keep-alive). */
  touch(): void {
    this.lastActivity = this.clock.now();
  }

  /** Keep the session alive with `probe` for as long as the lease is held. */
  acquire(probe: KeepAliveProbe): SessionLease {
    this.probes.add(probe);
    this.armKeepAlive();
    return {
      release: () => {
        this.probes.delete(probe);
        if (this.probes.size === 0) this.disarmKeepAlive();
      },
    };
  }

  /** CloseMetabase for a session we opened (best-effort, bounded), then refuse further use. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.disarmKeepAlive();
    this.probes.clear();
    this.abort.abort();
    const pending = this.opening;
    const limitMs = this.options.closeTimeoutMs ?? RELEASE_TIMEOUT_MS;
    let conn = this.current;
    // Wait a little for an OpenMetabase in flight; if it answers later, open() closes that session itself.
    if (!conn && pending) conn = await within(pending.catch(() => undefined), limitMs);
    this.current = undefined;
    if (conn && !this.options.connectionMoniker) {
      try {
        await this.client.closeMetabase(conn, { timeoutMs: limitMs });
      } catch (err) {
        this.logger.debug(`CloseMetabase failed: ${describeError(err)}`);
      }
    }
  }

  private async open(): Promise<string> {
    const { repositoryId, user, password } = this.options;
    if (!repositoryId) throw new SessionUnrenewableError('no repository id is set, so the session cannot be opened');
    // Not aborted by callers: a close() during OpenMetabase must not strand a session on the server.
    let result: OpenMetabaseResult;
    try {
      result = await this.client.openMetabase(repositoryId, { user: user ?? '', password: password ?? '' });
    } catch (err) {
      throw this.gate.failed(err);
    }
    if (this.closed) {
      void this.client.closeMetabase(result.id, { timeoutMs: this.options.closeTimeoutMs ?? RELEASE_TIMEOUT_MS }).catch(() => undefined);
      throw new ClosedError('Foresight session closed');
    }
    this.current = result.id;
    this.touch();
    this.logger.debug(`repository ${repositoryId} opened`);
    return result.id;
  }

  private armKeepAlive(): void {
    if (this.keepAliveTimer !== undefined || this.closed) return;
    this.keepAliveTimer = this.clock.setTimeout(() => {
      this.keepAliveTimer = undefined;
      void this.keepAlive().finally(() => {
        if (this.probes.size > 0) this.armKeepAlive();
      });
    }, this.keepAliveMs);
  }

  private disarmKeepAlive(): void {
    if (this.keepAliveTimer === undefined) return;
    this.clock.clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  /** Try the holders' probes in turn until one succeeds (a holder that is reconnecting may have a dead process). */
  private async keepAlive(): Promise<void> {
    if (this.closed) return;
    if (this.clock.now() - this.lastActivity < this.keepAliveMs / 2) return;
    const conn = this.current;
    for (const probe of [...this.probes]) {
      try {
        await probe(this.abort.signal);
        this.touch();
        return;
      } catch (err) {
        if (err instanceof AbortedError || this.closed) return;
        if (isSessionError(err) && conn) this.invalidate(conn);
        this.logger.debug(`keep-alive failed: ${describeError(err)}`);
      }
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
