import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { settleWithin } from '../src/shared/close-limit';
import { DEFAULT_POLL_INTERVAL_MS, EventPoller } from '../src/masterscada/event-poller';
import type { Cursor, DeliveryInfo } from '../src/masterscada/event-poller';
import type { EventPacket } from '../src/masterscada/types';
import { STANDARD_FIELDS } from '../src/masterscada/vendor';
import { ActiveAlarmList } from '../src/masterscada/active-alarms';
import { Coalescer } from '../src/shared/coalescer';
import { alarmListMessage, eventTimeOf, filterOptions, recordFilter } from './lib/scada-events-alarms';
import type { FilterDef } from './lib/scada-events-alarms';
import { ConfigError, describeError } from '../src/shared/errors';
import { commandOf } from './lib/commands';
import { eventCountStatus, pollerFailureStatus, pollerNoticeStatus, pollerStateStatus, pollingStatus } from './lib/engine-status';
import { catchable, doneError } from './lib/errors';
import type { MasterScadaServerNode } from './lib/masterscada-connection';
import { backfillPayload, noticeMessage, packetToMessages, resolveSelections, selectionsFingerprint } from './lib/masterscada-records';
import type { ResolvedSelection, SelectionDef } from './lib/masterscada-records';
import { NodeListeners } from './lib/node-listeners';
import { nodeLogger } from './lib/node-logger';
import { scadaEventsCursorStore } from './lib/scada-events-cursor';
import { failOnceStarted } from './lib/settings-error';
import { StatusLine } from './lib/status-line';
import { StatusWords } from './lib/status';

interface ScadaEventsDef extends NodeDef, FilterDef {
  server: string;
  selections: SelectionDef[];
  pollInterval: string | number;
  store: string;
  /** fdatasync the cursor file on every write (survives a power loss; costs a disk flush per packet). */
  fdatasync?: boolean;
  /** Read GetArchivedEvents over a gap or a lost subscription. Default on. */
  backfill?: boolean;
  /** A second output with the active-alarm list. */
  alarmList?: boolean;
}

const ACTIONS = ['refresh', 'reset', 'connect'];
/** Polling faster than this only loads the runtime. */
const MIN_POLL_MS = 50;
/** The active-alarm list goes out at most this often (and once after the last change). */
const ALARM_LIST_INTERVAL_MS = 250;

