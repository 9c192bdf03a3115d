import type { EventEmitter } from 'node:events';

/** The part of a Node-RED node the listeners are bound to. */
export interface ClosingNode {
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): unknown;
}

type Untyped = (...args: unknown[]) => void;

/**
 * The listeners one node adds to shared emitters (its engine, a config node's
 * client), typed by each emitter's own event map and removed on the node's
 * close, so a "modified nodes" redeploy never leaves a stale listener behind
 * that would send duplicate msgs. A listener that throws is reported through
 * `onListenerError` instead of escaping into the emitter, and from there into
 * the engine's loop or a timer callback.
 *
 * Create it before the node's own close handler: Node-RED calls close
 * handlers in the order they were added, so the listeners are gone before the
 * node stops its engine, and nothing the engine emits while stopping reaches
 * them. A listener added after the close is not added at all.
 */
export class NodeListeners {
  private readonly added: Array<{ emitter: EventEmitter; event: string; listener: Untyped }> = [];
  private closed = false;

  constructor(
    node: ClosingNode,
    private readonly onListenerError: (err: unknown) => void,
  ) {
    node.on('close', (_removed, done) => {
      this.closed = true;
      this.removeAll();
      done();
    });
  }

  on<M extends Record<keyof M, unknown[]>, K extends keyof M & string>(emitter: EventEmitter<M>, event: K, listener: (...args: M[K]) => void): void {
    if (this.closed) return;
    const guarded: Untyped = (...args) => {
      try {
        listener(...(args as M[K]));
      } catch (err) {
        this.onListenerError(err);
      }
    };
    const untyped = emitter as unknown as EventEmitter;
    untyped.on(event, guarded);
    this.added.push({ emitter: untyped, event, listener: guarded });
  }

  private removeAll(): void {
    for (const { emitter, event, listener } of this.added.splice(0)) emitter.removeListener(event, listener);
  }
}
