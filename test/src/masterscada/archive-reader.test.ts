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
    // The request fields of docs/masterscada.md#archive-read, no more and no fewer (continuationPoint only on later pages, endTime only with an end).
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

describe('ArchiveReader for history reads (window, inverse, limit, abort) over the simulator', () => {
  let sim: MasterScadaSimulator;
  let client: MasterScadaClient;
  let session: string;
  const FROM = 1_700_000_000_000;

  beforeEach(async () => {
    sim = await startSim({ archiveSize: 20_000 });
    sim.seedArchive(10_000, FROM, FROM + 9_999_000, { itemId: 111 });
    client = new MasterScadaClient({ url: sim.url, timeoutMs: 2000 });
    session = String((await client.login('demo', 'demo')).sessionId);
  });

  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  const messages = (recs: unknown[][]): string[] => recs.map((f) => String(f[2]));
  const sel = { ...SELECTION, itemId: 111 };

  it('should read a 10 000-record window page by page, each page one request, numbered and counted', async () => {
    const reader = new ArchiveReader(client, { pageRecords: 700, maxPages: 100 });
    const seen: Array<[number, number, number, boolean]> = [];
    for await (const page of reader.pages(session, sel, { startTime: FROM, endTime: FROM + 9_999_000 })) seen.push([page.page, page.recs.length, page.total, page.limited]);
    assert.equal(seen.length, 15);
    assert.deepEqual(seen.at(-1), [15, 10_000 - 14 * 700, 10_000, false]);
    assert.ok(seen.every(([n, len], i) => n === i + 1 && (i === 14 || len === 700)));
    const bodies = sim.requestsFor('GetArchivedEvents').map((r) => r.body as Record<string, unknown>);
    assert.equal(bodies.length, 15);
    assert.deepEqual(bodies.slice(0, 3).map((b) => b.continuationPoint), [undefined, '0000000701', '0000001401']);
  });

  it('should read the window only, newest first with inverse, from its end back', async () => {
    const reader = new ArchiveReader(client, { pageRecords: 4 });
    const window = { startTime: FROM + 100_000, endTime: FROM + 109_000 };
    const forward = await reader.read(session, sel, window);
    assert.deepEqual(messages(forward.recs), Array.from({ length: 10 }, (_, i) => `Архивная запись ${101 + i}`));
    const inverse = await reader.read(session, sel, { ...window, inverse: true });
    assert.deepEqual(messages(inverse.recs), messages(forward.recs).reverse());
    const bodies = sim.requestsFor('GetArchivedEvents').map((r) => r.body as Record<string, unknown>);
    assert.deepEqual(bodies.map((b) => b.inverse), [false, false, false, true, true, true], 'inverse sent as JSON true on every page');
    assert.equal(inverse.complete, true);
  });

  it('should stop at the limit, asking for no more than it still needs, and say the limit cut the read', async () => {
    const reader = new ArchiveReader(client, { pageRecords: 300 });
    const pages = [];
    for await (const page of reader.pages(session, sel, { startTime: FROM, limit: 750 })) pages.push(page);
    assert.deepEqual(pages.map((p) => p.recs.length), [300, 300, 150]);
    assert.equal(pages.at(-1)!.limited, true);
    assert.deepEqual(sim.requestsFor('GetArchivedEvents').map((r) => (r.body as { maxRecs: number }).maxRecs), [300, 300, 150]);
    // A limit the window does not reach is no cut.
    const small = [];
    for await (const page of reader.pages(session, sel, { startTime: FROM, endTime: FROM + 9_000, limit: 750 })) small.push(page);
    assert.deepEqual(small.map((p) => [p.recs.length, p.limited]), [[10, false]]);
  });

  it('should stop between pages when aborted, without asking for the next page', async () => {
    const reader = new ArchiveReader(client, { pageRecords: 100 });
    const abort = new AbortController();
    let got = 0;
    await assert.rejects(
      (async () => {
        for await (const page of reader.pages(session, sel, { startTime: FROM }, abort.signal)) {
          got += page.recs.length;
          if (page.page === 3) abort.abort();
        }
      })(),
      (err: Error & { code?: string }) => err.code === 'ABORTED',
    );
    assert.equal(got, 300);
    assert.equal(sim.requestsFor('GetArchivedEvents').length, 3, 'no request after the abort');
    // A request in flight is cut by the signal.
    sim.inject({ kind: 'delay', method: 'GetArchivedEvents', delayMs: 3000 });
    const inFlight = new AbortController();
    setTimeout(() => inFlight.abort(), 100);
    await assert.rejects(reader.read(session, sel, { startTime: FROM }, inFlight.signal), (err: Error & { code?: string }) => err.code === 'ABORTED');
  });

  it('should keep what was read and say why when the server fails in the middle of paging', async () => {
    sim.inject({ kind: 'http500', method: 'GetArchivedEvents', skip: 2 });
    const reader = new ArchiveReader(client, { pageRecords: 100 });
    const result = await reader.read(session, sel, { startTime: FROM });
    assert.equal(result.complete, false);
    assert.equal(result.recs.length, 200, 'the two pages before the fault');
    assert.equal((result.error as { code?: string }).code, 'HTTP_STATUS');
  });
});
