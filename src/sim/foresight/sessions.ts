import { EventEmitter } from 'node:events';
import { MONITORING_URL_PREFIX } from '../../foresight/vendor';
import { guid, monikerLetters } from './model';

export interface SimSession {
  /** Connection moniker `<48 letters>!M`. */
  connection: string;
  user: string;
  sessKey: string;
  lastUsed: number;
  ended: boolean;
  /** Opened-process moniker → process object key. */
  processes: Map<string, string>;
}

export interface MonitoringToken {
  url: string;
  session: SimSession;
  processMoniker: string;
  instanceKey: string;
}

/**
 * The moniker state machine: connection → opened process → monitoring token.
 * CloseMetabase or inactivity ends a session, and with it every moniker and
 * token derived from it (docs/foresight.md#session-timeout). Emits `ended` (session) so the
 * monitoring sockets of that session can be closed.
 */
export class SessionTable extends EventEmitter {
  private readonly sessions = new Map<string, SimSession>();
  private readonly tokens = new Map<string, MonitoringToken>();
  private nextSessKey = 394186;
  private seedUrlPending: string | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number,
    seedMonitoringUrl?: string,
  ) {
    super();
    this.seedUrlPending = seedMonitoringUrl;
  }

  open(user: string): SimSession {
    const s: SimSession = {
      connection: `${monikerLetters()}!M`,
      user,
      sessKey: String(this.nextSessKey++),
      lastUsed: this.now(),
      ended: false,
      processes: new Map(),
    };
    this.sessions.set(s.connection, s);
    return s;
  }

  /** The live session a moniker belongs to (refreshing its inactivity timer), or undefined. */
  lookup(moniker: string): SimSession | undefined {
    this.sweep();
    const idx = moniker.indexOf('!M');
    if (idx < 0) return undefined;
    const s = this.sessions.get(moniker.slice(0, idx + 2));
    if (!s || s.ended) return undefined;
    s.lastUsed = this.now();
    return s;
  }

  openProcess(s: SimSession, processKey: string): string {
    const moniker = `${s.connection}!S!BP${monikerLetters()}`;
    s.processes.set(moniker, processKey);
    return moniker;
  }

  /** The token for an instance: the vendor example's url the first time (docs/foresight.md#openmonitoringws), fresh GUIDs after. */
  issueToken(s: SimSession, processMoniker: string, instanceKey: string, isSeedInstance: boolean): string {
    let url = `${MONITORING_URL_PREFIX}${guid()}`;
    if (isSeedInstance && this.seedUrlPending) {
      url = this.seedUrlPending;
      this.seedUrlPending = undefined;
    }
    this.tokens.set(url, { url, session: s, processMoniker, instanceKey });
    return url;
  }

  token(url: string): MonitoringToken | undefined {
    this.sweep();
    const t = this.tokens.get(url);
    if (!t || t.session.ended || !t.session.processes.has(t.processMoniker)) return undefined;
    return t;
  }

  end(s: SimSession, reason: 'closed' | 'expired'): void {
    if (s.ended) return;
    s.ended = true;
    this.sessions.delete(s.connection);
    for (const [url, t] of this.tokens) if (t.session === s) this.tokens.delete(url);
    this.emit('ended', s, reason);
  }

  /** End every live session, as if the server had restarted or every session timed out. */
  expireAll(): number {
    const live = [...this.sessions.values()];
    for (const s of live) this.end(s, 'expired');
    return live.length;
  }

  get liveCount(): number {
    return this.sessions.size;
  }

  /** End sessions idle for longer than the timeout. */
  sweep(): void {
    const limit = this.now() - this.timeoutMs;
    for (const s of [...this.sessions.values()]) if (s.lastUsed < limit) this.end(s, 'expired');
  }
}
