import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { AbortedError, ConfigError, ResponseFormatError, TransportError, snippet } from './errors';
import type { TlsOptions } from './tls-options';

export interface HttpTransportOptions {
  /** Absolute http(s) URL; its path (if any) is a prefix for every request path. */
  baseUrl: string;
  /** Whole-request limit: connect, headers and body. */
  timeoutMs?: number;
  /** Answers larger than this are cut off and reported, never buffered whole. */
  maxResponseBytes?: number;
  tls?: TlsOptions;
  /** Keep-alive sockets per server. */
  connections?: number;
  keepAliveTimeoutMs?: number;
}

export interface HttpRequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  contentType: string;
  body: string;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * One keep-alive connection pool per server. Both protocol clients send every
 * request through here, so timeouts, the size cap, TLS and the mapping of
 * socket failures to TransportError live in one place.
 */
export class HttpTransport {
  readonly origin: string;
  readonly basePath: string;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  private closed = false;

  constructor(options: HttpTransportOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new ConfigError(`invalid server URL: ${snippet(options.baseUrl, 100)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`server URL must start with http:// or https:// (got ${url.protocol})`);
    }
    if (url.username || url.password) {
      throw new ConfigError('put the user name and password in the credentials fields, not in the server URL');
    }
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.pool = new Pool(this.origin, {
      connections: options.connections ?? 4,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
      connect: url.protocol === 'https:' ? { ...(options.tls ?? {}) } : undefined,
    });
  }

  /** POST `body` to basePath + `path` and read the whole answer as text (up to the size cap). */
  post(path: string, body: string, headers: Record<string, string>, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    if (this.closed) return Promise.reject(new AbortedError('HTTP transport closed'));
    if (options.signal?.aborted) return Promise.reject(new AbortedError());
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(this, timeoutMs, options.signal, resolve, reject);
      this.pool.dispatch(
        {
          path: this.basePath + path,
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        exchange,
      );
    });
  }

  /** Whether close() was called (a request failing after it was aborted, not broken). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Close idle sockets and refuse new requests; requests in flight are aborted. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}

/**
 * One request and its answer, read straight from undici's dispatcher (no body stream, no async
 * iterator: both clients send every request through here, a backlog drain hundreds a second).
 * It settles once: the first of answer, failure, timeout, caller abort or close wins, and a
 * request still running after that is aborted.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private status = 0;
  private contentType = '';
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort = (): void => this.fail(new AbortedError());

  constructor(
    private readonly transport: HttpTransport,
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (response: HttpResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.timer = setTimeout(() => this.fail(new TransportError(`no answer from ${transport.origin} within ${timeoutMs} ms`, { timeout: true })), timeoutMs);
    signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Settled while it waited for a socket: it must not run now.
    if (this.settled) controller.abort(new AbortedError());
    else this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // Called again after an informational answer (1xx): the last call is the real one.
    this.status = statusCode;
    this.contentType = String(headers['content-type'] ?? '');
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.transport.maxResponseBytes) this.fail(tooLarge(this.transport.maxResponseBytes));
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.transport.maxResponseBytes) this.fail(tooLarge(this.transport.maxResponseBytes));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (!this.finish()) return;
    const body = this.chunks.length === 1 ? this.chunks[0].toString('utf8') : Buffer.concat(this.chunks, this.size).toString('utf8');
    this.resolve({ status: this.status, contentType: this.contentType, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.transport.isClosed || this.signal?.aborted) this.fail(new AbortedError());
    else this.fail(toTransportError(err, this.transport.origin));
  }

  private fail(err: unknown): void {
    if (!this.finish()) return;
    this.controller?.abort(err instanceof Error ? err : new AbortedError());
    this.reject(err);
  }

  /** True the first time only. */
  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onCallerAbort);
    return true;
  }
}

function tooLarge(limit: number): ResponseFormatError {
  return new ResponseFormatError(`answer larger than the ${limit}-byte limit`, { tooLarge: true });
}

function toTransportError(err: unknown, origin: string): TransportError {
  const e = err as { code?: string; message?: string };
  const code = e?.code ? `${e.code}: ` : '';
  const timeout = e?.code === 'UND_ERR_CONNECT_TIMEOUT' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT';
  return new TransportError(`cannot reach ${origin} (${code}${snippet(e?.message ?? String(err), 120)})`, { timeout, cause: err });
}
