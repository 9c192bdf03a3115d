import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCALES = join(__dirname, '..', '..', 'nodes', 'locales');

/** A node's runtime `RED._` over its real catalog, with Node-RED's `__name__` interpolation. */
export function translator(lang: string, node: string): (key: string, values?: Record<string, string | number>) => string {
  const catalog = JSON.parse(readFileSync(join(LOCALES, lang, `${node}.json`), 'utf8')) as Record<string, unknown>;
  return (key, values = {}) => {
    const text = key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], catalog);
    assert.equal(typeof text, 'string', `${lang}/${node}.json has ${key}`);
    return (text as string).replace(/__(\w+)__/g, (_m, name: string) => String(values[name]));
  };
}
