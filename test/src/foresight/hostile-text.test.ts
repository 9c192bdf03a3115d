import assert from 'node:assert/strict';
import { decodeResponse } from '../../../src/foresight/codec';
import { PpsomFaultError } from '../../../src/foresight/errors';
import { MONIKER_PATTERN, classifyFault, maskMonikers, monitoringSocketAddress } from '../../../src/foresight/vendor';
import { IntegrationError } from '../../../src/shared/errors';
import { runBounded } from '../../helpers/bounded';

const MiB = 1024 * 1024;

/**
 * Each pattern applied to server text, fed text built to make a backtracking
 * engine retry from every position. The work is checked by construction: a
 * quadratic pattern on 1 MiB takes many minutes, far past the test timeout.
 */
describe('Foresight patterns on hostile server text', function () {
  this.timeout(30_000);

  const adversarial = [
    'A'.repeat(MiB),
    `${'A'.repeat(MiB)}!`,
    'AAAAAAAAAAAAAAAA!'.repeat(MiB / 17),
    'S1'.repeat(MiB / 2),
    `S${'1'.repeat(MiB)}`,
    'сесси'.repeat(MiB / 5),
    'неверн'.repeat(MiB / 6),
    'некорректн идентификатор'.repeat(MiB / 24),
    'моникер'.repeat(MiB / 7),
  ];

  /** The adversarial inputs through every pattern, in a worker that is stopped after 20 s (a quadratic pattern takes minutes). */
  it('should run every pattern on 1 MiB adversarial texts to the end', async () => {
    const counts = await runBounded<number[]>(
      `const v = require(workerData.vendor);
       const texts = workerData.texts;
       return texts.map((t) => {
         let n = v.maskMonikers(t).length;
         v.classifyFault(t);
         for (const p of [...v.SESSION_FAULT_PATTERNS, ...v.AUTH_FAULT_PATTERNS, ...v.NOT_FOUND_FAULT_PATTERNS]) n += p.test(t) ? 1 : 0;
         return n;
       });`,
      { vendor: require.resolve('../../../src/foresight/vendor'), texts: adversarial },
      20_000,
    );
    assert.equal(counts.length, adversarial.length);
  });

  it('should mask monikers and still find them', () => {
    const moniker = 'DPEAJGROMGHGGOAECDBOBOCJCPGMIIEEKJEBOPGBJKEJKAEH!M!S!BPIMOEODAPBBDDGOAEDHLCADLCMDDIJDCEGJPKIJEBEEOLAHIL';
    assert.equal(maskMonikers(`x ${moniker} y S1!M!S!DB4 z`), 'x *** y *** z');
    assert.equal(maskMonikers(`${'A'.repeat(MiB)}!M`), '***', 'a long run of capitals before !M is still one moniker');
    assert.ok(MONIKER_PATTERN.flags.includes('g'));
  });

  it('should classify faults on a bounded part of the text', () => {
    assert.equal(classifyFault(`${'x'.repeat(2 * MiB)} Некорректный идентификатор сессии`), 'SERVER', 'only the start of the text is read');
    assert.equal(classifyFault('Некорректный идентификатор сессии'), 'SESSION');
  });

  it('should cut a 1 MiB fault text and a 1 MiB HTTP 500 body to a short message', () => {
    const huge = `${'A'.repeat(MiB)}!M ${'сесси'.repeat(1000)}`;
    const fault = new PpsomFaultError('GetProcessInstances', 'soapenv:Server', huge, 500);
    assert.ok(fault.message.length < 300, `${fault.message.length}`);
    assert.throws(
      () => decodeResponse('json', 'GetProcessInstances', { status: 500, contentType: 'text/html', body: huge }),
      (e: IntegrationError) => e.code === 'HTTP_STATUS' && e.message.length < 300,
    );
    assert.throws(
      () => decodeResponse('soap', 'GetProcessInstances', { status: 200, contentType: 'text/xml', body: `<x>${huge}` }),
      (e: IntegrationError) => e.code === 'BAD_RESPONSE' && e.message.length < 300,
    );
  });

  it('should refuse 100 000-deep JSON and XML with BAD_RESPONSE, not a stack overflow', () => {
    const deepJson = `{"GetProcessInstancesResult":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const deepXml = `<GetProcessInstancesResult>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</GetProcessInstancesResult>`;
    for (const [wireFormat, body, status] of [['json', deepJson, 200], ['json', deepJson, 500], ['soap', deepXml, 200]] as const) {
      assert.throws(
        () => decodeResponse(wireFormat, 'GetProcessInstances', { status, contentType: '', body }),
        (e: unknown) => e instanceof IntegrationError && (e.code === 'BAD_RESPONSE' || e.code === 'HTTP_STATUS'),
        `${wireFormat} ${status}`,
      );
    }
  });

  it('should never quote a login answer, fault or not', () => {
    const body = JSON.stringify({ Fault: { faultcode: 'x', faultstring: 'bad password Hunter-2-secret for demo' } });
    assert.throws(
      () => decodeResponse('json', 'OpenMetabase', { status: 500, contentType: '', body }, [], ['OpenMetabase']),
      (e: IntegrationError) => e.code === 'CONFIG' && !e.message.includes('Hunter') && !e.message.includes('demo'),
    );
    assert.throws(
      () => decodeResponse('json', 'OpenMetabase', { status: 502, contentType: '', body: '<h1>session 12345678 for Hunter-2-secret</h1>' }, [], ['OpenMetabase']),
      (e: IntegrationError) => e.code === 'HTTP_STATUS' && !e.message.includes('Hunter') && !e.message.includes('12345678'),
    );
  });

  it('should build the socket address by plain concatenation by default, percent-encode on request, and survive a lone surrogate', () => {
    const token = 'BPMMONID!{6386DAFD-2FB5-4E14-B5A2-569F41AD14A8}';
    assert.equal(monitoringSocketAddress('http://bi:8810/axis2/services/PP.SOM.Som', '', token), `ws://bi:8810/service?id=${token}`);
    assert.equal(
      monitoringSocketAddress('https://bi/app/PPService.axd', '/FPBI_App_v10.x', token, 'percent-encoded'),
      `wss://bi/FPBI_App_v10.x/service?id=${encodeURIComponent(token)}`,
    );
    for (const encoding of ['vendor', 'percent-encoded'] as const) {
      assert.doesNotThrow(() => monitoringSocketAddress('http://bi/x', '', 'BPMMONID!{\uD800}', encoding), encoding);
    }
  });
});
