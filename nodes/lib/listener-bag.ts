import type { EventEmitter } from 'node:events';

type Handler = (...args: never[]) => void;

/**
 * Records every listener a node adds to a shared emitter (a config node's
 * client, an engine) and removes them all on close, so a "modified nodes"
 * redeploy never leaves a stale listener that would emit duplicate msgs.
 * A handler that throws is reported through `onHandlerError` instead of
 * escaping into the emitter (and from there into a timer callback).
 */
export class ListenerBag {
  private readonly entries: Array<{ emitter: EventEmitter; event: string; listener: (...args: unknown[]) => void }> = [];

  constructor(private readonly onHandlerError: (err: unknown) => void) {}

  on<H extends Handler>(emitter: EventEmitter, event: string, handler: H): void {
    const listener = (...args: unknown[]): void => {
      try {
        (handler as unknown as (...a: unknown[]) => void)(...args);
      } catch (err) {
        this.onHandlerError(err);
      }
    };
    emitter.on(event, listener);
    this.entries.push({ emitter, event, listener });
  }

  get size(): number {
    return this.entries.length;
  }

  removeAll(): void {
    for (const { emitter, event, listener } of this.entries.splice(0)) {
      emitter.removeListener(event, listener);
    }
  }
}
