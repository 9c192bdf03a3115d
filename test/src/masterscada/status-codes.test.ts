import assert from 'node:assert/strict';
import { STATUS_CODES, TRANSIENT_STATUSES, describeStatus, parseStatusCode, statusValue } from '../../../src/masterscada/status-codes';
import type { StatusName } from '../../../src/masterscada/status-codes';
import { encodeStatus } from '../../../src/sim/masterscada/encoding';

describe('OPC UA status codes', () => {
  it('should give the value of every name in the table and read each back by value and by name', () => {
    for (const [name, value] of Object.entries(STATUS_CODES)) {
      assert.equal(statusValue(name as StatusName), value);
      assert.equal(describeStatus(value).name, name);
      assert.deepEqual(parseStatusCode(`OpcUa_${name}`), { value, name, isBad: name !== 'Good' });
    }
  });

  it('should refuse a name outside the table instead of taking it for Good', () => {
    // @ts-expect-error a name outside the table does not compile
    assert.throws(() => statusValue('BadSessionIdUnknown'), /unknown OPC UA status name: BadSessionIdUnknown/);
    assert.throws(() => statusValue('toString' as StatusName), RangeError);
    assert.throws(() => encodeStatus('BadNoSuchThing' as StatusName, 'number'), RangeError);
  });

  it('should hold only table names in the status groups', () => {
    for (const name of TRANSIENT_STATUSES) assert.ok(Object.prototype.hasOwnProperty.call(STATUS_CODES, name), name);
  });
});
