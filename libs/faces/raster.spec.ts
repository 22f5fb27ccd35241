import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { readRgb, readRgbOnce, resizeRgb, shrink, type Rect, type RgbImage } from './raster';

/** A 301 × 203 image of smooth gradients and hard noise, so any resampling difference would show. */
function picture(): sharp.Sharp {
  const width = 301;
  const height = 203;
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let i = 0; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const x = (i / 3) % width;
    pixels[i] = (x + (seed % 64)) % 256;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

describe('decoding once', () => {
  const work = { width: 120, height: 81 };
  const same = (a: { pixels: Uint8Array }, b: { pixels: Uint8Array }) =>
    Buffer.from(a.pixels).equals(Buffer.from(b.pixels));

  it('resizes a PNG of RGB, or of RGBA opaque everywhere, to exactly what decoding it at that size gives', async () => {
    const cases: Array<[string, Buffer]> = [
      ['RGB', await picture().png().toBuffer()],
      ['opaque RGBA', await picture().ensureAlpha(1).png().toBuffer()],
    ];
    for (const [name, bytes] of cases) {
      const once = await readRgbOnce(bytes);
      assert.equal(once.resizable, true, name);
      assert.ok(same(once, await readRgb(bytes)), `${name}: the pixels readRgb gives`);
      for (const size of [work, { width: 400, height: 250 }]) {
        const derived = await resizeRgb(once, size);
        assert.deepEqual([derived.width, derived.height], [size.width, size.height]);
        assert.ok(same(derived, await readRgb(bytes, size)), `${name} at ${size.width} px`);
      }
    }
  });

  it('decodes at each size what resizing would change: alpha in use, 16 bits, a profile, another format', async () => {
    const rgba = await picture().ensureAlpha(1).raw().toBuffer({ resolveWithObject: true });
    rgba.data[(5 * 301 + 9) * 4 + 3] = 0;
    const oneSeeThrough = await sharp(rgba.data, { raw: rgba.info }).png().toBuffer();
    const cases: Array<[string, Buffer]> = [
      ['alpha', await picture().ensureAlpha(0.5).png().toBuffer()],
      ['one pixel see-through', oneSeeThrough],
      ['16 bits', await picture().toColourspace('rgb16').png().toBuffer()],
      ['a colour profile', await picture().withIccProfile('p3').png().toBuffer()],
      ['WebP', await picture().webp().toBuffer()],
      ['JPEG', await picture().jpeg().toBuffer()],
    ];
    for (const [name, bytes] of cases) {
      const once = await readRgbOnce(bytes);
      assert.equal(once.resizable, false, name);
      assert.ok(same(once, await readRgb(bytes)), `${name}: the pixels readRgb gives`);
    }
  });
});

describe('shrink', () => {
  /** Each block's rounded mean, one pixel at a time: what `shrink` must give at every factor. */
  const blockMeans = ({ width, pixels }: RgbImage, rect: Rect, factor: number): Uint8Array => {
    const [w, h] = [Math.ceil(rect.width / factor), Math.ceil(rect.height / factor)];
    const out = new Uint8Array(w * h * 3);
    for (let oy = 0; oy < h; oy++)
      for (let ox = 0; ox < w; ox++)
        for (let c = 0; c < 3; c++) {
          let [sum, n] = [0, 0];
          for (let y = oy * factor; y < Math.min(rect.height, (oy + 1) * factor); y++)
            for (let x = ox * factor; x < Math.min(rect.width, (ox + 1) * factor); x++, n++)
              sum += pixels[((rect.y + y) * width + rect.x + x) * 3 + c];
          out[(oy * w + ox) * 3 + c] = Math.round(sum / n);
        }
    return out;
  };

  it('gives each block its rounded mean, by 2 (unrolled) as by any factor, odd edges and rectangles included', async () => {
    const { data, info } = await picture().raw().toBuffer({ resolveWithObject: true });
    const image = { width: info.width, height: info.height, pixels: new Uint8Array(data) };
    for (const rect of [
      { x: 0, y: 0, width: 301, height: 203 },
      { x: 3, y: 5, width: 120, height: 77 },
      { x: 10, y: 1, width: 1, height: 1 },
    ]) {
      for (const factor of [2, 3]) {
        const shrunk = shrink(image, rect, factor);
        assert.deepEqual(
          shrunk.pixels,
          blockMeans(image, rect, factor),
          `${JSON.stringify(rect)} by ${factor}`,
        );
      }
    }
  });
});
