import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { ActiveAlarmList } from '../../../src/masterscada/active-alarms';
import { EventFilter, compileBounded } from '../../../src/masterscada/event-filter';
import { Coalescer } from '../../../src/shared/coalescer';
import type { Clock } from '../../../src/shared/clock';

describe('ActiveAlarmList', () => {
  const keys = (l: ActiveAlarmList): string[] => l.list().map((e) => e.key);
  /** Whether the list, as the node stores it, holds an open refresh bracket. */
  const bracketOpen = (l: ActiveAlarmList): boolean => l.toJSON().refreshing === true;

  it('adds and changes on upsert, removes on remove, newest first', () => {
    const l = new ActiveAlarmList<{ v: number }>();
    l.upsert('1|a', 100, { v: 1 });
    l.upsert('1|b', 300, { v: 2 });
    l.upsert('1|c', 200, { v: 3 });
    assert.deepEqual(keys(l), ['1|b', '1|c', '1|a']);
    l.upsert('1|a', 400, { v: 4 });
    assert.deepEqual(keys(l), ['1|a', '1|b', '1|c']);
    assert.deepEqual(l.list()[0].value, { v: 4 });
    l.remove('1|b');
    assert.deepEqual(keys(l), ['1|a', '1|c']);
  });

  it('sorts entries without a time last, newest arrival first among equal times', () => {
    const l = new ActiveAlarmList();
    l.upsert('x', undefined, 1);
    l.upsert('y', 5, 2);
    l.upsert('z', 5, 3);
    assert.deepEqual(keys(l), ['z', 'y', 'x']);
  });

  it('drops, at the end of a refresh bracket, what the refresh did not mention', () => {
    const l = new ActiveAlarmList();
    l.upsert('a', 1, 'a');
    l.upsert('b', 2, 'b');
    l.upsert('c', 3, 'c');
    assert.equal(l.drained(), false, 'no bracket open: nothing changes');
    assert.equal(l.list().length, 3);
    l.refreshStarted();
    assert.equal(bracketOpen(l), true);
    l.upsert('b', 2, 'b2');
    l.upsert('d', 4, 'd');
    // Still there while the bracket is open.
    assert.equal(l.list().length, 4);
    const before = l.changes;
    assert.equal(l.drained(), true);
    assert.equal(bracketOpen(l), false);
    assert.deepEqual(keys(l), ['d', 'b']);
    assert.ok(l.changes > before);
  });

  it('an empty refresh empties the list', () => {
    const l = new ActiveAlarmList();
    l.upsert('a', 1, 'a');
    l.refreshStarted();
    l.drained();
    assert.equal(l.list().length, 0);
  });

  it('a Deleted inside the bracket stays deleted', () => {
    const l = new ActiveAlarmList();
    l.upsert('a', 1, 'a');
    l.refreshStarted();
    l.upsert('a', 1, 'a');
    l.remove('a');
    l.drained();
    assert.equal(l.list().length, 0);
  });

  it('restores what toJSON saved, with an open bracket, through JSON text', () => {
    const l = new ActiveAlarmList<Record<string, unknown>>();
    l.upsert('a', 1, { Message: 'one' });
    l.upsert('b', undefined, { Message: 'two' });
    l.refreshStarted();
    l.upsert('b', undefined, { Message: 'two again' });
    const copy = new ActiveAlarmList<Record<string, unknown>>();
    assert.equal(copy.restore(JSON.parse(JSON.stringify(l))), true);
    assert.deepEqual(copy.list(), l.list());
    assert.equal(bracketOpen(copy as ActiveAlarmList), true);
    // The bracket goes on after the restore: 'a' was not mentioned in it.
    copy.drained();
    assert.deepEqual(keys(copy as ActiveAlarmList), ['b']);
  });

  it('refuses a stored value that is not a list, and is left empty', () => {
    const l = new ActiveAlarmList();
    l.upsert('a', 1, 'a');
    for (const bad of [undefined, null, 3, { v: 2, entries: [] }, { v: 1, entries: [['a', 'x', 1]] }, { v: 1, entries: [], seen: [1] }]) {
      assert.equal(l.restore(bad), false, JSON.stringify(bad));
      assert.equal(l.list().length, 0);
    }
  });
});

