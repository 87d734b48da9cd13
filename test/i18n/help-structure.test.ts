/**
 * The Thai help of a node says what its English help says: same headings, same property lists, same
 * paragraphs and lists, in the same order. A text added to one language only (as happened when other
 * branches edited the English help while it was being translated) changes the counts or the order of
 * these blocks, or the property names in the `<dt>`s, and fails here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const locales = path.resolve(__dirname, '../../locales');
const BLOCKS = ['h3', 'h4', 'dl', 'dt', 'dd', 'ol', 'ul', 'li', 'p', 'pre'] as const;

/** The block elements of a help page in document order (opening tags only). */
export function blockSequence(html: string): string[] {
  const re = new RegExp(`<(${BLOCKS.join('|')})(?=[\\s>])`, 'g');
  return [...html.matchAll(re)].map((m) => m[1]!);
}

export function blockCounts(html: string): Record<string, number> {
  const counts = Object.fromEntries(BLOCKS.map((b) => [b, 0])) as Record<string, number>;
  for (const b of blockSequence(html)) counts[b] = (counts[b] ?? 0) + 1;
  return counts;
}

/** What each `<dt>` names: its first `<code>` (a property key), else its text without the type. */
export function dtNames(html: string): string[] {
  return [...html.matchAll(/<dt[^>]*>([\s\S]*?)<\/dt>/g)].map((m) => {
    const code = /<code>([\s\S]*?)<\/code>/.exec(m[1]!);
    if (code) return code[1]!.trim();
    return m[1]!
      .replace(/<span class="property-type">[\s\S]*?<\/span>/, '')
      .replace(/<[^>]+>/g, '')
      .trim();
  });
}

const read = (lang: string, file: string) => readFileSync(path.join(locales, lang, file), 'utf8');

describe('help structure: Thai and English say the same', () => {
  const helps = readdirSync(path.join(locales, 'en-US')).filter((f) => f.endsWith('.html'));

  it('finds the helps and tells a missing block', () => {
    assert.ok(helps.length >= 11, `only ${helps.length} helps in locales/en-US`);
    // The checks below can fail: one dropped <dd> or a different property name is seen.
    const en = '<h3>P</h3><dl><dt>A (<code>a</code>)</dt><dd>x</dd><dt>payload <span class="property-type">o</span></dt><dd>y</dd></dl>';
    const th = '<h3>P</h3><dl><dt>ก (<code>b</code>)</dt><dd>x</dd><dt>payload <span class="property-type">o</span></dt></dl>';
    assert.notDeepEqual(blockCounts(th), blockCounts(en));
    assert.deepEqual(dtNames(en), ['a', 'payload']);
    assert.notDeepEqual(dtNames(th), dtNames(en));
  });

  for (const file of helps) {
    const en = read('en-US', file);
    const th = read('th', file);

    it(`${file}: the same number of h3, h4, dt, dd, li, pre, p, lists`, () => {
      assert.deepEqual(blockCounts(th), blockCounts(en), `locales/th/${file} differs from locales/en-US/${file}`);
    });

    it(`${file}: the blocks come in the same order`, () => {
      const e = blockSequence(en);
      const t = blockSequence(th);
      const i = e.findIndex((b, k) => t[k] !== b);
      const at = i === -1 ? (e.length === t.length ? -1 : Math.min(e.length, t.length)) : i;
      assert.equal(at, -1, `${file}: block ${at} is <${e[at]}> in English, <${t[at]}> in Thai (after ${e.slice(Math.max(0, at - 4), at).join(' ')})`);
    });

    it(`${file}: every <dt> names the same property`, () => {
      assert.deepEqual(dtNames(th), dtNames(en));
    });
  }
});
