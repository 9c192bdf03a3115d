/**
 * Error classes shared by both protocol clients. Every error carries a stable
 * `code` (what the Node-RED glue maps to status text) and `retriable` (whether
 * an engine should back off and try again rather than give up).
 */
export type ErrorCode =
  | 'TRANSPORT'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'HTTP_STATUS'
  | 'BAD_RESPONSE'
  | 'RESPONSE_TOO_LARGE'
  | 'SESSION'
  | 'SUBSCRIPTION'
  | 'SERVER'
  | 'NOT_FOUND'
  | 'CONFIG'
  | 'NOT_ALLOWED'
  | 'CLOSED'
  | 'PROTOCOL'
  | 'BAD_INPUT'
  | 'BUSY'
  | 'NOT_ACKNOWLEDGED';

export interface IntegrationErrorOptions {
  retriable?: boolean;
  cause?: unknown;
}

export class IntegrationError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: IntegrationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Connection refused/reset, DNS failure, TLS failure, request timeout. */
export class TransportError extends IntegrationError {
  constructor(message: string, options: { timeout?: boolean; cause?: unknown } = {}) {
    super(options.timeout ? 'TIMEOUT' : 'TRANSPORT', message, { retriable: true, cause: options.cause });
  }
}

/** The caller aborted the operation (node closed, engine stopped). Never retried. */
export class AbortedError extends IntegrationError {
  constructor(message = 'operation aborted') {
    super('ABORTED', message);
  }
}

/** A non-2xx HTTP answer that the protocol layer did not turn into something more specific. */
export class HttpStatusError extends IntegrationError {
  readonly status: number;
  readonly bodySnippet: string;

  constructor(status: number, bodySnippet: string) {
    super('HTTP_STATUS', `HTTP ${status}${bodySnippet ? `: ${bodySnippet}` : ''}`, {
      retriable: status >= 500 || status === 429 || status === 408,
    });
    this.status = status;
    this.bodySnippet = bodySnippet;
  }
}

/** The server answered, but not with what the protocol promises (not JSON, wrong types, too large). */
export class ResponseFormatError extends IntegrationError {
  constructor(message: string, options: { tooLarge?: boolean; cause?: unknown } = {}) {
    super(options.tooLarge ? 'RESPONSE_TOO_LARGE' : 'BAD_RESPONSE', message, {
      retriable: true,
      cause: options.cause,
    });
  }
}

/** Bad settings: reported once, never retried. */
export class ConfigError extends IntegrationError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** A msg that asks for something that cannot be done (nothing usable to acknowledge, a bad read window): refused before any call. */
export class BadInputError extends IntegrationError {
  constructor(message: string) {
    super('BAD_INPUT', message);
  }
}

/** The client or engine was closed while the operation was pending. */
export class ClosedError extends IntegrationError {
  constructor(message = 'client closed') {
    super('CLOSED', message);
  }
}

export function isIntegrationError(err: unknown): err is IntegrationError {
  return err instanceof IntegrationError;
}

/** Short, single-line text for logs and status; never includes a stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * The server broke the wire protocol (a WebSocket frame no peer may send:
 * invalid UTF-8, a bad close code, a masked or oversize frame, RSV bits, bad
 * fragments). The socket is dropped at once; reconnecting is worth a try.
 */
export class ProtocolError extends IntegrationError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('PROTOCOL', message, { retriable: true, cause: options.cause });
  }
}

/** Keep a server's text short enough for a log line or a status, and on one line. Never looks past the first `max * 4` characters. */
export function snippet(text: string, max = 200): string {
  const bounded = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const oneLine = bounded.replace(/\s+/g, ' ').trim();
  return oneLine.length > max || bounded !== text ? `${oneLine.slice(0, max)}…` : oneLine;
}
