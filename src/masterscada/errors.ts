import { IntegrationError } from '../shared/errors';
import type { ErrorCode } from '../shared/errors';
import { LOGIN_REJECTED_STATUSES, SESSION_INVALID_STATUSES, SUBSCRIPTION_INVALID_STATUSES, TRANSIENT_STATUSES } from './status-codes';
import type { StatusCode } from './status-codes';

/** The runtime answered with a Bad OPC UA status in `code` (or an item's `statusCode`). */
export class ScadaStatusError extends IntegrationError {
  /** OPC UA status name, e.g. `BadSessionIdInvalid`. */
  readonly serverCode: string;
  /** Unsigned 32-bit status value. */
  readonly statusValue: number;
  readonly method: string;

  constructor(method: string, status: StatusCode, detail?: string, options: { login?: boolean } = {}) {
    const { code, retriable } = classify(status.name, options.login === true);
    const hint = options.login && code === 'SESSION' && !retriable ? ': check the login and password' : '';
    super(code, `${method} failed with ${status.name}${detail ? ` (${detail})` : ''}${hint}`, { retriable });
    this.serverCode = status.name;
    this.statusValue = status.value;
    this.method = method;
  }
}

function classify(name: string, login: boolean): { code: ErrorCode; retriable: boolean } {
  if (login && LOGIN_REJECTED_STATUSES.has(name)) return { code: 'SESSION', retriable: false };
  if (SESSION_INVALID_STATUSES.has(name)) return { code: 'SESSION', retriable: true };
  if (SUBSCRIPTION_INVALID_STATUSES.has(name)) return { code: 'SUBSCRIPTION', retriable: true };
  if (name === 'BadNodeIdUnknown' || name === 'BadMonitoredItemIdInvalid' || name === 'BadEventIdUnknown') return { code: 'NOT_FOUND', retriable: false };
  return { code: 'SERVER', retriable: TRANSIENT_STATUSES.has(name) };
}

export function isSessionInvalid(err: unknown): boolean {
  return err instanceof IntegrationError && err.code === 'SESSION' && err.retriable;
}

export function isSubscriptionInvalid(err: unknown): boolean {
  return err instanceof IntegrationError && err.code === 'SUBSCRIPTION';
}
