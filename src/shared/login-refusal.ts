import { ConfigError, IntegrationError } from './errors';

/**
 * The one rule for a login the server refused (wrong account or password, on
 * either platform): it is a CONFIG error, reported once, and no further login
 * is tried until the user acts (a deploy, or an explicit "connect"). Retrying
 * on a timer would trip an account lockout policy.
 */
export class LoginRefusedError extends ConfigError {
  constructor(message: string, readonly serverCode?: string) {
    super(message);
  }
}

/** Holds a refused login so every caller gets the same error without a new attempt. */
export class LoginGate {
  private refused: LoginRefusedError | undefined;

  /** Throws the stored refusal, if any. */
  check(): void {
    if (this.refused) throw this.refused;
  }

  /** Turn a login failure into the error to throw; a refusal (non-retriable SESSION or CONFIG, HTTP 401/403) closes the gate. */
  failed(err: unknown): unknown {
    if (err instanceof LoginRefusedError) {
      this.refused = err;
      return err;
    }
    const httpStatus = (err as { status?: unknown }).status;
    const refusedOverHttp = err instanceof IntegrationError && err.code === 'HTTP_STATUS' && (httpStatus === 401 || httpStatus === 403);
    if (err instanceof IntegrationError && ((!err.retriable && (err.code === 'SESSION' || err.code === 'CONFIG')) || refusedOverHttp)) {
      const serverCode = (err as { serverCode?: unknown }).serverCode;
      this.refused = new LoginRefusedError(`login refused: ${err.message}; no further attempt until a deploy or a "connect" command`, typeof serverCode === 'string' ? serverCode : undefined);
      return this.refused;
    }
    return err;
  }

  get isClosed(): boolean {
    return this.refused !== undefined;
  }

  /** The user asked to try again. */
  open(): void {
    this.refused = undefined;
  }
}

export function isLoginRefused(err: unknown): err is LoginRefusedError {
  return err instanceof LoginRefusedError;
}
