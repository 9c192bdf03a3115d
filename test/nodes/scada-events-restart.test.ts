/**
 * A real Node-RED (child process) whose default context store keeps values in memory and whose
 * store named "file" is `localfilesystem`; the node keeps its ack in "file". The ack survives a
 * "modified nodes" deploy and a restart of Node-RED, so no alarm is lost and none is sent twice.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchNodeRed, prepareUserDir } from '../../src/cli/node-red-launcher';
import type { RunningNodeRed } from '../../src/cli/node-red-launcher';
import type { MasterScadaSimulator } from '../../src/sim/masterscada';
import { JsonFile } from '../../src/masterscada/file-cursor-store';
import { acksSent, startSim, waitFor } from '../helpers/masterscada';
import { packageUnderTest } from '../helpers/node-red-runtime';

const PASSWORD = 'q7Zx-K9vL-m2Wp-77';

/** Every way `secret` can leak into a text: plain, JSON-escaped, URL- or base64-encoded, hex, or a fragment of 8+ characters. */
function secretTraces(text: string, secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), Buffer.from(secret).toString('base64').replace(/=+$/, ''), Buffer.from(secret).toString('hex')]);
  for (let i = 0; i + 8 <= secret.length; i++) forms.add(secret.slice(i, i + 8));
  const lower = text.toLowerCase();
  return [...forms].filter((f) => lower.includes(f.toLowerCase()));
}

/** The files Node-RED and the node wrote under the user directory, except the credentials file and linked modules. */
function writtenFiles(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === 'node_modules' || entry.name === 'flows_cred.json') continue;
    if (entry.isDirectory()) out.push(...writtenFiles(path));
    else if (entry.isFile()) out.push({ path, text: readFileSync(path, 'utf8') });
  }
  return out;
}

interface Line {
  recType?: string;
  eventId?: string;
  seq?: number;
  control?: string;
}

