import assert from 'node:assert/strict';
import { ProtocolError, ConfigError, HttpStatusError, TransportError } from '../../src/shared/errors';
import { BpmOperationRefusedError, PpsomFaultError } from '../../src/foresight/errors';
import { REASON_CODES, STATUS_LOOK, StatusWords, reasonCode, status, wholeSeconds } from '../../nodes/lib/status';
import { translator } from './catalog';

describe('status vocabulary', () => {
  it('should give each state one colour and shape; only "connected" is green, every failure is red', () => {
    assert.deepEqual(STATUS_LOOK.connected, { fill: 'green', shape: 'dot' });
    assert.deepEqual(STATUS_LOOK.retrying, { fill: 'red', shape: 'ring' });
    assert.deepEqual(STATUS_LOOK.error, { fill: 'red', shape: 'dot' });
    const looks = Object.values(STATUS_LOOK).map((l) => `${l.fill}/${l.shape}`);
    assert.equal(new Set(looks).size, looks.length, 'no two states look alike');
    assert.equal(status('connected', 'x'.repeat(100)).text?.length, 64);
  });

  it('should count down in whole seconds, never 0 while a retry is pending', () => {
    assert.deepEqual([0, 1, 800, 1000, 1001, 2500, 59_999].map(wholeSeconds), [0, 1, 1, 1, 2, 3, 60]);
  });

  it('should name every documented code in words, in en-US and ru, for both nodes that show a status', () => {
    for (const node of ['bpm-monitor', 'scada-events']) {
      for (const lang of ['en-US', 'ru']) {
        const t = translator(lang, node);
        for (const code of REASON_CODES) {
          const text = t(`${node}.status.reason.${code}`);
          assert.ok(text.length > 0 && !text.includes(code), `${lang} ${node} ${code}: ${text}`);
        }
        for (const key of ['connecting', 'closed'].filter((k) => node === 'bpm-monitor' || k === 'connecting')) t(`${node}.status.${key}`);
      }
    }
  });

  it('should show a retriable fault as the reason and the countdown, and a lasting one as the reason alone', () => {
    const en = new StatusWords('bpm-monitor', translator('en-US', 'bpm-monitor'));
    const ru = new StatusWords('bpm-monitor', translator('ru', 'bpm-monitor'));
    const fault = new PpsomFaultError('GetProcessInstances', 'soapenv:Server', 'boom', 500);
    assert.deepEqual(en.failure(fault, 2100), { fill: 'red', shape: 'ring', text: 'server fault, retry in 3 s' });
    assert.deepEqual(ru.failure(fault, 2100), { fill: 'red', shape: 'ring', text: 'ошибка сервера, повтор через 3 с' });
    assert.equal(en.failure(new ProtocolError('x'), 800).text, 'protocol error, retry in 1 s');
    assert.equal(en.failure(new HttpStatusError(503, ''), 60_000).text, 'HTTP error, retry in 60 s');
    assert.equal(en.failure(new TransportError('x', { timeout: true }), 1000).text, 'no answer in time, retry in 1 s');
    assert.deepEqual(en.failure(new ConfigError('x'), 1000), { fill: 'red', shape: 'dot', text: 'failed: check the settings' });
    assert.deepEqual(en.failure(new Error('a bug'), 1000), { fill: 'red', shape: 'dot', text: 'failed: internal error' });
    assert.equal(reasonCode({ code: 'SERVER' }), 'INTERNAL', 'only our own error classes name a reason');
  });

  it('should name a refused operation and the results of bpm-control in words, in en-US and ru', () => {
    for (const lang of ['en-US', 'ru']) {
      const t = translator(lang, 'bpm-control');
      for (const code of REASON_CODES) assert.ok(!t(`bpm-control.status.reason.${code}`).includes(code), `${lang} bpm-control ${code}`);
    }
    const en = new StatusWords('bpm-control', translator('en-US', 'bpm-control'));
    const refused = new BpmOperationRefusedError('StepExecute', '98037', '', []);
    assert.deepEqual(en.failed(refused), { fill: 'red', shape: 'dot', text: 'failed: not allowed now' });
    assert.equal(new StatusWords('bpm-control', translator('ru', 'bpm-control')).failed(refused).text, 'сбой: сейчас недоступно');
    assert.equal(en.counted('warning', 'partly', { oper: 'ProcessStop', n: 1, total: 2, reason: en.reason(refused) }).text, 'ProcessStop: 1 of 2 done, not allowed now');
    assert.equal(en.counted('connected', 'done', { oper: 'ProcessStop', n: 3 }).text, 'ProcessStop: done for 3');
    assert.equal(en.counted('busy', 'running', { oper: 'ProcessStop', count: 1 }).text, 'ProcessStop: 1 instance…');
    assert.equal(en.counted('busy', 'running', { oper: 'ProcessStop', count: 2 }).text, 'ProcessStop: 2 instances…');
    assert.equal(new StatusWords('bpm-control', translator('ru', 'bpm-control')).counted('busy', 'running', { oper: 'ProcessStop', count: 1 }).text, 'ProcessStop: экземпляров 1…');
  });

  it('should send texts without numbers as keys the editor translates', () => {
    const words = new StatusWords('scada-events', () => assert.fail('not translated by the runtime'));
    assert.deepEqual(words.plain('connecting', 'connecting'), { fill: 'yellow', shape: 'ring', text: 'scada-events.status.connecting' });
  });
});
