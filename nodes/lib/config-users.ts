/**
 * The nodes using one config node, which register when they start and
 * deregister on close (as core's MQTT broker node keeps its users).
 * Deregistering hands in the user's own cleanup, which may still need the
 * connection (DeleteSubscription, CloseBpmProcess): Node-RED stops a config
 * node and the nodes using it in the same pass, and not always the users
 * first, so a config node that closed its session at once would cut that
 * cleanup off. It waits instead, for a bounded time, until every user has
 * deregistered and every cleanup has settled, before it closes the connection.
 */
export class ConfigUsers {
  private readonly users = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  private onDeregister: (() => void) | undefined;

  register(user: { id: string }): void {
    this.users.add(user.id);
  }

  /** `cleanup`: the user's close, still running. Node-RED calls every close handler before any of them settles. */
  deregister(user: { id: string }, cleanup: Promise<unknown>): void {
    this.users.delete(user.id);
    const settled = cleanup.catch(() => undefined).finally(() => this.pending.delete(settled));
    this.pending.add(settled);
    this.onDeregister?.();
  }

  /** Users registered and not yet closed. */
  get count(): number {
    return this.users.size;
  }

  /** Cleanups of closed users still running. */
  get closing(): number {
    return this.pending.size;
  }

  /** Resolves when every user has deregistered and every cleanup has settled, or after `limitMs`, whichever is first. Never rejects. */
  async settled(limitMs: number): Promise<void> {
    if (this.users.size === 0 && this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, limitMs);
    });
    const everyUser = new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.users.size > 0) return;
        this.onDeregister = undefined;
        resolve();
      };
      this.onDeregister = check;
      check();
    });
    // Cleanups handed in while waiting for the last users count too.
    const everyCleanup = everyUser.then(async () => {
      while (this.pending.size > 0) await Promise.all([...this.pending]);
    });
    await Promise.race([everyCleanup, limit]);
    this.onDeregister = undefined;
    clearTimeout(timer);
  }
}

/** The methods a config node offers the nodes that use it. */
export interface UsersOf {
  /** A node starts using this config node. */
  register(user: { id: string }): void;
  /** A node closes; the config node waits for `cleanup` before it closes the session that cleanup needs. */
  deregister(user: { id: string }, cleanup: Promise<unknown>): void;
}

/** Gives config node `node` its `register` and `deregister`, kept by the ConfigUsers returned. */
export function acceptUsers(node: Partial<UsersOf>): ConfigUsers {
  const users = new ConfigUsers();
  node.register = (user) => users.register(user);
  node.deregister = (user, cleanup) => users.deregister(user, cleanup);
  return users;
}

/** How long a config node waits for its users' cleanup before it closes the connection anyway. */
export const USER_CLEANUP_LIMIT_MS = 5000;
