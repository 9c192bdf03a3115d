import { IntegrationError } from '../shared/errors';
import { redactedSnippet } from '../shared/redact';
import { classifyFault } from './vendor';
import type { FaultKind } from './vendor';

/** What a fault of each kind means, for faults whose text is not shown (the login's). */
const KIND_TEXT: Record<FaultKind, string> = {
  SESSION: 'the session is not valid',
  AUTH: 'the server refused the account',
  NOT_FOUND: 'not found',
  SERVER: 'server fault',
};

/**
 * A PP.SOM fault (JSON `Fault` or SOAP `Fault`). `code` is SESSION when the
 * moniker is dead (renew the session and run the chain again), CONFIG when
 * the account was refused (a refused login, see `LoginGate`) and NOT_FOUND
 * for a key that does not exist (both: fix the settings, never retried),
 * SERVER otherwise.
 */
export class PpsomFaultError extends IntegrationError {
  /** The server's `faultcode`, e.g. `soapenv:Client`. */
  readonly serverCode: string;
  readonly operation: string;
  readonly httpStatus: number;

  /**
   * `secrets` are masked in the quoted fault text; with `quiet` (a login answer,
   * which may echo the credentials) the text is not quoted at all.
   */
  constructor(operation: string, faultCode: string, faultString: string, httpStatus: number, secrets: readonly string[] = [], quiet = false) {
    const kind = classifyFault(faultString);
    const shown = quiet ? `${KIND_TEXT[kind]} (the fault text of a login is not shown)` : redactedSnippet(faultString, secrets) || 'fault without text';
    super(kind === 'AUTH' ? 'CONFIG' : kind, `${operation} failed: ${shown}`, {
      retriable: kind === 'SESSION' || kind === 'SERVER',
    });
    this.serverCode = redactedSnippet(faultCode, secrets, 60);
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

/**
 * ExecuteBpmOperation refused: the operation is not among those the step
 * allows (GetBpmStepOperations), found before the call or answered by the
 * server as a fault. Code NOT_ALLOWED; never retried.
 */
export class BpmOperationRefusedError extends IntegrationError {
  readonly operation: string;
  readonly instanceKey: string;
  readonly stepGuid: string;
  /** The operations the step(s) allow, by name (a code without a known name as its number). */
  readonly allowed: readonly string[];

  constructor(operation: string, instanceKey: string, stepGuid: string, allowed: readonly string[], options: { cause?: unknown; why?: string } = {}) {
    const where = stepGuid ? `step ${stepGuid} of instance ${instanceKey}` : `instance ${instanceKey}`;
    const why = options.why ?? `allowed now: ${allowed.length ? allowed.join(', ') : 'none'}`;
    super('NOT_ALLOWED', `operation ${operation} is not allowed for ${where} (${why})`, { retriable: false, cause: options.cause });
    this.operation = operation;
    this.instanceKey = instanceKey;
    this.stepGuid = stepGuid;
    this.allowed = allowed;
  }
}
