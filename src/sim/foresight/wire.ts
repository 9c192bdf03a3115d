import { escapeXml, normalise, parseXmlValue } from '../../foresight/codec';
import type { PpsomValue, PpsomWireFormat } from '../../foresight/codec';
import { PPSOM_NAMESPACE, SOAP11_ENVELOPE_NAMESPACE, resultElement } from '../../foresight/vendor';

/** How a request arrived (the client's formats, or XML without an envelope); the answer goes back the same way. */
export type WireFormat = PpsomWireFormat | 'xml';

export interface ParsedRequest {
  format: WireFormat;
  op: string;
  params: PpsomValue;
}

export class WireError extends Error {}

/**
 * One handler for every format (docs/foresight.md#what-the-simulator-serves): the first non-blank byte decides,
 * `{` → JSON `{"Op": {...}}`, `<` → SOAP envelope or envelope-less XML
 * (docs/foresight.md#envelopes-and-the-result-element, Fore sample). The operation is the single root key/element.
 */
export function parseRequest(body: string): ParsedRequest {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch {
      throw new WireError('Некорректный JSON-запрос');
    }
    return single('json', normalise(doc));
  }
  if (trimmed.startsWith('<')) {
    if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new WireError('DOCTYPE не допускается');
    let doc: PpsomValue;
    try {
      doc = parseXmlValue(body);
    } catch {
      throw new WireError('Некорректный XML-запрос');
    }
    const env = typeof doc === 'object' && !Array.isArray(doc) ? doc.Envelope : undefined;
    if (env !== undefined) {
      const inner = typeof env === 'object' && !Array.isArray(env) ? env.Body : undefined;
      return single('soap', inner ?? '');
    }
    return single('xml', doc);
  }
  throw new WireError('Пустой или нераспознанный запрос');
}

function single(format: WireFormat, doc: PpsomValue): ParsedRequest {
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new WireError('Запрос не содержит операции');
  const keys = Object.keys(doc);
  if (keys.length !== 1) throw new WireError('Запрос должен содержать ровно одну операцию');
  return { format, op: keys[0], params: doc[keys[0]] };
}

export interface WireAnswer {
  contentType: string;
  body: string;
}

export function encodeResult(format: WireFormat, op: string, result: PpsomValue): WireAnswer {
  const root = resultElement(op);
  if (format === 'json') return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ [root]: result }) };
  const inner = typeof result === 'string' ? escapeXml(result) : children(result, ' xmlns=""');
  const element = `<${root} xmlns="${PPSOM_NAMESPACE}" xmlns:q1="${PPSOM_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${inner}</${root}>`;
  return { contentType: 'text/xml; charset=utf-8', body: format === 'soap' ? envelope(element) : `<?xml version="1.0" encoding="utf-8"?>${element}` };
}

/** JSON faults mirror the SOAP Fault fields under a top-level `Fault` key (docs/foresight.md#faults). */
export function encodeFault(format: WireFormat, code: string, message: string): WireAnswer {
  if (format === 'json') return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ Fault: { faultcode: code, faultstring: message } }) };
  const fault = `<soapenv:Fault><faultcode>${escapeXml(code)}</faultcode><faultstring>${escapeXml(message)}</faultstring></soapenv:Fault>`;
  return { contentType: 'text/xml; charset=utf-8', body: envelope(fault) };
}

function envelope(inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="${SOAP11_ENVELOPE_NAMESPACE}"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
}

function children(value: PpsomValue, attrs = ''): string {
  if (typeof value !== 'object' || Array.isArray(value)) return '';
  return Object.entries(value)
    .map(([name, v]) => element(name, v, attrs))
    .join('');
}

function element(name: string, value: PpsomValue, attrs = ''): string {
  if (Array.isArray(value)) return value.map((v) => element(name, v, attrs)).join('');
  if (typeof value === 'object') return `<${name}${attrs}>${children(value)}</${name}>`;
  return value === '' ? `<${name}${attrs} />` : `<${name}${attrs}>${escapeXml(value)}</${name}>`;
}
