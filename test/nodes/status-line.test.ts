import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import type { StatusView } from '../../nodes/lib/engine-status';
import type { NodeStatusShape } from '../../nodes/lib/status';
import { status } from '../../nodes/lib/status';
import { StatusLine } from '../../nodes/lib/status-line';

const counted = (count: number): StatusView => ({ kind: 'connected', status: status('connected', `events: ${count}`) });
const warning: StatusView = { kind: 'warning', status: status('warning', 'gap') };
const failed: StatusView = { kind: 'retrying', status: status('retrying', 'retry') };

describe('status line of a polling node', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let shown: NodeStatusShape[];
  let line: StatusLine;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: 1_000_000 });
    shown = [];
    line = new StatusLine((s) => shown.push(s), counted, 1000);
  });
  afterEach(() => clock.uninstall());
  const texts = (): Array<string | undefined> => shown.map((s) => s.text);

  it('should show the first count at once and sum the counts of the next second into one', () => {
    line.count(2);
    assert.deepEqual(texts(), ['events: 2']);
    line.count(3);
    line.count(4);
    assert.deepEqual(texts(), ['events: 2'], 'nothing new within the second');
    clock.tick(999);
    assert.deepEqual(texts(), ['events: 2']);
    clock.tick(1);
    assert.deepEqual(texts(), ['events: 2', 'events: 7']);
    assert.equal(line.shown, 'connected');
  });

  it('should show a count at once after another state, and a change of state at once, dropping the count waiting', () => {
    line.count(1);
    line.count(5);
    line.show(warning);
    assert.equal(line.shown, 'warning');
    line.count(2);
    assert.deepEqual(texts(), ['events: 1', 'gap', 'events: 7'], 'the count after a warning shows at once, with the ones held back');
    line.count(1);
    line.show(failed);
    clock.tick(5000);
    assert.deepEqual(texts(), ['events: 1', 'gap', 'events: 7', 'retry'], 'the failure is not overwritten by the count held back');
  });

  it('should keep the state it stands for under a flashed status, and keep nothing after cancel', () => {
    line.show(warning);
    line.flash(status('error', 'listener failed'));
    assert.equal(line.shown, 'warning');
    line.show(undefined);
    assert.deepEqual(texts(), ['gap', 'listener failed'], 'undefined keeps the status');
    line.count(1);
    line.count(1);
    line.cancel();
    clock.tick(5000);
    assert.deepEqual(texts(), ['gap', 'listener failed', 'events: 1']);
  });
});
