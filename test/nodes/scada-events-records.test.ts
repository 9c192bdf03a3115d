import assert from 'node:assert/strict';
import { isMemoryOnlyStore, pickCursor } from '../../nodes/lib/masterscada-cursor';
import { packetToMessages, resolveSelections } from '../../nodes/lib/masterscada-records';
import type { IntegrationError } from '../../src/shared/errors';

describe('scada-events msg shaping and settings', () => {
  const [sel] = resolveSelections([
    { clientHandle: '2', taskId: 0, itemId: 111, archiveId: 0, path: 'P1', useArchive: false, fields: [{ id: 1, name: '' }, { id: 7, name: 'since' }, { id: 3, name: 'text' }, { id: 200, name: 'custom', time: true }] },
  ]);
  const selections = new Map([[2, sel]]);

  it('should name fields, default the eventId name and topic, and mark standard and flagged time fields', () => {
    assert.deepEqual(sel.names, ['eventId', 'since', 'text', 'custom']);
    assert.deepEqual(sel.isTime, [false, true, false, true]);
    assert.equal(sel.topic, '0/111/P1');
    assert.deepEqual(sel.selection, { clientHandle: 2, archiveId: 0, taskId: 0, itemId: 111, path: 'P1', useArchive: false, fields: [{ id: 1 }, { id: 7 }, { id: 3 }, { id: 200 }] });
  });

  it('should map the vendor example record onto names, with ISO times and raw values kept', () => {
    const [msg] = packetToMessages(
      { subscriptionId: 1, sequenceNumber: 4, hasMore: false, serverTime: '1411149604245', recs: [{ clientHandle: 2, recType: 'Update', fields: ['12A5EDFFFFFF', '1357002062000', 'Превышение уставки', null] }], deleted: [] },
      selections,
    );
    assert.deepEqual(msg, {
      topic: '0/111/P1',
      payload: { eventId: '12A5EDFFFFFF', since: '2013-01-01T01:01:02.000Z', text: 'Превышение уставки', custom: null, raw: { since: '1357002062000' } },
      recType: 'Update',
      eventId: '12A5EDFFFFFF',
      clientHandle: 2,
      sequenceNumber: 4,
      serverTime: '2014-09-19T18:00:04.245Z',
    });
  });

  it('should make one msg per deleted eventId and deliver records of an unknown selection unshaped, telling about each', () => {
    const unknown: number[] = [];
    const msgs = packetToMessages(
      {
        subscriptionId: 1,
        sequenceNumber: 5,
        hasMore: false,
        serverTime: 'garbage',
        recs: [
          { clientHandle: 9, recType: 'Refresh', fields: ['x', 1] },
          { clientHandle: 9, recType: 'Update', fields: ['y'] },
        ],
        deleted: [{ clientHandle: 2, eventIds: ['a', 'b'] }],
      },
      selections,
      (h) => unknown.push(h),
    );
    assert.deepEqual(msgs.map((m) => [m.recType, m.eventId, m.topic, m.clientHandle]), [
      ['Refresh', undefined, '9', 9],
      ['Update', undefined, '9', 9],
      ['Deleted', 'a', '0/111/P1', 2],
      ['Deleted', 'b', '0/111/P1', 2],
    ]);
    // The raw fields as the server sent them: no invented names, no invented eventId.
    assert.deepEqual(msgs[0].payload, ['x', 1]);
    assert.equal(msgs[0].unshaped, true);
    assert.equal(msgs[2].unshaped, undefined);
    assert.deepEqual(unknown, [9, 9]);
    assert.equal(msgs[1].serverTime, undefined);
  });

  for (const [what, defs, message] of [
    ['no selections', [], /at least one/],
    ['a selection without eventId', [{ clientHandle: 1, fields: [{ id: 3, name: 'm' }] }], /eventId/],
    ['a handle used twice', [{ clientHandle: 1, fields: [{ id: 1 }] }, { clientHandle: 1, fields: [{ id: 1 }] }], /used twice/],
    ['a field named raw', [{ clientHandle: 1, fields: [{ id: 1 }, { id: 99, name: 'raw' }] }], /reserved/],
    ['a custom field without a name', [{ clientHandle: 1, fields: [{ id: 1 }, { id: 99, name: '' }] }], /needs a name/],
    ['a non-numeric item id', [{ clientHandle: 1, itemId: 'pump', fields: [{ id: 1 }] }], /item id/],
  ] as const) {
    it(`should refuse ${what} as a CONFIG error`, () => {
      assert.throws(() => resolveSelections(defs), (e: IntegrationError) => e.code === 'CONFIG' && message.test(e.message));
    });
  }

  it('should resume only a cursor made with the same settings, and name any other as stale', () => {
    const stored = { sessionId: 's', subscriptionId: 3, ack: 7, fingerprint: 'F' };
    assert.deepEqual(pickCursor(stored, undefined, 'F'), { resume: { sessionId: 's', subscriptionId: 3, ack: 7 } });
    assert.deepEqual(pickCursor(stored, undefined, 'G'), { stale: { sessionId: 's', subscriptionId: 3, ack: 7 } });
    assert.deepEqual(pickCursor(undefined, { sessionId: 's', subscriptionId: 3, fingerprint: 'F' }, 'F'), { resume: { sessionId: 's', subscriptionId: 3 } });
    assert.deepEqual(pickCursor({ sessionId: {}, subscriptionId: 3, fingerprint: 'F' }, undefined, 'F'), {});
  });

  it('should tell memory-only context stores from persistent ones', () => {
    assert.equal(isMemoryOnlyStore(undefined, undefined), true);
    assert.equal(isMemoryOnlyStore({ default: { module: 'localfilesystem' } }, undefined), false);
    assert.equal(isMemoryOnlyStore({ default: 'file', file: { module: 'localfilesystem' }, mem: { module: 'memory' } }, undefined), false);
    assert.equal(isMemoryOnlyStore({ default: 'file', file: { module: 'localfilesystem' }, mem: { module: 'memory' } }, 'mem'), true);
    assert.equal(isMemoryOnlyStore({ file: { module: 'localfilesystem' } }, undefined), false);
  });
});
