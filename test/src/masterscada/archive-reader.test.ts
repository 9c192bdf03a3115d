import assert from 'node:assert/strict';
import { ArchiveReader } from '../../../src/masterscada/archive-reader';
import { MasterScadaClient } from '../../../src/masterscada/client';
import type { MasterScadaSimulator } from '../../../src/sim/masterscada';
import { SELECTION, startSim } from '../../helpers/masterscada';

describe('ArchiveReader over the simulator (GetArchivedEvents, paged)', () => {
  let sim: MasterScadaSimulator;
  let client: MasterScadaClient;
  let now: number;

  async function setup(archiveSize = 1000): Promise<string> {
    now = 1_700_000_000_000;
    sim = await startSim({ archiveSize, now: () => now });
    client = new MasterScadaClient({ url: sim.url, timeoutMs: 2000 });
    return String((await client.login('demo', 'demo')).sessionId);
  }

  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  it('should read every record of the window page by page with continuationPoint and maxRecs', async () => {
    const session = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      now += 1000;
      ids.push(sim.raise({ itemId: 111 }).eventId);
    }
    now += 1000;
    sim.clear(ids[0]);
    const reader = new ArchiveReader(client, { pageRecords: 2 });
    const all = await reader.read(session, { ...SELECTION, itemId: 111 }, { startTime: 1_700_000_000_000 });
    assert.equal(all.complete, true);
    assert.deepEqual(all.recs.map((f) => f[0]), [...ids, ids[0]], 'oldest first, the clear as its own entry');
    assert.deepEqual(all.recs.map((f) => f[4]), [true, true, true, true, true, false], 'each entry as it was at its transition');
    const pages = sim.requestsFor('GetArchivedEvents').map((r) => r.body as Record<string, unknown>);
    assert.deepEqual(pages.map((b) => b.continuationPoint), [undefined, '0000000003', '0000000005']);
    assert.ok(pages.every((b) => b.maxRecs === 2 && b.inverse === false && b.itemId === 111 && typeof b.startTime === 'string'));
    // The request fields of spec §5.7, no more and no fewer (continuationPoint only on later pages, endTime only with an end).
    const spec = ['sessionId', 'archiveId', 'startTime', 'inverse', 'maxRecs', 'maxSize', 'timeout', 'itemId', 'path', 'fields'];
    assert.deepEqual(Object.keys(pages[0]).sort(), [...spec].sort());
    assert.deepEqual(Object.keys(pages[1]).sort(), [...spec, 'continuationPoint'].sort());
    assert.ok(pages.every((b) => b.sessionId === session && b.archiveId === SELECTION.archiveId && b.path === SELECTION.path && b.maxSize === 0 && typeof b.timeout === 'number'));
    assert.deepEqual(pages[0].fields, SELECTION.fields);
    const window = await reader.read(session, { ...SELECTION, itemId: 111 }, { startTime: 1_700_000_002_000, endTime: 1_700_000_004_000 });
    assert.deepEqual(window.recs.map((f) => f[0]), ids.slice(1, 4), 'both ends inclusive');
    const windowPage = sim.requestsFor('GetArchivedEvents').at(-1)!.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(windowPage).filter((k) => k !== 'continuationPoint').sort(), [...spec, 'endTime'].sort());
    assert.deepEqual([Number(windowPage.startTime), Number(windowPage.endTime)], [1_700_000_002_000, 1_700_000_004_000]);
    const other = await reader.read(session, { ...SELECTION, itemId: 112 }, { startTime: 0 });
    assert.deepEqual(other.recs, [], 'only the selected object');
  });

  it('should say the window was not covered when a continuation point went stale', async () => {
    const session = await setup(3);
    for (let i = 0; i < 3; i++) sim.raise();
    const reader = new ArchiveReader(
      {
        getArchivedEvents: async (sid, request, options) => {
          const page = await client.getArchivedEvents(sid, request, options);
          // The journal moves on between two pages: the oldest entries are dropped.
          for (let i = 0; i < 3; i++) sim.raise();
          return page;
        },
      },
      { pageRecords: 1 },
    );
    const result = await reader.read(session, SELECTION, { startTime: 0 });
    assert.equal(result.complete, false);
    assert.match(String((result.error as Error).message), /BadContinuationPointInvalid/);
    assert.equal(result.recs.length, 1, 'what was read before is kept');
  });
});
