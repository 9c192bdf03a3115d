/**
 * The example foresight/step-reached-email-and-stop deployed into a real Node-RED with the real
 * node-red-node-email, the Foresight simulator and a real SMTP server: an instance reaching the
 * named step sends one mail, and the "stop instance" button stops that instance through bpm-control.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readExamples, type FlowNode } from '../../src/cli/demo-flows';
import { SEED, startForesightSimulator, type ForesightSimulator } from '../../src/sim/foresight';
import { packageUnderTest, startNodeRedRuntime, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { listenToDebug, startSmtpSink, type DebugListener, type SmtpSink } from './stand-ins';

const EXAMPLE = 'foresight/step-reached-email-and-stop.json';

describe(`examples: ${EXAMPLE} with the real e-mail node`, function () {
  this.timeout(120_000);
  let foresight: ForesightSimulator;
  let smtp: SmtpSink;
  let nodeRed: NodeRedRuntime;
  let debug: DebugListener;
  let nodes: FlowNode[];

  before(async function () {
    const example = readExamples(join(packageUnderTest().info.root, 'examples')).find((e) => e.name === EXAMPLE);
    assert.ok(example, `${EXAMPLE} is shipped`);
    foresight = await startForesightSimulator({ stepMs: 0 });
    smtp = await startSmtpSink();
    nodeRed = await startNodeRedRuntime();
    debug = await listenToDebug(nodeRed.url);
    const tab = { id: 'tab-under-test', type: 'tab', label: EXAMPLE };
    nodes = example.nodes
      .filter((n) => n.type !== 'global-config')
      .map((n): FlowNode => {
        const node: FlowNode = { ...n, ...(n.z ? { z: tab.id } : {}) };
        if (node.type === 'foresight-server') Object.assign(node, { endpoint: foresight.endpoint(), credentials: { username: 'demo', password: 'demo' } });
        if (node.type === 'e-mail') Object.assign(node, { server: '127.0.0.1', port: String(smtp.port) });
        return node;
      });
    const res = await nodeRed.api('flows', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([tab, ...nodes]),
    });
    assert.equal(res.status, 204, await res.text());
  });

  after(async function () {
    debug?.close();
    await nodeRed?.stop();
    await foresight?.close();
    await smtp?.close();
  });

  const errors = (): string[] => nodeRed.lines.filter((l) => /\[error\]/.test(l));

  it('should mail once when any running instance reaches "Approve", and stop it when "stop instance" is pressed', async function () {
    await waitFor(() => foresight.openSockets > 0, 'the monitor connected');
    const stop = nodes.find((n) => n.type === 'inject' && n.name === 'stop instance');
    assert.ok(stop, 'the stop button');
    // Before any instance reached the step, the button has no instance to stop: a clear error, nothing sent.
    await press(stop.id);
    await waitFor(() => debug.from('error').length === 1, 'the "no instance" error');
    assert.match(debug.from('error')[0]!, /"code":"CONFIG"/);
    assert.equal(foresight.callCount('ExecuteBpmOperation'), 0);
    // Register → Check documents → Review → Enter decision → Approve: four steps on.
    for (let i = 0; i < 4; i++) {
      // Each frame is followed by the monitor's workspace read (Attach stages and steps): wait for it.
      const reads = foresight.callCount('GetBpmMonitoringWorkspace');
      foresight.advance(SEED.instanceKey);
      await waitFor(() => foresight.callCount('GetBpmMonitoringWorkspace') > reads, `the workspace read after frame ${i + 2}`);
    }
    await waitFor(() => smtp.mails.length === 1, 'the mail for the step Approve');
    const mail = smtp.mails[0]!;
    assert.equal(mail.subject, `Process Processing of applications: instance ${SEED.instanceKey} reached Approve`);
    assert.match(mail.text, /Press "stop instance"/);
    assert.equal(mail.to, 'process-owner@example.com');
    assert.equal(foresight.model.instances.get(SEED.instanceKey)?.stopped, false);

    await press(stop.id);
    await waitFor(() => debug.from('stop result').length === 1, 'the stop result in the Debug sidebar');
    assert.deepEqual(JSON.parse(debug.from('stop result')[0]!), [{ instanceKey: SEED.instanceKey, oper: 'ProcessStop', status: 'done' }]);
    assert.equal(foresight.model.instances.get(SEED.instanceKey)?.stopped, true);
    const exec = foresight.requests.filter((r) => r.op === 'ExecuteBpmOperation');
    assert.equal(exec.length, 1);
    assert.deepEqual((exec[0]!.params as { tArg: unknown }).tArg, { oper: 'ProcessStop', instIds: { it: SEED.instanceKey }, comment: 'stopped from Node-RED' });
    // The stopped instance's last frame has no running step: no second mail.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(smtp.mails.length, 1);
    assert.equal(debug.from('error').length, 1);
    assert.deepEqual(errors().filter((l) => !/no-instance|no instance/.test(l)), []);
  });

  async function press(id: string): Promise<void> {
    const res = await nodeRed.api(`inject/${id}`, { method: 'POST' });
    assert.equal(res.status, 200);
  }
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
