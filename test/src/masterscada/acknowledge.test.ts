import assert from 'node:assert/strict';
import { Acknowledger, NotAcknowledgedError, readAckResults } from '../../../src/masterscada/acknowledge';
import { MasterScadaClient } from '../../../src/masterscada/client';
import { ScadaStatusError } from '../../../src/masterscada/errors';
import { MasterScadaSession } from '../../../src/masterscada/session';
import type { IntegrationError } from '../../../src/shared/errors';
import type { MasterScadaSimulator } from '../../../src/sim/masterscada';
import type { CodeEncoding } from '../../../src/sim/masterscada/encoding';
import { SELECTION, startSim } from '../../helpers/masterscada';

describe('acknowledging events: client and simulator over real sockets', () => {
  let sim: MasterScadaSimulator;
  let client: MasterScadaClient;

  async function open(options: Parameters<typeof startSim>[0] = {}, clientOptions: Partial<ConstructorParameters<typeof MasterScadaClient>[0]> = {}): Promise<void> {
    sim = await startSim(options);
    client = new MasterScadaClient({ url: sim.url, timeoutMs: 2000, ...clientOptions });
  }

  afterEach(async () => {
    await client?.close();
    await sim?.close();
  });

  const rejection = <T>(p: Promise<T>): Promise<unknown> =>
    p.then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );

  it('should send the guessed body and acknowledge a current alarm: state, time and comment change, and subscribers get an Update record', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    const sub = await client.createSubscription(sessionId);
    await client.createMonitoredEvents(sessionId, sub, [{ ...SELECTION, fields: [{ id: 1 }, { id: 6 }, { id: 9 }, { id: 10 }] }]);
    const alarm = sim.raise({ message: 'Pressure high' });
    const first = await client.publishEvents(sessionId, sub, undefined);
    assert.deepEqual(first.recs.map((r) => r.fields.slice(0, 2)), [[alarm.eventId, false]]);

    const results = await client.acknowledge(sessionId, [alarm.eventId], 'seen by the night shift');
    assert.deepEqual(results, [{ eventId: alarm.eventId, acknowledged: true, status: 'Good' }]);
    assert.deepEqual(sim.requestsFor('Acknowledge').map((r) => r.body), [{ sessionId, eventIds: [alarm.eventId], comment: 'seen by the night shift' }]);

    const now = sim.currentEvents().find((e) => e.eventId === alarm.eventId);
    assert.ok(now, 'still current: acknowledged but active');
    assert.equal(now.Acked, true);
    assert.equal(now.Comment, 'seen by the night shift');
    assert.equal(typeof now.AckedTime, 'number');
    const update = await client.publishEvents(sessionId, sub, first.sequenceNumber);
    assert.equal(update.recs.length, 1);
    assert.equal(update.recs[0].recType, 'Update');
    assert.deepEqual([update.recs[0].fields[0], update.recs[0].fields[1], update.recs[0].fields[3]], [alarm.eventId, true, 'seen by the night shift']);
    assert.equal(update.recs[0].fields[2], String(now.AckedTime), 'AckedTime as epoch ms');
    assert.deepEqual(update.deleted, []);

    // Cleared after the acknowledgement: acknowledged and inactive, so deleted as before.
    sim.clear(alarm.eventId);
    const gone = await client.publishEvents(sessionId, sub, update.sequenceNumber);
    assert.deepEqual(gone.deleted, [{ clientHandle: 1, eventIds: [alarm.eventId] }]);
    assert.equal(sim.currentEvents().length, 0);
  });

  it('should answer per event, in request order: an unknown id is BadEventIdUnknown (NOT_FOUND), the others are acknowledged', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    const a = sim.raise({});
    const b = sim.raise({});
    const results = await client.acknowledge(sessionId, [a.eventId, 'NO-SUCH-EVENT', b.eventId], '');
    assert.deepEqual(results.map((r) => [r.eventId, r.acknowledged, r.status]), [
      [a.eventId, true, 'Good'],
      ['NO-SUCH-EVENT', false, 'BadEventIdUnknown'],
      [b.eventId, true, 'Good'],
    ]);
    const unknown = results[1];
    assert.ok(!unknown.acknowledged);
    assert.equal(unknown.code, 'NOT_FOUND');
    assert.equal(unknown.statusCode, 0x809a0000);
    assert.match(unknown.message, /Acknowledge failed with BadEventIdUnknown \(event NO-SUCH-EVENT\)/);
    assert.ok(sim.currentEvents().every((e) => e.Acked));
  });

  it('should give Good again for an alarm already acknowledged, without a second record (a retry after a lost answer is harmless)', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    const sub = await client.createSubscription(sessionId);
    await client.createMonitoredEvents(sessionId, sub, [SELECTION]);
    const alarm = sim.raise({});
    await client.acknowledge(sessionId, [alarm.eventId], 'first');
    const again = await client.acknowledge(sessionId, [alarm.eventId], 'second');
    assert.deepEqual(again, [{ eventId: alarm.eventId, acknowledged: true, status: 'Good' }]);
    assert.equal(sim.currentEvents()[0].Comment, 'first');
    const packet = await client.publishEvents(sessionId, sub, undefined);
    assert.equal(packet.recs.length, 2, 'the Update of the raise and the one of the first acknowledgement');
  });

  it('should report a refused acknowledgement per event (simulator refusal), leaving that alarm unacknowledged', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    const a = sim.raise({});
    const b = sim.raise({});
    sim.refuseAcknowledge({ eventId: b.eventId });
    const results = await client.acknowledge(sessionId, [a.eventId, b.eventId], '');
    assert.deepEqual(results.map((r) => [r.acknowledged, r.status]), [
      [true, 'Good'],
      [false, 'BadUserAccessDenied'],
    ]);
    assert.equal(results[1].acknowledged === false && results[1].code, 'SERVER');
    assert.equal(sim.currentEvents().find((e) => e.eventId === b.eventId)?.Acked, false);
    // The refusal was used up: the next try goes through.
    assert.deepEqual((await client.acknowledge(sessionId, [b.eventId], '')).map((r) => r.acknowledged), [true]);
  });

  for (const encoding of ['number', 'signed', 'numeric-string', 'name'] as CodeEncoding[]) {
    it(`should read per-event status codes sent as ${encoding}`, async () => {
      await open({ codeEncoding: encoding });
      const { sessionId } = await client.login('demo', 'demo');
      const a = sim.raise({});
      const results = await client.acknowledge(sessionId, ['nope', a.eventId], '');
      assert.deepEqual(results.map((r) => r.status), ['BadEventIdUnknown', 'Good']);
    });
  }

  it('should fail the whole call on a Bad code, and refuse a session the runtime does not know', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    const alarm = sim.raise({});
    sim.inject({ kind: 'raw', method: 'Acknowledge', body: JSON.stringify({ code: 'OpcUa_BadUserAccessDenied', errorText: 'operator may not acknowledge' }) });
    const refused = await rejection(client.acknowledge(sessionId, [alarm.eventId], ''));
    assert.ok(refused instanceof ScadaStatusError);
    assert.equal(refused.code, 'SERVER');
    assert.equal(refused.serverCode, 'BadUserAccessDenied');
    assert.match(refused.message, /operator may not acknowledge/);
    assert.equal(sim.currentEvents()[0].Acked, false, 'nothing was carried out');

    const noSession = await rejection(client.acknowledge('not-a-session', [alarm.eventId], ''));
    assert.equal((noSession as IntegrationError).code, 'SESSION');
    assert.equal(sim.currentEvents()[0].Acked, false);
  });

  it('should refuse an answer whose results do not match the event ids', async () => {
    await open();
    const { sessionId } = await client.login('demo', 'demo');
    const alarm = sim.raise({});
    for (const body of ['{"code":0,"results":[]}', '{"code":0,"results":{"statusCode":0}}', '{"code":0,"results":[{"statusCode":"what"}]}']) {
      sim.inject({ kind: 'raw', method: 'Acknowledge', body });
      const err = await rejection(client.acknowledge(sessionId, [alarm.eventId], ''));
      assert.equal((err as IntegrationError).code, 'BAD_RESPONSE', body);
    }
    // No results at all with a Good code: every event acknowledged (the call's own code is the answer).
    sim.inject({ kind: 'raw', method: 'Acknowledge', body: '{"code":0}' });
    assert.deepEqual(await client.acknowledge(sessionId, [alarm.eventId], ''), [{ eventId: alarm.eventId, acknowledged: true, status: 'Good' }]);
  });

  it('should use a configured method name and field names (the vendor method is unverified)', async () => {
    await open({ methods: { acknowledge: 'AckEvents' } }, { methods: { acknowledge: 'AckEvents' }, acknowledgeFields: { eventIds: 'ids', comment: 'text' } });
    const { sessionId } = await client.login('demo', 'demo');
    sim.inject({ kind: 'raw', method: 'AckEvents', body: '{"code":0,"results":[0,"OpcUa_BadEventIdUnknown"]}' });
    const results = await client.acknowledge(sessionId, ['A1', 'B2'], 'c');
    assert.deepEqual(results.map((r) => r.status), ['Good', 'BadEventIdUnknown']);
    assert.deepEqual(sim.requestsFor('AckEvents').map((r) => r.body), [{ sessionId, ids: ['A1', 'B2'], text: 'c' }]);
    assert.equal(sim.requestsFor('Acknowledge').length, 0);
  });

  it('should read results given as bare statuses or objects (readAckResults)', () => {
    assert.deepEqual(readAckResults([0, { statusCode: 0x809a0000 }], ['a', 'b'], 'Acknowledge').map((r) => r.acknowledged), [true, false]);
    assert.deepEqual(readAckResults(undefined, ['a'], 'Acknowledge'), [{ eventId: 'a', acknowledged: true, status: 'Good' }]);
  });

  describe('Acknowledger on the shared session', () => {
    it('should log in once, renew a session the runtime forgot and repeat the call once', async () => {
      await open();
      const session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
      const ack = new Acknowledger({ client, session });
      const a = sim.raise({});
      assert.deepEqual((await ack.acknowledge([a.eventId], 'x')).map((r) => r.acknowledged), [true]);
      const b = sim.raise({});
      sim.expireSessions();
      assert.deepEqual((await ack.acknowledge([b.eventId], 'y')).map((r) => r.acknowledged), [true]);
      assert.equal(sim.requestsFor('Login').length, 2);
      assert.equal(sim.requestsFor('Acknowledge').length, 3, 'the refused call and its repetition');
      await session.close();
    });

    it('should reject with NotAcknowledgedError naming the failed events, with every result', async () => {
      await open();
      const session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
      const ack = new Acknowledger({ client, session });
      const a = sim.raise({});
      const err = await rejection(ack.acknowledge([a.eventId, 'GONE-1'], ''));
      assert.ok(err instanceof NotAcknowledgedError);
      assert.equal(err.code, 'NOT_ACKNOWLEDGED');
      assert.equal(err.serverCode, 'BadEventIdUnknown');
      assert.deepEqual(err.failedEventIds, ['GONE-1']);
      assert.equal(err.message, '1 of 2 events not acknowledged: GONE-1 (BadEventIdUnknown)');
      assert.deepEqual(err.results.map((r) => r.acknowledged), [true, false]);
      await session.close();
    });

    it('should name at most ten failed events in the message', async () => {
      await open();
      const session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
      const ids = Array.from({ length: 13 }, (_, i) => `X${i}`);
      const err = await rejection(new Acknowledger({ client, session }).acknowledge(ids, ''));
      assert.match((err as Error).message, /^13 of 13 events not acknowledged: X0 \(BadEventIdUnknown\), .*X9 \(BadEventIdUnknown\) and 3 more$/);
      await session.close();
    });
  });
});
