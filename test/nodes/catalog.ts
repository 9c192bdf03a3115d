import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next from 'i18next';

const LOCALES = join(__dirname, '..', '..', 'nodes', 'locales');

/**
 * A node's runtime `RED._` over its real catalog: the i18next Node-RED runs on, with Node-RED's
 * `__name__` interpolation, so plural keys (`_one`, `_other`; `_few`, `_many` in ru) resolve as they
 * do in the runtime. No fallback language: each catalog must have every key itself.
 */
export function translator(lang: string, node: string): (key: string, values?: Record<string, string | number>) => string {
  const t = i18next.createInstance();
  void t.init({
    initAsync: false,
    lng: lang,
    fallbackLng: false,
    showSupportNotice: false,
    resources: { [lang]: { [node]: JSON.parse(readFileSync(join(LOCALES, lang, `${node}.json`), 'utf8')) as Record<string, unknown> } },
    defaultNS: node,
    keySeparator: '.',
    nsSeparator: ':',
    interpolation: { escapeValue: false, prefix: '__', suffix: '__' },
  } as never);
  return (key, values = {}) => {
    assert.ok(t.exists(key, values), `${lang}/${node}.json has ${key}`);
    return t.t(key, values);
  };
}