export = function (RED: NodeAPI): void {
  function ScadaEvents(this: Node, config: ScadaEventsDef): void {
    RED.nodes.createNode(this, config);
    const node = this as Node;
    const server = RED.nodes.getNode(config.server) as MasterScadaServerNode | null;
    const connection = server?.masterscada;
    const store = typeof config.store === 'string' && config.store.trim() !== '' ? config.store.trim() : undefined;
    const report = (err: unknown, msg: NodeMessage = { topic: 'error', payload: undefined }): void => {
      const { logMessage, msg: out } = catchable(err, connection?.secrets() ?? [], msg);
      node.error(logMessage, out);
    };
    const words = new StatusWords('scada-events', (key, values) => RED._(key, values));

    if (!server || !connection) {
      const err = server?.configError ?? new ConfigError(RED._('scada-events.errors.noServer'));
      failOnceStarted(RED, node, words.failed(err), () => report(err));
      return;
    }
    let resolved: ResolvedSelection[];
    let accepts: ReturnType<typeof recordFilter>;
    try {
      resolved = resolveSelections(config.selections);
      accepts = recordFilter(filterOptions(config), resolved);
    } catch (err) {
      failOnceStarted(RED, node, words.failed(err), () => report(err));
      return;
    }
    server.register(node);
    const byHandle = new Map(resolved.map((r) => [r.selection.clientHandle, r]));
    const pollS = Number(config.pollInterval);
    const secrets = connection.secrets;
    const logger = nodeLogger(node, secrets, { warnsToLog: true });
    const line = new StatusLine(
      (s) => node.status(s),
      (count) => eventCountStatus(words, count, new Date()),
    );
    const listeners = new NodeListeners(node, (err) => {
      line.flash(words.failed(err));
      report(err);
    });
    const eventTime = eventTimeOf(resolved);
    const alarms = config.alarmList === true ? new ActiveAlarmList<Record<string, unknown>>() : undefined;
    let sentChanges = -1;
    const alarmSender = new Coalescer(ALARM_LIST_INTERVAL_MS, () => {
      if (!alarms || closed) return;
      sentChanges = alarms.changes;
      node.send([null, alarmListMessage(alarms)] as never);
    });
    const alarmsMoved = (): void => {
      if (alarms && alarms.changes !== sentChanges) alarmSender.poke();
    };
    const cursors = scadaEventsCursorStore(RED, node, {
      store,
      fingerprint: selectionsFingerprint(connection.url, resolved),
      fixedSessionId: connection.fixedSessionId,
      fdatasync: config.fdatasync === true,
      logger,
      onContextError: (err) => report(err),
      ...(alarms ? { alarms } : {}),
    });
    let poller: EventPoller | undefined;
    let closed = false;
    line.show(pollerStateStatus(words, 'connecting', undefined));

    const unknownHandles = new Set<number>();
    const onUnknownHandle = (handle: number): void => {
      if (unknownHandles.has(handle)) return;
      unknownHandles.add(handle);
      node.warn(RED._('scada-events.warnings.unknownHandle', { handle }));
    };
    const consumer = (packet: EventPacket, info: DeliveryInfo): Promise<void> => {
      // One send per msg: Node-RED deep-clones every msg after the first of an array send.
      for (const msg of packetToMessages(packet, byHandle, onUnknownHandle)) {
        // Deleted records carry only their eventId, and unshaped ones no names: neither can be filtered.
        const shaped = msg.recType !== 'Deleted' && msg.unshaped !== true;
        const accepted = !shaped || accepts(msg);
        if (alarms && msg.eventId !== undefined && (msg.recType === 'Update' || msg.recType === 'Refresh' || msg.recType === 'Deleted')) {
          const key = `${msg.clientHandle}|${msg.eventId}`;
          if (msg.recType !== 'Deleted' && accepted) alarms.upsert(key, eventTime(msg), msg.payload);
          else alarms.remove(key);
        }
        // Filtered out: not sent, but acked with the packet like the rest.
        if (!accepted) continue;
        if (info.redelivered) msg.redelivered = true;
        node.send(msg as unknown as NodeMessage);
      }
      alarmsMoved();
      // Node-RED hands msgs to the wired nodes on a later turn of the event loop (setImmediate). Resolve only
      // after that turn, so the ack is stored once the next nodes have the msgs: a crash before then repeats
      // the packet, marked, instead of losing it.
      return new Promise((resolve) => setImmediate(resolve));
    };

    const start = (cursor: Cursor | undefined, initialReason: { reason: 'new' | 'selections-changed'; previousSubscriptionId?: unknown } | undefined): EventPoller => {
      const engine = new EventPoller({
        client: connection.client,
        session: connection.session,
        selections: resolved.map((r) => r.selection),
        consumer,
        cursor,
        store: cursors,
        ...(initialReason ? { initialReason: initialReason as never } : {}),
        backfill: config.backfill !== false,
        ...(alarms
          ? {
              refreshBracket: {
                started: () => alarms.refreshStarted(),
                drained: () => {
                  const changed = alarms.drained();
                  alarmsMoved();
                  return changed;
                },
              },
            }
          : {}),
        pollIntervalMs: Number.isFinite(pollS) ? Math.max(MIN_POLL_MS, pollS * 1000) : DEFAULT_POLL_INTERVAL_MS,
        logger,
      });
      listeners.on(engine, 'state', ({ state }) => line.show(pollerStateStatus(words, state, line.shown)));
      listeners.on(engine, 'answer', (info) => {
        const count = info.records + info.deleted;
        if (count > 0) line.count(count);
        else line.show(pollingStatus(words, line.shown));
      });
      listeners.on(engine, 'subscribed', (info) => {
        line.show(pollerNoticeStatus(words, 'resubscribed'));
        node.send(noticeMessage('resubscribed', { reason: info.reason, subscriptionId: info.subscriptionId, previousSubscriptionId: info.previousSubscriptionId }) as NodeMessage);
      });
      listeners.on(engine, 'gap', (info) => {
        line.show(pollerNoticeStatus(words, 'gap'));
        node.send(noticeMessage('gap', { expected: info.expected, received: info.received, subscriptionId: info.subscriptionId, ...backfillPayload(info.backfill) }) as NodeMessage);
        if (info.backfill?.error !== undefined) logger.warn(`the archive could not be read over the whole gap: ${describeError(info.backfill.error)}`);
      });
      listeners.on(engine, 'backfill', (info) => {
        node.send(noticeMessage('backfill', { reason: info.reason, ...backfillPayload(info) }) as NodeMessage);
        if (info.error !== undefined) logger.warn(`the archive could not be read since the last delivered event: ${describeError(info.error)}`);
      });
      listeners.on(engine, 'halted', (info) => {
        line.flash(words.failed(info.error));
        report(info.error);
      });
      listeners.on(engine, 'failure', (info) => {
        line.show(pollerFailureStatus(words, info.error, info.retryInMs));
        if (!info.repeated) report(info.error);
      });
      return engine;
    };

    void cursors.loadWithStale().then(({ cursor, stale, alarms: stored }) => {
      if (closed) return;
      // The list as it stood at the stored ack: the dashboard has it again before the first poll.
      if (alarms && stored !== undefined && alarms.restore(stored)) alarmSender.poke();
      poller = start(cursor, cursor ? undefined : stale ? { reason: 'selections-changed', previousSubscriptionId: stale.subscriptionId } : { reason: 'new' });
      // Made with other selections or another server: not resumable, so do not leave it running.
      if (stale?.sessionId !== undefined) void poller.discardSubscription(stale.sessionId, stale.subscriptionId);
      poller.start();
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
          done(doneError(err, secrets(), msg));
        },
      );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      line.cancel();
      alarmSender.close();
      const stopping = (poller ? poller.stop({ deleteSubscription: removed }) : Promise.resolve()).catch(() => undefined).then(async () => {
        if (removed) await cursors.save(undefined);
        cursors.close();
      });
      // The server node waits for this before it logs out: DeleteSubscription needs the session.
      server.deregister(node, stopping);
      void settleWithin(stopping).then(() => {
        node.status({});
        done();
      });
    });
  }

  // The editor reads these as RED.settings.scadaEvents…, so the dialog and the runtime share one list and one default.
  RED.nodes.registerType('scada-events', ScadaEvents, {
    settings: {
      scadaEventsStandardFields: { value: STANDARD_FIELDS, exportable: true },
      scadaEventsPollInterval: { value: DEFAULT_POLL_INTERVAL_MS / 1000, exportable: true },
    },
  });
};
