import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport } from '../../../src/shared/http';
import type { IntegrationError } from '../../../src/shared/errors';

describe('HttpTransport', () => {
  let server: http.Server;
  let base: string;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  before(async () => {
    server = http.createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts to the base path plus the request path and returns the text', async () => {
    let seen = '';
    handler = (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen = `${req.method} ${req.url} ${body}`;
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":1}');
      });
    };
    const t = new HttpTransport({ baseUrl: `${base}/prefix/` });
    try {
      const r = await t.post('/Methods/GetState', '{"a":1}', { 'content-type': 'application/json' });
      assert.equal(r.status, 200);
      assert.equal(r.body, '{"ok":1}');
      assert.equal(seen, 'POST /prefix/Methods/GetState {"a":1}');
    } finally {
      await t.close();
    }
  });

  it('reports an answer over the size cap as RESPONSE_TOO_LARGE', async () => {
    handler = (_req, res) => res.end('x'.repeat(5000));
    const t = new HttpTransport({ baseUrl: base, maxResponseBytes: 1000 });
    try {
      await assert.rejects(t.post('/', '', {}), (e: IntegrationError) => e.code === 'RESPONSE_TOO_LARGE');
    } finally {
      await t.close();
    }
  });

  it('reports an answer over the size cap as RESPONSE_TOO_LARGE when it comes in chunks with no length given', async () => {
    handler = (_req, res) => {
      res.write('x'.repeat(600));
      setTimeout(() => res.end('x'.repeat(600)), 20);
    };
    const t = new HttpTransport({ baseUrl: base, maxResponseBytes: 1000 });
    try {
      await assert.rejects(t.post('/', '', {}), (e: IntegrationError) => e.code === 'RESPONSE_TOO_LARGE');
    } finally {
      await t.close();
    }
  });

  it('joins an answer sent in pieces, a character split between two of them included, and skips an informational answer (103) before it', async () => {
    const text = JSON.stringify({ message: 'Уровень в баке 1 высокий', n: 'x'.repeat(3000) });
    const bytes = Buffer.from(text, 'utf8');
    const cut = bytes.indexOf(Buffer.from('в', 'utf8')) + 1;
    handler = (_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    };
    const t = new HttpTransport({ baseUrl: base });
    try {
      const r = await t.post('/', '', {});
      assert.equal(r.status, 200);
      assert.equal(r.contentType, 'application/json; charset=utf-8');
      assert.equal(r.body, text);
    } finally {
      await t.close();
    }
  });

  it('gives up a request when the caller aborts it, and the next request on the same transport is answered', async () => {
    let stalled = 0;
    handler = (req, res) => {
      if (req.url === '/stall') stalled++;
      else res.end('ok');
    };
    const t = new HttpTransport({ baseUrl: base, timeoutMs: 10_000 });
    try {
      const controller = new AbortController();
      const pending = t.post('/stall', '', {}, { signal: controller.signal });
      const started = Date.now();
      while (stalled === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      await assert.rejects(pending, (e: IntegrationError) => e.code === 'ABORTED');
      assert.equal((await t.post('/', '', {})).body, 'ok');
      await assert.rejects(t.post('/', '', {}, { signal: controller.signal }), (e: IntegrationError) => e.code === 'ABORTED', 'an aborted signal sends nothing');
    } finally {
      await t.close();
    }
  });

  it('aborts a request in flight when closed, and refuses new ones', async () => {
    let stalled = 0;
    handler = () => {
      stalled++;
    };
    const t = new HttpTransport({ baseUrl: base, timeoutMs: 10_000 });
    const pending = t.post('/', '', {});
    const started = Date.now();
    while (stalled === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
    await t.close();
    await assert.rejects(pending, (e: IntegrationError) => e.code === 'ABORTED');
    await assert.rejects(t.post('/', '', {}), (e: IntegrationError) => e.code === 'ABORTED');
  });

  it('reports a server that never answers as TIMEOUT', async () => {
    handler = () => undefined;
    const t = new HttpTransport({ baseUrl: base, timeoutMs: 150 });
    try {
      await assert.rejects(t.post('/', '', {}), (e: IntegrationError) => e.code === 'TIMEOUT' && e.retriable);
    } finally {
      await t.close();
    }
  });

  it('reports a refused connection as a retriable TRANSPORT error', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const t = new HttpTransport({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      await assert.rejects(t.post('/', '', {}), (e: IntegrationError) => e.code === 'TRANSPORT' && e.retriable);
    } finally {
      await t.close();
    }
  });

  it('refuses credentials in the URL and non-http schemes as CONFIG errors', () => {
    assert.throws(() => new HttpTransport({ baseUrl: 'http://u:p@127.0.0.1:1' }), (e: IntegrationError) => e.code === 'CONFIG' && !e.message.includes(':p@'));
    assert.throws(() => new HttpTransport({ baseUrl: 'ftp://127.0.0.1' }), (e: IntegrationError) => e.code === 'CONFIG');
    assert.throws(() => new HttpTransport({ baseUrl: 'not a url' }), (e: IntegrationError) => e.code === 'CONFIG');
  });
});
