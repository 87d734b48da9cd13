/**
 * Images of a detection (docs/protocol.md "Images"): `metadata.image_url` is an http(s) URL of
 * bounded length; the image topic carries a JPEG (by its markers) of bounded size, keyed by a
 * message id that is a valid topic level.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodePayload,
  IMAGE_MAX_BYTES,
  IMAGE_POLICY,
  IMAGE_URL_MAX_LENGTH,
  imageUrlProblem,
  jpegProblem,
  messageIdLevelProblem,
  TopicTree,
  validateMessage,
} from '../../src/protocol';
import { fakeJpeg } from '../fixtures/jpeg';
import { seedDetection } from '../fixtures/samples';

function withImageUrl(url: unknown): Record<string, any> {
  const d = seedDetection();
  d.metadata = { ...(d.metadata ?? {}), image_url: url };
  return d;
}

describe('protocol: images', () => {
  describe('metadata.image_url', () => {
    it('a detection with an http or https image_url validates, as JSON text and as an object', () => {
      for (const url of ['http://cam.local/snap/1.jpg', 'https://store.example.com/a/b.jpg?x=1#y']) {
        const d = withImageUrl(url);
        assert.equal(validateMessage('detection', d).ok, true, url);
        const decoded = decodePayload('detection', JSON.stringify(d));
        assert.ok(decoded.ok, url);
        assert.equal((decoded.value.metadata as any).image_url, url);
      }
    });

    it('rejects other schemes, credentials, non-strings and over-long URLs, naming metadata.image_url', () => {
      const bad = ['javascript:alert(1)', 'data:image/jpeg;base64,AAAA', 'file:///etc/passwd', 'ftp://x/y.jpg', 'not a url', '/relative.jpg', 'http://user:pw@cam/x.jpg', 42, null, `https://x/${'a'.repeat(IMAGE_URL_MAX_LENGTH)}`];
      for (const url of bad) {
        for (const result of [validateMessage('detection', withImageUrl(url)), decodePayload('detection', JSON.stringify(withImageUrl(url)))]) {
          assert.equal(result.ok, false, String(url));
          if (!result.ok) assert.ok(result.error.issues.some((i) => i.path === 'metadata.image_url'), `${String(url)}: ${result.error.message}`);
        }
      }
    });

    it('other metadata stays free-form', () => {
      const d = seedDetection();
      d.metadata = { image_path: '/x.jpg', anything: { nested: [1, 2] } };
      assert.equal(validateMessage('detection', d).ok, true);
    });

    it('property: accepted exactly when the scheme is http(s), no credentials, within the bound', () => {
      fc.assert(
        fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string(), fc.webUrl().map((u) => u.replace(/^https?/, 'gopher'))), (url) => {
          const problem = imageUrlProblem(url);
          let expected = true;
          try {
            const u = new URL(url);
            expected = (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && url.length <= IMAGE_URL_MAX_LENGTH;
          } catch {
            expected = false;
          }
          assert.equal(problem === null, expected, `${url}: ${problem}`);
          assert.equal(validateMessage('detection', withImageUrl(url)).ok, expected);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('image payload (JPEG by its markers)', () => {
    it('accepts a JPEG up to the bound, rejects one byte more', () => {
      assert.equal(jpegProblem(fakeJpeg(200)), null);
      assert.equal(jpegProblem(fakeJpeg(IMAGE_MAX_BYTES)), null);
      assert.match(jpegProblem(fakeJpeg(IMAGE_MAX_BYTES + 1)) ?? '', /over the 262144-byte limit/);
      assert.match(jpegProblem(fakeJpeg(1000), 999) ?? '', /over the 999-byte limit/);
    });

    it('rejects what is not a JPEG: PNG, text, truncated, empty, not a Buffer', () => {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]);
      assert.match(jpegProblem(png) ?? '', /not a JPEG/);
      assert.match(jpegProblem(Buffer.from('{"hello":"world"}'.repeat(10))) ?? '', /not a JPEG/);
      assert.match(jpegProblem(fakeJpeg(300).subarray(0, 250)) ?? '', /not a whole JPEG/);
      assert.match(jpegProblem(Buffer.alloc(0)) ?? '', /too short/);
      assert.match(jpegProblem('a string') ?? '', /must be a Buffer/);
      assert.match(jpegProblem([0xff, 0xd8]) ?? '', /an array/);
    });

    it('property: any bytes are accepted exactly when they start FF D8 FF, end FF D9 and fit the bounds', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.boolean(), fc.boolean(), (body, head, tail) => {
          const bytes = Buffer.concat([head ? Buffer.from([0xff, 0xd8, 0xff]) : Buffer.alloc(0), body, tail ? Buffer.from([0xff, 0xd9]) : Buffer.alloc(0)]);
          const expected = bytes.length >= 64 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff && bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
          assert.equal(jpegProblem(bytes, 300) === null, expected && bytes.length <= 300);
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('image topic', () => {
    const tree = new TopicTree('lprserver');

    it('is {root}/cameras/{camera_id}/images/{message_id}, QoS 1, not retained', () => {
      assert.equal(tree.imageTopic('CAM001', '7d0c9a8e-1111-4f0e-9a0b-0123456789ab'), 'lprserver/cameras/CAM001/images/7d0c9a8e-1111-4f0e-9a0b-0123456789ab');
      assert.equal(tree.imageFilter(), 'lprserver/cameras/+/images/+');
      assert.equal(tree.imageFilter('CAM001', 'g1'), '$share/g1/lprserver/cameras/CAM001/images/+');
      assert.equal(IMAGE_POLICY.qos, 1);
      assert.equal(IMAGE_POLICY.retain, false);
      assert.deepEqual(tree.parseImage('lprserver/cameras/CAM001/images/abc-1'), { cameraId: 'CAM001', messageId: 'abc-1' });
      assert.equal(tree.parse('lprserver/cameras/CAM001/images/abc-1'), null, 'not a JSON message kind');
    });

    it('refuses message ids that are not one safe topic level (no injection)', () => {
      for (const id of ['', 'a/b', 'a+b', '#', 'a b', '-x', 'x'.repeat(129), '\u0000', 'ก']) {
        assert.notEqual(messageIdLevelProblem(id), null, JSON.stringify(id));
        assert.throws(() => tree.imageTopic('CAM001', id), /message_id/);
      }
      assert.throws(() => tree.imageTopic('CAM/1', 'abc'), /camera_id/);
      for (const t of ['lprserver/cameras/CAM001/images/a/b', 'lprserver/cameras/CAM001/images/', 'lprserver/cameras/CAM 1/images/x', 'other/cameras/CAM001/images/x', 'lprserver/cameras/CAM001/imagesx/x']) {
        assert.equal(tree.parseImage(t), null, t);
      }
    });

    it('property: every id the topic builder takes parses back to itself', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/), (id) => {
          assert.deepEqual(tree.parseImage(tree.imageTopic('CAM001', id)), { cameraId: 'CAM001', messageId: id });
        }),
      );
      fc.assert(
        fc.property(fc.string({ maxLength: 140 }), (id) => {
          const ok = messageIdLevelProblem(id) === null;
          if (ok) assert.ok(!/[/+#\s]/.test(id));
          else assert.throws(() => tree.imageTopic('CAM001', id));
        }),
      );
    });
  });
});
