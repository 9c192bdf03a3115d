import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFile } from '../../../src/masterscada/file-cursor-store';

describe('JsonFile (the cursor file)', () => {
  let dir: string;
  let files: Array<JsonFile<unknown>>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'json-file-'));
    files = [];
  });
  afterEach(() => {
    for (const f of files) f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open<T>(path = join(dir, 'cursor'), fdatasync = false): JsonFile<T> {
    const f = new JsonFile<T>(path, { fdatasync });
    files.push(f as JsonFile<unknown>);
    return f;
  }

  /** The byte range where two versions of the file differ (one slot, if the writes alternate). */
  function changed(before: Buffer, after: Buffer): { start: number; end: number } {
    assert.equal(after.length, before.length, 'an in-place write keeps the file size');
    let start = 0;
    while (start < after.length && after[start] === before[start]) start++;
    let end = after.length;
    while (end > start && after[end - 1] === before[end - 1]) end--;
    return { start, end };
  }

  for (const fdatasync of [false, true]) {
    it(`makes its folder on the first write and again when it was removed since (fdatasync ${String(fdatasync)})`, () => {
      const file = open<{ ack: number }>(join(dir, 'a', 'b', 'cursor'), fdatasync);
      file.write({ ack: 1 });
      assert.equal(statSync(join(dir, 'a', 'b')).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, 'a', 'b', 'cursor')).mode & 0o777, 0o600);
      assert.deepEqual(file.read(), { ack: 1 });
      file.write({ ack: 2 });
      assert.deepEqual(file.read(), { ack: 2 });
      rmSync(join(dir, 'a'), { recursive: true, force: true });
      file.write({ ack: 3 });
      assert.deepEqual(file.read(), { ack: 3 });
      assert.equal(existsSync(join(dir, 'a', 'b', 'cursor.tmp')), false);
      file.write(undefined);
      assert.equal(file.read(), undefined);
      assert.equal(existsSync(join(dir, 'a', 'b', 'cursor')), false);
      file.write({ ack: 4 });
      assert.deepEqual(open(join(dir, 'a', 'b', 'cursor')).read(), { ack: 4 });
    });
  }

  it('writes each value in place into the slot that does not hold the newest one', () => {
    const path = join(dir, 'cursor');
    const file = open<{ ack: number }>(path);
    file.write({ ack: 1 });
    const size = statSync(path).size;
    const ino = statSync(path).ino;
    let before = readFileSync(path);
    const ranges: Array<{ start: number; end: number }> = [];
    for (let ack = 2; ack <= 5; ack++) {
      file.write({ ack });
      const after = readFileSync(path);
      ranges.push(changed(before, after));
      before = after;
      assert.deepEqual(file.read(), { ack });
    }
    assert.equal(statSync(path).ino, ino, 'the same file, not a new one renamed into place');
    assert.equal(statSync(path).size, size);
    const half = size / 2;
    // Writes 2..5 go to slots 1, 0, 1, 0: each stays inside its own slot.
    assert.deepEqual(
      ranges.map((r) => [Math.floor(r.start / half), Math.floor((r.end - 1) / half)]),
      [
        [1, 1],
        [0, 0],
        [1, 1],
        [0, 0],
      ],
    );
  });

  it('reads the value one write older when the newest write was torn at any byte', () => {
    const path = join(dir, 'cursor');
    const file = open<{ ack: number; keys: string[] }>(path);
    const older = { ack: 7, keys: ['1|a|100', '1|b|100'] };
    const newer = { ack: 8, keys: ['1|c|200'] };
    file.write({ ack: 6, keys: [] });
    file.write(older);
    const before = readFileSync(path);
    file.write(newer);
    const after = readFileSync(path);
    const { start, end } = changed(before, after);
    assert.ok(end > start, 'the write changed the file');
    for (let cut = start; cut < end; cut++) {
      // A power loss after `cut` bytes of the write reached the disk.
      writeFileSync(path, Buffer.concat([after.subarray(0, cut), before.subarray(cut)]));
      assert.deepEqual(open(path).read(), older, `torn after ${cut - start} of ${end - start} bytes`);
    }
    writeFileSync(path, after);
    assert.deepEqual(open(path).read(), newer);
  });

  it('after a restart writes over the older slot only, and reads past a slot whose checksum fails', () => {
    const path = join(dir, 'cursor');
    const first = open<{ ack: number }>(path);
    for (let ack = 1; ack <= 3; ack++) first.write({ ack });
    first.close();
    // A new process: it must not write into the slot that holds ack 3.
    const second = open<{ ack: number }>(path);
    second.write({ ack: 4 });
    const bytes = readFileSync(path);
    const half = bytes.length / 2;
    const slotOf4 = bytes.subarray(0, half).includes(Buffer.from('{"ack":4}')) ? 0 : 1;
    // One bit flipped in the body of the newest slot: the checksum catches it.
    const body = bytes.indexOf(Buffer.from('{"ack":4}'), slotOf4 * half);
    bytes[body + 7] ^= 0x01;
    writeFileSync(path, bytes);
    assert.deepEqual(open(path).read(), { ack: 3 });
    // The next write goes into the damaged slot, keeping ack 3 as the fallback.
    const third = open<{ ack: number }>(path);
    third.write({ ack: 5 });
    assert.deepEqual(open(path).read(), { ack: 5 });
    const again = readFileSync(path);
    assert.ok(again.includes(Buffer.from('{"ack":3}')), 'the intact older slot was kept');
  });

  it('grows the file when a value outgrows its slot, and keeps working in place after', () => {
    const path = join(dir, 'cursor');
    const file = open<{ keys: string[] }>(path);
    file.write({ keys: ['small'] });
    const small = statSync(path).size;
    const big = { keys: Array.from({ length: 400 }, (_, i) => `1|event-${i}|1700000000000`) };
    file.write(big);
    assert.ok(statSync(path).size > small, 'the file grew');
    assert.deepEqual(open(path).read(), big);
    file.write({ keys: ['small again'] });
    assert.deepEqual(open(path).read(), { keys: ['small again'] });
    file.write({ keys: ['and again'] });
    assert.deepEqual(open(path).read(), { keys: ['and again'] });
  });

  it('reads nothing from a file that is not its own, and replaces it on the next write', () => {
    const path = join(dir, 'cursor');
    for (const foreign of ['{"ack":1}', '', 'x'.repeat(8192)]) {
      writeFileSync(path, foreign);
      assert.equal(open(path).read(), undefined);
      const file = open<{ ack: number }>(path);
      file.write({ ack: 2 });
      assert.deepEqual(open(path).read(), { ack: 2 });
      file.close();
    }
  });
});
