import type { Node } from 'node-red';

/** What `bpm-monitor` runs: one instance's monitor or the fleet of every running instance. */
export interface StoppableEngine {
  stop(): Promise<void>;
}

/** The input command `close`: stop the engine, then show it closed and end the msg. */
export function closeOnCommand(engine: StoppableEngine, closedStatus: () => void, done: () => void): void {
  void engine.stop().then(() => {
    closedStatus();
    done();
  });
}

/** On the node's close (redeploy, shutdown): stop the engine, with its server node told to wait for that stop. */
export function stopOnNodeClose(node: Node, engine: StoppableEngine, deregister: (stopping: Promise<unknown>) => void): void {
  node.on('close', (_removed: boolean, done: () => void) => {
    const stopping = engine.stop();
    // The server node waits for this before CloseMetabase: CloseBpmProcess needs the session.
    deregister(stopping);
    void stopping.then(() => {
      node.status({});
      done();
    });
  });
}
