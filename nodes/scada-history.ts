import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ArchiveReader } from '../src/masterscada/archive-reader';
import { isSessionInvalid } from '../src/masterscada/errors';
import type { ScadaId } from '../src/masterscada/types';
import { ARCHIVE, STANDARD_FIELDS } from '../src/masterscada/vendor';
import { settleWithin } from '../src/shared/close-limit';
import { BadInputError, ConfigError } from '../src/shared/errors';
import { commandOf } from './lib/commands';
import { catchable, doneError } from './lib/errors';
import { HistoryBusyError, historySettings, resolveQuery } from './lib/history-query';
import type { HistoryDefaults, HistoryQuery, HistorySettings } from './lib/history-query';
import { endStatus, pagingStatus, readFailedStatus, readingStatus } from './lib/history-status';
import type { HistoryEnd } from './lib/history-status';
import type { MasterScadaServerNode } from './lib/masterscada-connection';
import { packetToMessages } from './lib/masterscada-records';
import { failOnceStarted } from './lib/settings-error';
import { StatusWords } from './lib/status';

interface ScadaHistoryDef extends NodeDef, HistoryDefaults {
  server: string;
  /** `records`: one msg per record, then a completion msg; `array`: one msg with every record. */
  output: 'records' | 'array';
  /** Array mode: at most this many records; the read stops there and the msg says `truncated`. */
  maxArray: number | string;
  /** `maxRecs` of each GetArchivedEvents call. */
  pageRecords: number | string;
}

/** Array mode keeps every record in memory: this many at most, whatever the settings say. */
const DEFAULT_MAX_ARRAY = 10_000;
/** A paged read has no page limit of its own here: the window, `limit` or a stop ends it. */
const MAX_PAGES = 1_000_000;

/** What `msg.history` says about a read. */
interface HistorySummary {
  records: number;
  pages: number;
  start: string;
  end?: string;
  inverse: boolean;
  reason: HistoryEnd;
}

