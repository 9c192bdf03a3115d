import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { settleWithin } from '../src/masterscada/close-limit';
import { EventPoller } from '../src/masterscada/event-poller';
import type { BackfillInfo, Cursor, DeliveryInfo, PollerState } from '../src/masterscada/event-poller';
import { JsonFile } from '../src/masterscada/file-cursor-store';
import type { EventPacket } from '../src/masterscada/types';
import { ConfigError, describeError } from '../src/shared/errors';
import { redact } from '../src/shared/logger';
import { catchable } from './lib/errors';
import { commandOf } from './lib/commands';
import { ListenerBag } from './lib/listener-bag';
import type { MasterScadaServerNode } from './lib/masterscada-connection';
import { nodeLogger } from './lib/node-logger';
import { NodeCursorStore, cursorFilePath, cursorKey, isMemoryOnlyStore } from './lib/masterscada-cursor';
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
  /** fdatasync the cursor file on every write (survives a power loss; costs a disk flush per packet). */
  fdatasync?: boolean;
  /** Read GetArchivedEvents over a gap or a lost subscription. Default on. */
  backfill?: boolean;
}

const ACTIONS = ['refresh', 'reset', 'connect'];
/** Polling faster than this only loads the runtime. */
const MIN_POLL_MS = 50;
/** A busy node updates its event count at most this often; state changes show at once. */
const STATUS_EVERY_MS = 1000;

/** Once per runtime start, not once per node and deploy. */
let warnedMemoryStore = false;

