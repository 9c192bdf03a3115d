import assert from 'node:assert/strict';
import { acknowledgedStatus, acknowledgingStatus, badInputStatus, notAcknowledgedStatus } from '../../nodes/lib/ack-status';
import { REASON_CODES, StatusWords } from '../../nodes/lib/status';
import { translator } from './catalog';

describe('scada-ack status words', () => {
  it('should say what the node does in words, in en-US and ru, in the vocabulary\'s colours', () => {
    const at = new Date(2026, 0, 5, 10, 41, 7);
    const en = new StatusWords('scada-ack', translator('en-US', 'scada-ack'));
    assert.deepEqual(acknowledgingStatus(en, 3), { fill: 'blue', shape: 'dot', text: 'acknowledging 3' });
    assert.deepEqual(acknowledgedStatus(en, 2, at), { fill: 'green', shape: 'dot', text: 'acknowledged: 2 at 10:41:07' });
    assert.deepEqual(notAcknowledgedStatus(en, 1, 3), { fill: 'red', shape: 'dot', text: 'not acknowledged: 1 of 3' });
    assert.deepEqual(badInputStatus(en), { fill: 'red', shape: 'dot', text: 'scada-ack.status.badInput' });
    const ru = new StatusWords('scada-ack', translator('ru', 'scada-ack'));
    assert.equal(acknowledgedStatus(ru, 2, at).text, 'сквитировано: 2 в 10:41:07');
    assert.equal(notAcknowledgedStatus(ru, 1, 3).text, 'не сквитировано: 1 из 3');
    for (const lang of ['en-US', 'ru']) {
      const t = translator(lang, 'scada-ack');
      t('scada-ack.status.badInput');
      for (const code of REASON_CODES) {
        const text = t(`scada-ack.status.reason.${code}`);
        assert.ok(text.length > 0 && !text.includes(code), `${lang} ${code}: ${text}`);
      }
    }
  });
});
