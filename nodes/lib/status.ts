/**
 * The one status vocabulary every node of the package uses, so a Status node
 * and a person reading the editor see the same colour, shape and words for the
 * same situation. The table is in the README and in each node's help.
 *
 * Texts without numbers are sent as i18n keys (`<node>.status.<key>`); the
 * editor translates them into its own language, as it does for core nodes.
 * Texts with numbers (a countdown, a count) are translated by the runtime.
 */
import { IntegrationError } from '../../src/shared/errors';

export type StatusKind = 'idle' | 'connecting' | 'connected' | 'busy' | 'warning' | 'retrying' | 'error' | 'stopped';

export interface NodeStatusShape {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export const STATUS_LOOK: Readonly<Record<StatusKind, Required<Omit<NodeStatusShape, 'text'>>>> = Object.freeze({
  /** Not started. */
  idle: { fill: 'grey', shape: 'dot' },
  /** Logging in, resolving, opening the socket. */
  connecting: { fill: 'yellow', shape: 'ring' },
  /** Working: connected, polling, events arriving. */
  connected: { fill: 'green', shape: 'dot' },
  busy: { fill: 'blue', shape: 'dot' },
  /** Working, with something to know: subscribed again, events lost and refreshed. */
  warning: { fill: 'yellow', shape: 'dot' },
  /** A failure that may pass: the reason and the countdown to the next try. */
  retrying: { fill: 'red', shape: 'ring' },
  /** A failure that will not pass by itself (settings, a refused account, a dead pasted moniker). */
  error: { fill: 'red', shape: 'dot' },
  /** Closed on request. */
  stopped: { fill: 'grey', shape: 'ring' },
});

/** Status text is kept short: the editor shows it under the node. */
export const MAX_STATUS_TEXT = 64;

export function status(kind: StatusKind, text: string): NodeStatusShape {
  const clipped = text.length > MAX_STATUS_TEXT ? `${text.slice(0, MAX_STATUS_TEXT - 1)}…` : text;
  return { ...STATUS_LOOK[kind], text: clipped };
}

/** A countdown in whole seconds, never 0 while something is still to come. */
export function wholeSeconds(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0;
}

/** Every reason a status can name: the documented error codes, plus INTERNAL for a fault of our own. */
export const REASON_CODES = [
  'TRANSPORT',
  'TIMEOUT',
  'HTTP_STATUS',
  'BAD_RESPONSE',
  'RESPONSE_TOO_LARGE',
  'PROTOCOL',
  'SESSION',
  'SUBSCRIPTION',
  'SERVER',
  'NOT_FOUND',
  'CONFIG',
  'NOT_ALLOWED',
  'CLOSED',
  'ABORTED',
  'INTERNAL',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export function reasonCode(err: unknown): ReasonCode {
  const code = err instanceof IntegrationError ? err.code : undefined;
  return (REASON_CODES as readonly string[]).includes(code ?? '') ? (code as ReasonCode) : 'INTERNAL';
}

/** `RED._` of a node: key and values in, text out. */
export type Translate = (key: string, values?: Record<string, string | number>) => string;

/** The status words of one node: `prefix` is its catalog name (`bpm-monitor`), `t` its runtime `RED._`. */
export class StatusWords {
  constructor(
    private readonly prefix: string,
    private readonly t: Translate,
  ) {}

  /** A state without numbers, as a key the editor translates. */
  plain(kind: StatusKind, key: string): NodeStatusShape {
    return status(kind, `${this.prefix}.status.${key}`);
  }

  /** A state with numbers, translated here. */
  counted(kind: StatusKind, key: string, values: Record<string, string | number>): NodeStatusShape {
    return status(kind, this.t(`${this.prefix}.status.${key}`, values));
  }

  reason(err: unknown): string {
    return this.t(`${this.prefix}.status.reason.${reasonCode(err)}`);
  }

  /** "server fault, retry in 3 s": red ring. */
  retrying(err: unknown, delayMs: number): NodeStatusShape {
    return this.counted('retrying', 'retrying', { reason: this.reason(err), s: wholeSeconds(delayMs) });
  }

  /** "failed: check the settings": red dot. */
  failed(err: unknown): NodeStatusShape {
    return this.counted('error', 'failed', { reason: this.reason(err) });
  }

  /** A failure: retrying when it may pass, failed when it will not. */
  failure(err: unknown, delayMs: number): NodeStatusShape {
    const retriable = err instanceof IntegrationError ? err.retriable : false;
    return retriable ? this.retrying(err, delayMs) : this.failed(err);
  }
}
