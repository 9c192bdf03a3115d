import assert from 'node:assert/strict';
import { Backoff } from '../../../src/shared/backoff';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap when jitter is off', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000, 1000]);
    assert.equal(b.attempt, 6);
  });

  it('takes at most the jitter fraction off each delay', () => {
    const low = new Backoff({ initialMs: 1000, jitter: 0.5, random: () => 0.999999 });
    const high = new Backoff({ initialMs: 1000, jitter: 0.5, random: () => 0 });
    assert.equal(low.next(), 500);
    assert.equal(high.next(), 1000);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 10, jitter: 0 });
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 10);
  });
});
