import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import helper from 'node-red-node-test-helper';
import type { NodeAPI } from 'node-red';
import type { MasterScadaSimulator } from '../../src/sim/masterscada';
import { startSim, waitFor } from '../helpers/masterscada';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import masterScadaServer = require('../../nodes/masterscada-server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import scadaHistoryModule = require('../../nodes/scada-history');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusNode = require('@node-red/nodes/core/common/25-status.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode = require('@node-red/nodes/core/common/24-complete.js');

helper.init(require.resolve('node-red'));

/** The test runtime's `RED._` returns the bare key; with parameters, the key's last part and the values ("paging 2 1000"). */
const scadaHistory = (RED: NodeAPI): void =>
  scadaHistoryModule(Object.assign(Object.create(RED) as NodeAPI, { _: (key: string, params?: Record<string, unknown>) => (params ? [key.slice(key.lastIndexOf('.') + 1), ...Object.values(params)].join(' ') : key) }));

interface Msg {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  recType?: string;
  eventId?: string;
  control?: string;
  complete?: boolean;
  stopped?: boolean;
  truncated?: boolean;
  history?: { records: number; pages: number; start: string; end?: string; inverse: boolean; reason: string };
  error?: { message: string; code?: string };
  _error?: { code: string; message: string };
}

type Rec = Record<string, unknown> & { raw?: Record<string, unknown> };

const FROM = Date.parse('2026-11-30T00:00:00Z');
const SECOND = 1000;

describe('scada-history node', () => {
  let sim: MasterScadaSimulator;
  let received: Msg[];
  let caught: Msg[];
  let completed: Msg[];
  let statuses: Array<{ fill?: string; shape?: string; text?: string }>;
  let onRecord: ((msg: Msg) => void) | undefined;

  function flow(history: Record<string, unknown> = {}): Array<Record<string, unknown>> {
    return [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'srv', type: 'masterscada-server', url: sim.url, timeout: 2 },
      {
        id: 'hist',
        type: 'scada-history',
        z: 'f1',
        server: 'srv',
        itemId: 111,
        archiveId: 0,
        path: '',
        topic: '',
        start: new Date(FROM).toISOString(),
        end: '',
        inverse: false,
        limit: 0,
        output: 'records',
        maxArray: 10_000,
        pageRecords: 100,
        fields: [
          { id: 1, name: 'eventId' },
          { id: 2, name: 'Time', time: true },
          { id: 3, name: 'Message' },
          { id: 4, name: 'Severity' },
        ],
        wires: [['out']],
        ...history,
      },
      { id: 'out', type: 'helper', z: 'f1' },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
      { id: 'st1', type: 'status', z: 'f1', scope: ['hist'], wires: [['hs']] },
      { id: 'hs', type: 'helper', z: 'f1' },
      { id: 'cp1', type: 'complete', z: 'f1', scope: ['hist'], uncaught: false, wires: [['hd']] },
      { id: 'hd', type: 'helper', z: 'f1' },
    ];
  }

  async function load(history: Record<string, unknown> = {}): Promise<void> {
    await helper.load([masterScadaServer, scadaHistory, catchNode, statusNode, completeNode], flow(history) as never, { srv: { username: 'demo', password: 'demo' } });
    helper.getNode('out').on('input', (msg: Msg) => (onRecord ? onRecord(msg) : received.push(msg)));
    helper.getNode('hc').on('input', (msg: Msg) => caught.push(msg));
    helper.getNode('hd').on('input', (msg: Msg) => completed.push(msg));
    helper.getNode('hs').on('input', (msg: Msg & { status?: { fill?: string; text?: string } }) => statuses.push(msg.status ?? {}));
  }

  const query = (msg: Record<string, unknown> = {}): void => helper.getNode('hist').receive({ payload: 'go', ...msg } as never);
  const records = (): Msg[] => received.filter((m) => !m.control);
  const endMsg = (): Msg | undefined => received.find((m) => m.complete === true);
  const archiveCalls = (): Array<Record<string, unknown>> => sim.requestsFor('GetArchivedEvents').map((r) => r.body as Record<string, unknown>);

  beforeEach(async () => {
    sim = await startSim({ archiveSize: 60_000 });
    received = [];
    caught = [];
    completed = [];
    statuses = [];
    onRecord = undefined;
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await sim.close();
  });

  it('should send one msg per record of the node\'s window, shaped like scada-events, then a completion msg, with page statuses', async () => {
    sim.seedArchive(350, FROM, FROM + 349 * SECOND, { itemId: 111 });
    sim.seedArchive(20, FROM, FROM + 19 * SECOND, { itemId: 112 });
    await load({ end: new Date(FROM + 299 * SECOND).toISOString() });
    query({ topic: 'q1' });
    await waitFor(() => endMsg() !== undefined, 'the completion msg');
    const recs = records();
    assert.equal(recs.length, 300, 'the window only, one object only, both ends inclusive');
    const first = recs[0];
    assert.equal(first.recType, 'Archive');
    assert.equal(first.topic, '0/111');
    assert.deepEqual(Object.keys(first.payload as Rec).sort(), ['Message', 'Severity', 'Time', 'eventId', 'raw']);
    assert.equal((first.payload as Rec).Time, new Date(FROM).toISOString());
    assert.deepEqual((first.payload as Rec).raw, { Time: String(FROM) });
    assert.equal(first.eventId, (first.payload as Rec).eventId);
    assert.equal((recs[299].payload as Rec).Message, 'Архивная запись 300');
    const end = endMsg()!;
    assert.equal(end.topic, 'q1', 'the query msg itself completes the read');
    assert.equal(end.control, 'complete');
    assert.deepEqual(end.history, { records: 300, pages: 3, start: new Date(FROM).toISOString(), end: new Date(FROM + 299 * SECOND).toISOString(), inverse: false, reason: 'end' });
    assert.deepEqual(end.payload, end.history);
    assert.equal(received.at(-1), end, 'the completion msg is the last');
    await waitFor(() => completed.length === 1, 'done() of the query msg');
    assert.deepEqual(statuses.map((s) => s.text), ['scada-history.status.reading', 'paging 1 100', 'paging 2 200', 'paging 3 300', 'done 300']);
    assert.deepEqual([statuses[1].fill, statuses.at(-1)!.fill], ['blue', 'green']);
    assert.deepEqual(archiveCalls().map((b) => b.continuationPoint), [undefined, '0000000101', '0000000201']);
    assert.deepEqual(caught, []);
  });

  it('should take the window, fields, limit and order from the msg and send one array in array mode', async () => {
    sim.seedArchive(500, FROM, FROM + 499 * SECOND, { itemId: 111 });
    await load({ output: 'array' });
    query({ start: new Date(FROM + 100 * SECOND), end: String(FROM + 199 * SECOND), fields: ['eventId', 'Message'], inverse: true, limit: 30 });
    await waitFor(() => received.length === 1, 'the array msg');
    const msg = received[0];
    const recs = msg.payload as Rec[];
    assert.equal(msg.complete, true);
    assert.equal(recs.length, 30);
    assert.deepEqual(Object.keys(recs[0]).sort(), ['Message', 'eventId'], 'msg.fields chose the fields');
    assert.deepEqual(recs.slice(0, 3).map((r) => r.Message), ['Архивная запись 200', 'Архивная запись 199', 'Архивная запись 198'], 'newest first from the end');
    assert.equal(msg.history!.reason, 'limit');
    assert.equal(msg.history!.inverse, true);
    const body = archiveCalls()[0];
    assert.deepEqual([body.inverse, Number(body.startTime), Number(body.endTime), body.fields], [true, FROM + 100 * SECOND, FROM + 199 * SECOND, [{ id: 1 }, { id: 3 }]]);
    // Relative times and ISO text, and the node's window again when the msg gives none.
    query({ start: '-1000d', end: 'now', limit: 0, inverse: false });
    await waitFor(() => received.length === 2, 'the second array msg');
    assert.equal((received[1].payload as Rec[]).length, 500);
    assert.equal(received[1].history!.reason, 'end');
    await waitFor(() => completed.length === 2, 'done() of both');
  });

  it('should cap array mode and mark the msg truncated, stopping the read there', async () => {
    sim.seedArchive(1000, FROM, FROM + 999 * SECOND, { itemId: 111 });
    await load({ output: 'array', maxArray: 250 });
    query();
    await waitFor(() => received.length === 1, 'the array msg');
    assert.equal((received[0].payload as Rec[]).length, 250);
    assert.equal(received[0].truncated, true);
    assert.equal(received[0].history!.reason, 'truncated');
    assert.equal(archiveCalls().length, 3, 'no page after the cap was read');
    assert.equal(statuses.at(-1)!.text, 'truncated 250');
  });

  it('should stop a long read on msg.action "stop": no further page, a completion msg marked stopped, done() for both msgs', async () => {
    sim.seedArchive(5000, FROM, FROM + 4999 * SECOND, { itemId: 111 });
    await load();
    sim.inject({ kind: 'delay', method: 'GetArchivedEvents', delayMs: 150, times: 100, skip: 1 });
    query();
    await waitFor(() => records().length >= 200, 'two pages');
    helper.getNode('hist').receive({ action: 'stop' } as never);
    await waitFor(() => endMsg() !== undefined, 'the completion msg');
    const end = endMsg()!;
    assert.equal(end.stopped, true);
    assert.equal(end.history!.reason, 'stopped');
    const calls = archiveCalls().length;
    assert.ok(calls <= 3, `no page asked for after the stop (${calls} calls)`);
    assert.equal(records().length, end.history!.records);
    assert.ok(records().length < 5000);
    await waitFor(() => completed.length === 2, 'done() of the query and of the stop');
    assert.match(statuses.at(-1)!.text ?? '', /^stopped \d+$/);
    assert.equal(statuses.at(-1)!.fill, 'grey');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(archiveCalls().length, calls, 'nothing more asked for');
    assert.deepEqual(caught, []);
  });

  it('should send a server fault in the middle of paging to Catch with what was read, then read again on the next msg', async () => {
    sim.seedArchive(500, FROM, FROM + 499 * SECOND, { itemId: 111 });
    await load();
    sim.inject({ kind: 'raw', method: 'GetArchivedEvents', skip: 2, body: JSON.stringify({ code: 'BadInternalError' }) });
    query({ topic: 'faulty' });
    await waitFor(() => caught.length === 1, 'the error in Catch');
    assert.equal(caught[0].error!.code, 'SERVER');
    assert.equal(caught[0]._error!.code, 'SERVER');
    assert.equal(caught[0].topic, 'faulty');
    assert.match(caught[0].error!.message, /^GetArchivedEvents/, 'the text alone in msg.error.message, no "Error: " before it');
    assert.deepEqual([caught[0].history!.records, caught[0].history!.pages], [200, 2]);
    assert.equal(records().length, 200);
    assert.equal(endMsg(), undefined, 'no completion msg for a failed read');
    assert.deepEqual([statuses.at(-1)!.fill, statuses.at(-1)!.text], ['red', 'failed scada-history.status.reason.SERVER']);
    await waitFor(() => completed.length === 0 && caught.length === 1, 'settled');
    query();
    await waitFor(() => endMsg() !== undefined, 'the second read');
    assert.equal(endMsg()!.history!.records, 500);
  });

  it('should refuse a bad window, fields or limit in the msg with BAD_INPUT and no call to the runtime', async () => {
    await load();
    const bad = [{ start: 'yesterday' }, { start: new Date('nope') }, { start: FROM + 10_000, end: FROM }, { limit: -1 }, { limit: 2.5 }, { fields: [3, 4] }, { fields: 'eventId' }, { inverse: 'yes' }, { action: 'rewind' }];
    for (const msg of bad) query(msg);
    await waitFor(() => caught.length === bad.length, 'one error per bad msg');
    assert.deepEqual(caught.map((m) => m.error!.code), bad.map(() => 'BAD_INPUT'));
    assert.match(caught[0].error!.message, /"yesterday" is not a time/);
    assert.match(caught[2].error!.message, /before the start/);
    assert.match(caught[5].error!.message, /eventId/);
    assert.equal(archiveCalls().length, 0, 'nothing was sent');
    assert.equal(sim.requestsFor('Login').length, 0, 'not even a login');
  });

  for (const [what, settings, message] of [
    ['a selection without eventId', { fields: [{ id: 3, name: 'Message' }] }, /eventId/],
    ['a start that is not a time', { start: 'yesterday' }, /"yesterday" is not a time/],
  ] as Array<[string, Record<string, unknown>, RegExp]>) {
    it(`should fail at start on ${what}: one CONFIG error in Catch, a red status, and refuse reads with it`, async () => {
      await load(settings);
      await waitFor(() => caught.length === 1 && statuses.length > 0, 'the error at start');
      assert.equal(caught[0].error!.code, 'CONFIG');
      assert.match(caught[0].error!.message, message);
      assert.deepEqual([statuses.at(-1)!.fill, statuses.at(-1)!.text], ['red', 'failed scada-history.status.reason.CONFIG']);
      query();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(caught.length, 1, 'a failed node does not read');
      assert.equal(sim.requests.length, 0, 'nothing asked of the runtime');
    });
  }

  it('should refuse a second query while one runs with BUSY, and finish the first', async () => {
    sim.seedArchive(400, FROM, FROM + 399 * SECOND, { itemId: 111 });
    await load();
    sim.inject({ kind: 'delay', method: 'GetArchivedEvents', delayMs: 100, times: 10 });
    query({ topic: 'first' });
    query({ topic: 'second' });
    await waitFor(() => endMsg() !== undefined, 'the first read');
    assert.deepEqual(caught.map((m) => [m.error!.code, m.topic]), [['BUSY', 'second']]);
    assert.equal(endMsg()!.topic, 'first');
    assert.equal(endMsg()!.history!.records, 400);
    assert.equal(records().length, 400);
  });

  it('should end a read cleanly when the flow is redeployed in the middle of it', async () => {
    sim.seedArchive(3000, FROM, FROM + 2999 * SECOND, { itemId: 111 });
    await load();
    sim.inject({ kind: 'delay', method: 'GetArchivedEvents', delayMs: 200, times: 100, skip: 1 });
    query();
    await waitFor(() => records().length >= 100, 'the first page');
    await helper.setFlows(flow({ name: 'renamed' }) as never, 'nodes');
    const calls = archiveCalls().length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(archiveCalls().length, calls, 'the closed node asks for nothing more');
    assert.ok(records().length < 3000);
    assert.deepEqual(caught, []);
  });

  it('should read 50 000 records in per-record mode holding one page at a time: no read-ahead, heap flat', async function () {
    this.timeout(120_000);
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const PAGE = 1000;
    const TOTAL = 50_000;
    sim.seedArchive(TOTAL, FROM, FROM + (TOTAL - 1) * SECOND, { itemId: 111 });
    await load({ pageRecords: PAGE });
    let count = 0;
    let worstAhead = 0;
    const heap: number[] = [];
    let end: Msg | undefined;
    onRecord = (msg) => {
      if (msg.control) {
        end = msg;
        return;
      }
      // Pages asked for when this record arrived, beyond the one it came in: the read-ahead.
      worstAhead = Math.max(worstAhead, sim.requestsFor('GetArchivedEvents').length - (Math.floor(count / PAGE) + 1));
      count += 1;
      // The test helper spies on every Node method and keeps each call (each msg) in the spy's history:
      // that is the harness's memory, not the node's, so it is dropped once per page.
      if (count % PAGE === 0) (helper as unknown as { _sandbox: { resetHistory(): void } })._sandbox.resetHistory();
      if (count === 10_000 || count === TOTAL) {
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
    };
    query();
    await waitFor(() => end !== undefined, 'the completion msg', 100_000);
    assert.equal(count, TOTAL);
    assert.equal(end!.history!.records, TOTAL);
    assert.equal(end!.history!.pages, TOTAL / PAGE);
    assert.equal(worstAhead, 0, 'the next page is asked for only after the last one was handed on');
    const growthMb = (heap[1] - heap[0]) / 1024 / 1024;
    // eslint-disable-next-line no-console
    console.log(`      heap after gc: ${(heap[0] / 1048576).toFixed(1)} MiB at 10 000 records, ${(heap[1] / 1048576).toFixed(1)} MiB at 50 000 (growth ${growthMb.toFixed(1)} MiB)`);
    // Holding the 40 000 records in between would take well over 20 MiB (each payload is an object of 5 keys plus raw).
    assert.ok(growthMb < 8, `heap grew ${growthMb.toFixed(1)} MiB between 10 000 and 50 000 records`);
  });
});
