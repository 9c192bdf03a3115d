import { IntegrationError, describeError } from '../../src/shared/errors';

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

/** Short status text for an error: the code, then as much of the message as fits. */
export function errorStatusText(err: unknown): string {
  if (err instanceof IntegrationError) return `${err.code}: ${err.message}`;
  return describeError(err);
}
