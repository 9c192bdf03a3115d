/**
 * Node-RED stops a config node and the nodes using it in the same pass, so a
 * config node that closes its session at once cuts off its users' own
 * cleanup (Foresight: CloseMetabase before CloseBpmProcess, which then fails).
 * Users hand their close promise in here; the config node waits for them,
 * for a bounded time, before it closes the connection they need.
 */
export class UserCleanups {
  private readonly pending = new Set<Promise<unknown>>();

  /** A user's cleanup, still running. Node-RED calls every close handler before any of them settles. */
  track(cleanup: Promise<unknown>): void {
    const settled = cleanup.catch(() => undefined).finally(() => this.pending.delete(settled));
    this.pending.add(settled);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves when every tracked cleanup has settled, or after `limitMs`, whichever is first. Never rejects. */
  async settled(limitMs: number): Promise<void> {
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, limitMs);
    });
    await Promise.race([Promise.all([...this.pending]), limit]);
    clearTimeout(timer);
  }
}

/** How long a config node waits for its users' cleanup before it closes the connection anyway. */
export const USER_CLEANUP_LIMIT_MS = 5000;
