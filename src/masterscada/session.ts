import { ClosedError, IntegrationError } from '../shared/errors';
import { RELEASE_TIMEOUT_MS } from '../shared/close-limit';
import { SessionSlot } from '../shared/session-slot';
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
 * server says the session died, logout on close (`SessionSlot`).
 */
export class MasterScadaSession implements SessionSource {
  private readonly slot: SessionSlot<ScadaId>;

  constructor(client: MasterScadaClient, credentials: SessionCredentials) {
    this.slot = new SessionSlot<ScadaId>({
      login: async (signal) => (await client.login(credentials.login ?? '', credentials.password ?? '', { signal })).sessionId,
      release: (id) => client.logout(id, { signal: AbortSignal.timeout(RELEASE_TIMEOUT_MS) }),
      ...(credentials.fixedSessionId ? { pasted: credentials.fixedSessionId } : {}),
      pastedDied: () => new IntegrationError('SESSION', 'the pasted session id is no longer valid on the server; paste a new one or use a login and password instead', { retriable: false }),
      closed: () => new ClosedError('server connection closed'),
      closeWaitMs: RELEASE_TIMEOUT_MS,
    });
  }

  /** The session id now in use, if any (never log it). */
  get id(): ScadaId | undefined {
    return this.slot.id;
  }

  get(signal?: AbortSignal): Promise<ScadaId> {
    return this.slot.get(signal);
  }

  invalidate(sessionId: ScadaId): void {
    this.slot.invalidate(sessionId);
  }

  /** Whether the last login was refused (no further attempt until allowLogin). */
  get loginRefused(): boolean {
    return this.slot.loginRefused;
  }

  allowLogin(): void {
    this.slot.allowLogin();
  }

  adopt(sessionId: ScadaId): void {
    this.slot.adopt(sessionId);
  }

  /**
   * Refuse further use and, when `logout` is set (the default), log out (best
   * effort, never throws). Without logout the server keeps the session until
   * its idle time runs out, so a restarted process can resume its subscriptions.
   */
  close(options: { logout?: boolean } = {}): Promise<void> {
    return this.slot.close({ release: options.logout !== false });
  }
}
