/**
 * Row 7, the crash-safe cursor: `scada-events` writes its cursor file (src/masterscada/file-cursor-store.ts)
 * before every ack. (1) The drain of row 1 (a) with the node's `fdatasync` setting on against off, and
 * the time per packet that makes; (2) a micro row in the bench process: `JsonFile.write` (one pwrite
 * into one of two checksummed slots of a file kept open) per call
 * against a plain `fs.writeFileSync` of the same bytes, without and with a flush to the disk, in a
 * folder on the same file system as the Node-RED user directory (the system's temporary folder).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFile } from '../src/masterscada/file-cursor-store';
import { inNodeRed } from './drain';
import { BENCH_SELECTION } from './flows';
import { alternate, median, type Row } from './measure';
import type { BenchRuntime } from './runtime';
import type { Sizes } from './sizes';

/** What the node stores per packet: the same fields and about the same size as a real cursor file. */
function sampleCursor(): Record<string, unknown> {
  return {
    fingerprint: JSON.stringify(['http://127.0.0.1:40000', [{ clientHandle: 1, taskId: 0, itemId: 0, archiveId: 0, path: '', fields: BENCH_SELECTION.fields }]]),
    savedAt: Date.now(),
    subscriptionId: 1,
    ack: 123_456,
    lastEventTime: Date.now(),
    sessionSealed: Buffer.alloc(64, 7).toString('base64'),
  };
}

/** Microseconds per call of `write`, over `calls` calls. */
function perCall(calls: number, write: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) write(i);
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

function micro(dir: string, calls: number, fdatasync: boolean): { jsonFile: number; plain: number } {
  const value = sampleCursor();
  const file = new JsonFile<Record<string, unknown>>(join(dir, `cursor-${String(fdatasync)}.cursor`), { fdatasync });
  const plainPath = join(dir, `plain-${String(fdatasync)}.json`);
  const bytes = JSON.stringify(value);
  const plain = (): void => {
    if (!fdatasync) {
      writeFileSync(plainPath, bytes);
      return;
    }
    const fd = openSync(plainPath, 'w');
    try {
      writeFileSync(fd, bytes);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
  const jsonFile = perCall(calls, () => file.write(value));
  file.close();
  return { jsonFile, plain: perCall(calls, plain) };
}

export async function benchCursor(rt: BenchRuntime, sizes: Sizes): Promise<Row[]> {
  const { cursorEvents: n, packetSize } = sizes;
  const packets = n / packetSize;
  // Warm-up of both settings with a tenth of the backlog, not counted.
  for (const fdatasync of [false, true]) await inNodeRed(rt, 'a', Math.max(packetSize, Math.round(n / 10)), packetSize, { fdatasync });
  const drains = await alternate(sizes.reps, {
    off: () => inNodeRed(rt, 'a', n, packetSize, { fdatasync: false }),
    on: () => inNodeRed(rt, 'a', n, packetSize, { fdatasync: true }),
  });
  const rate = { off: median(drains.off), on: median(drains.on) };
  const usPerPacket = (evPerS: number): number => (packetSize / evPerS) * 1e6;

  const dir = mkdtempSync(join(tmpdir(), 'bench-cursor-'));
  let writes: Record<'noSync' | 'sync', Array<{ jsonFile: number; plain: number }>>;
  try {
    micro(dir, Math.max(10, sizes.cursorWrites / 10), false);
    writes = await alternate(sizes.reps, {
      noSync: () => Promise.resolve(micro(dir, sizes.cursorWrites, false)),
      sync: () => Promise.resolve(micro(dir, Math.max(10, Math.round(sizes.cursorWrites / 10)), true)),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (runs: Array<{ jsonFile: number; plain: number }>, k: 'jsonFile' | 'plain'): number => median(runs.map((r) => r[k]));

  const what = `crash-safe cursor, drain of ${n} events (${packets} packets), scada-events`;
  return [
    { id: '7 sync', what: `${what}, fdatasync on`, value: rate.on, unit: 'ev/s', baseline: { value: rate.off, label: 'the same node, fdatasync off (the default)' } },
    { id: '7 pkt', what: `${what}: time per packet, fdatasync on`, value: usPerPacket(rate.on), unit: 'µs', baseline: { value: usPerPacket(rate.off), label: 'per packet, fdatasync off' } },
    { id: '7 write', what: 'cursor file write per call, JsonFile.write (in place, two slots)', value: m(writes.noSync, 'jsonFile'), unit: 'µs', baseline: { value: m(writes.noSync, 'plain'), label: 'fs.writeFileSync of the same bytes' } },
    { id: '7 wsync', what: 'cursor file write per call, JsonFile.write with fdatasync', value: m(writes.sync, 'jsonFile'), unit: 'µs', baseline: { value: m(writes.sync, 'plain'), label: 'fs.writeFileSync + fdatasync of the same bytes' } },
  ];
}
