import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { NodeListeners } from '../../nodes/lib/node-listeners';

interface EngineEvents {
  state: [state: string];
  frame: [frame: { n: number }];
}

/** The close handling of a Node-RED node: its handlers run in the order they were added, each with `done`. */
class FakeNode {
  private readonly handlers: Array<(removed: boolean, done: () => void) => void> = [];
  on(_event: 'close', handler: (removed: boolean, done: () => void) => void): this {
    this.handlers.push(handler);
    return this;
  }
  close(): Promise<void[]> {
    return Promise.all(this.handlers.map((h) => new Promise<void>((resolve) => h(false, resolve))));
  }
}

describe('listeners a node adds to shared emitters', () => {
  it('should deliver typed events and remove every listener on the node close', async () => {
    const node = new FakeNode();
    const engine = new EventEmitter<EngineEvents>();
    const other = new EventEmitter<EngineEvents>();
    const seen: string[] = [];
    const listeners = new NodeListeners(node, () => assert.fail('no listener throws'));
    listeners.on(engine, 'state', (s) => seen.push(`state ${s}`));
    listeners.on(engine, 'frame', (f) => seen.push(`frame ${f.n}`));
    listeners.on(other, 'state', (s) => seen.push(`other ${s}`));
    engine.emit('state', 'connected');
    engine.emit('frame', { n: 1 });
    other.emit('state', 'x');
    await node.close();
    assert.equal(engine.listenerCount('state') + engine.listenerCount('frame') + other.listenerCount('state'), 0);
    engine.emit('frame', { n: 2 });
    listeners.on(engine, 'frame', (f) => seen.push(`late ${f.n}`));
    engine.emit('frame', { n: 3 });
    assert.deepEqual(seen, ['state connected', 'frame 1', 'other x'], 'nothing after the close, and no listener added after it');
  });

  it('should report a throwing listener and never let the error reach the emitter', () => {
    const engine = new EventEmitter<EngineEvents>();
    const errors: unknown[] = [];
    const seen: number[] = [];
    const listeners = new NodeListeners(new FakeNode(), (err) => errors.push(err));
    listeners.on(engine, 'frame', (f) => {
      if (f.n === 1) throw new Error('listener bug');
      seen.push(f.n);
    });
    assert.doesNotThrow(() => engine.emit('frame', { n: 1 }));
    engine.emit('frame', { n: 2 });
    assert.deepEqual(seen, [2]);
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['listener bug'],
    );
  });
});
