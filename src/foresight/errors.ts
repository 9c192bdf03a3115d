import { IntegrationError } from '../shared/errors';
import { classifyFault, maskMonikers } from './vendor';

/**
 * A PP.SOM fault (JSON `Fault` or SOAP `Fault`). `code` is SESSION when the
 * moniker is dead (renew the session and run the chain again), CONFIG when
 * the account was refused and NOT_FOUND for a key that does not exist (both:
 * fix the settings, never retried), SERVER otherwise.
 */
export class PpsomFaultError extends IntegrationError {
  /** The server's `faultcode`, e.g. `soapenv:Client`. */
  readonly serverCode: string;
  readonly operation: string;
  readonly httpStatus: number;

  constructor(operation: string, faultCode: string, faultString: string, httpStatus: number) {
    const kind = classifyFault(faultString);
    super(kind === 'AUTH' ? 'CONFIG' : kind, `${operation} failed: ${maskMonikers(faultString) || 'fault without text'}`, {
      retriable: kind === 'SESSION' || kind === 'SERVER',
    });
    this.serverCode = faultCode;
    this.operation = operation;
    this.httpStatus = httpStatus;
  }
}

/**
 * The session cannot be (re)opened by us: a pasted connection or process
 * moniker died, or no credentials are configured. Retrying does not help.
 */
export class SessionUnrenewableError extends IntegrationError {
  constructor(message: string) {
    super('SESSION', message, { retriable: false });
  }
}

export function isSessionError(err: unknown): boolean {
  return err instanceof IntegrationError && err.code === 'SESSION';
}
