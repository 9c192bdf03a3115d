import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { EventPoller } from '../src/masterscada/event-poller';
import type { Cursor } from '../src/masterscada/event-poller';
import type { EventPacket } from '../src/masterscada/types';
import { ConfigError, describeError } from '../src/shared/errors';
import { redact } from '../src/shared/logger';
import { errorStatusText, msgError } from './lib/errors';
import { ListenerBag } from './lib/listener-bag';
import type { MasterScadaServerNode } from './lib/masterscada-connection';
import { masterScadaLogger } from './lib/masterscada-connection';
import { packetToMessages, resolveSelections, selectionsFingerprint } from './lib/masterscada-records';
import type { ResolvedSelection, SelectionDef } from './lib/masterscada-records';
import { inSeconds, status } from './lib/status';
import type { StatusKind } from './lib/status';

interface ScadaEventsDef extends NodeDef {
  server: string;
  selections: SelectionDef[];
  pollInterval: string | number;
  store: string;
}

interface StoredCursor extends Cursor {
  fingerprint: string;
}

/** Node context key of the stored cursor (ack + the session and subscription it belongs to). */
const CURSOR_KEY = 'masterscadaCursor';
const ACTIONS = ['refresh', 'reset'] as const;

export = function (RED: NodeAPI): void {
  function ScadaEvents(this: Node, config: ScadaEventsDef): void {
    RED.nodes.createNode(this, config);
    const node = this as Node;
    const server = RED.nodes.getNode(config.server) as MasterScadaServerNode | null;
    const connection = server?.masterscada;
    const store = typeof config.store === 'string' && config.store.trim() !== '' ? config.store.trim() : undefined;
    const secretsNow = (): string[] => connection?.secrets() ?? [];
    /** Report to Catch nodes: msg.error.code from the error, the full detail in msg._error (Node-RED moves msg.error there). */
    const report = (err: unknown): void => {
      const text = redact(describeError(err), secretsNow());
      const detail = { ...msgError(err), message: text };
      const logMessage = { code: detail.code, message: text, toString: () => text };
      node.error(logMessage, { topic: 'error', payload: text, error: detail } as NodeMessage);
    };
    const fail = (err: unknown): void => {
      node.status(status('error', redact(errorStatusText(err), secretsNow())));
      report(err);
    };
    /** Settings errors are found while the flow is still being built, before any Catch node exists: report them once it runs. */
    const failOnceStarted = (err: unknown): void => {
      node.status(status('error', redact(errorStatusText(err), secretsNow())));
      const onStarted = (): void => {
        node.status(status('error', redact(errorStatusText(err), secretsNow())));
        report(err);
      };
      RED.events.once('flows:started', onStarted);
      node.on('close', (_removed: boolean, done: () => void) => {
        RED.events.removeListener('flows:started', onStarted);
        node.status({});
        done();
      });
    };
    if (!connection) {
      failOnceStarted(server?.configError ?? new ConfigError(RED._('scada-events.errors.noServer')));
      return;
    }
    let resolved: ResolvedSelection[];
    try {
      resolved = resolveSelections(config.selections);
    } catch (err) {
      failOnceStarted(err);
      return;
    }
    const byHandle = new Map(resolved.map((r) => [r.selection.clientHandle, r]));
    const fingerprint = selectionsFingerprint(connection.url, resolved);
    const pollS = Number(config.pollInterval);
    const secrets = connection.secrets;
    const logger = masterScadaLogger(node, secrets);
    const listeners = new ListenerBag((err) => fail(err));
    let poller: EventPoller | undefined;
    let closed = false;
    let shown: StatusKind = 'connecting';
    const show = (kind: StatusKind, text: string): void => {
      shown = kind;
      node.status(status(kind, redact(text, secrets())));
    };

    warnIfMemoryOnly(RED, node, store);
    show('connecting', RED._('scada-events.status.connecting'));

    const consumer = (packet: EventPacket): void => {
      const msgs = packetToMessages(packet, byHandle);
      if (msgs.length > 0) node.send([msgs as unknown as NodeMessage[]]);
    };

    const start = (cursor: Cursor | undefined): void => {
      if (closed) return;
      poller = new EventPoller({
        client: connection.client,
        session: connection.session,
        selections: resolved.map((r) => r.selection),
        consumer,
        cursor,
        pollIntervalMs: Number.isFinite(pollS) && pollS >= 0 ? pollS * 1000 : 1000,
        logger,
      });
      listeners.on(poller, 'cursor', (c: Cursor | undefined) => {
        if (c) connection.cursors.set(node.id, { cursor: c, fingerprint });
        else connection.cursors.delete(node.id);
        node.context().set(CURSOR_KEY, c ? ({ ...c, fingerprint } satisfies StoredCursor) : undefined, store, (err?: Error) => {
          if (err) fail(err);
        });
      });
      listeners.on(poller, 'state', (state: string) => {
        if (state === 'connecting') show('connecting', RED._('scada-events.status.connecting'));
        else if (state === 'polling' && shown !== 'connected' && shown !== 'warning') show('connected', RED._('scada-events.status.polling'));
      });
      listeners.on(poller, 'answer', (info: { records: number; deleted: number }) => {
        const count = info.records + info.deleted;
        if (count > 0) show('connected', RED._('scada-events.status.events', { count, time: new Date().toTimeString().slice(0, 8) }));
        else if (shown !== 'connected' && shown !== 'warning') show('connected', RED._('scada-events.status.polling'));
      });
      listeners.on(poller, 'subscribed', (info: { reason: string; subscriptionId: unknown; previousSubscriptionId?: unknown }) => {
        if (info.reason === 'new') return;
        show('warning', RED._('scada-events.status.resubscribed'));
        node.send({
          topic: 'resubscribed',
          control: 'resubscribed',
          payload: { reason: info.reason, subscriptionId: info.subscriptionId, previousSubscriptionId: info.previousSubscriptionId },
        } as NodeMessage);
      });
      listeners.on(poller, 'gap', (info: { expected: number; received: number }) => {
        show('warning', RED._('scada-events.status.gap'));
        node.send({ topic: 'gap', control: 'gap', payload: info } as NodeMessage);
      });
      listeners.on(poller, 'failure', (info: { error: unknown; retryInMs: number; repeated: boolean }) => {
        const code = (info.error as { code?: string }).code ?? 'ERROR';
        show('reconnecting', RED._('scada-events.status.retry', { code, when: inSeconds(info.retryInMs) }));
        if (!info.repeated) report(info.error);
      });
      poller.start();
    };

    // A persistent store answers through the callback only.
    node.context().get(CURSOR_KEY, store, (err: Error | undefined, value: unknown) => {
      if (err) fail(err);
      start(pickCursor(value, connection.cursors.get(node.id), fingerprint));
    });

    node.on('input', (msg: NodeMessageInFlow, _send, done) => {
      const m = msg as NodeMessageInFlow & { action?: unknown };
      const action = typeof m.action === 'string' ? m.action : typeof m.payload === 'string' ? m.payload.trim() : '';
      if (!(ACTIONS as readonly string[]).includes(action)) {
        done(new Error(RED._('scada-events.errors.unknownAction', { action: action || typeof m.payload })));
        return;
      }
      if (!poller) {
        done(new Error(RED._('scada-events.errors.notRunning')));
        return;
      }
      const run = action === 'reset' ? poller.reset() : poller.refresh();
      run.then(
        () => done(),
        (err: unknown) => {
          (msg as NodeMessage & { error?: unknown }).error = { ...msgError(err), message: redact(describeError(err), secrets()) };
          done(Object.assign(new Error(redact(describeError(err), secrets())), { code: msgError(err).code }));
        },
      );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      listeners.removeAll();
      const stopping = poller ? poller.stop({ deleteSubscription: removed }) : Promise.resolve();
      void stopping
        .catch(() => undefined)
        .then(() => {
          if (removed) {
            connection.cursors.delete(node.id);
            node.context().set(CURSOR_KEY, undefined, store);
          }
          node.status({});
          done();
        });
    });
  }

  /** A stored cursor is used only if it was made for the same server URL and selections. */
  function pickCursor(stored: unknown, inMemory: { cursor: Cursor; fingerprint: string } | undefined, fingerprint: string): Cursor | undefined {
    const candidate = isStoredCursor(stored) ? stored : inMemory ? { ...inMemory.cursor, fingerprint: inMemory.fingerprint } : undefined;
    if (!candidate || candidate.fingerprint !== fingerprint) return undefined;
    const { sessionId, subscriptionId, ack } = candidate;
    return ack === undefined ? { sessionId, subscriptionId } : { sessionId, subscriptionId, ack };
  }

  RED.nodes.registerType('scada-events', ScadaEvents);
};

function isStoredCursor(v: unknown): v is StoredCursor {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  const id = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number';
  return id(c.sessionId) && id(c.subscriptionId) && typeof c.fingerprint === 'string' && (c.ack === undefined || (typeof c.ack === 'number' && Number.isSafeInteger(c.ack)));
}

/** A cursor in a memory-only store is lost on restart: say so once, with the fix. */
function warnIfMemoryOnly(RED: NodeAPI, node: Node, store: string | undefined): void {
  const storage = (RED.settings as unknown as { contextStorage?: Record<string, unknown> }).contextStorage;
  let entry: unknown = storage?.[store ?? 'default'];
  if (typeof entry === 'string') entry = storage?.[entry];
  if (storage && !store && entry === undefined) entry = Object.values(storage)[0];
  const module = typeof entry === 'object' && entry !== null ? (entry as { module?: unknown }).module : undefined;
  if (!storage || module === 'memory' || entry === undefined) node.warn(RED._('scada-events.warnings.memoryStore'));
}
