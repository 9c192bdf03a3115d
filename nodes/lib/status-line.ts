import type { NodeStatusShape, StatusKind } from './status';
import type { StatusView } from './engine-status';

/**
 * One node's status: a change of state shows at once; event counts are summed
 * and shown at most once per `everyMs` (a busy node would otherwise redraw the
 * editor for every packet). The texts are the catalog's own (keys, counts,
 * reason words): no server text and no secret ever reaches them.
 */
export class StatusLine {
  private shownKind: StatusKind | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastCountAt = 0;
  private pending = 0;

  constructor(
    private readonly set: (status: NodeStatusShape) => void,
    private readonly countView: (count: number) => StatusView,
    private readonly everyMs = 1000,
  ) {}

  /** The state the status shows now (undefined before the first). */
  get shown(): StatusKind | undefined {
    return this.shownKind;
  }

  /** Show a state at once; a count still waiting is dropped. Undefined keeps the status as it is. */
  show(view: StatusView | undefined): void {
    if (!view) return;
    this.cancel();
    this.shownKind = view.kind;
    this.set(view.status);
  }

  /** Show a status for the moment without changing the state it stands for, nor a count waiting to be shown. */
  flash(status: NodeStatusShape): void {
    this.set(status);
  }

  /** `n` more events: shown now when the last count is older than `everyMs` (or none is shown), else summed until then. */
  count(n: number): void {
    this.pending += n;
    if (this.timer) return;
    const wait = this.everyMs - (Date.now() - this.lastCountAt);
    if (wait <= 0 || this.shownKind !== 'connected') this.showCount();
    else this.timer = setTimeout(() => this.showCount(), wait);
  }

  /** Drop a count waiting to be shown (on close). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private showCount(): void {
    this.lastCountAt = Date.now();
    const count = this.pending;
    this.pending = 0;
    this.show(this.countView(count));
  }
}
