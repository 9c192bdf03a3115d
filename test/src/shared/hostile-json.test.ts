import assert from 'node:assert/strict';
import { MasterScadaClient } from '../../../src/masterscada/client';
import { PpsomClient } from '../../../src/foresight/client';
import { IntegrationError } from '../../../src/shared/errors';
import { describeValue, nestsDeeperThan } from '../../../src/shared/json-guard';
import { HostileServer } from '../../fuzz/hostile-server';
import type { HttpScript } from '../../fuzz/hostile-server';

const DEEP = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

describe('deep and odd JSON from a server', () => {
  let answer: HttpScript = { kind: 'answer', status: 200, body: '{}' };
  const server = new HostileServer({ http: () => answer, ws: () => ({ kind: 'refuse', status: 404 }) });
  before(() => server.start());
  after(() => server.close());

  it('should tell how deep a value nests, however deep (no stack overflow)', () => {
    assert.equal(nestsDeeperThan(JSON.parse(DEEP)), true);
    assert.equal(nestsDeeperThan({ a: [[1]] }, 3), false);
    assert.equal(nestsDeeperThan({ a: [[[1]]] }, 3), true);
    assert.equal(nestsDeeperThan({ a: 1, b: [{}, { c: 1 }] }, 3), false);
    assert.equal(nestsDeeperThan({ a: 1, b: [{}, { c: [1] }] }, 3), true, 'a deep value after shallow ones');
    assert.equal(nestsDeeperThan(JSON.parse(`${'{"k":'.repeat(100_000)}1${'}'.repeat(100_000)}`)), true, 'objects only');
    assert.equal(describeValue(JSON.parse(DEEP)), 'an array of 1');
  });

  for (const [what, body] of [
    ['code', `{"code":${DEEP}}`],
    ['sequenceNumber', `{"code":0,"sequenceNumber":${DEEP}}`],
    ['recs', `{"code":0,"sequenceNumber":1,"recs":[{"clientHandle":1,"recType":"Update","fields":${DEEP}}]}`],
  ]) {
    it(`should refuse 100 000-deep JSON in MasterSCADA "${what}" with BAD_RESPONSE, not a stack overflow`, async () => {
      answer = { kind: 'answer', status: 200, body };
      const client = new MasterScadaClient({ url: `http://127.0.0.1:${server.port}` });
      try {
        await assert.rejects(client.publishEvents('s', 1, undefined), (e: unknown) => e instanceof IntegrationError && e.code === 'BAD_RESPONSE');
      } finally {
        await client.close();
      }
    });
  }

  it('should refuse an OpenMonitoringWS url with a lone surrogate, a control character or a # as BAD_RESPONSE', async () => {
    const client = new PpsomClient({ endpoint: `http://127.0.0.1:${server.port}/axis2/services/PP.SOM.Som` });
    try {
      for (const url of ['BPMMONID!{\uD800}', 'BPMMONID!{\u0000}', 'BPMMONID!#x', 'x'.repeat(5000)]) {
        answer = { kind: 'answer', status: 200, body: JSON.stringify({ OpenMonitoringWSResult: { url } }) };
        await assert.rejects(client.openMonitoringWS('P', '1', '{G}'), (e: unknown) => e instanceof IntegrationError && e.code === 'BAD_RESPONSE', JSON.stringify(url.slice(0, 20)));
      }
    } finally {
      await client.close();
    }
  });
});
