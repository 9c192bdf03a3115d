import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFile } from '../../../src/masterscada/file-cursor-store';

describe('JsonFile (the cursor file)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'json-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const fdatasync of [false, true]) {
    it(`makes its folder on the first write and again when it was removed since (fdatasync ${String(fdatasync)})`, () => {
      const file = new JsonFile<{ ack: number }>(join(dir, 'a', 'b', 'cursor.json'), { fdatasync });
      file.write({ ack: 1 });
      assert.equal(statSync(join(dir, 'a', 'b')).mode & 0o777, 0o700);
      assert.deepEqual(file.read(), { ack: 1 });
      file.write({ ack: 2 });
      assert.deepEqual(file.read(), { ack: 2 });
      rmSync(join(dir, 'a'), { recursive: true, force: true });
      file.write({ ack: 3 });
      assert.deepEqual(file.read(), { ack: 3 });
      assert.equal(existsSync(join(dir, 'a', 'b', 'cursor.json.tmp')), false);
      file.write(undefined);
      assert.equal(file.read(), undefined);
    });
  }
});
