import assert from 'node:assert/strict';
import { decodeResponse, encodeRequest, items, text } from '../../../src/foresight/codec';
import type { PpsomValue } from '../../../src/foresight/codec';
import { PpsomFaultError } from '../../../src/foresight/errors';
import type { IntegrationError } from '../../../src/shared/errors';
import { VENDOR_ANSWERS } from '../../helpers/foresight-vendor-examples';

const ok = (body: string, status = 200) => ({ status, contentType: '', body });

describe('PP.SOM codec', () => {
  it('should encode a JSON request as {"Op": params} with every scalar as a string', () => {
    const r = encodeRequest('json', 'OpenMonitoringWS', { tObject: { id: 'X!M!S!BPY' }, tArg: { key: 98037, guid: '{G}' } });
    assert.deepEqual(JSON.parse(r.body), { OpenMonitoringWS: { tObject: { id: 'X!M!S!BPY' }, tArg: { key: '98037', guid: '{G}' } } });
    assert.match(r.headers['content-type'], /^application\/json/);
  });

  it('should encode a SOAP 1.1 request with the PP.SOM namespace and unqualified children', () => {
    const r = encodeRequest('soap', 'OpenMetabase', { tDef: { id: 'WAREHOUSE' }, tCreds: { user: { id: 'a<b' }, pass: 'p&q' }, tArg: '' });
    assert.match(r.body, /<s:Envelope xmlns:s="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><s:Body>/);
    assert.match(r.body, /<OpenMetabase xmlns="http:\/\/www.fsight.ru\/PP.SOM.Som"><tDef xmlns=""><id>WAREHOUSE<\/id><\/tDef>/);
    assert.match(r.body, /<user><id>a&lt;b<\/id><\/user><pass>p&amp;q<\/pass>/);
    assert.match(r.body, /<tArg xmlns="" \/>/);
  });

  it('should read the vendor JSON example of GetProcessInstances with one instance as a one-element list', () => {
    const result = decodeResponse('json', 'GetProcessInstances', ok(VENDOR_ANSWERS.json.GetProcessInstances));
    const list = items((result as { list: PpsomValue }).list);
    assert.equal(list.length, 1);
    assert.equal(text(list[0], 'key'), '98037');
    assert.equal(text(list[0], 'comment'), '');
  });

  it('should read the vendor SOAP example of OpenMonitoringWS', () => {
    const result = decodeResponse('soap', 'OpenMonitoringWS', ok(VENDOR_ANSWERS.soap.OpenMonitoringWS));
    assert.equal(text(result, 'url'), 'BPMMONID!{6386DAFD-2FB5-4E14-B5A2-569F41AD14A8}');
  });

  it('should turn repeated <it> elements into a list, one <it> into a one-element list and an empty collection into none', () => {
    const many = decodeResponse('soap', 'Op', ok('<OpResult><list><it><key>1</key></it><it><key>2</key></it></list></OpResult>'));
    assert.deepEqual(items((many as { list: PpsomValue }).list).map((i) => text(i, 'key')), ['1', '2']);
    const one = decodeResponse('soap', 'Op', ok('<OpResult><list><it><key>7</key></it></list></OpResult>'));
    assert.deepEqual(items((one as { list: PpsomValue }).list).map((i) => text(i, 'key')), ['7']);
    const none = decodeResponse('json', 'Op', ok('{"OpResult":{"list":""}}'));
    assert.deepEqual(items((none as { list: PpsomValue }).list), []);
    const strings = decodeResponse('json', 'Op', ok('{"OpResult":{"instIds":{"it":"97976"}}}'));
    assert.deepEqual(items((strings as { instIds: PpsomValue }).instIds), ['97976']);
  });

  it('should render native JSON numbers, booleans and null as strings', () => {
    const r = decodeResponse('json', 'Op', ok('{"OpResult":{"n":5,"b":true,"z":null}}'));
    assert.deepEqual(r, { n: '5', b: 'true', z: '' });
  });

  it('should decode the predefined XML entities and character references exactly once', () => {
    const r = decodeResponse('soap', 'Op', ok('<OpResult><a>A &amp;lt; B &#1071; &#x42;</a><e /></OpResult>'));
    assert.deepEqual(r, { a: 'A &lt; B Я B', e: '' });
  });

  it('should refuse an Envelope outside the SOAP namespaces, and read SOAP 1.1, SOAP 1.2 and envelope-less answers', () => {
    const result = '<OpenMetabaseResult><id>CONN!M</id></OpenMetabaseResult>';
    const envelope = (root: string, ns: string): string => `<?xml version="1.0"?><!-- c --><${root} ${ns}><soapenv:Body>${result}</soapenv:Body></${root}>`;
    const refused = (e: IntegrationError): boolean => e.code === 'BAD_RESPONSE' && /not in a SOAP namespace/.test(e.message) && !e.message.includes('urn:');
    for (const wire of ['json', 'soap'] as const) {
      assert.throws(() => decodeResponse(wire, 'OpenMetabase', ok(envelope('soapenv:Envelope', 'xmlns:soapenv="urn:not-soap"'))), refused, wire);
      assert.throws(() => decodeResponse(wire, 'OpenMetabase', ok(envelope('Envelope', "xmlns='urn:other' xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'"))), refused, `${wire}, default namespace`);
      for (const ns of ['http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope']) {
        assert.equal(text(decodeResponse(wire, 'OpenMetabase', ok(envelope('soapenv:Envelope', `a="1" xmlns:soapenv="${ns}"`))), 'id'), 'CONN!M', `${wire} ${ns}`);
      }
      assert.equal(text(decodeResponse(wire, 'OpenMetabase', ok(result)), 'id'), 'CONN!M', `${wire}, envelope-less`);
    }
  });

  it('should refuse an answer carrying a DOCTYPE entity bomb', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><OpResult><url>&lol3;</url></OpResult>';
    assert.throws(() => decodeResponse('soap', 'Op', ok(bomb)), (e: IntegrationError) => e.code === 'BAD_RESPONSE' && /DOCTYPE/.test(e.message));
  });

  it('should turn a JSON Fault into a typed error carrying the faultcode and the server text', () => {
    const body = '{"Fault":{"faultcode":"soapenv:Server","faultstring":"Сервер перегружен"}}';
    assert.throws(
      () => decodeResponse('json', 'GetProcessInstances', ok(body, 500)),
      (e: PpsomFaultError) => e instanceof PpsomFaultError && e.code === 'SERVER' && e.serverCode === 'soapenv:Server' && /Сервер перегружен/.test(e.message) && e.retriable,
    );
  });

  it('should recognise the invalid-session fault as SESSION even with HTTP 200', () => {
    const body = '{"Fault":{"faultcode":"soapenv:Sender","faultstring":"Некорректный идентификатор сессии"}}';
    assert.throws(() => decodeResponse('json', 'OpenBpmProcess', ok(body)), (e: PpsomFaultError) => e.code === 'SESSION' && e.serverCode === 'soapenv:Sender');
  });

  it('should turn a SOAP 1.1 Fault into a typed error and classify "not found" as NOT_FOUND', () => {
    const body =
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode>' +
      '<faultstring>Объект с ключом 1 не найден</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>';
    assert.throws(() => decodeResponse('soap', 'OpenBpmProcess', ok(body, 500)), (e: PpsomFaultError) => e.code === 'NOT_FOUND' && !e.retriable && e.serverCode === 'soapenv:Client');
  });

  it('should report a non-200 answer without a Fault as HTTP_STATUS with a snippet of the body', () => {
    assert.throws(() => decodeResponse('json', 'Op', ok('<html>Bad gateway</html>', 502)), (e: IntegrationError) => e.code === 'HTTP_STATUS' && /502.*Bad gateway/.test(e.message));
  });

  it('should report a 200 answer without the Result element as BAD_RESPONSE', () => {
    assert.throws(() => decodeResponse('json', 'Op', ok('{"Other":{}}')), (e: IntegrationError) => e.code === 'BAD_RESPONSE');
    assert.throws(() => decodeResponse('json', 'Op', ok('not json')), (e: IntegrationError) => e.code === 'BAD_RESPONSE');
  });

  it('should mask monikers that a fault text echoes', () => {
    const body = '{"Fault":{"faultcode":"x","faultstring":"bad DPEAJGROMGHGGOAECDBOBOCJCPGMIIEEKJEBOPGBJKEJKAEH!M!S!BPABC"}}';
    assert.throws(() => decodeResponse('json', 'Op', ok(body, 500)), (e: Error) => !e.message.includes('DPEAJGROMG') && e.message.includes('***'));
  });
});
