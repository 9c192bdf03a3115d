import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { BpmControlError, BpmController } from '../src/foresight/bpm-control';
import type { ControlOutcome, ControlRequest } from '../src/foresight/bpm-control';
import { ConfigError, snippet } from '../src/shared/errors';
import { redact } from '../src/shared/logger';
import { asError, catchable, doneError, msgError } from './lib/errors';
import type { MsgError } from './lib/errors';
import type { ForesightServerNode } from './lib/foresight-connection';
import { nodeLogger } from './lib/node-logger';
import { failOnceStarted } from './lib/settings-error';
import { StatusWords } from './lib/status';

interface BpmControlDef extends NodeDef {
  server: string;
  processKey: string;
  /** StepExecute, StepReject or ProcessStop; `msg.operation` overrides it. */
  operation: string;
}

interface BpmControlCredentials {
  processMoniker?: string;
}

/** What the input msg may carry (see the help). */
type ControlMsg = NodeMessageInFlow & {
  operation?: unknown;
  instance?: unknown;
  instanceKey?: unknown;
  stepGuid?: unknown;
  comment?: unknown;
};

/** One instance's result as it goes out in `msg.payload`: plain data, texts masked. */
interface OutcomeOut {
  instanceKey: string;
  oper: string;
  status: ControlOutcome['status'];
  stepGuid?: string;
  error?: MsgError;
}

const INSTANCE_KEY = /^\d+$/;

export = function (RED: NodeAPI): void {
  function BpmControlNode(this: Node<BpmControlCredentials>, config: BpmControlDef): void {
    RED.nodes.createNode(this, config);
    const server = RED.nodes.getNode(config.server) as ForesightServerNode | null;
    const connection = server?.foresight;
    const processMoniker = this.credentials?.processMoniker?.trim() || undefined;
    let controllerSecrets = (): string[] => [];
    const secrets = (): string[] => [processMoniker, ...(connection?.secrets() ?? []), ...controllerSecrets()].filter((s): s is string => Boolean(s));
    const words = new StatusWords('bpm-control', (key, values) => RED._(key, values));

    let controller: BpmController | undefined;
    let setupError: unknown;
    if (!connection) {
      setupError = new ConfigError(server?.configError?.message ?? RED._('bpm-control.errors.no-server'));
    } else {
      try {
        controller = new BpmController({
          client: connection.client,
          session: connection.session,
          processKey: config.processKey?.trim() || undefined,
          processMoniker,
          logger: nodeLogger(this, secrets),
        });
      } catch (err) {
        setupError = err;
      }
    }
    if (!controller || !server) {
      failOnceStarted(RED, this, words.failed(setupError), () => {
        const { logMessage, msg } = catchable(setupError, secrets());
        this.error(logMessage, msg);
      });
      this.on('input', (_msg: unknown, _send: unknown, done: (err?: Error) => void) => done(asError(setupError)));
      return;
    }
    const active = controller;
    controllerSecrets = () => active.secrets();
    server.register(this);

    /** A failure to Catch: masked text, `msg.error` with code and retriable (moved to `msg._error` by Node-RED). */
    const fail = (err: unknown, msg: NodeMessage, done: (err?: Error) => void): void => {
      this.status(words.failed(err));
      done(doneError(err, secrets(), msg));
    };

    this.on('input', (msg: ControlMsg, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      let request: ControlRequest;
      try {
        request = requestOf(msg, config.operation, active.operations);
      } catch (err) {
        return fail(err, msg, done);
      }
      this.status(words.counted('busy', 'running', { oper: request.oper, count: request.instanceKeys.length }));
      active.run(request).then(
        (outcomes) => {
          msg.payload = outcomes.map((o) => outcomeOut(o, secrets()));
          const ok = outcomes.filter((o) => o.status === 'done').length;
          if (ok === outcomes.length) {
            this.status(words.counted('connected', 'done', { oper: request.oper, n: ok }));
            send(msg);
            return done();
          }
          // The flow gets every result; Catch gets one error naming the instances that did not succeed.
          send(RED.util.cloneMessage(msg));
          const err = new BpmControlError(request.oper, outcomes);
          fail(err, msg, done);
          if (ok > 0) this.status(words.counted('warning', 'partly', { oper: request.oper, n: ok, total: outcomes.length, reason: words.reason(err) }));
        },
        (err: unknown) => fail(err, msg, done),
      );
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      const closing = active.close();
      // The server node waits for this before CloseMetabase: CloseBpmProcess needs the session.
      server.deregister(this, closing);
      void closing.then(() => {
        this.status({});
        done();
      });
    });

    /** The request a msg names; a ConfigError (before any server call) when it names no instance or an unknown operation. */
    function requestOf(msg: ControlMsg, configured: string, known: readonly string[]): ControlRequest {
      const asked = msg.operation === undefined || msg.operation === null || msg.operation === '' ? configured : msg.operation;
      const oper = typeof asked === 'string' ? known.find((k) => k.toLowerCase() === asked.trim().toLowerCase()) : undefined;
      if (!oper) throw new ConfigError(RED._('bpm-control.errors.operation', { operation: quoted(asked), known: known.join(', ') }));
      const instanceKeys = instanceKeysOf(msg);
      if (instanceKeys.length === 0) throw new ConfigError(RED._('bpm-control.errors.no-instance'));
      const bad = instanceKeys.find((k) => !INSTANCE_KEY.test(k));
      if (bad !== undefined) throw new ConfigError(RED._('bpm-control.errors.instance-key', { key: quoted(bad) }));
      if (msg.stepGuid !== undefined && typeof msg.stepGuid !== 'string') throw new ConfigError(RED._('bpm-control.errors.step-guid'));
      if (msg.comment !== undefined && typeof msg.comment !== 'string') throw new ConfigError(RED._('bpm-control.errors.comment'));
      return { oper, instanceKeys, stepGuid: msg.stepGuid?.trim() || undefined, comment: msg.comment };
    }
  }

  RED.nodes.registerType<Node<BpmControlCredentials>, BpmControlDef, unknown, BpmControlCredentials>('bpm-control', BpmControlNode, {
    credentials: { processMoniker: { type: 'password' } },
  });
};