describe('EventFilter', () => {
  it('severity range is inclusive and needs a numeric severity', () => {
    const f = new EventFilter({ severityMin: 500, severityMax: 800 });
    assert.deepEqual([499, 500, 800, 801, '600', undefined, 'x'].map((severity) => f.accepts({ severity })), [false, true, true, false, true, false, false]);
    assert.throws(() => new EventFilter({ severityMin: 9, severityMax: 1 }), { code: 'CONFIG' });
  });

  it('reads severity bounds given as the editor stores them: number text, blank for none, anything else a CONFIG error', () => {
    const f = new EventFilter({ severityMin: ' 500 ', severityMax: '800' });
    assert.deepEqual([499, 500, 800, 801].map((severity) => f.accepts({ severity })), [false, true, true, false]);
    assert.equal(new EventFilter({ severityMin: '', severityMax: '  ' }).passesAll, true, 'blank bounds filter nothing');
    assert.equal(new EventFilter({ severityMin: '0' }).passesAll, false, 'a bound of 0 is a bound');
    assert.throws(() => new EventFilter({ severityMin: 'high' }), { code: 'CONFIG', message: 'the lowest severity must be a number' });
    assert.throws(() => new EventFilter({ severityMax: Number.NaN }), { code: 'CONFIG', message: 'the highest severity must be a number' });
    assert.throws(() => new EventFilter({ severityMin: '900', severityMax: '100' }), { code: 'CONFIG', message: 'the lowest severity is above the highest' });
  });

  it('active / acknowledged state', () => {
    const f = new EventFilter({ active: 'yes', acked: 'no' });
    assert.equal(f.accepts({ active: true, acked: false }), true);
    assert.equal(f.accepts({ active: false, acked: false }), false);
    assert.equal(f.accepts({ active: true, acked: true }), false);
    assert.equal(f.accepts({ active: true }), false, 'an unknown state does not pass "unacknowledged"');
  });

  it('text: substring ignoring case, or a regular expression', () => {
    assert.equal(new EventFilter({ text: 'PUMP' }).accepts({ text: 'Pump 3 overheated' }), true);
    assert.equal(new EventFilter({ text: 'valve' }).accepts({ text: 'Pump 3 overheated' }), false);
    const re = new EventFilter({ text: '^pump [0-9]+ over', textMode: 'regex' });
    assert.equal(re.accepts({ text: 'Pump 12 overheated' }), true);
    assert.equal(re.accepts({ text: 'the pump 12 overheated' }), false);
    assert.equal(new EventFilter({}).passesAll, true);
    assert.equal(new EventFilter({ text: 'x' }).passesAll, false);
  });

  it('refuses patterns that could backtrack without bound, and ones that do not compile', () => {
    for (const p of ['(a+)+$', '(a*)*', '(x|xx)+y', '((ab)*c)+', '(\\w+\\s?)*$', '(a)\\1', 'x'.repeat(201), '(']) {
      assert.throws(() => compileBounded(p), { code: 'CONFIG' }, p);
    }
    for (const p of ['pump [0-9]+', '(high|low) level', '[(a+)+]', 'a+b*c?', '(ab)+', '(a+)?b']) assert.ok(compileBounded(p) instanceof RegExp, p);
  });
});

describe('Coalescer', () => {
  it('folds pokes into at most one flush per interval and always flushes after the last poke', () => {
    const fake = FakeTimers.createClock();
    const clock: Clock = { now: () => fake.now, setTimeout: (cb, ms) => fake.setTimeout(cb, ms), clearTimeout: (h) => fake.clearTimeout(h as never) };
    const flushes: number[] = [];
    const c = new Coalescer(250, () => flushes.push(fake.now), clock);
    for (let t = 0; t < 1000; t += 10) {
      c.poke();
      fake.tick(10);
    }
    fake.tick(1000);
    // 1000 ms of pokes: a flush at 0 and then one per 250 ms, the last one after the last poke.
    assert.deepEqual(flushes, [0, 250, 500, 750, 1000]);
    c.poke();
    c.close();
    fake.tick(1000);
    assert.equal(flushes.length, 5, 'nothing after close');
  });
});
