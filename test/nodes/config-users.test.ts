import assert from 'node:assert/strict';
import { ConfigUsers } from '../../nodes/lib/config-users';

describe('config node waiting for its users', () => {
  it('should know its users from register to deregister', () => {
    const users = new ConfigUsers();
    users.register({ id: 'a' });
    users.register({ id: 'b' });
    users.register({ id: 'a' });
    assert.equal(users.count, 2);
    users.deregister({ id: 'a' }, Promise.resolve());
    assert.equal(users.count, 1);
  });

  it('should wait for every tracked cleanup, including one that fails', async () => {
    const users = new ConfigUsers();
    const done: string[] = [];
    users.register({ id: 'a' });
    users.register({ id: 'b' });
    users.deregister({ id: 'a' }, new Promise((r) => setTimeout(r, 30)).then(() => done.push('a')));
    users.deregister({ id: 'b' }, new Promise((_r, reject) => setTimeout(() => reject(new Error('x')), 10)).finally(() => done.push('b')));
    await users.settled(5000);
    assert.deepEqual(done.sort(), ['a', 'b']);
    assert.equal(users.closing, 0);
  });

  it('should wait for a user that has not closed yet, and for the cleanup it hands in then', async () => {
    const users = new ConfigUsers();
    const done: string[] = [];
    users.register({ id: 'a' });
    const waiting = users.settled(5000).then(() => done.push('config node'));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done.length, 0, 'still waiting for its user');
    users.deregister({ id: 'a' }, new Promise((r) => setTimeout(r, 20)).then(() => done.push('user')));
    await waiting;
    assert.deepEqual(done, ['user', 'config node']);
  });

  it('should stop waiting after the limit for a cleanup that never ends', async () => {
    const users = new ConfigUsers();
    users.register({ id: 'a' });
    users.deregister({ id: 'a' }, new Promise(() => undefined));
    let settled = false;
    const waiting = users.settled(50).then(() => {
      settled = true;
    });
    await waiting;
    assert.equal(settled, true);
    assert.equal(users.closing, 1);
  });
});
