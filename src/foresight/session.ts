import { AbortedError, ClosedError, ConfigError, describeError } from '../shared/errors';
import { systemClock } from '../shared/clock';
import type { Clock, TimerHandle } from '../shared/clock';
import { RELEASE_TIMEOUT_MS } from '../shared/close-limit';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import { SessionSlot } from '../shared/session-slot';
import type { OpenMetabaseResult, PpsomClient } from './client';
import { SessionUnrenewableError, isSessionError } from './errors';
import { KEEPALIVE_INTERVAL_MS } from './vendor';

export interface ForesightSessionOptions {
  client: PpsomClient;
  /** Repository description id (`tDef.id`, docs/foresight.md#openmetabase). */
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
  private readonly slot: SessionSlot<string>;
  private lastActivity = 0;
  private keepAliveTimer: TimerHandle | undefined;
  private readonly probes = new Set<KeepAliveProbe>();

  constructor(options: ForesightSessionOptions) {
    this.client = options.client;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.keepAliveMs = options.keepAliveMs ?? KEEPALIVE_INTERVAL_MS;
    if (!options.connectionMoniker && !options.repositoryId) {
      throw new ConfigError('set a repository id (with user and password) or paste a connection moniker');
    }
    const limitMs = options.closeTimeoutMs ?? RELEASE_TIMEOUT_MS;
    this.slot = new SessionSlot<string>({
      login: () => this.open(),
      release: (conn) => this.client.closeMetabase(conn, { timeoutMs: limitMs }),
      releaseFailed: (err) => this.logger.debug(`CloseMetabase failed: ${describeError(err)}`),
      ...(options.connectionMoniker ? { pasted: options.connectionMoniker } : {}),
      pastedDied: () => new SessionUnrenewableError('the pasted connection moniker is no longer valid; paste a new one or set user and password'),
      closed: () => new ClosedError('Foresight session closed'),
      closeWaitMs: limitMs,
    });
  }

  /** The monikers to mask in any text that leaves this package. */
  secrets(): string[] {
    return [this.slot.id, this.options.connectionMoniker, this.options.password].filter((s): s is string => Boolean(s));
  }

  /** The live connection moniker, opening the session when there is none. */
  connection(signal?: AbortSignal): Promise<string> {
    return this.slot.get(signal);
  }

  /** Whether the last OpenMetabase was refused (no further attempt until allowLogin). */
  get loginRefused(): boolean {
    return this.slot.loginRefused;
  }

  /** The user asked to try the login again. */
  allowLogin(): void {
    this.slot.allowLogin();
  }

  /** A caller saw a SESSION fault with this moniker: forget it (only if it is still the current one). */
  invalidate(connection: string): void {
    const outcome = this.slot.invalidate(connection);
    if (outcome === 'pasted-died') this.logger.warn('the pasted connection moniker was refused by the server');
    else if (outcome === 'dropped') this.logger.info('repository session ended on the server; it will be reopened on next use');
  }

  /** Record that the server just accepted a call on this session (postpones the keep-alive). */
  touch(): void {
    this.lastActivity = this.clock.now();
  }

  /** `client` whose every answered call is recorded as activity on this session. */
  track<C extends object>(client: C): C {
    return recordingAnswers(client, () => this.touch());
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
    if (this.slot.isClosed) return;
    this.disarmKeepAlive();
    this.probes.clear();
    await this.slot.close();
  }

  /** Not aborted by callers or close(): a close() during OpenMetabase must not strand a session on the server. */
  private async open(): Promise<string> {
    const { repositoryId, user, password } = this.options;
    if (!repositoryId) throw new SessionUnrenewableError('no repository id is set, so the session cannot be opened');
    const result: OpenMetabaseResult = await this.client.openMetabase(repositoryId, { user: user ?? '', password: password ?? '' });
    this.touch();
    this.logger.debug(`repository ${repositoryId} opened`);
    return result.id;
  }

  private armKeepAlive(): void {
    if (this.keepAliveTimer !== undefined || this.slot.isClosed) return;
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
    if (this.slot.isClosed) return;
    if (this.clock.now() - this.lastActivity < this.keepAliveMs / 2) return;
    const conn = this.slot.id;
    for (const probe of [...this.probes]) {
      try {
        await probe(this.slot.signal);
        this.touch();
        return;
      } catch (err) {
        if (err instanceof AbortedError || this.slot.isClosed) return;
        if (isSessionError(err) && conn) this.invalidate(conn);
        this.logger.debug(`keep-alive failed: ${describeError(err)}`);
      }
    }
  }
}

/** `client` seen through a view whose calls call `onAnswer` each time one of their promises resolves. */
function recordingAnswers<C extends object>(client: C, onAnswer: () => void): C {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) {
          return result.then((answer: unknown) => {
            onAnswer();
            return answer;
          });
        }
        return result;
      };
    },
  });
}
