/**
 * The example notifications/telegram-ack deployed into a real Node-RED with the real Telegram nodes
 * (node-red-contrib-telegrambot, a dev dependency) pointed at the local Bot API stand-in, and the
 * MasterSCADA simulator: "ack <eventId>" from a chat acknowledges the alarm and the bot answers.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readExamples, type FlowNode } from '../../src/cli/demo-flows';
import { startMasterScadaSimulator, type MasterScadaSimulator } from '../../src/sim/masterscada';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { startBotApi, type BotApiStandIn } from './stand-ins';

const BOT_TOKEN = '654321:ACK-token';
const EXAMPLE = 'notifications/telegram-ack.json';

describe('example notifications/telegram-ack: "ack <eventId>" from Telegram acknowledges the alarm (real Node-RED, real Telegram nodes)', function () {
  this.timeout(120_000);
  let sim: MasterScadaSimulator;
  let bot: BotApiStandIn;
  let nodeRed: NodeRedRuntime;
  let since = 0;

  before(async function () {
    const example = readExamples(join(packageUnderTest().info.root, 'examples')).find((e) => e.name === EXAMPLE);
    assert.ok(example, `${EXAMPLE} is shipped`);
    sim = await startMasterScadaSimulator({ alarmRate: 0 });
    bot = await startBotApi();
    nodeRed = await startNodeRedRuntime();
    since = nodeRed.lines.length;
    const tab = { id: 'tab-under-test', type: 'tab', label: EXAMPLE };
    const nodes = example.nodes
      .filter((n) => n.type !== 'global-config')
      .map((n): FlowNode => {
        const node: FlowNode = { ...n };
        if (node.z) node.z = tab.id;
        if (node.type === 'masterscada-server') Object.assign(node, { url: sim.url, credentials: { username: 'demo', password: 'demo' } });
        if (node.type === 'telegram bot') Object.assign(node, { baseapiurl: bot.url, pollinterval: 100, credentials: { token: BOT_TOKEN } });
        return node;
      });
    assert.ok(nodes.some((n) => n.type === 'scada-ack'), 'the example uses scada-ack');
    const res = await nodeRed.api('flows', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([tab, ...nodes]),
    });
    assert.equal(res.status, 204, `deploy: ${await res.text()}`);
    await waitFor(() => bot.calls.filter((c) => c.method === 'getUpdates').length > 2, 'the bot polling the Bot API stand-in');
  });

  after(async function () {
    await nodeRed?.stop();
    await sim?.close();
    await bot?.close();
  });

  const repliesTo = (chat: number): string[] => bot.sent().filter((c) => c.params.chat_id === String(chat)).map((c) => c.params.text ?? '');

  it('should acknowledge the alarm named in the chat, with the sender as the comment, and answer that chat', async function () {
    const alarm = sim.raise({ sourceName: 'Pump 4', message: 'Overload' });
    bot.userSays(`ack ${alarm.eventId}`, 555);
    await waitFor(() => repliesTo(555).length > 0, 'the answer to chat 555');
    assert.deepEqual(repliesTo(555), [`Acknowledged: ${alarm.eventId}`]);
    const now = sim.currentEvents().find((e) => e.eventId === alarm.eventId);
    assert.equal(now?.Acked, true);
    assert.equal(now?.Comment, 'Telegram: @operator');
    assert.equal(bot.sent().at(-1)?.token, BOT_TOKEN);
  });

  it('should answer per event when an id is unknown (the Catch path), acknowledging the known one', async function () {
    const alarm = sim.raise({ message: 'Level low' });
    bot.userSays(`ack NO-SUCH-ID ${alarm.eventId}`, 556);
    await waitFor(() => repliesTo(556).length > 0, 'the answer to chat 556');
    assert.deepEqual(repliesTo(556), [`NO-SUCH-ID: NOT acknowledged (BadEventIdUnknown)\n${alarm.eventId}: acknowledged`]);
    assert.equal(sim.currentEvents().find((e) => e.eventId === alarm.eventId)?.Acked, true);
  });

  it('should answer with the reason when the runtime refuses the call, leaving the alarm unacknowledged', async function () {
    const alarm = sim.raise({ message: 'Door open' });
    sim.inject({ kind: 'raw', method: 'Acknowledge', body: JSON.stringify({ code: 'OpcUa_BadUserAccessDenied', errorText: 'operator may not acknowledge' }) });
    bot.userSays(`ack ${alarm.eventId}`, 557);
    await waitFor(() => repliesTo(557).length > 0, 'the answer to chat 557');
    assert.deepEqual(repliesTo(557), ['Not acknowledged (SERVER): Acknowledge failed with BadUserAccessDenied (operator may not acknowledge)']);
    assert.equal(sim.currentEvents().find((e) => e.eventId === alarm.eventId)?.Acked, false);
  });

  it('should ignore other chat messages: no acknowledge call, no answer', async function () {
    const calls = sim.requestsFor('Acknowledge').length;
    bot.userSays('hello bot', 558);
    bot.userSays('ack', 558);
    const polls = bot.calls.filter((c) => c.method === 'getUpdates').length;
    await waitFor(() => bot.calls.filter((c) => c.method === 'getUpdates').length > polls + 3, 'a few more bot polls');
    assert.equal(sim.requestsFor('Acknowledge').length, calls);
    assert.deepEqual(repliesTo(558), []);
    assert.deepEqual(nodeRed.lines.slice(since).filter((l) => /\[error\]/.test(l)), [], 'no uncaught error in the log');
  });
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
