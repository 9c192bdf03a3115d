/** What protocol code may log through. Node-RED glue passes the node's own log methods. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};

/** Masking lives in one module; re-exported here for the code that logs. */
export { redact, redactedSnippet } from './redact';
