import { XMLParser } from 'fast-xml-parser';
import { HttpStatusError, ResponseFormatError } from '../shared/errors';
import type { HttpResponse } from '../shared/http';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../shared/json-guard';
import { redactedSnippet } from '../shared/redact';
import { PpsomFaultError } from './errors';
import {
  COLLECTION_ITEM,
  JSON_CONTENT_TYPE,
  PPSOM_NAMESPACE,
  SOAP11_ENVELOPE_NAMESPACE,
  SOAP12_ENVELOPE_NAMESPACE,
  SOAP_CONTENT_TYPE,
  resultElement,
} from './vendor';

/** How PP.SOM requests and answers are written (docs/foresight.md#headers); `foresight-server` calls it "transport". */
export type PpsomWireFormat = 'json' | 'soap';

/**
 * A PP.SOM value after normalisation: every scalar is a string (docs/foresight.md#value-conventions),
 * empty elements are `""`, repeated elements are arrays.
 */
export type PpsomValue = string | PpsomValue[] | { [name: string]: PpsomValue };
export type PpsomObject = { [name: string]: PpsomValue };

/** Request parameters: plain data; numbers and booleans are sent as strings like the vendor's examples. */
export type PpsomParams = { [name: string]: PpsomParam };
export type PpsomParam = string | number | boolean | PpsomParam[] | { [name: string]: PpsomParam };

export interface EncodedRequest {
  body: string;
  headers: Record<string, string>;
}

export function encodeRequest(wireFormat: PpsomWireFormat, op: string, params: PpsomParams): EncodedRequest {
  if (wireFormat === 'json') {
    return { body: JSON.stringify({ [op]: stringifyScalars(params) }), headers: { 'content-type': JSON_CONTENT_TYPE, accept: 'application/json' } };
  }
  const children = Object.entries(params)
    .map(([name, value]) => element(name, value, ' xmlns=""'))
    .join('');
  const body =
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${SOAP11_ENVELOPE_NAMESPACE}"><s:Body>` +
    `<${op} xmlns="${PPSOM_NAMESPACE}">${children}</${op}></s:Body></s:Envelope>`;
  return { body, headers: { 'content-type': SOAP_CONTENT_TYPE, accept: 'text/xml' } };
}

/**
 * Turn an HTTP answer into the normalised `<op>Result` value, or throw:
 * PpsomFaultError for a JSON/SOAP Fault (any status), HttpStatusError for
 * another non-200 answer, ResponseFormatError for anything unreadable.
 * Server text quoted in an error is a short snippet with `secrets` (and any
 * moniker) masked; the answers of `quietOps` (the login) are never quoted.
 */
export function decodeResponse(
  wireFormat: PpsomWireFormat,
  op: string,
  response: HttpResponse,
  secrets: readonly string[] = [],
  quietOps: readonly string[] = [],
): PpsomValue {
  const text = response.body;
  const quote = (max = 200): string => (quietOps.includes(op) ? '(the answer is not shown: it may carry credentials)' : redactedSnippet(text, secrets, max));
  const parsed = parseBody(wireFormat, text, response.status === 200, quote);
  const fault = parsed === undefined ? undefined : findFault(parsed);
  if (fault) throw new PpsomFaultError(op, fault.code, fault.text, response.status, secrets, quietOps.includes(op));
  // The vendor's own sample treats every status but 200 as a failure (docs/foresight.md#headers).
  if (response.status !== 200) throw new HttpStatusError(response.status, quote());
  const root = resultElement(op);
  if (parsed === undefined || typeof parsed !== 'object' || Array.isArray(parsed) || !(root in parsed)) {
    throw new ResponseFormatError(`${op}: the answer has no ${root} element: ${quote(120)}`);
  }
  return parsed[root];
}

/** A collection `{"it": x}` (or `""` when empty) as a list: x is an object for one element, an array for several (docs/foresight.md#value-conventions). */
export function items(collection: PpsomValue | undefined): PpsomValue[] {
  if (collection === undefined || typeof collection === 'string' || Array.isArray(collection)) return [];
  const it = collection[COLLECTION_ITEM];
  if (it === undefined || it === '') return [];
  return Array.isArray(it) ? it : [it];
}

export function field(value: PpsomValue | undefined, name: string): PpsomValue | undefined {
  return value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value[name] : undefined;
}

/** A scalar child as a string; `""` when missing or not a scalar. */
export function text(value: PpsomValue | undefined, name: string): string {
  const v = field(value, name);
  return typeof v === 'string' ? v : '';
}

export function normalise(value: unknown): PpsomValue {
  if (nestsDeeperThan(value)) throw new ResponseFormatError(`the answer nests deeper than ${MAX_JSON_DEPTH} levels; refused`);
  return normaliseValue(value);
}

function normaliseValue(value: unknown): PpsomValue {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (typeof value === 'object') {
    const out: PpsomObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = normaliseValue(v);
    return out;
  }
  return String(value);
}

