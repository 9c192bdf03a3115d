import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { Acknowledger, NotAcknowledgedError } from '../src/masterscada/acknowledge';
import { settleWithin } from '../src/shared/close-limit';
import { BadInputError, ConfigError } from '../src/shared/errors';
import { ackRequestOf } from './lib/ack-input';
import { acknowledgedStatus, acknowledgingStatus, badInputStatus, notAcknowledgedStatus } from './lib/ack-status';
import { catchable, doneError } from './lib/errors';
import type { MasterScadaServerNode } from './lib/masterscada-connection';
import { failOnceStarted } from './lib/settings-error';
import { StatusWords } from './lib/status';

interface ScadaAckDef extends NodeDef {
  server: string;
  /** Comment sent when the msg has no `msg.comment`. */
  comment?: string;
}

export = function (RED: NodeAPI): void {
  function ScadaAck(this: Node, config: ScadaAckDef): void {
    RED.nodes.createNode(this, config);
    const node = this as Node;
    const server = RED.nodes.getNode(config.server) as MasterScadaServerNode | null;
    const connection = server?.masterscada;
    const words = new StatusWords('scada-ack', (key, values) => RED._(key, values));
    const t = (key: string, values?: Record<string, string | number>): string => RED._(key, values);

    if (!server || !connection) {
      const err = server?.configError ?? new ConfigError(t('scada-ack.errors.noServer'));
      failOnceStarted(RED, node, words.failed(err), () => {
        const { logMessage, msg } = catchable(err, connection?.secrets() ?? [], { topic: 'error', payload: undefined });
        node.error(logMessage, msg);
      });
      return;
    }
    server.register(node);
    const acknowledger = new Acknowledger({ client: connection.client, session: connection.session });
    const defaultComment = typeof config.comment === 'string' ? config.comment : '';
    const closing = new AbortController();
    const inFlight = new Set<Promise<void>>();

    /** `done(err)` with `msg.error = {code, message, retriable, serverCode}`: one error per msg, secrets masked. */
    const fail = (err: unknown, msg: NodeMessageInFlow, done: (err?: Error) => void): void => {
      done(doneError(err, connection.secrets(), msg as NodeMessage));
    };

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      let request;
      try {
        request = ackRequestOf(msg as { payload?: unknown; eventId?: unknown; comment?: unknown }, defaultComment, t);
      } catch (err) {
        if (err instanceof BadInputError) node.status(badInputStatus(words));
        fail(err, msg, done);
        return;
      }
      const { eventIds, comment } = request;
      node.status(acknowledgingStatus(words, eventIds.length));
      const call = acknowledger.acknowledge(eventIds, comment, { signal: closing.signal }).then(
        (results) => {
          if (closing.signal.aborted) return done();
          node.status(acknowledgedStatus(words, results.length, new Date()));
          send(Object.assign(msg, { payload: results }));
          done();
        },
        (err: unknown) => {
          if (closing.signal.aborted) return done();
          if (err instanceof NotAcknowledgedError) {
            node.status(notAcknowledgedStatus(words, err.failedEventIds.length, err.results.length));
            // The Catch msg carries every event's result, the acknowledged ones too.
            (msg as { payload?: unknown }).payload = err.results;
          } else {
            node.status(words.failed(err));
          }
          fail(err, msg, done);
        },
      );
      const tracked = call.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing.abort();
      const stopping = Promise.all([...inFlight]);
      // The server node waits for this before it closes the session.
      server.deregister(node, stopping);
      void settleWithin(stopping).then(() => {
        node.status({});
        done();
      });
    });
  }

  RED.nodes.registerType('scada-ack', ScadaAck);
};
