import assert from 'node:assert/strict';
import { MasterScadaClient } from '../../../src/masterscada/client';
import { ScadaStatusError } from '../../../src/masterscada/errors';
import type { IntegrationError } from '../../../src/shared/errors';
import type { MasterScadaSimulator } from '../../../src/sim/masterscada';
import type { CodeEncoding } from '../../../src/sim/masterscada/encoding';
import { SELECTION, startSim } from '../../helpers/masterscada';

describe('MasterScadaClient against the simulator', () => {
  let sim: MasterScadaSimulator;
  let client: MasterScadaClient;

  async function open(options: Parameters<typeof startSim>[0] = {}, timeoutMs = 2000): Promise<void> {
    sim = await startSim(options);
    client = new MasterScadaClient({ url: sim.url, timeoutMs });
  }

  afterEach(async () => {
    await client?.close();
    await sim?.close();
  });

  it('should log in, subscribe, add a selection, refresh and poll the current alarms', async () => {
    await open();
    const alarm = sim.raise({ message: 'Авария насоса', severity: 900 });
    const { sessionId } = await client.login('demo', 'demo');
    const subscriptionId = await client.createSubscription(sessionId);
    const results = await client.createMonitoredEvents(sessionId, subscriptionId, [SELECTION]);
    assert.deepEqual(results, [{ clientHandle: 1, statusName: 'Good' }]);
    await client.refreshEvents(sessionId, subscriptionId);
    const packet = await client.publishEvents(sessionId, subscriptionId, undefined);
    assert.equal(packet.sequenceNumber, 1);
    assert.equal(packet.hasMore, false);
    assert.equal(packet.recs.length, 1);
    assert.equal(packet.recs[0].recType, 'Refresh');
    assert.equal(packet.recs[0].fields[0], alarm.eventId);
    assert.equal(packet.recs[0].fields[2], 'Авария насоса');
    assert.equal(typeof packet.recs[0].fields[1], 'string');
    const empty = await client.publishEvents(sessionId, subscriptionId, 1);
    assert.equal(empty.sequenceNumber, undefined);
    assert.deepEqual(empty.recs, []);
    const sent = sim.requestsFor('PublishEvents').map((r) => r.body);
    assert.deepEqual(sent, [
      { sessionId, subscriptionId },
      { sessionId, subscriptionId, ackSequenceNumber: 1 },
    ]);
    const login = sim.requestsFor('Login')[0].body;
    assert.deepEqual(login, { login: 'demo', password: 'demo' });
  });

  for (const encoding of ['number', 'signed', 'numeric-string', 'name'] as CodeEncoding[]) {
    it(`should name BadSessionIdInvalid as a SESSION error when code is sent as ${encoding}`, async () => {
      await open({ codeEncoding: encoding });
      const err = await client.publishEvents('nope', 1, undefined).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ScadaStatusError);
      assert.equal(err.code, 'SESSION');
      assert.equal(err.serverCode, 'BadSessionIdInvalid');
      assert.equal(err.statusValue, 0x80250000);
      assert.equal(err.retriable, true);
    });
  }

  it('should report an unknown subscription as a SUBSCRIPTION error', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    await assert.rejects(client.publishEvents(sessionId, 999, undefined), (e: ScadaStatusError) => e.code === 'SUBSCRIPTION' && e.serverCode === 'BadSubscriptionIdInvalid');
  });

  it('should reject a wrong password as a non-retriable SESSION error without echoing the password', async () => {
    await open();
    const err = (await client.login('demo', 'SuperSecret42').catch((e: unknown) => e)) as ScadaStatusError;
    assert.ok(err instanceof ScadaStatusError);
    assert.equal(err.code, 'SESSION');
    assert.equal(err.retriable, false);
    assert.match(err.message, /login and password/);
    assert.ok(!err.message.includes('SuperSecret42'));
  });

  it('should refuse an anonymous login unless the simulator allows it', async () => {
    await open();
    await assert.rejects(client.login('', ''), (e: IntegrationError) => e.code === 'SESSION');
    await client.close();
    await sim.close();
    await open({ allowAnonymous: true });
    const { sessionId } = await client.login('', '');
    assert.ok(String(sessionId).length > 0);
  });

  it('should fail a selection without eventId with the selection named', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    const sub = await client.createSubscription(sessionId);
    await assert.rejects(
      client.createMonitoredEvents(sessionId, sub, [{ ...SELECTION, clientHandle: 7, fields: [{ id: 3 }] }]),
      (e: ScadaStatusError) => e.serverCode === 'BadFilterNotAllowed' && /selection 7/.test(e.message) && !e.retriable,
    );
  });

  it('should report HTTP 500 as a retriable HTTP_STATUS error', async () => {
    await open();
    sim.inject({ kind: 'http500', method: 'Login' });
    await assert.rejects(client.login('demo', 'demo'), (e: IntegrationError) => e.code === 'HTTP_STATUS' && e.retriable && /500/.test(e.message));
  });

  it('should report a dropped answer as a retriable TRANSPORT error, and the server did carry the request out', async () => {
    await open();
    sim.inject({ kind: 'drop', method: 'Login' });
    await assert.rejects(client.login('demo', 'demo'), (e: IntegrationError) => e.code === 'TRANSPORT' && e.retriable);
    assert.equal(sim.sessionCount, 1);
  });

  it('should report a slow answer as TIMEOUT', async () => {
    await open({}, 150);
    sim.inject({ kind: 'delay', method: 'GetState', delayMs: 2000 });
    await assert.rejects(client.getState(), (e: IntegrationError) => e.code === 'TIMEOUT');
  });

  it('should read GetState and report a missing session through code', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    const state = await client.getState(sessionId);
    assert.equal(state.currentOperator, 'demo');
    assert.equal(state.projectSessionId, 1);
    await assert.rejects(client.getState(), (e: IntegrationError) => e.code === 'SESSION');
  });

  const hostile: Array<[string, string, RegExp]> = [
    ['an HTML page', '<html><body>Service Unavailable</body></html>', /not JSON/],
    ['an empty body', '', /not JSON: \(empty\)/],
    ['a JSON array', '[1,2,3]', /not a JSON object/],
    ['JSON null', 'null', /not a JSON object/],
    ['a code that is an object', '{"code":{"x":1}}', /"code" is not a status code/],
    ['recs that is a string', '{"code":0,"sequenceNumber":3,"recs":"oops"}', /"recs" is not an array/],
    ['a record without fields', '{"code":0,"sequenceNumber":3,"recs":[{"clientHandle":1,"recType":"Update"}]}', /recs\[0\]\.fields/],
    ['a negative sequenceNumber', '{"code":0,"sequenceNumber":-4}', /sequenceNumber/],
    ['records without a sequenceNumber', '{"code":0,"recs":[{"clientHandle":1,"recType":"Update","fields":[]}]}', /without a "sequenceNumber"/],
    ['eventIds that are objects', '{"code":0,"sequenceNumber":1,"deleted":[{"clientHandle":1,"eventIds":[{}]}]}', /eventIds\[0\]/],
    ['a deeply nested body', `{"code":0,"x":${'['.repeat(100000)}${']'.repeat(100000)}}`, /./],
  ];
  for (const [what, body, message] of hostile) {
    it(`should turn ${what} into a BAD_RESPONSE error instead of crashing`, async () => {
      await open();
      sim.inject({ kind: 'raw', method: 'PublishEvents', body });
      const err = (await client.publishEvents('s', 1, 2).catch((e: unknown) => e)) as IntegrationError;
      if (what === 'a deeply nested body') {
        // Parses fine (JSON.parse is not recursive) or fails cleanly; either way no crash and a typed outcome.
        assert.ok(!(err instanceof Error) || err.code === 'BAD_RESPONSE');
        return;
      }
      assert.equal(err.code, 'BAD_RESPONSE', String(err));
      assert.match(err.message, message);
      assert.match(err.message, /^PublishEvents: /);
    });
  }

  it('should refuse answers without the id they exist for, or with per-item results of the wrong type', async () => {
    await open();
    sim.inject({ kind: 'raw', method: 'Login', body: '{"code":0,"sessionId":""}' });
    await assert.rejects(client.login('demo', 'demo'), (e: IntegrationError) => e.code === 'BAD_RESPONSE' && /Login: answer has no usable "sessionId"/.test(e.message));
    sim.inject({ kind: 'raw', method: 'CreateSubscription', body: '{"code":0,"subscriptionId":{"id":1}}' });
    await assert.rejects(client.createSubscription('s'), (e: IntegrationError) => e.code === 'BAD_RESPONSE' && /no usable "subscriptionId"/.test(e.message));
    sim.inject({ kind: 'raw', method: 'CreateMonitoredEvents', body: '{"code":0,"items":{"statusCode":0}}' });
    await assert.rejects(client.createMonitoredEvents('s', 1, [SELECTION]), (e: IntegrationError) => e.code === 'BAD_RESPONSE' && /"items" is not an array/.test(e.message));
    sim.inject({ kind: 'raw', method: 'CreateMonitoredEvents', body: '{"code":0,"items":[{"statusCode":"bogus"}]}' });
    await assert.rejects(client.createMonitoredEvents('s', 1, [SELECTION]), (e: IntegrationError) => e.code === 'BAD_RESPONSE' && /items\[0\]\.statusCode/.test(e.message));
  });

  it('should accept numeric-string sequence numbers and keep the answer subscriptionId', async () => {
    await open();
    sim.inject({ kind: 'raw', method: 'PublishEvents', body: '{"subscriptionId":1,"sequenceNumber":"5","hasMore":true,"serverTime":"1411149604245","recs":[{"clientHandle":"1","recType":"Update","fields":["12A5EDFFFFFF","1357002062000","Превышение уставки",100.0,false]}],"deleted":[{"clientHandle":1,"eventIds":["7623423AA"]}]}' });
    const packet = await client.publishEvents('1234', 1, 0);
    assert.equal(packet.sequenceNumber, 5);
    assert.equal(packet.hasMore, true);
    assert.equal(packet.recs[0].clientHandle, 1);
    assert.deepEqual(packet.deleted, [{ clientHandle: 1, eventIds: ['7623423AA'] }]);
    assert.equal(packet.serverTime, '1411149604245');
  });

  it('should report a non-2xx answer that carries a Bad code by that code', async () => {
    await open();
    sim.inject({ kind: 'raw', method: 'PublishEvents', status: 403, body: '{"code":"OpcUa_BadUserAccessDenied","errorText":"нет прав"}' });
    await assert.rejects(client.publishEvents('s', 1, undefined), (e: ScadaStatusError) => e.serverCode === 'BadUserAccessDenied' && /нет прав/.test(e.message));
  });

  it('should never put the session id into an error message', async () => {
    await open();
    sim.inject({ kind: 'raw', method: 'PublishEvents', body: 'session 0123456789abcdef is broken' });
    const err = (await client.publishEvents('0123456789abcdef', 1, undefined).catch((e: unknown) => e)) as Error;
    assert.ok(!err.message.includes('0123456789abcdef'), err.message);
  });

  it('should use overridden method names', async () => {
    sim = await startSim({ methods: { login: 'OpenSession' } });
    client = new MasterScadaClient({ url: sim.url, methods: { login: 'OpenSession', logout: '' } });
    const { sessionId } = await client.login('demo', 'demo');
    assert.equal(sim.requestsFor('OpenSession').length, 1);
    await client.logout(sessionId);
    assert.equal(sim.requestsFor('Logout').length, 1, 'a blank name keeps the default');
  });

  it('should report a method the server does not know as HTTP 404', async () => {
    sim = await startSim();
    client = new MasterScadaClient({ url: sim.url, methods: { refreshEvents: 'ConditionRefresh' } });
    await assert.rejects(client.refreshEvents('s', 1), (e: IntegrationError) => e.code === 'HTTP_STATUS' && /404/.test(e.message) && !e.retriable);
  });

  it('should expire idle sessions and end their subscriptions', async () => {
    let now = 1_000_000;
    await open({ now: () => now, sessionTimeMs: 1000 });
    const { sessionId } = await client.login('demo', 'demo');
    const sub = await client.createSubscription(sessionId);
    now += 1001;
    await assert.rejects(client.publishEvents(sessionId, sub, undefined), (e: IntegrationError) => e.code === 'SESSION');
    assert.equal(sim.subscriptionCount, 0);
  });

  it('should write times as numbers when the simulator is told to', async () => {
    await open({ timeEncoding: 'number' });
    sim.raise();
    const { sessionId } = await client.login('demo', 'demo');
    const sub = await client.createSubscription(sessionId);
    await client.createMonitoredEvents(sessionId, sub, [SELECTION]);
    await client.refreshEvents(sessionId, sub);
    const packet = await client.publishEvents(sessionId, sub, undefined);
    assert.equal(typeof packet.recs[0].fields[1], 'number');
    assert.equal(typeof packet.serverTime, 'number');
  });
});
