/**
 * OPC UA status codes as the MasterSCADA 4D JSON API uses them: the table, the
 * groups the client reacts to, and reading a `code`/`statusCode` field. The
 * runtime names them `OpcUa_<Name>` (docs/masterscada.md#s1-getstate); whether `code` is sent as a number
 * (unsigned or signed int32), a numeric string or a name is open (docs/masterscada.md#status-code-encoding),
 * so all are read. The table holds the codes the API is expected to use (docs/masterscada.md#status-code-table).
 */
export const STATUS_CODES = Object.freeze({
  Good: 0x00000000,
  BadUnexpectedError: 0x80010000,
  BadInternalError: 0x80020000,
  BadOutOfMemory: 0x80030000,
  BadCommunicationError: 0x80050000,
  BadTimeout: 0x800a0000,
  BadServiceUnsupported: 0x800b0000,
  BadShutdown: 0x800c0000,
  BadServerNotConnected: 0x800d0000,
  BadServerHalted: 0x800e0000,
  BadTooManyOperations: 0x80100000,
  BadUserAccessDenied: 0x801f0000,
  BadIdentityTokenInvalid: 0x80200000,
  BadIdentityTokenRejected: 0x80210000,
  BadSessionIdInvalid: 0x80250000,
  BadSessionClosed: 0x80260000,
  BadSessionNotActivated: 0x80270000,
  BadSubscriptionIdInvalid: 0x80280000,
  BadNodeIdUnknown: 0x80340000,
  BadMonitoredItemIdInvalid: 0x80420000,
  BadFilterNotAllowed: 0x80450000,
  BadContinuationPointInvalid: 0x804a0000,
  BadTooManySessions: 0x80560000,
  BadTooManySubscriptions: 0x80770000,
  BadNoSubscription: 0x80790000,
  BadSequenceNumberUnknown: 0x807a0000,
  BadMessageNotAvailable: 0x807b0000,
  BadEventIdUnknown: 0x809a0000,
  BadEventNotAcknowledgeable: 0x80bb0000,
  BadInvalidArgument: 0x80ab0000,
} as const);

/** A name in the table: a misspelt name does not compile. */
export type StatusName = keyof typeof STATUS_CODES;

/** Text prefix of a status sent as a name (docs/masterscada.md#s1-getstate). */
export const STATUS_NAME_PREFIX = 'OpcUa_';

/** Statuses after which the session is gone: log in again (docs/masterscada.md#lost-session-or-subscription). */
export const SESSION_INVALID_STATUSES: ReadonlySet<string> = statusSet(['BadSessionIdInvalid', 'BadSessionClosed', 'BadSessionNotActivated']);
/** Statuses after which the subscription is gone: subscribe again (docs/masterscada.md#lost-session-or-subscription). */
export const SUBSCRIPTION_INVALID_STATUSES: ReadonlySet<string> = statusSet(['BadSubscriptionIdInvalid', 'BadNoSubscription']);
/** Statuses a login answer uses for wrong credentials. */
export const LOGIN_REJECTED_STATUSES: ReadonlySet<string> = statusSet(['BadUserAccessDenied', 'BadIdentityTokenInvalid', 'BadIdentityTokenRejected']);
/** Server-side conditions that may pass on their own. */
export const TRANSIENT_STATUSES: ReadonlySet<string> = statusSet([
  'BadTimeout', 'BadServerHalted', 'BadShutdown', 'BadServerNotConnected', 'BadCommunicationError',
  'BadTooManyOperations', 'BadTooManySessions', 'BadTooManySubscriptions', 'BadInternalError', 'BadOutOfMemory',
  'BadUnexpectedError',
]);

function statusSet(names: readonly StatusName[]): ReadonlySet<string> {
  return new Set<string>(names);
}

const NAME_BY_VALUE = new Map<number, string>(Object.entries(STATUS_CODES).map(([name, value]) => [value, name]));

/**
 * The value of a status name. A name outside the table throws: a typo must
 * never turn into Good (0).
 */
export function statusValue(name: StatusName): number {
  if (!Object.prototype.hasOwnProperty.call(STATUS_CODES, name)) throw new RangeError(`unknown OPC UA status name: ${String(name)}`);
  return STATUS_CODES[name];
}

export interface StatusCode {
  /** Unsigned 32-bit value. */
  value: number;
  /** OPC UA name without the `OpcUa_` prefix, or `0x…` when the value is not in the table. */
  name: string;
  isBad: boolean;
}

/**
 * Read a `code`/`statusCode` field. A missing field means Good (the PublishEvents
 * example answer has no `code`, docs/masterscada.md#s4-publishevents). Returns undefined for anything unreadable.
 */
export function parseStatusCode(raw: unknown): StatusCode | undefined {
  if (raw === undefined || raw === null) return describeStatus(0);
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < -0x80000000 || raw > 0xffffffff) return undefined;
    return describeStatus(raw >>> 0);
  }
  if (typeof raw === 'string') {
    // No status name or number is this long; longer server text is not looked at.
    if (raw.length > 128) return undefined;
    const text = raw.trim();
    if (/^-?\d+$/.test(text)) return parseStatusCode(Number(text));
    if (/^0x[0-9a-f]{1,8}$/i.test(text)) return describeStatus(Number.parseInt(text.slice(2), 16) >>> 0);
    const name = text.startsWith(STATUS_NAME_PREFIX) ? text.slice(STATUS_NAME_PREFIX.length) : text;
    if (Object.prototype.hasOwnProperty.call(STATUS_CODES, name)) {
      const value = STATUS_CODES[name as StatusName];
      return { value, name, isBad: isBadStatus(value) };
    }
    // An unknown symbolic name: trust its Good/Bad/Uncertain prefix.
    if (/^Bad[A-Za-z0-9]*$/.test(name)) return { value: 0x80000000, name, isBad: true };
    if (/^(Good|Uncertain)[A-Za-z0-9]*$/.test(name)) return { value: 0, name, isBad: false };
    return undefined;
  }
  return undefined;
}

export function describeStatus(value: number): StatusCode {
  const unsigned = value >>> 0;
  // The low 16 bits are info bits; the name belongs to the top 16 (docs/masterscada.md#status-code-encoding).
  const name = NAME_BY_VALUE.get(unsigned) ?? NAME_BY_VALUE.get((unsigned & 0xffff0000) >>> 0) ?? `0x${unsigned.toString(16).padStart(8, '0').toUpperCase()}`;
  return { value: unsigned, name, isBad: isBadStatus(unsigned) };
}

export function isBadStatus(value: number): boolean {
  return (value & 0x80000000) !== 0;
}