/**
 * The instances a msg names, first found of: `msg.payload.instanceKeys` (an
 * array), `msg.instanceKey` (one key or an array), `msg.instance.key` (what
 * bpm-monitor frames carry). Keys as strings, trimmed, without repeats.
 */
function instanceKeysOf(msg: ControlMsg): string[] {
  const payload = msg.payload as { instanceKeys?: unknown } | null | undefined;
  const instance = msg.instance as { key?: unknown } | null | undefined;
  const source =
    payload && typeof payload === 'object' && payload.instanceKeys !== undefined
      ? payload.instanceKeys
      : msg.instanceKey !== undefined && msg.instanceKey !== null && msg.instanceKey !== ''
        ? msg.instanceKey
        : instance && typeof instance === 'object'
          ? instance.key
          : undefined;
  const list = Array.isArray(source) ? (source as unknown[]) : source === undefined || source === null ? [] : [source];
  const keys = list.map((k) => (typeof k === 'string' || typeof k === 'number' ? String(k).trim() : typeof k)).filter((k) => k !== '');
  return [...new Set(keys)];
}

function outcomeOut(o: ControlOutcome, secrets: readonly string[]): OutcomeOut {
  const error = o.error === undefined ? undefined : msgError(o.error);
  return {
    instanceKey: o.instanceKey,
    oper: o.oper,
    status: o.status,
    ...(o.stepGuid ? { stepGuid: o.stepGuid } : {}),
    ...(error ? { error: { ...error, message: redact(error.message, secrets) } } : {}),
  };
}

/** A value from a msg quoted in an error: short and on one line. */
function quoted(value: unknown): string {
  return snippet(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), 40);
}
