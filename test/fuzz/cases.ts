/**
 * Deterministic, seeded generation of bad server answers for both platforms.
 * Each case names the request it spoils (`target`) and what the server does
 * instead of answering it properly; every other request gets a good answer.
 */
import { secretForms } from '../../src/shared/redact';
import { seededRandom } from '../../src/sim/masterscada/alarms';
import type { HttpScript, WsScript } from './hostile-server';
import { OPCODE, WS_VIOLATIONS, frame } from './hostile-server';

export const FS_PASSWORD = 'Fz"Pa<ss>&wörd/1';
export const MS_PASSWORD = 'Ms"Pass<w>&ört-2';
export const CONN = 'DPEAJGROMGHGGOAECDBOBOCJCPGMIIEEKJEBOPGBJKEJKAEH!M';
export const PROC = `${CONN}!S!BPIMOEODAPBBDDGOAEDHLCADLCMDDIJDCEGJPKIJEBEEOLAHIL`;
export const SESSION_ID = 'ms-sess-7f3a9c2e41d8';
export const SECRETS = [FS_PASSWORD, MS_PASSWORD, CONN, PROC, SESSION_ID];

export type Platform = 'json' | 'soap' | 'ms';

export interface FuzzCase {
  family: string;
  platform: Platform;
  /** Operation / method whose answer is spoiled, or `ws` for the monitoring socket. */
  target: string;
  http?: HttpScript;
  ws?: WsScript;
  /** `error`: must reach Catch with a documented code; `either`: may also be tolerated (the node goes on). */
  expect: 'error' | 'either';
}

/** The simulators' seeded generator: the same cases for the same seed everywhere. */
export const rng = seededRandom;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const FS_GOOD: Record<string, Json> = {
  OpenMetabase: { id: CONN, sessKey: '394186', sessCookie: 'C1', version: '166' },
  OpenBpmProcess: { id: { id: PROC } },
  GetProcessInstances: { operations: '1', list: { it: { key: '98037', startDate: '21.06.2024 08:27:14', comment: '', prms: '' } } },
  GetBpmMonitoringWorkspace: { proc: { name: 'P', stages: { it: { stage: { name: 'S', index: '0', guid: '{A}', id: '1*0', states: { it: '2' } }, stGroups: '' } } }, instId: '{99654793-F719-4107-AD36-F1060FCD62F5}' },
  OpenMonitoringWS: { url: 'BPMMONID!{6386DAFD-2FB5-4E14-B5A2-569F41AD14A8}' },
  CloseBpmProcess: '1',
  CloseMetabase: '1',
};

/** Ops the monitor's chain calls, in order, when it starts from nothing. */
export const FS_CHAIN = ['OpenMetabase', 'OpenBpmProcess', 'GetProcessInstances', 'GetBpmMonitoringWorkspace', 'OpenMonitoringWS'];

export const MS_GOOD: Record<string, Json> = {
  Login: { code: 0, sessionId: SESSION_ID, sessionTime: 600000 },
  CreateSubscription: { code: 0, subscriptionId: 7 },
  CreateMonitoredEvents: { code: 0, items: [{ statusCode: 0 }] },
  PublishEvents: { code: 0 },
  RefreshEvents: { code: 0 },
  DeleteSubscription: { code: 0 },
  Logout: { code: 0 },
  GetState: { code: 0 },
};
export const MS_CHAIN = ['Login', 'CreateSubscription', 'CreateMonitoredEvents', 'PublishEvents'];

export function fsBody(platform: 'json' | 'soap', op: string, result: Json): string {
  if (platform === 'json') return JSON.stringify({ [`${op}Result`]: result });
  return soapEnvelope(`<${op}Result xmlns="http://www.fsight.ru/PP.SOM.Som">${toXml(result)}</${op}Result>`);
}

