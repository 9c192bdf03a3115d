import assert from 'node:assert/strict';
import { runBounded } from '../../helpers/bounded';
import { FRAGMENT_LENGTH, MASK, maskByShape, redact, redactedSnippet, secretForms } from '../../../src/shared/redact';

const PASSWORD = 'Pa55"w0rd<&>пароль';
const MONIKER = 'DPEAJGROMGHGGOAECDBOBOCJCPGMIIEEKJEBOPGBJKEJKAEH!M';

/** Every way the tests look for a secret: the forms a server may echo, and every 8-character part. */
function leaks(text: string, secret: string): string[] {
  const found = secretForms(secret).filter((f) => text.includes(f));
  for (let i = 0; i + FRAGMENT_LENGTH <= secret.length; i += 1) {
    const part = secret.slice(i, i + FRAGMENT_LENGTH);
    if (text.includes(part)) found.push(part);
  }
  return found;
}

describe('redaction', () => {
  it('should mask a secret as is, JSON-escaped, XML-escaped, URL-encoded and \\u-escaped', () => {
    const forms = [
      PASSWORD,
      JSON.stringify(PASSWORD).slice(1, -1),
      PASSWORD.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
      PASSWORD.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;').replace(/"/g, '&#34;'),
      encodeURIComponent(PASSWORD),
      encodeURIComponent(PASSWORD).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      Array.from(PASSWORD, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    ];
    for (const form of forms) {
      const out = redact(`the server said: ${form} (end)`, [PASSWORD]);
      assert.equal(out, `the server said: ${MASK} (end)`, form);
    }
  });

  it('should mask any 8-character part of a secret and a cut-off start or end of one', () => {
    const secret = 'Correct-Horse-Battery-Staple';
    assert.deepEqual(leaks(redact(`x ${secret.slice(5, 17)} y`, [secret]), secret), []);
    // Cut by someone else's limit: the start of the secret ends the text, its end starts it.
    assert.equal(redact(`login refused for ${secret.slice(0, 5)}`, [secret]), `login refused for ${MASK}`);
    assert.equal(redact(`${secret.slice(-5)} was refused`, [secret]), `${MASK} was refused`);
  });

  it('should mask before cutting, so a secret straddling the snippet limit is gone whole, and check the new end', () => {
    for (let at = 180; at <= 205; at += 1) {
      const text = `${'x'.repeat(at)}${PASSWORD}${'y'.repeat(300)}`;
      const out = redactedSnippet(text, [PASSWORD], 200);
      assert.ok(out.length <= 201, `cut at ${at}`);
      assert.deepEqual(leaks(out, PASSWORD), [], `cut at ${at}: ${out.slice(-30)}`);
    }
    // The snippet limit itself cuts into a secret that only starts there.
    const out = redactedSnippet(`${'x'.repeat(196)}${'Zebra-Quagga-1234'}`, ['Zebra-Quagga-1234'], 200);
    assert.ok(!out.includes('Zebr'), out.slice(-20));
  });

  it('should mask monikers and session ids the package was never told about, by shape and by field', () => {
    const text = `{"id":"${MONIKER}","sessionId":"a1b2c3d4e5","password" : "hunter22"} <sessKey>394186</sessKey> sessionId=77771234&x=1 S1!M!S!DB4`;
    const out = maskByShape(text);
    for (const secret of [MONIKER, 'a1b2c3d4e5', 'hunter22', '394186', '77771234', 'S1!M']) assert.ok(!out.includes(secret), `${secret} in ${out}`);
    assert.match(out, /"sessionId":\*\*\*/);
    assert.match(out, /x=1/);
    assert.equal(redact(text, []), out);
  });

  it('should mask a process moniker whole when only its connection moniker is configured', () => {
    const proc = `${MONIKER}!S!BPIMOEODAPBBDDGOAEDHLCADLCMDDIJDCEGJPKIJEBEEOLAHIL`;
    const out = redact(`OpenBpmProcess answered {"id":{"id":"${proc}"}} and then ${proc.slice(0, 70)}`, [MONIKER]);
    assert.deepEqual(leaks(out, proc), [], out);
  });

  it('should work in linear time on 1 MiB of adversarial text (run in a worker stopped after 20 s; a quadratic pattern takes minutes)', async function () {
    this.timeout(30_000);
    const MiB = 1024 * 1024;
    const inputs = [
      'A'.repeat(MiB),
      'S1'.repeat(MiB / 2),
      `"sessionId"${' '.repeat(MiB)}`,
      '<sessionId '.repeat(MiB / 11),
      'sessionId='.repeat(MiB / 10),
      `${PASSWORD.slice(0, 7)}`.repeat(MiB / 7),
    ];
    const sizes = await runBounded<Array<[number, number, number]>>(
      `const r = require(workerData.redact);
       return workerData.inputs.map((t) => [r.redact(t, workerData.secrets).length, r.redactedSnippet(t, workerData.secrets).length, r.maskByShape(t).length]);`,
      { redact: require.resolve('../../../src/shared/redact'), inputs, secrets: [PASSWORD, MONIKER] },
      20_000,
    );
    for (const [full, snip] of sizes) {
      // Cut to the bound first: the work is bounded by the bound, not by what the server sent.
      assert.ok(full <= 64 * 1024 + 1, `${full}`);
      assert.ok(snip <= 201, `${snip}`);
    }
  });
});
