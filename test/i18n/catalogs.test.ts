/**
 * The message catalogs (locales/<lang>/*.json) and the help (locales/<lang>/<type>.html): every
 * English key has a Thai text with the same `__placeholders__`, every help page exists in both, and
 * the build puts them where Node-RED reads them (dist/locales/<lang>/<type>.json, merged with the
 * shared strings, and <type>.html).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { interpolate, translator } from '../../src/nodes/shared/i18n';

const root = path.resolve(__dirname, '../..');
const locales = path.join(root, 'locales');
const LANGS = ['en-US', 'th'];
const types = readdirSync(path.join(root, 'src/editor')).filter((d) => d.startsWith('lpr-'));

type Catalog = { [k: string]: string | Catalog };
function flatten(catalog: Catalog, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(catalog)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else flatten(v, `${prefix}${k}.`, out);
  }
  return out;
}
const read = (lang: string, file: string): Catalog => JSON.parse(readFileSync(path.join(locales, lang, file), 'utf8'));
const placeholders = (text: string) => [...text.matchAll(/__([A-Za-z0-9_]+?)__/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  const files = readdirSync(path.join(locales, 'en-US')).filter((f) => f.endsWith('.json'));

  it('has the shared catalog and only catalogs of node types', () => {
    assert.ok(files.includes('common.json'));
    for (const f of files) assert.ok(f === 'common.json' || types.includes(f.replace(/\.json$/, '')), `${f} names no node type`);
  });

  for (const file of files) {
    it(`${file}: every English key has a Thai text with the same placeholders`, () => {
      const en = flatten(read('en-US', file));
      assert.ok(existsSync(path.join(locales, 'th', file)), `locales/th/${file} is missing`);
      const th = flatten(read('th', file));
      const missing = [...en.keys()].filter((k) => !th.has(k));
      assert.deepEqual(missing, [], `keys missing from locales/th/${file}`);
      const extra = [...th.keys()].filter((k) => !en.has(k));
      assert.deepEqual(extra, [], `keys in locales/th/${file} that English does not have`);
      for (const [k, text] of en) {
        assert.notEqual(th.get(k)!.trim(), '', `${file} ${k}: empty Thai text`);
        assert.deepEqual(placeholders(th.get(k)!), placeholders(text), `${file} ${k}: placeholders differ`);
      }
    });

    it(`${file}: one top-level key, the node type's (or lpr-common)`, () => {
      const want = file === 'common.json' ? 'lpr-common' : file.replace(/\.json$/, '');
      for (const lang of LANGS) assert.deepEqual(Object.keys(read(lang, file)), [want], `locales/${lang}/${file}`);
    });
  }

  const helps = readdirSync(path.join(locales, 'en-US')).filter((f) => f.endsWith('.html'));
  for (const file of helps) {
    it(`${file}: the help exists in Thai and names its node type`, () => {
      const type = file.replace(/\.html$/, '');
      for (const lang of LANGS) {
        const p = path.join(locales, lang, file);
        assert.ok(existsSync(p), `locales/${lang}/${file} is missing`);
        assert.match(readFileSync(p, 'utf8'), new RegExp(`data-help-name="${type}"`), `locales/${lang}/${file}`);
      }
      assert.match(readFileSync(path.join(locales, 'th', file), 'utf8'), /[\u0E00-\u0E7F]/, `locales/th/${file} holds no Thai`);
    });
  }

  it('the build writes each catalog, merged with the shared strings, where Node-RED reads it', () => {
    for (const lang of LANGS) {
      for (const type of types) {
        const p = path.join(root, 'dist/locales', lang, `${type}.json`);
        assert.ok(existsSync(p), `dist/locales/${lang}/${type}.json (run npm run build)`);
        const built = JSON.parse(readFileSync(p, 'utf8'));
        assert.ok(built['lpr-common'], `${p}: shared strings`);
      }
    }
  });
});

describe('runtime translator', () => {
  it('uses the catalog Node-RED answers from', () => {
    const t = translator({ _: (key: string) => (key === 'lpr-common.status.connected' ? 'เชื่อมต่อแล้ว' : key) });
    assert.equal(t('lpr-common.status.connected'), 'เชื่อมต่อแล้ว');
  });

  it('falls back to English where Node-RED answers with the key (the test helper)', () => {
    const t = translator({ _: (key: string) => key });
    assert.equal(t('lpr-common.status.withCounts', { state: 'connected', counts: '3 in' }), 'connected · 3 in');
  });

  it('returns the key itself for a key no catalog has', () => {
    assert.equal(translator({})('lpr-common.nope'), 'lpr-common.nope');
  });

  it('interpolates __name__ and leaves unknown names as they are', () => {
    assert.equal(interpolate('__a__ and __b__', { a: 1 }), '1 and __b__');
  });
});
