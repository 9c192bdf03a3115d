import type { Node, NodeMessageInFlow } from 'node-red';
import type { BpmFleet, FleetInstance, FleetNotice, FleetStatus } from '../../src/foresight/bpm-fleet';
import { closeOnCommand, stopOnNodeClose } from './bpm-monitor-stop';
import { commandOf } from './commands';
import { NodeListeners } from './node-listeners';
import type { Translate } from './status';

/** What the `bpm-monitor` node hands the wiring of its *all running instances* mode. */
export interface FleetWiring {
  report(err: unknown): void;
  /** The node works again: the next failure is reported afresh. */
  reported(): void;
  status(s: FleetStatus): void;
  closedStatus(): void;
  warn(text: string): void;
  t: Translate;
  topicFor(key: string | undefined): string;
  badInput(): Error;
  deregister(stopping: Promise<unknown>): void;
}

/** The msg of a lifecycle notice: `msg.control`, the instance, and in `msg.payload` its key, start date, phase and stages. */
function noticeMsg(n: FleetNotice, topic: string): Record<string, unknown> {
  return {
    topic,
    control: n.control,
    instance: instanceOf(n.instance),
    payload: {
      key: n.instance.key,
      guid: n.instance.guid,
      startDate: n.instance.startDate,
      comment: n.instance.comment,
      prms: n.instance.prms,
      phase: n.phase,
      stages: n.stages,
      ...(n.initial ? { initial: true } : {}),
      ...(n.reason ? { reason: n.reason } : {}),
    },
  };
}

function instanceOf(i: FleetInstance): { key: string; guid: string; startDate: string } {
  return { key: i.key, guid: i.guid, startDate: i.startDate };
}

/** Every running instance of the process: frames and notices out, close / connect / rescan in. */
export function wireFleet(node: Node, fleet: BpmFleet, w: FleetWiring): void {
  const listeners = new NodeListeners(node, (err) => w.report(err));
  listeners.on(fleet, 'state', (s) => {
    if (s.state === 'watching') w.reported();
    w.status(s);
  });
  listeners.on(fleet, 'frame', (f) => {
    node.send({ topic: w.topicFor(f.instance.key), payload: f.payload, instance: instanceOf(f.instance), url: f.url, ...(f.workspace ? { workspace: f.workspace } : {}) });
  });
  listeners.on(fleet, 'notice', (n) => node.send(noticeMsg(n, w.topicFor(n.instance.key))));
  listeners.on(fleet, 'failure', (f) => {
    if (!f.repeated) w.report(f.error);
  });
  listeners.on(fleet, 'limit', (l) => w.warn(w.t('bpm-monitor.warnings.limit', { running: l.running, limit: l.limit, waiting: l.waiting })));
  fleet.start();

  node.on('input', (msg: NodeMessageInFlow & { action?: unknown }, _send: unknown, done: (err?: Error) => void) => {
    const command = commandOf(msg);
    if (command === 'close') return closeOnCommand(fleet, w.closedStatus, done);
    if (command === 'connect') {
      w.reported();
      fleet.connect();
      return done();
    }
    if (command === 'rescan') {
      fleet.rescan();
      return done();
    }
    done(w.badInput());
  });

  stopOnNodeClose(node, fleet, w.deregister);
}
