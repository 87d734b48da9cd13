/**
 * Every message key the sources of lpr-blacklist, lpr-blacklist-match, lpr-camera,
 * lpr-camera-config and lpr-camera-control use exists in locales/en-US (so a typo cannot ship as a
 * bare key), no key is built at run time (the scan would not see it), and the English fallback
 * written beside an editor key is the catalog's English text.
 *
 * Keys are read with regexes from src/nodes/<type>.ts (t('<type>.…')), src/editor/<type>/index.ts
 * (tr(node, '<section>.…', 'English') and full '<type>.…' literals) and template.html (data-i18n,
 * with its [attr] prefixes and ; lists).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const TYPES = ['lpr-blacklist', 'lpr-blacklist-match', 'lpr-camera', 'lpr-camera-config', 'lpr-camera-control'];

type Catalog = { [k: string]: string | Catalog };
function lookup(catalog: Catalog, key: string): string | undefined {
  let at: string | Catalog | undefined = catalog;
  for (const part of key.split('.')) {
    if (at === undefined || typeof at === 'string') return undefined;
    at = at[part];
  }
  return typeof at === 'string' ? at : undefined;
}
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const catalogOf = (lang: string, type: string): Catalog => ({
  ...JSON.parse(read(`locales/${lang}/common.json`)),
  ...JSON.parse(read(`locales/${lang}/${type}.json`)),
});
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Keys a node's sources use, with where they were found. */
function usedKeys(type: string): Array<{ key: string; where: string }> {
  const out: Array<{ key: string; where: string }> = [];
  const runtime = `src/nodes/${type}.ts`;
  const editor = `src/editor/${type}/index.ts`;
  const template = `src/editor/${type}/template.html`;
  // Full keys as string literals: the node's own and the shared ones.
  const ownKey = new RegExp(`['"](${escape(type)}\\.[A-Za-z0-9_.]+)['"]`, 'g');
  const full = new RegExp(`['"](?!${escape(type)}\\.svg)(${escape(type)}\\.[A-Za-z0-9_.]+|lpr-common\\.[A-Za-z0-9_.]+)['"]`, 'g');
  // Helpers under src/nodes/shared may say a node's texts too (e.g. edge-problems.ts for lpr-camera).
  const shared = readdirSync(path.join(root, 'src/nodes/shared')).filter((f) => f.endsWith('.ts')).map((f) => `src/nodes/shared/${f}`);
  for (const file of [runtime, editor]) for (const m of read(file).matchAll(full)) out.push({ key: m[1]!, where: file });
  for (const file of shared) for (const m of read(file).matchAll(ownKey)) out.push({ key: m[1]!, where: file });
  // Keys relative to the node's namespace, as tr(node, 'section.key', ...) takes them (also in ternaries).
  for (const call of read(editor).matchAll(/\btr\(\s*[A-Za-z_.]+\s*,([^;]*?)(?:,\s*['"`]|\))/g)) {
    for (const m of call[1]!.matchAll(/['"]([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)['"]/g)) out.push({ key: `${type}.${m[1]}`, where: editor });
  }
  for (const m of read(template).matchAll(/data-i18n="([^"]+)"/g)) {
    for (const part of m[1]!.split(';')) out.push({ key: part.replace(/^\[[^\]]+\]/, ''), where: template });
  }
  return out;
}

describe('i18n keys used by lpr-blacklist, lpr-blacklist-match, lpr-camera, lpr-camera-config, lpr-camera-control', () => {
  for (const type of TYPES) {
    describe(type, () => {
      const en = catalogOf('en-US', type);

      it('every key its runtime, editor script and dialog template use exists in locales/en-US', () => {
        const used = usedKeys(type);
        assert.ok(used.filter((u) => u.where.endsWith('.ts')).length > 0, `${type}: no t()/tr() key found in its sources (has the scan broken?)`);
        assert.ok(used.filter((u) => u.where.endsWith('.html')).length > 0, `${type}: no data-i18n in its template`);
        const missing = used.filter((u) => lookup(en, u.key) === undefined).map((u) => `${u.key} (${u.where})`);
        assert.deepEqual([...new Set(missing)], []);
      });

      it('builds no key at run time: every key is a literal the scan sees', () => {
        const dynamic: string[] = [];
        for (const file of [`src/nodes/${type}.ts`, `src/editor/${type}/index.ts`]) {
          const text = read(file)
            // The one place a key is built: tr() prefixing the node's namespace.
            .replace(new RegExp(`node\\._\\(\`${escape(type)}\\.\\$\\{key\\}\`, params\\)`), '');
          for (const m of text.matchAll(/\b(?:t|tr\(\s*[A-Za-z_.]+\s*,|_)\(?\s*`[^`]*\$\{/g)) dynamic.push(`${file}: ${m[0]}`);
          for (const m of text.matchAll(/\bt\(\s*`/g)) dynamic.push(`${file}: ${m[0]}`);
        }
        assert.deepEqual(dynamic, []);
      });

      it('the English fallback written beside an editor key is the catalog text', () => {
        const editor = read(`src/editor/${type}/index.ts`);
        const wrong: string[] = [];
        for (const m of editor.matchAll(/\btr\(\s*[A-Za-z_.]+\s*,\s*'([A-Za-z0-9_.]+)'\s*,\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*[,)]/g)) {
          const english = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
          const catalog = lookup(en, `${type}.${m[1]}`);
          if (catalog !== english) wrong.push(`${m[1]}: source "${english}", catalog "${catalog}"`);
        }
        assert.deepEqual(wrong, []);
      });

      it('the Thai catalog has a text for every key used (the parity test checks the rest)', () => {
        const th = catalogOf('th', type);
        const missing = usedKeys(type).filter((u) => lookup(th, u.key) === undefined).map((u) => u.key);
        assert.deepEqual([...new Set(missing)], []);
      });
    });
  }

  it('the scan finds a misspelt key (so the checks above can fail)', () => {
    const en = catalogOf('en-US', 'lpr-camera-control');
    assert.equal(lookup(en, 'lpr-camera-control.status.inFlight'), '__n__ in flight');
    assert.equal(lookup(en, 'lpr-camera-control.status.inFligth'), undefined);
  });
});
