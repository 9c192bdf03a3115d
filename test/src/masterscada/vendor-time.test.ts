import assert from 'node:assert/strict';
import { isoString, timeToIso, timeToMs } from '../../../src/masterscada/vendor';

describe('MasterSCADA times to ISO 8601', () => {
  it('writes exactly what Date#toISOString writes, across days, leap days, the epoch and the year-10000 edge', () => {
    const edges = [0, 1, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 1_411_149_604_245, 253_402_300_799_999, 253_402_300_800_000, -1, -86_400_001, 1.5, 8.64e15];
    const stepped = Array.from({ length: 5000 }, (_, i) => 1_764_590_000_000 + i * 7_919_777);
    // Alternating between two days checks that the kept date part follows the day.
    const alternating = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1_000_000_000_000 : 1_700_000_000_000) + i);
    for (const ms of [...edges, ...stepped, ...alternating]) assert.equal(isoString(ms), new Date(ms).toISOString(), `ms ${ms}`);
  });

  it('reads epoch ms as string or number and ISO text; anything else is not a time', () => {
    assert.equal(timeToIso('1411149604245'), '2014-09-19T18:00:04.245Z');
    assert.equal(timeToIso(1_411_149_604_245), '2014-09-19T18:00:04.245Z');
    assert.equal(timeToIso('2014-09-19T18:00:04.245Z'), '2014-09-19T18:00:04.245Z');
    assert.equal(timeToIso('0001411149604245'), '2014-09-19T18:00:04.245Z', 'leading zeros');
    for (const [raw, iso] of [['1411149604245', '2014-09-19T18:00:04.245Z'], ['1411149604245', '2014-09-19T18:00:04.245Z'], ['1411149604246', '2014-09-19T18:00:04.246Z'], [1411149604245, '2014-09-19T18:00:04.245Z'], ['x', undefined], ['x', undefined], ['1411149604245', '2014-09-19T18:00:04.245Z']] as const) {
      assert.equal(timeToIso(raw), iso, `${String(raw)} after the one before (a repeated value is answered from the last conversion)`);
    }
    for (const bad of ['', 'abc', '0x10', '1e3', '9000000000000000', '1'.repeat(25), null, undefined, {}, Number.NaN, 9e15]) assert.equal(timeToIso(bad), undefined, String(bad));
  });

  it('reads the same milliseconds as parsing the ISO text back, without the text', () => {
    const values: unknown[] = [0, 1, -1, 1.5, -1.5, -0.4, 999.9, 1_411_149_604_245, '1411149604245', ' 1411149604245.7 ', '-86400001', '2014-09-19T18:00:04.245Z', '2014-09-19T18:00:04Z', 253_402_300_800_000, -62_198_755_200_001, 8.64e15, -8.64e15];
    for (const raw of values) {
      const iso = timeToIso(raw);
      assert.ok(iso !== undefined, String(raw));
      assert.ok(Object.is(timeToMs(raw), Date.parse(iso)), `${String(raw)}: ${timeToMs(raw)} against ${Date.parse(iso)}`);
    }
    for (const bad of ['', 'abc', '0x10', null, undefined, {}, Number.NaN, 9e15]) assert.equal(timeToMs(bad), undefined, String(bad));
  });
});
