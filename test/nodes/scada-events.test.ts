import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import type { NodeAPI } from 'node-red';
import type { MasterScadaSimulator } from '../../src/sim/masterscada';
import { acksSent, startSim, waitFor } from '../helpers/masterscada';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import masterScadaServer = require('../../nodes/masterscada-server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import scadaEventsModule = require('../../nodes/scada-events');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusNode = require('@node-red/nodes/core/common/25-status.js');

helper.init(require.resolve('node-red'));

/**
 * The test runtime's `RED._` returns the bare key. For a text with parameters this one returns the
 * key's last part and the values ("events 3 14:05:09"), so a status shows the numbers it carries.
 */
const scadaEvents = (RED: NodeAPI): void =>
  scadaEventsModule(Object.assign(Object.create(RED) as NodeAPI, { _: (key: string, params?: Record<string, unknown>) => (params ? [key.slice(key.lastIndexOf('.') + 1), ...Object.values(params)].join(' ') : key) }));

interface Msg {
  topic?: string;
  payload?: Record<string, unknown> & { raw?: Record<string, unknown> };
  recType?: string;
  eventId?: string;
  clientHandle?: number;
  sequenceNumber?: number;
  serverTime?: string;
  control?: string;
  error?: { message: string; code?: string; source?: { id: string } };
  _error?: { code: string; message: string; retriable: boolean; serverCode?: string };
}

const PASSWORD = 'Pa55-w0rd-secret';

describe('scada-events node', () => {
  let userDir: string;
  let sim: MasterScadaSimulator;
  let received: Msg[];
  let caught: Msg[];
  let statuses: Array<{ fill?: string; text?: string }>;

  function flow(events: Record<string, unknown> = {}, server: Record<string, unknown> = {}): Array<Record<string, unknown>> {
    return [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'srv', type: 'masterscada-server', url: sim.url, timeout: 2, ...server },
      {
        id: 'ev',
        type: 'scada-events',
        z: 'f1',
        name: 'alarms',
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
              { id: 2, name: 'Time' },
              { id: 3, name: 'Message' },
              { id: 4, name: 'Severity' },
              { id: 5, name: 'Active' },
            ],
          },
        ],
        wires: [['out']],
        ...events,
      },
      { id: 'out', type: 'helper', z: 'f1' },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['hc']] },
      { id: 'hc', type: 'helper', z: 'f1' },
      { id: 'st1', type: 'status', z: 'f1', scope: ['ev'], wires: [['hs']] },
      { id: 'hs', type: 'helper', z: 'f1' },
    ];
  }

  const attached = new WeakSet<object>();
  /** Listen on the sink nodes; after a "modified nodes" deploy only the restarted ones are new. */
  function attach(): void {
    const listen = (id: string, fn: (msg: object) => void): void => {
      const n = helper.getNode(id);
      if (!n || attached.has(n)) return;
      attached.add(n);
      n.on('input', fn);
    };
    listen('out', (msg) => received.push(msg as Msg));
    listen('hc', (msg) => caught.push(msg as Msg));
    listen('hs', (msg) => statuses.push((msg as { status?: { fill?: string; text?: string } }).status ?? {}));
  }

  async function load(events: Record<string, unknown> = {}, server: Record<string, unknown> = {}, password = PASSWORD): Promise<void> {
    await helper.load([masterScadaServer, scadaEvents, catchNode, statusNode], flow(events, server) as never, {
      srv: { username: 'demo', password },
    });
    attach();
  }

  const records = (): Msg[] => received.filter((m) => !m.control);
  const lastStatus = (): string => statuses.at(-1)?.text ?? '';

  beforeEach(async () => {
    sim = await startSim({ accounts: { demo: PASSWORD } });
    received = [];
    caught = [];
    statuses = [];
    userDir = mkdtempSync(join(tmpdir(), 'scada-events-userdir-'));
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(userDir, { recursive: true, force: true });
    await sim.close();
  });

  it('should send one msg per record and one per deleted eventId, with the documented properties', async () => {
    const first = sim.raise({ message: 'Авария насоса', severity: 900 });
    await load();
    await waitFor(() => records().length === 1, 'the refresh msg');
    const refresh = records()[0];
    assert.equal(refresh.recType, 'Refresh');
    assert.equal(refresh.eventId, first.eventId);
    assert.equal(refresh.topic, '0/0');
    assert.equal(refresh.clientHandle, 1);
    assert.equal(refresh.sequenceNumber, 1);
    assert.match(refresh.serverTime ?? '', /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.deepEqual(Object.keys(refresh.payload!).sort(), ['Active', 'Message', 'Severity', 'Time', 'eventId', 'raw']);
    assert.equal(refresh.payload!.Message, 'Авария насоса');
    assert.equal(refresh.payload!.Severity, 900);
    assert.equal(refresh.payload!.Time, new Date(first.Time).toISOString());
    assert.deepEqual(refresh.payload!.raw, { Time: String(first.Time) });

    const second = sim.raise({ message: 'Превышение уставки' });
    sim.clear(first.eventId);
    sim.acknowledge(first.eventId);
    await waitFor(() => records().length === 4, 'two updates and a deletion');
    const [, update, cleared, deleted] = records();
    assert.deepEqual([update.recType, update.eventId, update.payload!.Active], ['Update', second.eventId, true]);
    assert.deepEqual([cleared.recType, cleared.eventId, cleared.payload!.Active], ['Update', first.eventId, false]);
    assert.deepEqual([deleted.recType, deleted.eventId, deleted.payload, deleted.clientHandle, deleted.topic], ['Deleted', first.eventId, { eventId: first.eventId }, 1, '0/0']);
    assert.equal(typeof deleted.sequenceNumber, 'number');
    await waitFor(() => /^events \d+ \d\d:\d\d:\d\d$/.test(lastStatus()), 'a status with the event count');
    assert.ok(statuses.some((st) => st.fill === 'yellow' && st.text === 'scada-events.status.connecting'), 'connecting status');
    assert.deepEqual(caught, []);
  });

  it('should resume the same subscription from the stored ack after a "modified nodes" redeploy, with no loss and no duplicate', async () => {
    sim.raise();
    await load();
    await waitFor(() => records().length === 1, 'first msg');
    await waitFor(() => acksSent(sim).includes(1), 'ack 1 sent');
    const changed = flow({ name: 'alarms (renamed)' });
    await helper.setFlows(changed as never, 'nodes');
    attach();
    const during = [sim.raise(), sim.raise()];
    await waitFor(() => records().length === 3, 'the two new alarms');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(records().slice(1).map((m) => [m.recType, m.eventId]), during.map((e) => ['Update', e.eventId]));
    assert.equal(sim.requestsFor('CreateSubscription').length, 1, 'no new subscription');
    assert.equal(sim.requestsFor('Login').length, 1, 'no new login');
    assert.deepEqual(received.filter((m) => m.control).map((m) => [m.control, m.payload?.reason]), [['resubscribed', 'new']], 'only the start-up notice, none after the deploy');
    assert.equal(acksSent(sim).filter((a) => a === undefined).length, 1, 'only the very first poll went without an ack');
    const ids = records().map((m) => m.eventId);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
  });

  it('should start a new subscription and delete the old one when the selections changed on redeploy', async () => {
    sim.raise();
    await load();
    await waitFor(() => records().length === 1, 'first msg');
    const changed = flow();
    const ev = changed.find((n) => n.id === 'ev') as { selections: Array<{ fields: unknown[] }> };
    ev.selections[0].fields.push({ id: 6, name: 'Acked' });
    await helper.setFlows(changed as never, 'nodes');
    attach();
    await waitFor(() => records().length === 2, 'refresh from the new subscription');
    assert.deepEqual(sim.requestsFor('DeleteSubscription').map((r) => (r.body as { subscriptionId: number }).subscriptionId), [1]);
    assert.equal(sim.requestsFor('CreateSubscription').length, 2);
    assert.equal(records()[1].payload!.Acked, false);
    assert.equal(sim.subscriptionCount, 1);
  });

  it('should subscribe again, refresh, and say so in a msg and the status when the server lost the subscription', async () => {
    const alarm = sim.raise();
    await load({ pollInterval: 0.2 });
    await waitFor(() => records().length === 1, 'first msg');
    sim.loseSubscriptions();
    await waitFor(() => received.some((m) => m.control === 'resubscribed' && m.payload?.reason === 'subscription-lost'), 'resubscribe notice');
    const notice = received.find((m) => m.control === 'resubscribed' && m.payload?.reason === 'subscription-lost')!;
    assert.equal(notice.topic, 'resubscribed');
    assert.ok(statuses.some((s) => s.text === 'scada-events.status.resubscribed' && s.fill === 'yellow'));
    await waitFor(() => records().some((m) => m.recType === 'Refresh' && m.eventId === alarm.eventId && m !== records()[0]), 'refreshed alarm');
  });

  it('should say so in a msg and the status when packets were lost, then send the current alarms again', async () => {
    await sim.close();
    sim = await startSim({ accounts: { demo: PASSWORD }, packetSize: 1 });
    const first = sim.raise();
    await load();
    await waitFor(() => acksSent(sim).includes(1), 'ack 1 sent');
    const lost = sim.raise();
    const kept = sim.raise();
    sim.overflowQueues();
    await waitFor(() => received.some((m) => m.control === 'gap'), 'gap notice');
    const notice = received.find((m) => m.control === 'gap')!;
    const { from, to, ...rest } = notice.payload as Record<string, unknown>;
    assert.deepEqual([notice.topic, rest], ['gap', { expected: 2, received: 3, subscriptionId: 1, recovered: 1, archiveComplete: true }]);
    assert.ok(typeof from === 'string' && typeof to === 'string', 'the window read');
    assert.deepEqual(records().filter((m) => m.recType === 'Archive').map((m) => m.eventId), [lost.eventId], 'the lost alarm recovered from the archive, marked');
    assert.ok(statuses.some((st) => st.fill === 'yellow' && st.text === 'scada-events.status.gap'));
    await waitFor(() => records().filter((m) => m.recType === 'Refresh').length === 4, 'the refreshed alarms');
    assert.deepEqual(records().filter((m) => m.recType === 'Update').map((m) => m.eventId), [kept.eventId]);
    assert.deepEqual(new Set(records().filter((m) => m.recType === 'Refresh').map((m) => m.eventId)), new Set([first.eventId, lost.eventId, kept.eventId]));
  });

  it('should refresh on msg.action "refresh" and reset on payload "reset"', async () => {
    sim.raise();
    await load();
    await waitFor(() => records().length === 1, 'first msg');
    helper.getNode('ev').receive({ action: 'refresh' });
    await waitFor(() => records().length === 2, 'refresh msg');
    assert.equal(records()[1].recType, 'Refresh');
    helper.getNode('ev').receive({ payload: 'reset' });
    await waitFor(() => records().length === 3, 'msg after reset');
    assert.equal(sim.requestsFor('DeleteSubscription').length, 1);
    assert.equal(sim.requestsFor('CreateSubscription').length, 2);
    assert.equal(records()[2].sequenceNumber, 1, 'a new subscription starts its numbering again');
  });

  it('should stop on a rejected login: red status, one CONFIG error in Catch, no further login until msg.action "connect"', async () => {
    await load({}, {}, 'wrong-password');
    await waitFor(() => caught.length === 1, 'caught error');
    const err = caught[0];
    assert.equal(err.error?.code, 'CONFIG');
    assert.equal(err.error?.source?.id, 'ev');
    assert.match(err.error?.message ?? '', /BadUserAccessDenied/);
    assert.equal(err._error?.serverCode, 'BadUserAccessDenied');
    assert.equal(err._error?.retriable, false);
    // Not retried: a red dot with the reason in words, no countdown.
    await waitFor(() => statuses.some((s) => s.fill === 'red' && (s as { shape?: string }).shape === 'dot' && /^failed scada-events\.status\.reason\.CONFIG$/.test(s.text ?? '')), 'failed status with the reason');
    // The default backoff would have tried again after about 1 s.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(sim.requestsFor('Login').length, 1, 'no second login attempt');
    assert.equal(caught.length, 1, 'one error');
    helper.getNode('ev').receive({ action: 'connect' });
    await waitFor(() => sim.requestsFor('Login').length === 2, 'a login on "connect"');
    await waitFor(() => caught.length === 2, 'the second refusal reported');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(sim.requestsFor('Login').length, 2, 'again no retry');
  });

  it('should send a selection without eventId to Catch and show a red status, without contacting the server', async () => {
    await load({ selections: [{ clientHandle: 1, fields: [{ id: 3, name: 'Message' }] }] });
    await waitFor(() => caught.length === 1, 'config error');
    assert.equal(caught[0].error?.code, 'CONFIG');
    assert.match(caught[0].error?.message ?? '', /eventId/);
    await waitFor(() => statuses.at(-1)?.fill === 'red', 'red status');
    assert.equal(sim.requests.length, 0);
  });

  it('should send a failed refresh to Catch with the msg that asked for it, and keep polling', async () => {
    await load();
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'polling');
    sim.inject({ kind: 'http500', method: 'RefreshEvents' });
    helper.getNode('ev').receive({ payload: 'refresh', topic: 'operator' });
    await waitFor(() => caught.some((m) => m.topic === 'operator'), 'the refresh failure');
    const failure = caught.find((m) => m.topic === 'operator')!;
    assert.equal(failure.payload as unknown, 'refresh');
    assert.equal(failure.error?.code, 'HTTP_STATUS');
    assert.match(failure.error?.message ?? '', /500/);
    assert.equal(failure.error?.source?.id, 'ev');
    const polls = sim.requestsFor('PublishEvents').length;
    await waitFor(() => sim.requestsFor('PublishEvents').length > polls, 'polling after the failure', 5000);
  });

  it('should send an unknown command to Catch with the msg', async () => {
    await load();
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'polling');
    helper.getNode('ev').receive({ payload: 'explode', topic: 'cmd' });
    await waitFor(() => caught.length === 1, 'command error');
    assert.match(caught[0].error?.message ?? '', /unknownAction/);
    assert.equal(caught[0].topic, 'cmd');
  });

  it('should show the reason and a whole-second countdown (red ring) for a failure that may pass, and polling again once it did', async () => {
    await load();
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'polling');
    sim.inject({ kind: 'http500', method: 'PublishEvents' });
    await waitFor(() => statuses.some((s) => s.fill === 'red' && (s as { shape?: string }).shape === 'ring' && /^retrying scada-events\.status\.reason\.HTTP_STATUS \d+$/.test(s.text ?? '')), 'retry status');
    await waitFor(() => lastStatus() === 'scada-events.status.polling', 'polling again', 5000);
    assert.equal(caught.length, 1);
    assert.equal(caught[0].error?.code, 'HTTP_STATUS');
    assert.equal(caught[0]._error?.retriable, true);
  });

  it('should never write the password or the session id to the log', async () => {
    await load();
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'polling');
    const sessionId = String((sim.requestsFor('PublishEvents')[0].body as { sessionId: string }).sessionId);
    sim.inject({ kind: 'raw', method: 'PublishEvents', body: `session ${sessionId} password ${PASSWORD} broken` });
    sim.inject({ kind: 'raw', method: 'PublishEvents', status: 500, body: `<h1>${sessionId}</h1>` });
    await waitFor(() => caught.length >= 2, 'two errors');
    const logged = JSON.stringify(helper.log().args) + JSON.stringify(caught) + JSON.stringify(statuses);
    assert.ok(logged.includes('BAD_RESPONSE'), 'errors were logged');
    assert.ok(!logged.includes(PASSWORD), 'password in the log');
    assert.ok(!logged.includes(sessionId), 'session id in the log');
  });

  it('should not warn about a memory-only context store while its cursor file works', async () => {
    await load();
    await waitFor(() => sim.requestsFor('PublishEvents').length > 1, 'polling');
    await helper.setFlows(flow({ name: 'again' }) as never, 'full');
    await waitFor(() => sim.requestsFor('PublishEvents').length > 4, 'polling after a full deploy');
    const warnings = helper.log().args.filter((a: Array<{ level?: number; msg?: unknown }>) => String(a[0]?.msg).includes('scada-events.warnings.memoryStore'));
    assert.equal(warnings.length, 0);
  });

  it('should stop sending requests and leave no socket open after close', async () => {
    await load();
    await waitFor(() => sim.requestsFor('PublishEvents').length > 2, 'polling');
    await helper.unload();
    const count = sim.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(sim.requests.length, count, 'requests after close');
    await waitFor(() => sim.openConnections === 0, 'sockets closed');
    assert.equal(sim.requestsFor('Logout').length, 0, 'a redeploy or restart keeps the session for resuming');
  });

  it('should delete its subscription when the node is removed, and log out when the server node is removed', async () => {
    await load();
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'polling');
    await helper.setFlows(flow().filter((n) => n.id !== 'ev') as never, 'nodes');
    await waitFor(() => sim.requestsFor('DeleteSubscription').length === 1, 'subscription deleted');
    await helper.setFlows(flow().filter((n) => n.id !== 'ev' && n.id !== 'srv') as never, 'nodes');
    await waitFor(() => sim.requestsFor('Logout').length === 1, 'logout');
    assert.equal(sim.sessionCount, 0);
  });

  it('should delete its subscription before the server node logs out when both are removed in one deploy', async () => {
    // In the node's own flow, Node-RED stops the server node in the same pass as the node.
    await load({}, { z: 'f1' });
    await waitFor(() => sim.requestsFor('PublishEvents').length > 0, 'polling');
    await helper.setFlows(flow({}, { z: 'f1' }).filter((n) => n.id !== 'ev' && n.id !== 'srv') as never, 'nodes');
    await waitFor(() => sim.requestsFor('Logout').length === 1, 'logout');
    const order = sim.requests.map((r) => r.method).filter((m) => m === 'DeleteSubscription' || m === 'Logout');
    assert.deepEqual(order, ['DeleteSubscription', 'Logout'], `the server node waits for its user: ${JSON.stringify(sim.requests.slice(-6).map((r) => r.method))}`);
    assert.equal(sim.sessionCount, 0);
  });

  it('should share one login between two nodes using the same server', async () => {
    sim.raise();
    const base = flow();
    const second = { ...(base.find((n) => n.id === 'ev') as Record<string, unknown>), id: 'ev2', wires: [['out']] };
    await helper.load([masterScadaServer, scadaEvents, catchNode, statusNode], [...base, second] as never, { srv: { username: 'demo', password: PASSWORD } });
    attach();
    await waitFor(() => records().length === 2, 'one msg from each node');
    assert.equal(sim.requestsFor('Login').length, 1);
    assert.equal(sim.requestsFor('CreateSubscription').length, 2);
  });

  it('should resume the same session and subscriptions after a full deploy with stock settings, replaying nothing', async () => {
    sim.raise();
    const base = flow();
    const ev = base.find((n) => n.id === 'ev') as Record<string, unknown>;
    const nodes = [...base, { ...ev, id: 'ev2' }, { ...ev, id: 'ev3' }];
    await helper.load([masterScadaServer, scadaEvents, catchNode, statusNode], nodes as never, { srv: { username: 'demo', password: PASSWORD } });
    attach();
    await waitFor(() => records().length === 3, 'one refresh msg from each node');
    await waitFor(() => acksSent(sim).filter((a) => a === 1).length >= 3, 'each node acknowledged its first packet');
    const before = received.length;
    // A full deploy recreates every node, the config node too, and (no contextStorage) wipes node context.
    await helper.setFlows(nodes.map((n) => (n.id === 'ev' ? { ...n, name: 'renamed' } : n)) as never, 'full');
    attach();
    const fresh = sim.raise();
    await waitFor(() => received.length === before + 3, 'the new alarm once on each node');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = received.slice(before);
    assert.deepEqual(after.map((m) => [m.recType, m.eventId]), [0, 1, 2].map(() => ['Update', fresh.eventId]), 'no Refresh replay, no notice');
    assert.equal(sim.requestsFor('Login').length, 1, 'no new login');
    assert.equal(sim.requestsFor('CreateSubscription').length, 3, 'no new subscription');
    assert.equal(sim.subscriptionCount, 3, 'three live subscriptions, not six');
    assert.equal(sim.requestsFor('Logout').length, 0, 'the server node did not log out on the deploy');
  });

  it('should fall back to the poll interval and warn once when the runtime says hasMore without progress', async () => {
    await load({ pollInterval: 0.1 });
    await waitFor(() => sim.requestsFor('PublishEvents').length > 1, 'polling');
    const start = sim.requestsFor('PublishEvents').length;
    sim.inject({ kind: 'raw', method: 'PublishEvents', times: 100_000, body: JSON.stringify({ code: 0, subscriptionId: 1, hasMore: true, serverTime: '1' }) });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const polls = sim.requestsFor('PublishEvents').length - start;
    // About 15 at one poll per 0.1 s; a tight loop makes thousands.
    assert.ok(polls < 60, `${polls} polls in 1.5 s`);
    const warns = helper.log().args.filter((a: Array<{ msg?: unknown }>) => /hasMore/.test(String(a[0]?.msg)));
    assert.equal(warns.length, 1, 'warned once');
  });

  it('should finish closing within Node-RED\'s close limit when the node and its server are deleted while the runtime hangs', async () => {
    await helper.unload();
    helper.settings({ userDir, nodeCloseTimeout: 5000 } as never);
    // A request timeout far beyond the close limit, so only the node's own limits can end the close in time.
    await load({}, { timeout: 60 });
    await waitFor(() => sim.requestsFor('PublishEvents').length > 1, 'polling');
    // From now on every answer takes 30 s.
    sim.inject({ kind: 'delay', delayMs: 30_000, times: 1000 });
    await waitFor(() => sim.requests.at(-1)?.fault === 'delay', 'a hung request');
    await helper.setFlows(flow().filter((n) => n.id !== 'ev' && n.id !== 'srv') as never, 'nodes');
    await waitFor(() => sim.requestsFor('Logout').length === 1, 'logout tried');
    const stopErrors = helper.log().args.filter((a: Array<{ msg?: unknown }>) => /stopping-error|Close timed out/.test(JSON.stringify(a[0] ?? '')));
    assert.deepEqual(stopErrors, [], 'a close ran past the 5 s limit');
    assert.equal(sim.requestsFor('DeleteSubscription').length, 1, 'the subscription delete was tried');
  });
});
