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
  private readonly maxResponseBytes: number;
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
  async post(path: string, body: string, headers: Record<string, string>, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    if (this.closed) throw new AbortedError('HTTP transport closed');
    if (options.signal?.aborted) throw new AbortedError();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const response = await this.pool.request({
        path: this.basePath + path,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        body,
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await this.readCapped(response);
      const contentType = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, contentType, body: text };
    } catch (err) {
      if (err instanceof ResponseFormatError) throw err;
      if (timedOut) throw new TransportError(`no answer from ${this.origin} within ${timeoutMs} ms`, { timeout: true, cause: err });
      if (options.signal?.aborted || this.closed) throw new AbortedError();
      throw toTransportError(err, this.origin);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private async readCapped(response: Dispatcher.ResponseData): Promise<string> {
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      discard(response.body);
      throw tooLarge(this.maxResponseBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > this.maxResponseBytes) {
        discard(response.body);
        throw tooLarge(this.maxResponseBytes);
      }
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Close idle sockets and refuse new requests; requests in flight are aborted. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}

// undici's body stream emits an AbortError when destroyed mid-read; with no
// listener that error would surface as an uncaught exception.
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
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
