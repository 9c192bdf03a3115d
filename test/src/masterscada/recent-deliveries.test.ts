import assert from 'node:assert/strict';
import { RecentDeliveries, deliveryKey } from '../../../src/masterscada/recent-deliveries';

describe('RecentDeliveries', () => {
  it('should name a record by selection, eventId and time, as cursors stored by earlier versions do', () => {
    assert.equal(deliveryKey(7, 'ev-1', 1764610000000), '7|ev-1|1764610000000');
    assert.equal(deliveryKey(7, 'ev-1', undefined), '7|ev-1|');
  });

  it('should keep the last entries up to its limit, oldest first, and forget the oldest first', () => {
    const recent = new RecentDeliveries(3);
    for (let i = 1; i <= 5; i++) recent.add(1, `e${i}`, 100 + i);
    assert.equal(recent.size, 3);
    assert.deepEqual(recent.keyList(), ['1|e3|103', '1|e4|104', '1|e5|105']);
    recent.add(2, 'e6', undefined);
    assert.deepEqual(recent.keyList(), ['1|e4|104', '1|e5|105', '2|e6|']);
    assert.ok(recent.keySet().has('2|e6|'));
    assert.ok(!recent.keySet().has('1|e3|103'));
  });

  it('should list a key once however often it was added', () => {
    const recent = new RecentDeliveries(5);
    recent.add(1, 'a', 1);
    recent.add(1, 'b', 1);
    recent.add(1, 'a', 1);
    assert.deepEqual(recent.keyList(), ['1|a|1', '1|b|1']);
  });

  it('should take keys read back from a stored cursor, in order with added records, and forget everything on clear', () => {
    const recent = new RecentDeliveries(4);
    recent.addKey('3|stored|99');
    recent.add(3, 'new', 100);
    assert.deepEqual(recent.keyList(), ['3|stored|99', '3|new|100']);
    recent.clear();
    assert.equal(recent.size, 0);
    assert.deepEqual(recent.keyList(), []);
    for (let i = 0; i < 6; i++) recent.add(1, `x${i}`, i);
    assert.deepEqual(recent.keyList(), ['1|x2|2', '1|x3|3', '1|x4|4', '1|x5|5'], 'the ring starts again from empty after clear');
  });
});
