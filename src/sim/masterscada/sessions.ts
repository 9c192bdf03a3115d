import { randomBytes } from 'node:crypto';
import { SimStatus } from './sim-status';

export interface SimSession {
  id: string;
  operator: string;
  lastUsed: number;
}

export interface SessionOptions {
  accounts: Record<string, string>;
  allowAnonymous: boolean;
  sessionTimeMs: number;
  now: () => number;
}

/** The runtime's operator sessions. `onEnded` hears of every session that ends, however it ends. */
export class SessionTable {
  private readonly sessions = new Map<string, SimSession>();

  constructor(
    private readonly options: SessionOptions,
    private readonly onEnded: (sessionId: string) => void,
  ) {}

  login(login: unknown, password: unknown): { sessionId: string; sessionTime: number } {
    const name = typeof login === 'string' ? login : '';
    const pass = typeof password === 'string' ? password : '';
    if (name === '') {
      if (!this.options.allowAnonymous) throw new SimStatus('BadUserAccessDenied', 'anonymous login is disabled');
    } else if (!Object.prototype.hasOwnProperty.call(this.options.accounts, name) || this.options.accounts[name] !== pass) {
      throw new SimStatus('BadUserAccessDenied', 'wrong login or password');
    }
    const id = randomBytes(12).toString('hex');
    this.sessions.set(id, { id, operator: name, lastUsed: this.options.now() });
    return { sessionId: id, sessionTime: this.options.sessionTimeMs };
  }

  /** The live session `raw` names. Sessions are idle timeouts renewed by every request (docs/masterscada.md#session-lifetime-and-logout, inferred). */
  use(raw: unknown): SimSession {
    this.sweep();
    const id = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
    const session = this.sessions.get(id);
    if (!session) throw new SimStatus('BadSessionIdInvalid', 'session is missing or not active');
    session.lastUsed = this.options.now();
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
    this.onEnded(id);
  }

  /** Every session ends, as if its idle time ran out. */
  endAll(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }

  get count(): number {
    this.sweep();
    return this.sessions.size;
  }

  sweep(): void {
    const now = this.options.now();
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastUsed > this.options.sessionTimeMs) this.end(s.id);
    }
  }
}
