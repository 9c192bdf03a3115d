import assert from 'node:assert/strict';
import { MasterScadaClient } from '../../../src/masterscada/client';
import type { EventRecord, ScadaId } from '../../../src/masterscada/types';
import type { MasterScadaSimulator } from '../../../src/sim/masterscada';
import { SELECTION, startSim } from '../../helpers/masterscada';

describe('MasterSCADA 4D simulator', () => {
  let sim: MasterScadaSimulator;
  let client: MasterScadaClient;
  let sessionId: ScadaId;
  let sub: ScadaId;

  async function subscribe(options: Parameters<typeof startSim>[0] = {}, selection = SELECTION): Promise<void> {
    sim = await startSim(options);
    client = new MasterScadaClient({ url: sim.url });
    sessionId = (await client.login('demo', 'demo')).sessionId;
    sub = await client.createSubscription(sessionId);
    await client.createMonitoredEvents(sessionId, sub, [selection]);
  }

  afterEach(async () => {
    await client?.close();
    await sim?.close();
  });

  it('should send the packet after the ack, else the first still queued, with hasMore while more wait', async () => {
    await subscribe({ packetSize: 1 });
    sim.raise();
    sim.raise();
    sim.raise();
    const p1 = await client.publishEvents(sessionId, sub, undefined);
    assert.deepEqual([p1.sequenceNumber, p1.hasMore], [1, true]);
    const again = await client.publishEvents(sessionId, sub, undefined);
    assert.equal(again.sequenceNumber, 1, 'without an ack the first queued packet is sent again');
    const p2 = await client.publishEvents(sessionId, sub, 1);
    assert.deepEqual([p2.sequenceNumber, p2.hasMore], [2, true]);
    sim.overflowQueues();
    const p3 = await client.publishEvents(sessionId, sub, 1);
    assert.deepEqual([p3.sequenceNumber, p3.hasMore], [3, false], 'packet 2 is gone, so the first still queued comes');
    const empty = await client.publishEvents(sessionId, sub, 3);
    assert.equal(empty.sequenceNumber, undefined);
    assert.equal(empty.hasMore, false);
  });

  it('should drop the oldest packets beyond queueSize, so the next poll after the ack jumps to the first still queued', async () => {
    await subscribe({ packetSize: 1, queueSize: 2 });
    const first = sim.raise();
    const p1 = await client.publishEvents(sessionId, sub, undefined);
    assert.equal(p1.recs[0].fields[0], first.eventId);
    const raised = [sim.raise(), sim.raise(), sim.raise()];
    const next = await client.publishEvents(sessionId, sub, 1);
    assert.deepEqual([next.sequenceNumber, next.recs[0].fields[0], next.hasMore], [3, raised[1].eventId, true], 'packet 2 fell out of the full queue');
    const last = await client.publishEvents(sessionId, sub, 3);
    assert.deepEqual([last.sequenceNumber, last.recs[0].fields[0], last.hasMore], [4, raised[2].eventId, false]);
  });

  it('should repeat the packet it sent last once, when told to', async () => {
    await subscribe({ packetSize: 1 });
    sim.raise();
    sim.raise();
    const p1 = await client.publishEvents(sessionId, sub, undefined);
    sim.repeatLastPacket();
    const again = await client.publishEvents(sessionId, sub, 1);
    assert.deepEqual([again.sequenceNumber, again.recs], [1, p1.recs]);
    const p2 = await client.publishEvents(sessionId, sub, 1);
    assert.equal(p2.sequenceNumber, 2);
  });

  it('should raise alarms by itself at the configured rate', async () => {
    await subscribe({ alarmRate: 100 });
    // The generator starts with the simulator, before the subscription exists: alarms raised while the client
    // logs in reach no queue, so the test counts what this subscription received, not the simulator's alarms.
    const recs: EventRecord[] = [];
    let ack: number | undefined;
    const deadline = Date.now() + 5000;
    while (recs.length < 3) {
      assert.ok(Date.now() < deadline, `timed out waiting for three generated alarm records (got ${recs.length})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const packet = await client.publishEvents(sessionId, sub, ack);
      ack = packet.sequenceNumber ?? ack;
      recs.push(...packet.recs);
    }
    assert.ok(recs.every((r) => r.recType === 'Update' && /[а-яё]/i.test(String(r.fields[2]))));
  });

  it('should send a deletion once an alarm is inactive and acknowledged', async () => {
    await subscribe();
    const alarm = sim.raise();
    await client.publishEvents(sessionId, sub, undefined);
    sim.clear(alarm.eventId);
    sim.acknowledge(alarm.eventId, 'принято');
    const packet = await client.publishEvents(sessionId, sub, 1);
    assert.deepEqual(packet.recs.map((r) => [r.recType, r.fields[0], r.fields[4]]), [['Update', alarm.eventId, false]]);
    assert.deepEqual(packet.deleted, [{ clientHandle: 1, eventIds: [alarm.eventId] }]);
    assert.equal(sim.currentEvents().length, 0);
  });

  it('should send one record per transition and UpdateArchive for earlier records to a useArchive selection', async () => {
    await subscribe({}, { ...SELECTION, useArchive: true });
    const alarm = sim.raise();
    sim.acknowledge(alarm.eventId);
    const packet = await client.publishEvents(sessionId, sub, undefined);
    assert.deepEqual(
      packet.recs.map((r) => [r.recType, r.fields[0]]),
      [
        ['Update', `${alarm.eventId}.1`],
        ['UpdateArchive', `${alarm.eventId}.1`],
        ['Update', `${alarm.eventId}.2`],
      ],
    );
    assert.deepEqual(packet.deleted, []);
  });

  it('should only send events of the selected object', async () => {
    await subscribe({}, { ...SELECTION, itemId: 112 });
    sim.raise({ itemId: 111 });
    const mine = sim.raise({ itemId: 112 });
    const packet = await client.publishEvents(sessionId, sub, undefined);
    assert.deepEqual(packet.recs.map((r) => r.fields[0]), [mine.eventId]);
  });

  it('should generate the same Russian alarms for the same seed', async () => {
    await subscribe({ seed: 7 });
    const a = sim.generate(5).map((e) => e.Message);
    const other = await startSim({ seed: 7 });
    try {
      assert.deepEqual(other.generate(5).map((e) => e.Message), a);
    } finally {
      await other.close();
    }
    assert.ok(a.every((m) => /[а-яё]/i.test(m)));
  });

  it('should keep the number of current alarms bounded however long the generator runs', async () => {
    await subscribe();
    sim.generate(5000);
    const current = sim.currentEvents().length;
    assert.ok(current >= 3 && current <= 12, `current alarms: ${current}`);
  });

  it('should change projectSessionId and forget sessions on a runtime restart', async () => {
    await subscribe();
    const before = await client.getState(sessionId);
    sim.restart();
    await assert.rejects(client.getState(sessionId), (e: { code?: string }) => e.code === 'SESSION');
    const fresh = await client.login('demo', 'demo');
    const after = await client.getState(fresh.sessionId);
    assert.notEqual(after.projectSessionId, before.projectSessionId);
    assert.equal(sim.subscriptionCount, 0);
  });

  it('should log every request with its method and body', async () => {
    await subscribe();
    assert.deepEqual(sim.requests.map((r) => r.method), ['Login', 'CreateSubscription', 'CreateMonitoredEvents']);
    assert.deepEqual((sim.requests[2].body as { items: unknown[] }).items, [SELECTION]);
  });
});
