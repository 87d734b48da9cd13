/**
 * Thai text to positioned glyphs, for Sarabun, without an OpenType shaper (opentype.js cannot run
 * Sarabun's Thai lookups). Marks have no advance and sit over or under the consonant before them;
 * what a shaper would do is done with the font's own variant glyphs:
 * - a mark over a tall consonant (ป ฝ ฟ ฬ) takes its `.narrow` form, shifted left off the ascender;
 * - a tone mark or thanthakhat over an upper vowel takes its `.small` form, raised above the vowel;
 * - a below vowel under a consonant with a descender (ฎ ฏ ฤ ฦ) takes its `.small` form, lowered,
 *   and ญ ฐ lose their lower part (`.less`) above one;
 * - sara am (ำ) is nikhahit over the consonant (joined with a tone mark before it) and sara aa.
 * Latin letters, digits and spaces come from the Latin subset.
 */
import type { Font, Glyph } from 'opentype.js';

export interface Placed {
  glyph: Glyph;
  font: Font;
  /** Pen position in font units, before the glyph is drawn. */
  x: number;
  /** Vertical offset in font units (up is positive). */
  dy: number;
}

const TALL = new Set(['ป', 'ฝ', 'ฟ', 'ฬ']);
const DESCENDER = new Set(['ฎ', 'ฏ', 'ฤ', 'ฦ']);
const LESS: Record<string, string> = { ญ: 'yoYingthai.less', ฐ: 'thoThanthai.less' };
const UPPER_VOWEL = new Set(['\u0e31', '\u0e34', '\u0e35', '\u0e36', '\u0e37', '\u0e47', '\u0e4d']);
const TONE = new Set(['\u0e48', '\u0e49', '\u0e4a', '\u0e4b', '\u0e4c', '\u0e4e']);
const BELOW = new Set(['\u0e38', '\u0e39', '\u0e3a']);
const SARA_AM = '\u0e33';

function isThai(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return c >= 0x0e00 && c <= 0x0e7f;
}

function uniName(ch: string): string {
  return 'uni' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

export class Shaper {
  private readonly byName = new Map<string, Glyph>();
  /** How far `.narrow` marks sit left of the plain ones (font units), for marks without a narrow form. */
  private readonly narrowShift: number;

  constructor(
    readonly thai: Font,
    readonly latin: Font,
  ) {
    for (let i = 0; i < thai.numGlyphs; i++) {
      const g = thai.glyphs.get(i);
      if (g.name) this.byName.set(g.name, g);
    }
    const plain = this.byName.get('uni0E48');
    const narrow = this.byName.get('uni0E48.narrow');
    this.narrowShift = plain && narrow ? narrow.getBoundingBox().x1 - plain.getBoundingBox().x1 : 0;
  }

  private named(name: string): Glyph | undefined {
    return this.byName.get(name);
  }

  /** Positioned glyphs of `text` and its advance, in font units (both fonts share 1000 units per em). */
  shape(text: string): { glyphs: Placed[]; advance: number } {
    const out: Placed[] = [];
    let x = 0;
    let base = '';
    let upperOnBase = false;
    let lastTone: { placed: Placed; ch: string } | null = null;
    const chars = [...text.normalize('NFC')];
    for (const ch of chars) {
      if (!isThai(ch)) {
        const g = this.latin.charToGlyph(ch);
        out.push({ glyph: g, font: this.latin, x, dy: 0 });
        x += g.advanceWidth ?? 0;
        base = '';
        upperOnBase = false;
        lastTone = null;
        continue;
      }
      const tall = TALL.has(base);
      if (UPPER_VOWEL.has(ch) || TONE.has(ch)) {
        const stacked = TONE.has(ch) && upperOnBase;
        let glyph = stacked ? this.named(uniName(ch) + '.small') : tall ? this.named(uniName(ch) + '.narrow') : undefined;
        let dx = 0;
        if (stacked && tall) dx = this.narrowShift;
        if (!glyph) {
          glyph = this.thai.charToGlyph(ch);
          if (tall) dx = this.narrowShift;
        }
        const placed = { glyph, font: this.thai, x: x + dx, dy: 0 };
        out.push(placed);
        if (UPPER_VOWEL.has(ch)) upperOnBase = true;
        lastTone = TONE.has(ch) && ch !== '\u0e4c' && ch !== '\u0e4e' ? { placed, ch } : null;
        continue;
      }
      if (BELOW.has(ch)) {
        const glyph = (DESCENDER.has(base) && this.named(uniName(ch) + '.small')) || this.thai.charToGlyph(ch);
        // ญ and ฐ drop their lower part above a below vowel.
        const prev = out[out.length - 1];
        if (LESS[base] && prev && prev.glyph.unicode === base.codePointAt(0)) {
          const less = this.named(LESS[base]!);
          if (less) prev.glyph = less;
        }
        out.push({ glyph, font: this.thai, x, dy: 0 });
        continue;
      }
      if (ch === SARA_AM) {
        // Nikhahit over the consonant (one glyph with a tone mark before it), then sara aa.
        let name = 'uni0E4D';
        if (lastTone) {
          name += uniName(lastTone.ch).slice(3);
          out.splice(out.indexOf(lastTone.placed), 1);
        }
        const nikhahit = (tall && this.named(name + '.narrow')) || this.named(name) || this.thai.charToGlyph('\u0e4d');
        out.push({ glyph: nikhahit, font: this.thai, x, dy: 0 });
        const aa = this.thai.charToGlyph('\u0e32');
        out.push({ glyph: aa, font: this.thai, x, dy: 0 });
        x += aa.advanceWidth ?? 0;
        base = '';
        upperOnBase = false;
        lastTone = null;
        continue;
      }
      const g = this.thai.charToGlyph(ch);
      out.push({ glyph: g, font: this.thai, x, dy: 0 });
      x += g.advanceWidth ?? 0;
      base = ch;
      upperOnBase = false;
      lastTone = null;
    }
    return { glyphs: out, advance: x };
  }
}