export function soapEnvelope(inner: string, ns = 'http://schemas.xmlsoap.org/soap/envelope/'): string {
  return `<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="${ns}"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function toXml(v: Json): string {
  if (v === null) return '';
  if (typeof v !== 'object') return esc(String(v));
  if (Array.isArray(v)) return v.map((x) => `<it>${toXml(x)}</it>`).join('');
  return Object.entries(v)
    .map(([k, x]) => (Array.isArray(x) ? x.map((e) => `<${k} xmlns="">${toXml(e)}</${k}>`).join('') : `<${k} xmlns="">${toXml(x)}</${k}>`))
    .join('');
}

export function fsFault(platform: 'json' | 'soap', text: string, code = 'soapenv:Server'): string {
  if (platform === 'json') return JSON.stringify({ Fault: { faultcode: code, faultstring: text } });
  return soapEnvelope(`<soapenv:Fault><faultcode>${esc(code)}</faultcode><faultstring>${esc(text)}</faultstring></soapenv:Fault>`);
}

export const SESSION_FAULT_TEXT = 'Некорректный идентификатор сессии';

/** Every leaf (and inner node) path of a value. */
function paths(v: Json, prefix: string[] = []): string[][] {
  const out: string[][] = [prefix];
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function setPath(v: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const copy = { ...(v as Record<string, Json>) };
  copy[path[0]!] = setPath(copy[path[0]!] ?? null, path.slice(1), value);
  return copy;
}

function deep(n: number): string {
  return `${'['.repeat(n)}${']'.repeat(n)}`;
}

/** Texts that echo secrets in every form a server might, including cut at a 200-character snippet boundary. */
function secretEchoes(r: () => number, platform: Platform): string[] {
  const out: string[] = [];
  // The secrets the platform's nodes hold: a server can only echo what it was given or gave out.
  for (const s of platform === 'ms' ? [MS_PASSWORD, SESSION_ID] : [FS_PASSWORD, CONN, PROC]) {
    const forms = secretForms(s);
    for (const f of forms) out.push(`refused: ${f} (try again)`);
    const cut = Math.floor(r() * (s.length - 2)) + 2;
    out.push(`${'x'.repeat(200 - cut)}${s}${'y'.repeat(50)}`);
    out.push(`${'x'.repeat(195)} ${s.slice(0, cut)}`);
    out.push(`sessionId=${s}&password=${encodeURIComponent(s)}`);
  }
  return out;
}

const STATUSES = [200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 408, 413, 429, 500, 501, 502, 503, 504, 599];

export function generateCases(seed: number): FuzzCase[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const cases: FuzzCase[] = [];
  const huge = 'A'.repeat(1024 * 1024);
  const nonUtf8 = (): Buffer => Buffer.from(Array.from({ length: 64 + Math.floor(r() * 512) }, () => 0x80 + Math.floor(r() * 0x80)));
  const weird: Json[] = [null, 0, -1, 1.5, 1e20, true, false, '', ' ', [], [null], {}, { it: null }, 'x'.repeat(70_000), '\uD800', '{', '<x>'];

  for (const platform of ['json', 'soap', 'ms'] as const) {
    const chain = platform === 'ms' ? MS_CHAIN : FS_CHAIN;
    const good = platform === 'ms' ? MS_GOOD : FS_GOOD;
    const ct = platform === 'soap' ? 'text/xml; charset=utf-8' : 'application/json';
    const body = (op: string, v: Json): string => (platform === 'ms' ? JSON.stringify(v) : fsBody(platform, op, v));
    const add = (family: string, target: string, http: HttpScript, expect: FuzzCase['expect'] = 'error'): void => {
      cases.push({ family, platform, target, http, expect });
    };
    for (const op of chain) {
      const ok = body(op, good[op]!);
      // Truncated and invalid bodies.
      // A cut XML document may still parse (the parser is lenient) with all the fields needed: either outcome.
      for (let i = 0; i < 12; i += 1) add('truncated', op, { kind: 'answer', status: 200, contentType: ct, body: ok.slice(0, Math.floor(r() * (ok.length - 1))) }, platform === 'soap' ? 'either' : 'error');
      for (const junk of ['', 'null', '[]', '"x"', '{', '}{', 'NaN', '<html>oops</html>', '{"a":', '<?xml version="1.0"?>']) add('invalid', op, { kind: 'answer', status: 200, contentType: ct, body: junk });
      // Single quotes: invalid JSON, but still well-formed XML.
      add('invalid', op, { kind: 'answer', status: 200, contentType: ct, body: ok.replace(/"/g, "'") }, platform === 'soap' ? 'either' : 'error');
      // Wrong types and nulls in every field of the answer.
      for (const path of paths(good[op]!)) {
        for (let i = 0; i < 3; i += 1) add('wrong-type', op, { kind: 'answer', status: 200, contentType: ct, body: body(op, setPath(good[op]!, path, pick(weird))) }, 'either');
      }
      // Every HTTP status class, with bodies of every kind.
      for (const status of STATUSES) {
        const b = pick([`<h1>${status}</h1>`, '', huge.slice(0, 65536), JSON.stringify({ code: 'OpcUa_BadInternalError' }), fsFault('json', 'oops'), fsFault('soap', 'oops')]);
        add('http-status', op, { kind: 'answer', status, contentType: pick(['text/html', ct]), body: status === 204 || status === 304 ? '' : b }, status === 200 ? 'either' : 'error');
      }
      // Huge, deep and non-UTF-8 bodies.
      add('huge', op, { kind: 'answer', status: 500, contentType: 'text/html', body: huge });
      add('huge', op, { kind: 'answer', status: 200, contentType: ct, body: Buffer.alloc(17 * 1024 * 1024, 0x41) });
      add('deep', op, { kind: 'answer', status: 200, contentType: ct, body: platform === 'ms' ? `{"code":${deep(100_000)}}` : `{"${op}Result":${deep(100_000)}}` });
      add('deep', op, { kind: 'answer', status: 500, contentType: ct, body: platform === 'ms' ? `{"code":1,"sequenceNumber":${deep(100_000)}}` : `{"Fault":${deep(100_000)}}` });
      for (let i = 0; i < 3; i += 1) add('non-utf8', op, { kind: 'answer', status: pick([200, 500]), contentType: ct, body: nonUtf8() });
      // Secrets echoed back in every form.
      for (const text of secretEchoes(r, platform)) {
        if (r() < 0.35) {
          const b = platform === 'ms' ? JSON.stringify({ code: 'OpcUa_BadInternalError', errorText: text }) : fsFault(platform, text);
          add('secret-echo', op, { kind: 'answer', status: pick([200, 500]), contentType: ct, body: pick([b, text]) }, 'error');
        }
      }
      // Stalls, trickles and resets (few: each stall costs one request timeout).
      add('stall', op, { kind: 'stall' });
      // Trickled slower than the 1 s request timeout allows (trailing blanks keep the body valid).
      add('trickle', op, { kind: 'trickle', status: 200, contentType: ct, body: `${ok}${' '.repeat(60)}`, pieceBytes: 1, pauseMs: 40 });
      add('reset', op, { kind: 'reset', status: 200, body: ok, after: Math.floor(ok.length / 2) });
      add('reset', op, { kind: 'drop' });
    }
    if (platform !== 'ms') {
      const op = pick(chain);
      const hostileXml = [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>',
        '<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:1/">]><x>&e;</x>',
        soapEnvelope(`<${op}Result xmlns="urn:wrong"><id>${CONN}</id></${op}Result>`, 'urn:not-soap'),
        soapEnvelope('<soapenv:Fault><faultcode>soapenv:Server</faultcode></soapenv:Fault>'),
        soapEnvelope(`<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>${SESSION_FAULT_TEXT}</faultstring><detail><x>${CONN}</x></detail></soapenv:Fault>`),
        soapEnvelope('<soapenv:Fault><soapenv:Code><soapenv:Value>soapenv:Receiver</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text>boom</soapenv:Text></soapenv:Reason></soapenv:Fault>'),
        `<a>${'<b>'.repeat(100_000)}${'</b>'.repeat(100_000)}</a>`,
        soapEnvelope(''),
        `<x>${'&#xD800;'.repeat(100)}</x>`,
      ];
      // A session fault is renewed without a report (OpenMetabase and the chain again): either outcome.
      for (const target of chain) for (const xml of hostileXml) add('soap-hostile', target, { kind: 'answer', status: pick([200, 500]), contentType: 'text/xml', body: xml }, xml.includes(SESSION_FAULT_TEXT) ? 'either' : 'error');
      // The monitoring socket: protocol violations, refusals, floods.
      for (const v of WS_VIOLATIONS) {
        for (let i = 0; i < 3; i += 1) cases.push({ family: 'ws-violation', platform, target: 'ws', ws: { kind: 'frames', frames: v.frames, then: 'keep' }, expect: 'error' });
      }
      for (const status of [400, 401, 403, 404, 500, 502]) cases.push({ family: 'ws-refused', platform, target: 'ws', ws: { kind: 'refuse', status }, expect: 'error' });
      const flood = Array.from({ length: 300 }, (_, i) => frame({ opcode: OPCODE.text, payload: JSON.stringify({ seq: i }) }));
      cases.push({ family: 'ws-flood', platform, target: 'ws', ws: { kind: 'frames', frames: [...flood, ...WS_VIOLATIONS[0]!.frames], then: 'keep' }, expect: 'error' });
      cases.push({ family: 'ws-flood', platform, target: 'ws', ws: { kind: 'frames', frames: [...flood, frame({ opcode: OPCODE.close, payload: Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from(CONN.slice(0, 100))]) })], then: 'end' }, expect: 'error' });
      cases.push({ family: 'ws-flood', platform, target: 'ws', ws: { kind: 'frames', frames: [frame({ opcode: OPCODE.text, payload: '{"x":1}' })], then: 'destroy' }, expect: 'error' });
    }
  }
  return cases;
}
