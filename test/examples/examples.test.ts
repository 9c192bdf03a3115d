/**
 * Every shipped example deployed, one after the other, into a real Node-RED that has the real
 * notification nodes from npm (node-red-node-email, node-red-contrib-telegrambot, dev dependencies),
 * with the servers pointed at the simulators, a real SMTP server and a Bot API stand-in.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readExamples, type ExampleFile, type FlowNode } from '../../src/cli/demo-flows';
import { startForesightSimulator, type ForesightSimulator } from '../../src/sim/foresight';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { listenToDebug, startBotApi, startSmtpSink, type BotApiStandIn, type DebugListener, type SmtpSink } from './stand-ins';

const BOT_TOKEN = '123456:TEST-token';
/** Examples deployed by a test file of their own in this folder. */
const OWN_TEST_FILE = new Set(['masterscada/history-by-window.json']);

describe('examples: each one deployed into a real Node-RED with the real notification nodes', function () {
  this.timeout(120_000);
  let masterScada: MasterScadaSimulator;
  let foresight: ForesightSimulator;
  let smtp: SmtpSink;
  let bot: BotApiStandIn;
  let nodeRed: NodeRedRuntime;
  let debug: DebugListener;
  const examples = new Map<string, ExampleFile>();
  const tested = new Set<string>();

  before(async function () {
    for (const e of readExamples(join(packageUnderTest().info.root, 'examples'))) examples.set(e.name, e);
    masterScada = await startMasterScadaSimulator({ alarmRate: 0 });
    foresight = await startForesightSimulator({ stepMs: 0 });
    smtp = await startSmtpSink();
    bot = await startBotApi();
    nodeRed = await startNodeRedRuntime();
    const loaded = await nodeRed.apiJson<Array<{ module: string; types: string[] }>>('nodes');
    const types = loaded.flatMap((s) => s.types);
    for (const t of ['e-mail', 'telegram sender', 'telegram command']) assert.ok(types.includes(t), `Node-RED has the real ${t} node (installed from npm)`);
    debug = await listenToDebug(nodeRed.url);
  });

  after(async function () {
    debug?.close();
    await nodeRed?.stop();
    await masterScada?.close();
    await foresight?.close();
    await smtp?.close();
    await bot?.close();
  });

  afterEach(function () {
    // Between examples: no alarm of one example is news to the next.
    for (const e of masterScada.currentEvents()) {
      if (e.Active) masterScada.clear(e.eventId);
      if (!e.Acked) masterScada.acknowledge(e.eventId);
    }
  });

  /** Full deploy of one example, servers pointed at the stand-ins; resolves once the runtime polls. */
  async function deploy(name: string): Promise<FlowNode[]> {
    const example = examples.get(name);
    assert.ok(example, `example ${name} exists (have: ${[...examples.keys()].join(', ')})`);
    tested.add(name);
    const tab = { id: 'tab-under-test', type: 'tab', label: name };
    const nodes = example.nodes
      .filter((n) => n.type !== 'global-config')
      .map((n): FlowNode => {
        const node: FlowNode = { ...n };
        if (node.z) node.z = tab.id;
        if (node.type === 'masterscada-server') Object.assign(node, { url: masterScada.url, credentials: { username: 'demo', password: 'demo' } });
        if (node.type === 'foresight-server') Object.assign(node, { endpoint: foresight.endpoint(), credentials: { username: 'demo', password: 'demo' } });
        if (node.type === 'e-mail') Object.assign(node, { server: '127.0.0.1', port: String(smtp.port) });
        if (node.type === 'telegram bot') Object.assign(node, { baseapiurl: bot.url, pollinterval: 100, credentials: { token: BOT_TOKEN } });
        return node;
      });
    const before = masterScada.requestsFor('PublishEvents').length;
    const res = await nodeRed.api('flows', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([tab, ...nodes]),
    });
    assert.equal(res.status, 204, `deploy ${name}: ${await res.text()}`);
    if (nodes.some((n) => n.type === 'scada-events')) {
      await waitFor(() => masterScada.requestsFor('PublishEvents').length > before + 1, `${name}: scada-events polling`);
    }
    return nodes;
  }

  function byName(nodes: FlowNode[], type: string, name: string): FlowNode {
    const node = nodes.find((n) => n.type === type && n.name === name);
    assert.ok(node, `a ${type} named "${name}"`);
    return node;
  }

  async function press(inject: FlowNode): Promise<void> {
    const res = await nodeRed.api(`inject/${inject.id}`, { method: 'POST' });
    assert.equal(res.status, 200, `inject ${inject.name}`);
  }

  function errorsLogged(since: number): string[] {
    return nodeRed.lines.slice(since).filter((l) => /\[error\]/.test(l));
  }

  it('masterscada/alarms-to-debug: alarms reach the Debug sidebar; refresh and reset do what their buttons say; the ack position sits in a persistent store', async function () {
    const since = nodeRed.lines.length;
    const nodes = await deploy('masterscada/alarms-to-debug.json');
    const alarm = masterScada.raise({ sourceName: 'Pump 7', message: 'Pressure high' });
    await waitFor(() => debug.from('alarms').some((m) => m.includes(alarm.eventId) && m.includes('Pressure high')), 'the alarm in the Debug sidebar');
    // eslint-disable-next-line no-console
    console.log(`      a scada-events msg as the Debug sidebar shows it: ${debug.from('alarms').find((m) => m.includes(alarm.eventId))}`);
    const refreshes = masterScada.requestsFor('RefreshEvents').length;
    await press(byName(nodes, 'inject', 'refresh'));
    await waitFor(() => masterScada.requestsFor('RefreshEvents').length > refreshes, 'RefreshEvents after the refresh button');
    await waitFor(() => debug.from('alarms').some((m) => m.includes('"recType":"Refresh"')), 'Refresh records in the Debug sidebar');
    const subscriptions = masterScada.requestsFor('CreateSubscription').length;
    await press(byName(nodes, 'inject', 'reset'));
    await waitFor(() => masterScada.requestsFor('CreateSubscription').length > subscriptions, 'a new subscription after the reset button');
    assert.equal(byName(nodes, 'scada-events', '').store, 'file');
    assert.ok(!nodeRed.lines.slice(since).some((l) => /Unknown context store/.test(l)), 'the store "file" exists in the settings the README shows');
    assert.deepEqual(errorsLogged(since), []);
  });

  it('masterscada/new-alarms-as-text: one text per new active alarm; clearing an unacknowledged alarm sends no alarm', async function () {
    const nodes = await deploy('masterscada/new-alarms-as-text.json');
    assert.ok(nodes.length > 0);
    const alarm = masterScada.raise({ sourceName: 'Tank 3', message: 'Level low', severity: 700 });
    await waitFor(() => debug.from('send this').some((m) => m.includes('Level low')), 'the alarm text');
    assert.equal(debug.from('send this').filter((m) => m.includes('Level low')).length, 1);
    assert.match(debug.from('send this').find((m) => m.includes('Level low'))!, /^ALARM Tank 3: Level low \(severity 700/);
    masterScada.clear(alarm.eventId);
    await waitFor(() => debug.from('cleared').some((m) => m.includes('Level low')), 'the cleared text');
    // Let a few more polls pass: the cleared record must not come out as an alarm.
    await polls(3);
    assert.equal(debug.from('send this').filter((m) => m.includes('Level low')).length, 1, 'a second "ALARM" line for a cleared alarm');
  });

  it('notifications/alarms-to-email: a real mail per new active alarm (subject = alarm text, fields in the body), a "Cleared" mail, no alarm mail on clearing', async function () {
    const since = nodeRed.lines.length;
    await deploy('notifications/alarms-to-email.json');
    const alarm = masterScada.raise({ sourceName: 'Boiler 2', message: 'Temperature high', severity: 900 });
    await waitFor(() => smtp.mails.some((m) => m.subject.includes('Temperature high')), 'the alarm mail');
    const mail = smtp.mails.find((m) => m.subject.includes('Temperature high'))!;
    assert.equal(mail.subject, 'ALARM Boiler 2: Temperature high');
    assert.match(mail.text, /Message: Temperature high/);
    assert.match(mail.text, /Severity: 900/);
    assert.match(mail.text, new RegExp(`eventId: ${alarm.eventId}`));
    assert.match(mail.text, /Active: true/);
    assert.equal(mail.to, 'operator@example.com');
    masterScada.clear(alarm.eventId);
    await waitFor(() => smtp.mails.some((m) => m.subject === 'Cleared Boiler 2: Temperature high'), 'the cleared mail');
    await polls(3);
    assert.equal(smtp.mails.filter((m) => m.subject.startsWith('ALARM') && m.subject.includes('Temperature high')).length, 1, 'alarm mails for one alarm');
    assert.deepEqual(errorsLogged(since), []);
  });

  it('notifications/alarms-to-telegram: the alarm text reaches the Bot API; clearing sends "Cleared", never a second alarm', async function () {
    const since = nodeRed.lines.length;
    await deploy('notifications/alarms-to-telegram.json');
    const alarm = masterScada.raise({ sourceName: 'Valve 9', message: 'Stuck open', severity: 500 });
    await waitFor(() => bot.sent().some((c) => c.params.text?.includes('Stuck open')), 'sendMessage with the alarm text');
    const sent = bot.sent().find((c) => c.params.text?.includes('Stuck open'))!;
    assert.equal(sent.token, BOT_TOKEN);
    assert.equal(sent.params.text, 'ALARM Valve 9: Stuck open (severity 500)');
    assert.equal(sent.params.chat_id, '123456789');
    masterScada.clear(alarm.eventId);
    await waitFor(() => bot.sent().some((c) => c.params.text === 'Cleared Valve 9: Stuck open'), 'sendMessage "Cleared"');
    await polls(3);
    assert.equal(bot.sent().filter((c) => c.params.text?.startsWith('ALARM') && c.params.text.includes('Stuck open')).length, 1);
    assert.deepEqual(errorsLogged(since), []);
  });

  it('notifications/telegram-command-refresh: /refresh from a chat makes scada-events refresh and answers that chat with the current alarms', async function () {
    await deploy('notifications/telegram-command-refresh.json');
    await waitFor(() => bot.calls.filter((c) => c.method === 'getUpdates').length > 2, 'the bot polling the Bot API stand-in');
    const alarm = masterScada.raise({ sourceName: 'Fan 1', message: 'Vibration' });
    const refreshes = masterScada.requestsFor('RefreshEvents').length;
    bot.userSays('/refresh', 777);
    await waitFor(() => masterScada.requestsFor('RefreshEvents').length > refreshes, 'RefreshEvents after /refresh');
    await waitFor(() => bot.sent().some((c) => c.params.chat_id === '777' && c.params.text?.includes('Vibration')), 'the current alarm sent to the chat that asked');
    assert.ok(alarm.eventId);
  });

  it('foresight/step-changes-to-email: a step changing state sends a mail naming the process, instance and step', async function () {
    const since = nodeRed.lines.length;
    await deploy('foresight/step-changes-to-email.json');
    await waitFor(() => foresight.openSockets > 0, 'the monitor connected');
    await waitFor(() => nodeRed.lines.length > 0, '');
    const before = smtp.mails.length;
    // The first frame sets the baseline; each advance then changes step states.
    for (let i = 0; i < 3 && smtp.mails.length === before; i++) {
      await new Promise((r) => setTimeout(r, 500));
      foresight.advance();
      await waitFor(() => smtp.mails.length > before, 'a step-change mail', 5000).catch(() => undefined);
    }
    const mail = smtp.mails[before];
    assert.ok(mail, 'a step-change mail arrived');
    assert.match(mail.subject, /^Process .+ \(instance \d+\): .+: (waiting|running|completed) -> (waiting|running|completed)$/);
    assert.match(mail.text, /All steps:/);
    assert.equal(mail.to, 'process-owner@example.com');
    assert.deepEqual(errorsLogged(since), []);
  });

  it('foresight/monitor-process: frames reach the Debug sidebar', async function () {
    await deploy('foresight/monitor-process.json');
    await waitFor(() => foresight.openSockets > 0, 'the monitor connected');
    foresight.advance();
    await waitFor(() => debug.from('process updates').length > 0, 'a frame in the Debug sidebar');
    // eslint-disable-next-line no-console
    console.log(`      a bpm-monitor msg as the Debug sidebar shows it: ${debug.from('process updates')[0]!.slice(0, 1500)}`);
  });

  it('should have deployed every shipped example', function () {
    assert.deepEqual([...examples.keys()].filter((n) => !tested.has(n) && !OWN_TEST_FILE.has(n)), [], 'examples without a deploy test');
  });

  /** Waits until the runtime has answered `n` more PublishEvents. */
  async function polls(n: number): Promise<void> {
    const target = masterScada.requestsFor('PublishEvents').length + n;
    await waitFor(() => masterScada.requestsFor('PublishEvents').length >= target, `${n} more polls`);
  }
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
