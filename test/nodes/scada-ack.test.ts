import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import type { NodeAPI } from 'node-red';
import type { MasterScadaSimulator } from '../../src/sim/masterscada';
import { startSim, waitFor } from '../helpers/masterscada';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import masterScadaServer = require('../../nodes/masterscada-server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import scadaEventsModule = require('../../nodes/scada-events');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import scadaAckModule = require('../../nodes/scada-ack');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusNode = require('@node-red/nodes/core/common/25-status.js');

helper.init(require.resolve('node-red'));

/** The test runtime's `RED._` returns the bare key; with parameters, the key's last part and the values ("acknowledged 2 10:41:07"). */
const withTranslate =
  (module: (RED: NodeAPI) => void) =>
  (RED: NodeAPI): void =>
    module(Object.assign(Object.create(RED) as NodeAPI, { _: (key: string, params?: Record<string, unknown>) => (params ? [key.slice(key.lastIndexOf('.') + 1), ...Object.values(params)].join(' ') : key) }));
const scadaEvents = withTranslate(scadaEventsModule);
const scadaAck = withTranslate(scadaAckModule);

interface AckEntry {
  eventId: string;
  acknowledged: boolean;
  code?: string;
  status?: string;
  statusCode?: number;
  message?: string;
}

interface Msg {
  topic?: string;
  payload?: unknown;
  eventId?: string;
  recType?: string;
  control?: string;
  error?: { message: string; code?: string; source?: { id: string } };
  _error?: { code: string; message: string; retriable: boolean; serverCode?: string };
}

const PASSWORD = 'Ack-pa55-secret';

describe('scada-ack node', () => {
  let userDir: string;
  let sim: MasterScadaSimulator;
  let acked: Msg[];
  let events: Msg[];
  let caught: Msg[];
  let statuses: Array<{ fill?: string; shape?: string; text?: string }>;

  function flow(ack: Record<string, unknown> = {}, server: Record<string, unknown> = {}): Array<Record<string, unknown>> {
    return [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'srv', type: 'masterscada-server', url: sim.url, timeout: 2, ...server },
      { id: 'ack', type: 'scada-ack', z: 'f1', name: '', server: 'srv', comment: 'from Node-RED', wires: [['out']], ...ack },
      { id: 'out', type: 'helper', z: 'f1' },
      {
        id: 'ev',
        type: 'scada-events',
        z: 'f1',
        server: 'srv',
        pollInterval: 0.05,
        store: '',
        selections: [
          {
            clientHandle: 1,
            taskId: 0,
            itemId: 0,
            archiveId: 0,
            path: '',
            useArchive: false,
            topic: '',
            fields: [
              { id: 1, name: 'eventId' },
              { id: 5, name: 'Active' },
              { id: 6, name: 'Acked' },
              { id: 9, name: 'AckedTime', time: true },
              { id: 10, name: 'Comment' },
            ],
          },
        ],
        wires: [['evout']],
      },
      { id: 'evout', type: 'helper', z: 'f1' },
      { id: 'c1', type: 'catch', z: 'f1', scope: ['ack'], uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
      { id: 'st1', type: 'status', z: 'f1', scope: ['ack'], wires: [['hs']] },
      { id: 'hs', type: 'helper', z: 'f1' },
    ];
  }

  async function load(ack: Record<string, unknown> = {}, server: Record<string, unknown> = {}): Promise<void> {
    await helper.load([masterScadaServer, scadaEvents, scadaAck, catchNode, statusNode], flow(ack, server) as never, { srv: { username: 'demo', password: PASSWORD } });
    helper.getNode('out').on('input', (msg: object) => acked.push(msg as Msg));
    helper.getNode('evout').on('input', (msg: object) => events.push(msg as Msg));
    helper.getNode('hc').on('input', (msg: object) => caught.push(msg as Msg));
    helper.getNode('hs').on('input', (msg: object) => statuses.push((msg as { status?: { fill?: string; shape?: string; text?: string } }).status ?? {}));
    // scada-events has subscribed and made its first poll: what happens from here on reaches it.
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'scada-events polling');
  }

  const send = (msg: Record<string, unknown>): void => {
    helper.getNode('ack').receive(msg);
  };
  const records = (): Msg[] => events.filter((m) => !m.control);

  beforeEach(async () => {
    sim = await startSim({ accounts: { demo: PASSWORD } });
    acked = [];
    events = [];
    caught = [];
    statuses = [];
    userDir = mkdtempSync(join(tmpdir(), 'scada-ack-userdir-'));
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(userDir, { recursive: true, force: true });
    await sim.close();
  });

  it('should acknowledge msg.eventId with the default comment, send the result, and scada-events in the same flow gets the Update record', async () => {
    await load();
    const alarm = sim.raise({ message: 'Pump trip' });
    await waitFor(() => records().some((m) => m.eventId === alarm.eventId), 'the alarm from scada-events');
    send({ eventId: alarm.eventId, topic: 'operator' });
    await waitFor(() => acked.length === 1, 'the result msg');
    assert.deepEqual(acked[0].payload, [{ eventId: alarm.eventId, acknowledged: true, status: 'Good' }]);
    assert.equal(acked[0].topic, 'operator', 'the rest of the msg is kept');
    assert.deepEqual(sim.requestsFor('Acknowledge').map((r) => (r.body as { eventIds: string[]; comment: string }).comment), ['from Node-RED']);

    await waitFor(() => records().some((m) => m.eventId === alarm.eventId && (m.payload as { Acked?: boolean }).Acked === true), 'the Update record of the acknowledgement');
    const update = records().find((m) => m.eventId === alarm.eventId && (m.payload as { Acked?: boolean }).Acked === true)!;
    assert.equal(update.recType, 'Update');
    const payload = update.payload as { Active: boolean; Comment: string; AckedTime: string };
    assert.equal(payload.Active, true);
    assert.equal(payload.Comment, 'from Node-RED');
    assert.match(payload.AckedTime, /^\d{4}-\d\d-\d\dT/);
    assert.equal(sim.requestsFor('Login').length, 1, 'one session shared by both nodes');

    // Once it clears, acknowledged and inactive: deleted.
    sim.clear(alarm.eventId);
    await waitFor(() => records().some((m) => m.recType === 'Deleted' && m.eventId === alarm.eventId), 'the deletion');
    assert.equal(sim.currentEvents().length, 0);
    assert.ok(statuses.some((s) => s.fill === 'blue' && s.text === 'acknowledging 1'), 'busy status while the call is out');
    await waitFor(() => statuses.some((s) => s.fill === 'green' && /^acknowledged 1 \d\d:\d\d:\d\d$/.test(s.text ?? '')), 'the acknowledged status');
    assert.deepEqual(caught, []);
  });

  it('should acknowledge several events from msg.payload.eventIds with msg.comment, and a string msg.payload', async () => {
    await load();
    const [a, b, c] = [sim.raise({}), sim.raise({}), sim.raise({})];
    send({ payload: { eventIds: [a.eventId, b.eventId, a.eventId] }, comment: 'shift 2' });
    await waitFor(() => acked.length === 1, 'the result msg');
    assert.deepEqual(acked[0].payload, [
      { eventId: a.eventId, acknowledged: true, status: 'Good' },
      { eventId: b.eventId, acknowledged: true, status: 'Good' },
    ]);
    assert.deepEqual(sim.requestsFor('Acknowledge')[0].body, { sessionId: (sim.requestsFor('Acknowledge')[0].body as { sessionId: string }).sessionId, eventIds: [a.eventId, b.eventId], comment: 'shift 2' });
    send({ payload: ` ${c.eventId} ` });
    await waitFor(() => acked.length === 2, 'the second result');
    assert.deepEqual((acked[1].payload as AckEntry[]).map((r) => [r.eventId, r.acknowledged]), [[c.eventId, true]]);
    assert.ok(sim.currentEvents().every((e) => e.Acked && (e.eventId === c.eventId ? e.Comment === 'from Node-RED' : e.Comment === 'shift 2')));
    assert.deepEqual(caught, []);
  });

  it('should acknowledge a msg from scada-events wired in as it is', async () => {
    await load();
    const alarm = sim.raise({});
    await waitFor(() => records().some((m) => m.eventId === alarm.eventId), 'the alarm msg');
    send(records().find((m) => m.eventId === alarm.eventId)! as unknown as Record<string, unknown>);
    await waitFor(() => acked.length === 1, 'the result');
    assert.deepEqual((acked[0].payload as AckEntry[]).map((r) => r.eventId), [alarm.eventId]);
    assert.equal(sim.currentEvents()[0].Acked, true);
  });

  it('should send an unknown eventId to Catch as NOT_ACKNOWLEDGED naming it, with every result in msg.payload, and nothing on the output', async () => {
    await load();
    const alarm = sim.raise({});
    send({ payload: { eventIds: [alarm.eventId, 'NO-SUCH-1'] }, topic: 't' });
    await waitFor(() => caught.length === 1, 'the error');
    const err = caught[0];
    assert.equal(err.error?.code, 'NOT_ACKNOWLEDGED');
    assert.equal(err.error?.source?.id, 'ack');
    assert.equal(err.error?.message, '1 of 2 events not acknowledged: NO-SUCH-1 (BadEventIdUnknown)');
    assert.equal(err._error?.serverCode, 'BadEventIdUnknown');
    assert.equal(err._error?.retriable, false);
    assert.equal(err.topic, 't');
    const results = err.payload as AckEntry[];
    assert.deepEqual(results[0], { eventId: alarm.eventId, acknowledged: true, status: 'Good' });
    assert.equal(results[1].eventId, 'NO-SUCH-1');
    assert.equal(results[1].acknowledged, false);
    assert.equal(results[1].code, 'NOT_FOUND');
    assert.equal(results[1].status, 'BadEventIdUnknown');
    assert.equal(results[1].statusCode, 0x809a0000);
    assert.match(results[1].message ?? '', /BadEventIdUnknown/);
    await waitFor(() => statuses.some((s) => s.fill === 'red' && s.shape === 'dot' && s.text === 'notAcknowledged 1 2'), 'red status with the count');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(acked, [], 'no output msg');
    assert.equal(sim.currentEvents()[0].Acked, true, 'the known one was acknowledged');
  });

  it('should send a refused call to Catch with the runtime status and a refused event as NOT_ACKNOWLEDGED, leaving the alarm unacknowledged', async () => {
    await load();
    const alarm = sim.raise({});
    sim.inject({ kind: 'raw', method: 'Acknowledge', body: JSON.stringify({ code: 'OpcUa_BadUserAccessDenied', errorText: 'no right to acknowledge' }) });
    send({ eventId: alarm.eventId });
    await waitFor(() => caught.length === 1, 'the refused call');
    assert.equal(caught[0].error?.code, 'SERVER');
    assert.equal(caught[0]._error?.serverCode, 'BadUserAccessDenied');
    assert.match(caught[0].error?.message ?? '', /Acknowledge failed with BadUserAccessDenied \(no right to acknowledge\)/);
    await waitFor(() => statuses.some((s) => s.fill === 'red' && s.shape === 'dot' && s.text === 'failed scada-ack.status.reason.SERVER'), 'failed status with the reason');

    sim.refuseAcknowledge({ eventId: alarm.eventId, status: 'BadEventNotAcknowledgeable' });
    send({ eventId: alarm.eventId });
    await waitFor(() => caught.length === 2, 'the refused event');
    assert.equal(caught[1].error?.code, 'NOT_ACKNOWLEDGED');
    assert.equal(caught[1]._error?.serverCode, 'BadEventNotAcknowledgeable');
    assert.equal(sim.currentEvents()[0].Acked, false);
    assert.deepEqual(acked, []);
  });

  it('should send a transport failure to Catch and log in again when the runtime forgot the session', async () => {
    await load();
    const alarm = sim.raise({});
    sim.inject({ kind: 'http500', method: 'Acknowledge' });
    send({ eventId: alarm.eventId });
    await waitFor(() => caught.length === 1, 'the HTTP error');
    assert.equal(caught[0].error?.code, 'HTTP_STATUS');
    sim.expireSessions();
    send({ eventId: alarm.eventId });
    await waitFor(() => acked.length === 1, 'acknowledged after a new login');
    assert.ok(sim.requestsFor('Login').length >= 2);
    assert.equal(caught.length, 1);
  });

  for (const [what, msg] of [
    ['no eventId at all', { payload: { text: 'x' } }],
    ['a number as id', { payload: 42 }],
    ['an empty eventIds array', { payload: { eventIds: [] } }],
    ['a blank id', { eventId: '   ' }],
    ['an object id', { payload: { eventIds: [{ id: 'x' }] } }],
    ['a comment that is not text', { eventId: 'A', comment: { text: 'x' } }],
    ['too many ids', { payload: { eventIds: Array.from({ length: 1001 }, (_, i) => `E${i}`) } }],
  ] as Array<[string, Record<string, unknown>]>) {
    it(`should refuse bad input (${what}) with BAD_INPUT, without a server call`, async () => {
      await load();
      send({ ...msg, topic: 'bad' });
      await waitFor(() => caught.length === 1, 'the input error');
      assert.equal(caught[0].error?.code, 'BAD_INPUT');
      assert.equal(caught[0].topic, 'bad');
      assert.equal(caught[0]._error?.retriable, false);
      assert.match(caught[0].error?.message ?? '', /^(scada-ack\.errors\.noEventId|tooMany \d+|badComment \d+)/);
      assert.equal(sim.requestsFor('Acknowledge').length, 0);
      assert.deepEqual(acked, []);
    });
  }

  it('should show a red status and report CONFIG once started, when no server is configured', async () => {
    await helper.load([masterScadaServer, scadaAck, catchNode, statusNode], [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'ack', type: 'scada-ack', z: 'f1', server: '', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'f1' },
      { id: 'c1', type: 'catch', z: 'f1', scope: ['ack'], uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
    ] as never);
    helper.getNode('hc').on('input', (msg: object) => caught.push(msg as Msg));
    helper.getNode('ack').receive({ eventId: 'A' });
    await waitFor(() => caught.length >= 1, 'the config error');
    assert.equal(caught[0].error?.code, 'CONFIG');
    assert.equal(sim.requests.length, 0);
  });

  it('should never put the password or the session id into msgs, errors, status or the log', async () => {
    await load();
    const sessionId = String((sim.requestsFor('PublishEvents')[0].body as { sessionId: string }).sessionId);
    sim.inject({ kind: 'raw', method: 'Acknowledge', body: JSON.stringify({ code: 'BadInternalError', errorText: `session ${sessionId} password ${PASSWORD}` }) });
    sim.inject({ kind: 'raw', method: 'Acknowledge', status: 500, body: `<p>${sessionId}</p>` });
    send({ eventId: 'A' });
    send({ eventId: 'B' });
    await waitFor(() => caught.length === 2, 'two errors');
    const seen = JSON.stringify(helper.log().args) + JSON.stringify(caught) + JSON.stringify(statuses) + JSON.stringify(acked);
    assert.ok(seen.includes('BadInternalError'), 'the error was seen');
    assert.ok(!seen.includes(PASSWORD), 'password leaked');
    assert.ok(!seen.includes(sessionId), 'session id leaked');
  });

  it('should close at once with a call in flight: the call is abandoned, nothing reaches Catch, the server node logs out', async () => {
    // A request timeout longer than the wait below: only abandoning the call lets the close end in time.
    await load({}, { timeout: 30 });
    const alarm = sim.raise({});
    sim.inject({ kind: 'delay', method: 'Acknowledge', delayMs: 10_000 });
    send({ eventId: alarm.eventId });
    await waitFor(() => sim.requestsFor('Acknowledge').length === 1, 'the call out');
    await helper.setFlows(flow().filter((n) => !['ack', 'srv', 'ev', 'evout'].includes(n.id as string)) as never, 'nodes');
    // Well before the answer (10 s) and before the close limit (4.5 s) a node waiting for it would hit.
    await waitFor(() => sim.requestsFor('Logout').length === 1, 'the removed server node logging out', 3000);
    assert.deepEqual(caught, []);
    assert.deepEqual(acked, []);
    assert.ok(!JSON.stringify(helper.log().args).includes('"level":20'), 'no error logged');
  });
});
