import { systemClock } from '../../shared/clock';
import type { Clock, TimerHandle } from '../../shared/clock';
import { formatVendorDate as vendorDate } from '../../foresight/vendor';
import type { Instance, InstanceChange, ProcessModel } from './model';

export interface InstancePopulationOptions {
  /** The process whose instances come and go; default the seed process. */
  processKey?: string;
  /** Instances started at once; default 3. */
  initial?: number;
  /** A new instance every this many ms while fewer than `maxRunning` run; 0 = only on `startInstance()`. Default 10 000. */
  startEveryMs?: number;
  /** From start to finish: the steps are spread evenly over it; 0 = steps move only by operations. Default 60 000. */
  lifeMs?: number;
  /** No instance starts (by the timer or `startInstance()`) while this many run; default 10. */
  maxRunning?: number;
  /** A finished instance stays in GetProcessInstances this long, then disappears; default 30 000 (0 = at once). */
  retainFinishedMs?: number;
  /** Close a finished instance's sockets with 1000 after its last frame (default true; docs/foresight.md#websocket-monitoring-channel suggestion). */
  closeSocketsOnFinish?: boolean;
}

export interface PopulationEvent {
  kind: 'started' | 'finished' | 'removed';
  key: string;
  time: number;
}

/** What the population needs from the monitoring sockets. */
export interface InstanceSockets {
  closeInstance(instanceKey: string, code: number, reason: string): number;
}

/** Close code for the sockets of a finished instance (ours: a normal closure). */
export const INSTANCE_FINISHED_CLOSE = 1000;

/**
 * Instances of one process that start and finish over time, for a monitor
 * that follows every running instance. Driven by a Clock, so a test can use a
 * fake one. A finished instance (last step done, or ProcessStop) gets its last
 * frame, then its sockets close and, after `retainFinishedMs`, it leaves the list.
 */
export class InstancePopulation {
  readonly events: PopulationEvent[] = [];
  private readonly managed = new Set<string>();
  private readonly stepTimers = new Map<string, TimerHandle>();
  private readonly removeTimers = new Map<string, TimerHandle>();
  private startTimer: TimerHandle | undefined;
  private stopped = false;
  /** Keys only grow: a key that left the list is never given again. */
  private nextKey: number;
  private readonly options: Required<Omit<InstancePopulationOptions, 'processKey'>> & { processKey: string };
  private readonly onChange = (c: InstanceChange): void => {
    if (c.finished && this.managed.has(c.instance.key) && !this.removeTimers.has(c.instance.key)) this.finished(c.instance);
  };

  constructor(
    private readonly model: ProcessModel,
    private readonly sockets: InstanceSockets,
    options: InstancePopulationOptions & { processKey: string },
    private readonly clock: Clock = systemClock,
  ) {
    this.options = {
      initial: 3,
      startEveryMs: 10_000,
      lifeMs: 60_000,
      maxRunning: 10,
      retainFinishedMs: 30_000,
      closeSocketsOnFinish: true,
      ...options,
    };
    // Registered after the monitoring sockets' listener: the last frame goes out before the close.
    model.on('change', this.onChange);
    this.nextKey = Math.max(0, ...[...model.instances.keys()].map(Number).filter(Number.isFinite)) + 1;
    for (let i = 0; i < this.options.initial; i++) this.startInstance();
    this.scheduleStart();
  }

  /** Whether this population moves the instance (the simulator's `stepMs` timer leaves it alone). */
  manages(key: string): boolean {
    return this.managed.has(key);
  }

  get running(): number {
    let n = 0;
    for (const key of this.managed) {
      const inst = this.model.instances.get(key);
      if (inst && !this.model.isFinished(inst)) n += 1;
    }
    return n;
  }

  /** Start one instance now, unless `maxRunning` already run. */
  startInstance(): Instance | undefined {
    if (this.stopped || this.running >= this.options.maxRunning) return undefined;
    const inst = this.model.addInstance(this.options.processKey, { key: String(this.nextKey++), startDate: vendorDate(new Date(this.clock.now())) });
    this.managed.add(inst.key);
    this.events.push({ kind: 'started', key: inst.key, time: this.clock.now() });
    this.scheduleStep(inst);
    return inst;
  }

  /** Finish an instance now (its remaining steps done at once). */
  finish(key: string): void {
    const inst = this.model.instances.get(key);
    if (!inst || !this.managed.has(key) || this.model.isFinished(inst)) return;
    this.model.mutate(key, (i) => (i.position = this.model.steps(i).length));
  }

  stop(): void {
    this.stopped = true;
    this.model.off('change', this.onChange);
    if (this.startTimer !== undefined) this.clock.clearTimeout(this.startTimer);
    for (const t of [...this.stepTimers.values(), ...this.removeTimers.values()]) this.clock.clearTimeout(t);
    this.stepTimers.clear();
    this.removeTimers.clear();
  }

  private scheduleStart(): void {
    if (this.stopped || this.options.startEveryMs <= 0) return;
    this.startTimer = this.clock.setTimeout(() => {
      this.startInstance();
      this.scheduleStart();
    }, this.options.startEveryMs);
  }

  private scheduleStep(inst: Instance): void {
    const steps = this.model.steps(inst).length;
    if (this.stopped || this.options.lifeMs <= 0 || steps === 0) return;
    this.stepTimers.set(
      inst.key,
      this.clock.setTimeout(() => {
        this.stepTimers.delete(inst.key);
        if (this.model.isFinished(inst)) return;
        this.model.advance(inst.key, false);
        if (!this.model.isFinished(inst)) this.scheduleStep(inst);
      }, this.options.lifeMs / steps),
    );
  }

  private finished(inst: Instance): void {
    const step = this.stepTimers.get(inst.key);
    if (step !== undefined) this.clock.clearTimeout(step);
    this.stepTimers.delete(inst.key);
    this.events.push({ kind: 'finished', key: inst.key, time: this.clock.now() });
    if (this.options.closeSocketsOnFinish) this.sockets.closeInstance(inst.key, INSTANCE_FINISHED_CLOSE, 'instance finished');
    const remove = (): void => {
      this.removeTimers.delete(inst.key);
      this.model.instances.delete(inst.key);
      this.managed.delete(inst.key);
      this.events.push({ kind: 'removed', key: inst.key, time: this.clock.now() });
    };
    this.removeTimers.set(inst.key, this.clock.setTimeout(remove, this.options.retainFinishedMs));
  }
}
