import assert from 'node:assert/strict';
import { UserCleanups } from '../../nodes/lib/user-cleanups';

describe('config node waiting for its users', () => {
  it('should wait for every tracked cleanup, including one that fails', async () => {
    const cleanups = new UserCleanups();
    const done: string[] = [];
    cleanups.track(new Promise((r) => setTimeout(r, 30)).then(() => done.push('a')));
    cleanups.track(new Promise((_r, reject) => setTimeout(() => reject(new Error('x')), 10)).finally(() => done.push('b')));
    await cleanups.settled(5000);
    assert.deepEqual(done.sort(), ['a', 'b']);
    assert.equal(cleanups.size, 0);
  });

  it('should stop waiting after the limit for a cleanup that never ends', async () => {
    const cleanups = new UserCleanups();
    cleanups.track(new Promise(() => undefined));
    let settled = false;
    const waiting = cleanups.settled(50).then(() => {
      settled = true;
    });
    await waiting;
    assert.equal(settled, true);
    assert.equal(cleanups.size, 1);
  });
});
