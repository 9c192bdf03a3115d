import { closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';

export interface JsonFileOptions {
  /** Also fdatasync the file and its folder, so the value survives a power loss (costs a disk flush per write). */
  fdatasync?: boolean;
}

/**
 * One small JSON file written synchronously: a temporary file renamed over
 * the old one, so a killed process leaves either the old or the new value,
 * never half of one. The write is in the operating system when `write`
 * returns (a SIGKILL cannot undo it); with `fdatasync` it is on the disk.
 * Files are created readable by the owner only.
 */
export class JsonFile<T> {
  private readonly tmp: string;
  private folderMade = false;

  constructor(
    readonly path: string,
    private readonly options: JsonFileOptions = {},
  ) {
    this.tmp = `${path}.tmp`;
  }

  /** The stored value; undefined when there is none or it cannot be read. */
  read(): unknown {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  write(value: T | undefined): void {
    if (value === undefined) {
      try {
        unlinkSync(this.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      return;
    }
    const fd = this.openTmp();
    try {
      writeSync(fd, JSON.stringify(value));
      if (this.options.fdatasync) fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(this.tmp, this.path);
    if (this.options.fdatasync) syncFolder(dirname(this.path));
  }

  /** The folder is made on the first write, and again if it was removed since (two system calls less per write). */
  private openTmp(): number {
    if (this.folderMade) {
      try {
        return openSync(this.tmp, 'w', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    this.folderMade = true;
    return openSync(this.tmp, 'w', 0o600);
  }
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
