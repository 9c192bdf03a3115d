import assert from 'node:assert/strict';
import { buildDemoFlows, credentialNamesFromEditorHtml, demoCredentials, type ExampleFile } from '../../../src/cli/demo-flows';

const account = { username: 'demo', password: 'demo' };

function example(name: string, serverUrl: string): ExampleFile {
  return {
    name,
    nodes: [
      { id: 'c1', type: 'comment', z: 'tab-not-in-file', name: 'explains', wires: [] },
      { id: 'ev', type: 'scada-events', z: 'tab-not-in-file', server: 'srv', wires: [['dbg']] },
      { id: 'dbg', type: 'debug', z: 'tab-not-in-file', wires: [] },
      { id: 'srv', type: 'masterscada-server', url: serverUrl },
    ],
  };
}

describe('demo flows from the examples', function () {
  it('should put each example on its own tab and point its server at the running simulator', function () {
    const { flows, credentials } = buildDemoFlows([example('masterscada/Alarms.json', 'http://127.0.0.1:8043')], {
      rewrites: [{ types: ['masterscada-server'], from: 'http://127.0.0.1:8043', to: 'http://127.0.0.1:40001' }],
      credentials: { 'masterscada-server': { username: 'demo', password: 'demo' } },
    });
    const tab = flows.find((n) => n.type === 'tab');
    assert.equal(tab?.label, 'Alarms');
    assert.equal(flows.find((n) => n.type === 'scada-events')?.z, tab!.id);
    assert.equal(flows.find((n) => n.type === 'masterscada-server')?.url, 'http://127.0.0.1:40001');
    assert.deepEqual(credentials, { srv: { username: 'demo', password: 'demo' } });
  });

  it('should give clashing node ids new ids and rewire references, sharing identical config nodes', function () {
    const { flows } = buildDemoFlows(
      [example('a.json', 'http://127.0.0.1:8043'), example('b.json', 'http://127.0.0.1:8043'), example('c.json', 'http://other:1')],
      { rewrites: [], credentials: {} },
    );
    const ids = flows.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length, 'unique ids');
    const servers = flows.filter((n) => n.type === 'masterscada-server');
    assert.equal(servers.length, 2, 'a and b share one server, c has its own');
    for (const ev of flows.filter((n) => n.type === 'scada-events')) {
      assert.ok(servers.some((s) => s.id === ev.server), 'server reference points at an existing node');
      const wired = (ev.wires as string[][])[0]![0];
      const target = flows.find((n) => n.id === wired);
      assert.equal(target?.type, 'debug');
      assert.equal(target?.z, ev.z, 'wired to the debug node of its own tab');
    }
  });

  it('should read credential names from the editor definition and fill login and password', function () {
    const html = `<script type="text/javascript">
      RED.nodes.registerType('masterscada-server', { category: 'config', defaults: { url: { value: '' } },
        credentials: { login: { type: "text" }, password: { type: "password" }, sessionId: { type: 'password' } } });
    </script>`;
    const names = credentialNamesFromEditorHtml(html);
    assert.deepEqual(names, [
      { name: 'login', type: 'text' },
      { name: 'password', type: 'password' },
      { name: 'sessionId', type: 'password' },
    ]);
    assert.deepEqual(demoCredentials(names, account), { login: 'demo', password: 'demo' });
  });
});