function positive(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

export = function (RED: NodeAPI): void {
  function ScadaHistory(this: Node, config: ScadaHistoryDef): void {
    RED.nodes.createNode(this, config);
    const node = this as Node;
    const server = RED.nodes.getNode(config.server) as MasterScadaServerNode | null;
    const connection = server?.masterscada;
    const words = new StatusWords('scada-history', (key, values) => RED._(key, values));
    const secrets = (): string[] => connection?.secrets() ?? [];
    const report = (err: unknown): void => {
      const { logMessage, msg } = catchable(err, secrets(), { topic: 'error', payload: undefined });
      node.error(logMessage, msg);
    };
    const defaults: HistoryDefaults = {
      archiveId: config.archiveId ?? 0,
      itemId: config.itemId ?? 0,
      path: typeof config.path === 'string' ? config.path : '',
      topic: config.topic,
      fields: Array.isArray(config.fields) ? config.fields : [],
      start: typeof config.start === 'string' ? config.start : '',
      end: typeof config.end === 'string' ? config.end : '',
      inverse: config.inverse === true,
      limit: config.limit ?? 0,
    };
    if (!server || !connection) {
      const err = server?.configError ?? new ConfigError(RED._('scada-history.errors.noServer'));
      failOnceStarted(RED, node, words.failed(err), () => report(err));
      return;
    }
    let settings: HistorySettings;
    try {
      settings = historySettings(defaults, Date.now());
    } catch (err) {
      failOnceStarted(RED, node, words.failed(err), () => report(err));
      return;
    }
    server.register(node);
    const asArray = config.output === 'array';
    const maxArray = positive(config.maxArray, DEFAULT_MAX_ARRAY);
    const reader = new ArchiveReader(connection.client, { pageRecords: positive(config.pageRecords, ARCHIVE.pageRecords), maxPages: MAX_PAGES });
    /** The read running now: one at a time per node. */
    let running: { abort: AbortController; done: Promise<void> } | undefined;
    let closed = false;

    /** Read the window, sending as it goes; resolves with why it ended, rejects with the failure. */
    const read = async (query: HistoryQuery, collected: unknown[] | undefined, signal: AbortSignal, summary: HistorySummary): Promise<void> => {
      const byHandle = new Map([[query.selection.selection.clientHandle, query.selection]]);
      const limit = asArray ? Math.min(query.limit ?? Number.POSITIVE_INFINITY, maxArray + 1) : query.limit;
      const window = { startTime: query.startTime, ...(query.endTime === undefined ? {} : { endTime: query.endTime }), inverse: query.inverse, ...(limit === undefined || limit === Number.POSITIVE_INFINITY ? {} : { limit }) };
      const sessionId: ScadaId = await connection.session.get(signal);
      try {
        for await (const page of reader.pages(sessionId, query.selection.selection, window, signal)) {
          const packet = { subscriptionId: 0, hasMore: false, serverTime: undefined, deleted: [], recs: page.recs.map((fields) => ({ clientHandle: query.selection.selection.clientHandle, recType: ARCHIVE.recType, fields })) };
          let recs = packetToMessages(packet, byHandle).map(({ topic, payload, recType, eventId }) => ({ topic, payload, recType, eventId }));
          summary.pages = page.page;
          if (collected) {
            // One record past the cap was asked for, to tell "exactly the cap" from "more than the cap".
            if (collected.length + recs.length > maxArray) {
              recs = recs.slice(0, maxArray - collected.length);
              collected.push(...recs.map((r) => r.payload));
              summary.records = collected.length;
              summary.reason = 'truncated';
              return;
            }
            collected.push(...recs.map((r) => r.payload));
            summary.records = collected.length;
          } else {
            // One send per msg: an array send would make Node-RED clone every msg after the first.
            for (const r of recs) node.send({ ...r, _msgid: RED.util.generateId() } as NodeMessage);
            summary.records += recs.length;
          }
          if (page.limited) summary.reason = 'limit';
          node.status(pagingStatus(words, page.page, summary.records));
          // Let Node-RED hand this page's msgs on before the next page is asked for: one page in memory at most.
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        if (isSessionInvalid(err)) connection.session.invalidate(sessionId);
        throw err;
      }
    };

    const start = (query: HistoryQuery, msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void): void => {
      const abort = new AbortController();
      const summary: HistorySummary = {
        records: 0,
        pages: 0,
        start: new Date(query.startTime).toISOString(),
        ...(query.endTime === undefined ? {} : { end: new Date(query.endTime).toISOString() }),
        inverse: query.inverse,
        reason: 'end',
      };
      const collected: unknown[] | undefined = asArray ? [] : undefined;
      node.status(readingStatus(words));
      const finished = read(query, collected, abort.signal, summary).then(
        () => {
          if (closed) return done();
          node.status(endStatus(words, summary.reason, summary.records));
          const out = msg as NodeMessage & Record<string, unknown>;
          out.history = summary;
          out.complete = true;
          if (collected) {
            out.payload = collected;
            if (summary.reason === 'truncated') out.truncated = true;
          } else {
            out.control = 'complete';
            out.payload = summary;
          }
          send(out);
          done();
        },
        (err: unknown) => {
          if (abort.signal.aborted) {
            summary.reason = 'stopped';
            if (closed) return done();
            node.status(endStatus(words, 'stopped', summary.records));
            const out = msg as NodeMessage & Record<string, unknown>;
            Object.assign(out, { history: summary, complete: true, stopped: true, ...(collected ? { payload: collected } : { control: 'complete', payload: summary }) });
            send(out);
            return done();
          }
          node.status(readFailedStatus(words, err));
          done(doneError(err, secrets(), Object.assign(msg, { history: summary })));
        },
      );
      running = { abort, done: finished.finally(() => (running = undefined)) };
    };

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      const command = commandOf(msg);
      if (command === 'stop') {
        running?.abort.abort();
        done();
        return;
      }
      const fail = (err: Error): void => {
        done(doneError(err, secrets(), msg));
      };
      if (typeof (msg as { action?: unknown }).action === 'string' && command !== '' && command !== 'read') {
        fail(new BadInputError(RED._('scada-history.errors.unknownAction', { action: command })));
        return;
      }
      if (running) {
        fail(new HistoryBusyError(RED._('scada-history.errors.busy')));
        return;
      }
      let query: HistoryQuery;
      try {
        query = resolveQuery(settings, msg as unknown as Record<string, unknown>, Date.now());
      } catch (err) {
        fail(err as Error);
        return;
      }
      start(query, msg, send as (m: NodeMessage) => void, done);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      const current = running;
      current?.abort.abort();
      const stopping = current ? current.done.catch(() => undefined) : Promise.resolve();
      server.deregister(node, stopping);
      void settleWithin(stopping).then(() => {
        node.status({});
        done();
      });
    });
  }

  RED.nodes.registerType('scada-history', ScadaHistory, {
    settings: {
      scadaHistoryStandardFields: { value: STANDARD_FIELDS, exportable: true },
      scadaHistoryPageRecords: { value: ARCHIVE.pageRecords, exportable: true },
      scadaHistoryMaxArray: { value: DEFAULT_MAX_ARRAY, exportable: true },
    },
  });
};
