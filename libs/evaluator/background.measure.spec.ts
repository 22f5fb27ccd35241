import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { packageRoot } from '../core/package-root';
import type { FaceBox } from '../faces/face.types';
import { readRgb, type Rect, type RgbImage } from '../faces/raster';
import { BACKGROUND_SAMPLE_PIXELS, backgroundTiles, measureBackground } from './background.measure';

const photo = join(packageRoot(), 'datasets', 'sources', 'astronaut.png');

/**
 * SSIM, colour difference and change at every background pixel (or those of `tiles`), straight from
 * their definitions.
 */
function reference(template: RgbImage, output: RgbImage, excluded: FaceBox[], tiles?: Rect[]) {
  const { width, height } = template;
  const at = (image: RgbImage, x: number, y: number, c: number) => {
    const cx = Math.min(width - 1, Math.max(0, x));
    const cy = Math.min(height - 1, Math.max(0, y));
    return image.pixels[(cy * width + cx) * 3 + c];
  };
  const luma = (image: RgbImage, x: number, y: number) =>
    0.299 * at(image, x, y, 0) + 0.587 * at(image, x, y, 1) + 0.114 * at(image, x, y, 2);
  let ssim = 0;
  let colour = 0;
  let n = 0;
  const changes: number[] = [];
  const pixels = tiles
    ? tiles.flatMap((t) =>
        Array.from({ length: t.width * t.height }, (_, i) => [
          t.x + (i % t.width),
          t.y + Math.floor(i / t.width),
        ]),
      )
    : Array.from({ length: width * height }, (_, i) => [i % width, Math.floor(i / width)]);
  for (const [x, y] of pixels) {
    if (excluded.some(([bx, by, bw, bh]) => x >= bx && x < bx + bw && y >= by && y < by + bh)) continue;
    let [a, b, aa, bb, ab] = [0, 0, 0, 0, 0];
    for (let dy = -3; dy <= 3; dy++) {
      for (let dx = -3; dx <= 3; dx++) {
        const la = Math.fround(luma(output, x + dx, y + dy));
        const lb = Math.fround(luma(template, x + dx, y + dy));
        [a, b, aa, bb, ab] = [a + la, b + lb, aa + la * la, bb + lb * lb, ab + la * lb];
      }
    }
    const [ma, mb] = [a / 49, b / 49];
    const [va, vb, cov] = [aa / 49 - ma * ma, bb / 49 - mb * mb, ab / 49 - ma * mb];
    const c1 = (0.01 * 255) ** 2;
    const c2 = (0.03 * 255) ** 2;
    ssim += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
    for (let c = 0; c < 3; c++) colour += Math.abs(at(output, x, y, c) - at(template, x, y, c));
    n++;
    if ((x | y) % 2 !== 0) continue;
    const sums = [0, 1, 2].map((c) => {
      let d = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) d += at(output, x + dx, y + dy, c) - at(template, x + dx, y + dy, c);
      return Math.abs(d) / 9;
    });
    changes.push(Math.fround(Math.max(...sums)));
  }
  changes.sort((p, q) => p - q);
  return { ssim: ssim / n, colourDiff: colour / (3 * n), change: changes[Math.floor(changes.length / 2)] };
}

describe('the background measures', () => {
  const covered = (image: RgbImage) => new Uint8Array(image.width * image.height).fill(1);

  it('equal their definitions at every pixel of an image small enough to be measured whole', async () => {
    const size = { width: 96, height: 80 };
    const template = await readRgb(await sharp(photo).png().toBuffer(), size);
    const output = await readRgb(
      await sharp(photo).jpeg({ quality: 30 }).modulate({ brightness: 1.1 }).toBuffer(),
      size,
    );
    const excluded: FaceBox[] = [[30, 10, 30, 40]];
    const measured = measureBackground(template, output, excluded, covered(template), 1);
    const expected = reference(template, output, excluded);
    assert.ok(Math.abs(measured.ssim - expected.ssim) < 1e-6, `${measured.ssim} vs ${expected.ssim}`);
    assert.ok(Math.abs(measured.colourDiff - expected.colourDiff) < 1e-9);
    assert.ok(Math.abs(measured.change - expected.change) < 1e-6, `${measured.change} vs ${expected.change}`);
    assert.equal(measured.pixels, 96 * 80 - 30 * 40);
  });

  it('give tiles whose pixels are the template’s own the values their definitions give', async () => {
    const size = { width: 640, height: 480 };
    const template = await readRgb(await sharp(photo).png().toBuffer(), size);
    // The template with one block redrawn: most tiles untouched, some changed, some at the boundary.
    const block = await sharp(photo)
      .resize(size.width, size.height, { fit: 'fill' })
      .extract({ left: 200, top: 150, width: 180, height: 140 })
      .blur(2)
      .modulate({ brightness: 1.2 })
      .toBuffer();
    const output = await readRgb(
      await sharp(photo)
        .resize(size.width, size.height, { fit: 'fill' })
        .composite([{ input: block, left: 200, top: 150 }])
        .png()
        .toBuffer(),
    );
    const excluded: FaceBox[] = [[420, 40, 120, 140]];
    const measured = measureBackground(template, output, excluded, covered(template), 1);
    const expected = reference(
      template,
      output,
      excluded,
      backgroundTiles(640, 480, BACKGROUND_SAMPLE_PIXELS),
    );
    assert.ok(measured.ssim < 1 && measured.colourDiff > 0, 'the redrawn block is measured');
    assert.ok(Math.abs(measured.ssim - expected.ssim) < 1e-6, `${measured.ssim} vs ${expected.ssim}`);
    assert.ok(Math.abs(measured.colourDiff - expected.colourDiff) < 1e-9);
    assert.ok(Math.abs(measured.change - expected.change) < 1e-6, `${measured.change} vs ${expected.change}`);
  });

  it('measure a large image on tiles within a small margin of measuring it whole', async () => {
    const size = { width: 1024, height: 1024 };
    const template = await readRgb(await sharp(photo).png().toBuffer(), size);
    const excluded: FaceBox[] = [[300, 80, 300, 330]];
    assert.ok(backgroundTiles(1024, 1024, BACKGROUND_SAMPLE_PIXELS).length > 100);
    for (const damage of [
      sharp(photo).jpeg({ quality: 20 }),
      sharp(photo).blur(3),
      sharp(photo).modulate({ brightness: 1.15, saturation: 0.8 }),
    ]) {
      const output = await readRgb(await damage.toBuffer(), size);
      const sampled = measureBackground(template, output, excluded, covered(template), 1);
      const whole = measureBackground(template, output, excluded, covered(template), 1, Infinity);
      assert.ok(sampled.pixels <= BACKGROUND_SAMPLE_PIXELS && whole.pixels > 10 * sampled.pixels);
      assert.ok(Math.abs(sampled.ssim - whole.ssim) < 0.02, `SSIM ${sampled.ssim} vs ${whole.ssim}`);
      assert.ok(
        Math.abs(sampled.colourDiff - whole.colourDiff) < 1,
        `colour ${sampled.colourDiff} vs ${whole.colourDiff}`,
      );
      assert.ok(Math.abs(sampled.change - whole.change) < 0.6, `change ${sampled.change} vs ${whole.change}`);
    }
  });
});
