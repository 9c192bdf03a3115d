import assert from 'node:assert/strict';
import { endStatus, pagingStatus } from '../../nodes/lib/history-status';
import { StatusWords } from '../../nodes/lib/status';
import { translator } from './catalog';

describe('scada-history status', () => {
  const en = new StatusWords('scada-history', translator('en-US', 'scada-history'));
  const ru = new StatusWords('scada-history', translator('ru', 'scada-history'));

  it('should count the records in words, one record and many, in en-US and ru', () => {
    assert.deepEqual(pagingStatus(en, 3, 1500), { fill: 'blue', shape: 'dot', text: 'page 3, 1500 records' });
    assert.equal(pagingStatus(en, 1, 1).text, 'page 1, 1 record');
    assert.deepEqual(endStatus(en, 'end', 1), { fill: 'green', shape: 'dot', text: '1 record' });
    assert.equal(endStatus(en, 'limit', 0).text, '0 records');
    assert.deepEqual(endStatus(en, 'truncated', 1), { fill: 'yellow', shape: 'dot', text: '1 record, truncated' });
    assert.deepEqual(endStatus(en, 'stopped', 21), { fill: 'grey', shape: 'ring', text: 'stopped: 21 records' });
    assert.equal(endStatus(ru, 'end', 1).text, 'записей: 1');
    assert.equal(endStatus(ru, 'stopped', 21).text, 'остановлено, записей: 21');
  });
});
