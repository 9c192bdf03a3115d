import type { NodeMessage } from 'node-red';
import { IntegrationError, describeError } from '../../src/shared/errors';
import { redact } from '../../src/shared/logger';

/** What a msg carries about a failure, so Catch nodes can route on `code` and `retriable`. */
export interface MsgError {
  code: string;
  message: string;
  retriable: boolean;
  /** OPC UA status name or SOAP/JSON fault code, where the server sent one. */
  serverCode?: string;
}

export function msgError(err: unknown): MsgError {
  if (err instanceof IntegrationError) {
    const serverCode = (err as { serverCode?: unknown }).serverCode;
    return {
      code: err.code,
      message: err.message,
      retriable: err.retriable,
      ...(typeof serverCode === 'string' ? { serverCode } : {}),
    };
  }
  return { code: 'INTERNAL', message: describeError(err), retriable: false };
}

/** `err` itself when it is an Error, else an Error with its text (what `done(err)` and `configError` need). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(describeError(err));
}

/** Short status text for an error: the code, then as much of the message as fits. */
export function errorStatusText(err: unknown): string {
  if (err instanceof IntegrationError) return `${err.code}: ${err.message}`;
  return describeError(err);
}

/**
 * What to pass to `node.error(logMessage, msg)` so a Catch node gets
 * `msg.error.code` (Node-RED copies an own `code` of the log message) and the
 * full detail in `msg._error` (Node-RED moves an existing `msg.error` there).
 * Secrets are masked in every text.
 */
/**
 * What to pass to `done(err)` for a msg that failed: `catchable`'s masked text and code as an Error whose
 * `toString()` is the text alone (Node-RED puts `toString()` into `msg.error.message`, which would else
 * read "Error: …").
 */
export function doneError(err: unknown, secrets: ReadonlyArray<string>, msg: NodeMessage): Error {
  const { logMessage } = catchable(err, secrets, msg);
  return Object.assign(new Error(logMessage.message), { code: logMessage.code, toString: () => logMessage.message });
}

export function catchable(err: unknown, secrets: ReadonlyArray<string>, msg: NodeMessage = { payload: undefined }): { logMessage: { code: string; message: string; toString(): string }; msg: NodeMessage } {
  const text = redact(describeError(err), secrets);
  const detail: MsgError = { ...msgError(err), message: text };
  return {
    logMessage: { code: detail.code, message: text, toString: () => text },
    msg: Object.assign(msg, { error: detail }),
  };
}
