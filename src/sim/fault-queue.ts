/**
 * Scripted misbehaviours of a simulator, played in the order they were
 * injected: each applies to the next `times` (default 1) requests it matches,
 * after letting the first `skip` (default 0) of them pass.
 */
export class FaultQueue<F extends { times?: number; skip?: number }> {
  private readonly queued: Array<{ fault: F; left: number; skip: number }> = [];

  /** `matches(fault, request)`: whether the fault applies to a request with this method or operation name. */
  constructor(private readonly matches: (fault: F, name: string) => boolean) {}

  inject(fault: F): void {
    this.queued.push({ fault, left: fault.times ?? 1, skip: Math.max(0, fault.skip ?? 0) });
  }

  clear(): void {
    this.queued.length = 0;
  }

  /** The first fault that matches `name`, used up once; undefined when none does. */
  take(name: string): F | undefined {
    // A fault with `skip` lets that many matching requests pass first (a fault in the middle of a paged read).
    const index = this.queued.findIndex((q) => this.matches(q.fault, name));
    if (index < 0) return undefined;
    const entry = this.queued[index];
    if (entry.skip > 0) {
      entry.skip -= 1;
      return undefined;
    }
    entry.left -= 1;
    if (entry.left <= 0) this.queued.splice(index, 1);
    return entry.fault;
  }
}
