import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cursor, CursorStore } from '../../src/masterscada/cursor-store';
import type { JsonFile } from '../../src/masterscada/file-cursor-store';
import type { ScadaId } from '../../src/masterscada/types';

/** Node context key of the stored cursor (the ack plus the subscription it belongs to). */
export const CURSOR_KEY = 'masterscadaCursor';

/** Folder under the Node-RED user directory with one cursor file per node. */
export const CURSOR_FOLDER = 'masterscada-cursors';

/**
 * What is stored, in the file and in node context alike. The session id never
 * appears in plain text: a session this package logged in to is kept sealed
 * (AES-256-GCM), a pasted one only as a keyed hash that recognises it.
 */
export interface StoredCursor extends Omit<Cursor, 'sessionId'> {
  fingerprint: string;
  /** Wall-clock ms of the write: the newer of file and context wins. */
  savedAt: number;
  sessionSealed?: string;
  sessionHash?: string;
  /** The active-alarm list as it stood at this ack (ActiveAlarmList.toJSON), when the node keeps one. */
  alarms?: unknown;
}

/** Node context as the node sees it (callback API, any store). */
export interface ContextLike {
  get(key: string, store: string | undefined, cb: (err: Error | undefined, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err?: Error) => void): void;
}

export interface NodeCursorStoreOptions {
  file: JsonFile<StoredCursor>;
  context: ContextLike;
  store: string | undefined;
  fingerprint: string;
  key: Buffer;
  /** The pasted session id, when the server node uses one. */
  fixedSessionId?: string;
  /** A write to the file failed (the context copy is still written). */
  onFileError: (err: unknown) => void;
  onContextError: (err: unknown) => void;
  /** Saved in the same write as every cursor, so the list never disagrees with the ack. */
  alarms?: { toJSON(): unknown };
}

export interface LoadResult {
  cursor?: Cursor;
  /** A cursor made with other selections or another server: its subscription should be deleted. */
  stale?: { sessionId?: ScadaId; subscriptionId: ScadaId };
  /** The active-alarm list stored with a cursor made with these selections (even when its session cannot be resumed). */
  alarms?: unknown;
}

/**
 * The cursor of one `scada-events` node: written synchronously to its own
 * file (the durable copy the engine relies on) and mirrored into node context
 * under `masterscadaCursor` (where users look, and what a shared store carries
 * to a standby Node-RED). On load the newer of the two wins by `savedAt`; on
 * the same machine that is the file, which is never behind.
 */
export class NodeCursorStore implements CursorStore {
  /** The session sealed once, not per packet (AES-GCM and a random IV per write showed in the drain's profile). */
  private sealed: { session: string; text: string } | undefined;

  constructor(private readonly options: NodeCursorStoreOptions) {}

  /** Lets the cursor file's descriptor go (a later save opens it again). */
  close(): void {
    this.options.file.close();
  }

  async load(): Promise<Cursor | undefined> {
    return (await this.loadWithStale()).cursor;
  }

  async loadWithStale(): Promise<LoadResult> {
    const fromFile = asStored(this.options.file.read());
    const fromContext = asStored(await this.readContext());
    const chosen = newest(fromFile, fromContext);
    if (!chosen) return {};
    const sessionId = this.openSession(chosen);
    if (chosen.fingerprint !== this.options.fingerprint) return { stale: { subscriptionId: chosen.subscriptionId, ...(sessionId === undefined ? {} : { sessionId }) } };
    const alarms = chosen.alarms === undefined ? {} : { alarms: chosen.alarms };
    if (sessionId === undefined) return alarms;
    const { subscriptionId, ack, inFlight, lastEventTime, lastEventKeys, backfillFrom } = chosen;
    return { cursor: { sessionId, subscriptionId, ...defined({ ack, inFlight, lastEventTime, lastEventKeys, backfillFrom }) }, ...alarms };
  }

  async save(cursor: Cursor | undefined): Promise<void> {
    const stored = cursor === undefined ? undefined : this.toStored(cursor);
    try {
      this.options.file.write(stored);
    } catch (err) {
      this.options.onFileError(err);
    }
    await new Promise<void>((resolve) => {
      this.options.context.set(CURSOR_KEY, stored, this.options.store, (err?: Error) => {
        if (err) this.options.onContextError(err);
        resolve();
      });
    });
  }

  private toStored(cursor: Cursor): StoredCursor {
    const { subscriptionId, ack, inFlight, lastEventTime, lastEventKeys, backfillFrom } = cursor;
    const session = String(cursor.sessionId);
    const fixed = this.options.fixedSessionId !== undefined && session === this.options.fixedSessionId;
    return {
      fingerprint: this.options.fingerprint,
      savedAt: Date.now(),
      subscriptionId,
      ...defined({ ack, inFlight, lastEventTime, lastEventKeys, backfillFrom }),
      ...(fixed ? { sessionHash: hashSession(this.options.key, session) } : { sessionSealed: this.sealSession(cursor.sessionId) }),
      ...(this.options.alarms ? { alarms: this.options.alarms.toJSON() } : {}),
    };
  }

