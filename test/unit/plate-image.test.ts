/**
 * lpr-sim's plate pictures: a valid JPEG within the image bound, ink where the text is, and Thai
 * marks placed as a shaper would: a tone mark over an upper vowel is raised above it, marks over a
 * tall consonant (ป ฝ ฟ ฬ) are moved left off its ascender, sara am's nikhahit joins a tone mark.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'opentype.js';
import { decode } from 'jpeg-js';
import { IMAGE_MAX_BYTES, jpegProblem } from '../../src/protocol';
import { plateJpeg, platesJpeg, PLATE_HEIGHT, PLATE_WIDTH } from '../../src/sim/image/plate-image';
import { plateImage } from '../../src/sim/image/plate-cache';
import { Shaper, type Placed } from '../../src/sim/image/shape';

function font(file: string) {
  const b = readFileSync(require.resolve(`@fontsource/sarabun/files/${file}`));
  return parse(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}
const shaper = new Shaper(font('sarabun-thai-700-normal.woff'), font('sarabun-latin-700-normal.woff'));

/** The ink box of a placed glyph in font units (y up). */
function box(p: Placed) {
  const b = p.glyph.getBoundingBox();
  return { x1: p.x + b.x1, x2: p.x + b.x2, y1: b.y1 + p.dy, y2: b.y2 + p.dy };
}

describe('lpr-sim plate pictures', () => {
  it('a Thai plate with its province and a Latin plate: JPEGs within the image bound that decode to the plate size', () => {
    for (const [plate, province] of [['กข1234', 'กรุงเทพมหานคร'], ['ABC1234', 'Bangkok'], ['1กข 234', null]] as const) {
      const jpeg = plateJpeg(plate, province);
      assert.equal(jpegProblem(jpeg), null);
      assert.ok(jpeg.length < IMAGE_MAX_BYTES / 4, `${jpeg.length} bytes`);
      const img = decode(jpeg, { useTArray: true });
      assert.deepEqual([img.width, img.height], [PLATE_WIDTH, PLATE_HEIGHT]);
      // Dark pixels (text and frame) and a mostly light plate.
      let dark = 0;
      for (let i = 0; i < img.data.length; i += 4) if (img.data[i]! < 100) dark++;
      const share = dark / (img.width * img.height);
      assert.ok(share > 0.08 && share < 0.5, `${plate}: ${(share * 100).toFixed(1)} % dark`);
    }
  });

  it('the province line has ink of its own (a second line), the same plate renders the same bytes (cached)', () => {
    const withProvince = decode(plateJpeg('กข1234', 'เชียงใหม่'), { useTArray: true });
    const rowInk = (y: number) => {
      let n = 0;
      for (let x = 20; x < PLATE_WIDTH - 20; x++) if (withProvince.data[(y * PLATE_WIDTH + x) * 4]! < 100) n++;
      return n;
    };
    assert.ok(rowInk(128) > 10, 'ink across the province line');
    const plates = [{ plate_number: 'กข1234', province: 'เชียงใหม่' }];
    assert.ok(plateImage(plates) === plateImage([...plates]));
  });

  it('a detection with several plates gets one picture of them all, one under the other (at most three)', () => {
    const two = decode(platesJpeg([{ plate: 'กข1234', province: 'เชียงใหม่' }, { plate: 'ABC1234', province: 'Bangkok' }]), { useTArray: true });
    assert.deepEqual([two.width, two.height], [PLATE_WIDTH, 2 * PLATE_HEIGHT]);
    const four = decode(plateImage(['A1', 'B2', 'C3', 'D4'].map((plate_number) => ({ plate_number }))), { useTArray: true });
    assert.equal(four.height, 3 * PLATE_HEIGHT);
  });

  it('a tone mark over an upper vowel is raised clear of it (ที่, ปี่, กิ้)', () => {
    for (const text of ['ที่', 'ปี่', 'กิ้', 'สั่ง']) {
      const g = shaper.shape(text).glyphs;
      const vowel = box(g[1]!);
      const tone = box(g[2]!);
      assert.ok(tone.y1 >= vowel.y2 - 40, `${text}: tone bottom ${tone.y1} vs vowel top ${vowel.y2}`);
    }
    // Without an upper vowel the tone mark stays low (no gap over the consonant).
    const alone = shaper.shape('ก่').glyphs;
    assert.ok(box(alone[1]!).y1 < 800);
  });

  it('marks over a tall consonant sit left of its ascender (ปี, ปั้, ฟ้า, ป่)', () => {
    for (const text of ['ปี', 'ปั้', 'ฟ้า', 'ป่', 'ฝั่ง']) {
      const g = shaper.shape(text).glyphs;
      const base = box(g[0]!);
      for (const mark of g.slice(1).filter((p) => (p.glyph.advanceWidth ?? 0) === 0)) {
        // The ascender is the right-most ink of the consonant: a mark beside it ends before it (the
        // plain forms end ~150 units past it), a mark raised over another one clears its top.
        const m = box(mark);
        assert.ok(m.x2 < base.x2 || m.y1 > base.y2 + 100, `${text}: mark ${JSON.stringify(m)} vs ascender right ${base.x2}, top ${base.y2}`);
      }
    }
  });

  it('sara am: nikhahit over the consonant joined with a tone mark, then sara aa (น้ำ)', () => {
    const g = shaper.shape('น้ำ').glyphs.map((p) => p.glyph.name);
    assert.deepEqual(g, ['uni0E19', 'uni0E4D0E49', 'uni0E32']);
  });
});
