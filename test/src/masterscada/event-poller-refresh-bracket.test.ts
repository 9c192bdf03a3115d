import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { ActiveAlarmList } from '../../../src/masterscada/active-alarms';
import { MasterScadaClient } from '../../../src/masterscada/client';
import { MemoryCursorStore } from '../../../src/masterscada/cursor-store';
import { EventPoller } from '../../../src/masterscada/event-poller';
import { MasterScadaSession } from '../../../src/masterscada/session';
import type { EventPacket } from '../../../src/masterscada/types';
import type { MasterScadaSimulator } from '../../../src/sim/masterscada';
import { SELECTION, clockOf, startSim, waitFor } from '../../helpers/masterscada';

/** The poller's refresh bracket driving an ActiveAlarmList, against the simulator. */
describe('EventPoller refresh bracket', () => {
  let sim: MasterScadaSimulator;
  let client: MasterScadaClient;
  let session: MasterScadaSession;
  let poller: EventPoller | undefined;

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    await session.close();
    await client.close();
    await sim.close();
  });

  function apply(list: ActiveAlarmList, packet: EventPacket): void {
    for (const rec of packet.recs) if (rec.recType === 'Update' || rec.recType === 'Refresh') list.upsert(String(rec.fields[0]), Number(rec.fields[1]), rec.recType);
    for (const group of packet.deleted) for (const id of group.eventIds) list.remove(id);
  }

  it('drops an alarm whose Deleted was lost in a gap, once the refresh after the gap is drained', async () => {
    sim = await startSim();
    client = new MasterScadaClient({ url: sim.url, timeoutMs: 1000 });
    session = new MasterScadaSession(client, { login: 'demo', password: 'demo' });
    const clock = FakeTimers.createClock();
    const list = new ActiveAlarmList();
    const bracketOpen = (): boolean => list.toJSON().refreshing === true;
    const events: string[] = [];
    const store = new MemoryCursorStore();
    const saveStates: boolean[] = [];
    const save = store.save.bind(store);
    store.save = (c) => {
      saveStates.push(bracketOpen());
      return save(c);
    };
    let answers = 0;
    poller = new EventPoller({
      client,
      session,
      selections: [SELECTION],
      store,
      consumer: (packet) => apply(list, packet),
      refreshBracket: {
        started: () => {
          events.push('started');
          list.refreshStarted();
        },
        drained: () => {
          events.push('drained');
          return list.drained();
        },
      },
      clock: clockOf(clock),
      pollIntervalMs: 1000,
    });
    poller.on('answer', () => answers++);
    const a = sim.raise();
    const b = sim.raise();
    poller.start();
    await waitFor(() => list.list().length === 2 && !bracketOpen(), 'the first refresh');
    assert.deepEqual(events.slice(0, 2), ['started', 'drained']);
    assert.ok(saveStates.includes(true), 'the open bracket is stored with the cursor');
    // b goes inactive (an Update), then is acknowledged: its Deleted is dropped from the queue unseen.
    sim.clear(b.eventId);
    await clock.tickAsync(1000);
    await waitFor(() => answers >= 2 && list.list().length === 2, 'the clear as an Update');
    // One more poll carries the ack of that packet, so the server's queue is empty.
    await clock.tickAsync(1000);
    await waitFor(() => answers >= 3, 'an empty answer');
    sim.acknowledge(b.eventId);
    sim.overflowQueues();
    const c = sim.raise();
    const before = events.filter((e) => e === 'started').length;
    for (let i = 0; i < 10 && events.filter((e) => e === 'started').length === before; i++) await clock.tickAsync(1000);
    await waitFor(() => events.filter((e) => e === 'started').length > before && !bracketOpen(), 'the refresh after the gap');
    assert.deepEqual(
      list.list().map((e) => e.key).sort(),
      [a.eventId, c.eventId].sort(),
    );
  });
});
