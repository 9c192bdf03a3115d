import { abortable } from '../shared/clock';
import { RELEASE_TIMEOUT_MS } from '../shared/close-limit';
import { ClosedError, IntegrationError } from '../shared/errors';
import { LoginGate } from '../shared/login-refusal';
import type { MasterScadaClient } from './client';
import type { ScadaId } from './types';

export interface SessionCredentials {
  login?: string;
  password?: string;
  /** A session id opened elsewhere (e.g. the vendor web client). It cannot be renewed. */
  fixedSessionId?: string;
}

/** What the poll engine needs from the owner of the session. */
export interface SessionSource {
  /** The current session id, logging in first if there is none. */
  get(signal?: AbortSignal): Promise<ScadaId>;
  /** Report that the server no longer knows `sessionId`. */
  invalidate(sessionId: ScadaId): void;
  /** Offer an id remembered from an earlier run; used only while there is no session yet. */
  adopt(sessionId: ScadaId): void;
  /** The user asked to connect again after a refused login. */
  allowLogin?(): void;
}

/**
 * One session per server, shared by every user of the config node: one login
 * at a time no matter how many callers wait for it, a new login once the
 * server says the session died, logout on close.
 */
export class MasterScadaSession implements SessionSource {
  private current: ScadaId | undefined;
  private loggingIn: Promise<ScadaId> | undefined;
  private fixedDead = false;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly gate = new LoginGate();

  constructor(
    private readonly client: MasterScadaClient,
    private readonly credentials: SessionCredentials,
  ) {
    if (credentials.fixedSessionId) this.current = credentials.fixedSessionId;
  }

  /** The session id now in use, if any (never log it). */
  get id(): ScadaId | undefined {
    return this.current;
  }

  async get(signal?: AbortSignal): Promise<ScadaId> {
    if (this.closed) throw new ClosedError('server connection closed');
    if (this.fixedDead) {
      throw new IntegrationError('SESSION', 'the pasted session id is no longer valid on the server; paste a new one or use a login and password instead', { retriable: false });
    }
    if (this.current !== undefined) return this.current;
    this.gate.check();
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = undefined;
    });
    return abortable(this.loggingIn, signal);
  }

  invalidate(sessionId: ScadaId): void {
    if (this.current === undefined || String(this.current) !== String(sessionId)) return;
    if (this.credentials.fixedSessionId) this.fixedDead = true;
    this.current = undefined;
  }

  /** Whether the last login was refused (no further attempt until allowLogin). */
  get loginRefused(): boolean {
    return this.gate.isClosed;
  }

  allowLogin(): void {
    this.gate.open();
  }

  adopt(sessionId: ScadaId): void {
    if (this.current === undefined && !this.loggingIn && !this.closed && !this.credentials.fixedSessionId) this.current = sessionId;
  }

  /**
   * Refuse further use and, when `logout` is set (the default), log out (best
   * effort, never throws). Without logout the server keeps the session until
   * its idle time runs out, so a restarted process can resume its subscriptions.
   */
  async close(options: { logout?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    const id = this.current;
    this.current = undefined;
    if (id !== undefined && !this.credentials.fixedSessionId && options.logout !== false) {
      await this.client.logout(id, { signal: AbortSignal.timeout(RELEASE_TIMEOUT_MS) }).catch(() => undefined);
    }
  }

  private async login(): Promise<ScadaId> {
    let sessionId: ScadaId;
    try {
      ({ sessionId } = await this.client.login(this.credentials.login ?? '', this.credentials.password ?? '', { signal: this.closing.signal }));
    } catch (err) {
      throw this.gate.failed(err);
    }
    if (this.closed) {
      await this.client.logout(sessionId, { signal: AbortSignal.timeout(RELEASE_TIMEOUT_MS) }).catch(() => undefined);
      throw new ClosedError('server connection closed');
    }
    this.current = sessionId;
    return sessionId;
  }
}
