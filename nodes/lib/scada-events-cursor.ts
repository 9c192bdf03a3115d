import type { Node, NodeAPI } from 'node-red';
import { JsonFile } from '../../src/masterscada/file-cursor-store';
import { describeError } from '../../src/shared/errors';
import type { Logger } from '../../src/shared/logger';
import { NodeCursorStore, cursorFilePath, cursorKey, isMemoryOnlyStore } from './masterscada-cursor';
import type { StoredCursor } from './masterscada-cursor';

interface RuntimeSettings {
  userDir?: string;
  credentialSecret?: unknown;
  contextStorage?: Record<string, unknown>;
}

export interface ScadaEventsCursorOptions {
  /** Context store to mirror the cursor into (undefined = the default store). */
  store: string | undefined;
  fingerprint: string;
  fixedSessionId: string | undefined;
  fdatasync: boolean;
  logger: Logger;
  /** Reading or writing the context copy failed. */
  onContextError: (err: unknown) => void;
  /** The active-alarm list, saved with every cursor write. */
  alarms?: { toJSON(): unknown };
}

/** Once per runtime start, not once per node and deploy. */
let warnedMemoryStore = false;

/**
 * The cursor store of one `scada-events` node, set up from the runtime's
 * settings: its file under the user directory, its context mirror, and the
 * key that seals the session id. A failing file is said once per node, and
 * then, if the context store keeps values only in memory, once per runtime
 * start that the cursor will not survive a restart.
 */
export function scadaEventsCursorStore(RED: NodeAPI, node: Node, options: ScadaEventsCursorOptions): NodeCursorStore {
  const settings = RED.settings as unknown as RuntimeSettings;
  const { logger, store } = options;
  let key: Buffer;
  try {
    key = cursorKey(settings.userDir, settings.credentialSecret);
  } catch (err) {
    // No writable user directory: the cursor lives in context only (and the key only in memory).
    logger.warn(`cannot keep the cursor key under the user directory: ${describeError(err)}`);
    key = Buffer.from(RED.util.generateId().padEnd(32, '0').slice(0, 32));
  }
  let fileFailed = false;
  return new NodeCursorStore({
    file: new JsonFile<StoredCursor>(cursorFilePath(settings.userDir, node.id), { fdatasync: options.fdatasync }),
    context: node.context() as never,
    store,
    fingerprint: options.fingerprint,
    key,
    fixedSessionId: options.fixedSessionId,
    onFileError: (err) => {
      if (fileFailed) return;
      fileFailed = true;
      logger.warn(`cannot write the cursor file: ${describeError(err)}`);
      // Only now does the context store's kind matter: say so once per runtime start.
      if (!warnedMemoryStore && isMemoryOnlyStore(settings.contextStorage, store)) {
        warnedMemoryStore = true;
        node.warn(RED._('scada-events.warnings.memoryStore'));
      }
    },
    onContextError: options.onContextError,
    ...(options.alarms ? { alarms: options.alarms } : {}),
  });
}
