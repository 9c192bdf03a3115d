import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

export interface JsonFileOptions {
  /** Also fdatasync each write, so the value survives a power loss (costs a disk flush per write). */
  fdatasync?: boolean;
}

/** "MSC1" */
const MAGIC = 0x3143534d;
/** magic u32, generation f64, body length u32, crc32 u32 (over generation, length and body). */
const HEADER = 20;
/** One page per slot at least, so a torn page write touches one slot only. */
const MIN_SLOT = 4096;

interface Slot {
  generation: number;
  value: unknown;
}

/**
 * One small JSON value kept in a file of two fixed-size slots, written in
 * place with one `pwrite` into the slot that does not hold the newest value.
 * Each slot carries a generation and a CRC-32: a write torn by a power loss
 * fails its check and the other slot, one write older, is read instead. A
 * SIGKILL cannot tear it: the write is in the operating system when `write`
 * returns; with `fdatasync` it is on the disk.
 *
 * Writing in place keeps the file's blocks where they are: no rename or
 * truncation per write, which on ext4 (delayed allocation) would start a
 * writeback inside the call, and one flush per write with `fdatasync` instead
 * of file and folder. The file is made, or grown when a value outgrows its
 * slot, as a temporary file renamed into place. Files are readable by the
 * owner only; one descriptor stays open until `close`.
 */
export class JsonFile<T> {
  private fd: number | undefined;
  private slotSize = 0;
  /** Generation of the newest valid slot, and the slot the next write goes to. */
  private generation = 0;
  private nextSlot = 0;

  constructor(
    readonly path: string,
    private readonly options: JsonFileOptions = {},
  ) {}

  /** The newest stored value whose slot is intact; undefined when there is none. */
  read(): unknown {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch {
      return undefined;
    }
    return newestSlot(bytes)?.value;
  }

  write(value: T | undefined): void {
    if (value === undefined) {
      this.close();
      try {
        unlinkSync(this.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      return;
    }
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    // Opening learns the generation already in the file (from an earlier run).
    const fd = this.openFile();
    const generation = this.generation + 1;
    const record = encodeRecord(generation, body);
    if (fd === undefined || record.length > this.slotSize) {
      this.replace(record);
    } else {
      writeAll(fd, record, this.nextSlot * this.slotSize);
      if (this.options.fdatasync) fdatasyncSync(fd);
    }
    this.generation = generation;
    this.nextSlot ^= 1;
  }

  /** Lets the descriptor go; a later write opens the file again. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Nothing is pending on a descriptor only ever written synchronously.
    }
  }

  /** The open file, or undefined when there is none (yet, or it was removed since it was opened). */
  private openFile(): number | undefined {
    if (this.fd !== undefined) {
      if (fstatSync(this.fd).nlink > 0) return this.fd;
      this.close();
    }
    let fd: number;
    try {
      fd = openSync(this.path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const size = fstatSync(fd).size;
    const bytes = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, bytes, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    if (!isSlotFile(size)) {
      // Not a file of ours (or cut short): made anew on this write.
      closeSync(fd);
      return undefined;
    }
    this.fd = fd;
    this.slotSize = size / 2;
    // Continue after the newest intact slot, writing into the other one.
    const newest = newestSlot(bytes);
    this.generation = Math.max(this.generation, newest?.generation ?? 0);
    this.nextSlot = newest === undefined ? 0 : newest.index ^ 1;
    return fd;
  }

  /** A new file (first write, or the value outgrew its slot) with `record` in slot 0, renamed into place. */
  private replace(record: Buffer): void {
    this.close();
    let slotSize = MIN_SLOT;
    while (slotSize < record.length) slotSize *= 2;
    const tmp = `${this.path}.tmp`;
    const file = Buffer.alloc(2 * slotSize);
    record.copy(file, 0);
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeAll(fd, file, 0);
      if (this.options.fdatasync) fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    if (this.options.fdatasync) syncFolder(dirname(this.path));
    this.fd = openSync(this.path, 'r+');
    this.slotSize = slotSize;
    // The write that follows goes into slot 1.
    this.nextSlot = 0;
  }
}

function encodeRecord(generation: number, body: Buffer): Buffer {
  const record = Buffer.allocUnsafe(HEADER + body.length);
  record.writeUInt32LE(MAGIC, 0);
  record.writeDoubleLE(generation, 4);
  record.writeUInt32LE(body.length, 12);
  body.copy(record, HEADER);
  record.writeUInt32LE(checksum(record), 16);
  return record;
}

/** CRC-32 of the generation, the length and the body (everything but the magic and the checksum itself). */
function checksum(record: Buffer): number {
  return crc32(record.subarray(HEADER), crc32(record.subarray(4, 16)));
}

function isSlotFile(size: number): boolean {
  return size >= 2 * MIN_SLOT && size % (2 * MIN_SLOT) === 0;
}

/** The intact slot with the highest generation. */
export function newestSlot(bytes: Buffer): (Slot & { index: number }) | undefined {
  if (!isSlotFile(bytes.length)) return undefined;
  const slotSize = bytes.length / 2;
  let newest: (Slot & { index: number }) | undefined;
  for (const index of [0, 1]) {
    const slot = decodeSlot(bytes.subarray(index * slotSize, (index + 1) * slotSize));
    if (slot && (newest === undefined || slot.generation > newest.generation)) newest = { ...slot, index };
  }
  return newest;
}

function decodeSlot(slot: Buffer): Slot | undefined {
  if (slot.readUInt32LE(0) !== MAGIC) return undefined;
  const length = slot.readUInt32LE(12);
  if (length > slot.length - HEADER) return undefined;
  const record = slot.subarray(0, HEADER + length);
  if (record.readUInt32LE(16) !== checksum(record)) return undefined;
  const generation = record.readDoubleLE(4);
  if (!Number.isSafeInteger(generation) || generation < 1) return undefined;
  try {
    return { generation, value: JSON.parse(record.subarray(HEADER).toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

function writeAll(fd: number, bytes: Buffer, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** The rename itself is durable only once the folder entry is flushed. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fdatasyncSync(fd);
  } catch {
    // Some file systems refuse to sync a folder; the file's own data is synced anyway.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
