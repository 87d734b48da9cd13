/** The in-memory image store of lpr-detection-in: bounded in count and bytes, validated input, settings named in errors. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ImageStore, readImageSettings } from '../../src/runtime/image-store';
import { fakeJpeg } from '../fixtures/jpeg';

describe('ImageStore', () => {
  it('property: never more than maxCount images or maxBytes bytes; the newest accepted one is always there', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 64, max: 5000 }),
        fc.array(fc.record({ camera: fc.constantFrom('CAM1', 'CAM2', 'bad/cam'), id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'x y'), size: fc.integer({ min: 10, max: 3000 }) }), { maxLength: 40 }),
        (maxCount, maxBytes, puts) => {
          const store = new ImageStore(maxCount, maxBytes);
          for (const p of puts) {
            const result = store.put(p.camera, p.id, fakeJpeg(Math.max(p.size, 4)));
            assert.ok(store.size <= maxCount);
            assert.ok(store.totalBytes <= maxBytes);
            const valid = p.camera !== 'bad/cam' && p.id !== 'x y' && p.size >= 64 && p.size <= maxBytes;
            assert.equal(result.ok, valid, JSON.stringify(p));
            if (valid) assert.equal(store.get(p.camera, p.id)?.length, p.size);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a copy, not the caller\'s buffer', () => {
    const store = new ImageStore(5, 10_000);
    const jpeg = fakeJpeg(100);
    store.put('CAM1', 'm1', jpeg);
    jpeg[10] = 0x42;
    assert.notEqual(store.get('CAM1', 'm1')![10], 0x42);
  });

  it('settings: off by default (flows saved before), bounds checked and named', () => {
    assert.deepEqual(readImageSettings({}), { images: false, imageCount: 200, imageBytes: 32 * 1024 * 1024 });
    assert.deepEqual(readImageSettings({ images: true, imageCount: '10', imageMemory: 1.5 }), { images: true, imageCount: 10, imageBytes: 1.5 * 1024 * 1024 });
    assert.throws(() => readImageSettings({ imageCount: 0 }), /imageCount: must be at least 1/);
    assert.throws(() => readImageSettings({ imageCount: 100_001 }), /imageCount: must be at most 100000/);
    assert.throws(() => readImageSettings({ imageMemory: 5000 }), /imageMemory: must be at most 4096/);
    assert.throws(() => readImageSettings({ images: 'yes' }), /images: must be true or false/);
  });
});
