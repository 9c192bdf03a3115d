import assert from 'node:assert/strict';
import { FailureStreak, GuardedEmitter, isFatal } from '../../../src/shared/engine';
import { AbortedError, ClosedError, ConfigError, HttpStatusError, IntegrationError, TransportError } from '../../../src/shared/errors';
import { LoginRefusedError } from '../../../src/shared/login-refusal';

interface TestEvents {
  tick: [n: number];
}

class TestEngine extends GuardedEmitter<TestEvents> {
  constructor(readonly warnings: string[]) {
    super({ debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m) });
  }

  tick(n: number): void {
    this.notify('tick', n);
  }
}

describe('engine vocabulary', () => {
  it('should call every listener even when one throws, log the throw, and never let it out', () => {
    const engine = new TestEngine([]);
    const seen: string[] = [];
    engine.on('tick', (n) => seen.push(`a${n}`));
    engine.on('tick', () => {
      throw new Error('listener bug');
    });
    engine.once('tick', (n) => seen.push(`once${n}`));
    engine.on('tick', (n) => seen.push(`b${n}`));
    assert.doesNotThrow(() => engine.tick(1));
    engine.tick(2);
    assert.deepEqual(seen, ['a1', 'once1', 'b1', 'a2', 'b2']);
    assert.deepEqual(engine.warnings, ['a tick listener failed: listener bug', 'a tick listener failed: listener bug']);
  });

  it('should call an error no retry cures fatal, by code: refused login, settings, not found, dead pasted id, closed', () => {
    assert.equal(isFatal(new LoginRefusedError('refused')), true);
    assert.equal(isFatal(new ConfigError('bad')), true);
    assert.equal(isFatal(new IntegrationError('NOT_FOUND', 'no such key')), true);
    assert.equal(isFatal(new IntegrationError('SESSION', 'pasted id died', { retriable: false })), true);
    assert.equal(isFatal(new ClosedError()), true);
  });

  it('should leave everything else to the backoff: transport, any HTTP status, a dead renewable session, a consumer bug, an abort', () => {
    assert.equal(isFatal(new TransportError('refused')), false);
    assert.equal(isFatal(new HttpStatusError(503, '')), false);
    assert.equal(isFatal(new HttpStatusError(404, '')), false);
    assert.equal(isFatal(new HttpStatusError(403, '')), false);
    assert.equal(isFatal(new IntegrationError('SESSION', 'session ended', { retriable: true })), false);
    assert.equal(isFatal(new Error('downstream failed')), false);
    assert.equal(isFatal(new AbortedError()), false);
  });

  it('should tell a repeated failure until a success ends the streak', () => {
    const streak = new FailureStreak();
    assert.deepEqual([streak.repeats(new Error('a')), streak.repeats(new Error('a')), streak.repeats(new Error('b')), streak.repeats('b')], [false, true, false, true]);
    streak.reset();
    assert.equal(streak.repeats(new Error('b')), false);
  });
});