export = function (RED: NodeAPI): void {
  function ScadaEvents(this: Node, config: ScadaEventsDef): void {
    RED.nodes.createNode(this, config);
    const node = this as Node;
    const server = RED.nodes.getNode(config.server) as MasterScadaServerNode | null;
    const connection = server?.masterscada;
    const store = typeof config.store === 'string' && config.store.trim() !== '' ? config.store.trim() : undefined;
    const secretsNow = (): string[] => connection?.secrets() ?? [];
    const report = (err: unknown, msg: NodeMessage = { topic: 'error', payload: undefined }): void => {
      const { logMessage, msg: out } = catchable(err, secretsNow(), msg);
      node.error(logMessage, out);
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
    const settings = RED.settings as unknown as { userDir?: string; credentialSecret?: unknown; contextStorage?: Record<string, unknown> };
    let poller: EventPoller | undefined;
    let closed = false;

    // ---- status: state changes at once, event counts at most once a second ----
    let shown: StatusKind | undefined;
    let countTimer: NodeJS.Timeout | undefined;
    let lastCountAt = 0;
    let pendingCount = 0;
    const show = (kind: StatusKind, text: string): void => {
      if (countTimer) clearTimeout(countTimer);
      countTimer = undefined;
      shown = kind;
      node.status(status(kind, redact(text, secrets())));
    };
    const showCount = (): void => {
      lastCountAt = Date.now();
      const count = pendingCount;
      pendingCount = 0;
      show('connected', RED._('scada-events.status.events', { count, time: new Date().toTimeString().slice(0, 8) }));
    };
    const countEvents = (n: number): void => {
      pendingCount += n;
      if (countTimer) return;
      const wait = STATUS_EVERY_MS - (Date.now() - lastCountAt);
      if (wait <= 0 || shown !== 'connected') showCount();
      else countTimer = setTimeout(showCount, wait);
    };
    /** "polling", unless the status already says something more useful (a count, a warning). */
    const showPolling = (): void => {
      if (shown !== 'connected' && shown !== 'warning') show('connected', 'scada-events.status.polling');
    };

    let key: Buffer;
    try {
      key = cursorKey(settings.userDir, settings.credentialSecret);
    } catch (err) {
      // No writable user directory: the cursor lives in context only (and the key only in memory).
      logger.warn(`cannot keep the cursor key under the user directory: ${describeError(err)}`);
      key = Buffer.from(RED.util.generateId().padEnd(32, '0').slice(0, 32));
    }
    let fileFailed = false;
    const cursors = new NodeCursorStore({
      file: new JsonFile<StoredCursor>(cursorFilePath(settings.userDir, node.id), { fdatasync: config.fdatasync === true }),
      context: node.context() as never,
      store,
      fingerprint,
      key,
      fixedSessionId: connection.fixedSessionId,
      onFileError: (err) => {
        if (fileFailed) return;
        fileFailed = true;
        logger.warn(`cannot write the cursor file: ${describeError(err)}`);
        // Only now does the context store's kind matter: say so once per runtime start.
        if (!warnedMemoryStore && isMemoryOnlyStore(settings.contextStorage, store)) {
          warnedMemoryStore = true;
          node.warn(RED._('scada-events.warnings.memoryStore'));
        }
      },
      onContextError: (err) => report(err),
    });
    show('connecting', 'scada-events.status.connecting');

    const unknownHandles = new Set<number>();
    const onUnknownHandle = (handle: number): void => {
      if (unknownHandles.has(handle)) return;
      unknownHandles.add(handle);
      node.warn(RED._('scada-events.warnings.unknownHandle', { handle }));
    };
    const consumer = (packet: EventPacket, info: DeliveryInfo): Promise<void> => {
      // One send per msg: Node-RED deep-clones every msg after the first of an array send.
      for (const msg of packetToMessages(packet, byHandle, onUnknownHandle)) {
        if (info.redelivered) msg.redelivered = true;
        node.send(msg as unknown as NodeMessage);
      }
      // Node-RED hands msgs to the wired nodes on a later turn of the event loop (setImmediate). Resolve only
      // after that turn, so the ack is stored once the next nodes have the msgs: a crash before then repeats
      // the packet, marked, instead of losing it.
      return new Promise((resolve) => setImmediate(resolve));
    };
    const backfillPayload = (b: BackfillInfo | undefined): Record<string, unknown> =>
      b ? { recovered: b.recovered, archiveComplete: b.complete, from: new Date(b.from).toISOString(), ...(b.to === undefined ? {} : { to: new Date(b.to).toISOString() }) } : { recovered: 0, archiveComplete: false };

    const start = (cursor: Cursor | undefined, initialReason: { reason: 'new' | 'selections-changed'; previousSubscriptionId?: unknown } | undefined): void => {
      if (closed) return;
      poller = new EventPoller({
        client: connection.client,
        session: connection.session,
        selections: resolved.map((r) => r.selection),
        consumer,
        cursor,
        store: cursors,
        ...(initialReason ? { initialReason: initialReason as never } : {}),
        backfill: config.backfill !== false,
        pollIntervalMs: Number.isFinite(pollS) ? Math.max(MIN_POLL_MS, pollS * 1000) : 1000,
        logger,
      });
      listeners.on(poller, 'state', (state: PollerState) => {
        if (state === 'connecting') show('connecting', 'scada-events.status.connecting');
        else if (state === 'polling') showPolling();
      });
      listeners.on(poller, 'answer', (info: { records: number; deleted: number }) => {
        const count = info.records + info.deleted;
        if (count > 0) countEvents(count);
        else showPolling();
      });
      listeners.on(poller, 'subscribed', (info: { reason: string; subscriptionId: unknown; previousSubscriptionId?: unknown }) => {
        show('warning', 'scada-events.status.resubscribed');
        node.send(noticeMessage('resubscribed', { reason: info.reason, subscriptionId: info.subscriptionId, previousSubscriptionId: info.previousSubscriptionId }) as NodeMessage);
      });
      listeners.on(poller, 'gap', (info: { expected: number; received: number; subscriptionId: unknown; backfill?: BackfillInfo }) => {
        show('warning', 'scada-events.status.gap');
        node.send(noticeMessage('gap', { expected: info.expected, received: info.received, subscriptionId: info.subscriptionId, ...backfillPayload(info.backfill) }) as NodeMessage);
        if (info.backfill?.error !== undefined) logger.warn(`the archive could not be read over the whole gap: ${describeError(info.backfill.error)}`);
      });
      listeners.on(poller, 'backfill', (info: BackfillInfo & { reason: string }) => {
        node.send(noticeMessage('backfill', { reason: info.reason, ...backfillPayload(info) }) as NodeMessage);
        if (info.error !== undefined) logger.warn(`the archive could not be read since the last delivered event: ${describeError(info.error)}`);
      });
      listeners.on(poller, 'halted', (info: { error: unknown }) => {
        showError(info.error);
        report(info.error);
      });
      listeners.on(poller, 'failure', (info: { error: unknown; retryInMs: number; repeated: boolean }) => {
        // An ended pasted session will not heal by itself: red dot, not a countdown.
        const retriable = (info.error as { retriable?: boolean }).retriable !== false;
        if (countTimer) clearTimeout(countTimer);
        countTimer = undefined;
        shown = retriable ? 'retrying' : 'error';
        node.status(retriable ? words.retrying(info.error, info.retryInMs) : words.failed(info.error));
        if (!info.repeated) report(info.error);
      });
      poller.start();
    };

    void cursors.loadWithStale().then(({ cursor, stale }) => {
      if (stale?.sessionId !== undefined) {
        // Made with other selections or another server: not resumable, so do not leave it running.
        void connection.client.deleteSubscription(stale.sessionId, stale.subscriptionId, { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
      }
      start(cursor, cursor ? undefined : stale ? { reason: 'selections-changed', previousSubscriptionId: stale.subscriptionId } : { reason: 'new' });
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
      if (action === 'connect') {
        poller.connect();
        done();
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
      if (countTimer) clearTimeout(countTimer);
      const stopping = (poller ? poller.stop({ deleteSubscription: removed }) : Promise.resolve()).catch(() => undefined).then(async () => {
        if (removed) await cursors.save(undefined);
        cursors.close();
      });
      // The server node waits for this before it logs out: DeleteSubscription needs the session.
      connection.cleanups.track(stopping);
      void settleWithin(stopping).then(() => {
        node.status({});
        done();
      });
    });
  }

  RED.nodes.registerType('scada-events', ScadaEvents);
};

