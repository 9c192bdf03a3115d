import { systemClock } from './clock';
import type { Clock, TimerHandle } from './clock';

/**
 * Runs `flush` at most once per `intervalMs` however often `poke` is called,
 * and always once after the last poke: the first poke after a quiet spell
 * flushes on the next timer tick, later ones are folded into one flush at the
 * end of the interval.
 */
export class Coalescer {
  private timer: TimerHandle | undefined;
  private last = -Infinity;
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => void,
    private readonly clock: Clock = systemClock,
  ) {}

  poke(): void {
    if (this.closed || this.timer !== undefined) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.last = this.clock.now();
      this.flush();
    }, wait);
  }

  /** No flush after this, not even a pending one. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
