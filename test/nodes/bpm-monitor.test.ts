import assert from 'node:assert/strict';
import helper from 'node-red-node-test-helper';
import type { MonitoringFrame } from '../../src/sim/foresight/frames';
import { SEED } from '../../src/sim/foresight';
import type { ForesightSimulator } from '../../src/sim/foresight';
import type { ForesightServerNode } from '../../nodes/lib/foresight-connection';
import { startSim, waitFor } from '../helpers/foresight';
import foresightServer from '../../nodes/foresight-server';
import bpmMonitor from '../../nodes/bpm-monitor';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusNode = require('@node-red/nodes/core/common/25-status.js');

helper.init(require.resolve('node-red'));

interface Msg {
  workspace?: { stages: Array<{ steps: Array<{ states: number[] }> }> };
  topic?: string;
  payload?: unknown;
  instance?: { key: string; guid: string };
  url?: string;
  error?: { message: string; code?: string; source?: { id: string } };
  _error?: { code: string; message: string; retriable: boolean; serverCode?: string };
}

const PASSWORD = 'Pa55-w0rd-secret';

describe('bpm-monitor node', () => {
  let sim: ForesightSimulator;
  let received: Msg[];
  let caught: Msg[];
  let statuses: Array<{ fill?: string; text?: string }>;

  function flow(monitor: Record<string, unknown> = {}, server: Record<string, unknown> = {}): Array<Record<string, unknown>> {
    return [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'st1', type: 'status', z: 'f1', scope: ['mon'], wires: [['hs']] },
      { id: 'hs', type: 'helper', z: 'f1' },
      { id: 'srv', type: 'foresight-server', endpoint: sim.endpoint(), repository: SEED.repositoryId, transport: 'json', timeout: 5, ...server },
      { id: 'mon', type: 'bpm-monitor', z: 'f1', server: 'srv', processKey: SEED.processKey, instanceKey: '', instanceGuid: '', topic: '', wires: [['out']], ...monitor },
      { id: 'out', type: 'helper', z: 'f1' },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
    ];
  }

  async function load(monitor: Record<string, unknown> = {}, server: Record<string, unknown> = {}, creds: Record<string, Record<string, string>> = {}): Promise<void> {
    await helper.load([foresightServer, bpmMonitor, catchNode, statusNode], flow(monitor, server) as never, {
      srv: { username: 'demo', password: PASSWORD },
      ...creds,
    });
    helper.getNode('out').on('input', (msg: Msg) => received.push(msg));
    helper.getNode('hc').on('input', (msg: Msg) => caught.push(msg));
    helper.getNode('hs').on('input', (msg: Msg & { status?: { fill?: string; text?: string } }) => statuses.push(msg.status ?? {}));
  }

  const seq = (m: Msg): number => (m.payload as MonitoringFrame).seq;
  const lastStatus = (): string => statuses.at(-1)?.text ?? '';

  beforeEach(async () => {
    sim = await startSim({ users: { demo: PASSWORD } });
    received = [];
    caught = [];
    statuses = [];
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await sim.close();
  });

  it('should send one msg per socket message, in order, with topic, instance and url', async () => {
    await load();
    await waitFor(() => received.length === 1, 'the snapshot msg');
    for (let i = 0; i < 5; i += 1) sim.advance(SEED.instanceKey);
    await waitFor(() => received.length === 6, 'five more msgs');
    assert.deepEqual(received.map(seq), [1, 2, 3, 4, 5, 6]);
    const m = received[1];
    assert.equal(m.topic, `bpm/${SEED.instanceKey}`);
    assert.deepEqual(m.instance, { key: SEED.instanceKey, guid: SEED.instId });
    assert.equal(m.url, SEED.monitoringUrl);
    assert.equal((m.payload as MonitoringFrame).type, 'state');
    assert.equal(statuses.at(-1)?.fill, 'green');
    assert.equal(statuses.at(-1)?.text, 'bpm-monitor.status.connected');
  });

  it('should use the configured topic and speak SOAP when told to', async () => {
    await load({ topic: 'plant/bpm' }, { transport: 'soap' });
    await waitFor(() => received.length === 1, 'the snapshot msg');
    assert.equal(received[0].topic, 'plant/bpm');
    assert.ok(sim.requests.every((r) => r.format === 'soap'));
  });

  it('should add msg.workspace when asked to, and leave it out otherwise', async () => {
    await load({ workspace: true });
    await waitFor(() => received.length === 1, 'the snapshot msg');
    assert.deepEqual(received[0].workspace?.stages[0].steps.map((x) => x.states[0]), [2, 1]);
    await helper.unload();
    received = [];
    await load();
    await waitFor(() => received.length === 1, 'the snapshot msg');
    assert.equal(received[0].workspace, undefined);
  });

  it('should switch to the instance named in msg.payload.key', async () => {
    const second = sim.startInstance({ key: '98100', startDate: '01.01.2020 00:00:00' });
    await load();
    await waitFor(() => received.length === 1, 'the snapshot of the newest instance');
    helper.getNode('mon').receive({ payload: { key: '98100' } });
    await waitFor(() => received.length === 2, 'the snapshot of the second instance');
    assert.ok(statuses.some((st) => st.text === 'bpm-monitor.status.resolving'));
    assert.deepEqual(received[1].instance, { key: '98100', guid: second.instId });
    await waitFor(() => sim.openSockets === 1, 'the old socket closed');
    sim.advance(SEED.instanceKey);
    sim.advance('98100');
    await waitFor(() => received.length === 3, 'a frame of the second instance');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received.length, 3);
    assert.equal((received[2].payload as MonitoringFrame).instKey, '98100');
  });

  it('should switch to a numeric key with the given GUID without looking the GUID up, and send an unknown command to Catch', async () => {
    const second = sim.startInstance({ key: '98100', startDate: '01.01.2020 00:00:00' });
    await load();
    await waitFor(() => received.length === 1, 'the snapshot of the newest instance');
    const mark = sim.requests.length;
    helper.getNode('mon').receive({ payload: { key: 98100, guid: second.instId } });
    await waitFor(() => received.length === 2, 'the snapshot of the second instance');
    assert.deepEqual(received[1].instance, { key: '98100', guid: second.instId });
    assert.equal(received[1].topic, 'bpm/98100');
    assert.deepEqual(
      sim.requests.slice(mark).map((r) => r.op),
      ['OpenMonitoringWS'],
    );
    helper.getNode('mon').receive({ payload: 'bogus' });
    await waitFor(() => caught.length === 1, 'the refused command at Catch');
    assert.equal(caught[0].error?.code, 'CONFIG');
    assert.equal(received.length, 2);
  });

  it('should close on msg.action "close" and connect again on a "connect" payload', async () => {
    await load();
    await waitFor(() => received.length === 1, 'the snapshot msg');
    helper.getNode('mon').receive({ action: 'close' });
    await waitFor(() => sim.openSockets === 0 && lastStatus() === 'bpm-monitor.status.closed', 'closed');
    sim.advance(SEED.instanceKey);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received.length, 1);
    helper.getNode('mon').receive({ payload: 'connect' });
    await waitFor(() => sim.openSockets === 1 && received.length === 2, 'connected again');
  });

  it('should close on "close" while OpenBpmProcess is out (the call aborted), and end the session on the flow stop', async () => {
    sim.inject({ kind: 'slow', op: 'OpenBpmProcess', delayMs: 400 });
    await load();
    await waitFor(() => sim.callCount('OpenBpmProcess') === 1, 'OpenBpmProcess under way');
    helper.getNode('mon').receive({ action: 'close' });
    await waitFor(() => lastStatus() === 'bpm-monitor.status.closed', 'closed');
    assert.equal(sim.callCount('OpenMonitoringWS'), 0);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sim.openSockets, 0, 'nothing opened after the close');
    await helper.unload();
    // One instance's monitor aborts its own OpenBpmProcess, so the simulator opened nothing to close.
    const closes = sim.requests.filter((r) => r.op === 'CloseBpmProcess' || r.op === 'CloseMetabase').map((r) => `${r.op} ${r.status}`);
    assert.deepEqual(closes, ['CloseMetabase 200']);
    assert.equal(sim.liveSessions, 0);
  });

  it('should leave no socket, no session and no timer behind when the flow stops', async () => {
    await load();
    await waitFor(() => sim.openSockets === 1, 'connected');
    const session = (helper.getNode('srv') as unknown as ForesightServerNode).foresight!.session as unknown as { keepAliveTimer: unknown };
    assert.notEqual(session.keepAliveTimer, undefined, 'the monitor keeps the session alive while it runs');
    await helper.unload();
    assert.equal(session.keepAliveTimer, undefined, 'the keep-alive timer is gone');
    assert.equal(sim.openSockets, 0);
    assert.equal(sim.liveSessions, 0, 'CloseMetabase was sent');
    // Node-RED stops the config node together with its users: the process is closed first, inside the session.
    const closes = sim.requests.filter((r) => r.op === 'CloseBpmProcess' || r.op === 'CloseMetabase').map((r) => `${r.op} ${r.status}`);
    assert.deepEqual(closes, ['CloseBpmProcess 200', 'CloseMetabase 200']);
  });

  it('should show the reason and the countdown (red ring) after the socket drops, then connect again', async () => {
    await load();
    await waitFor(() => sim.openSockets === 1, 'connected');
    sim.dropSockets();
    await waitFor(() => /^bpm-monitor.status.retrying/.test(lastStatus()), 'retrying status');
    assert.equal(statuses.at(-1)?.fill, 'red');
    assert.equal((statuses.at(-1) as { shape?: string }).shape, 'ring');
    await waitFor(() => sim.openSockets === 1 && statuses.at(-1)?.fill === 'green', 'connected again', 8000);
    assert.equal(caught.length, 1);
    assert.equal(caught[0].error?.code, 'TRANSPORT');
  });

  it('should report a wrong process key to Catch once, with the code, and stop', async () => {
    await load({ processKey: '4711' });
    await waitFor(() => caught.length === 1, 'the error at the catch node');
    assert.equal(caught[0].error?.code, 'NOT_FOUND');
    assert.equal(caught[0].error?.source?.id, 'mon');
    assert.equal(caught[0]._error?.retriable, false);
    assert.match(caught[0].error?.message ?? '', /4711/);
    assert.equal(statuses.at(-1)?.fill, 'red');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(caught.length, 1);
  });

  it('should stop after a refused login (red dot, one CONFIG error, one OpenMetabase) and try once more on msg.action "connect"', async () => {
    const openings = (): number => sim.requests.filter((r) => r.op === 'OpenMetabase').length;
    await load({}, {}, { srv: { username: 'demo', password: `${PASSWORD}-wrong` } });
    await waitFor(() => caught.length === 1, 'the refusal at Catch');
    assert.equal(caught[0].error?.code, 'CONFIG');
    assert.equal(caught[0].error?.source?.id, 'mon');
    assert.ok(caught[0]._error?.serverCode, 'the server code is kept');
    assert.ok(!JSON.stringify(caught[0]).includes(PASSWORD));
    await waitFor(() => statuses.at(-1)?.fill === 'red', 'the red status');
    assert.equal((statuses.at(-1) as { shape?: string }).shape, 'dot');
    // Longer than the first backoff steps (1 s, 2 s): a timer retry would show here.
    await new Promise((r) => setTimeout(r, 2600));
    assert.equal(openings(), 1);
    assert.equal(caught.length, 1);
    helper.getNode('mon').receive({ action: 'connect' });
    await waitFor(() => caught.length === 2, 'the refusal of the new attempt');
    await new Promise((r) => setTimeout(r, 2600));
    assert.equal(openings(), 2);
    assert.equal(caught.length, 2);
    assert.equal(caught[1].error?.code, 'CONFIG');
    assert.equal(statuses.at(-1)?.fill, 'red');
    assert.equal((statuses.at(-1) as { shape?: string }).shape, 'dot');
  });

  it('should report unusable settings to a Catch node once the flow has started, without any input', async () => {
    await load({ processKey: '' });
    await waitFor(() => caught.length === 1, 'the settings error at the catch node');
    assert.equal(caught[0].error?.code, 'CONFIG');
    assert.equal(caught[0].error?.source?.id, 'mon');
    assert.match(caught[0].error?.message ?? '', /process object key/);
    assert.equal(statuses.at(-1)?.fill, 'red');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(caught.length, 1, 'reported once');
    assert.equal(sim.requests.length, 0);
  });

  it('should answer every input with the settings error when the process is not set', async () => {
    await load({ processKey: '' });
    helper.getNode('mon').receive({ payload: 'connect' });
    await waitFor(() => caught.length >= 1, 'the error at the catch node');
    assert.ok(caught.every((c) => /process object key/.test(c.error?.message ?? '') && c.error?.code === 'CONFIG'));
    assert.equal(statuses.at(-1)?.fill, 'red');
    assert.equal(sim.requests.length, 0);
  });

  it('should renew the session after it expires and go on sending msgs', async () => {
    await load();
    await waitFor(() => received.length === 1, 'the snapshot msg');
    sim.expireSessions();
    await waitFor(() => received.length === 2, 'a new snapshot after renewal', 8000);
    assert.equal(sim.requests.filter((r) => r.op === 'OpenMetabase').length, 2);
  });

  it('should never put the password or a moniker into logs, msgs or status', async () => {
    const pastedProcess = `${'ABCDEFGHIJKLGOAEABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP'}!M!S!BPABCDEFGHIJKLGOAEABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP`;
    await load();
    await waitFor(() => received.length === 1, 'the snapshot msg');
    const proc = sim.requests.find((r) => r.op === 'OpenMonitoringWS')!.params as { tObject: { id: string } };
    sim.inject({ op: 'OpenMonitoringWS', kind: 'fault', message: `Сбой операции для ${proc.tObject.id}` });
    sim.dropSockets();
    await waitFor(() => caught.length === 2, 'the dropped socket and the echoing fault at Catch', 8000);
    assert.match(caught[1].error?.message ?? '', /Сбой операции для \*\*\*/);
    sim.expireSessions();
    await waitFor(() => received.length === 2, 'renewed', 12000);
    // A second monitor with a dead pasted process moniker.
    await helper.unload();
    const before = { received: [...received], caught: [...caught] };
    received = [];
    caught = [];
    await load({ processKey: '' }, {}, { mon: { processMoniker: pastedProcess } });
    await waitFor(() => caught.some((c) => c.error?.code === 'SESSION'), 'the session error');
    received.push(...before.received);
    caught.push(...before.caught);
    const monikers = sim.requests.filter((r) => r.op === 'OpenMetabase' && r.status === 200).length;
    assert.ok(monikers >= 2);
    const logged = JSON.stringify(helper.log().args);
    const everything = logged + JSON.stringify(received) + JSON.stringify(caught) + JSON.stringify(statuses);
    const secrets = [PASSWORD, pastedProcess, 'ABCDEFGHIJKLGOAE'];
    for (const r of sim.requests) {
      const p = JSON.stringify(r.params);
      for (const m of p.match(/[A-P]{12}GOAE[A-P]{32}!M/g) ?? []) secrets.push(m);
    }
    for (const s of secrets) assert.ok(!everything.includes(s), `a secret leaked: ${s.slice(0, 8)}…`);
  });

  it('should not duplicate msgs after a "modified nodes" redeploy', async () => {
    await load();
    await waitFor(() => received.length === 1, 'the snapshot msg');
    const changed = flow({ topic: 'changed' });
    await helper.setFlows(changed as never, 'nodes');
    await waitFor(() => received.some((m) => m.topic === 'changed'), 'the snapshot after redeploy');
    await waitFor(() => sim.openSockets === 1, 'one socket');
    const before = received.length;
    sim.advance(SEED.instanceKey);
    await waitFor(() => received.length > before, 'a frame');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(received.length, before + 1);
  });
});
