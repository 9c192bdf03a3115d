import type http from 'node:http';
import type { PpsomValue } from '../../foresight/codec';
import { SESSION_FAULT_CODE_JSON, SESSION_FAULT_CODE_SOAP, SESSION_FAULT_TEXT } from '../../foresight/vendor';
import { describeError } from '../../shared/errors';
import { FaultQueue } from '../fault-queue';
import { PendingTimers, reply as answer } from '../http-server';
import { SimFault } from './service';
import type { PpsomService } from './service';
import { WireError, encodeFault, encodeResult, parseRequest } from './wire';
import type { WireFormat } from './wire';

/** One logged PP.SOM request, for tests to assert on what the server received. */
export interface SimRequest {
  time: number;
  path: string;
  format: WireFormat | 'unknown';
  op: string;
  params: PpsomValue;
  status: number;
}

/** A scripted misbehaviour for the next matching request(s). */
export type InjectedFault = {
  /** Operation to match; any operation when omitted. */
  op?: string;
  /** How many requests it applies to; default 1. */
  times?: number;
} & (
  | { kind: 'fault'; message?: string; code?: string; status?: number }
  | { kind: 'session' }
  | { kind: 'http'; status: number; body?: string; contentType?: string }
  | { kind: 'raw'; body: string; status?: number; contentType?: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'drop' }
);

/**
 * The HTTP side of the simulator: routes POSTs on the PP.SOM paths to the
 * service, answers in the format the request came in, logs every request
 * and plays scripted faults (docs/foresight.md#faults shapes: HTTP 500 with a Fault body).
 */
export class PpsomEndpoint {
  readonly requests: SimRequest[] = [];
  private readonly faults = new FaultQueue<InjectedFault>((f, op) => f.op === undefined || f.op === op);
  private readonly timers = new PendingTimers();

  constructor(
    private readonly service: PpsomService,
    private readonly paths: ReadonlySet<string>,
  ) {}

  /** For `http.createServer`. */
  readonly listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => {
        if (!res.headersSent) answer(res, 500, 'text/plain; charset=utf-8', 'simulator error');
      });
    });
  };

  inject(fault: InjectedFault): void {
    this.faults.inject(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Cancel answers still waiting on a `slow` fault. */
  close(): void {
    this.timers.cancelAll();
  }

  private delay(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.timers.after(ms, resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (!this.paths.has(path)) return answer(res, 404, 'text/plain; charset=utf-8', 'Not Found');
    if (req.method !== 'POST') return answer(res, 405, 'text/plain; charset=utf-8', 'POST a JSON or SOAP request');
    const entry: SimRequest = { time: Date.now(), path, format: 'unknown', op: '', params: '', status: 0 };
    this.requests.push(entry);
    let format: WireFormat = body.trimStart().startsWith('<') ? 'soap' : 'json';
    try {
      const parsed = parseRequest(body);
      format = parsed.format;
      Object.assign(entry, { format, op: parsed.op, params: parsed.params });
    } catch (err) {
      entry.status = 500;
      const f = encodeFault(format, format === 'json' ? 'soapenv:Sender' : 'soapenv:Client', err instanceof WireError ? err.message : 'Ошибка разбора запроса');
      return answer(res, 500, f.contentType, f.body);
    }
    let fault = this.faults.take(entry.op);
    if (fault?.kind === 'slow') {
      await this.delay(fault.delayMs);
      if (res.destroyed) return;
      fault = undefined;
    }
    if (fault?.kind === 'drop') {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'http') {
      entry.status = fault.status;
      return answer(res, fault.status, fault.contentType ?? 'text/html; charset=utf-8', fault.body ?? `<html><body>HTTP ${fault.status}</body></html>`);
    }
    if (fault?.kind === 'raw') {
      entry.status = fault.status ?? 200;
      return answer(res, entry.status, fault.contentType ?? (format === 'json' ? 'application/json; charset=utf-8' : 'text/xml; charset=utf-8'), fault.body);
    }
    if (fault?.kind === 'fault' || fault?.kind === 'session') {
      const isSession = fault.kind === 'session';
      const message = isSession ? SESSION_FAULT_TEXT : (fault.kind === 'fault' && fault.message) || 'Внутренняя ошибка сервера';
      const defaultCode = format === 'json' ? SESSION_FAULT_CODE_JSON : isSession ? SESSION_FAULT_CODE_SOAP : 'soapenv:Server';
      const code = fault.kind === 'fault' && fault.code ? fault.code : defaultCode;
      entry.status = fault.kind === 'fault' && fault.status ? fault.status : 500;
      const f = encodeFault(format, code, message);
      return answer(res, entry.status, f.contentType, f.body);
    }
    try {
      const result = this.service.execute(entry.op, entry.params);
      const a = encodeResult(format, entry.op, result);
      entry.status = 200;
      answer(res, 200, a.contentType, a.body);
    } catch (err) {
      // Faults are HTTP 500 with a Fault body (docs/foresight.md#faults suggestion).
      const sim = err instanceof SimFault ? err : new SimFault(describeError(err), 'server');
      const code = format === 'json' ? SESSION_FAULT_CODE_JSON : sim.kind === 'server' ? 'soapenv:Server' : SESSION_FAULT_CODE_SOAP;
      const f = encodeFault(format, code, sim.message);
      entry.status = 500;
      answer(res, 500, f.contentType, f.body);
    }
  }
}
