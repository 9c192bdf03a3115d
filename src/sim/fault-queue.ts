/**
 * Scripted misbehaviours of a simulator, played in the order they were
 * injected: each applies to the next `times` (default 1) requests it matches.
 */
export class FaultQueue<F extends { times?: number }> {
  private readonly queued: Array<{ fault: F; left: number }> = [];

  /** `matches(fault, request)`: whether the fault applies to a request with this method or operation name. */
  constructor(private readonly matches: (fault: F, name: string) => boolean) {}

  inject(fault: F): void {
    this.queued.push({ fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.queued.length = 0;
  }

  /** The first fault that matches `name`, used up once; undefined when none does. */
  take(name: string): F | undefined {
    const index = this.queued.findIndex((q) => this.matches(q.fault, name));
    if (index < 0) return undefined;
    const entry = this.queued[index];
    entry.left -= 1;
    if (entry.left <= 0) this.queued.splice(index, 1);
    return entry.fault;
  }
}