describe('scada-events across a Node-RED restart (child process, localfilesystem context)', function () {
  this.timeout(120_000);

  let sim: MasterScadaSimulator;
  let userDir: string;
  let nodeRed: RunningNodeRed | undefined;
  let outFile: string;

  function flow(name: string): unknown[] {
    return [
      { id: 'f1', type: 'tab', label: 'alarms' },
      { id: 'srv', type: 'masterscada-server', url: sim.url, timeout: 5, usetls: false, tls: '' },
      {
        id: 'ev',
        type: 'scada-events',
        z: 'f1',
        name,
        server: 'srv',
        pollInterval: 0.1,
        store: 'file',
        selections: [{ clientHandle: 1, taskId: 0, itemId: 0, archiveId: 0, path: '', useArchive: false, topic: '', fields: [{ id: 1, name: 'eventId' }, { id: 3, name: 'Message' }] }],
        x: 100,
        y: 100,
        wires: [['fmt']],
      },
      {
        id: 'fmt',
        type: 'function',
        z: 'f1',
        func: 'msg.payload = JSON.stringify({ recType: msg.recType, eventId: msg.eventId, seq: msg.sequenceNumber, control: msg.control });\nreturn msg;',
        outputs: 1,
        x: 300,
        y: 100,
        wires: [['file']],
      },
      { id: 'file', type: 'file', z: 'f1', filename: outFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 500, y: 100, wires: [] },
    ];
  }

  const allLines = (): Line[] =>
    existsSync(outFile)
      ? readFileSync(outFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Line)
      : [];
  /** The records, without the start-up notice. */
  const lines = (): Line[] => allLines().filter((l) => l.control === undefined);
  const acks = (): Array<number | undefined> => acksSent(sim);
  /** What the "file" store holds for the node (Node-RED writes node `ev` of flow `f1` to context/f1/ev.json). */
  const storedContext = (): Record<string, unknown> => JSON.parse(readFileSync(join(userDir, 'context', 'f1', 'ev.json'), 'utf8')) as Record<string, unknown>;

  before(async () => {
    sim = await startSim({ accounts: { demo: PASSWORD } });
    userDir = mkdtempSync(join(tmpdir(), 'nr-scada-restart-'));
    outFile = join(userDir, 'out', 'events.jsonl');
    const pkg = packageUnderTest();
    prepareUserDir({
      userDir,
      modules: { [pkg.info.name]: pkg.dir },
      flows: flow('alarms'),
      credentials: { srv: { username: 'demo', password: PASSWORD } },
      settings: { contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } } },
    });
  });

  after(async () => {
    await nodeRed?.stop();
    await sim?.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('should continue the same subscription after a modified-nodes deploy and a restart, losing and repeating nothing', async () => {
    const a = sim.raise({ message: 'Авария насоса' });
    nodeRed = await launchNodeRed({ userDir });
    await waitFor(() => allLines().length === 2, 'the start-up notice and the refresh line', 30_000);
    assert.deepEqual(allLines().map((l) => l.control ?? l.recType), ['resubscribed', 'Refresh']);
    const b = sim.raise();
    await waitFor(() => lines().length === 2, 'the update line', 10_000);

    // "Modified nodes" deploy through the admin API, as the editor does.
    const res = await fetch(new URL('flows', nodeRed.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' },
      body: JSON.stringify(flow('alarms (renamed)')),
    });
    assert.ok(res.ok, `deploy: HTTP ${res.status} ${await res.text()}`);
    const c = sim.raise();
    await waitFor(() => lines().length === 3, 'the line after the deploy', 10_000);

    await nodeRed.stop();
    const nodeRedLog = [...nodeRed.lines];
    nodeRed = undefined;
    // The ack of the last packet delivered before the stop (the server may not have seen it yet).
    const ackBeforeRestart = lines()[2].seq;
    const stored = storedContext().masterscadaCursor as Record<string, unknown>;
    const firstPoll = sim.requestsFor('PublishEvents')[0].body as { sessionId: string; subscriptionId: number };
    assert.deepEqual(
      [stored.subscriptionId, stored.ack],
      [firstPoll.subscriptionId, ackBeforeRestart],
      'the chosen store holds the ack with the subscription it belongs to',
    );
    const cursorFile = readFileSync(join(userDir, 'masterscada-cursors', 'ev.cursor'), 'utf8');
    assert.equal((new JsonFile(join(userDir, 'masterscada-cursors', 'ev.cursor')).read() as { ack: number }).ack, ackBeforeRestart, 'the cursor file holds the ack');
    assert.ok(!cursorFile.includes(firstPoll.sessionId) && !JSON.stringify(stored).includes(firstPoll.sessionId), 'session id in plain text');
    const firstRunLog = nodeRedLog.join('\n');
    const pollsBeforeRestart = acks().length;
    const whileDown = [sim.raise(), sim.raise()];
    nodeRed = await launchNodeRed({ userDir });
    await waitFor(() => lines().length === 5, 'the alarms raised while Node-RED was down', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const got = lines();
    assert.deepEqual(
      got.map((l) => [l.recType, l.eventId]),
      [['Refresh', a.eventId], ['Update', b.eventId], ['Update', c.eventId], ...whileDown.map((e) => ['Update', e.eventId])],
    );
    assert.equal(allLines().filter((l) => l.control !== undefined).length, 1, 'no resubscribe or gap notice after the start-up one');
    assert.equal(sim.requestsFor('Login').length, 1, 'the session was resumed, not replaced');
    assert.equal(sim.requestsFor('CreateSubscription').length, 1, 'the subscription was resumed, not replaced');
    assert.equal(typeof ackBeforeRestart, 'number');
    assert.equal(acks()[pollsBeforeRestart], ackBeforeRestart, 'the first poll after the restart carries the stored ack');
    assert.equal(acks().filter((x) => x === undefined).length, 1, 'only the first poll ever went without an ack');
    const logs = `${firstRunLog}\n${nodeRed.lines.join('\n')}`;
    assert.ok(logs.includes('Started flows'), 'the log was captured');
    const sessionId = String(firstPoll.sessionId);
    assert.ok(sessionId.length >= 16, 'a session id long enough to look for');
    for (const secret of [PASSWORD, sessionId]) {
      assert.deepEqual(secretTraces(logs, secret), [], 'a secret in the Node-RED log');
      for (const file of writtenFiles(userDir)) assert.deepEqual(secretTraces(file.text, secret), [], `a secret in ${file.path}`);
    }
    assert.ok(writtenFiles(userDir).some((f) => f.path.endsWith(join('masterscada-cursors', 'ev.cursor'))), 'the cursor file was scanned');
    assert.ok(writtenFiles(userDir).some((f) => f.path.endsWith(join('context', 'f1', 'ev.json'))), 'the context file was scanned');
    assert.ok(!logs.includes('memory-only'), 'no memory-store warning for a persistent store');
  });
});
