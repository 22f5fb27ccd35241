import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { decodesPlainly, readRgb, resizeRgb } from './raster';

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

  it('resizes a plain PNG to exactly what decoding it at the smaller size gives', async () => {
    const bytes = await picture().png().toBuffer();
    assert.equal(decodesPlainly(bytes, 301, 203), true);
    const direct = await readRgb(bytes, work);
    const derived = await resizeRgb(await readRgb(bytes), work);
    assert.deepEqual([derived.width, derived.height], [work.width, work.height]);
    assert.ok(Buffer.from(derived.pixels).equals(Buffer.from(direct.pixels)));
  });

  it('decodes at each size what resizing would change: alpha, 16 bits, a profile, another size or format', async () => {
    const cases: Array<[string, Buffer]> = [
      ['alpha', await picture().ensureAlpha(0.5).png().toBuffer()],
      ['16 bits', await picture().toColourspace('rgb16').png().toBuffer()],
      ['a colour profile', await picture().withIccProfile('p3').png().toBuffer()],
      ['WebP', await picture().webp().toBuffer()],
      ['JPEG', await picture().jpeg().toBuffer()],
    ];
    for (const [name, bytes] of cases) assert.equal(decodesPlainly(bytes, 301, 203), false, name);
    const png = await picture().png().toBuffer();
    assert.equal(decodesPlainly(png, 300, 203), false, 'another size');
    assert.equal(decodesPlainly(png.subarray(0, 40), 301, 203), false, 'cut short');
  });
});
