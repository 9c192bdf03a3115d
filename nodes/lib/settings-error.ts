import type { NodeAPI } from 'node-red';
import type { NodeStatusShape } from './status';

interface FailedNode {
  status(status: NodeStatusShape): void;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): unknown;
}

/**
 * A node whose settings are unusable: it shows `failed` at once and calls
 * `report` (its `node.error`) once the flows have started. Node-RED creates a
 * flow's nodes one by one and collects the flow's Catch nodes only after the
 * last one, so an error reported from the constructor would reach no Catch
 * node. The node does nothing else until it is deployed again.
 */
export function failOnceStarted(RED: NodeAPI, node: FailedNode, failed: NodeStatusShape, report: () => void): void {
  node.status(failed);
  const onStarted = (): void => {
    node.status(failed);
    report();
  };
  RED.events.once('flows:started', onStarted);
  node.on('close', (_removed, done) => {
    RED.events.removeListener('flows:started', onStarted);
    node.status({});
    done();
  });
}
