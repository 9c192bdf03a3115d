/** The query of a `scada-history` read: the node's own settings read once at start, a msg overriding parts of them. */
import assert from 'node:assert/strict';
import { historySettings, resolveQuery } from '../../nodes/lib/history-query';
import type { HistoryDefaults } from '../../nodes/lib/history-query';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;

function defaults(over: Partial<HistoryDefaults> = {}): HistoryDefaults {
  return {
    archiveId: 0,
    itemId: 111,
    path: '',
    topic: '',
    fields: [
      { id: 1, name: 'eventId' },
      { id: 3, name: 'Message' },
    ],
    start: '-1h',
    end: '',
    inverse: false,
    limit: 0,
    ...over,
  };
}

describe('scada-history query', () => {
  it('reads the node\'s selection once: every msg without msg.fields shares it', () => {
    const settings = historySettings(defaults(), NOW);
    const first = resolveQuery(settings, {}, NOW);
    const second = resolveQuery(settings, { limit: 5 }, NOW + 1000);
    assert.equal(second.selection, first.selection, 'the selection resolved at start, not again');
    assert.equal(first.selection, settings.selection);
    assert.deepEqual(first.selection.names, ['eventId', 'Message']);
    assert.equal(first.selection.topic, '0/111');
  });

  it('places the node\'s relative times at each msg\'s now, and keeps fixed ones', () => {
    const settings = historySettings(defaults({ start: '-1h', end: 'now' }), NOW);
    const later = resolveQuery(settings, {}, NOW + 5 * HOUR);
    assert.deepEqual([later.startTime, later.endTime], [NOW + 4 * HOUR, NOW + 5 * HOUR]);
    const fixed = historySettings(defaults({ start: String(NOW - HOUR), end: '2026-12-01T11:30:00Z' }), NOW);
    const q = resolveQuery(fixed, {}, NOW + 5 * HOUR);
    assert.deepEqual([q.startTime, q.endTime], [NOW - HOUR, NOW - HOUR / 2]);
  });

  it('takes what the msg overrides and the rest from the settings', () => {
    const settings = historySettings(defaults({ inverse: true, limit: '20' }), NOW);
    const plain = resolveQuery(settings, {}, NOW);
    assert.deepEqual([plain.inverse, plain.limit], [true, 20]);
    const q = resolveQuery(settings, { start: NOW - 2 * HOUR, end: new Date(NOW - HOUR), fields: ['eventId', 'Severity', 12], inverse: false, limit: 0 }, NOW);
    assert.deepEqual([q.startTime, q.endTime, q.inverse, q.limit], [NOW - 2 * HOUR, NOW - HOUR, false, undefined]);
    assert.deepEqual(q.selection.names, ['eventId', 'Severity', 'SourceName']);
    assert.deepEqual(q.selection.selection.fields, [{ id: 1 }, { id: 4 }, { id: 12 }]);
    assert.equal(q.selection.selection.itemId, 111, 'msg.fields read from the node\'s item');
    assert.notEqual(q.selection, settings.selection);
  });

  it('refuses unusable settings at start with CONFIG', () => {
    const bad: Array<[Partial<HistoryDefaults>, RegExp]> = [
      [{ start: '' }, /a start time is needed/],
      [{ start: 'yesterday' }, /"yesterday" is not a time/],
      [{ end: 'soon' }, /"soon" is not a time/],
      [{ start: String(NOW), end: String(NOW - 1) }, /is before the start/],
      [{ limit: -3 }, /the limit must be a whole number/],
      [{ fields: [{ id: 3, name: 'Message' }] }, /^the fields must include eventId/],
      [{ itemId: 'x' }, /item id/],
    ];
    for (const [over, message] of bad) assert.throws(() => historySettings(defaults(over), NOW), { code: 'CONFIG', message }, JSON.stringify(over));
  });

  it('refuses a bad msg with BAD_INPUT, and a node window that no longer holds with CONFIG', () => {
    const settings = historySettings(defaults(), NOW);
    for (const msg of [{ start: 'yesterday' }, { start: '' }, { end: NOW - 2 * HOUR }, { inverse: 'yes' }, { limit: 2.5 }, { fields: [3] }, { fields: ['Nope'] }]) {
      assert.throws(() => resolveQuery(settings, msg, NOW), { code: 'BAD_INPUT' }, JSON.stringify(msg));
    }
    // A fixed end with a start relative to now: the window closes as time goes on.
    const drifting = historySettings(defaults({ start: '-1h', end: String(NOW) }), NOW);
    assert.equal(resolveQuery(drifting, {}, NOW).endTime, NOW);
    assert.throws(() => resolveQuery(drifting, {}, NOW + 2 * HOUR), { code: 'CONFIG', message: /is before the start/ });
  });
});
