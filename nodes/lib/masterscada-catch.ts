import type { NodeMessage } from 'node-red';
import { describeError } from '../../src/shared/errors';
import { redact } from '../../src/shared/logger';
import { msgError } from './errors';
import type { MsgError } from './errors';

/**
 * What to pass to `node.error(logMessage, msg)` so a Catch node gets
 * `msg.error.code` (Node-RED copies an own `code` of the log message) and the
 * full detail in `msg._error` (Node-RED moves an existing `msg.error` there).
 * Secrets are masked in every text.
 */
export function catchable(err: unknown, secrets: ReadonlyArray<string>, msg: NodeMessage = { payload: undefined }): { logMessage: { code: string; message: string; toString(): string }; msg: NodeMessage } {
  const text = redact(describeError(err), secrets);
  const detail: MsgError = { ...msgError(err), message: text };
  return {
    logMessage: { code: detail.code, message: text, toString: () => text },
    msg: Object.assign(msg, { error: detail }),
  };
}

/** The command a msg carries: `msg.action`, or a plain string payload ("refresh" from an Inject node). */
export function commandOf(msg: NodeMessage & { action?: unknown }): string {
  if (typeof msg.action === 'string') return msg.action.trim();
  return typeof msg.payload === 'string' ? msg.payload.trim() : '';
}
