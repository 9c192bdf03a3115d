import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CURSOR_KEY, NodeCursorStore, cursorFilePath, cursorKey, isMemoryOnlyStore } from '../../nodes/lib/masterscada-cursor';
import type { ContextLike, NodeCursorStoreOptions } from '../../nodes/lib/masterscada-cursor';
import { JsonFile } from '../../src/masterscada/file-cursor-store';
import { packetToMessages, resolveSelections } from '../../nodes/lib/masterscada-records';
import { eventTimeOf } from '../../nodes/lib/scada-events-alarms';
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

  it('should order the alarm list by the raw event time of a shaped msg, not its ISO text read back', () => {
    const resolved = resolveSelections([{ clientHandle: 5, taskId: 0, itemId: 1, archiveId: 0, path: '', useArchive: false, fields: [{ id: 1, name: '' }, { id: 2, name: 'at' }] }]);
    const timeOf = eventTimeOf(resolved);
    const shaped = (time: unknown): ReturnType<typeof packetToMessages>[number] =>
      packetToMessages({ subscriptionId: 1, sequenceNumber: 1, hasMore: false, serverTime: undefined, recs: [{ clientHandle: 5, recType: 'Update', fields: ['e1', time] }], deleted: [] }, new Map([[5, resolved[0]]]))[0];
    assert.equal(timeOf(shaped('1357002062123')), 1357002062123);
    assert.equal(timeOf(shaped(1357002062123.7)), 1357002062123);
    assert.equal(timeOf(shaped('2013-01-01T01:01:02.123Z')), 1357002062123);
    assert.equal(timeOf(shaped(null)), undefined);
    assert.equal(timeOf(shaped('not a time')), undefined);
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

  describe('cursor store (file + node context)', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'cursor-store-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** A node context over one map, answering through callbacks as Node-RED's stores do. */
    function contextOver(map: Map<string, unknown>): ContextLike {
      return {
        get: (k, _s, cb) => setImmediate(() => cb(undefined, map.get(k))),
        set: (k, v, _s, cb) => {
          if (v === undefined) map.delete(k);
          else map.set(k, JSON.parse(JSON.stringify(v)));
          setImmediate(() => cb());
        },
      };
    }
    function storeOf(map: Map<string, unknown>, extra: Partial<NodeCursorStoreOptions> = {}): NodeCursorStore {
      return new NodeCursorStore({
        file: new JsonFile(cursorFilePath(dir, 'node.1'), {}),
        context: contextOver(map),
        store: undefined,
        fingerprint: 'F',
        key: cursorKey(dir, undefined),
        onFileError: (err) => assert.fail(String(err)),
        onContextError: (err) => assert.fail(String(err)),
        ...extra,
      });
    }

    it('should keep the ack in its file and in context, with the session sealed, and read it back', async () => {
      const ctx = new Map<string, unknown>();
      await storeOf(ctx).save({ sessionId: 'sess-SECRET-1', subscriptionId: 3, ack: 7, inFlight: 8, lastEventTime: 1000 });
      const onDisk = readFileSync(cursorFilePath(dir, 'node.1'), 'utf8');
      assert.ok(!onDisk.includes('sess-SECRET-1') && !JSON.stringify(ctx.get(CURSOR_KEY)).includes('sess-SECRET-1'), 'session id in plain text');
      assert.equal((ctx.get(CURSOR_KEY) as { ack: number }).ack, 7, 'the ack is visible in context');
      assert.equal(statSync(cursorFilePath(dir, 'node.1')).mode & 0o077, 0, 'file readable by others');
      // A fresh store (a full deploy, a restart) with an empty context reads the file.
      assert.deepEqual(await storeOf(new Map()).load(), { sessionId: 'sess-SECRET-1', subscriptionId: 3, ack: 7, inFlight: 8, lastEventTime: 1000 });
    });

    it('should take the newer of file and context, and name a cursor of other settings as stale', async () => {
      const ctx = new Map<string, unknown>();
      const a = storeOf(ctx);
      await a.save({ sessionId: 's', subscriptionId: 3, ack: 7 });
      // A standby Node-RED moved on through a shared context store: its newer context copy wins over our file.
      const newer = { ...(ctx.get(CURSOR_KEY) as Record<string, unknown>), ack: 9, savedAt: Date.now() + 1000 };
      ctx.set(CURSOR_KEY, newer);
      assert.equal((await storeOf(ctx).load())?.ack, 9);
      // An older context copy (localfilesystem flushed 30 s ago) loses to the file.
      ctx.set(CURSOR_KEY, { ...newer, ack: 2, savedAt: 1 });
      assert.equal((await storeOf(ctx).load())?.ack, 7);
      assert.deepEqual(await storeOf(ctx, { fingerprint: 'G' }).loadWithStale(), { stale: { sessionId: 's', subscriptionId: 3 } });
    });

    it('should store a pasted session id only as a keyed hash that recognises it', async () => {
      const ctx = new Map<string, unknown>();
      await storeOf(ctx, { fixedSessionId: 'PASTED-abc' }).save({ sessionId: 'PASTED-abc', subscriptionId: 4, ack: 1 });
      const text = readFileSync(cursorFilePath(dir, 'node.1'), 'utf8') + JSON.stringify(ctx.get(CURSOR_KEY));
      assert.ok(!text.includes('PASTED-abc'), 'pasted session id in plain text');
      assert.ok(!text.includes(Buffer.from('PASTED-abc').toString('base64')), 'pasted session id encoded');
      assert.equal((await storeOf(ctx, { fixedSessionId: 'PASTED-abc' }).load())?.sessionId, 'PASTED-abc');
      assert.equal(await storeOf(ctx, { fixedSessionId: 'PASTED-xyz' }).load(), undefined, 'another pasted id must not match');
    });
  });

  it('should tell memory-only context stores from persistent ones', () => {
    assert.equal(isMemoryOnlyStore(undefined, undefined), true);
    assert.equal(isMemoryOnlyStore({ default: { module: 'localfilesystem' } }, undefined), false);
    assert.equal(isMemoryOnlyStore({ default: 'file', file: { module: 'localfilesystem' }, mem: { module: 'memory' } }, undefined), false);
    assert.equal(isMemoryOnlyStore({ default: 'file', file: { module: 'localfilesystem' }, mem: { module: 'memory' } }, 'mem'), true);
    assert.equal(isMemoryOnlyStore({ file: { module: 'localfilesystem' } }, undefined), false);
  });

  for (const lang of ['en-US', 'ru']) {
    it(`should name every input command, connect included, in the ${lang} help and unknown-command message`, () => {
      const locales = join(__dirname, '..', '..', '..', 'nodes', 'locales', lang);
      const help = readFileSync(join(locales, 'scada-events.html'), 'utf8');
      const messages = JSON.parse(readFileSync(join(locales, 'scada-events.json'), 'utf8')) as { 'scada-events': { errors: { unknownAction: string } } };
      for (const command of ['refresh', 'reset', 'connect']) {
        assert.match(help, new RegExp(`<code>${command}</code>`), `help names ${command}`);
        assert.match(messages['scada-events'].errors.unknownAction, new RegExp(`"${command}"`), `unknown-command message names ${command}`);
      }
      assert.match(help, /redelivered/);
      assert.match(help, /<code>Archive<\/code>/);
    });
  }
});