function parseBody(wireFormat: PpsomWireFormat, body: string, mustParse: boolean, quote: (max: number) => string): PpsomObject | undefined {
  const trimmed = body.trimStart();
  const looksXml = trimmed.startsWith('<');
  const looksJson = trimmed.startsWith('{');
  try {
    if (looksJson || (wireFormat === 'json' && !looksXml)) {
      const v = normalise(JSON.parse(body));
      return typeof v === 'object' && !Array.isArray(v) ? v : undefined;
    }
    if (looksXml) return unwrapSoap(parseXml(body));
  } catch (err) {
    if (err instanceof ResponseFormatError) throw err;
    if (mustParse) throw new ResponseFormatError(`unreadable answer: ${quote(120)}`, { cause: err });
    return undefined;
  }
  if (mustParse) throw new ResponseFormatError(`unreadable answer: ${quote(120)}`);
  return undefined;
}

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Entity expansion stays off; the five predefined entities and character
  // references are decoded below, one pass, so nothing can grow.
  processEntities: false,
  htmlEntities: false,
  tagValueProcessor: (_name: string, value: string) => decodeXmlText(value),
});

/** XML text as a normalised value (namespace prefixes dropped, attributes ignored); the caller refuses a DOCTYPE first. */
export function parseXmlValue(body: string): PpsomValue {
  return normalise(xmlParser.parse(body, true));
}

/** A SOAP 1.1 message must not carry a DOCTYPE; refusing it rules out entity bombs and external entities. */
function parseXml(body: string): PpsomObject {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new ResponseFormatError('the XML answer contains a DOCTYPE or ENTITY declaration; refused');
  // Namespaces are dropped when parsing, so an envelope of some other vocabulary would read as SOAP's. Its
  // namespace is not quoted: a hostile server may echo a secret into it.
  const ns = envelopeNamespace(body);
  if (ns !== undefined && ns !== SOAP11_ENVELOPE_NAMESPACE && ns !== SOAP12_ENVELOPE_NAMESPACE) {
    throw new ResponseFormatError('the XML answer has an Envelope that is not in a SOAP namespace; refused');
  }
  const v = parseXmlValue(body);
  if (typeof v !== 'object' || Array.isArray(v)) throw new ResponseFormatError('the XML answer has no root element');
  return v;
}

/**
 * The namespace the root element declares for itself when it is an `Envelope`; undefined for another root
 * or an envelope that declares none. Read with indexOf, not a regular expression, so a hostile prologue
 * costs one pass.
 */
function envelopeNamespace(body: string): string | undefined {
  let i = 0;
  for (;;) {
    while (i < body.length && body.charCodeAt(i) <= 0x20) i += 1;
    if (body.startsWith('<?', i) || body.startsWith('<!--', i)) {
      const close = body.startsWith('<?', i) ? '?>' : '-->';
      const end = body.indexOf(close, i + 2);
      if (end < 0) return undefined;
      i = end + close.length;
      continue;
    }
    if (body[i] !== '<') return undefined;
    const end = body.indexOf('>', i);
    if (end < 0) return undefined;
    const tag = body.slice(i + 1, end);
    const name = /^[^\s/>]+/.exec(tag)?.[0] ?? '';
    const colon = name.indexOf(':');
    if ((colon < 0 ? name : name.slice(colon + 1)) !== 'Envelope') return undefined;
    const attribute = colon < 0 ? 'xmlns' : `xmlns:${name.slice(0, colon)}`;
    for (const m of tag.matchAll(/\s([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) if (m[1] === attribute) return m[2] ?? m[3];
    return undefined;
  }
}

/** `Envelope/Body/<child>` → `{child}`; envelope-less XML (docs/foresight.md#envelopes-and-the-result-element, Fore sample) is passed through. */
function unwrapSoap(doc: PpsomObject): PpsomObject {
  const body = field(field(doc, 'Envelope'), 'Body');
  if (body === undefined) return doc;
  if (typeof body !== 'object' || Array.isArray(body)) return {};
  return body;
}

function findFault(doc: PpsomObject): { code: string; text: string } | undefined {
  const fault = doc.Fault;
  if (fault === undefined) return undefined;
  // SOAP 1.2 style Code/Reason is accepted too: the mock's `soapenv:Sender` is SOAP 1.2 vocabulary (docs/foresight.md#faults).
  const code = text(fault, 'faultcode') || text(field(fault, 'Code'), 'Value');
  const reason = text(fault, 'faultstring') || text(field(fault, 'Reason'), 'Text') || (typeof fault === 'string' ? fault : '');
  return { code, text: reason };
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return safeCodePoint(parseInt(ref.slice(1), 10), whole);
    return XML_ENTITIES[ref] ?? whole;
  });
}

function safeCodePoint(cp: number, fallback: string): string {
  return Number.isInteger(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : fallback;
}

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&${Object.keys(XML_ENTITIES).find((k) => XML_ENTITIES[k] === c)};`);
}

function element(name: string, value: PpsomParam, attrs = ''): string {
  if (Array.isArray(value)) return value.map((v) => element(name, v, attrs)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => element(k, v))
      .join('');
    return inner ? `<${name}${attrs}>${inner}</${name}>` : `<${name}${attrs} />`;
  }
  const s = String(value);
  return s === '' ? `<${name}${attrs} />` : `<${name}${attrs}>${escapeXml(s)}</${name}>`;
}

function stringifyScalars(value: PpsomParam): PpsomValue {
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (typeof value === 'object') {
    const out: PpsomObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = stringifyScalars(v);
    return out;
  }
  return String(value);
}
