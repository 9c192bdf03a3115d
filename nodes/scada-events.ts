import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { EventPoller } from '../src/masterscada/event-poller';
import type { Cursor } from '../src/masterscada/event-poller';
import type { EventPacket } from '../src/masterscada/types';
import { ConfigError } from '../src/shared/errors';
import { redact } from '../src/shared/logger';
import { catchable } from './lib/errors';
import { commandOf } from './lib/commands';
import { ListenerBag } from './lib/listener-bag';
import type { MasterScadaServerNode } from './lib/masterscada-connection';
import { nodeLogger } from './lib/node-logger';
import { CURSOR_KEY, isMemoryOnlyStore, pickCursor } from './lib/masterscada-cursor';
import type { StoredCursor } from './lib/masterscada-cursor';
import { noticeMessage, packetToMessages, resolveSelections, selectionsFingerprint } from './lib/masterscada-records';
import type { ResolvedSelection, SelectionDef } from './lib/masterscada-records';
import { StatusWords, status } from './lib/status';
import type { StatusKind } from './lib/status';

interface ScadaEventsDef extends NodeDef {
  server: string;
  selections: SelectionDef[];
  pollInterval: string | number;
  store: string;
}

const ACTIONS = ['refresh', 'reset'];
/** Polling faster than this only loads the runtime. */
const MIN_POLL_MS = 50;

export = function (RED: NodeAPI): void {
  function ScadaEvents(this: Node, config: ScadaEventsDef): void {
    RED.nodes.createNode(this, config);
    const node = this as Node;
    const server = RED.nodes.getNode(config.server) as MasterScadaServerNode | null;
    const connection = server?.masterscada;
    const store = typeof config.store === 'string' && config.store.trim() !== '' ? config.store.trim() : undefined;
    const secretsNow = (): string[] => connection?.secrets() ?? [];
    const report = (err: unknown): void => {
      const { logMessage, msg } = catchable(err, secretsNow(), { topic: 'error', payload: undefined });
      node.error(logMessage, msg);
    };
    const words = new StatusWords('scada-events', (key, values) => RED._(key, values));
    const showError = (err: unknown): void => {
      node.status(words.failed(err));
    };
    /** Settings errors are found while the flow is still being built, before any Catch node exists: report them once it runs. */
    const failOnceStarted = (err: unknown): void => {
      showError(err);
      const onStarted = (): void => {
        showError(err);
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
    const logger = nodeLogger(node, secrets, { warnsToLog: true });
    const listeners = new ListenerBag((err) => {
      showError(err);
      report(err);
    });
    let poller: EventPoller | undefined;
    let closed = false;
    let shown: StatusKind = 'connecting';
    const show = (kind: StatusKind, text: string): void => {
      shown = kind;
      node.status(status(kind, redact(text, secrets())));
    };
    /** "polling", unless the status already says something more useful (a count, a warning). */
    const showPolling = (): void => {
      if (shown !== 'connected' && shown !== 'warning') show('connected', 'scada-events.status.polling');
    };

    // A cursor in a memory-only store is lost on restart: say so once, with the fix.
    if (isMemoryOnlyStore((RED.settings as unknown as { contextStorage?: Record<string, unknown> }).contextStorage, store)) {
      node.warn(RED._('scada-events.warnings.memoryStore'));
    }
    show('connecting', 'scada-events.status.connecting');

    const unknownHandles = new Set<number>();
    const onUnknownHandle = (handle: number): void => {
      if (unknownHandles.has(handle)) return;
      unknownHandles.add(handle);
      node.warn(RED._('scada-events.warnings.unknownHandle', { handle }));
    };
    const consumer = (packet: EventPacket): void => {
      const msgs = packetToMessages(packet, byHandle, onUnknownHandle);
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
        pollIntervalMs: Number.isFinite(pollS) ? Math.max(MIN_POLL_MS, pollS * 1000) : 1000,
        logger,
      });
      listeners.on(poller, 'cursor', (c: Cursor | undefined) => {
        if (c) connection.cursors.set(node.id, { ...c, fingerprint });
        else connection.cursors.delete(node.id);
        node.context().set(CURSOR_KEY, c ? ({ ...c, fingerprint } satisfies StoredCursor) : undefined, store, (err?: Error) => {
          if (err) report(err);
        });
      });
      listeners.on(poller, 'state', (state: string) => {
        if (state === 'connecting') show('connecting', 'scada-events.status.connecting');
        else if (state === 'polling') showPolling();
      });
      listeners.on(poller, 'answer', (info: { records: number; deleted: number }) => {
        const count = info.records + info.deleted;
        if (count > 0) show('connected', RED._('scada-events.status.events', { count, time: new Date().toTimeString().slice(0, 8) }));
        else showPolling();
      });
      listeners.on(poller, 'subscribed', (info: { reason: string; subscriptionId: unknown; previousSubscriptionId?: unknown }) => {
        if (info.reason === 'new') return;
        show('warning', 'scada-events.status.resubscribed');
        node.send(noticeMessage('resubscribed', { reason: info.reason, subscriptionId: info.subscriptionId, previousSubscriptionId: info.previousSubscriptionId }) as NodeMessage);
      });
      listeners.on(poller, 'gap', (info: { expected: number; received: number }) => {
        show('warning', 'scada-events.status.gap');
        node.send(noticeMessage('gap', { ...info }) as NodeMessage);
      });
      listeners.on(poller, 'failure', (info: { error: unknown; retryInMs: number; repeated: boolean }) => {
        // A rejected login or an ended pasted session will not heal by itself: red dot, not a countdown.
        const retriable = (info.error as { retriable?: boolean }).retriable !== false;
        shown = retriable ? 'retrying' : 'error';
        node.status(retriable ? words.retrying(info.error, info.retryInMs) : words.failed(info.error));
        if (!info.repeated) report(info.error);
      });
      poller.start();
    };

    // A persistent store answers through the callback only.
    node.context().get(CURSOR_KEY, store, (err: Error | undefined, value: unknown) => {
      if (err) report(err);
      const { resume, stale } = pickCursor(value, connection.cursors.get(node.id), fingerprint);
      if (stale) {
        // Made with other selections or another server: not resumable, so do not leave it running.
        void connection.client.deleteSubscription(stale.sessionId, stale.subscriptionId, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
      }
      start(resume);
    });

    node.on('input', (msg: NodeMessageInFlow, _send, done) => {
      const action = commandOf(msg);
      if (!ACTIONS.includes(action)) {
        done(new Error(RED._('scada-events.errors.unknownAction', { action: action || typeof msg.payload })));
        return;
      }
      if (!poller) {
        done(new Error(RED._('scada-events.errors.notRunning')));
        return;
      }
      (action === 'reset' ? poller.reset() : poller.refresh()).then(
        () => done(),
        (err: unknown) => {
          const { logMessage } = catchable(err, secrets(), msg);
          done(Object.assign(new Error(logMessage.message), { code: logMessage.code }));
        },
      );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      listeners.removeAll();
      const stopping = poller ? poller.stop({ deleteSubscription: removed }) : Promise.resolve();
      // The server node waits for this before it logs out: DeleteSubscription needs the session.
      connection.cleanups.track(stopping);
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

  RED.nodes.registerType('scada-events', ScadaEvents);
};
