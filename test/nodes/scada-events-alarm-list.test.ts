/**
 * The active-alarm list (second output) and the client-side filters of `scada-events`, in a real
 * Node-RED (test helper) against the simulator, and the list across a restart of a Node-RED child
 * process.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { launchNodeRed, prepareUserDir } from '../../src/cli/node-red-launcher';
import type { RunningNodeRed } from '../../src/cli/node-red-launcher';
import { JsonFile } from '../../src/masterscada/file-cursor-store';
import type { MasterScadaSimulator } from '../../src/sim/masterscada';
import { acksSent, startSim, waitFor } from '../helpers/masterscada';
import { packageUnderTest } from '../helpers/node-red-runtime';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import masterScadaServer = require('../../nodes/masterscada-server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import scadaEvents = require('../../nodes/scada-events');
import { filterOptions, recordFilter } from '../../nodes/lib/scada-events-alarms';
import { resolveSelections } from '../../nodes/lib/masterscada-records';
import type { EventMessage } from '../../nodes/lib/masterscada-records';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusNode = require('@node-red/nodes/core/common/25-status.js');

helper.init(require.resolve('node-red'));

const PASSWORD = 'Pa55-w0rd-secret';

type Payload = Record<string, unknown>;
interface Msg {
  topic?: string;
  payload?: unknown;
  recType?: string;
  eventId?: string;
  control?: string;
  sequenceNumber?: number;
}

const FIELDS = [
  { id: 1, name: 'eventId' },
  { id: 2, name: 'Time' },
  { id: 3, name: 'Message' },
  { id: 4, name: 'Severity' },
  { id: 5, name: 'Active' },
  { id: 6, name: 'Acked' },
];

function selections(): unknown[] {
  return [{ clientHandle: 1, taskId: 0, itemId: 0, archiveId: 0, path: '', useArchive: false, topic: '', fields: FIELDS }];
}

describe('scada-events active-alarm list and filters (test helper)', () => {
  let userDir: string;
  let sim: MasterScadaSimulator;
  let records: Msg[];
  let lists: Payload[][];

  async function load(events: Record<string, unknown>): Promise<void> {
    const flow = [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'srv', type: 'masterscada-server', url: sim.url, timeout: 2 },
      { id: 'ev', type: 'scada-events', z: 'f1', server: 'srv', pollInterval: 0.05, store: '', selections: selections(), wires: [['out'], ['list']], ...events },
      { id: 'out', type: 'helper', z: 'f1' },
      { id: 'list', type: 'helper', z: 'f1' },
    ];
    await helper.load([masterScadaServer, scadaEvents], flow as never, { srv: { username: 'demo', password: PASSWORD } });
    helper.getNode('out').on('input', (msg: object) => {
      if (!(msg as Msg).control) records.push(msg as Msg);
    });
    helper.getNode('list').on('input', (msg: object) => {
      const m = msg as Msg;
      assert.equal(m.topic, 'alarms');
      lists.push(m.payload as Payload[]);
    });
  }

  const lastList = (): Payload[] | undefined => lists.at(-1);
  const ids = (list: Payload[] | undefined): unknown[] => (list ?? []).map((p) => p.eventId);

  beforeEach(async () => {
    sim = await startSim({ accounts: { demo: PASSWORD } });
    records = [];
    lists = [];
    userDir = mkdtempSync(join(tmpdir(), 'scada-events-list-'));
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(userDir, { recursive: true, force: true });
    await sim.close();
  });

  it('sends the current alarms on the second output, newest first, and drops a cleared and acknowledged one', async () => {
    const a = sim.raise({ message: 'first', severity: 300 });
    const b = sim.raise({ message: 'second', severity: 700 });
    await load({ alarmList: true, outputs: 2 });
    await waitFor(() => ids(lastList()).length === 2, 'the list after the refresh');
    const c = sim.raise({ message: 'third' });
    await waitFor(() => ids(lastList()).includes(c.eventId), 'the list with the new alarm');
    assert.deepEqual(ids(lastList()), [c.eventId, b.eventId, a.eventId], 'newest first');
    // The same shape as the first output's payloads.
    const record = records.find((r) => r.eventId === c.eventId)!;
    assert.deepEqual(lastList()![0], record.payload);
    sim.clear(b.eventId);
    await waitFor(() => lastList()!.some((p) => p.eventId === b.eventId && p.Active === false), 'b inactive, still listed (not acknowledged)');
    sim.acknowledge(b.eventId);
    await waitFor(() => !ids(lastList()).includes(b.eventId), 'b dropped after its Deleted');
    assert.deepEqual(ids(lastList()), [c.eventId, a.eventId]);
    assert.ok(records.some((r) => r.recType === 'Deleted' && r.eventId === b.eventId), 'the Deleted record still goes out on the first output');
  });

  it('keeps one output and sends no list when the option is off', async () => {
    sim.raise();
    await load({});
    await waitFor(() => records.length === 1, 'the refresh record');
    sim.raise();
    await waitFor(() => records.length === 2, 'an update');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(lists.length, 0);
  });

  it('sends the list at most a few times per second while a long queue drains, and once after it settles', async () => {
    await sim.close();
    sim = await startSim({ accounts: { demo: PASSWORD }, packetSize: 1, queueSize: 1000 });
    const raised = Array.from({ length: 300 }, (_, i) => sim.raise({ message: `alarm ${i}` }));
    await load({ alarmList: true, outputs: 2 });
    await waitFor(() => ids(lastList()).length === 300, 'the whole list', 20_000);
    const packets = new Set(records.map((r) => r.sequenceNumber)).size;
    assert.equal(packets, 300, 'one record per packet');
    // Not one list per packet: folded (≤ 4/s); the last one is the complete picture.
    assert.ok(lists.length < packets / 3, `${lists.length} lists for ${packets} packets`);
    assert.deepEqual(new Set(ids(lastList())), new Set(raised.map((e) => e.eventId)));
    const settled = lists.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(lists.length, settled, 'nothing more once nothing changes');
  });

  it('filters by severity, state and text: filtered records are not sent but acked, and the list filters alike', async () => {
    const low = sim.raise({ message: 'Pump 1 warm', severity: 200 });
    const high = sim.raise({ message: 'Pump 2 overheated', severity: 800 });
    const valve = sim.raise({ message: 'Valve stuck', severity: 900 });
    await load({ alarmList: true, outputs: 2, severityMin: '500', severityMax: '', ackedFilter: 'no', textFilter: '^pump [0-9]+ over', textMode: 'regex' });
    await waitFor(() => lists.length > 0 && records.length > 0, 'the refresh');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(records.map((r) => r.eventId), [high.eventId], 'only the high-severity pump alarm passes');
    assert.deepEqual(ids(lastList()), [high.eventId]);
    // A packet with only filtered records is acked all the same.
    const before = records.length;
    sim.raise({ message: 'Valve 2 stuck', severity: 950 });
    await waitFor(() => acksSent(sim).filter((x) => x === 2).length > 0, 'the ack of the filtered packet');
    assert.equal(records.length, before, 'the filtered record was not sent');
    // Acknowledged: out of the "unacknowledged" filter, so off the list too (and its Update not sent).
    sim.acknowledge(high.eventId);
    await waitFor(() => ids(lastList()).length === 0, 'the acknowledged alarm leaves the list');
    assert.equal(records.length, before);
    void low;
    void valve;
  });

  it('refuses a severity bound that is not a number: one CONFIG error in Catch, a red status, no call to the runtime', async () => {
    const caught: Array<{ error?: { code?: string; message?: string } }> = [];
    const statuses: Array<{ fill?: string; text?: string }> = [];
    const flow = [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'srv', type: 'masterscada-server', url: sim.url, timeout: 2 },
      { id: 'ev', type: 'scada-events', z: 'f1', server: 'srv', pollInterval: 0.05, store: '', selections: selections(), severityMin: 'high', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'f1' },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
      { id: 'st1', type: 'status', z: 'f1', scope: ['ev'], wires: [['hs']] },
      { id: 'hs', type: 'helper', z: 'f1' },
    ];
    await helper.load([masterScadaServer, scadaEvents, catchNode, statusNode], flow as never, { srv: { username: 'demo', password: PASSWORD } });
    helper.getNode('hc').on('input', (msg: object) => caught.push(msg as (typeof caught)[number]));
    helper.getNode('hs').on('input', (msg: object) => statuses.push((msg as { status?: (typeof statuses)[number] }).status ?? {}));
    await waitFor(() => caught.length === 1 && statuses.length > 0, 'the error and the status');
    assert.equal(caught[0].error?.code, 'CONFIG');
    assert.equal(caught[0].error?.message, 'the lowest severity must be a number');
    assert.equal(statuses.at(-1)?.fill, 'red');
    assert.equal(statuses.at(-1)?.text, 'scada-events.status.failed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(caught.length, 1, 'one error');
    assert.equal(sim.requests.length, 0, 'nothing asked of the runtime');
  });

  it('refuses a regular expression that could backtrack without bound', async () => {
    await load({ alarmList: true, outputs: 2, textFilter: '(a+)+$', textMode: 'regex' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const node = helper.getNode('ev') as unknown as { status?: unknown };
    assert.ok(node);
    assert.equal(sim.requestsFor('CreateSubscription').length, 0, 'the node does not start with a refused pattern');
  });
});

describe('scada-events filters on shaped records', () => {
  const recordMsg = (handle: number, payload: Payload): EventMessage => ({ topic: '', payload, recType: 'Update', eventId: String(payload.id), clientHandle: handle, sequenceNumber: 1, serverTime: undefined });

  it('reads Severity, Active, Acked and Message by their standard ids, whatever the selection named them', () => {
    const resolved = resolveSelections([
      { clientHandle: 1, fields: [{ id: 1, name: 'id' }, { id: 4, name: 'Level' }, { id: 3, name: 'Text' }, { id: 6, name: 'Seen' }, { id: 5, name: 'On' }] },
      { clientHandle: 2, fields: [{ id: 1, name: 'id' }, { id: 3, name: 'Message' }] },
    ]);
    const accepts = recordFilter(filterOptions({ severityMin: '500', textFilter: 'pump', ackedFilter: 'no', activeFilter: 'yes' }), resolved);
    assert.equal(accepts(recordMsg(1, { id: 'a', Level: 600, Text: 'Pump 1', Seen: false, On: true })), true);
    assert.equal(accepts(recordMsg(1, { id: 'b', Level: 400, Text: 'Pump 1', Seen: false, On: true })), false, 'severity below the bound');
    assert.equal(accepts(recordMsg(1, { id: 'c', Level: 600, Text: 'Valve', Seen: false, On: true })), false, 'text');
    assert.equal(accepts(recordMsg(1, { id: 'd', Level: 600, Text: 'Pump 1', Seen: true, On: true })), false, 'acknowledged');
    assert.equal(accepts(recordMsg(1, { id: 'e', Level: 600, Text: 'Pump 1', Seen: false, On: false })), false, 'inactive');
    assert.equal(accepts(recordMsg(2, { id: 'f', Message: 'Pump 2' })), false, 'a selection without Severity fails a set bound');
  });

  it('refuses a severity that is not a number with the same CONFIG error as the engine', () => {
    const resolved = resolveSelections(selections());
    assert.throws(() => recordFilter(filterOptions({ severityMin: 'high' }), resolved), { code: 'CONFIG', message: 'the lowest severity must be a number' });
    assert.throws(() => recordFilter(filterOptions({ severityMax: 'x' }), resolved), { code: 'CONFIG', message: 'the highest severity must be a number' });
    assert.equal(recordFilter(filterOptions({ severityMin: '', severityMax: '' }), resolved)(recordMsg(1, { id: 'a' })), true, 'blank bounds pass everything');
  });
});

describe('scada-events active-alarm list across a Node-RED restart (child process)', function () {
  this.timeout(120_000);

  let sim: MasterScadaSimulator;
  let userDir: string;
  let nodeRed: RunningNodeRed | undefined;
  let outFile: string;

  function flow(): unknown[] {
    return [
      { id: 'f1', type: 'tab', label: 'alarms' },
      { id: 'srv', type: 'masterscada-server', url: sim.url, timeout: 5, usetls: false, tls: '' },
      { id: 'ev', type: 'scada-events', z: 'f1', server: 'srv', pollInterval: 0.1, store: '', alarmList: true, outputs: 2, selections: selections(), x: 100, y: 100, wires: [[], ['fmt']] },
      { id: 'fmt', type: 'function', z: 'f1', func: 'msg.payload = JSON.stringify(msg.payload.map(function (p) { return p.eventId; }));\nreturn msg;', outputs: 1, x: 300, y: 100, wires: [['file']] },
      { id: 'file', type: 'file', z: 'f1', filename: outFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 500, y: 100, wires: [] },
    ];
  }

  const lists = (): string[][] =>
    existsSync(outFile)
      ? readFileSync(outFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as string[])
      : [];

  before(async () => {
    sim = await startSim({ accounts: { demo: PASSWORD } });
    userDir = mkdtempSync(join(tmpdir(), 'nr-scada-list-restart-'));
    outFile = join(userDir, 'out', 'lists.jsonl');
    const pkg = packageUnderTest();
    prepareUserDir({ userDir, modules: { [pkg.info.name]: pkg.dir }, flows: flow(), credentials: { srv: { username: 'demo', password: PASSWORD } } });
  });

  after(async () => {
    await nodeRed?.stop();
    await sim?.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('restores the list saved with the ack, so a restart neither empties it nor disagrees with the ack', async () => {
    const a = sim.raise({ message: 'one' });
    const b = sim.raise({ message: 'two' });
    nodeRed = await launchNodeRed({ userDir });
    await waitFor(() => lists().at(-1)?.length === 2, 'the list after the refresh', 30_000);
    await nodeRed.stop();
    nodeRed = undefined;
    const before = lists().length;
    const pollsBefore = acksSent(sim).length;
    const stored = new JsonFile(join(userDir, 'masterscada-cursors', 'ev.cursor')).read() as { ack: number; alarms: { entries: Array<[string, number | null, Payload]> } };
    assert.deepEqual(stored.alarms.entries.map((e) => e[2].eventId).sort(), [a.eventId, b.eventId].sort(), 'the cursor file holds the list');

    nodeRed = await launchNodeRed({ userDir });
    await waitFor(() => lists().length > before, 'the list after the restart', 30_000);
    // Sent from the stored copy: the resumed subscription has no refresh to rebuild it from.
    assert.deepEqual(new Set(lists()[before]), new Set([a.eventId, b.eventId]));
    const c = sim.raise({ message: 'three' });
    await waitFor(() => lists().at(-1)?.includes(c.eventId) === true, 'the new alarm', 10_000);
    assert.deepEqual(lists().at(-1), [c.eventId, b.eventId, a.eventId]);
    assert.equal(sim.requestsFor('CreateSubscription').length, 1, 'the subscription was resumed');
    assert.equal(sim.requestsFor('RefreshEvents').length, 1, 'no refresh after the restart');
    assert.equal(acksSent(sim)[pollsBefore], stored.ack, 'the first poll after the restart carries the ack stored with the list');
  });
});