  private sealSession(sessionId: ScadaId): string {
    const session = JSON.stringify(sessionId);
    if (this.sealed?.session !== session) this.sealed = { session, text: seal(this.options.key, session) };
    return this.sealed.text;
  }

  private openSession(stored: StoredCursor): ScadaId | undefined {
    const fixed = this.options.fixedSessionId;
    if (stored.sessionHash !== undefined) {
      if (fixed === undefined) return undefined;
      const want = Buffer.from(hashSession(this.options.key, fixed));
      const got = Buffer.from(stored.sessionHash);
      return want.length === got.length && timingSafeEqual(want, got) ? fixed : undefined;
    }
    if (stored.sessionSealed === undefined || fixed !== undefined) return undefined;
    const text = unseal(this.options.key, stored.sessionSealed);
    if (text === undefined) return undefined;
    try {
      const id: unknown = JSON.parse(text);
      return typeof id === 'string' || typeof id === 'number' ? id : undefined;
    } catch {
      return undefined;
    }
  }

  private readContext(): Promise<unknown> {
    return new Promise((resolve) => {
      this.options.context.get(CURSOR_KEY, this.options.store, (err, value) => {
        if (err) this.options.onContextError(err);
        resolve(err ? undefined : value);
      });
    });
  }
}

/** The cursor file of node `nodeId` under `userDir` (Node-RED's user directory; a temporary folder when there is none). */
export function cursorFilePath(userDir: string | undefined, nodeId: string): string {
  return join(userDir ?? join(tmpdir(), 'node-red-masterscada'), CURSOR_FOLDER, `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.cursor`);
}

/**
 * The key that seals session ids and hashes pasted ones: derived from
 * settings.js `credentialSecret` when there is one (so a standby Node-RED with
 * the same secret can read a shared context store), else a random key made
 * once per user directory (owner-readable only).
 */
export function cursorKey(userDir: string | undefined, credentialSecret: unknown): Buffer {
  if (typeof credentialSecret === 'string' && credentialSecret !== '') {
    return createHash('sha256').update(`masterscada-cursor\0${credentialSecret}`).digest();
  }
  const folder = join(userDir ?? join(tmpdir(), 'node-red-masterscada'), CURSOR_FOLDER);
  const path = join(folder, '.key');
  try {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
    if (key.length === 32) return key;
  } catch {
    // made below
  }
  const key = randomBytes(32);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  writeFileSync(path, key.toString('hex'), { mode: 0o600 });
  return key;
}

export function hashSession(key: Buffer, sessionId: string): string {
  return createHmac('sha256', key).update(sessionId).digest('hex');
}

function seal(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function unseal(key: Buffer, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

function newest(a: StoredCursor | undefined, b: StoredCursor | undefined): StoredCursor | undefined {
  if (!a || !b) return a ?? b;
  return b.savedAt > a.savedAt ? b : a;
}

function asStored(v: unknown): StoredCursor | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Record<string, unknown>;
  const id = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number';
  const int = (x: unknown): boolean => x === undefined || (typeof x === 'number' && Number.isSafeInteger(x));
  const ok =
    id(c.subscriptionId) &&
    typeof c.fingerprint === 'string' &&
    typeof c.savedAt === 'number' &&
    int(c.ack) &&
    int(c.inFlight) &&
    (c.lastEventTime === undefined || typeof c.lastEventTime === 'number') &&
    (c.lastEventKeys === undefined || (Array.isArray(c.lastEventKeys) && c.lastEventKeys.every((k) => typeof k === 'string'))) &&
    (c.backfillFrom === undefined || typeof c.backfillFrom === 'number') &&
    (typeof c.sessionSealed === 'string' || typeof c.sessionHash === 'string');
  return ok ? (c as unknown as StoredCursor) : undefined;
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Whether `store` (undefined = the default store) keeps values only in memory,
 * judged from settings.js `contextStorage` (absent = memory only).
 */
export function isMemoryOnlyStore(contextStorage: Record<string, unknown> | undefined, store: string | undefined): boolean {
  if (!contextStorage) return true;
  let entry: unknown = contextStorage[store ?? 'default'];
  // "default" may name another store.
  if (typeof entry === 'string') entry = contextStorage[entry];
  if (!store && entry === undefined) entry = Object.values(contextStorage)[0];
  if (typeof entry !== 'object' || entry === null) return true;
  return (entry as { module?: unknown }).module === 'memory';
}
